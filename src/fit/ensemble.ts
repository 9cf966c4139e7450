/**
 * Several recipes fitted to the same data, with those that can share one K-models
 * ensemble (train/ensemble.ts) trained at once: each result is the one `fitRecipe`
 * gives for that recipe alone (same initialisation, batches, clip-and-noise steps,
 * accountant and penalty; equal up to float rounding, tested), for about the per-op
 * cost of one model — a gain where per-op overhead dominates (logistic regression on
 * WASM; an MLP's batched matMul is slower there: BENCHMARKS.md, "Batched trials").
 * Shadow models (audits) and batched explorer trials use it.
 *
 * The ensemble takes plain SGD on an MLP or a logistic regression over flat
 * features, unweighted, with flat clipping under DP and any fairness penalty;
 * other recipes are fitted one by one, so any list of recipes is accepted.
 */
import {
  clipAndNoise,
  createAccountant,
  planPrivateSteps,
  privacyReportOf,
  privateNoiseSource,
} from "../privacy/index.js";
import { createSecureRandom } from "../privacy/secure-random.js";
import {
  type EnsembleMember,
  parametersAreFinite,
  TrainingDivergedError,
  trainEnsemble,
} from "../train/index.js";
import { type FitResult, fitRecipe, privacyDocument } from "./fit.js";
import { batchPenaltyRule, referencePenaltyRule } from "./penalty-rules.js";
import { type FitData, type FitPlan, planFit } from "./plan.js";
import type { Recipe, RecipeInput } from "./recipe.js";

const ENSEMBLE_MODEL = /^(logreg|mlp:\d+(,\d+)*)$/;

/**
 * The key recipes must share to be trained in one ensemble (their model spec), or
 * null when the ensemble cannot reproduce this recipe's training alone.
 *
 * @example
 * ```ts
 * import { ensembleKey, type FitData, planFit } from "equipoise/fit";
 * declare const data: FitData; // the FitData of fitRecipe
 * ensembleKey(planFit({ model: "logreg", optimizer: { kind: "sgd", learningRate: 0.1 } }, data), data); // "logreg"
 * ensembleKey(planFit({ model: "logreg" }, data), data); // null: Adam members are trained alone
 * ```
 */
export function ensembleKey(plan: FitPlan, data: FitData): string | null {
  const { recipe } = plan;
  const batchable =
    ENSEMBLE_MODEL.test(recipe.model) &&
    data.inputShape.length === 1 &&
    recipe.optimizer.kind === "sgd" &&
    recipe.optimizer.momentum === 0 &&
    recipe.optimizer.weightDecay === 0 &&
    !plan.sampleWeights &&
    // Preprocessing releases and reserved δ are recorded by fitRecipe's accountant only.
    !(recipe.privacy && (data.preprocessing?.releases.length || data.preprocessing?.thresholdDelta)) &&
    (recipe.privacy ? recipe.privacy.clipping === "flat" : recipe.sampling === "shuffle");
  return batchable ? recipe.model : null;
}

/**
 * Fits several recipes on the same data, training the ones that can share an ensemble pass together.
 * Returns one result per input, in order.
 *
 * @example
 * ```ts
 * import { type FitData, fitRecipes } from "equipoise/fit";
 * declare const data: FitData; // the training split, classes and input shape (see fitRecipe)
 * const [plain, wide] = fitRecipes([{ model: "logreg" }, { model: "mlp:32" }], data);
 * ```
 */
export function fitRecipes(inputs: readonly (RecipeInput | Recipe)[], data: FitData): FitResult[] {
  const plans = inputs.map((input) => planFit(input, data));
  const groups = new Map<string, number[]>();
  plans.forEach((plan, k) => {
    const key = ensembleKey(plan, data);
    if (key === null) return;
    const members = groups.get(key) ?? [];
    members.push(k);
    groups.set(key, members);
  });
  const results: (FitResult | undefined)[] = new Array(plans.length);
  try {
    for (const members of groups.values()) {
      if (members.length < 2) continue;
      const fitted = fitTogether(
        members.map((k) => plans[k]),
        data,
      );
      members.forEach((k, i) => {
        results[k] = fitted[i];
      });
    }
    plans.forEach((plan, k) => {
      results[k] ??= fitRecipe(plan.recipe, data);
    });
  } catch (error) {
    for (const result of results) result?.model.dispose();
    throw error;
  }
  return results as FitResult[];
}

function fitTogether(plans: FitPlan[], data: FitData): FitResult[] {
  const steps = plans.map((plan) => privateStep(plan));
  const members: EnsembleMember[] = plans.map((plan, k) => {
    const { recipe } = plan;
    const step = steps[k];
    return {
      seed: recipe.seed,
      learningRate: recipe.optimizer.learningRate,
      schedule: recipe.optimizer.schedule,
      batchSize: recipe.batchSize,
      epochs: recipe.epochs,
      ...(plan.rows ? { subset: plan.rows } : {}),
      ...(step ? { privacy: step } : {}),
      ...(step && recipe.privacy?.noiseSeed === undefined ? { samplingRandom: createSecureRandom() } : {}),
      ...(plan.penalty ? { outputGradients: penaltyRule(plan, data) } : {}),
    };
  });
  const ensemble = trainEnsemble(
    plans[0].recipe.model,
    data.numClasses,
    { X: data.train.X, y: data.train.y },
    members,
    { epochs: 1, batchSize: 1 },
  );
  try {
    return plans.map((plan, k) => {
      const { recipe } = plan;
      const model = ensemble.models[k];
      const step = steps[k];
      if (!parametersAreFinite(model)) {
        const hint = recipe.privacy
          ? `learning rate ${recipe.optimizer.learningRate} or clipping norm ${recipe.privacy.clip} too large?`
          : `learning rate ${recipe.optimizer.learningRate} too large?`;
        throw new TrainingDivergedError(recipe.epochs, "parameters", hint);
      }
      const rows = plan.train.X.rows;
      const batch = Math.min(recipe.batchSize, rows);
      const rules = [members[k].outputGradients?.name].filter(Boolean).join("+");
      return {
        model,
        recipe,
        training: {
          trainRows: rows,
          epochs: recipe.epochs,
          steps: ensemble.memberSteps[k],
          sampling: step ? "poisson" : "shuffle",
          sampleRate: step ? step.sampleRate : batch / rows,
          expectedBatchSize: step ? step.expectedBatchSize : batch,
          gradient: `ensemble(${step ? `dp-sgd(flat, clip=${step.clip}, noise=${step.noiseMultiplier})` : "mean"}${rules ? `+${rules}` : ""})`,
          seconds: ensemble.seconds / plans.length,
          history: [],
        },
        ...(step
          ? { privacy: privacyDocument(privacyReportOf(step, recipe.privacy!.delta, "flat"), plan, data) }
          : {}),
        ...(plan.fairness ? { fairness: plan.fairness } : {}),
        warnings: plan.warnings,
      };
    });
  } catch (error) {
    for (const model of ensemble.models) model.dispose();
    throw error;
  }
}

/** The clip-and-noise step `makePrivate` would set up for this plan (null when non-private). */
function privateStep(plan: FitPlan) {
  const settings = plan.recipe.privacy;
  if (!settings) return null;
  const dataSize = plan.train.X.rows;
  const { noise, sampleRate } = planPrivateSteps({
    batchSize: plan.recipe.batchSize,
    dataSize,
    epochs: plan.recipe.epochs,
    noise: settings.noiseMultiplier,
    targetEpsilon: settings.targetEpsilon,
    delta: settings.delta,
    accountant: settings.accountant,
  });
  return clipAndNoise({
    clip: settings.clip,
    noiseMultiplier: noise,
    sampleRate,
    dataSize,
    noise: privateNoiseSource(settings.noiseSeed),
    accountant: createAccountant(settings.accountant),
  });
}

/** The plan's penalty as an output-gradient rule over rows of the whole training split. */
function penaltyRule(plan: FitPlan, data: FitData) {
  const penalty = plan.penalty!;
  let groupOfRow = penalty.groupOfRow;
  if (plan.rows) {
    groupOfRow = new Int32Array(data.train.X.rows);
    plan.rows.forEach((row, i) => {
      groupOfRow[row] = penalty.groupOfRow[i];
    });
  }
  const common = { constraint: penalty.constraint, weight: penalty.weight, groupOfRow };
  return penalty.reference
    ? referencePenaltyRule({ ...common, reference: penalty.reference })
    : batchPenaltyRule({ ...common, labels: data.train.y });
}
