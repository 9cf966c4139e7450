/** The dashboard's HTTP server: `startServer`, and the documents its API sends. */
export { DASHBOARD_CSP } from "./app.js";
export { generateToken, isLocalHost, tokenMatches } from "./auth.js";
export * from "./documents.js";
export {
  type GroupCounts,
  type GroupIntervals,
  type GroupRates,
  groupIntervals,
  recoverGroupCounts,
  wilsonInterval,
} from "./intervals.js";
export type { JobKind, JobProgress, JobReporter } from "./jobs/kind.js";
export { jobKinds } from "./jobs/kinds.js";
export { openApiDocument } from "./openapi.js";
export type { WorkFolders } from "./paths.js";
export { createStudySchema, resumeStudySchema } from "./requests.js";
export type { Route, RouteInput, RouteResponse } from "./route.js";
export { type RunningServer, SERVER_VERSION, type ServeOptions, startServer } from "./server.js";
export { type StudyActivity, type StudyIdentity, studyView, trialDetail } from "./study-view.js";
