/**
 * A fixed pool of worker threads that run trials. Each worker starts the tensor
 * backend once, as soon as the pool exists (while the explorer prepares the data),
 * then receives the study's data in shared memory (never a copy of its own) and
 * trains one configuration per message. Under tsx (tests, development) the worker is
 * the .ts source, loaded through tsx's hook.
 */
import { Worker } from "node:worker_threads";
import { siblingWorkerEntry } from "../common/worker-entry.js";
import type { Configuration } from "../search/index.js";
import { batchKey } from "./batched.js";
import type { TrialOutcome } from "./trial.js";
import type { WorkerReply, WorkerSetup, WorkerStart } from "./worker-protocol.js";

interface PendingJob {
  resolve: (outcome: TrialOutcome) => void;
  reject: (error: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  ready: Promise<void>;
  busy: boolean;
  job?: { id: number; jobs: PendingJob[] };
}

interface QueuedJob {
  id: number;
  config: Configuration;
  seed: number;
  job: PendingJob;
}

/**
 * Compiled, the worker is worker.js beside this file. From source (tests, tsx), a
 * worker thread does not inherit tsx's loader, so a tiny bootstrap registers it first.
 */
function startWorker(start: WorkerStart): Worker {
  const entry = siblingWorkerEntry(import.meta.url, "worker");
  return new Worker(entry.specifier, { eval: entry.eval, workerData: start });
}

export class WorkerPool {
  private readonly workers: PoolWorker[] = [];
  private readonly queue: QueuedJob[] = [];
  private nextId = 0;
  private closed = false;
  private dispatchScheduled = false;
  /** Trials sent as part of an ensemble, and ensembles sent. */
  readonly batching = { trials: 0, ensembles: 0 };

  /**
   * `maxBatch` > 1 turns on batched trials: queued trials that share a model spec
   * go to one worker together (up to `maxBatch`) and train as one ensemble. Dispatch
   * then waits for the current turn of the event loop to end, so that trials queued
   * together (the search's lanes refilling after a batch) are grouped.
   *
   * The threads start loading at once; they take trials after {@link configure}.
   */
  constructor(
    size: number,
    private readonly start: WorkerStart,
    private readonly maxBatch = 1,
  ) {
    for (let i = 0; i < size; i++) this.addWorker();
  }

  private addWorker(): void {
    const worker = startWorker(this.start);
    const entry: PoolWorker = { worker, busy: true, ready: Promise.resolve() };
    entry.ready = new Promise((resolve, reject) => {
      const onMessage = (reply: WorkerReply) => {
        if (reply.kind === "ready") {
          worker.off("message", onMessage);
          entry.busy = false;
          resolve();
          this.dispatch();
        } else if (reply.kind === "setup-failed") {
          reject(new Error(reply.message));
        }
      };
      worker.on("message", onMessage);
      worker.once("error", reject);
    });
    // A thread that fails while the data is still being prepared is reported by ready().
    entry.ready.catch(() => {});
    worker.on("message", (reply: WorkerReply) => this.onReply(entry, reply));
    worker.on("error", (error) => this.onWorkerError(entry, error));
    worker.on("exit", (code) => {
      if (!this.closed && code !== 0) this.onWorkerError(entry, new Error(`worker exited with code ${code}`));
    });
    this.workers.push(entry);
  }

  /**
   * Gives every thread the study's data and settings, with `size` threads: a study resumed
   * near its budget needs fewer than were started (the others stop), a budget drawn later
   * (private selection) may need more (they start now).
   */
  configure(setup: WorkerSetup, size = this.workers.length): void {
    for (const extra of this.workers.splice(size)) void extra.worker.terminate();
    while (this.workers.length < size) this.addWorker();
    for (const entry of this.workers) entry.worker.postMessage(setup);
  }

  /** Threads in the pool. */
  get size(): number {
    return this.workers.length;
  }

  /** Resolves once every worker is configured and ready; rejects with the first setup failure. */
  async ready(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.ready));
  }

  run(config: Configuration, seed: number): Promise<TrialOutcome> {
    if (this.closed) return Promise.reject(new Error("the worker pool is closed"));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, config, seed, job: { resolve, reject } });
      this.scheduleDispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const queued of this.queue.splice(0)) queued.job.reject(new Error("the worker pool was closed"));
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private scheduleDispatch(): void {
    if (this.maxBatch <= 1) {
      this.dispatch();
      return;
    }
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    setImmediate(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const entry of this.workers) {
      if (entry.busy || this.queue.length === 0) continue;
      const group = this.takeGroup();
      entry.busy = true;
      entry.job = { id: group[0].id, jobs: group.map((g) => g.job) };
      if (group.length === 1) {
        const [next] = group;
        entry.worker.postMessage({ kind: "trial", id: next.id, config: next.config, seed: next.seed });
      } else {
        const jobs = group.map((g) => ({ config: g.config, seed: g.seed }));
        this.batching.trials += jobs.length;
        this.batching.ensembles++;
        entry.worker.postMessage({ kind: "batch", id: group[0].id, jobs });
      }
    }
  }

  /** The oldest queued trial and, with batching, the next queued ones of the same model spec. */
  private takeGroup(): QueuedJob[] {
    const head = this.queue.shift()!;
    if (this.maxBatch <= 1) return [head];
    const key = batchKey(head.config);
    if (key === null) return [head];
    const group = [head];
    for (let i = 0; i < this.queue.length && group.length < this.maxBatch; ) {
      if (batchKey(this.queue[i].config) === key) group.push(...this.queue.splice(i, 1));
      else i++;
    }
    return group;
  }

  private onReply(entry: PoolWorker, reply: WorkerReply): void {
    if (reply.kind !== "result" && reply.kind !== "error" && reply.kind !== "batch-result") return;
    const job = entry.job;
    entry.job = undefined;
    entry.busy = false;
    if (job && job.id === reply.id) {
      if (reply.kind === "result") job.jobs[0].resolve(reply.outcome);
      else if (reply.kind === "error")
        for (const pending of job.jobs) pending.reject(new Error(reply.message));
      else {
        job.jobs.forEach((pending, k) => {
          const result = reply.results[k];
          if (result && "outcome" in result) pending.resolve(result.outcome);
          else pending.reject(new Error(result?.error ?? "the worker returned no result for this trial"));
        });
      }
    }
    this.dispatch();
  }

  private onWorkerError(entry: PoolWorker, error: Error): void {
    const job = entry.job;
    entry.job = undefined;
    for (const pending of job?.jobs ?? []) pending.reject(error);
  }
}
