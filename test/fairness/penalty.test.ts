import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { createRandom } from "../../src/common/rng.js";
import { FAIRNESS_CONSTRAINTS } from "../../src/fairness/constraint.js";
import { fairnessPenaltyGradient } from "../../src/fairness/penalty.js";
import { penaltyEvents, penaltyGradient } from "../../src/fairness/penalty-maths.js";
import { buildModel, initBackend } from "../../src/nn/index.js";
import { registerAutodiffGradients } from "../nn/autodiff-gradients.js";

describe("fairness penalty", () => {
  before(async () => {
    await initBackend("cpu");
    await registerAutodiffGradients();
  });

  it("∂P/∂p matches finite differences (every constraint; rows in no event get 0)", () => {
    const random = createRandom(4);
    const n = 12;
    const p = Float64Array.from({ length: n }, () => random.uniform());
    const groupOf = Int32Array.from({ length: n }, (_, i) => i % 3);
    const labels = Int32Array.from({ length: n }, () => (random.uniform() < 0.5 ? 1 : 0));
    for (const constraint of FAIRNESS_CONSTRAINTS) {
      const events = penaltyEvents(constraint);
      const cls = Int32Array.from(labels, (label) => events.eventOf(label));
      const classes = events.count;
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
        assert.ok(Math.abs(numeric - gradient[i]) < 1e-7, `${constraint} ${i}: ${numeric} vs ${gradient[i]}`);
        if (cls[i] < 0) assert.equal(gradient[i], 0);
      }
    }
  });

  for (const constraint of FAIRNESS_CONSTRAINTS) {
    it(`the batch gradient equals autodiff of mean loss + λ·P through the model (${constraint})`, () => {
      const random = createRandom(9);
      const n = 16;
      const model = buildModel("mlp:5", [3], 2, 1);
      const xData = Float32Array.from({ length: n * 3 }, () => random.normal());
      const yData = Float32Array.from({ length: n }, () => (random.uniform() < 0.5 ? 1 : 0));
      const groupOfRow = Int32Array.from({ length: n }, (_, i) => i % 2);
      const lambda = 3;
      const x = tf.tensor2d(xData, [n, 3]);
      const labels = tf.tensor1d(yData);
      const computer = fairnessPenaltyGradient({ constraint, weight: lambda, groupOfRow, labels: yData });
      const indices = Int32Array.from({ length: n }, (_, i) => i);
      const result = computer.compute(model, {
        x,
        labels,
        weightSum: n,
        indices,
        expectedBatchSize: n,
        datasetSize: n,
      });
      // P written out independently: for every event (all rows; each label; the positives) and
      // group, the squared difference between the group's and the event's mean probability.
      const eventMasks =
        constraint === "demographic_parity"
          ? [new Float32Array(n).fill(1)]
          : constraint === "equalized_odds"
            ? [0, 1].map((c) => Float32Array.from(yData, (y) => (y === c ? 1 : 0)))
            : [Float32Array.from(yData, (y) => (y === 1 ? 1 : 0))];
      // Cells without members have no mean and no term (as in the penalty).
      const masks = eventMasks.map((event) => ({
        event: tf.tensor1d(event),
        groups: [0, 1]
          .map((g) => Float32Array.from(groupOfRow, (v, i) => (v === g ? event[i] : 0)))
          .filter((cell) => cell.some((v) => v > 0))
          .map((cell) => tf.tensor1d(cell)),
      }));
      const objective = (...params: tf.Tensor[]) => {
        const z = tf.reshape(model.logitsWith(x, params), [-1]);
        const loss = tf.mean(
          tf.add(tf.sub(tf.relu(z), tf.mul(z, labels)), tf.log1p(tf.exp(tf.neg(tf.abs(z))))),
        );
        const p = tf.sigmoid(z);
        let penalty: tf.Tensor = tf.scalar(0);
        for (const { event, groups } of masks) {
          const m = tf.div(tf.sum(tf.mul(p, event)), tf.sum(event));
          for (const k of groups)
            penalty = tf.add(penalty, tf.square(tf.sub(tf.div(tf.sum(tf.mul(p, k)), tf.sum(k)), m)));
        }
        return tf.add(loss, tf.mul(lambda, penalty)) as tf.Scalar;
      };
      const reference = tf.grads(objective)(model.parameters());
      result.gradients.forEach((g, k) => {
        const a = g.dataSync();
        const b = reference[k].dataSync();
        for (let j = 0; j < a.length; j++)
          assert.ok(Math.abs(a[j] - b[j]) < 1e-5, `param ${k}[${j}]: ${a[j]} vs ${b[j]}`);
      });
      const tensors = masks.flatMap((m) => [m.event, ...m.groups]);
      tf.dispose([x, labels, ...tensors, ...reference, ...result.gradients, result.lossSum]);
      model.dispose();
    });
  }
});
