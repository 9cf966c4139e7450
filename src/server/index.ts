/** The dashboard's HTTP server: `startServer`, and the documents its API sends. */
export { DASHBOARD_CSP } from "./app.js";
export { generateToken, isLocalHost, tokenMatches } from "./auth.js";
export * from "./documents.js";
export { groupIntervals, recoverGroupCounts, wilsonInterval } from "./intervals.js";
export { jobKinds } from "./jobs/kinds.js";
export { openApiDocument } from "./openapi.js";
export { createStudySchema, resumeStudySchema } from "./requests.js";
export { type RunningServer, SERVER_VERSION, type ServeOptions, startServer } from "./server.js";
export { studyView, trialDetail } from "./study-view.js";
