/**
 * Training an audit's models across cores: a fixed pool of worker threads, each with
 * its own tensor engine, fed one training job at a time from a queue (the jobs are
 * independent fits of one recipe on different rows). The data are placed once in
 * SharedArrayBuffers, so every worker reads the same bytes. Under tsx (tests,
 * development) the worker is the .ts source, registered through tsx's hook, as the
 * explorer's pool does.
 *
 * `runJobs` is the one entry: engine "workers" (the default, measured faster than one
 * thread: BENCHMARKS.md, "Privacy audit") or "serial" (this thread; for small jobs,
 * and where worker threads are unavailable).
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { UserError } from "../common/errors.js";
import { siblingWorkerEntry } from "../common/worker-entry.js";
import type { Split } from "../data/types.js";
import type { AuditTrainingData, ScoredRows, TrainedSignals, TrainingJob } from "./training.js";
import { trainAndScore } from "./training.js";

/**
 * How shadow models train: in worker threads across the cores, or one after another in this thread.
 *
 * @example
 * ```ts
 * import { type AuditTask, membershipExperiment, type TrainingEngine } from "equipoise/audit";
 * declare const auditTask: AuditTask;
 * const engine: TrainingEngine = "serial"; // "workers" (default): one worker thread per core
 * await membershipExperiment(auditTask, { recipe: { model: "logreg" }, pool: 200, shadows: 4, seed: 0, attacks: ["lira"], engine });
 * ```
 */
export type TrainingEngine = "workers" | "serial";

/**
 * How shadow models are trained: engine, threads, tensor backend, progress.
 *
 * @example
 * ```ts
 * import { type AuditTask, membershipExperiment, type RunJobsOptions } from "equipoise/audit";
 * declare const auditTask: AuditTask;
 * const training: RunJobsOptions = { engine: "workers", workers: 2, backend: "wasm" };
 * await membershipExperiment(auditTask, { recipe: { model: "logreg" }, pool: 1000, shadows: 8, seed: 0, attacks: ["lira"], ...training });
 * ```
 */
export interface RunJobsOptions {
  engine?: TrainingEngine;
  /** Worker threads (default: the machine's cores, at most one per job). */
  workers?: number;
  backend?: string;
  /** Called after each finished job. */
  onProgress?: (done: number, total: number, seconds: number) => void;
}

export interface WorkerSetup {
  data: AuditTrainingData;
  backend?: string;
}

export type WorkerRequest = { id: number; job: TrainingJob };
export type WorkerReply =
  | { kind: "ready" }
  | { kind: "setup-failed"; message: string }
  | { kind: "result"; id: number; result: TrainedSignals }
  | { kind: "error"; id: number; message: string; userError: boolean };

function shared<T extends Float32Array | Int32Array>(array: T): T {
  const Kind = array.constructor as { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number };
  const copy = new Kind(new SharedArrayBuffer(array.length * Kind.BYTES_PER_ELEMENT));
  copy.set(array as never);
  return copy;
}

function sharedRows(rows: ScoredRows): ScoredRows {
  return { X: { ...rows.X, data: shared(rows.X.data) }, y: shared(rows.y) };
}

function sharedSplit(split: Split): Split {
  return {
    X: { ...split.X, data: shared(split.X.data) },
    y: shared(split.y),
    sensitive: split.sensitive.map((s) => ({ ...s, codes: shared(s.codes) })),
  };
}

/** The data with every large array in shared memory (posted to workers without copies). */
export function shareTrainingData(data: AuditTrainingData): AuditTrainingData {
  return {
    ...data,
    pool: sharedSplit(data.pool),
    candidates: sharedRows(data.candidates),
    ...(data.population ? { population: sharedRows(data.population) } : {}),
  };
}

function startWorker(setup: WorkerSetup): Worker {
  const entry = siblingWorkerEntry(import.meta.url, "shadow-worker");
  return new Worker(entry.specifier, { eval: entry.eval, workerData: setup });
}

/** Runs every job, in order of submission, and returns their results in that order. */
export async function runJobs(
  jobs: readonly TrainingJob[],
  data: AuditTrainingData,
  options: RunJobsOptions = {},
): Promise<TrainedSignals[]> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const engine = options.engine ?? "workers";
  const size = Math.max(1, Math.min(options.workers ?? availableParallelism(), jobs.length));
  if (engine === "serial" || jobs.length === 0) {
    const results: TrainedSignals[] = [];
    for (const job of jobs) {
      results.push(trainAndScore(job, data));
      options.onProgress?.(results.length, jobs.length, elapsed());
    }
    return results;
  }
  const setup: WorkerSetup = {
    data: shareTrainingData(data),
    ...(options.backend ? { backend: options.backend } : {}),
  };
  const workers: Worker[] = [];
  const results: TrainedSignals[] = new Array(jobs.length);
  let next = 0;
  let done = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (error: Error) => {
        if (failed) return;
        failed = true;
        reject(error);
      };
      const feed = (worker: Worker) => {
        if (failed) return;
        if (next >= jobs.length) return;
        const id = next++;
        worker.postMessage({ id, job: jobs[id] } satisfies WorkerRequest);
      };
      for (let w = 0; w < size; w++) {
        const worker = startWorker(setup);
        workers.push(worker);
        worker.on("message", (reply: WorkerReply) => {
          if (reply.kind === "ready") feed(worker);
          else if (reply.kind === "setup-failed") fail(new Error(`audit worker: ${reply.message}`));
          // A user's mistake found in a worker (a batch larger than the rows...) stays one line.
          else if (reply.kind === "error")
            fail(reply.userError ? new UserError(reply.message) : new Error(reply.message));
          else {
            results[reply.id] = reply.result;
            done++;
            options.onProgress?.(done, jobs.length, elapsed());
            if (done === jobs.length) resolve();
            else feed(worker);
          }
        });
        worker.on("error", fail);
        worker.on("exit", (code) => {
          if (code !== 0 && done < jobs.length) fail(new Error(`an audit worker exited with code ${code}`));
        });
      }
    });
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return results;
}
