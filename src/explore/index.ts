/** The trade-off explorer: trials, the study summary, normalised objectives. */

export { batchKey, runTrialBatch } from "./batched.js";
export {
  type ExploreEvent,
  type ExploreOptions,
  type ExploreResult,
  explore,
} from "./explorer.js";
export { type JoinOptions, joinStudyOptions } from "./join.js";
export { majorityAccuracy, type SplitMetrics, splitMetrics } from "./metrics.js";
export * from "./objectives.js";
export { privacyNotes } from "./privacy-notes.js";
export { defaultParameters, defaultSpace, recipeOf, type TrialRecipe } from "./space.js";
export { type StudySummary, summariseStudy } from "./summary.js";
export { runTrial, type TrialData, type TrialOutcome, type TrialSettings } from "./trial.js";
