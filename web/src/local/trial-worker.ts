/**
 * A Web Worker that trains trials: the tensor engine on WebGPU where the browser
 * has a GPU behind it, else on WebAssembly (the same backend as Node's default;
 * see backend-choice.ts), the study's data sent once, then one configuration
 * per message through the library's own `runTrial`. The page starts it and hands
 * it a channel to the study worker (workers started by workers are not available
 * in every browser).
 */
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import type { TrialData, TrialSettings } from "../../../src/explore/trial.js";
import { runTrialReading } from "../../../src/explore/trial.js";
import { initBackend } from "../../../src/nn/backend.js";
import { readLater, readNow } from "../../../src/nn/reads.js";
import { type BackendPreference, chooseTrialBackend, probeWebGpu } from "./backend-choice.js";
import type { TrialWorkerConnect, TrialWorkerReply, TrialWorkerRequest } from "./messages.js";

const scope = self as unknown as { onmessage: ((event: MessageEvent<TrialWorkerConnect>) => void) | null };
let data: TrialData | undefined;
let settings: TrialSettings | undefined;
let asynchronousReads = false;

scope.onmessage = (event) => {
  const { port, wasmBase } = event.data;
  const send = (reply: TrialWorkerReply) => port.postMessage(reply);
  port.onmessage = async (message: MessageEvent<TrialWorkerRequest>) => {
    const request = message.data;
    if (request.kind === "setup") {
      try {
        setWasmPaths(wasmBase);
        const { backend, reason } = await startBackend(request.backend);
        data = request.data;
        settings = request.settings;
        send({ kind: "ready", backend, reason });
      } catch (error) {
        send({ kind: "setup-failed", message: error instanceof Error ? error.message : String(error) });
      }
      return;
    }
    try {
      if (!data || !settings) throw new Error("the trial worker has no data yet");
      const reading = runTrialReading(request.config, request.seed, data, settings);
      send({
        kind: "result",
        id: request.id,
        // WebGPU reads tensors back only asynchronously; WASM keeps the faster synchronous reads.
        outcome: asynchronousReads ? await readLater(reading) : readNow(reading),
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

/** Starts the chosen backend; if WebGPU fails to start, the trials still run, on WebAssembly. */
async function startBackend(preference: BackendPreference): Promise<{ backend: string; reason: string }> {
  const choice = chooseTrialBackend(
    preference,
    preference === "wasm" ? { available: false, reason: "" } : await probeWebGpu(),
  );
  if (choice.backend === "webgpu") {
    try {
      // A literal import, so that the bundler ships the backend with this worker.
      await import("@tensorflow/tfjs-backend-webgpu");
      const started = await initBackend("webgpu");
      forbidSynchronousReads();
      asynchronousReads = true;
      return { backend: started.name, reason: choice.reason };
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      const started = await initBackend("wasm");
      return { backend: started.name, reason: `WebAssembly: WebGPU failed to start (${why})` };
    }
  }
  const started = await initBackend("wasm");
  return { backend: started.name, reason: choice.reason };
}

/**
 * tfjs' synchronous WebGPU read copies through a canvas; in current browsers it returns
 * wrong values and can destroy the device. Every read of a trial is asynchronous (a
 * reading); a synchronous one left on some path fails loudly here instead of corrupting
 * the trial.
 */
function forbidSynchronousReads(): void {
  const backend = tf.backend() as unknown as { readSync: (dataId: object) => unknown };
  backend.readSync = () => {
    throw new Error(
      "this computation reads tensors synchronously, which WebGPU cannot do: choose WebAssembly",
    );
  };
}
