/** Fairness-aware architecture search (issue 16): the public surface of src/nas. */
export {
  type ArchitectureIdentity,
  architectureHash,
  canonicalArchitecture,
  identify,
} from "./architecture.js";
export { characterise } from "./characterise.js";
export { architectureCost, type LatencyMeasurement, measureLatency } from "./cost.js";
export {
  DEBIAS_METHODS,
  type DebiasData,
  type DebiasedFit,
  type DebiasMethod,
  type DebiasSettings,
  fitDebiased,
} from "./debias/index.js";
export { type EvaluationOptions, evaluateArchitecture, evaluationCommand, meanInterval } from "./evaluate.js";
export {
  describeSchedule,
  FIDELITY_MODES,
  type FidelitySchedule,
  minimumBudget,
  planBrackets,
  scheduleFor,
} from "./fidelity.js";
export { renderLibraryHtml, renderSearchFragment } from "./html.js";
export {
  type BenchmarkEvaluations,
  buildCatalogue,
  CLASSIFICATION_RULE,
  LIBRARY_PLANS,
  type LibraryProgress,
  type PlannedBenchmark,
  runLibraryPlan,
} from "./library.js";
export {
  DEFAULT_OBJECTIVES,
  OBJECTIVE_NAMES,
  type ObjectiveName,
  parseObjectives,
} from "./objectives.js";
export * from "./schema.js";
export { type NasEvent, type NasSearchOptions, searchArchitectures } from "./search.js";
export { architectureOf, type SpaceFamily, searchSpaceFor } from "./space.js";
export {
  loadNasTask,
  NAS_IMAGE_DEFAULTS,
  type NasTask,
  type Probe,
  TASK_HELP,
  type TaskKind,
  type TaskOptions,
} from "./tasks.js";
export { DEFAULT_ARCHITECTURES, type RunOptions, runArchitecture, TRAINING_DEFAULTS } from "./train.js";
