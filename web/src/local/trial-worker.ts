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
import type { TrialData, TrialOutcome, TrialSettings } from "../../../src/explore/trial.js";
import { runTrialReading } from "../../../src/explore/trial.js";
import { initBackend } from "../../../src/nn/backend.js";
import { readLater, readNow } from "../../../src/nn/reads.js";
import type { Configuration } from "../../../src/search/index.js";
import {
  type BackendPreference,
  chooseTrialBackend,
  fasterBackend,
  probeWebGpu,
  type WebGpuProbe,
} from "./backend-choice.js";
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
        const { backend, reason } = await startBackend(request.backend, request.data, request.settings);
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
      send({
        kind: "result",
        id: request.id,
        outcome: await trainTrial(request.config, request.seed, data, settings),
        backend: tf.getBackend(),
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

/**
 * Starts the chosen backend. Under "auto" on a hardware adapter, a short training of a
 * fixed model on the study's data is timed on both backends (each after one untimed run
 * that compiles its kernels) and the faster one is kept. If WebGPU fails to start, the
 * trials still run, on WebAssembly.
 */
async function startBackend(
  preference: BackendPreference,
  study: TrialData,
  trialSettings: TrialSettings,
): Promise<{ backend: string; reason: string }> {
  const probe: WebGpuProbe = preference === "wasm" ? { available: false, reason: "" } : await probeWebGpu();
  const choice = chooseTrialBackend(preference, probe);
  if (choice.backend === "wasm") {
    await useWasm();
    return { backend: "wasm", reason: choice.reason };
  }
  try {
    // A literal import, so that the bundler ships the backend with this worker.
    await import("@tensorflow/tfjs-backend-webgpu");
    await useWebGpu();
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    await useWasm();
    return { backend: "wasm", reason: `WebAssembly: WebGPU failed to start (${why})` };
  }
  if (!choice.timeBoth || !probe.available) return { backend: "webgpu", reason: choice.reason };
  const onWebGpu = await timedTraining(study, trialSettings);
  await useWasm();
  const faster = fasterBackend(probe.adapter, {
    webgpu: onWebGpu,
    wasm: await timedTraining(study, trialSettings),
  });
  if (faster.backend === "webgpu") await useWebGpu();
  return faster;
}

async function useWebGpu(): Promise<void> {
  await initBackend("webgpu");
  forbidSynchronousReads();
}

async function useWasm(): Promise<void> {
  await initBackend("wasm");
}

/** A trial on the current backend: WebGPU reads tensors back only asynchronously; WASM keeps the faster synchronous reads. */
async function trainTrial(
  config: Configuration,
  seed: number,
  study: TrialData,
  trialSettings: TrialSettings,
): Promise<TrialOutcome> {
  const reading = runTrialReading(config, seed, study, trialSettings);
  return tf.getBackend() === "webgpu" ? readLater(reading) : readNow(reading);
}

/** One epoch of a private 64-64 MLP: the explorer's usual work, with reads at every step. */
const TIMED_CONFIGURATION: Configuration = {
  model: "mlp",
  width: 64,
  depth: 2,
  epsilon: 8,
  clip: 1,
  lr: 0.1,
  epochs: 1,
  batch: 256,
  fairWeight: 0,
};

async function timedTraining(study: TrialData, trialSettings: TrialSettings): Promise<number> {
  await trainTrial(TIMED_CONFIGURATION, 0, study, trialSettings);
  const started = performance.now();
  await trainTrial(TIMED_CONFIGURATION, 0, study, trialSettings);
  return performance.now() - started;
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
