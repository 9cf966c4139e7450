/**
 * What a recipe means for one data set, before any training: the rows the model
 * trains on, their sample weights, the fairness penalty's inputs, and what a private
 * run will have to label as not covered by ε. Shared by `fitRecipe` (one model) and
 * `fitRecipes` (K models at once), so that both train exactly the same thing.
 *
 * Fairness mitigations and DP: the batch penalty couples the examples of a batch
 * (the clipped sum's sensitivity would no longer be C), so under DP the penalty's
 * group statistics come from a reference split held out of training
 * (fairness/reference-penalty.ts), which is reported as NOT protected by ε.
 * Reweighing's weights are statistics of the training rows and are refused under DP
 * (recipe.ts); class weights are allowed under DP, scaled into [0, 1] so that no
 * example's clipped gradient counts more than C, and their class frequencies are
 * labelled as not covered.
 */
import { UserError } from "../common/errors.js";
import type { PreprocessingRecord } from "../data/preprocessing-record.js";
import { selectSplit, stratifiedSplit } from "../data/split.js";
import type { Split } from "../data/types.js";
import type { FairnessConstraint } from "../fairness/constraint.js";
import type { ReferenceSet } from "../fairness/reference-penalty.js";
import { reweighingWeights } from "../fairness/reweighing.js";
import { parseRecipe, type Recipe, type RecipeInput } from "./recipe.js";

/**
 * The data a recipe is fitted to.
 *
 * @example
 * ```ts
 * import { type FitData, fitRecipe } from "equipoise/fit";
 * import type { PreparedTask } from "equipoise/data";
 * declare const task: PreparedTask; // see prepareTask
 * const data: FitData = { train: task.train, numClasses: task.numClasses, inputShape: [task.train.X.cols], preprocessing: task.preprocessing };
 * const fit = fitRecipe({ model: "logreg", privacy: { targetEpsilon: 1, clip: 1 } }, data);
 * ```
 */
export interface FitData {
  /** The training rows (sensitive attributes are needed only by fairness mitigations). */
  train: Split;
  /**
   * Held-out rows whose group statistics the fairness penalty may read under DP
   * (NOT protected by ε; the explorer passes its validation split). When a private
   * penalised recipe needs one and none is given, `referenceFraction` of the
   * training rows is held out (stratified, seeded by the recipe's seed).
   */
  reference?: Split;
  numClasses: number;
  /** Per-example input shape, e.g. [104] or [28, 28, 1]. */
  inputShape: readonly number[];
  /**
   * Weights of the training rows from outside the recipe (a reduction's), multiplied
   * into the recipe's own. Under DP each must lie in [0, 1].
   */
  sampleWeights?: ArrayLike<number>;
  /**
   * How the features were preprocessed (the data layer's record). A private recipe
   * composes its releases in the same accountant as DP-SGD, takes ε at δ minus the
   * δ it spent outside the accountant, and is marked not for release when the
   * preprocessing reads the training rows without protection.
   */
  preprocessing?: Pick<PreprocessingRecord, "mode" | "releases" | "thresholdDelta" | "notForRelease">;
}

/**
 * How the fitted model was mitigated, as a model file and a summary record it.
 *
 * @example
 * ```ts
 * import { type FairnessSummary, type FitData, planFit } from "equipoise/fit";
 * declare const data: FitData; // binary data with a "sex" sensitive attribute (see fitRecipe)
 * const fairness: FairnessSummary | undefined = planFit({ model: "logreg", fairness: { method: "penalty", constraint: "dp" } }, data).fairness;
 * fairness?.method === "penalty" && fairness.statistics; // "batch": non-private, so the batch's own group statistics
 * ```
 */
export type FairnessSummary =
  | {
      method: "penalty";
      constraint: FairnessConstraint;
      weight: number;
      attribute: string;
      /** Batch statistics (non-private) or a held-out reference split's (private). */
      statistics: "batch" | "reference";
      reference?: {
        rows: number;
        /** Share of the training split held out, when the reference was carved from it. */
        fraction?: number;
        seed?: number;
        coveredByEpsilon: false;
        note: string;
      };
    }
  | { method: "reweighing"; attribute: string };

/**
 * A fairness penalty as training applies it: constraint, weight, and each training row's group and label.
 *
 * @example
 * ```ts
 * import { type FitData, type PenaltyPlan, planFit } from "equipoise/fit";
 * declare const data: FitData; // binary data with a sensitive attribute (see fitRecipe)
 * const penalty: PenaltyPlan | undefined = planFit({ model: "logreg", fairness: { method: "penalty", constraint: "eo", weight: 2 } }, data).penalty;
 * penalty?.constraint; // "equalized_odds"; penalty.groupOfRow: the group of every training row
 * ```
 */
export interface PenaltyPlan {
  constraint: FairnessConstraint;
  weight: number;
  /** Group of every training row (of `FitPlan.train`). */
  groupOfRow: Int32Array;
  labels: Float32Array;
  /** Under DP: where the group statistics come from. */
  reference?: ReferenceSet;
}

/**
 * How a recipe will train on given data: rows, steps, sample rate, and what ε will not cover.
 *
 * @example
 * ```ts
 * import { type FitData, type FitPlan, planFit } from "equipoise/fit";
 * declare const data: FitData; // the training split, classes and input shape (see fitRecipe)
 * const plan: FitPlan = planFit({ model: "logreg", classWeighting: "balanced", privacy: { targetEpsilon: 1, clip: 1 } }, data);
 * plan.train.X.rows; // the rows the model will train on
 * plan.notCoveredByEpsilon; // what ε will not cover, here among others the class frequencies behind the weights
 * ```
 */
export interface FitPlan {
  recipe: Recipe;
  /** Rows of `data.train` the model trains on, or null for all of them. */
  rows: Int32Array | null;
  /** Those rows. */
  train: Split;
  /** Weight of every row of `train`, when any weighting applies. */
  sampleWeights?: Float32Array;
  penalty?: PenaltyPlan;
  fairness?: FairnessSummary;
  /** What a private run reads without protection, one sentence each. */
  notCoveredByEpsilon: string[];
  /** Things the user should know (printed as notes by the CLI). */
  warnings: string[];
}

/**
 * Checks a recipe against the data and plans its training, before any work.
 *
 * @example
 * ```ts
 * import { planFit } from "equipoise/fit";
 * import type { PreparedTask } from "equipoise/data";
 * declare const task: PreparedTask; // see prepareTask in equipoise/data
 * const data = { train: task.train, numClasses: task.numClasses, inputShape: [task.train.X.cols] };
 * const plan = planFit({ model: "logreg", privacy: { targetEpsilon: 1, clip: 1 } }, data);
 * plan.notCoveredByEpsilon; // ["preprocessing: the feature statistics ... are NOT protected by epsilon"]
 * ```
 */
export function planFit(input: RecipeInput | Recipe, data: FitData): FitPlan {
  const recipe = parseRecipe(input);
  checkData(data);
  const notCoveredByEpsilon: string[] = [];
  const warnings: string[] = [];
  let rows: Int32Array | null = null;
  let train = data.train;
  let penalty: PenaltyPlan | undefined;
  let fairness: FairnessSummary | undefined;
  let recipeWeights: Float64Array | undefined;

  const mitigation = recipe.fairness;
  if (mitigation.method !== "none") {
    if (data.numClasses !== 2) {
      throw new UserError(
        `the fairness ${mitigation.method} needs a binary target; this one has ${data.numClasses} classes (give --positive VALUE)`,
      );
    }
    const attributeIndex = sensitiveIndex(data.train, mitigation.attribute);
    const attribute = data.train.sensitive[attributeIndex].name;
    if (mitigation.method === "reweighing") {
      recipeWeights = reweighingWeights(train.y, [train.sensitive[attributeIndex]]);
      fairness = { method: "reweighing", attribute };
    } else if (!recipe.privacy) {
      penalty = {
        constraint: mitigation.constraint,
        weight: mitigation.weight,
        groupOfRow: train.sensitive[attributeIndex].codes,
        labels: train.y,
      };
      fairness = { ...penaltySettings(mitigation, attribute), statistics: "batch" };
    } else {
      let reference = data.reference;
      let carved: { fraction: number; seed: number } | undefined;
      if (!reference) {
        carved = { fraction: mitigation.referenceFraction, seed: recipe.seed };
        const parts = stratifiedSplit(train.y, carved.fraction, carved.seed);
        if (parts.train.length === 0 || parts.test.length === 0) {
          throw new UserError(
            `too few training rows (${train.X.rows}) to hold out a reference split of ${carved.fraction} for the fairness penalty`,
          );
        }
        rows = parts.train;
        reference = selectSplit(data.train, parts.test);
        train = selectSplit(data.train, parts.train);
      }
      const referenceIndex = sensitiveIndex(reference, attribute);
      penalty = {
        constraint: mitigation.constraint,
        weight: mitigation.weight,
        groupOfRow: train.sensitive[attributeIndex].codes,
        labels: train.y,
        reference: {
          X: reference.X,
          labels: reference.y,
          groupOf: reference.sensitive[referenceIndex].codes,
        },
      };
      const note = carved
        ? `the penalty's group statistics come from ${reference.X.rows} rows held out of the training split (${carved.fraction * 100}%, seed ${carved.seed}); they are not trained on and are NOT protected by epsilon`
        : `the penalty's group statistics come from a separate reference split of ${reference.X.rows} rows, which is NOT protected by epsilon`;
      fairness = {
        ...penaltySettings(mitigation, attribute),
        statistics: "reference",
        reference: { rows: reference.X.rows, ...(carved ?? {}), coveredByEpsilon: false, note },
      };
      notCoveredByEpsilon.push(`fairness reference split: ${note}`);
    }
  }

  if (recipe.classWeighting === "balanced") {
    const classWeights = balancedClassWeights(train.y, data.numClasses, Boolean(recipe.privacy));
    recipeWeights ??= new Float64Array(train.X.rows).fill(1);
    for (let i = 0; i < train.X.rows; i++) recipeWeights[i] *= classWeights[train.y[i]];
    if (recipe.privacy) {
      notCoveredByEpsilon.push(
        "class frequencies: the balanced class weights are computed from the training rows' class counts, which are NOT protected by epsilon",
      );
    }
  }
  const preprocessingMode = data.preprocessing?.mode ?? recipe.preprocessing ?? "fit";
  if (recipe.privacy && (preprocessingMode === "fit" || data.preprocessing?.notForRelease)) {
    notCoveredByEpsilon.push(
      `preprocessing: ${data.preprocessing?.notForRelease ?? "the feature statistics (means, standard deviations, category lists) fitted on the training rows are NOT protected by epsilon"}`,
    );
  }
  if (recipe.privacy) {
    const n = train.X.rows;
    if (recipe.privacy.delta >= 1 / n) {
      warnings.push(
        `delta ${recipe.privacy.delta} ≥ 1/N = 1/${n}: a mechanism that publishes one training row outright meets (0, 1/N)-DP; choose delta well below 1/N`,
      );
    }
    if (recipe.batchSize > n) {
      throw new UserError(
        `the batch size ${recipe.batchSize} is larger than the ${n} training rows; DP-SGD needs an expected batch size ≤ N`,
      );
    }
  }
  const sampleWeights = combineWeights(recipeWeights, data.sampleWeights, rows);
  return {
    recipe,
    rows,
    train,
    ...(sampleWeights ? { sampleWeights } : {}),
    ...(penalty ? { penalty } : {}),
    ...(fairness ? { fairness } : {}),
    notCoveredByEpsilon,
    warnings,
  };
}

function checkData(data: FitData): void {
  const { train, numClasses, inputShape } = data;
  const inputSize = inputShape.reduce((a, b) => a * b, 1);
  if (train.X.rows < 1) throw new UserError("there are no training rows to fit");
  if (train.X.cols !== inputSize) {
    throw new UserError(`the model input has ${inputSize} values per example, the data has ${train.X.cols}`);
  }
  if (!(Number.isInteger(numClasses) && numClasses >= 2)) {
    throw new UserError(`a classifier needs at least 2 classes, got ${numClasses}`);
  }
  for (let i = 0; i < train.y.length; i++) {
    const label = train.y[i];
    if (!(Number.isInteger(label) && label >= 0 && label < numClasses)) {
      throw new UserError(`training row ${i} has label ${label}, not a class index in [0, ${numClasses})`);
    }
  }
  if (data.sampleWeights && data.sampleWeights.length !== train.X.rows) {
    throw new UserError(`${data.sampleWeights.length} sample weights for ${train.X.rows} training rows`);
  }
}

function sensitiveIndex(split: Split, name: string | undefined): number {
  if (split.sensitive.length === 0) {
    throw new UserError(
      "the fairness mitigation needs a sensitive attribute; the data has none (give --sensitive COL)",
    );
  }
  if (name === undefined) return 0;
  const index = split.sensitive.findIndex((s) => s.name === name);
  if (index < 0) {
    const known = split.sensitive.map((s) => s.name).join(", ");
    throw new UserError(`'${name}' is not a sensitive attribute of the data (known: ${known})`);
  }
  return index;
}

function penaltySettings(mitigation: Extract<Recipe["fairness"], { method: "penalty" }>, attribute: string) {
  return {
    method: "penalty" as const,
    constraint: mitigation.constraint,
    weight: mitigation.weight,
    attribute,
  };
}

/**
 * scikit-learn's "balanced" weights N / (K·n_c) over the K classes present; for DP the
 * same ratios scaled so that the largest (the rarest class's) is 1.
 *
 * @example
 * ```ts
 * import { balancedClassWeights } from "equipoise/fit";
 * balancedClassWeights([0, 0, 0, 1], 2, false); // Float64Array [0.667, 2]: N / (K·n_c)
 * balancedClassWeights([0, 0, 0, 1], 2, true); // Float64Array [0.333, 1]: the largest is 1 under DP
 * ```
 */
export function balancedClassWeights(y: ArrayLike<number>, numClasses: number, forDp: boolean): Float64Array {
  const counts = new Float64Array(numClasses);
  for (let i = 0; i < y.length; i++) counts[y[i]]++;
  const present = counts.filter((c) => c > 0);
  const weights = counts.map((c) => (c > 0 ? y.length / (present.length * c) : 0));
  if (!forDp) return weights;
  const largest = Math.max(...weights);
  return weights.map((w) => w / largest);
}

function combineWeights(
  recipeWeights: Float64Array | undefined,
  external: ArrayLike<number> | undefined,
  rows: Int32Array | null,
): Float32Array | undefined {
  if (!recipeWeights && !external) return undefined;
  const n = recipeWeights ? recipeWeights.length : rows ? rows.length : external!.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const outside = external ? external[rows ? rows[i] : i] : 1;
    out[i] = (recipeWeights ? recipeWeights[i] : 1) * outside;
  }
  return out;
}
