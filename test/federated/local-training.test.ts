/**
 * Local training against the closed form: full-batch gradient steps of logistic
 * regression (∇ = Xᵀ(σ(Xw + b) − y)/n) computed by hand in float64, with and without
 * FedProx's proximal term μ(w − w_global).
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { modelShape, trainLocalUpdate } from "../../src/federated/local-training.js";
import { initBackend } from "../../src/nn/index.js";
import { separableData } from "../helpers/data.js";

before(async () => {
  await initBackend("cpu");
});

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** `steps` full-batch gradient steps of logistic regression, the proximal term pulling towards `anchor`. */
function byHand(
  X: Float32Array,
  y: Float32Array,
  n: number,
  d: number,
  start: number[],
  lr: number,
  mu: number,
  steps: number,
): number[] {
  let w = [...start]; // kernel (d values), then the bias
  for (let s = 0; s < steps; s++) {
    const gradient = new Array(d + 1).fill(0);
    for (let i = 0; i < n; i++) {
      let z = w[d];
      for (let j = 0; j < d; j++) z += X[i * d + j] * w[j];
      const residual = sigmoid(z) - y[i];
      for (let j = 0; j < d; j++) gradient[j] += (residual * X[i * d + j]) / n;
      gradient[d] += residual / n;
    }
    w = w.map((value, k) => value - lr * (gradient[k] + mu * (value - start[k])));
  }
  return w.map((value, k) => value - start[k]);
}

for (const mu of [0, 0.5]) {
  test(`two full-batch epochs${mu > 0 ? " with FedProx μ = 0.5" : ""} match the closed-form gradient steps`, () => {
    const n = 40;
    const d = 3;
    const data = separableData(n, d, 5);
    const shape = modelShape("logreg", d, 2);
    const start = Float32Array.from([0.3, -0.2, 0.1, 0.05]);
    const local = trainLocalUpdate(
      shape,
      start,
      data,
      { epochs: 2, batchSize: n, learningRate: 0.5, proximalMu: mu },
      1,
    );
    const expected = byHand(data.X.data, data.y, n, d, Array.from(start), 0.5, mu, 2);
    for (const [k, value] of expected.entries())
      assert.ok(Math.abs(local.update[k] - value) < 1e-5, `[${k}] ${local.update[k]} vs ${value}`);
    assert.equal(local.examples, n);
  });
}

test("the proximal term keeps the local model closer to the global one; the same seed, the same update", () => {
  const data = separableData(200, 4, 6);
  const shape = modelShape("mlp:8", 4, 2);
  const start = new Float32Array(shape.sizes.reduce((a, b) => a + b, 0)).fill(0.1);
  const settings = { epochs: 3, batchSize: 16, learningRate: 0.5, proximalMu: 0 };
  const plain = trainLocalUpdate(shape, start, data, settings, 3);
  const again = trainLocalUpdate(shape, start, data, settings, 3);
  const prox = trainLocalUpdate(shape, start, data, { ...settings, proximalMu: 2 }, 3);
  const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  assert.deepEqual(again.update, plain.update);
  assert.ok(norm(prox.update) < norm(plain.update));
  assert.ok(plain.initialLoss > 0);
});
