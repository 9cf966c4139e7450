import assert from "node:assert/strict";
import { test } from "node:test";
import { modelMetrics } from "../../src/fit/metrics.js";
import { GroupClippingRecorder, meanClippingStatistics } from "../../src/interplay/clipping-stats.js";
import { privacyCostOfTrial, summarisePrivacyCost } from "../../src/interplay/cost.js";
import { bootstrapMeanInterval } from "../../src/interplay/intervals.js";

const sensitive = [{ name: "sex", categories: ["M", "F"], codes: Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1]) }];
const yTrue = [1, 1, 0, 0, 1, 1, 0, 0];

test("the cost of privacy by group is the change of each group's rates against the matched model", () => {
  // Matched: perfect. Private: perfect on M, one error of each kind on F.
  const matched = modelMetrics(yTrue, yTrue, sensitive, 0, Infinity);
  const privatePredictions = [1, 1, 0, 0, 1, 0, 1, 0];
  const priv = modelMetrics(yTrue, privatePredictions, sensitive, 0, 1);
  const cost = privacyCostOfTrial(priv, matched, "sex");
  const [m, f] = cost.groups;
  assert.equal(m.accuracyCost, 0);
  assert.equal(f.accuracyCost, 0.5);
  assert.deepEqual(f.change, { accuracy: -0.5, tpr: -0.5, fpr: 0.5, selectionRate: 0 });
  assert.equal(cost.accuracyCostDisparity, 0.5);
  assert.equal(cost.gaps.eo.matched, 0);
  assert.equal(cost.gaps.eo.private, 0.5);
  assert.equal(cost.gaps.dp.change, 0);
  assert.throws(() => privacyCostOfTrial(priv, matched, "race"), /not a sensitive attribute/);
});

test("seeds are summarised by their mean with a bootstrap interval; few seeds and small groups are warned about", () => {
  const matched = modelMetrics(yTrue, yTrue, sensitive, 0, Infinity);
  const trials = [
    [1, 1, 0, 0, 1, 0, 1, 0],
    [1, 1, 0, 0, 1, 1, 0, 0],
    [1, 0, 0, 0, 1, 0, 0, 0],
  ].map((p) => privacyCostOfTrial(modelMetrics(yTrue, p, sensitive, 0, 1), matched, "sex"));
  const summary = summarisePrivacyCost(trials, { seed: 3 });
  const expected = bootstrapMeanInterval(
    trials.map((t) => t.accuracyCostDisparity),
    { seed: 3, confidence: 0.95 },
  );
  assert.deepEqual(summary.accuracyCostDisparity, expected);
  assert.ok(Math.abs(summary.groups[1].accuracyCost.estimate - (0.5 + 0 + 0.25) / 3) < 1e-12);
  assert.ok(summary.warnings.some((w) => /3 seeds/.test(w)));
  assert.ok(summary.warnings.some((w) => /'M' of 'sex' has 4 test rows/.test(w)));
  const interval = summary.groups[1].accuracyCost;
  assert.ok(interval.low <= interval.estimate && interval.estimate <= interval.high);
});

test("the clipping recorder sums per group and per epoch; the mean of runs averages them", () => {
  const groupOfRow = Int32Array.from([0, 1, 0, 1, -1]);
  const recorder = new GroupClippingRecorder(groupOfRow, ["a", "b"], 2);
  const step = (indices: number[], norms: number[], sums: [number, number]) =>
    recorder.observe({
      indices: Int32Array.from(indices),
      norms: Float32Array.from(norms),
      clipBounds: new Float32Array(indices.length).fill(1),
      noiseStd: 2,
      dimension: 4,
      groupSumNorms: Float64Array.from(sums),
    });
  step([0, 1, 4], [0.5, 3, 9], [0.5, 1]);
  step([2, 3], [2, 4], [1, 1]);
  step([0], [0.1], [0.1, 0]);
  const [first, second] = recorder.summary();
  assert.equal(first.steps, 2);
  assert.deepEqual(first.groups[0], {
    group: "a",
    examples: 2,
    clippedFraction: 0.5,
    meanNorm: 1.25,
    meanClipBound: 1,
    signalToNoise: (0.5 / 4 + 1 / 4) / 2,
  });
  assert.equal(first.groups[1].clippedFraction, 1);
  assert.equal(second.groups[1].examples, 0);
  assert.ok(Number.isNaN(second.groups[1].meanNorm));
  const mean = meanClippingStatistics([recorder.summary(), recorder.summary()]);
  assert.deepEqual(mean[0].groups[0], first.groups[0]);
});
