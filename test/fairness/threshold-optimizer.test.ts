import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import {
  fitThresholds,
  thresholdPredictions,
  thresholdProbabilities,
  tradeoffPoints,
} from "../../src/fairness/threshold-optimizer.js";

function biasedScores(n: number, seed: number) {
  const random = createRandom(seed);
  const scores = new Float64Array(n);
  const yTrue = new Float64Array(n);
  const group: string[] = [];
  for (let i = 0; i < n; i++) {
    const g = random.uniform() < 0.4 ? "a" : "b";
    const y = random.uniform() < (g === "a" ? 0.2 : 0.5) ? 1 : 0;
    scores[i] =
      Math.round(Math.min(1, Math.max(0, 0.3 * y + (g === "b" ? 0.15 : 0) + 0.3 * random.uniform())) * 50) /
      50;
    yTrue[i] = y;
    group.push(g);
  }
  return { scores, yTrue, sensitiveFeatures: [{ name: "g", values: group }], group };
}

/** Expected per-group rates of the randomised rule, from its probabilities. */
function expectedRates(p: Float64Array, yTrue: Float64Array, group: string[], g: string) {
  let sel = 0,
    n = 0,
    tp = 0,
    pos = 0,
    fp = 0,
    neg = 0,
    correct = 0;
  for (let i = 0; i < p.length; i++) {
    if (group[i] !== g) continue;
    n++;
    sel += p[i];
    if (yTrue[i] === 1) {
      pos++;
      tp += p[i];
      correct += p[i];
    } else {
      neg++;
      fp += p[i];
      correct += 1 - p[i];
    }
  }
  return { selection: sel / n, tpr: tp / pos, fpr: fp / neg, correct };
}

describe("threshold optimiser", () => {
  it("demographic parity: equal expected selection rates and the brute-force optimal accuracy", () => {
    const data = biasedScores(300, 1);
    const gridSize = 100;
    const fitted = fitThresholds(data, { constraint: "demographic_parity", gridSize });
    const p = thresholdProbabilities(fitted, data);
    const a = expectedRates(p, data.yTrue, data.group, "a");
    const b = expectedRates(p, data.yTrue, data.group, "b");
    assert.ok(Math.abs(a.selection - fitted.x) < 1e-9 && Math.abs(b.selection - fitted.x) < 1e-9);
    assert.ok(Math.abs((a.correct + b.correct) / 300 - fitted.objective) < 1e-9);
    // Brute force: at each grid selection rate, each group's best accuracy over all pairs of rules mixed to reach it.
    let bestOverall = 0;
    const curves = ["a", "b"].map((g) => {
      const idx = data.group.flatMap((v, i) => (v === g ? [i] : []));
      const points = tradeoffPoints(
        {
          scores: Float64Array.from(idx, (i) => data.scores[i]),
          labels: Float64Array.from(idx, (i) => data.yTrue[i]),
          weights: new Float64Array(idx.length).fill(1),
        },
        "demographic_parity",
      );
      return { share: idx.length / 300, points };
    });
    for (let k = 0; k <= gridSize; k++) {
      const x = k / gridSize;
      let total = 0;
      for (const { share, points } of curves) {
        let best = Number.NEGATIVE_INFINITY;
        for (const u of points)
          for (const v of points) {
            if (u.x <= x && x <= v.x) {
              const y = v.x === u.x ? Math.max(u.y, v.y) : u.y + ((x - u.x) / (v.x - u.x)) * (v.y - u.y);
              best = Math.max(best, y);
            }
          }
        total += share * best;
      }
      bestOverall = Math.max(bestOverall, total);
    }
    assert.ok(Math.abs(bestOverall - fitted.objective) < 1e-9, `${bestOverall} vs ${fitted.objective}`);
  });

  it("equalized odds: equal expected TPR and FPR in every group", () => {
    const data = biasedScores(400, 2);
    const fitted = fitThresholds(data, { constraint: "equalized_odds" });
    const p = thresholdProbabilities(fitted, data);
    const a = expectedRates(p, data.yTrue, data.group, "a");
    const b = expectedRates(p, data.yTrue, data.group, "b");
    assert.ok(Math.abs(a.tpr - b.tpr) < 1e-9, `${a.tpr} ${b.tpr}`);
    assert.ok(Math.abs(a.fpr - b.fpr) < 1e-9, `${a.fpr} ${b.fpr}`);
    assert.ok(Math.abs(a.fpr - fitted.x) < 1e-9);
  });

  it("equalized odds with a constant-score group: every group gets the same TPR and FPR (the issue's case)", () => {
    // Group "informative": its three highest scores are positives, so its ROC hull starts at
    // (FPR 0, TPR 3/7); group "constant" scores every row 0.5, so its hull is the diagonal and
    // the common operating point is FPR = TPR = 0 (positives are a minority). Fairlearn mixes a
    // group with the constant predictor according to the group's OWN distance from the diagonal.
    const scores = [0.9, 0.85, 0.8, 0.7, 0.6, 0.6, 0.4, 0.3, 0.3, 0.2, 0.1, 0.05];
    const labels = [1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0];
    const constantLabels = [1, 0, 0, 1, 0, 0, 0, 1, 0, 0];
    const data = {
      scores: [...scores, ...constantLabels.map(() => 0.5)],
      yTrue: [...labels, ...constantLabels],
      sensitiveFeatures: [
        { name: "g", values: [...scores.map(() => "informative"), ...constantLabels.map(() => "constant")] },
      ],
    };
    const group = data.sensitiveFeatures[0].values;
    const fitted = fitThresholds(data, { constraint: "equalized_odds", gridSize: 100 });
    const p = thresholdProbabilities(fitted, data);
    const informative = expectedRates(p, Float64Array.from(data.yTrue), group, "informative");
    const constant = expectedRates(p, Float64Array.from(data.yTrue), group, "constant");
    // Both sit exactly on the common grid point, so equality holds to rounding (far inside 1/gridSize).
    assert.ok(Math.abs(informative.tpr - constant.tpr) < 1e-9, `TPR ${informative.tpr} vs ${constant.tpr}`);
    assert.ok(Math.abs(informative.fpr - constant.fpr) < 1e-9, `FPR ${informative.fpr} vs ${constant.fpr}`);
    assert.equal(fitted.x, 0);
    assert.equal(fitted.policies.find((q) => q.label === "informative")!.pIgnore, 1);
    assert.equal(fitted.policies.find((q) => q.label === "constant")!.pIgnore, 0);
  });

  it("randomised predictions are seeded and follow the probabilities", () => {
    const data = biasedScores(2000, 3);
    const fitted = fitThresholds(data, { constraint: "demographic_parity" });
    const first = thresholdPredictions(fitted, data, 5);
    assert.deepEqual(first, thresholdPredictions(fitted, data, 5));
    const p = thresholdProbabilities(fitted, data);
    const mean = (v: Float64Array) => v.reduce((s, x) => s + x, 0) / v.length;
    assert.ok(Math.abs(mean(first) - mean(p)) < 0.03);
  });

  it("rejects a group with a single label and a group unseen at fit time", () => {
    assert.throws(
      () =>
        fitThresholds(
          {
            scores: [0.1, 0.2, 0.3],
            yTrue: [1, 1, 0],
            sensitiveFeatures: [{ name: "g", values: ["a", "a", "b"] }],
          },
          { constraint: "demographic_parity" },
        ),
      /group a has only one label/,
    );
    const data = biasedScores(100, 4);
    const fitted = fitThresholds(data, { constraint: "demographic_parity" });
    assert.throws(
      () =>
        thresholdProbabilities(fitted, { scores: [0.5], sensitiveFeatures: [{ name: "g", values: ["c"] }] }),
      /group c was not seen/,
    );
  });
});
