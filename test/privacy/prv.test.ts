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
  let hi = 1e4;
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

test("the loss CDFs are distributions in both directions: supports, monotone, tails sum to 1", () => {
  const q = 0.05;
  const sigma = 0.9;
  const edge = Math.log1p(-q);
  assert.equal(subsampledGaussianLossCdf(q, sigma, edge - 1e-9).cdf, 0);
  assert.equal(subsampledGaussianLossCdf(q, sigma, -edge + 1e-9, "add").sf, 0);
  for (const direction of ["remove", "add"] as const) {
    let previous = 0;
    for (let t = edge + 1e-6; t < 5; t += 0.01) {
      const { cdf, sf } = subsampledGaussianLossCdf(q, sigma, t, direction);
      assert.ok(cdf >= previous - 1e-15);
      assert.ok(Math.abs(cdf + sf - 1) < 1e-14);
      previous = cdf;
    }
  }
  // Far in the tail the threshold log((e^t − 1 + q)/q) does not overflow: the survival is still graded.
  const far = subsampledGaussianLossCdf(0.01, 1e-3, 800).sf;
  assert.ok(far > 0 && far < 1, `${far}`);
});

/** δ of one step by quadrature of the hockey-stick divergence: ∫ (P − e^ε Q)⁺ (remove) or ∫ (Q − e^ε P)⁺ (add). */
function hockeyStick(q: number, sigma: number, epsilon: number, direction: "add" | "remove"): number {
  const n = 200_000;
  const lo = -12 * sigma;
  const hi = 1 + 12 * sigma;
  const h = (hi - lo) / n;
  const density = (x: number, mean: number) =>
    Math.exp(-((x - mean) ** 2) / (2 * sigma * sigma)) / (sigma * Math.sqrt(2 * Math.PI));
  let sum = 0;
  for (let i = 0; i <= n; i++) {
    const x = lo + i * h;
    const p = (1 - q) * density(x, 0) + q * density(x, 1);
    const qx = density(x, 0);
    const value = direction === "remove" ? p - Math.exp(epsilon) * qx : qx - Math.exp(epsilon) * p;
    sum += (i === 0 || i === n ? 0.5 : 1) * Math.max(0, value);
  }
  return sum * h;
}

test("both neighbouring directions against quadrature of one step; ε is the larger (remove here)", () => {
  const q = 0.3;
  const sigma = 0.7;
  const exact = (direction: "add" | "remove") => {
    let lo = 0;
    let hi = 20;
    for (let i = 0; i < 50; i++) {
      const mid = (lo + hi) / 2;
      if (hockeyStick(q, sigma, mid, direction) > 1e-5) lo = mid;
      else hi = mid;
    }
    return hi;
  };
  const group = [{ sampleRate: q, noise: sigma, steps: 1 }];
  for (const direction of ["remove", "add"] as const) {
    const truth = exact(direction);
    const result = prvEpsilon(group, 1e-5, { directions: [direction] });
    assert.ok(
      result.lowerBound <= truth && truth <= result.upperBound,
      `${direction}: ${truth} vs ${JSON.stringify(result)}`,
    );
  }
  // Adding one example can cost at most −log(1 − q) per step; removing it is the larger here.
  const both = prvEpsilon(group, 1e-5);
  assert.equal(both.direction, "remove");
  assert.ok(exact("add") < -Math.log1p(-q) && both.upperBound > 5);
  // q = 1: the Gaussian is symmetric, both directions agree.
  const gaussian = [{ sampleRate: 1, noise: 3, steps: 4 }];
  const remove = prvEpsilon(gaussian, 1e-5, { directions: ["remove"] }).estimate;
  const add = prvEpsilon(gaussian, 1e-5, { directions: ["add"] }).estimate;
  assert.ok(Math.abs(remove - add) < 1e-6, `${remove} vs ${add}`);
});

test("ε beyond log(MAX_VALUE) = 709.78 is computed, not saturated (q = 1, σ = 0.025: exact ε ≈ 990)", () => {
  const truth = exactGaussianEpsilon(0.025, 1e-5);
  assert.ok(truth > 900, `${truth}`);
  const result = prvEpsilon([{ sampleRate: 1, noise: 0.025, steps: 1 }], 1e-5, { epsError: 0.1 });
  assert.ok(
    result.lowerBound <= truth && truth <= result.upperBound,
    `${JSON.stringify(result)} vs ${truth}`,
  );
});

test("edges: tiny noise and huge step counts fall back to RDP with a warning; large δ and huge noise give ε ≈ 0", () => {
  const run = (q: number, sigma: number, steps: number, delta: number) => {
    const accountant = new PrvAccountant();
    accountant.step(q, sigma, steps);
    return accountant.spent(delta);
  };
  for (const [q, sigma, steps] of [
    [0.01, 1e-6, 1000],
    [0.01, 1e-3, 1000],
    [0.01, 1, 1e9],
  ]) {
    const spent = run(q, sigma, steps, 1e-5);
    const rdp = new RdpAccountant();
    rdp.step(q, sigma, steps);
    assert.equal(spent.accountant, "rdp");
    assert.equal(spent.epsilon, rdp.epsilon(1e-5));
    assert.match(
      spent.warnings?.[0] ?? "",
      /PRV accountant would need more than 4194304 grid points.*RDP bound is reported/,
    );
  }
  for (const [sigma, delta] of [
    [1e9, 1e-5],
    [1, 0.95],
  ]) {
    const spent = run(0.01, sigma, 1000, delta);
    assert.equal(spent.accountant, "prv");
    assert.ok(spent.epsilon >= 0 && spent.epsilon <= 0.01 + 1e-12, `${spent.epsilon}`);
  }
  // A coarsened grid is said, with the error it holds with.
  const coarse = prvEpsilon([{ sampleRate: 0.01, noise: 0.8, steps: 10000 }], 1e-5, { maxGridSize: 2 ** 17 });
  assert.ok(coarse.requestedEpsError === 0.01 && coarse.epsError > 0.01 && coarse.gridSize <= 2 ** 17);
  assert.ok(Math.abs(coarse.upperBound - 10.064165051157426) <= coarse.epsError + 0.01);
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
