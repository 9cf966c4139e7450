import assert from "node:assert/strict";
import { test } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import { chiSquareTest } from "../../src/privacy/analysis/goodness-of-fit.js";
import {
  bernoulliExpMinus,
  discreteGaussianProbability,
  discreteLaplaceProbability,
  exactRational,
  sampleDiscreteGaussian,
  sampleDiscreteLaplace,
  uniformBelow,
} from "../../src/privacy/mechanisms/exact-sampling.js";

/** Observed counts on k = -range..range plus the two tails lumped, with the matching probabilities. */
function binnedFit(draws: bigint[], probability: (k: number) => number, range: number) {
  const observed = new Array(2 * range + 3).fill(0);
  for (const draw of draws) {
    const k = Number(draw);
    observed[k < -range ? 0 : k > range ? 2 * range + 2 : k + range + 1]++;
  }
  const probabilities = new Array(2 * range + 3).fill(0);
  let inside = 0;
  for (let k = -range; k <= range; k++) inside += probabilities[k + range + 1] = probability(k);
  probabilities[0] = probabilities[2 * range + 2] = (1 - inside) / 2;
  return chiSquareTest(observed, probabilities);
}

test("exactRational gives the exact value of a double", () => {
  assert.deepEqual(exactRational(0.1), { numerator: 3602879701896397n, denominator: 36028797018963968n });
  assert.deepEqual(exactRational(6), { numerator: 6n, denominator: 1n });
  assert.deepEqual(exactRational(2 ** 80), { numerator: 2n ** 80n, denominator: 1n });
  assert.deepEqual(exactRational(2 ** -1000), { numerator: 1n, denominator: 2n ** 1000n });
  for (const x of [0.75, 3.7, 1e20]) {
    const { numerator, denominator } = exactRational(x);
    assert.equal(Number(numerator) / Number(denominator), x);
  }
  assert.throws(() => exactRational(-1), /finite number >= 0/);
});

test("uniformBelow is uniform for one-word and multi-word bounds (chi-square, fixed seed)", () => {
  const random = createRandom(3);
  for (const n of [7n, 2n ** 40n + 3n, 3n ** 50n]) {
    const buckets = n < 10n ? n : 10n;
    const counts = new Array(Number(buckets)).fill(0);
    for (let i = 0; i < 20_000; i++) {
      const value = uniformBelow(n, random);
      assert.ok(value >= 0n && value < n);
      counts[Number((value * buckets) / n)]++;
    }
    const expected = Array.from({ length: Number(buckets) }, (_, b) => {
      // Bucket b holds the values v with ⌊Bv/n⌋ = b: ⌈bn/B⌉ ≤ v < ⌈(b+1)n/B⌉.
      const ceil = (a: bigint) => (a + buckets - 1n) / buckets;
      return Number(ceil(BigInt(b + 1) * n) - ceil(BigInt(b) * n)) / Number(n);
    });
    assert.ok(chiSquareTest(counts, expected).pValue > 0.001, `n = ${n}`);
  }
});

test("Bernoulli(exp(-γ)) has probability e^-γ for γ below and above 1 (binomial z-score, fixed seed)", () => {
  const random = createRandom(4);
  for (const [numerator, denominator] of [
    [3n, 10n],
    [1n, 1n],
    [27n, 10n],
  ]) {
    const p = Math.exp(-Number(numerator) / Number(denominator));
    const n = 40_000;
    let hits = 0;
    for (let i = 0; i < n; i++) if (bernoulliExpMinus(numerator, denominator, random)) hits++;
    const z = (hits - n * p) / Math.sqrt(n * p * (1 - p));
    assert.ok(Math.abs(z) < 4, `γ = ${numerator}/${denominator}: z = ${z}`);
  }
});

test("discrete Laplace draws follow tanh(1/2τ)·e^{-|k|/τ} (chi-square, fixed seed)", () => {
  const random = createRandom(5);
  for (const scale of [2.5, 0.4]) {
    const draws = Array.from({ length: 30_000 }, () => sampleDiscreteLaplace(exactRational(scale), random));
    const fit = binnedFit(draws, (k) => discreteLaplaceProbability(k, scale), 12);
    assert.ok(fit.pValue > 0.001, `scale ${scale}: p = ${fit.pValue}`);
    // A wrong scale is rejected by the same test.
    const wrong = binnedFit(draws, (k) => discreteLaplaceProbability(k, scale * 1.1), 12);
    assert.ok(wrong.pValue < 1e-6, `scale ${scale} vs ${scale * 1.1}: p = ${wrong.pValue}`);
  }
});

test("discrete Gaussian draws follow e^{-k²/2σ²}/Z (chi-square, fixed seed), small and large σ", () => {
  const random = createRandom(6);
  for (const variance of [0.25, 3.7, 400]) {
    const draws = Array.from({ length: 30_000 }, () =>
      sampleDiscreteGaussian(exactRational(variance), random),
    );
    const range = Math.ceil(3 * Math.sqrt(variance));
    const fit = binnedFit(draws, (k) => discreteGaussianProbability(k, variance), range);
    assert.ok(fit.pValue > 0.001, `σ² = ${variance}: p = ${fit.pValue}`);
    const wrong = binnedFit(draws, (k) => discreteGaussianProbability(k, variance * 1.15), range);
    assert.ok(wrong.pValue < 1e-4, `σ² = ${variance} vs ×1.15: p = ${wrong.pValue}`);
  }
  // The closed-form probabilities are a distribution whose variance is below σ² (CKS 2020):
  // clearly so for σ² = 1/4 (2e^{-2}/(1 + 2e^{-2} + 2e^{-8} + …) ≈ 0.2129), and equal to σ² up
  // to terms of order e^{-2π²σ²} (Poisson summation) for σ² = 3.7.
  const moments = (variance: number) => {
    let total = 0;
    let second = 0;
    for (let k = -200; k <= 200; k++) {
      const p = discreteGaussianProbability(k, variance);
      total += p;
      second += k * k * p;
    }
    return { total, second };
  };
  const small = moments(0.25);
  const expectedSmall =
    (2 * Math.exp(-2) + 8 * Math.exp(-8)) / (1 + 2 * Math.exp(-2) + 2 * Math.exp(-8) + 2 * Math.exp(-18));
  assert.ok(
    Math.abs(small.total - 1) < 1e-14 && Math.abs(small.second - expectedSmall) < 1e-6,
    `${small.second}`,
  );
  const large = moments(3.7);
  assert.ok(Math.abs(large.total - 1) < 1e-14 && Math.abs(large.second - 3.7) < 1e-12, `${large.second}`);
});
