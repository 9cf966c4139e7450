/**
 * A fixed pool of worker threads that run trials. Each worker loads the dataset and
 * the tensor backend once, then trains one configuration per message. Under tsx
 * (tests, development) the worker is the .ts source, loaded through tsx's hook.
 */
import { Worker } from "node:worker_threads";
import type { Configuration } from "../search/index.js";
import type { TrialOutcome } from "./trial.js";
import type { WorkerReply, WorkerSetup } from "./worker-protocol.js";

interface PendingJob {
  resolve: (outcome: TrialOutcome) => void;
  reject: (error: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  ready: Promise<void>;
  busy: boolean;
  job?: { id: number } & PendingJob;
}

/**
 * Compiled, the worker is worker.js beside this file. From source (tests, tsx), a
 * worker thread does not inherit tsx's loader, so a tiny bootstrap registers it first.
 */
function startWorker(setup: WorkerSetup): Worker {
  if (!import.meta.url.endsWith(".ts"))
    return new Worker(new URL("./worker.js", import.meta.url), { workerData: setup });
  const tsx = import.meta.resolve("tsx/esm/api");
  const source = new URL("./worker.ts", import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: setup });
}

export class WorkerPool {
  private readonly workers: PoolWorker[] = [];
  private readonly queue: { id: number; config: Configuration; seed: number; job: PendingJob }[] = [];
  private nextId = 0;
  private closed = false;

  constructor(size: number, setup: WorkerSetup) {
    for (let i = 0; i < size; i++) {
      const worker = startWorker(setup);
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
      worker.on("message", (reply: WorkerReply) => this.onReply(entry, reply));
      worker.on("error", (error) => this.onWorkerError(entry, error));
      worker.on("exit", (code) => {
        if (!this.closed && code !== 0)
          this.onWorkerError(entry, new Error(`worker exited with code ${code}`));
      });
      this.workers.push(entry);
    }
  }

  /** Resolves once every worker has loaded the data; rejects with the first setup failure. */
  async ready(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.ready));
  }

  run(config: Configuration, seed: number): Promise<TrialOutcome> {
    if (this.closed) return Promise.reject(new Error("the worker pool is closed"));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, config, seed, job: { resolve, reject } });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const queued of this.queue.splice(0)) queued.job.reject(new Error("the worker pool was closed"));
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private dispatch(): void {
    for (const entry of this.workers) {
      if (entry.busy || this.queue.length === 0) continue;
      const next = this.queue.shift()!;
      entry.busy = true;
      entry.job = { id: next.id, ...next.job };
      entry.worker.postMessage({ kind: "trial", id: next.id, config: next.config, seed: next.seed });
    }
  }

  private onReply(entry: PoolWorker, reply: WorkerReply): void {
    if (reply.kind !== "result" && reply.kind !== "error") return;
    const job = entry.job;
    entry.job = undefined;
    entry.busy = false;
    if (job && job.id === reply.id) {
      if (reply.kind === "result") job.resolve(reply.outcome);
      else job.reject(new Error(reply.message));
    }
    this.dispatch();
  }

  private onWorkerError(entry: PoolWorker, error: Error): void {
    const job = entry.job;
    entry.job = undefined;
    job?.reject(error);
  }
}
