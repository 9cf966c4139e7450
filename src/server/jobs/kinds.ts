/**
 * The job kinds this server runs, by name: one entry each.
 */
import { exploreJob } from "./explore-job.js";
import type { JobKind } from "./kind.js";
import { auditJob, evaluateJob, explainJob, trainJob } from "./model-jobs.js";

/**
 * The job kinds this server runs (explore, train, evaluate, audit, explain), by name.
 *
 * @example
 * ```ts
 * import { jobKinds } from "equipoise/server";
 * Object.keys(jobKinds); // ["explore", "train", "evaluate", "audit", "explain"]: what GET /api/health lists
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: each kind checks its own parameters with its schema
export const jobKinds: Record<string, JobKind<any>> = {
  [exploreJob.name]: exploreJob,
  [trainJob.name]: trainJob,
  [evaluateJob.name]: evaluateJob,
  [auditJob.name]: auditJob,
  [explainJob.name]: explainJob,
};

export function jobKind(name: string): JobKind | undefined {
  return Object.hasOwn(jobKinds, name) ? jobKinds[name] : undefined;
}
