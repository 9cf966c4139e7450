/** Public surface of the search capability. */

export {
  ConstrainedLogEhvi,
  hypervolumeImprovement,
  LogExpectedHypervolumeImprovement,
  nonDominatedBoxes,
} from "./acquisition.js";
export { GaussianProcess, type GpHyperparameters, logMarginalLikelihood } from "./gp.js";
export { hypervolume, hypervolumeContributions } from "./hypervolume.js";
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
  constrainedDominates,
  crowdingDistance,
  dominates,
  nonDominatedSort,
  type Point,
  paretoFront,
} from "./pareto.js";
export { c2dtlz2, dtlz2, dtlz2Objectives, type TestProblem, zdt1 } from "./problems.js";
export { SOBOL_MAX_DIMENSION, SobolSequence } from "./sobol.js";
export {
  type CategoricalParameter,
  type Condition,
  type Configuration,
  type FloatParameter,
  type IntParameter,
  type Parameter,
  type ParameterValue,
  SearchSpace,
  type SearchSpaceJSON,
} from "./space.js";
export {
  type ClaimRequest,
  type ClaimView,
  type ConstraintSpec,
  checkSameDefinition,
  type Direction,
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
export { BayesianOptimization, type BayesianOptimizationOptions } from "./strategies/bo.js";
export {
  createStrategy,
  Nsga2,
  type Nsga2Options,
  RandomSearch,
  type StrategyName,
  strategyNames,
} from "./strategies/index.js";
export {
  checkObservation,
  constraintViolation,
  type Observation,
  type Strategy,
  type StrategyOptions,
} from "./strategy.js";
export { minimizedObjectives, Study, type StudySnapshot } from "./study.js";
