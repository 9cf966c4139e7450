import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { createRandom } from "../../src/common/rng.js";
import { FAIRNESS_CONSTRAINTS } from "../../src/fairness/constraint.js";
import { fairnessPenaltyGradient } from "../../src/fairness/penalty.js";
import { penaltyEvents, penaltyGradient, referenceCoefficients } from "../../src/fairness/penalty-maths.js";
import { withReferencePenalty } from "../../src/fairness/reference-penalty.js";
import { buildModel, initBackend } from "../../src/nn/index.js";
import { type GradientBatch, type GradientComputer, meanGradient } from "../../src/train/index.js";

function randomProblem(n: number, cols: number, seed: number) {
  const random = createRandom(seed);
  const X = new Float32Array(n * cols).map(() => random.normal());
  const y = Float32Array.from({ length: n }, () => (random.uniform() < 0.4 ? 1 : 0));
  const groupOf = Int32Array.from({ length: n }, () => (random.uniform() < 0.3 ? 1 : 0));
  return { X, y, groupOf };
}

function batchOf(
  X: Float32Array,
  y: Float32Array,
  cols: number,
  indices: number[],
  datasetSize: number,
): GradientBatch {
  const rows = indices.length;
  const xb = new Float32Array(rows * cols);
  indices.forEach((row, i) => {
    xb.set(X.subarray(row * cols, (row + 1) * cols), i * cols);
  });
  return {
    x: tf.tensor2d(xb, [rows, cols]),
    labels: tf.tensor1d(Float32Array.from(indices, (r) => y[r])),
    weightSum: rows,
    indices: Int32Array.from(indices),
    expectedBatchSize: rows,
    datasetSize,
  };
}

for (const constraint of FAIRNESS_CONSTRAINTS) {
  test(`reference coefficients equal the batch penalty's gradient × B when the reference is the batch (${constraint})`, () => {
    const random = createRandom(7);
    const n = 200;
    const p = Float64Array.from({ length: n }, () => random.uniform());
    const groupOf = Int32Array.from({ length: n }, () => random.integer(3));
    const labels = Int32Array.from({ length: n }, () => (random.uniform() < 0.35 ? 1 : 0));
    const events = penaltyEvents(constraint);
    const classes = events.count;
    const classOf = Int32Array.from(labels, (label) => events.eventOf(label));
    const exact = penaltyGradient(p, groupOf, classOf, 3, classes).gradient;
    const k = referenceCoefficients(p, groupOf, classOf, 3, classes);
    for (let i = 0; i < n; i++) {
      const viaReference = classOf[i] < 0 ? 0 : k[classOf[i] * 3 + groupOf[i]] / n;
      assert.ok(Math.abs(viaReference - exact[i]) < 1e-12, `example ${i}: ${viaReference} vs ${exact[i]}`);
    }
  });
}

for (const constraint of FAIRNESS_CONSTRAINTS) {
  test(`with the batch as reference, the wrapped mean gradient equals the batch penalty's gradient (${constraint})`, async () => {
    await initBackend("cpu");
    const cols = 5;
    const n = 64;
    const { X, y, groupOf } = randomProblem(n, cols, 3);
    const model = buildModel("logreg", [cols], 2, 11);
    const all = Array.from({ length: n }, (_, i) => i);
    const weight = 2.5;
    const exact = fairnessPenaltyGradient({
      constraint,
      weight,
      groupOfRow: groupOf,
      labels: y,
    });
    const viaReference = withReferencePenalty(meanGradient, {
      constraint,
      weight,
      reference: { X: { rows: n, cols, data: X }, labels: y, groupOf },
      groupOfRow: groupOf,
    });
    const batch = batchOf(X, y, cols, all, n);
    const a = exact.compute(model, batch);
    const b = viaReference.compute(model, batch);
    a.gradients.forEach((g, k) => {
      const ga = g.dataSync();
      const gb = b.gradients[k].dataSync();
      for (let j = 0; j < ga.length; j++)
        assert.ok(Math.abs(ga[j] - gb[j]) < 1e-5, `param ${k}[${j}]: ${ga[j]} vs ${gb[j]}`);
    });
    tf.dispose([...a.gradients, ...b.gradients, a.lossSum, b.lossSum, batch.x, batch.labels]);
    model.dispose();
  });
}

test("an example's penalised label does not depend on the rest of the batch (what DP-SGD's sensitivity needs)", async () => {
  await initBackend("cpu");
  const cols = 4;
  const n = 50;
  const { X, y, groupOf } = randomProblem(n, cols, 5);
  const reference = randomProblem(80, cols, 6);
  const model = buildModel("mlp:8", [cols], 2, 1);
  const seen: Float32Array[] = [];
  const recorder: GradientComputer = {
    name: "recorder",
    compute(m, batch) {
      seen.push(batch.labels.dataSync() as Float32Array);
      return meanGradient.compute(m, batch);
    },
  };
  const penalised = withReferencePenalty(recorder, {
    constraint: "demographic_parity",
    weight: 5,
    reference: { X: { rows: 80, cols, data: reference.X }, labels: reference.y, groupOf: reference.groupOf },
    groupOfRow: groupOf,
    refreshEvery: 1000,
  });
  for (const indices of [[3, 10, 20, 30], [3], [40, 3, 7]]) {
    const batch = batchOf(X, y, cols, indices, n);
    const result = penalised.compute(model, batch);
    tf.dispose([...result.gradients, result.lossSum, batch.x, batch.labels]);
  }
  const labelOf3 = [seen[0][0], seen[1][0], seen[2][1]];
  assert.ok(
    labelOf3.every((v) => v === labelOf3[0]),
    `pseudo-labels of example 3: ${labelOf3}`,
  );
  assert.notEqual(labelOf3[0], y[3], "the penalty should move the label (λ = 5)");
  model.dispose();
});
