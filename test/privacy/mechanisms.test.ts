import assert from "node:assert/strict";
import { test } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import { normalCdf } from "../../src/math/normal.js";
import {
  chiSquareTest,
  kolmogorovPValue,
  kolmogorovSmirnov,
} from "../../src/privacy/analysis/goodness-of-fit.js";
import {
  analyticGaussianSigma,
  classicGaussianSigma,
  estimateFrequencies,
  exponentialMechanism,
  exponentialMechanismProbabilities,
  gaussianDelta,
  gaussianMechanism,
  laplaceCdf,
  laplaceMechanism,
  randomizedResponse,
  randomizedResponseProbabilities,
} from "../../src/privacy/mechanisms/index.js";
import { coveringStd, seededGaussianNoise } from "../../src/privacy/noise.js";

test("KS p-value: the 5% critical value 1.358/√n gives p ≈ 0.05; a wrong CDF is rejected", () => {
  assert.ok(Math.abs(kolmogorovPValue(1.358 / Math.sqrt(10_000), 10_000) - 0.05) < 0.002);
  const random = createRandom(1);
  const uniform = Float64Array.from({ length: 2000 }, () => random.uniform());
  assert.ok(kolmogorovSmirnov(uniform, (x) => x).pValue > 0.01);
  assert.ok(kolmogorovSmirnov(uniform, (x) => x * x).pValue < 1e-6);
});

test("Laplace mechanism draws Laplace(Δ/ε) noise on a fine lattice (KS, fixed seed)", () => {
  const random = createRandom(11);
  const scale = 2 / 0.5;
  const draws = Float64Array.from(
    { length: 5000 },
    () => laplaceMechanism(10, { sensitivity: 2, epsilon: 0.5, random }) - 10,
  );
  const fit = kolmogorovSmirnov(draws, (x) => laplaceCdf(x, scale));
  assert.ok(fit.pValue > 0.01, `p = ${fit.pValue}`);
  const wrongScale = kolmogorovSmirnov(draws, (x) => laplaceCdf(x, scale * 1.2));
  assert.ok(wrongScale.pValue < 0.001, `p = ${wrongScale.pValue}`);
});

/** δ of the Gaussian mechanism by integrating max(0, p(x) - e^ε q(x)) (second, independent method). */
function gaussianDeltaByQuadrature(sigma: number, epsilon: number): number {
  const lo = -40 * sigma;
  const hi = 40 * sigma;
  const n = 400_000;
  const h = (hi - lo) / n;
  const pdf = (x: number, mean: number) =>
    Math.exp(-((x - mean) ** 2) / (2 * sigma * sigma)) / (sigma * Math.sqrt(2 * Math.PI));
  let sum = 0;
  for (let i = 0; i <= n; i++) {
    const x = lo + i * h;
    const value = Math.max(0, pdf(x, 0) - Math.exp(epsilon) * pdf(x, 1));
    sum += (i === 0 || i === n ? 0.5 : 1) * value;
  }
  return sum * h;
}

test("analytic Gaussian: δ(σ) matches the hockey-stick integral, σ is tight, and beats the classic σ", () => {
  for (const [epsilon, delta] of [
    [0.5, 1e-5],
    [1, 1e-6],
    [4, 1e-5],
  ]) {
    const sigma = analyticGaussianSigma(1, epsilon, delta);
    assert.ok(Math.abs(gaussianDelta(1, sigma, epsilon) - delta) < 1e-9 * delta + 1e-15);
    assert.ok(Math.abs(gaussianDeltaByQuadrature(sigma, epsilon) - delta) < 1e-4 * delta);
    if (epsilon < 1) assert.ok(sigma < classicGaussianSigma(1, epsilon, delta));
  }
  assert.ok(
    Math.abs(classicGaussianSigma(2, 0.5, 1e-5) - (2 * Math.sqrt(2 * Math.log(1.25e5))) / 0.5) < 1e-12,
  );
  assert.throws(() => classicGaussianSigma(1, 1.5, 1e-5), /epsilon < 1/);
});

test("Gaussian mechanism adds N(0, σ²) noise (KS, fixed seed), σ covering the lattice's sensitivity", () => {
  const calibrated = analyticGaussianSigma(3, 1, 1e-5);
  const values = new Float64Array(4000).fill(7);
  const noise = seededGaussianNoise(5);
  const noisy = gaussianMechanism(values, { sensitivity: 3, epsilon: 1, delta: 1e-5, noise });
  // The noise source draws with the std that covers the lattice's extra sensitivity.
  const sigma = coveringStd(calibrated, 3, 4000);
  assert.ok(sigma > calibrated && sigma < calibrated * (1 + 1e-4));
  const fit = kolmogorovSmirnov(
    noisy.map((v) => v - 7),
    (x) => normalCdf(x / sigma),
  );
  assert.ok(fit.pValue > 0.01, `p = ${fit.pValue}`);
});

test("k-ary randomized response: output law (chi-square), e^ε likelihood ratio, unbiased frequencies", () => {
  const epsilon = 1.2;
  const k = 4;
  const { keep, other } = randomizedResponseProbabilities(epsilon, k);
  assert.ok(Math.abs(keep / other - Math.exp(epsilon)) < 1e-12);
  assert.ok(Math.abs(keep + (k - 1) * other - 1) < 1e-15);
  const random = createRandom(21);
  const truth = new Int32Array(20_000).fill(2);
  const reported = randomizedResponse(truth, { epsilon, k, random });
  const counts = [0, 0, 0, 0];
  for (const code of reported) counts[code]++;
  const fit = chiSquareTest(counts, [other, other, keep, other]);
  assert.ok(fit.pValue > 0.01, `p = ${fit.pValue}`);
  assert.ok(chiSquareTest(counts, [0.25, 0.25, 0.25, 0.25]).pValue < 1e-6);
  // A mixed population: the estimator recovers the true frequencies.
  const mixed = Int32Array.from({ length: 40_000 }, (_, i) =>
    i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : i % 10 < 9 ? 2 : 3,
  );
  const estimate = estimateFrequencies(randomizedResponse(mixed, { epsilon, k, random }), { epsilon, k });
  for (const [v, f] of [0.5, 0.3, 0.1, 0.1].entries())
    assert.ok(Math.abs(estimate[v] - f) < 0.02, `${v}: ${estimate[v]}`);
});

test("exponential mechanism selects with probability ∝ exp(ε u / 2Δ) (chi-square, fixed seed)", () => {
  const utilities = [0, 1, 2, 5];
  const options = { epsilon: 1, sensitivity: 1, random: createRandom(8) };
  const probabilities = exponentialMechanismProbabilities(utilities, options);
  const z = utilities.reduce((s, u) => s + Math.exp(u / 2), 0);
  for (const [i, u] of utilities.entries())
    assert.ok(Math.abs(probabilities[i] - Math.exp(u / 2) / z) < 1e-15);
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 20_000; i++) counts[exponentialMechanism(utilities, options)]++;
  assert.ok(chiSquareTest(counts, probabilities).pValue > 0.01);
});

test("mechanisms use secure randomness when no Random is given", () => {
  const a = laplaceMechanism(0, { sensitivity: 1, epsilon: 1 });
  const b = laplaceMechanism(0, { sensitivity: 1, epsilon: 1 });
  assert.notEqual(a, b);
});
