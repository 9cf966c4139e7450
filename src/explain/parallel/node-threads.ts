/**
 * A ParallelRunner on Node worker threads. Each worker prepares a task's shared input
 * once (it arrives with the first chunk) and takes chunks as it becomes free, so a
 * thread slowed down by other processes on the machine takes fewer of them. Under tsx
 * (tests, development) the worker is the .ts source, loaded through tsx's hook, as
 * src/explore/pool.ts does.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { siblingWorkerEntry } from "../../common/worker-entry.js";
import type { ParallelRunner } from "./runner.js";
import type { TaskName } from "./tasks.js";

interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

function startWorker(): Worker {
  const entry = siblingWorkerEntry(import.meta.url, "thread-worker");
  return new Worker(entry.specifier, { eval: entry.eval });
}

/** Threads default to the machine's available parallelism. */
export function createThreadRunner(threads = availableParallelism()): ParallelRunner {
  const count = Math.max(1, Math.floor(threads));
  const workers: Worker[] = [];
  let nextJob = 0;
  return {
    threads: count,
    async run(task: TaskName, shared: unknown, chunks: unknown[]) {
      while (workers.length < Math.min(count, chunks.length)) workers.push(startWorker());
      const job = nextJob++;
      const results: unknown[] = new Array(chunks.length);
      let next = 0;
      const drive = (worker: Worker) =>
        new Promise<void>((resolve, reject) => {
          let sentShared = false;
          const send = () => {
            if (next >= chunks.length) {
              worker.off("message", onMessage);
              worker.off("error", reject);
              resolve();
              return;
            }
            const id = next++;
            worker.postMessage({ job, task, id, chunk: chunks[id], ...(sentShared ? {} : { shared }) });
            sentShared = true;
          };
          const onMessage = (reply: Reply) => {
            if (reply.error !== undefined) {
              worker.off("message", onMessage);
              reject(new Error(reply.error));
              return;
            }
            results[reply.id] = reply.result;
            send();
          };
          worker.on("message", onMessage);
          worker.once("error", reject);
          send();
        });
      await Promise.all(workers.slice(0, Math.min(count, chunks.length)).map(drive));
      return results as never;
    },
    async close() {
      await Promise.all(workers.splice(0).map((worker) => worker.terminate()));
    },
  };
}
