/**
 * Worker-thread entry: starts the tensor backend while the explorer prepares the data,
 * waits for the study (its first message), then runs the trials it is sent on the shared data.
 */
import { parentPort, workerData } from "node:worker_threads";
import { initBackend } from "../nn/index.js";
import { runTrialBatch } from "./batched.js";
import { runTrial } from "./trial.js";
import type { WorkerReply, WorkerRequest, WorkerSetup, WorkerStart } from "./worker-protocol.js";

const port = parentPort;
if (!port) throw new Error("explore/worker.ts must run as a worker thread");
const start = workerData as WorkerStart;
const send = (reply: WorkerReply) => port.postMessage(reply);

try {
  const backend = await initBackend(start.backend);
  const setup = await new Promise<WorkerSetup>((resolve) => port.once("message", resolve));
  const { data } = setup;
  send({ kind: "ready", backend: backend.name });
  port.on("message", (request: WorkerRequest) => {
    try {
      if (request.kind === "batch") {
        // Batched trials: one ensemble, one reply with every trial's outcome or error.
        const results = runTrialBatch(request.jobs, data, setup.settings).map((r) =>
          r instanceof Error ? { error: r.message } : { outcome: r },
        );
        send({ kind: "batch-result", id: request.id, results });
        return;
      }
      const outcome = runTrial(request.config, request.seed, data, setup.settings);
      send({ kind: "result", id: request.id, outcome });
    } catch (error) {
      send({
        kind: "error",
        id: request.id,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  });
} catch (error) {
  send({ kind: "setup-failed", message: error instanceof Error ? error.message : String(error) });
}
