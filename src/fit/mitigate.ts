/**
 * One mitigation run on a prepared task: train the unmitigated model, apply the
 * mitigation (reweighing, exponentiated gradient, fairness penalty or threshold
 * optimisation) and report accuracy and fairness gaps on the test split before and
 * after. Used by `equipoise fairness mitigate` and the fairness benchmark.
 *
 * "logreg" is the reductions' fast full-batch weighted logistic regression
 * (fairness/learner.ts); any other model, and the penalty, train through the
 * recipe (`fitRecipe`), like every other engine model.
 */
import { UserError } from "../common/errors.js";
import {
  type FairnessConstraint,
  type FairnessConstraintShortName,
  parseFairnessConstraint,
  shortNameOf,
} from "../fairness/constraint.js";
import { exponentiatedGradient } from "../fairness/exponentiated-gradient.js";
import { type CodedFeature, groupRows } from "../fairness/groups.js";
import { type FeatureMatrix, type WeightedLearner, WeightedLogisticRegression } from "../fairness/learner.js";
import { demographicParityDifference, equalizedOddsDifference } from "../fairness/measures.js";
import type { PredictionKind } from "../fairness/metric-frame.js";
import { accuracy, expectedAccuracy } from "../fairness/metrics.js";
import { reweighingWeights } from "../fairness/reweighing.js";
import {
  fitThresholds,
  thresholdPredictions,
  thresholdProbabilities,
} from "../fairness/threshold-optimizer.js";
import { initBackend } from "../nn/index.js";
import { predict } from "../train/index.js";
import { fitRecipe } from "./fit.js";
import { RecipeLearner } from "./learner.js";
import type { RecipeInput } from "./recipe.js";

/**
 * The fairness mitigations `equipoise fairness mitigate` runs.
 *
 * @example
 * ```ts
 * import { type MitigationMethod, runMitigation } from "equipoise/fit";
 * import type { PreparedTask } from "equipoise/data";
 * declare const task: PreparedTask; // a binary task with a sensitive attribute (see prepareTask)
 * const method: MitigationMethod = "expgrad";
 * await runMitigation({ train: task.train, test: task.test, method, constraint: "dp", model: "logreg" });
 * ```
 */
export type MitigationMethod = "reweighing" | "expgrad" | "penalty" | "threshold";
/**
 * The constraint, by its full or its command-line name (src/fairness/constraint.ts).
 *
 * @example
 * ```ts
 * import type { FairnessConstraintName } from "equipoise/fit";
 * const short: FairnessConstraintName = "eo";
 * const full: FairnessConstraintName = "equalized_odds"; // the same constraint, as MitigationRequest.constraint
 * ```
 */
export type FairnessConstraintName = FairnessConstraint | FairnessConstraintShortName;

/**
 * Rows as the mitigations read them: features, labels and coded sensitive attributes.
 *
 * @example
 * ```ts
 * import { runMitigation, type SplitLike } from "equipoise/fit";
 * import type { PreparedTask } from "equipoise/data";
 * declare const task: PreparedTask; // a binary task with a sensitive attribute (see prepareTask)
 * const train: SplitLike = task.train; // a prepared split is one
 * await runMitigation({ train, test: task.test, method: "reweighing", constraint: "dp", model: "logreg" });
 * ```
 */
export interface SplitLike {
  X: { rows: number; cols: number; data: Float32Array };
  y: Float32Array;
  sensitive: CodedFeature[];
}

/**
 * What {@link runMitigation} runs: the splits, the method and constraint, and the model.
 *
 * @example
 * ```ts
 * import { type MitigationRequest, runMitigation } from "equipoise/fit";
 * import type { PreparedTask } from "equipoise/data";
 * declare const task: PreparedTask; // a binary task with a sensitive attribute (see prepareTask)
 * const request: MitigationRequest = { train: task.train, test: task.test, method: "penalty", constraint: "dp", model: "mlp:64,64", penaltyWeight: 2, seed: 1, engine: { epochs: 5 } };
 * const outcome = await runMitigation(request);
 * ```
 */
export interface MitigationRequest {
  train: SplitLike;
  test: SplitLike;
  method: MitigationMethod;
  constraint: FairnessConstraintName;
  /** "logreg" (fast full-batch L-BFGS learner) or an engine spec such as "mlp:64,64". */
  model: string;
  seed?: number;
  /** λ of the fairness penalty (default 1). */
  penaltyWeight?: number;
  /** Training settings of engine models (MLPs and the penalty); default Adam lr 0.01 (constant), batch 256, 10 epochs. */
  engine?: Pick<RecipeInput, "epochs" | "batchSize" | "optimizer">;
}

/**
 * Accuracy and the two fairness differences (in [0, 1]) of a model on the test split.
 *
 * @example
 * ```ts
 * import { type OutcomeFigures, runMitigation } from "equipoise/fit";
 * import type { PreparedTask } from "equipoise/data";
 * declare const task: PreparedTask; // a binary task with a sensitive attribute (see prepareTask)
 * const { before, after } = await runMitigation({ train: task.train, test: task.test, method: "reweighing", constraint: "dp", model: "logreg" });
 * const gain: OutcomeFigures = after;
 * gain.demographicParityDifference - before.demographicParityDifference; // the gap's change on the test split
 * ```
 */
export interface OutcomeFigures {
  /** Accuracy in [0, 1]. */
  accuracy: number;
  demographicParityDifference: number;
  equalizedOddsDifference: number;
}

/**
 * A mitigation's result: the metrics before and after, on the test split.
 *
 * @example
 * ```ts
 * import { type MitigationOutcome, runMitigation } from "equipoise/fit";
 * import type { PreparedTask } from "equipoise/data";
 * declare const task: PreparedTask; // a binary task with a sensitive attribute (see prepareTask)
 * const outcome: MitigationOutcome = await runMitigation({ train: task.train, test: task.test, method: "threshold", constraint: "eo", model: "logreg" });
 * outcome.after.equalizedOddsDifference; // expected over the randomised thresholds: outcome.predictionKind is "probability"
 * outcome.warnings; // convergence warnings, if any
 * ```
 */
export interface MitigationOutcome {
  method: MitigationMethod;
  constraint: FairnessConstraintName;
  model: string;
  before: OutcomeFigures;
  /** Expected figures for the randomised methods (see `predictionKind`); `details.oneDraw` has one draw's. */
  after: OutcomeFigures;
  /** "probability" when `after` is the expectation over the classifier's randomisation. */
  predictionKind: PredictionKind;
  /** Wall time of the mitigated fit. */
  seconds: number;
  details: Record<string, unknown>;
  /** Messages of ConvergenceWarnings (e.g. exponentiated gradient's gap still above ν). */
  warnings: string[];
}

/**
 * Accuracy and gaps on a split. For a randomised classifier (exponentiated gradient,
 * threshold optimiser) `yPred` holds P(ŷ = 1) and the figures are the expected ones,
 * not those of one seeded draw, whose noise is as large as the differences compared.
 */
function figures(
  split: SplitLike,
  yPred: ArrayLike<number>,
  predictionKind: PredictionKind = "label",
): OutcomeFigures {
  const options = { sensitiveFeatures: split.sensitive, predictionKind };
  return {
    accuracy: predictionKind === "probability" ? expectedAccuracy(split.y, yPred) : accuracy(split.y, yPred),
    demographicParityDifference: demographicParityDifference(split.y, yPred, options),
    equalizedOddsDifference: equalizedOddsDifference(split.y, yPred, options),
  };
}

/**
 * The engine models' recipe (without mitigation).
 *
 * @example
 * ```ts
 * import { engineRecipe, type MitigationRequest } from "equipoise/fit";
 * declare const request: MitigationRequest; // see runMitigation
 * engineRecipe({ ...request, model: "mlp:16" });
 * // { model: "mlp:16", epochs: 10, batchSize: 256, optimizer: { kind: "adam", learningRate: 0.01, schedule: "constant" }, seed: 0 }
 * ```
 */
export function engineRecipe(request: MitigationRequest): RecipeInput {
  return {
    model: request.model,
    epochs: request.engine?.epochs ?? 10,
    batchSize: request.engine?.batchSize ?? 256,
    // Constant unless asked: the mitigation benchmarks were measured so.
    optimizer: {
      schedule: "constant",
      ...(request.engine?.optimizer ?? { kind: "adam", learningRate: 0.01 }),
    },
    seed: request.seed ?? 0,
  };
}

function learnerFactory(request: MitigationRequest): () => WeightedLearner {
  if (request.model === "logreg") return () => new WeightedLogisticRegression();
  const recipe = engineRecipe(request);
  return () => new RecipeLearner(recipe);
}

/**
 * Trains the unmitigated and the mitigated model and compares them on the test split (`equipoise fairness mitigate`).
 *
 * @example
 * ```ts
 * import { runMitigation } from "equipoise/fit";
 * import type { PreparedTask } from "equipoise/data";
 * declare const task: PreparedTask; // with a sensitive attribute (see prepareTask in equipoise/data)
 * const outcome = await runMitigation({ train: task.train, test: task.test, method: "reweighing", constraint: "demographic_parity", model: "logreg" });
 * outcome.before.demographicParityDifference; // the unmitigated model's gap on the test split
 * outcome.after.demographicParityDifference; // the mitigated model's, with outcome.after.accuracy its cost
 * ```
 */
export async function runMitigation(request: MitigationRequest): Promise<MitigationOutcome> {
  const { train, test, method } = request;
  const constraint = parseFairnessConstraint(request.constraint, "constraint", [
    "demographic_parity",
    "equalized_odds",
  ]);
  if (train.sensitive.length === 0)
    throw new UserError("mitigation needs a sensitive attribute (--sensitive)");
  const seed = request.seed ?? 0;
  const usesEngine = request.model !== "logreg" || method === "penalty";
  if (usesEngine) await initBackend();
  const createLearner = learnerFactory(request);
  const base = createLearner();
  base.fit(train.X, train.y);
  const before = figures(test, method === "penalty" ? trainPenalised(request, 0) : base.predict(test.X));
  const started = performance.now();
  let predictions: ArrayLike<number>;
  let predictionKind: PredictionKind = "label";
  const details: Record<string, unknown> = {};
  const warnings: string[] = [];
  if (method === "reweighing") {
    const weights = reweighingWeights(train.y, train.sensitive);
    const learner = createLearner();
    learner.fit(train.X, train.y, weights);
    predictions = learner.predict(test.X);
  } else if (method === "expgrad") {
    const result = exponentiatedGradient(
      createLearner,
      { X: train.X, y: train.y, sensitiveFeatures: train.sensitive },
      { constraint },
    );
    predictions = result.predictProba(test.X as FeatureMatrix);
    predictionKind = "probability";
    details.oneDraw = figures(test, result.predict(test.X as FeatureMatrix, seed));
    Object.assign(details, {
      iterations: result.iterations,
      oracleCalls: result.oracleCalls,
      bestGap: result.bestGap,
      classifiers: result.predictors.length,
    });
    warnings.push(...result.warnings.map((w) => w.message));
  } else if (method === "threshold") {
    const fitted = fitThresholds(
      { scores: base.predictProba(train.X), yTrue: train.y, sensitiveFeatures: train.sensitive },
      { constraint },
    );
    const testInput = { scores: base.predictProba(test.X), sensitiveFeatures: test.sensitive };
    predictions = thresholdProbabilities(fitted, testInput);
    predictionKind = "probability";
    details.oneDraw = figures(test, thresholdPredictions(fitted, testInput, seed));
    details.policies = fitted.policies;
  } else {
    predictions = trainPenalised(request, request.penaltyWeight ?? 1);
    details.penaltyWeight = request.penaltyWeight ?? 1;
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    method,
    constraint: shortNameOf(constraint),
    model: request.model,
    before,
    after: figures(test, predictions, predictionKind),
    predictionKind,
    seconds,
    details,
    warnings,
  };
}

/**
 * The engine model trained through the recipe with the fairness penalty of weight λ
 * on the groups of all the request's sensitive features together (their
 * intersections); λ = 0 trains without it. Returns the test predictions.
 *
 * @example
 * ```ts
 * import { type MitigationRequest, trainPenalised } from "equipoise/fit";
 * declare const request: MitigationRequest; // see runMitigation; with model "mlp:64"
 * const unpenalised = trainPenalised(request, 0);
 * const penalised = trainPenalised(request, 2); // λ = 2; both are the test split's predictions
 * ```
 */
export function trainPenalised(request: MitigationRequest, weight: number): Float64Array {
  const { train, test } = request;
  const grouping = groupRows(train.sensitive, train.X.rows);
  const groups = {
    name: grouping.featureNames.join(" × "),
    categories: grouping.groups.map((g) => g.label),
    codes: grouping.groupOfRow,
  };
  const fitted = fitRecipe(
    {
      ...engineRecipe(request),
      fairness:
        weight > 0
          ? { method: "penalty", constraint: request.constraint, weight, attribute: groups.name }
          : { method: "none" },
    },
    { train: { X: train.X, y: train.y, sensitive: [groups] }, numClasses: 2, inputShape: [train.X.cols] },
  );
  try {
    return Float64Array.from(predict(fitted.model, test.X).classes);
  } finally {
    fitted.model.dispose();
  }
}
