/**
 * Explanations through training examples (issue 12): the model seam, influence
 * functions, leave-one-out retraining, data valuation, the examples behind an
 * unfairness, mislabelled data, and the JSON documents of `equipoise explain`.
 * Worker threads for Node are in ./parallel/node-threads.ts (not exported here, so
 * that this surface stays free of Node-only modules).
 */

export { type CheckpointedModel, type CheckpointTraining, trainWithCheckpoints } from "./checkpoints.js";
export {
  allRows,
  checkRows,
  type Examples,
  examplesFromSplit,
  type SparseRows,
  selectExamples,
  withLabels,
} from "./data.js";
export * from "./documents.js";
export * from "./fairness/explain-fairness.js";
export * from "./fairness/loo-unfairness.js";
export * from "./fairness/patterns.js";
export * from "./fairness/surrogate.js";
export * from "./features.js";
export * from "./influence/influence.js";
export * from "./influence/kronecker.js";
export * from "./influence/solvers.js";
export * from "./influence/tracin.js";
export * from "./loo.js";
export * from "./mislabels.js";
export * from "./model.js";
export type { CnnArchitecture, CnnModel, NetworkLayer } from "./models/cnn.js";
export * from "./models/convert.js";
export {
  fitLogisticRegression,
  LOGISTIC_TOLERANCE,
  type LogisticFit,
  type LogisticFitOptions,
  LogisticModel,
  type LogisticOptions,
  linearScores,
  logisticGradient,
  logisticHessian,
  logisticLoss,
  logisticObjective,
} from "./models/logistic.js";
export * from "./models/mlp.js";
export type { ModelTransfer } from "./models/transfer.js";
export * from "./out-of-fold.js";
export * from "./parallel/runner.js";
export * from "./prepare.js";
export { renderExplanationFragment } from "./report/html.js";
export * from "./report/schema.js";
export * from "./stats.js";
export {
  type CompactRows,
  type DistanceLayout,
  detectLayout,
  numpySquaredDistance,
  tieWindow,
} from "./valuation/distances.js";
export * from "./valuation/knn-shapley.js";
export * from "./valuation/monte-carlo.js";
export * from "./valuation/oob.js";
export * from "./valuation/removal-curves.js";
export * from "./valuation/utility.js";
