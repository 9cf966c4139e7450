import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fitLogisticRegression } from "../../src/explain/models/logistic.js";
import { banzhafMsr, leaveOneOutValues, tmcShapley } from "../../src/explain/valuation/monte-carlo.js";
import { dataOob } from "../../src/explain/valuation/oob.js";
import { removalCurves } from "../../src/explain/valuation/removal-curves.js";
import { modelUtility, type Utility } from "../../src/explain/valuation/utility.js";
import { smallProblem } from "./helpers.js";

/**
 * A small game: players 0 and 1 are symmetric (each adds 0.3, together 0.8), player 2
 * adds 0.1 to any coalition, player 3 is a null player.
 */
function gameUtility(): Utility & { calls: number } {
  const value = (w: Float64Array) => {
    const a = w[0] > 0;
    const b = w[1] > 0;
    return (a && b ? 0.8 : a || b ? 0.3 : 0) + (w[2] > 0 ? 0.1 : 0);
  };
  return {
    calls: 0,
    trainRows: 4,
    empty: 0,
    full: 0.9,
    evaluate(w) {
      this.calls++;
      return value(w);
    },
  };
}

describe("Monte-Carlo data valuation on a small game", () => {
  it("TMC-Shapley: efficiency, symmetry, the null player, and the exact values", () => {
    const result = tmcShapley(gameUtility(), { budget: 400, truncation: 0, tolerance: 0, seed: 1 });
    const [a, b, c, d] = result.values;
    assert.ok(Math.abs(a + b + c + d - 0.9) < 1e-12, "efficiency holds for every permutation");
    assert.equal(d, 0);
    assert.ok(Math.abs(c - 0.1) < 1e-12);
    // Exact Shapley of players 0 and 1: 0.4 each; the estimate is within a few standard errors.
    assert.ok(
      Math.abs(a - 0.4) < 4 * result.standardErrors[0] + 1e-9 &&
        Math.abs(b - 0.4) < 4 * result.standardErrors[1] + 1e-9,
    );
    assert.equal(result.converged, false, "tolerance 0 cannot be reached, and the result says so");
  });

  it("TMC-Shapley stops when its values have converged", () => {
    const result = tmcShapley(gameUtility(), { budget: 5000, truncation: 0, tolerance: 0.1, seed: 2 });
    assert.ok(result.converged && result.samples < 5000);
    assert.ok(result.relativeError <= 0.1);
  });

  it("Data Banzhaf (maximum sample reuse): the null player, symmetry and the exact values", () => {
    const result = banzhafMsr(gameUtility(), { budget: 4000, tolerance: 0, seed: 3 });
    const [a, b, c, d] = result.values;
    // Banzhaf of 0 and 1: ½(0.3 − 0) + ½(0.8 − 0.3) = 0.4; of 2: 0.1; of 3: 0.
    for (const [value, exact, error] of [
      [a, 0.4, result.standardErrors[0]],
      [b, 0.4, result.standardErrors[1]],
      [c, 0.1, result.standardErrors[2]],
      [d, 0, result.standardErrors[3]],
    ]) {
      assert.ok(Math.abs(value - exact) < 4 * error + 1e-9, `${value} vs ${exact} ± ${error}`);
    }
  });

  it("leave-one-out values are U(D) − U(D ∖ i)", () => {
    const result = leaveOneOutValues(gameUtility());
    assert.deepEqual(
      Array.from(result.values, (v) => Number(v.toFixed(12))),
      [0.5, 0.5, 0.1, 0],
    );
  });
});

describe("data valuation by retraining a logistic regression", () => {
  const train = smallProblem(80, 4, 31);
  const test = smallProblem(200, 4, 32);
  const model = fitLogisticRegression(train, { C: 1 }).model;

  it("the utility of the full set is the model's accuracy, and refits are warm-started", () => {
    const utility = modelUtility(model, test);
    assert.equal(utility.evaluate(new Float64Array(80).fill(1)), utility.full);
    assert.equal(utility.evaluate(new Float64Array(80)), 0);
  });

  it("Data-OOB: corrupting labels lowers their out-of-bag values", () => {
    const noisy = { ...train, y: Float64Array.from(train.y) };
    const flipped = [3, 17, 42, 66];
    for (const i of flipped) noisy.y[i] = 1 - noisy.y[i];
    const noisyModel = fitLogisticRegression(noisy, { C: 1 }).model;
    const result = dataOob(noisyModel, { bags: 60, seed: 1 });
    const meanOf = (rows: number[]) => rows.reduce((s, i) => s + result.values[i], 0) / rows.length;
    const others = Array.from({ length: 80 }, (_, i) => i).filter((i) => !flipped.includes(i));
    assert.ok(meanOf(flipped) < meanOf(others) - 0.2, `${meanOf(flipped)} vs ${meanOf(others)}`);
  });

  it("removal curves retrain without the highest- and lowest-valued rows", () => {
    const values = Float64Array.from({ length: 80 }, (_, i) => i);
    const seen: number[][] = [];
    const curves = removalCurves(
      values,
      (weights) => {
        seen.push(Array.from(weights.keys()).filter((i) => weights[i] === 0));
        return weights.reduce((a, b) => a + b, 0);
      },
      { fractions: [0, 0.05] },
    );
    assert.deepEqual(
      curves.map((c) => c.order),
      ["highest-first", "lowest-first", "random"],
    );
    assert.deepEqual(seen[1], [76, 77, 78, 79]);
    assert.deepEqual(seen[3], [0, 1, 2, 3]);
    assert.deepEqual(curves[0].scores, [80, 76]);
  });
});
