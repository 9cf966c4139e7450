import assert from "node:assert/strict";
import { test } from "node:test";
import { RdpAccountant } from "../../src/privacy/accountants/rdp.js";
import {
  composedRdp,
  DEFAULT_RDP_ORDERS,
  OPACUS_RDP_ORDERS,
  rdpToDelta,
  rdpToEpsilon,
  sampledGaussianRdp,
} from "../../src/privacy/analysis/rdp.js";

// Opacus 1.4.0, delta = 1e-5 (/work/shared/references/README.md): (q, sigma, steps, epsilon).
const OPACUS_RDP: [number, number, number, number][] = [
  [0.01, 1.0, 1000, 2.1013652716430564],
  [0.001, 0.5, 100, 3.59811320973235],
  [0.05, 2.0, 1000, 4.024351196896215],
  [0.01, 0.8, 10000, 10.935373444641078],
  [0.001, 2.0, 10000, 0.20127230462935622],
  [1 / 118, 1.0, 1180, 1.916115075838236],
  [0.05, 0.5, 10000, 327.45471595291],
];

test("RDP accountant reproduces Opacus 1.4 to 1e-6 relative, on Opacus's grid and on the wider default", () => {
  for (const orders of [OPACUS_RDP_ORDERS, DEFAULT_RDP_ORDERS]) {
    for (const [q, sigma, steps, reference] of OPACUS_RDP) {
      const accountant = new RdpAccountant(orders);
      accountant.step(q, sigma, steps);
      const spent = accountant.spent(1e-5);
      assert.ok(
        Math.abs(spent.epsilon - reference) <= 1e-6 * reference,
        `(${q}, ${sigma}, ${steps}): ${spent.epsilon} vs ${reference}`,
      );
      assert.equal(spent.warnings, undefined);
    }
  }
});

test("the default grid is Opacus's widened at both ends", () => {
  assert.equal(OPACUS_RDP_ORDERS.length, 99 + 52);
  assert.equal(OPACUS_RDP_ORDERS[0], 1.1);
  assert.equal(OPACUS_RDP_ORDERS.at(-1), 63);
  for (const order of OPACUS_RDP_ORDERS) assert.ok(DEFAULT_RDP_ORDERS.includes(order));
  assert.equal(DEFAULT_RDP_ORDERS[0], 1.01);
  assert.equal(DEFAULT_RDP_ORDERS.at(-1), 4096);
  assert.deepEqual(
    [...DEFAULT_RDP_ORDERS],
    [...DEFAULT_RDP_ORDERS].sort((a, b) => a - b),
  );
});

test("an optimum on the edge of the grid comes with a warning; the wider grid moves common regimes off it", () => {
  // q = 0.01, σ = 5, 100 steps: Opacus's grid is best at its largest order 63 (ε = 0.116);
  // the default grid finds α = 160 and ε = 0.069, no warning.
  const opacus = new RdpAccountant(OPACUS_RDP_ORDERS);
  const wide = new RdpAccountant();
  for (const accountant of [opacus, wide]) accountant.step(0.01, 5, 100);
  const narrowSpent = opacus.spent(1e-5);
  assert.equal(narrowSpent.order, 63);
  assert.match(
    narrowSpent.warnings?.[0] ?? "",
    /largest of the grid \(63\): epsilon cannot go below 0.103 there/,
  );
  const wideSpent = wide.spent(1e-5);
  assert.equal(wideSpent.order, 160);
  assert.ok(wideSpent.epsilon < 0.07 && wideSpent.epsilon > 0.068, `${wideSpent.epsilon}`);
  assert.equal(wideSpent.warnings, undefined);
  // Huge noise: the largest order is the optimum; ε is small and warned about.
  const huge = new RdpAccountant();
  huge.step(0.01, 1e9, 1000);
  const hugeSpent = huge.spent(1e-5);
  assert.ok(hugeSpent.epsilon > 0 && hugeSpent.epsilon < 1e-3, `${hugeSpent.epsilon}`);
  assert.match(hugeSpent.warnings?.[0] ?? "", /largest of the grid \(4096\)/);
  // Tiny noise: the smallest order, a huge but finite bound, and the PRV hint.
  const tiny = new RdpAccountant();
  tiny.step(0.01, 1e-6, 1000);
  const tinySpent = tiny.spent(1e-5);
  assert.ok(Number.isFinite(tinySpent.epsilon) && tinySpent.epsilon > 1e14, `${tinySpent.epsilon}`);
  assert.match(tinySpent.warnings?.[0] ?? "", /smallest of the grid \(1.01\).*PRV/);
});

test("RDP stays a valid bound where the series breaks down: 0 ≤ RDP ≤ α/2σ², non-decreasing in α", () => {
  for (const [q, sigma] of [
    [0.01, 1e9],
    [0.3, 1e5],
    [0.01, 1e-6],
    [0.9, 0.05],
  ]) {
    let previous = 0;
    for (const alpha of [1.5, 2, 2.5, 3.7, 8, 10.5, 63, 1024]) {
      const rdp = sampledGaussianRdp(q, sigma, alpha);
      assert.ok(rdp >= 0 && rdp <= alpha / (2 * sigma * sigma), `q=${q} σ=${sigma} α=${alpha}: ${rdp}`);
      // Non-decreasing up to the rounding of log(1 + tiny) (absolute ~1e-16) where the RDP is ~0.
      assert.ok(rdp >= previous * (1 - 1e-12) - 1e-16, `not monotone at α=${alpha}`);
      previous = rdp;
    }
  }
});

test("RDP → δ inverts RDP → ε (Canonne et al. 2020, Prop. 12) and is capped by total variation", () => {
  const rdp = composedRdp(0.01, 1, 1000, DEFAULT_RDP_ORDERS);
  const { epsilon } = rdpToEpsilon(DEFAULT_RDP_ORDERS, rdp, 1e-5);
  const delta = rdpToDelta(DEFAULT_RDP_ORDERS, rdp, epsilon);
  assert.ok(Math.abs(delta / 1e-5 - 1) < 1e-9, `${delta}`);
  assert.ok(rdpToDelta(DEFAULT_RDP_ORDERS, rdp, epsilon * 1.1) < 1e-5);
  // Tiny RDP: δ(0) ≤ √(1 − e^{−r}) for the smallest r.
  const small = composedRdp(0.001, 50, 1, DEFAULT_RDP_ORDERS);
  assert.ok(rdpToDelta(DEFAULT_RDP_ORDERS, small, 0) <= Math.sqrt(1 - Math.exp(-small[0])) * (1 + 1e-12));
});

test("q = 1 is the plain Gaussian: RDP α/(2σ²) and its closed-form epsilon", () => {
  const sigma = 3;
  const steps = 7;
  const delta = 1e-6;
  const orders = [1.5, 2, 4.5, 10, 40];
  const rdp = composedRdp(1, sigma, steps, orders);
  for (const [k, a] of orders.entries())
    assert.ok(Math.abs(rdp[k] - (steps * a) / (2 * sigma * sigma)) < 1e-15 * rdp[k]);
  const { epsilon, order } = rdpToEpsilon(orders, rdp, delta);
  const expected = Math.min(
    ...orders.map(
      (a) =>
        (steps * a) / (2 * sigma * sigma) - (Math.log(delta) + Math.log(a)) / (a - 1) + Math.log((a - 1) / a),
    ),
  );
  assert.ok(Math.abs(epsilon - expected) < 1e-14 * expected);
  assert.ok(orders.includes(order));
});

/** log E_{z~N(0,σ²)}[(1 - q + q·exp((2z-1)/(2σ²)))^α] / (α-1) by composite Simpson on a wide grid. */
function rdpByQuadrature(q: number, sigma: number, alpha: number): number {
  const lo = -20 * sigma;
  const hi = 20 * sigma + alpha;
  const n = 200_000;
  const h = (hi - lo) / n;
  let sum = 0;
  for (let i = 0; i <= n; i++) {
    const z = lo + i * h;
    const density = Math.exp((-z * z) / (2 * sigma * sigma)) / (sigma * Math.sqrt(2 * Math.PI));
    const ratio = 1 - q + q * Math.exp((2 * z - 1) / (2 * sigma * sigma));
    const weight = i === 0 || i === n ? 1 : i % 2 === 1 ? 4 : 2;
    sum += weight * density * ratio ** alpha;
  }
  return Math.log((sum * h) / 3) / (alpha - 1);
}

test("fractional and integer orders agree with numerical integration of the RDP definition", () => {
  for (const [q, sigma, alpha] of [
    [0.01, 1.0, 2.5],
    [0.05, 0.8, 7.3],
    [0.2, 2.0, 1.7],
    [0.01, 1.0, 4],
  ] as const) {
    const series = sampledGaussianRdp(q, sigma, alpha);
    const quadrature = rdpByQuadrature(q, sigma, alpha);
    assert.ok(
      Math.abs(series - quadrature) <= 1e-8 * quadrature,
      `q=${q} σ=${sigma} α=${alpha}: ${series} vs ${quadrature}`,
    );
  }
});

test("the fractional series is continuous with the integer expansion", () => {
  const atThree = sampledGaussianRdp(0.02, 1.1, 3);
  const nearThree = sampledGaussianRdp(0.02, 1.1, 3 + 1e-9);
  assert.ok(Math.abs(atThree - nearThree) < 1e-8 * atThree);
});

test("edge cases: q = 0 spends nothing, σ = 0 is infinite, empty history is 0", () => {
  assert.equal(sampledGaussianRdp(0, 1, 2), 0);
  assert.equal(sampledGaussianRdp(0.1, 0, 2), Number.POSITIVE_INFINITY);
  const accountant = new RdpAccountant();
  assert.equal(accountant.epsilon(1e-5), 0);
  accountant.step(0.1, 0);
  assert.equal(accountant.epsilon(1e-5), Number.POSITIVE_INFINITY);
});

test("heterogeneous history: RDP adds up across groups, identical steps merge", () => {
  const accountant = new RdpAccountant();
  accountant.step(0.01, 1.0, 300);
  accountant.step(0.01, 1.0);
  accountant.step(0.02, 1.5, 200);
  assert.deepEqual(accountant.toJSON().history, [
    { sampleRate: 0.01, noise: 1.0, steps: 301 },
    { sampleRate: 0.02, noise: 1.5, steps: 200 },
  ]);
  const a = composedRdp(0.01, 1.0, 301, DEFAULT_RDP_ORDERS);
  const b = composedRdp(0.02, 1.5, 200, DEFAULT_RDP_ORDERS);
  const expected = rdpToEpsilon(
    DEFAULT_RDP_ORDERS,
    a.map((v, k) => v + b[k]),
    1e-5,
  ).epsilon;
  assert.equal(accountant.epsilon(1e-5), expected);
  assert.ok(accountant.epsilon(1e-5) > new RdpAccountant().epsilon(1e-5));
});
