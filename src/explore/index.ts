/** The trade-off explorer: trials, the study summary, normalised objectives, private selection. */

export { batchKey, runTrialBatch } from "./batched.js";
export {
  type ExploreEvent,
  type ExploreOptions,
  type ExploreResult,
  explore,
  type RunFacts,
} from "./explorer.js";
export { type JoinOptions, joinStudyOptions } from "./join.js";
export * from "./objectives.js";
export { privacyNotes } from "./privacy-notes.js";
export {
  allTrialsEpsilon,
  type PrivateSelectionPlan,
  planPrivateSelection,
  selectionEpsilon,
} from "./private-selection.js";
export {
  type DataProfile,
  explorerParameters,
  explorerSpace,
  recipeOf,
  type SpaceOptions,
  type TrialRecipe,
} from "./space.js";
export { type StudySummary, selectionScore, summariseStudy } from "./summary.js";
export { runTrial, type TrialData, type TrialOutcome, type TrialSettings } from "./trial.js";
