import assert from "node:assert/strict";
import { test } from "node:test";
import { chooseTrialBackend, fasterBackend, probeWebGpu } from "../../web/src/local/backend-choice.js";

const hardware = { available: true, software: false, adapter: "nvidia ampere" } as const;
const software = { available: true, software: true, adapter: "google swiftshader" } as const;
const none = { available: false, reason: "this browser offers no WebGPU" } as const;

test("automatic: WebGPU on a hardware adapter if a timed training says it is faster, WebAssembly on a software one or without WebGPU", () => {
  assert.equal(chooseTrialBackend("auto", hardware).backend, "webgpu");
  assert.equal(chooseTrialBackend("auto", hardware).timeBoth, true);
  assert.match(chooseTrialBackend("auto", hardware).reason, /hardware adapter nvidia ampere/);
  const onSoftware = chooseTrialBackend("auto", software);
  assert.equal(onSoftware.backend, "wasm");
  assert.match(onSoftware.reason, /google swiftshader\) runs on the CPU/);
  assert.deepEqual(chooseTrialBackend("auto", none), {
    backend: "wasm",
    reason: "WebAssembly (this browser offers no WebGPU)",
  });
});

test("a chosen backend is kept where it exists; WebGPU chosen without WebGPU says why it is WebAssembly", () => {
  assert.equal(chooseTrialBackend("wasm", hardware).backend, "wasm");
  assert.equal(chooseTrialBackend("webgpu", software).backend, "webgpu");
  assert.equal(chooseTrialBackend("webgpu", hardware).timeBoth, undefined, "a choice is not second-guessed");
  assert.match(chooseTrialBackend("webgpu", software).reason, /software adapter/);
  const missing = chooseTrialBackend("webgpu", none);
  assert.equal(missing.backend, "wasm");
  assert.match(missing.reason, /WebGPU was chosen but this browser offers no WebGPU/);
});

test("Node has no WebGPU: the probe says so instead of throwing", async () => {
  const probe = await probeWebGpu();
  assert.equal(probe.available, false);
});

test("the timed training decides: the faster backend is kept, and the page is told both times", () => {
  const gpuFaster = fasterBackend("nvidia ampere", { webgpu: 310.4, wasm: 820 });
  assert.equal(gpuFaster.backend, "webgpu");
  assert.equal(
    gpuFaster.reason,
    "WebGPU on the hardware adapter nvidia ampere, faster here (310 ms on WebGPU, 820 ms on WebAssembly)",
  );
  const wasmFaster = fasterBackend("intel gen-12lp", { webgpu: 1174, wasm: 49 });
  assert.equal(wasmFaster.backend, "wasm");
  assert.match(
    wasmFaster.reason,
    /^WebAssembly: faster than this browser's GPU \(intel gen-12lp\).*1174 ms on WebGPU, 49 ms/,
  );
  assert.equal(fasterBackend("x", { webgpu: 50, wasm: 50 }).backend, "wasm", "a tie keeps WebAssembly");
});
