import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { createRandom } from "../../src/common/rng.js";
import { fairnessPenaltyGradient, penaltyGradient } from "../../src/fairness/penalty.js";
import { buildModel, initBackend } from "../../src/nn/index.js";
import { registerAutodiffGradients } from "../nn/autodiff-gradients.js";

describe("fairness penalty", () => {
  before(async () => {
    await initBackend("cpu");
    await registerAutodiffGradients();
  });

  it("∂P/∂p matches finite differences (demographic parity and equalized odds)", () => {
    const random = createRandom(4);
    const n = 12;
    const p = Float64Array.from({ length: n }, () => random.uniform());
    const groupOf = Int32Array.from({ length: n }, (_, i) => i % 3);
    const classOf = Int32Array.from({ length: n }, () => (random.uniform() < 0.5 ? 1 : 0));
    for (const classes of [1, 2]) {
      const cls = classes === 1 ? new Int32Array(n) : classOf;
      const { gradient } = penaltyGradient(p, groupOf, cls, 3, classes);
      for (let i = 0; i < n; i++) {
        const h = 1e-6;
        const plus = Float64Array.from(p);
        const minus = Float64Array.from(p);
        plus[i] += h;
        minus[i] -= h;
        const numeric =
          (penaltyGradient(plus, groupOf, cls, 3, classes).value -
            penaltyGradient(minus, groupOf, cls, 3, classes).value) /
          (2 * h);
        assert.ok(Math.abs(numeric - gradient[i]) < 1e-7, `${numeric} vs ${gradient[i]}`);
      }
    }
  });

  it("the batch gradient equals autodiff of mean loss + λ·P through the model", () => {
    const random = createRandom(9);
    const n = 16;
    const model = buildModel("mlp:5", [3], 2, 1);
    const xData = Float32Array.from({ length: n * 3 }, () => random.normal());
    const yData = Float32Array.from({ length: n }, () => (random.uniform() < 0.5 ? 1 : 0));
    const groupOfRow = Int32Array.from({ length: n }, (_, i) => i % 2);
    const lambda = 3;
    const x = tf.tensor2d(xData, [n, 3]);
    const labels = tf.tensor1d(yData);
    const computer = fairnessPenaltyGradient({
      constraint: "demographic_parity",
      weight: lambda,
      groupOfRow,
      labels: yData,
    });
    const indices = Int32Array.from({ length: n }, (_, i) => i);
    const result = computer.compute(model, {
      x,
      labels,
      weightSum: n,
      indices,
      expectedBatchSize: n,
      datasetSize: n,
    });
    const mask = [0, 1].map((g) => tf.tensor1d(Float32Array.from(groupOfRow, (v) => (v === g ? 1 : 0))));
    const objective = (...params: tf.Tensor[]) => {
      const z = tf.reshape(model.logitsWith(x, params), [-1]);
      const loss = tf.mean(
        tf.add(tf.sub(tf.relu(z), tf.mul(z, labels)), tf.log1p(tf.exp(tf.neg(tf.abs(z))))),
      );
      const p = tf.sigmoid(z);
      const m = tf.mean(p);
      let penalty: tf.Tensor = tf.scalar(0);
      for (const k of mask)
        penalty = tf.add(penalty, tf.square(tf.sub(tf.div(tf.sum(tf.mul(p, k)), tf.sum(k)), m)));
      return tf.add(loss, tf.mul(lambda, penalty)) as tf.Scalar;
    };
    const reference = tf.grads(objective)(model.parameters());
    result.gradients.forEach((g, k) => {
      const a = g.dataSync();
      const b = reference[k].dataSync();
      for (let j = 0; j < a.length; j++)
        assert.ok(Math.abs(a[j] - b[j]) < 1e-5, `param ${k}[${j}]: ${a[j]} vs ${b[j]}`);
    });
    tf.dispose([x, labels, ...mask, ...reference, ...result.gradients, result.lossSum]);
    model.dispose();
  });
});
