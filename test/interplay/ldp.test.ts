import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/common/errors.js";
import { createRandom } from "../../src/common/rng.js";
import {
  debiasedCountCovariance,
  debiasedCounts,
  estimateFairnessFromLdp,
  privatiseAttribute,
  randomizedResponseChannel,
} from "../../src/interplay/ldp.js";

/** A fixed population: two groups (33 % / 67 %), selection rates 0.08 / 0.25, labels correlated with predictions. */
function population(n: number, seed: number, shares = [0.67, 0.33], rates = [0.25, 0.08]) {
  const random = createRandom(seed);
  const codes = Int32Array.from({ length: n }, () => {
    let u = random.uniform();
    for (let g = 0; g < shares.length; g++) {
      if (u < shares[g]) return g;
      u -= shares[g];
    }
    return shares.length - 1;
  });
  const yPred = Int32Array.from(codes, (g) => (random.uniform() < rates[g] ? 1 : 0));
  const yTrue = Int32Array.from(yPred, (p) => (random.uniform() < (p ? 0.7 : 0.15) ? 1 : 0));
  return { codes, yPred, yTrue };
}

function trueSelectionGap(codes: Int32Array, yPred: Int32Array, k: number): number {
  const selected = new Float64Array(k);
  const counts = new Float64Array(k);
  codes.forEach((g, i) => {
    counts[g]++;
    selected[g] += yPred[i];
  });
  const rates = Array.from(counts, (c, g) => selected[g] / c);
  return Math.max(...rates) - Math.min(...rates);
}

test("an LDP epsilon that is not > 0 is one clear line", () => {
  for (const epsilon of [0, -1, Number.NaN]) {
    assert.throws(
      () => randomizedResponseChannel(epsilon, 2),
      (e: unknown) => e instanceof UserError && /local-DP epsilon .* must be > 0/.test(e.message),
    );
  }
  assert.throws(() => randomizedResponseChannel(1, 1), /at least 2 categories/);
});

test("the inverse channel recovers the true counts from the expected reports exactly", () => {
  const channel = randomizedResponseChannel(0.7, 3);
  const truth = [120, 45, 9];
  const expected = [0, 1, 2].map((z) =>
    truth.reduce((s, n, a) => s + n * (a === z ? channel.keep : channel.other), 0),
  );
  const recovered = debiasedCounts(expected, channel);
  recovered.forEach((n, a) => {
    assert.ok(Math.abs(n - truth[a]) < 1e-9, `${n} vs ${truth[a]}`);
  });
});

test("the covariance of the debiased counts matches simulation", () => {
  const channel = randomizedResponseChannel(1, 2);
  const codes = Int32Array.from({ length: 600 }, (_, i) => (i < 200 ? 1 : 0));
  const attribute = { name: "s", categories: ["a", "b"], codes };
  const estimates: Float64Array[] = [];
  for (let rep = 0; rep < 3000; rep++) {
    const reported = privatiseAttribute(attribute, 1, createRandom(rep)).codes;
    const counts = [0, 0];
    for (const z of reported) counts[z]++;
    estimates.push(debiasedCounts(counts, channel));
  }
  const mean = [0, 1].map((a) => estimates.reduce((s, e) => s + e[a], 0) / estimates.length);
  assert.ok(Math.abs(mean[0] - 400) < 3 && Math.abs(mean[1] - 200) < 3, `means ${mean}`);
  const predicted = debiasedCountCovariance([400, 200], channel);
  const sample = (a: number, b: number) =>
    estimates.reduce((s, e) => s + (e[a] - mean[a]) * (e[b] - mean[b]), 0) / (estimates.length - 1);
  for (const [a, b] of [
    [0, 0],
    [1, 1],
    [0, 1],
  ]) {
    const ratio = sample(a, b) / predicted[a * 2 + b];
    assert.ok(ratio > 0.9 && ratio < 1.1, `cov[${a}][${b}]: sample/predicted = ${ratio}`);
  }
});

test("coverage: at ε_LDP = 1 the debiased demographic-parity interval holds the true gap in ≥ 93 % of 200 seeded repetitions", () => {
  // Protocol fixed before measuring: population seed 0, n = 10,000, randomisation seeds 0..199.
  const { codes, yPred, yTrue } = population(10_000, 0);
  const truth = trueSelectionGap(codes, yPred, 2);
  let covered = 0;
  for (let rep = 0; rep < 200; rep++) {
    const reported = privatiseAttribute({ name: "sex", categories: ["M", "F"], codes }, 1, createRandom(rep));
    const gap = estimateFairnessFromLdp({ yTrue, yPred, reported, epsilon: 1 }).demographicParityDifference;
    if (gap.low <= truth && truth <= gap.high) covered++;
  }
  // Measured: 191 of 200 (95.5 %).
  assert.ok(covered >= 186, `coverage ${covered}/200`);
});

test("with three groups the conservative gap interval covers at least its level", () => {
  const { codes, yPred, yTrue } = population(6000, 4, [0.5, 0.3, 0.2], [0.3, 0.2, 0.1]);
  const truth = trueSelectionGap(codes, yPred, 3);
  let covered = 0;
  for (let rep = 0; rep < 100; rep++) {
    const reported = privatiseAttribute(
      { name: "race", categories: ["a", "b", "c"], codes },
      1,
      createRandom(rep),
    );
    const gap = estimateFairnessFromLdp({ yTrue, yPred, reported, epsilon: 1 }).demographicParityDifference;
    if (gap.low <= truth && truth <= gap.high) covered++;
  }
  assert.ok(covered >= 95, `coverage ${covered}/100`);
});

test("the estimate is unbiased where the plug-in from noisy groups is not", () => {
  const { codes, yPred, yTrue } = population(10_000, 1);
  const truth = trueSelectionGap(codes, yPred, 2);
  let debiased = 0;
  let naive = 0;
  for (let rep = 0; rep < 50; rep++) {
    const reported = privatiseAttribute({ name: "s", categories: ["a", "b"], codes }, 1, createRandom(rep));
    debiased += estimateFairnessFromLdp({ yTrue, yPred, reported, epsilon: 1 }).demographicParityDifference
      .estimate;
    naive += trueSelectionGap(reported.codes, yPred, 2);
  }
  assert.ok(Math.abs(debiased / 50 - truth) < 0.01, `debiased ${debiased / 50} vs ${truth}`);
  // Randomized response mixes the groups: the naive gap shrinks by about p − q = 0.46 at ε = 1.
  assert.ok(naive / 50 < 0.6 * truth, `naive ${naive / 50} vs ${truth}`);
});

test("a group too small for its interval is warned about with its estimated count; missing values stay missing", () => {
  const codes = Int32Array.from({ length: 2000 }, (_, i) => (i < 5 ? 1 : i < 10 ? -1 : 0));
  const yPred = Int32Array.from({ length: 2000 }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const reported = privatiseAttribute({ name: "race", categories: ["x", "y"], codes }, 8, createRandom(1));
  assert.deepEqual(Array.from(reported.codes.slice(5, 10)), [-1, -1, -1, -1, -1]);
  const estimate = estimateFairnessFromLdp({ yTrue: yPred, yPred, reported, epsilon: 8 });
  assert.equal(estimate.warnings.length, 1);
  assert.match(estimate.warnings[0], /group 'y' of 'race' has about \d+ rows .* too few/);
});
