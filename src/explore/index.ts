/** The trade-off explorer: trials, the study summary, normalised objectives, private selection. */

export { batchKey, runTrialBatch, type TrialJob } from "./batched.js";
export {
  type ExploreEvent,
  type ExploreOptions,
  type ExploreResult,
  explore,
  type RunFacts,
} from "./explorer.js";
export { type JoinOptions, joinStudyOptions } from "./join.js";
export * from "./objectives.js";
export { privacyNotes, type TrialCounts } from "./privacy-notes.js";
export {
  allTrialsEpsilon,
  type PrivateSelectionPlan,
  planPrivateSelection,
  type SelectionCandidate,
  type SelectionPreprocessing,
  type SelectionRequest,
  selectionEpsilon,
} from "./private-selection.js";
export {
  type DataProfile,
  explorerParameters,
  explorerSpace,
  recipeOf,
  type SpaceOptions,
  type SpacePrivacy,
  type TrialRecipe,
} from "./space.js";
export {
  type DecodedTrial,
  type ExplorerMetadata,
  type MeasuredMetrics,
  type StudyPreprocessing,
  type StudySummary,
  selectionScore,
  summariseStudy,
} from "./summary.js";
export {
  runTrial,
  runTrialReading,
  type SelectionNoise,
  type TrialComposition,
  type TrialData,
  type TrialOutcome,
  type TrialPrivacy,
  type TrialSettings,
} from "./trial.js";
export type { TrialMembershipRecord, TrialPrivacyCostRecord } from "./trial-interplay.js";
export {
  penaltyTargetOf,
  type StudyTrainSettings,
  studyTrainSettings,
  type TrainFlagValue,
  type TrialTrainFlags,
  trialTrainFlags,
} from "./trial-train-flags.js";
