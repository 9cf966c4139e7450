import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { createRandom } from "../../src/common/rng.js";
import { buildModel, initBackend } from "../../src/nn/index.js";
import { type TrainingData, trainEnsemble, trainModel } from "../../src/train/index.js";
import { relativeError } from "../nn/gradient-check.js";

function data(n: number, d: number, classes: number, seed: number): TrainingData {
  const random = createRandom(seed);
  const X = new Float32Array(n * d);
  random.fillNormal(X);
  const y = Float32Array.from(
    { length: n },
    (_, i) => (X[i * d] + X[i * d + 1] > 0 ? 1 : 0) + (classes > 2 && X[i * d + 2] > 0.5 ? 1 : 0),
  );
  return { X: { rows: n, cols: d, data: X }, y };
}

function subsetOf(rows: number[], source: TrainingData): TrainingData {
  const d = source.X.cols;
  const X = new Float32Array(rows.length * d);
  rows.forEach((r, i) => {
    X.set(source.X.data.subarray(r * d, r * d + d), i * d);
  });
  return { X: { rows: rows.length, cols: d, data: X }, y: Float32Array.from(rows, (r) => source.y[r]) };
}

before(async () => {
  await initBackend("wasm");
});

for (const [spec, classes] of [
  ["mlp:6,5", 2],
  ["mlp:4", 3],
] as const) {
  test(`K ${spec} models trained at once equal the same models trained one by one (${classes} classes)`, () => {
    const train = data(150, 5, classes, 1);
    const subsetA = Int32Array.from({ length: 100 }, (_, i) => i);
    const subsetB = Int32Array.from({ length: 70 }, (_, i) => 149 - 2 * i);
    const members = [
      { seed: 1, learningRate: 0.1 },
      { seed: 2, learningRate: 0.3, subset: subsetA },
      { seed: 3, learningRate: 0.05, subset: subsetB },
    ];
    const before = tf.memory().numTensors;
    const ensemble = trainEnsemble(spec, classes, train, members, { epochs: 3, batchSize: 16 });
    members.forEach((member, k) => {
      const model = buildModel(spec, [5], classes, member.seed);
      const own = member.subset ? subsetOf(Array.from(member.subset), train) : train;
      trainModel(model, own, {
        epochs: 3,
        batchSize: 16,
        optimizer: { kind: "sgd", learningRate: member.learningRate },
        seed: member.seed,
      });
      const alone = model.readParameters();
      const together = ensemble.models[k].readParameters();
      alone.forEach((values, p) => {
        assert.ok(
          relativeError(together[p], values) < 1e-5,
          `member ${k} parameter ${p}: ${relativeError(together[p], values)}`,
        );
      });
      // ... and the members really differ from one another.
      if (k > 0) assert.ok(relativeError(together[0], ensemble.models[0].readParameters()[0]) > 1e-2);
      model.dispose();
    });
    for (const model of ensemble.models) model.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
}
