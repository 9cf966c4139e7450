import assert from "node:assert/strict";
import { test } from "node:test";
import { PrvAccountant } from "../../src/privacy/accountants/prv.js";
import { RdpAccountant } from "../../src/privacy/accountants/rdp.js";
import { prvEpsilon, subsampledGaussianLossCdf } from "../../src/privacy/analysis/prv.js";
import { gaussianDelta } from "../../src/privacy/mechanisms/gaussian.js";

// Opacus 1.4.0 PRV accountant (eps_error 0.01, upper bound), delta = 1e-5: (q, sigma, steps, epsilon).
const OPACUS_PRV: [number, number, number, number][] = [
  [0.01, 1.0, 1000, 1.8383716711934275],
  [0.001, 0.5, 100, 2.1190908772398407],
  [0.05, 2.0, 1000, 3.709950467602276],
  [0.01, 0.8, 10000, 10.064165051157426],
  [0.001, 2.0, 10000, 0.18334769827070113],
  [1 / 118, 1.0, 1180, 1.6653555566935576],
];

test("PRV accountant agrees with Opacus within its stated error and is never below it by more", () => {
  for (const [q, sigma, steps, reference] of OPACUS_PRV) {
    const accountant = new PrvAccountant();
    accountant.step(q, sigma, steps);
    const spent = accountant.spent(1e-5);
    const error = spent.epsilonError ?? Number.NaN;
    assert.equal(error, 0.01);
    assert.ok(
      Math.abs(spent.epsilon - reference) <= error,
      `(${q}, ${sigma}, ${steps}): ${spent.epsilon} vs ${reference}`,
    );
    assert.ok(spent.epsilon >= reference - error);
    assert.ok((spent.lowerBound ?? 0) <= (spent.estimate ?? 0) && (spent.estimate ?? 0) <= spent.epsilon);
  }
});

test("the large-epsilon reference case within a coarser stated error (0.1)", () => {
  const result = prvEpsilon([{ sampleRate: 0.05, noise: 0.5, steps: 10000 }], 1e-5, { epsError: 0.1 });
  const reference = 310.1004457911116; // Opacus, eps_error 0.01: the truth lies in [ref - 0.02, ref]
  assert.ok(result.upperBound >= reference - 0.02, `${result.upperBound}`);
  assert.ok(result.upperBound <= reference + 0.1, `${result.upperBound}`);
});

/** Exact ε of a Gaussian mechanism with sensitivity 1 and noise s at δ (Balle & Wang's δ(ε), bisection). */
function exactGaussianEpsilon(s: number, delta: number): number {
  let lo = 0;
  let hi = 100;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (gaussianDelta(1, s, mid) > delta) lo = mid;
    else hi = mid;
  }
  return hi;
}

test("q = 1 compositions match the exact Gaussian curve: truth inside [lower, upper], estimate close", () => {
  // n steps with noise σ compose to one Gaussian with noise σ/√n; two groups σ1, σ2 to 1/√(1/σ1² + 1/σ2²).
  const cases = [
    { groups: [{ sampleRate: 1, noise: 2, steps: 50 }], effective: 2 / Math.sqrt(50) },
    {
      groups: [
        { sampleRate: 1, noise: 3, steps: 20 },
        { sampleRate: 1, noise: 5, steps: 30 },
      ],
      effective: 1 / Math.sqrt(20 / 9 + 30 / 25),
    },
  ];
  for (const { groups, effective } of cases) {
    const truth = exactGaussianEpsilon(effective, 1e-5);
    const result = prvEpsilon(groups, 1e-5);
    assert.ok(
      result.lowerBound <= truth && truth <= result.upperBound,
      `${JSON.stringify(result)} vs ${truth}`,
    );
    assert.ok(Math.abs(result.estimate - truth) < 0.002, `estimate ${result.estimate} vs ${truth}`);
  }
});

test("the loss CDF is a distribution: 0 below log(1-q), monotone, tails sum to 1", () => {
  const q = 0.05;
  const sigma = 0.9;
  assert.equal(subsampledGaussianLossCdf(q, sigma, Math.log1p(-q) - 1e-9).cdf, 0);
  let previous = 0;
  for (let t = Math.log1p(-q) + 1e-6; t < 5; t += 0.01) {
    const { cdf, sf } = subsampledGaussianLossCdf(q, sigma, t);
    assert.ok(cdf >= previous - 1e-15);
    assert.ok(Math.abs(cdf + sf - 1) < 1e-14);
    previous = cdf;
  }
});

test("PRV is tighter than RDP and heterogeneous histories cost more than either part", () => {
  const prv = new PrvAccountant();
  const rdp = new RdpAccountant();
  for (const accountant of [prv, rdp]) {
    accountant.step(0.02, 1.2, 300);
    accountant.step(0.01, 0.9, 500);
  }
  assert.ok(prv.epsilon(1e-5) < rdp.epsilon(1e-5));
  const part = new PrvAccountant();
  part.step(0.02, 1.2, 300);
  assert.ok(prv.epsilon(1e-5) > part.epsilon(1e-5));
  assert.equal(new PrvAccountant().epsilon(1e-5), 0);
});
