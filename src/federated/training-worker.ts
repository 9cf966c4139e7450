/** Worker-thread entry of the local-training pool: holds the clients' rows, trains one client per message. */
import { parentPort, workerData } from "node:worker_threads";
import { initBackend } from "../nn/index.js";
import { trainLocalUpdate } from "./local-training.js";
import type { TrainingWorkerReply, TrainingWorkerRequest, TrainingWorkerSetup } from "./training-pool.js";

const port = parentPort;
if (!port) throw new Error("federated/training-worker.ts must run as a worker thread");
const setup = workerData as TrainingWorkerSetup;
const send = (reply: TrainingWorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);

try {
  await initBackend(setup.backend);
  send({ kind: "ready" });
  port.on("message", (request: TrainingWorkerRequest) => {
    try {
      const result = trainLocalUpdate(
        setup.shape,
        request.weights,
        setup.clients[request.client],
        setup.settings,
        request.seed,
      );
      send({ kind: "result", id: request.id, client: request.client, result }, [
        result.update.buffer as ArrayBuffer,
      ]);
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
