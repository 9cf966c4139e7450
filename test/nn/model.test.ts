import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { UserError } from "../../src/common/errors.js";
import { createRandom } from "../../src/common/rng.js";
import { buildModel, initBackend, labelTensor, modelFromJSON, modelToJSON } from "../../src/nn/index.js";

before(async () => {
  await initBackend("wasm");
});

function batch(n: number, shape: number[], seed: number): tf.Tensor {
  const values = new Float32Array(n * shape.reduce((a, b) => a * b, 1));
  createRandom(seed).fillNormal(values);
  return tf.tensor(values, [n, ...shape]);
}

test("model specs build the expected architectures and reject unknown ones", () => {
  assert.equal(buildModel("logreg", [10], 2, 0).parameterCount, 11);
  assert.equal(buildModel("mlp:64,64", [104], 2, 0).parameterCount, 104 * 64 + 64 + 64 * 64 + 64 + 64 + 1);
  const cnn = buildModel("cnn", [28, 28, 1], 10, 0);
  assert.deepEqual(cnn.outputShape, [10]);
  assert.equal(cnn.parameterCount, 3 * 3 * 16 + 16 + 3 * 3 * 16 * 32 + 32 + 7 * 7 * 32 * 10 + 10);
  for (const bad of ["mlp", "mlp:0", "mlp:a", "cnn:3", "resnet"]) {
    assert.throws(() => buildModel(bad, bad.startsWith("cnn") ? [8, 8, 1] : [5], 2, 0), UserError, bad);
  }
  assert.throws(() => buildModel("cnn", [5], 2, 0), /image data/);
});

test("save → load gives identical predictions; corrupt or mismatched files are refused", () => {
  const model = buildModel("cnn:4,4", [8, 8, 1], 3, 5);
  const x = batch(5, [8, 8, 1], 1);
  const file = JSON.parse(
    JSON.stringify(
      modelToJSON(model, {
        spec: "cnn:4,4",
        preprocessor: { kind: "images" },
        metadata: { backend: "wasm" },
      }),
    ),
  );
  const loaded = modelFromJSON(file);
  assert.deepEqual(loaded.model.predictLogits(x).dataSync(), model.predictLogits(x).dataSync());
  assert.deepEqual(loaded.preprocessor, { kind: "images" });
  assert.equal(loaded.spec, "cnn:4,4");

  // biome-ignore lint/suspicious/noExplicitAny: hand-edited JSON documents
  const corrupt = (edit: (doc: any) => void) => {
    const doc = structuredClone(file);
    edit(doc);
    return () => modelFromJSON(doc, "m.json");
  };
  assert.throws(
    corrupt((d) => (d.format = "other")),
    UserError,
  );
  assert.throws(
    corrupt((d) => (d.weights[0].data = "%%%")),
    /base64/,
  );
  assert.throws(
    corrupt((d) => (d.weights[0].data = d.weights[1].data)),
    /values/,
  );
  assert.throws(
    corrupt((d) => (d.weights[0].shape = [1, 2])),
    /shape/,
  );
  assert.throws(
    corrupt((d) => d.weights.pop()),
    /weight tensors/,
  );
  assert.throws(
    corrupt((d) => (d.architecture.layers[0] = { type: "conv2d", filters: -1, kernelSize: 3 })),
    UserError,
  );
  assert.throws(
    corrupt((d) => (d.architecture.layers[0] = { type: "conv2d", filters: 4, kernelSize: 30 })),
    /invalid architecture/,
  );
  tf.dispose(x);
});

test("per-example gradients in chunks match one full pass", () => {
  const model = buildModel("mlp:5", [4], 2, 2);
  const x = batch(11, [4], 3);
  const y = labelTensor(
    "binary-cross-entropy",
    Float32Array.from({ length: 11 }, (_, i) => i % 2),
  );
  const pass = model.backwardPass(x, y);
  const full = pass.flatPerExampleGradients().arraySync();
  pass.dispose();
  const rows: number[][] = [];
  const starts: number[] = [];
  model.forEachGradientChunk(x, y, 4, (g, start) => {
    starts.push(start);
    rows.push(...g.arraySync());
  });
  assert.deepEqual(starts, [0, 4, 8]);
  rows.forEach((row, i) => {
    row.forEach((v, p) => {
      assert.ok(Math.abs(v - full[i][p]) < 1e-6);
    });
  });
  tf.dispose([x, y]);
});
