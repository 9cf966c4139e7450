/** Public surface of the search capability: the store-free optimiser (core.ts), studies and their stores. */

export type { BoxDecomposition } from "./acquisition.js";
export * from "./core.js";
export type {
  GammaPrior,
  GpBounds,
  GpFitOptions,
  GpPriors,
  Inputs,
  MarginalLikelihoodResult,
  Prediction,
} from "./gp.js";
export {
  DEFAULT_MAX_ATTEMPTS,
  type EvaluationResult,
  type OptimizeOptions,
  type OptimizeSummary,
  optimize,
  type TrialContext,
  TrialPruned,
} from "./optimize.js";
export {
  type ClaimRequest,
  type ClaimView,
  type ConstraintSpec,
  type CopySummary,
  checkSameDefinition,
  copyStudy,
  copyStudyFrom,
  type Direction,
  displayLocation,
  firstDifference,
  isServerLocation,
  isWorkerAlive,
  type LivenessPolicy,
  newWorkerIdentity,
  normalizeDefinition,
  type ObjectiveSpec,
  type OpenStudyOptions,
  onTermination,
  openStudyStore,
  type StoredDefinition,
  type StudyDefinition,
  StudyNotFoundError,
  type StudyStore,
  type TrialClaim,
  type TrialRecord,
  type TrialResult,
  type TrialState,
  trialSeed,
  trialStates,
  type WorkerIdentity,
  type WorkerRecord,
} from "./store/index.js";
export { minimizedObjectives, Study, type StudySnapshot } from "./study.js";
