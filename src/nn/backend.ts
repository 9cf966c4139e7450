/**
 * The tensor backend. One process-wide choice (tfjs keeps a global engine):
 * `tensorflow` (native tfjs-node) when the user has installed it, else WASM with
 * SIMD, else the pure-JS `cpu` backend. EQUIPOISE_BACKEND or an explicit name
 * overrides the automatic choice. Browsers get WebGPU or WASM through the same call.
 */
import * as tf from "@tensorflow/tfjs-core";
import { UserError } from "../common/errors.js";

/**
 * A tensor backend: WASM (with SIMD when available), pure-JS CPU, native tfjs-node, or WebGPU in browsers.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * const name: nn.BackendName = "wasm"; // or "cpu", "tensorflow" (tfjs-node), "webgpu" (browsers)
 * await nn.initBackend(name);
 * ```
 */
export type BackendName = "wasm" | "cpu" | "tensorflow" | "webgpu";
/**
 * Every backend name {@link initBackend} accepts besides automatic choice.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * nn.backendNames; // ["wasm", "cpu", "tensorflow", "webgpu"]
 * const wanted = "cpu";
 * if (nn.backendNames.includes(wanted)) await nn.initBackend(wanted);
 * ```
 */
export const backendNames: readonly BackendName[] = ["wasm", "cpu", "tensorflow", "webgpu"];

/**
 * The active tensor backend, as {@link initBackend} and {@link currentBackend} report it.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * const info: nn.BackendInfo = await nn.initBackend("wasm");
 * info.name; // "wasm"
 * info.simd; // whether the SIMD build is in use (WASM only)
 * ```
 */
export interface BackendInfo {
  name: BackendName;
  /** WASM only: whether the SIMD build is in use. */
  simd?: boolean;
  threads?: number;
}

const isNode = typeof process !== "undefined" && process.versions?.node !== undefined;
let initialised: Promise<BackendInfo> | undefined;
let initialisedFor: string | undefined;

/**
 * Makes `name` (or EQUIPOISE_BACKEND, or the best available backend) the active
 * tfjs backend. Safe to call repeatedly; asking for a different backend switches.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * const info = await nn.initBackend("wasm"); // or "cpu", "tensorflow", or none: EQUIPOISE_BACKEND, else the best available
 * info; // e.g. { name: "wasm", simd: true, threads: 1 }
 * ```
 */
export function initBackend(name?: string): Promise<BackendInfo> {
  const requested = name ?? (isNode ? process.env.EQUIPOISE_BACKEND : undefined) ?? "auto";
  if (initialised && initialisedFor === requested) return initialised;
  initialisedFor = requested;
  initialised = chooseBackend(requested).catch((error) => {
    initialised = undefined;
    initialisedFor = undefined;
    throw error;
  });
  return initialised;
}

/**
 * The active backend, for reports (training results, saved models).
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * await nn.initBackend("wasm");
 * nn.currentBackend(); // { name: "wasm", simd: true, threads: 1 } on this machine
 * ```
 */
export function currentBackend(): BackendInfo {
  const name = tf.getBackend() as BackendName;
  if (name === "wasm") {
    return { name, simd: tf.env().getBool("WASM_HAS_SIMD_SUPPORT"), threads: wasmThreads() };
  }
  return { name };
}

async function chooseBackend(requested: string): Promise<BackendInfo> {
  if (requested !== "auto" && !(backendNames as readonly string[]).includes(requested)) {
    throw new UserError(`unknown backend '${requested}'; known: auto, ${backendNames.join(", ")}`);
  }
  const candidates: BackendName[] =
    requested === "auto"
      ? isNode
        ? ["tensorflow", "wasm", "cpu"]
        : ["webgpu", "wasm", "cpu"]
      : [requested as BackendName];
  for (const candidate of candidates) {
    if (await tryBackend(candidate)) return currentBackend();
    if (requested !== "auto") {
      throw new UserError(`backend '${candidate}' is not available here${hint(candidate)}`);
    }
  }
  throw new UserError("no tensor backend could be initialised (tried tensorflow, wasm, cpu)");
}

function hint(name: BackendName): string {
  if (name === "tensorflow") return " (install @tensorflow/tfjs-node to use it)";
  if (name === "webgpu") return " (install @tensorflow/tfjs-backend-webgpu and use a browser with WebGPU)";
  return "";
}

async function tryBackend(name: BackendName): Promise<boolean> {
  try {
    if (!tf.findBackendFactory(name)) await registerBackend(name);
    if (!tf.findBackendFactory(name)) return false;
    const ok = await tf.setBackend(name);
    if (ok) await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/**
 * Backends register themselves on import. The optional ones are imported through a
 * variable so that bundlers and the type checker do not require them to exist.
 */
async function registerBackend(name: BackendName): Promise<void> {
  if (name === "cpu") await import("@tensorflow/tfjs-backend-cpu");
  else if (name === "wasm") await import("@tensorflow/tfjs-backend-wasm");
  else {
    const moduleName = name === "tensorflow" ? "@tensorflow/tfjs-node" : "@tensorflow/tfjs-backend-webgpu";
    await import(/* @vite-ignore */ moduleName);
  }
}

function wasmThreads(): number {
  try {
    return tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT") ? 2 : 1;
  } catch {
    return 1;
  }
}
