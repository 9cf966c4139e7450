/**
 * A kind of job: a long task (a study, a training, an audit, an explanation) that
 * the server runs in a process of its own, so that a job's CPU, memory and tensor
 * engine never stall the HTTP server, and stopping a job is ending its process
 * (SIGTERM, which lets a study leave its store cleanly).
 *
 * A kind is its parameter schema (validated in the server before the job is
 * queued, and again in the job's process) and its `run`, which is only called in
 * the job's process and loads what it needs there.
 */
import type { z } from "zod";

/**
 * A job's progress: units done of a total (when known) and a line saying what it is doing.
 *
 * @example
 * ```ts
 * import type { JobProgress, JobReporter } from "equipoise/server";
 * declare const reporter: JobReporter; // what the server hands a running job
 * const progress: JobProgress = { done: 12, total: 40, message: "trial 12 of 40" };
 * reporter.progress(progress);
 * ```
 */
export interface JobProgress {
  done?: number | null;
  total?: number | null;
  message: string;
}

/**
 * How a running job reports progress.
 *
 * @example
 * ```ts
 * import type { JobReporter } from "equipoise/server";
 * const reporter: JobReporter = { progress: ({ done, total, message }) => console.log(`${done}/${total} ${message}`) };
 * await run(reporter);
 * async function run(r: JobReporter) {
 *   r.progress({ done: 0, total: 3, message: "loading the data" });
 * }
 * ```
 */
export interface JobReporter {
  /** Reports the job's progress. */
  progress(progress: JobProgress): void;
}

/**
 * A kind of job the server runs: its name, parameter schema, title and body.
 *
 * @example
 * ```ts
 * import { type JobKind, jobKinds } from "equipoise/server";
 * const kind: JobKind | undefined = jobKinds.explore;
 * kind?.params.safeParse({}).success; // false: an explore job needs its parameters
 * ```
 */
export interface JobKind<P = unknown> {
  name: string;
  params: z.ZodType<P>;
  /** One line describing a job of this kind with these parameters, for lists. */
  title(params: P): string;
  /** Runs in the job's process; its result must be JSON (numbers through src/common/json.ts). */
  run(params: P, reporter: JobReporter): Promise<unknown>;
}

export function defineJobKind<P>(kind: JobKind<P>): JobKind<P> {
  return kind;
}
