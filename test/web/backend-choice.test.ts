import assert from "node:assert/strict";
import { test } from "node:test";
import { chooseTrialBackend, probeWebGpu } from "../../web/src/local/backend-choice.js";

const hardware = { available: true, software: false, adapter: "nvidia ampere" } as const;
const software = { available: true, software: true, adapter: "google swiftshader" } as const;
const none = { available: false, reason: "this browser offers no WebGPU" } as const;

test("automatic: WebGPU on a hardware adapter, WebAssembly on a software one or without WebGPU", () => {
  assert.equal(chooseTrialBackend("auto", hardware).backend, "webgpu");
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
  assert.match(chooseTrialBackend("webgpu", software).reason, /software adapter/);
  const missing = chooseTrialBackend("webgpu", none);
  assert.equal(missing.backend, "wasm");
  assert.match(missing.reason, /WebGPU was chosen but this browser offers no WebGPU/);
});

test("Node has no WebGPU: the probe says so instead of throwing", async () => {
  const probe = await probeWebGpu();
  assert.equal(probe.available, false);
});
