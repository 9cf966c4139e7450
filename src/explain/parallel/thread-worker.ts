/** The worker side of node-threads.ts: prepares each job's shared input once, runs chunks. */
import { parentPort } from "node:worker_threads";
import { type TaskName, tasks } from "./tasks.js";

let current: { job: number; prepared: unknown } | undefined;

parentPort!.on(
  "message",
  (message: { job: number; task: TaskName; id: number; chunk: unknown; shared?: unknown }) => {
    try {
      const definition = tasks[message.task];
      if (message.shared !== undefined || current?.job !== message.job) {
        current = {
          job: message.job,
          prepared: (definition.prepare as (s: unknown) => unknown)(message.shared),
        };
      }
      const result = (definition.run as (p: unknown, c: unknown) => unknown)(current.prepared, message.chunk);
      parentPort!.postMessage({ id: message.id, result });
    } catch (error) {
      parentPort!.postMessage({
        id: message.id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  },
);
