/**
 * A Web Worker that trains trials: the tensor engine on WebAssembly (the same
 * backend as Node's default), the study's data sent once, then one configuration
 * per message through the library's own `runTrial`. The page starts it and hands
 * it a channel to the study worker (workers started by workers are not available
 * in every browser).
 */
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import type { TrialData, TrialSettings } from "../../../src/explore/trial.js";
import { runTrial } from "../../../src/explore/trial.js";
import { initBackend } from "../../../src/nn/backend.js";
import type { TrialWorkerConnect, TrialWorkerReply, TrialWorkerRequest } from "./messages.js";

const scope = self as unknown as { onmessage: ((event: MessageEvent<TrialWorkerConnect>) => void) | null };
let data: TrialData | undefined;
let settings: TrialSettings | undefined;

scope.onmessage = (event) => {
  const { port, wasmBase } = event.data;
  const send = (reply: TrialWorkerReply) => port.postMessage(reply);
  port.onmessage = async (message: MessageEvent<TrialWorkerRequest>) => {
    const request = message.data;
    if (request.kind === "setup") {
      try {
        setWasmPaths(wasmBase);
        const backend = await initBackend("wasm");
        data = request.data;
        settings = request.settings;
        send({ kind: "ready", backend: backend.name });
      } catch (error) {
        send({ kind: "setup-failed", message: error instanceof Error ? error.message : String(error) });
      }
      return;
    }
    try {
      if (!data || !settings) throw new Error("the trial worker has no data yet");
      send({
        kind: "result",
        id: request.id,
        outcome: runTrial(request.config, request.seed, data, settings),
      });
    } catch (error) {
      send({
        kind: "error",
        id: request.id,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  };
};
