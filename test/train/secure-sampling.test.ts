import assert from "node:assert/strict";
import { before, test } from "node:test";
import { createRandom, type Random } from "../../src/common/rng.js";
import { buildModel, initBackend } from "../../src/nn/index.js";
import { trainModel } from "../../src/train/index.js";
import { separableData } from "../helpers/data.js";

before(async () => {
  await initBackend("wasm");
});

/** Counts the uniforms drawn through it. */
function countingRandom(inner: Random): Random & { calls: number } {
  const spy = {
    calls: 0,
    uniform: () => {
      spy.calls++;
      return inner.uniform();
    },
    uint32: () => inner.uint32(),
    integer: (n: number) => inner.integer(n),
    normal: () => inner.normal(),
    fillNormal: (out: Float32Array | Float64Array) => inner.fillNormal(out),
    fork: () => inner.fork(),
  };
  return spy;
}

test("trainer: batch membership comes from samplingRandom when given; seeded runs are unchanged", () => {
  const train = separableData(200, 4, 1);
  const options = {
    epochs: 2,
    batchSize: 20,
    optimizer: { kind: "sgd" as const, learningRate: 0.3 },
    seed: 9,
    sampling: "poisson" as const,
  };
  const run = (samplingRandom?: Random) => {
    const model = buildModel("logreg", [4], 2, 1);
    trainModel(model, train, { ...options, ...(samplingRandom ? { samplingRandom } : {}) });
    const weights = model.readParameters();
    model.dispose();
    return weights;
  };
  const seeded = run();
  assert.deepEqual(run(), seeded);
  // The seeded path draws from createRandom(seed).fork(): handing that stream in gives the same weights…
  const spy = countingRandom(createRandom(9).fork());
  assert.deepEqual(run(spy), seeded);
  // …and every Poisson gap was drawn from it (about q·n = 20 per batch, 20 batches).
  assert.ok(spy.calls > 200, `${spy.calls} draws`);
  assert.notDeepEqual(run(countingRandom(createRandom(10))), seeded);
});
