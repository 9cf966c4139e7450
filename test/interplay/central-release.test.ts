import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/common/errors.js";
import { createRandom } from "../../src/common/rng.js";
import {
  discreteGaussianVariance,
  discreteLaplaceVariance,
  groupConfusionCounts,
  releaseGroupConfusion,
} from "../../src/interplay/central-release.js";
import {
  discreteGaussianProbability,
  discreteLaplaceProbability,
} from "../../src/privacy/mechanisms/exact-sampling.js";

function data(n: number, seed: number) {
  const random = createRandom(seed);
  const codes = Int32Array.from({ length: n }, () => (random.uniform() < 0.3 ? 1 : 0));
  const yTrue = Int32Array.from(codes, (g) => (random.uniform() < (g ? 0.2 : 0.35) ? 1 : 0));
  const yPred = Int32Array.from(yTrue, (y, i) =>
    random.uniform() < (y ? (codes[i] ? 0.55 : 0.75) : codes[i] ? 0.05 : 0.12) ? 1 : 0,
  );
  return { attribute: { name: "sex", categories: ["M", "F"], codes }, yTrue, yPred };
}

test("one row falls in exactly one confusion cell: adding or removing it moves one cell by 1", () => {
  const { attribute, yTrue, yPred } = data(300, 1);
  const full = groupConfusionCounts(yTrue, yPred, attribute);
  assert.equal(
    full.reduce((s, v) => s + v, 0),
    300,
  );
  for (const removed of [0, 17, 299]) {
    const keep = (_: unknown, i: number) => i !== removed;
    const neighbour = groupConfusionCounts(yTrue.filter(keep), yPred.filter(keep), {
      ...attribute,
      codes: attribute.codes.filter(keep),
    });
    const changes = Array.from(full, (v, c) => v - neighbour[c]).filter((d) => d !== 0);
    assert.deepEqual(changes, [1]);
  }
});

test("the noise variances match sums over the exact probability mass functions", () => {
  for (const scale of [0.5, 2, 10]) {
    let sum = 0;
    for (let k = -2000; k <= 2000; k++) sum += k * k * discreteLaplaceProbability(k, scale);
    assert.ok(Math.abs(discreteLaplaceVariance(scale) / sum - 1) < 1e-9, `laplace ${scale}`);
  }
  for (const sigma of [0.4, 1, 5]) {
    let sum = 0;
    for (let k = -200; k <= 200; k++) sum += k * k * discreteGaussianProbability(k, sigma * sigma);
    assert.ok(Math.abs(discreteGaussianVariance(sigma) / sum - 1) < 1e-9, `gaussian ${sigma}`);
    assert.ok(discreteGaussianVariance(sigma) <= sigma * sigma + 1e-12);
  }
});

test("metrics from noisy counts: their intervals cover the exact values at about their level", () => {
  const { attribute, yTrue, yPred } = data(600, 2);
  const exact = groupConfusionCounts(yTrue, yPred, attribute);
  const rates = [0, 1].map((g) => {
    const [tp, fp, tn, fn] = exact.subarray(g * 4, g * 4 + 4);
    return { selection: (tp + fp) / (tp + fp + tn + fn), tpr: tp / (tp + fn) };
  });
  const dpTruth = Math.abs(rates[0].selection - rates[1].selection);
  const tprTruth = rates[0].tpr;
  let dpCovered = 0;
  let tprCovered = 0;
  const reps = 400;
  for (let rep = 0; rep < reps; rep++) {
    const release = releaseGroupConfusion({
      yTrue,
      yPred,
      attribute,
      mechanism: { kind: "laplace", epsilon: 0.2 },
      random: createRandom(rep),
    });
    const gap = release.demographicParityDifference;
    if (gap.low <= dpTruth && dpTruth <= gap.high) dpCovered++;
    const tpr = release.groups[0].tpr;
    if (tpr.low <= tprTruth && tprTruth <= tpr.high) tprCovered++;
  }
  assert.ok(dpCovered / reps > 0.92, `dp coverage ${dpCovered / reps}`);
  assert.ok(tprCovered / reps > 0.92, `tpr coverage ${tprCovered / reps}`);
});

test("the Gaussian release is calibrated by the analytic Gaussian mechanism and states (ε, δ)", () => {
  const { attribute, yTrue, yPred } = data(200, 3);
  const release = releaseGroupConfusion({
    yTrue,
    yPred,
    attribute,
    mechanism: { kind: "gaussian", epsilon: 1, delta: 1e-5 },
    random: createRandom(1),
  });
  assert.ok(release.mechanism.noiseScale > 3 && release.mechanism.noiseScale < 4.5);
  assert.deepEqual([release.privacy.epsilon, release.privacy.delta], [1, 1e-5]);
  for (const group of release.groups) {
    for (const v of Object.values(group.counts)) assert.ok(Number.isInteger(v));
  }
});

test("bad release settings are one clear line", () => {
  const { attribute, yTrue, yPred } = data(50, 4);
  assert.throws(
    () => releaseGroupConfusion({ yTrue, yPred, attribute, mechanism: { kind: "laplace", epsilon: 0 } }),
    (e: unknown) => e instanceof UserError && /epsilon .* must be a finite number > 0/.test(e.message),
  );
  assert.throws(
    () =>
      releaseGroupConfusion({
        yTrue,
        yPred,
        attribute,
        mechanism: { kind: "gaussian", epsilon: 1, delta: 0 },
      }),
    /delta .* must be in \(0, 1\)/,
  );
  const small = releaseGroupConfusion({
    yTrue,
    yPred,
    attribute,
    mechanism: { kind: "laplace", epsilon: 5 },
    random: createRandom(2),
  });
  assert.ok(small.warnings.some((w) => /group 'F' of 'sex' has about \d+ rows/.test(w)));
});
