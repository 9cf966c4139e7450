import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import {
  accuracy,
  balancedAccuracy,
  brierScore,
  demographicParityDifference,
  demographicParityRatio,
  equalizedOddsDifference,
  equalizedOddsRatio,
  expectedCalibrationError,
  falsePositiveRate,
  individualConsistency,
  logLoss,
  MetricFrame,
  precision,
  rocAuc,
  selectionRate,
  truePositiveRate,
} from "../../src/fairness/index.js";

const close = (actual: number, expected: number, tolerance = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} != ${expected}`);

// Hand-computed table: group a has TP 1, FN 1, TN 1, FP 1; group b has TP 2, FP 1, TN 1.
const yTrue = [1, 1, 0, 0, 1, 0, 1, 0];
const yPred = [1, 0, 0, 1, 1, 1, 1, 0];
const group = ["a", "a", "a", "a", "b", "b", "b", "b"];
const weights = [2, 1, 1, 1, 1, 1, 1, 3];
const sensitiveFeatures = [{ name: "g", values: group }];

describe("metrics", () => {
  it("match hand-computed confusion-matrix values, with and without weights", () => {
    close(accuracy(yTrue, yPred), 5 / 8);
    close(selectionRate(yTrue, yPred), 5 / 8);
    close(truePositiveRate(yTrue, yPred), 3 / 4);
    close(falsePositiveRate(yTrue, yPred), 2 / 4);
    close(precision(yTrue, yPred), 3 / 5);
    close(balancedAccuracy(yTrue, yPred), (3 / 4 + 2 / 4) / 2);
    // weighted: TP 4, FN 1, FP 2, TN 4
    close(accuracy(yTrue, yPred, weights), 8 / 11);
    close(truePositiveRate(yTrue, yPred, weights), 4 / 5);
    close(falsePositiveRate(yTrue, yPred, weights), 2 / 6);
  });

  it("apply sklearn's zero-division conventions", () => {
    assert.equal(truePositiveRate([0, 0], [1, 0]), 0);
    assert.equal(falsePositiveRate([1, 1], [1, 0]), 0);
    assert.equal(precision([1, 0], [0, 0]), 0);
    close(balancedAccuracy([1, 1, 1], [1, 0, 1]), 2 / 3);
  });

  it("log loss and Brier score match their closed forms", () => {
    const p = [0.9, 0.2, 0.6, 0.4];
    const y = [1, 0, 0, 1];
    const expected = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.4) + Math.log(0.4)) / 4;
    close(logLoss(y, p), expected);
    close(brierScore(y, p), (0.01 + 0.04 + 0.36 + 0.36) / 4);
    close(logLoss([1], [0]), -Math.log(Number.EPSILON));
  });

  it("ROC AUC equals the weighted pairwise probability (ties count one half)", () => {
    const random = createRandom(7);
    const n = 200;
    const y = Array.from({ length: n }, () => (random.uniform() < 0.4 ? 1 : 0));
    const s = Array.from({ length: n }, (_, i) => Math.round((y[i] * 0.3 + random.uniform()) * 10) / 10);
    const w = Array.from({ length: n }, () => 0.5 + random.uniform());
    let num = 0;
    let den = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (y[i] !== 1 || y[j] !== 0) continue;
        num += w[i] * w[j] * (s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0);
        den += w[i] * w[j];
      }
    }
    close(rocAuc(y, s, w), num / den, 1e-12);
    assert.ok(Number.isNaN(rocAuc([1, 1], [0.2, 0.3])));
  });

  it("reject NaN and ±∞ scores with the row, instead of looping for ever (ROC AUC) or ignoring them", () => {
    // In a child process: a regression back to the endless tie walk must fail the test, not hang the suite.
    const index = new URL("../../src/fairness/index.ts", import.meta.url).href;
    const code = `
      const f = await import(${JSON.stringify(index)});
      const y = [1, 0, 1, 0];
      const sensitiveFeatures = [{ name: "g", values: ["a", "a", "b", "b"] }];
      const calls = {
        rocAuc: (s) => f.rocAuc(y, s),
        logLoss: (s) => f.logLoss(y, s),
        brierScore: (s) => f.brierScore(y, s),
        expectedCalibrationError: (s) => f.expectedCalibrationError(y, s),
        metricFrame: (s) => new f.MetricFrame({ metrics: ["roc_auc"], yTrue: y, yPred: [1, 0, 1, 0], yScore: s, sensitiveFeatures }),
        fitThresholds: (s) => f.fitThresholds({ scores: s, yTrue: y, sensitiveFeatures }, { constraint: "demographic_parity" }),
      };
      for (const [name, call] of Object.entries(calls)) {
        for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
          try { call([0.2, 0.9, bad, 0.4]); console.log(name + " " + bad + " returned"); }
          catch (error) { console.log(name + " " + bad + " " + error.name + ": " + error.message); }
        }
      }`;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
      encoding: "utf8",
      timeout: 120_000,
    });
    assert.equal(child.signal, null, `did not terminate: ${child.stdout}`);
    assert.equal(child.status, 0, child.stderr);
    const lines = child.stdout.trim().split("\n");
    assert.equal(lines.length, 18, child.stdout);
    for (const line of lines) assert.match(line, /DataError: .*row 2 has (NaN|Infinity|-Infinity)$/, line);
  });

  it("expected calibration error on a hand example", () => {
    // bin [0.1,0.2): scores 0.15, 0.15 labels 0,1 → |0.5-0.15|; bin [0.9,1]: 0.95, 1.0 labels 1,1 → |1-0.975|
    close(expectedCalibrationError([0, 1, 1, 1], [0.15, 0.15, 0.95, 1.0]), 0.5 * 0.35 + 0.5 * 0.025);
  });

  it("individual consistency counts each point among its own k neighbours (AIF360)", () => {
    const X = { rows: 6, cols: 1, data: new Float64Array([0, 0.1, 0.2, 10, 10.1, 10.2]) };
    close(individualConsistency(X, [1, 1, 0, 0, 0, 0], 3), 7 / 9);
    close(individualConsistency(X, [1, 1, 1, 0, 0, 0], 3), 1);
  });
});

describe("MetricFrame and measures", () => {
  it("computes overall and by-group values and their aggregates", () => {
    const frame = new MetricFrame({
      metrics: ["selection_rate", "true_positive_rate", "false_positive_rate"],
      yTrue,
      yPred,
      sensitiveFeatures,
    });
    assert.deepEqual(
      frame.groups.map((g) => g.label),
      ["a", "b"],
    );
    assert.deepEqual(Array.from(frame.byGroup.selection_rate), [0.5, 0.75]);
    close(frame.differenceOf("selection_rate"), 0.25);
    close(frame.ratioOf("selection_rate"), 2 / 3);
    close(frame.differenceOf("selection_rate", "to_overall"), 0.125);
    close(frame.ratioOf("selection_rate", "to_overall"), 0.8);
    close(frame.groupMin().true_positive_rate, 0.5);
    close(frame.groupMax().false_positive_rate, 0.5);
    close(demographicParityDifference(yTrue, yPred, { sensitiveFeatures }), 0.25);
    close(demographicParityRatio(yTrue, yPred, { sensitiveFeatures }), 2 / 3);
    close(equalizedOddsDifference(yTrue, yPred, { sensitiveFeatures }), 0.5);
    close(equalizedOddsRatio(yTrue, yPred, { sensitiveFeatures }), 0.5);
    assert.deepEqual(frame.warnings, []);
  });

  it("uses sample weights within groups", () => {
    // a: TP 2, FN 1, TN 1, FP 1 → selection 3/5, TPR 2/3; b: TP 2, FP 1, TN 3 → selection 3/6, TPR 1
    const frame = new MetricFrame({
      metrics: ["selection_rate", "true_positive_rate"],
      yTrue,
      yPred,
      sensitiveFeatures,
      sampleWeight: weights,
    });
    close(frame.byGroup.selection_rate[0], 3 / 5);
    close(frame.byGroup.selection_rate[1], 3 / 6);
    close(frame.differenceOf("true_positive_rate"), 1 / 3);
  });

  it("reports intersections, empty intersections and degenerate groups", () => {
    const frame = new MetricFrame({
      metrics: ["count", "true_positive_rate", "selection_rate"],
      yTrue: [1, 0, 0, 1, 0],
      yPred: [1, 0, 1, 0, 0],
      sensitiveFeatures: [
        { name: "sex", values: ["F", "F", "M", "M", "M"] },
        { name: "race", values: ["x", "y", "x", "x", "x"] },
      ],
    });
    assert.deepEqual(
      frame.groups.map((g) => g.label),
      ["F, x", "F, y", "M, x"],
    );
    assert.deepEqual(Array.from(frame.byGroup.count), [1, 1, 3]);
    assert.equal(frame.byGroup.true_positive_rate[1], 0);
    assert.ok(frame.warnings.some((w) => w.includes("M, y") && w.includes("no members")));
    assert.ok(frame.warnings.some((w) => w.includes("F, y") && w.includes("no positive labels")));
  });

  it("warns about 0/0 ratios instead of silently returning NaN", () => {
    const frame = new MetricFrame({
      metrics: ["selection_rate"],
      yTrue: [1, 0, 1, 0],
      yPred: [0, 0, 0, 0],
      sensitiveFeatures: [{ name: "g", values: ["a", "a", "b", "b"] }],
    });
    assert.ok(Number.isNaN(frame.ratioOf("selection_rate")));
    assert.ok(frame.warnings.some((w) => w.includes("0/0")));
  });

  it("rejects labels that are not 0/1 with a message naming the row", () => {
    assert.throws(
      () => new MetricFrame({ metrics: ["accuracy"], yTrue: [0, 2], yPred: [0, 1], sensitiveFeatures }),
      /y_true .* row 1 has 2/,
    );
  });

  it("bootstrap intervals are seeded and agree with the normal approximation", () => {
    const random = createRandom(3);
    const n = 2000;
    const yt = Array.from({ length: n }, () => (random.uniform() < 0.5 ? 1 : 0));
    const yp = Array.from({ length: n }, () => (random.uniform() < 0.3 ? 1 : 0));
    const g = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? "a" : "b"));
    const frame = new MetricFrame({
      metrics: ["selection_rate"],
      yTrue: yt,
      yPred: yp,
      sensitiveFeatures: [{ name: "g", values: g }],
    });
    const ci = frame.confidenceIntervals({ samples: 300, seed: 1 });
    const again = frame.confidenceIntervals({ samples: 300, seed: 1 });
    assert.deepEqual(ci, again);
    const p = frame.overall.selection_rate;
    const halfWidth = 1.96 * Math.sqrt((p * (1 - p)) / n);
    const [lo, hi] = ci.selection_rate.overall;
    assert.ok(lo < p && p < hi);
    assert.ok(Math.abs((hi - lo) / 2 - halfWidth) < 0.2 * halfWidth, `${(hi - lo) / 2} vs ${halfWidth}`);
    const [dlo, dhi] = ci.selection_rate.difference;
    assert.ok(dlo <= frame.differenceOf("selection_rate") && frame.differenceOf("selection_rate") <= dhi);
  });
});
