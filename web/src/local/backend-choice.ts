/**
 * Which tensor backend a trial worker trains on. WebGPU is used where the browser
 * has a GPU behind it and trains this study's models faster than WebAssembly: the
 * small networks of a tabular study launch many tiny kernels and read the clipped
 * gradient back at every DP-SGD step, so a GPU does not win by itself, and
 * "auto" times a short training on both before it chooses. A software adapter
 * (SwiftShader, a browser's "fallback" adapter) runs compute shaders on the CPU,
 * far slower than WebAssembly's SIMD kernels, so "auto" keeps WebAssembly there
 * without timing. Asking for WebGPU explicitly takes any adapter, software
 * included (that is how the browser test checks the WebGPU path on a machine
 * without a GPU).
 */

/** What the page's "Tensor backend" choice says. */
export type BackendPreference = "auto" | "wasm" | "webgpu";

export const BACKEND_PREFERENCES: readonly BackendPreference[] = ["auto", "wasm", "webgpu"];

/** What the browser's WebGPU offers, as far as the choice needs it. */
export type WebGpuProbe =
  | { available: false; reason: string }
  | { available: true; software: boolean; adapter: string };

export interface BackendChoice {
  backend: "wasm" | "webgpu";
  /** One sentence for the page: what was chosen and why. */
  reason: string;
  /** WebGPU is to be kept only if a timed training runs faster on it than on WebAssembly. */
  timeBoth?: boolean;
}

/** The backend to try first, from the user's preference and what the browser offers. */
export function chooseTrialBackend(preference: BackendPreference, probe: WebGpuProbe): BackendChoice {
  if (preference === "wasm") return { backend: "wasm", reason: "WebAssembly, as chosen" };
  if (!probe.available) {
    return {
      backend: "wasm",
      reason:
        preference === "webgpu"
          ? `WebAssembly: WebGPU was chosen but ${probe.reason}`
          : `WebAssembly (${probe.reason})`,
    };
  }
  if (preference === "auto" && probe.software) {
    return {
      backend: "wasm",
      reason: `WebAssembly: this browser's WebGPU adapter (${probe.adapter}) runs on the CPU, where WebAssembly is faster`,
    };
  }
  const kind = probe.software ? "software" : "hardware";
  return {
    backend: "webgpu",
    reason: `WebGPU on the ${kind} adapter ${probe.adapter}`,
    ...(preference === "auto" ? { timeBoth: true } : {}),
  };
}

/** Milliseconds of the same short training on each backend (after a first, untimed run of it). */
export interface BackendTimings {
  webgpu: number;
  wasm: number;
}

/** The faster backend for "auto" on a hardware adapter, and the sentence that says so. */
export function fasterBackend(adapter: string, timings: BackendTimings): BackendChoice {
  const figures = `${timings.webgpu.toFixed(0)} ms on WebGPU, ${timings.wasm.toFixed(0)} ms on WebAssembly`;
  return timings.webgpu < timings.wasm
    ? { backend: "webgpu", reason: `WebGPU on the hardware adapter ${adapter}, faster here (${figures})` }
    : {
        backend: "wasm",
        reason: `WebAssembly: faster than this browser's GPU (${adapter}) on this study's models (${figures})`,
      };
}

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

interface AdapterLike {
  info?: AdapterInfoLike;
  isFallbackAdapter?: boolean;
}

/** Asks the browser for a WebGPU adapter (never throws). */
export async function probeWebGpu(): Promise<WebGpuProbe> {
  // Typed here rather than through @webgpu/types, whose adapter predates `info`.
  const gpu = (globalThis.navigator as unknown as { gpu?: { requestAdapter(): Promise<AdapterLike | null> } })
    ?.gpu;
  if (!gpu) return { available: false, reason: "this browser offers no WebGPU" };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { available: false, reason: "this browser found no WebGPU adapter" };
    const info = adapter.info ?? {};
    const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(" ") || "unnamed";
    const software =
      info.isFallbackAdapter === true || adapter.isFallbackAdapter === true || /swiftshader/i.test(name);
    return { available: true, software, adapter: name };
  } catch (error) {
    return {
      available: false,
      reason: `asking for a WebGPU adapter failed (${error instanceof Error ? error.message : String(error)})`,
    };
  }
}
