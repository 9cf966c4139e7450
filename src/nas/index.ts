/** Fairness-aware architecture search (issue 16): the public surface of src/nas. */
export { architectureHash, canonicalArchitecture, identify } from "./architecture.js";
export { characterise } from "./characterise.js";
export { architectureCost, measureLatency } from "./cost.js";
export { DEBIAS_METHODS, type DebiasMethod, type DebiasSettings, fitDebiased } from "./debias/index.js";
export { evaluateArchitecture, evaluationCommand, meanInterval } from "./evaluate.js";
export { describeSchedule, FIDELITY_MODES, minimumBudget, planBrackets, scheduleFor } from "./fidelity.js";
export { renderLibraryHtml, renderSearchFragment } from "./html.js";
export { buildCatalogue, CLASSIFICATION_RULE, LIBRARY_PLANS, runLibraryPlan } from "./library.js";
export { DEFAULT_OBJECTIVES, OBJECTIVE_NAMES, type ObjectiveName, parseObjectives } from "./objectives.js";
export * from "./schema.js";
export { searchArchitectures } from "./search.js";
export { architectureOf, searchSpaceFor } from "./space.js";
export { loadNasTask, NAS_IMAGE_DEFAULTS, type NasTask, TASK_HELP } from "./tasks.js";
export { DEFAULT_ARCHITECTURES, runArchitecture, TRAINING_DEFAULTS } from "./train.js";
