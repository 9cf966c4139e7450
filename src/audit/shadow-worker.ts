/** Worker-thread entry of the audit's pool: starts the tensor backend, then trains and scores the jobs it is sent. */
import { parentPort, workerData } from "node:worker_threads";
import { isUserError } from "../common/errors.js";
import { initBackend } from "../nn/index.js";
import type { WorkerReply, WorkerRequest, WorkerSetup } from "./shadow-pool.js";
import { trainAndScore } from "./training.js";

const port = parentPort;
if (!port) throw new Error("audit/shadow-worker.ts must run as a worker thread");
const setup = workerData as WorkerSetup;
const send = (reply: WorkerReply) => port.postMessage(reply);

try {
  await initBackend(setup.backend);
  send({ kind: "ready" });
  port.on("message", (request: WorkerRequest) => {
    try {
      send({ kind: "result", id: request.id, result: trainAndScore(request.job, setup.data) });
    } catch (error) {
      send({
        kind: "error",
        id: request.id,
        message: error instanceof Error ? error.message : String(error),
        userError: isUserError(error),
      });
    }
  });
} catch (error) {
  send({ kind: "setup-failed", message: error instanceof Error ? error.message : String(error) });
}
