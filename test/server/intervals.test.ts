/**
 * The per-group intervals: Wilson's interval against values found by a second
 * method (numerical inversion of the score test with SciPy's brentq, printed as
 * literals), and the exact recovery of the counts behind stored rates.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import { MetricFrame } from "../../src/fairness/index.js";
import { groupIntervals, recoverGroupCounts, wilsonInterval, Z_95 } from "../../src/server/intervals.js";

describe("Wilson score interval", () => {
  // [successes, n, low, high] from scipy: brentq on (p̂ − p)² = z² p (1 − p) / n, z = norm.ppf(0.975).
  const scipy: [number, number, number, number][] = [
    [0, 10, 0, 0.2775327998628914],
    [3, 10, 0.10779126740630103, 0.6032218525388547],
    [10, 10, 0.7224672001371085, 1],
    [51, 89, 0.4693511637265903, 0.6706724869692007],
    [1, 1000, 0.00017654637068256884, 0.005642558597900116],
    [500, 1000, 0.4690696003681522, 0.5309303996318477],
  ];
  test("matches the inversion of the score test", () => {
    assert.equal(Z_95, 1.959963984540054);
    for (const [k, n, low, high] of scipy) {
      const interval = wilsonInterval(k, n);
      assert.ok(Math.abs(interval.low - low) < 1e-12, `${k}/${n} low ${interval.low} vs ${low}`);
      assert.ok(Math.abs(interval.high - high) < 1e-12, `${k}/${n} high ${interval.high} vs ${high}`);
      assert.equal(interval.value, k / n);
      assert.equal(interval.n, n);
    }
  });
  test("an empty group has no interval", () => {
    const interval = wilsonInterval(0, 0);
    assert.ok(Number.isNaN(interval.value) && Number.isNaN(interval.low) && Number.isNaN(interval.high));
    assert.equal(interval.n, 0);
  });
});

describe("counts behind a group's rates", () => {
  test("are recovered exactly from MetricFrame's rates of random confusion matrices", () => {
    const random = createRandom(7);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + random.integer(400);
      const yTrue = new Float32Array(n);
      const yPred = new Int32Array(n);
      const rate = random.uniform();
      for (let i = 0; i < n; i++) {
        yTrue[i] = random.uniform() < rate ? 1 : 0;
        yPred[i] = random.uniform() < 0.5 ? yTrue[i] : random.uniform() < 0.5 ? 1 : 0;
      }
      const frame = new MetricFrame({
        metrics: ["count", "accuracy", "selection_rate", "true_positive_rate", "false_positive_rate"],
        yTrue,
        yPred,
        sensitiveFeatures: [{ name: "g", categories: ["a"], codes: new Int32Array(n) }],
      });
      const counts = recoverGroupCounts({
        count: frame.byGroup.count[0],
        accuracy: frame.byGroup.accuracy[0],
        selectionRate: frame.byGroup.selection_rate[0],
        tpr: frame.byGroup.true_positive_rate[0],
        fpr: frame.byGroup.false_positive_rate[0],
      });
      let positives = 0;
      let truePositives = 0;
      let falsePositives = 0;
      for (let i = 0; i < n; i++) {
        positives += yTrue[i];
        if (yPred[i] === 1 && yTrue[i] === 1) truePositives++;
        if (yPred[i] === 1 && yTrue[i] === 0) falsePositives++;
      }
      assert.ok(counts, `case ${trial}: counts not recovered`);
      assert.deepEqual(
        {
          positives: counts.positives,
          truePositives: counts.truePositives,
          falsePositives: counts.falsePositives,
        },
        { positives, truePositives, falsePositives },
        `case ${trial} (n=${n})`,
      );
    }
  });
  test("rates no whole numbers fit give intervals for accuracy and selection rate only", () => {
    const intervals = groupIntervals({ count: 10, accuracy: 0.5, selectionRate: 0.5, tpr: 0.333, fpr: 0.7 });
    assert.equal(intervals.accuracy.n, 10);
    assert.equal(intervals.tpr.n, 0);
    assert.ok(Number.isNaN(intervals.tpr.low));
    assert.equal(intervals.tpr.value, 0.333);
  });
  test("a group without positives: TPR undefined, FPR on every row", () => {
    const counts = recoverGroupCounts({
      count: 4,
      accuracy: 0.75,
      selectionRate: 0.25,
      tpr: Number.NaN,
      fpr: 0.25,
    });
    assert.deepEqual(counts, {
      n: 4,
      correct: 3,
      predictedPositive: 1,
      positives: 0,
      truePositives: 0,
      falsePositives: 1,
    });
    const intervals = groupIntervals({
      count: 4,
      accuracy: 0.75,
      selectionRate: 0.25,
      tpr: Number.NaN,
      fpr: 0.25,
    });
    assert.equal(intervals.tpr.n, 0);
    assert.equal(intervals.fpr.n, 4);
  });
});
