/**
 * One mitigation run on a prepared task: train the unmitigated model, apply the
 * mitigation (reweighing, exponentiated gradient, fairness penalty or threshold
 * optimisation) and report accuracy and fairness gaps on the test split before and
 * after. Used by `equipoise fairness mitigate` and the benchmark.
 */
import { UserError } from "../common/errors.js";
import { buildModel, initBackend } from "../nn/index.js";
import { type OptimizerConfig, predict, trainModel } from "../train/index.js";
import { EngineLearner } from "./engine-learner.js";
import { exponentiatedGradient } from "./exponentiated-gradient.js";
import { type CodedFeature, groupRows } from "./groups.js";
import { type FeatureMatrix, type WeightedLearner, WeightedLogisticRegression } from "./learner.js";
import { demographicParityDifference, equalizedOddsDifference } from "./measures.js";
import { accuracy } from "./metrics.js";
import { demographicParity, equalizedOdds } from "./moments.js";
import { fairnessPenaltyGradient } from "./penalty.js";
import { reweighingWeights } from "./reweighing.js";
import { fitThresholds, thresholdPredictions } from "./threshold-optimizer.js";

export type MitigationMethod = "reweighing" | "expgrad" | "penalty" | "threshold";
export type FairnessConstraintName = "dp" | "eo";

export interface SplitLike {
  X: { rows: number; cols: number; data: Float32Array };
  y: Float32Array;
  sensitive: CodedFeature[];
}

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
  /** Training settings of engine models (MLPs and the penalty). */
  engine?: { epochs?: number; batchSize?: number; optimizer?: OptimizerConfig };
}

export interface OutcomeFigures {
  accuracy: number;
  demographicParityDifference: number;
  equalizedOddsDifference: number;
}

export interface MitigationOutcome {
  method: MitigationMethod;
  constraint: FairnessConstraintName;
  model: string;
  before: OutcomeFigures;
  after: OutcomeFigures;
  /** Wall time of the mitigated fit. */
  seconds: number;
  details: Record<string, unknown>;
}

function figures(split: SplitLike, yPred: ArrayLike<number>): OutcomeFigures {
  const options = { sensitiveFeatures: split.sensitive };
  return {
    accuracy: accuracy(split.y, yPred),
    demographicParityDifference: demographicParityDifference(split.y, yPred, options),
    equalizedOddsDifference: equalizedOddsDifference(split.y, yPred, options),
  };
}

function engineSettings(request: MitigationRequest) {
  return {
    epochs: request.engine?.epochs ?? 10,
    batchSize: request.engine?.batchSize ?? 256,
    optimizer: request.engine?.optimizer ?? ({ kind: "adam", learningRate: 0.01 } as OptimizerConfig),
  };
}

function learnerFactory(request: MitigationRequest): () => WeightedLearner {
  if (request.model === "logreg") return () => new WeightedLogisticRegression();
  const settings = engineSettings(request);
  return () => new EngineLearner({ model: request.model, seed: request.seed ?? 0, ...settings });
}

export async function runMitigation(request: MitigationRequest): Promise<MitigationOutcome> {
  const { train, test, method, constraint } = request;
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
  const details: Record<string, unknown> = {};
  if (method === "reweighing") {
    const weights = reweighingWeights(train.y, train.sensitive);
    const learner = createLearner();
    learner.fit(train.X, train.y, weights);
    predictions = learner.predict(test.X);
  } else if (method === "expgrad") {
    const result = exponentiatedGradient(
      createLearner,
      { X: train.X, y: train.y, sensitiveFeatures: train.sensitive },
      { constraint: constraint === "dp" ? demographicParity() : equalizedOdds() },
    );
    predictions = result.predict(test.X as FeatureMatrix, seed);
    Object.assign(details, {
      iterations: result.iterations,
      oracleCalls: result.oracleCalls,
      bestGap: result.bestGap,
      classifiers: result.predictors.length,
    });
  } else if (method === "threshold") {
    const fitted = fitThresholds(
      { scores: base.predictProba(train.X), yTrue: train.y, sensitiveFeatures: train.sensitive },
      { constraint: constraint === "dp" ? "demographic_parity" : "equalized_odds" },
    );
    predictions = thresholdPredictions(
      fitted,
      { scores: base.predictProba(test.X), sensitiveFeatures: test.sensitive },
      seed,
    );
    details.policies = fitted.policies;
  } else {
    predictions = trainPenalised(request, request.penaltyWeight ?? 1);
    details.penaltyWeight = request.penaltyWeight ?? 1;
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    method,
    constraint,
    model: request.model,
    before,
    after: figures(test, predictions),
    seconds,
    details,
  };
}

/** Engine model trained with the fairness penalty of weight λ (λ = 0: plain training); test predictions. */
export function trainPenalised(request: MitigationRequest, weight: number): Float64Array {
  const { train, test } = request;
  const grouping = groupRows(train.sensitive, train.X.rows);
  const model = buildModel(request.model, [train.X.cols], 2, request.seed ?? 0);
  try {
    trainModel(
      model,
      { X: train.X, y: train.y },
      {
        ...engineSettings(request),
        seed: request.seed ?? 0,
        gradientComputer:
          weight > 0
            ? fairnessPenaltyGradient({
                constraint: request.constraint === "dp" ? "demographic_parity" : "equalized_odds",
                weight,
                groupOfRow: grouping.groupOfRow,
                labels: train.y,
              })
            : undefined,
      },
    );
    return Float64Array.from(predict(model, test.X).classes);
  } finally {
    model.dispose();
  }
}
