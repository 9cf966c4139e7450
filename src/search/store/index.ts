/**
 * Study stores: the interface, the rules every store shares, `openStudyStore` (a file
 * or a `postgres://` URL) and copying a study between stores.
 */

export { type CopySummary, copyStudy, copyStudyFrom } from "./copy.js";
export { checkSameDefinition, firstDifference, normalizeDefinition, trialSeed } from "./definition.js";
export { StudyNotFoundError } from "./errors.js";
export { isWorkerAlive, newWorkerIdentity } from "./liveness.js";
export { displayLocation, isServerLocation, openStudyStore } from "./open.js";
export { onTermination } from "./termination.js";
export * from "./types.js";
