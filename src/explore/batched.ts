/**
 * Several explorer trials that share a model spec, trained as one ensemble
 * (train/ensemble.ts): each member keeps exactly what `runTrial` would do with it
 * alone — its learning rate, batch size, epochs, DP-SGD (Poisson rate q = batch/N,
 * flat clipping, seeded noise from the same stream makePrivate would use, the same
 * accountant) and fairness penalty (batch statistics when non-private, the
 * validation split as reference when private) — so the outcomes are those of
 * `runTrial` up to float rounding, at the per-op cost of about one trial.
 */
import { createRandom } from "../common/rng.js";
import type { Split } from "../data/index.js";
import { type PenaltyConstraint, penaltyGradient } from "../fairness/penalty.js";
import { ReferencePenaltyState, type ReferenceSet } from "../fairness/reference-penalty.js";
import { createAccountant } from "../privacy/index.js";
import type { Configuration } from "../search/index.js";
import {
  type EnsembleMember,
  type MemberBatch,
  type OutputGradientRule,
  predict,
  trainEnsemble,
} from "../train/index.js";
import { splitMetrics } from "./metrics.js";
import { recipeOf, type TrialRecipe } from "./space.js";
import { runTrial, type TrialData, type TrialOutcome, type TrialSettings } from "./trial.js";

export interface TrialJob {
  config: Configuration;
  seed: number;
}

/**
 * The key trials must share to be trained together (their model spec), or null for
 * trials better trained alone. On the WASM backend the batched matMul [K, B, d]·[K,
 * d, h] is ~10× slower per member than XNNPACK's 2-D one (BENCHMARKS.md, "Batched
 * trials"), so only models whose products are negligible next to the per-op
 * overhead gain: logistic regression (one dense layer, one output). MLP trials run
 * alone. `runTrialBatch` itself takes any shared MLP spec.
 */
export function batchKey(config: Configuration): string | null {
  const model = recipeOf(config).model;
  return model === "logreg" ? model : null;
}

/**
 * Outcomes of `jobs` (in order), trained as one ensemble when they share a model
 * spec. `trainSeconds` of each is the ensemble's time divided by the number of
 * members (its share of the cost). A job whose recipe the ensemble cannot take
 * (invalid DP settings) runs alone through `runTrial`, so it fails as it would alone;
 * if the ensemble itself fails, every job is rerun alone so each gets its own error.
 */
export function runTrialBatch(
  jobs: readonly TrialJob[],
  data: TrialData,
  settings: TrialSettings,
): (TrialOutcome | Error)[] {
  const alone = (job: TrialJob): TrialOutcome | Error => {
    try {
      return runTrial(job.config, job.seed, data, settings);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  };
  const recipes = jobs.map((job) => recipeOf(job.config));
  const batchable = recipes.map((r) => !r.dp || (r.noise > 0 && r.clip > 0));
  const together = jobs.filter((_, k) => batchable[k]);
  if (together.length <= 1) return jobs.map(alone);
  if (new Set(together.map((job) => recipeOf(job.config).model)).size > 1)
    throw new RangeError("runTrialBatch: the trials of a batch must share one model spec");
  let outcomes: TrialOutcome[];
  try {
    outcomes = trainAndScore(together, data, settings);
  } catch {
    return jobs.map(alone);
  }
  let next = 0;
  return jobs.map((job, k) => (batchable[k] ? outcomes[next++] : alone(job)));
}

function trainAndScore(jobs: readonly TrialJob[], data: TrialData, settings: TrialSettings): TrialOutcome[] {
  const recipes = jobs.map((job) => recipeOf(job.config));
  const rows = data.train.X.rows;
  const accountants = recipes.map((r) => (r.dp ? createAccountant(settings.accountant) : null));
  const members: EnsembleMember[] = jobs.map((job, k) => {
    const recipe = recipes[k];
    const accountant = accountants[k];
    return {
      seed: job.seed,
      learningRate: recipe.lr,
      batchSize: Math.min(recipe.batch, rows),
      epochs: recipe.epochs,
      ...(accountant
        ? {
            privacy: {
              clip: recipe.clip,
              noise: recipe.noise,
              // The stream makePrivate draws seeded noise from.
              random: createRandom(job.seed ^ 0x5eed_d9),
              onStep: (q: number, sigma: number) => accountant.step(q, sigma),
            },
          }
        : {}),
      ...(recipe.fairWeight > 0 ? { outputGradients: penaltyRule(recipe, data, settings) } : {}),
    };
  });
  const ensemble = trainEnsemble(
    recipes[0].model,
    data.numClasses,
    { X: data.train.X, y: data.train.y },
    members,
    { epochs: 1, batchSize: 1 },
  );
  try {
    const trainSeconds = ensemble.seconds / jobs.length;
    return ensemble.models.map((model, k) => {
      const accountant = accountants[k];
      let epsilon = Number.POSITIVE_INFINITY;
      let privacy: TrialOutcome["privacy"] = null;
      const used = ensemble.privacy[k];
      if (accountant && used) {
        epsilon = accountant.spent(settings.delta).epsilon;
        privacy = {
          noise: used.noise,
          sampleRate: used.sampleRate,
          steps: accountant.history.reduce((sum, g) => sum + g.steps, 0),
          delta: settings.delta,
          accountant: settings.accountant,
        };
      }
      const score = (split: Split) =>
        splitMetrics(split.y, predict(model, split.X).classes, split.sensitive, data.primary, epsilon);
      return {
        recipe: recipes[k],
        validation: score(data.validation),
        test: score(data.test),
        privacy,
        trainSeconds,
      };
    });
  } finally {
    for (const model of ensemble.models) model.dispose();
  }
}

/** The penalty `runTrial` would use for this recipe, as an output-gradient rule. */
function penaltyRule(recipe: TrialRecipe, data: TrialData, settings: TrialSettings): OutputGradientRule {
  const constraint: PenaltyConstraint = settings.fairness === "eo" ? "equalized_odds" : "demographic_parity";
  const groupOfRow = data.train.sensitive[data.primary].codes;
  if (!recipe.dp) {
    return batchPenaltyRule({ constraint, weight: recipe.fairWeight, groupOfRow, labels: data.train.y });
  }
  return referencePenaltyRule({
    constraint,
    weight: recipe.fairWeight,
    groupOfRow,
    reference: {
      X: data.validation.X,
      labels: data.validation.y,
      groupOf: data.validation.sensitive[data.primary].codes,
    },
  });
}

/**
 * fairness/penalty.ts's `fairnessPenaltyGradient` (unweighted rows) as seeds:
 * tᵢ = (pᵢ − yᵢ)/B + λ ∂P/∂pᵢ · pᵢ(1 − pᵢ), rounded through the pseudo-label
 * pᵢ − tᵢ exactly as that strategy feeds it to the backward pass.
 */
export function batchPenaltyRule(options: {
  constraint: PenaltyConstraint;
  weight: number;
  groupOfRow: Int32Array;
  labels: ArrayLike<number>;
}): OutputGradientRule {
  const groups = options.groupOfRow.reduce((a, b) => Math.max(a, b), 0) + 1;
  const classes = options.constraint === "equalized_odds" ? 2 : 1;
  return {
    name: `fairness-penalty(${options.constraint}, λ=${options.weight})`,
    compute(batch: MemberBatch): Float32Array {
      const size = batch.rows.length;
      const seeds = new Float32Array(size);
      if (size === 0) return seeds;
      const p = batch.probabilities;
      const groupOf = Int32Array.from(batch.rows, (row) => options.groupOfRow[row]);
      const classOf = Int32Array.from(batch.rows, (row) =>
        classes === 2 && options.labels[row] === 1 ? 1 : 0,
      );
      const penalty = penaltyGradient(p, groupOf, classOf, groups, classes);
      for (let i = 0; i < size; i++) {
        const t = (p[i] - batch.labels[i]) / size + options.weight * penalty.gradient[i] * p[i] * (1 - p[i]);
        seeds[i] = p[i] - Math.fround(p[i] - t);
      }
      return seeds;
    },
  };
}

/**
 * fairness/reference-penalty.ts's `withReferencePenalty` around DP-SGD (unweighted
 * rows) as per-example seeds σ(zᵢ) − ỹᵢ, ỹᵢ = yᵢ − λ k_{c,g} pᵢ(1 − pᵢ), with the
 * reference statistics re-measured every `refreshEvery` member steps.
 */
export function referencePenaltyRule(options: {
  constraint: PenaltyConstraint;
  weight: number;
  groupOfRow: Int32Array;
  reference: ReferenceSet;
  refreshEvery?: number;
}): OutputGradientRule {
  const refreshEvery = options.refreshEvery ?? 10;
  const state = new ReferencePenaltyState(options);
  return {
    name: `reference-penalty(${options.constraint}, λ=${options.weight})`,
    compute(batch: MemberBatch): Float32Array {
      if (batch.step % refreshEvery === 0) state.update(batch.probabilitiesOn(options.reference.X));
      const size = batch.rows.length;
      const seeds = new Float32Array(size);
      for (let i = 0; i < size; i++) {
        const y = batch.labels[i];
        const p = 1 / (1 + Math.exp(-batch.logits[i]));
        seeds[i] = batch.probabilities[i] - Math.fround(y - state.labelShift(batch.rows[i], y, p));
      }
      return seeds;
    },
  };
}
