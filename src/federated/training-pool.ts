/**
 * Local training of the simulated clients, on every core: a pool of worker threads,
 * each holding every client's rows, takes one (client, seed) job at a time. Results
 * are keyed by client and every job is a pure function of (weights, client data,
 * seed), so the outcome does not depend on which thread ran what (tested: one thread
 * and two give bit-identical models). With one thread it runs in-process.
 */
import { Worker } from "node:worker_threads";
import { siblingWorkerEntry } from "../common/worker-entry.js";
import type { TrainingData } from "../train/index.js";
import {
  type LocalTrainingSettings,
  type LocalUpdate,
  type ModelShape,
  trainLocalUpdate,
} from "./local-training.js";

export interface TrainingJob {
  client: number;
  seed: number;
}

export interface LocalTrainer {
  readonly threads: number;
  train(weights: Float32Array, jobs: readonly TrainingJob[]): Promise<Map<number, LocalUpdate>>;
  close(): Promise<void>;
}

export interface TrainingWorkerSetup {
  shape: ModelShape;
  clients: TrainingData[];
  settings: LocalTrainingSettings;
  backend?: string;
}

export type TrainingWorkerRequest = { id: number; client: number; seed: number; weights: Float32Array };
export type TrainingWorkerReply =
  | { kind: "ready" }
  | { kind: "setup-failed"; message: string }
  | { kind: "result"; id: number; client: number; result: LocalUpdate }
  | { kind: "error"; id: number; message: string };

export async function createLocalTrainer(setup: TrainingWorkerSetup, threads: number): Promise<LocalTrainer> {
  if (threads <= 1) return inProcessTrainer(setup);
  const pool = new WorkerTrainer(setup, threads);
  await pool.ready();
  return pool;
}

function inProcessTrainer(setup: TrainingWorkerSetup): LocalTrainer {
  return {
    threads: 1,
    async train(weights, jobs) {
      const out = new Map<number, LocalUpdate>();
      for (const job of jobs) {
        out.set(
          job.client,
          trainLocalUpdate(setup.shape, weights, setup.clients[job.client], setup.settings, job.seed),
        );
        // Let timers and sockets run between clients.
        await new Promise((resolve) => setImmediate(resolve));
      }
      return out;
    },
    async close() {},
  };
}

/** Compiled, the worker is training-worker.js beside this file; from source, tsx is registered first. */
function startWorker(setup: TrainingWorkerSetup): Worker {
  const entry = siblingWorkerEntry(import.meta.url, "training-worker");
  return new Worker(entry.specifier, { eval: entry.eval, workerData: setup });
}

class WorkerTrainer implements LocalTrainer {
  private readonly workers: Worker[] = [];
  private readonly started: Promise<void>[] = [];
  private nextId = 0;

  constructor(
    setup: TrainingWorkerSetup,
    readonly threads: number,
  ) {
    for (let i = 0; i < threads; i++) {
      const worker = startWorker(setup);
      this.started.push(
        new Promise((resolve, reject) => {
          const onMessage = (reply: TrainingWorkerReply) => {
            if (reply.kind === "ready") resolve();
            else if (reply.kind === "setup-failed") reject(new Error(reply.message));
            else return;
            worker.off("message", onMessage);
          };
          worker.on("message", onMessage);
          worker.once("error", reject);
        }),
      );
      this.workers.push(worker);
    }
  }

  ready(): Promise<void> {
    return Promise.all(this.started).then(() => undefined);
  }

  async train(weights: Float32Array, jobs: readonly TrainingJob[]): Promise<Map<number, LocalUpdate>> {
    const out = new Map<number, LocalUpdate>();
    const queue = [...jobs];
    const runOn = (worker: Worker): Promise<void> =>
      new Promise((resolve, reject) => {
        const next = () => {
          const job = queue.shift();
          if (!job) {
            worker.off("message", onMessage);
            worker.off("error", onError);
            resolve();
            return;
          }
          const request: TrainingWorkerRequest = { id: this.nextId++, ...job, weights };
          worker.postMessage(request);
        };
        const onMessage = (reply: TrainingWorkerReply) => {
          if (reply.kind === "result") {
            out.set(reply.client, reply.result);
            next();
          } else if (reply.kind === "error") {
            worker.off("message", onMessage);
            worker.off("error", onError);
            reject(new Error(reply.message));
          }
        };
        const onError = (error: Error) => reject(error);
        worker.on("message", onMessage);
        worker.once("error", onError);
        next();
      });
    await Promise.all(this.workers.map(runOn));
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
