import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import { influence, testLossQueries } from "../../src/explain/influence/influence.js";
import { leaveOneOut } from "../../src/explain/loo.js";
import { fitLogisticRegression } from "../../src/explain/models/logistic.js";
import { fitPenalisedLogistic, PenalisedLogisticModel } from "../../src/explain/models/penalised.js";
import { spearman } from "../../src/explain/stats.js";
import { maxAbsDifference, smallProblem } from "./helpers.js";

const train = smallProblem(160, 5, 51);
const groups = Int32Array.from({ length: 160 }, (_, i) => (train.X[i * 5 + 4] === 1 ? 1 : 0));
const penalty = { groups, strength: 160 * 0.5 };

describe("logistic regression with the demographic-parity penalty (a mitigated model)", () => {
  it("has the gradient and Hessian of its objective (finite differences)", () => {
    const random = createRandom(1);
    const theta = Float64Array.from({ length: 6 }, () => random.normal());
    const weights = Float64Array.from({ length: 160 }, (_, i) => 0.5 + (i % 4) * 0.25);
    const model = new PenalisedLogisticModel(train, theta, { C: 0.8, weights, penalty });
    const h = 1e-6;
    const gradient = model.objectiveGradient();
    const H = model.hessian();
    for (let j = 0; j < 6; j++) {
      const up = Float64Array.from(theta);
      const down = Float64Array.from(theta);
      up[j] += h;
      down[j] -= h;
      const numeric =
        (model.withParameters(up).objective() - model.withParameters(down).objective()) / (2 * h);
      assert.ok(Math.abs(numeric - gradient[j]) < 1e-6 * (1 + Math.abs(gradient[j])), `gradient ${j}`);
      const gu = model.withParameters(up).objectiveGradient();
      const gd = model.withParameters(down).objectiveGradient();
      const column = gu.map((g, k) => (g - gd[k]) / (2 * h));
      assert.ok(
        maxAbsDifference(column, H.subarray(j * 6, (j + 1) * 6)) <
          1e-5 * (1 + Math.max(...column.map(Math.abs))),
        `Hessian column ${j}`,
      );
    }
  });

  it("narrows the gap of mean predicted probabilities, and its influence tracks leave-one-out", () => {
    const plain = fitLogisticRegression(train).model;
    const fit = fitPenalisedLogistic(train, { penalty });
    assert.ok(fit.converged, `‖∇F‖∞ = ${fit.gradientNorm}`);
    const gapOf = (P: Float64Array) => {
      const sums = [0, 0];
      const counts = [0, 0];
      for (let i = 0; i < 160; i++) {
        sums[groups[i]] += P[2 * i + 1];
        counts[groups[i]]++;
      }
      return Math.abs(sums[1] / counts[1] - sums[0] / counts[0]);
    };
    assert.ok(gapOf(fit.model.probabilities(train)) < gapOf(plain.probabilities(train)));
    const test = smallProblem(15, 5, 52);
    const testRows = Int32Array.of(0, 1, 2, 3);
    const trainRows = Int32Array.from({ length: 16 }, (_, i) => i * 10);
    const loo = leaveOneOut(fit.model, test, testRows, trainRows);
    const predicted = influence(fit.model, testLossQueries(fit.model, test, testRows), {
      method: "exact",
      trainRows,
    });
    assert.ok(predicted.trusted, predicted.warnings.join("; "));
    assert.ok(
      spearman(predicted.matrix, loo.matrix) > 0.98,
      `Spearman ${spearman(predicted.matrix, loo.matrix)}`,
    );
  });
});
