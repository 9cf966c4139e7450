/** The trade-off explorer: trials, the study summary, normalised objectives. */

export { batchKey, runTrialBatch } from "./batched.js";
export {
  type ExploreEvent,
  type ExploreOptions,
  type ExploreResult,
  explore,
  privacyNotes,
} from "./explorer.js";
export { majorityAccuracy, type SplitMetrics, splitMetrics } from "./metrics.js";
export * from "./objectives.js";
export { reportDataOf } from "./report-data.js";
export { defaultParameters, defaultSpace, recipeOf, type TrialRecipe } from "./space.js";
export { type StudySummary, summariseStudy } from "./summary.js";
export { runTrial, type TrialData, type TrialOutcome, type TrialSettings } from "./trial.js";
