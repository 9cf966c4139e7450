/**
 * The training recipe: one validated recipe type (model, optimiser, DP-SGD, fairness
 * mitigation) and one function from recipe + data to a trained model with its
 * privacy and fairness reports; its evaluation, its model file, several recipes at
 * once, and the mitigations built on it.
 */

export type { ReferenceSet } from "../fairness/reference-penalty.js";
export { ensembleKey, fitRecipes } from "./ensemble.js";
export { classesOf, type EvaluationOptions, evaluateFit, type FitEvaluation } from "./evaluate.js";
export {
  type FitOptions,
  type FitProgress,
  type FitResult,
  fitRecipe,
  fitRecipeReading,
  optimizerConfig,
  type PrivacyDocument,
  PUBLIC_NOTE,
  PUBLIC_QUANTITIES,
  type TrainingSummary,
} from "./fit.js";
export { RecipeLearner } from "./learner.js";
export {
  decodeModelMetrics,
  encodeModelMetrics,
  type GroupMetrics,
  type ModelMetrics,
  majorityAccuracy,
  modelMetrics,
  type PerGroupMetrics,
  type StoredModelMetrics,
} from "./metrics.js";
export {
  engineRecipe,
  type FairnessConstraintName,
  type MitigationMethod,
  type MitigationOutcome,
  type MitigationRequest,
  type OutcomeFigures,
  runMitigation,
  type SplitLike,
  trainPenalised,
} from "./mitigate.js";
export { type LoadedModel, type ModelFileExtras, modelFileOf, readModelFile } from "./model-file.js";
export { batchPenaltyRule, referencePenaltyRule } from "./penalty-rules.js";
export {
  balancedClassWeights,
  type FairnessSummary,
  type FitData,
  type FitPlan,
  type PenaltyPlan,
  planFit,
} from "./plan.js";
export { type PreparedForRecipe, prepareForRecipe } from "./prepare.js";
export {
  type CliField,
  DEFAULT_BATCH_SIZE,
  DEFAULT_LEARNING_RATE,
  DEFAULT_OPTIMIZER,
  DEFAULT_REFERENCE_FRACTION,
  describeIssue,
  type FairnessRecipe,
  isModelSpec,
  MODEL_SPEC_HELP,
  type OptimizerRecipe,
  PENALTY_CONSTRAINTS,
  type PrivacyRecipe,
  parseRecipe,
  type Recipe,
  type RecipeInput,
  recipeCli,
  recipeSchema,
} from "./recipe.js";
