/**
 * Rényi differential privacy of the Poisson-subsampled Gaussian mechanism
 * (Mironov 2017; Mironov, Talwar & Zhang 2019, "Rényi differential privacy of the
 * sampled Gaussian mechanism") and its conversion to (ε, δ)-DP (Balle, Barthe,
 * Gaboardi, Hsu & Sato 2020, Theorem 21). Same algorithm as Opacus / TF Privacy:
 * the binomial expansion in log space for integer orders, the two-series expansion
 * for fractional orders.
 *
 * RDP is an upper bound, and so is every number here: where floating point cannot carry
 * the series (an alternating sum that cancels to ~0 when σ is huge, or one that does not
 * converge), the value falls back to a bound that is always valid — Rényi divergence is
 * non-decreasing in the order (van Erven & Harremoës 2014, Theorem 3), so the integer order
 * ⌈α⌉ bounds α, and subsampling never costs more than the full Gaussian, α/(2σ²) (joint
 * quasi-convexity of the Rényi divergence, ibid. Theorem 13).
 */
import { logErfc } from "../../math/normal.js";
import { logAddExp, logSubExp } from "./special.js";

/**
 * Opacus's default orders: 1.1, 1.2, …, 10.9, then 12, 13, …, 63 (the reference values' grid).
 *
 * @example
 * ```ts
 * import { composedRdp, OPACUS_RDP_ORDERS, rdpToEpsilon } from "equipoise/privacy/accounting";
 * OPACUS_RDP_ORDERS.length; // 151: 1.1, 1.2, …, 10.9, then 12, 13, …, 63
 * const rdp = composedRdp(0.01, 1, 1000, OPACUS_RDP_ORDERS);
 * rdpToEpsilon(OPACUS_RDP_ORDERS, rdp, 1e-5).epsilon; // ≈ 2.1014, as Opacus
 * ```
 */
export const OPACUS_RDP_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, x) => 1 + (x + 1) / 10.0),
  ...Array.from({ length: 52 }, (_, x) => 12 + x),
]);

/**
 * Opacus's orders widened at both ends, so that common regimes do not put the optimum on the
 * edge of the grid (where ε has a floor): 1.01–1.07 below (ε in the hundreds), 64–4096 above
 * (small ε: e.g. q = 0.01, σ = 5, 100 steps is best at α = 160 and gets ε = 0.069 instead of
 * 0.116 at 63). The seven Opacus reference values keep their optimal orders (2.8 … 54) and so
 * their values.
 *
 * @example
 * ```ts
 * import { composedRdp, DEFAULT_RDP_ORDERS, rdpToEpsilon } from "equipoise/privacy/accounting";
 * const rdp = composedRdp(0.01, 5, 100, DEFAULT_RDP_ORDERS); // small ε: the optimum is above Opacus's 63
 * rdpToEpsilon(DEFAULT_RDP_ORDERS, rdp, 1e-5); // { epsilon: ≈ 0.069, order: 160, optimumAtGridEdge: false }
 * ```
 */
export const DEFAULT_RDP_ORDERS: readonly number[] = Object.freeze([
  1.01,
  1.02,
  1.03,
  1.05,
  1.07,
  ...OPACUS_RDP_ORDERS,
  64,
  80,
  96,
  128,
  160,
  192,
  256,
  384,
  512,
  768,
  1024,
  1536,
  2048,
  3072,
  4096,
]);

/** log A_α for integer α: A_α = Σ_i C(α,i) q^i (1-q)^{α-i} exp((i²-i)/(2σ²)), all terms positive. */
function logAIntegerOrder(q: number, sigma: number, alpha: number): number {
  let logA = Number.NEGATIVE_INFINITY;
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  let logBinomial = 0; // log C(α, i), updated incrementally
  for (let i = 0; i <= alpha; i++) {
    if (i > 0) logBinomial += Math.log((alpha - i + 1) / i);
    const logCoefficient = logBinomial + i * logQ + (alpha - i) * log1mQ;
    logA = logAddExp(logA, logCoefficient + (i * i - i) / (2 * sigma * sigma));
  }
  return logA;
}

/**
 * log A_α for fractional α: the integral split at z0 where the two Gaussians'
 * mixture ratio crosses, each half expanded in a (signed) binomial series whose
 * terms are Gaussian tail masses; summed until both terms fall below e^{-30}.
 * Returns NaN when floating point cannot carry the series (the caller then bounds it).
 */
function logAFractionalOrder(q: number, sigma: number, alpha: number): number {
  let logA0 = Number.NEGATIVE_INFINITY;
  let logA1 = Number.NEGATIVE_INFINITY;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const sigma2 = sigma * sigma;
  const logHalf = Math.log(0.5);
  let logCoefficient = 0; // log |C(α, 0)|
  let sign = 1;
  for (let i = 0; i < 10_000; i++) {
    if (i > 0) {
      const factor = (alpha - (i - 1)) / i;
      logCoefficient += Math.log(Math.abs(factor));
      if (factor < 0) sign = -sign;
    }
    const j = alpha - i;
    const logT0 = logCoefficient + i * logQ + j * log1mQ;
    const logT1 = logCoefficient + j * logQ + i * log1mQ;
    const logE0 = logHalf + logErfc((i - z0) / (Math.SQRT2 * sigma));
    const logE1 = logHalf + logErfc((z0 - j) / (Math.SQRT2 * sigma));
    const logS0 = logT0 + (i * i - i) / (2 * sigma2) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigma2) + logE1;
    if (sign > 0) {
      logA0 = logAddExp(logA0, logS0);
      logA1 = logAddExp(logA1, logS1);
    } else {
      // Cancellation can make a partial sum "negative" in floating point: the series is lost.
      if (logA0 < logS0 || logA1 < logS1) return Number.NaN;
      logA0 = logSubExp(logA0, logS0);
      logA1 = logSubExp(logA1, logS1);
    }
    if (Math.max(logS0, logS1) < -30) return logAddExp(logA0, logA1);
  }
  return Number.NaN;
}

/** RDP of one step at an integer order ≥ 2, 0 < q < 1. */
function integerOrderRdp(q: number, sigma: number, alpha: number): number {
  return logAIntegerOrder(q, sigma, alpha) / (alpha - 1);
}

/**
 * RDP ε(α) of ONE step of the Gaussian mechanism with sensitivity 1 and noise
 * multiplier σ, applied to a Poisson sample with rate q. Always an upper bound (see above),
 * never negative.
 *
 * @example
 * ```ts
 * import { sampledGaussianRdp } from "equipoise/privacy/accounting";
 * sampledGaussianRdp(0.01, 1, 8); // ≈ 8.94e-4: RDP of one step at order 8
 * ```
 */
export function sampledGaussianRdp(q: number, sigma: number, order: number): number {
  if (!(order > 1)) throw new RangeError(`RDP order must be > 1, got ${order}`);
  if (q === 0) return 0;
  if (sigma === 0) return Number.POSITIVE_INFINITY;
  const fullGaussian = order / (2 * sigma * sigma);
  if (q === 1) return fullGaussian;
  if (order === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  let rdp: number;
  if (Number.isInteger(order)) {
    rdp = integerOrderRdp(q, sigma, order);
  } else {
    const upper = integerOrderRdp(q, sigma, Math.ceil(order));
    const lower = order > 2 ? integerOrderRdp(q, sigma, Math.floor(order)) : 0;
    const series = logAFractionalOrder(q, sigma, order) / (order - 1);
    // Outside [RDP(⌊α⌋), RDP(⌈α⌉)] the series has lost its precision: keep the valid bound.
    rdp = series >= lower && series <= upper ? series : upper;
  }
  return Math.max(0, Math.min(rdp, fullGaussian));
}

/**
 * RDP of `steps` compositions, one value per order.
 *
 * @example
 * ```ts
 * import { composedRdp } from "equipoise/privacy/accounting";
 * composedRdp(0.01, 1, 1000, [8]); // ≈ [0.894]: 1,000 steps compose additively
 * ```
 */
export function composedRdp(
  q: number,
  sigma: number,
  steps: number,
  orders: readonly number[],
): Float64Array {
  const out = new Float64Array(orders.length);
  for (let k = 0; k < orders.length; k++) out[k] = steps * sampledGaussianRdp(q, sigma, orders[k]);
  return out;
}

/**
 * ε from RDP values, with the order at which the bound is tightest.
 *
 * @example
 * ```ts
 * import { composedRdp, DEFAULT_RDP_ORDERS, type RdpPrivacySpent, rdpToEpsilon } from "equipoise/privacy/accounting";
 * const rdp = composedRdp(0.01, 1, 1000, DEFAULT_RDP_ORDERS);
 * const spent: RdpPrivacySpent = rdpToEpsilon(DEFAULT_RDP_ORDERS, rdp, 1e-5);
 * console.log(spent.epsilon, spent.order); // ≈ 2.1014 at order 7.8
 * if (spent.optimumAtGridEdge) console.warn("widen the order grid for a tighter bound"); // not here
 * ```
 */
export interface RdpPrivacySpent {
  epsilon: number;
  /** The order at which the bound is tightest (NaN when epsilon is infinite). */
  order: number;
  /** True when the optimum is the smallest or largest order: widen the order grid for a tighter bound. */
  optimumAtGridEdge: boolean;
}

/**
 * (ε, δ) from RDP values: ε = min_α rdp(α) - (log δ + log α)/(α-1) + log((α-1)/α)
 * (Balle et al. 2020, Theorem 21), the conversion Opacus uses.
 *
 * @example
 * ```ts
 * import { composedRdp, DEFAULT_RDP_ORDERS, rdpToEpsilon } from "equipoise/privacy/accounting";
 * const rdp = composedRdp(0.01, 1, 1000, DEFAULT_RDP_ORDERS);
 * rdpToEpsilon(DEFAULT_RDP_ORDERS, rdp, 1e-5); // { epsilon: ≈ 2.1014, order: 7.8, optimumAtGridEdge: false }
 * ```
 */
export function rdpToEpsilon(
  orders: readonly number[],
  rdp: ArrayLike<number>,
  delta: number,
): RdpPrivacySpent {
  if (orders.length !== rdp.length) throw new RangeError("orders and rdp must have the same length");
  let best = Number.POSITIVE_INFINITY;
  let bestIndex = -1;
  for (let k = 0; k < orders.length; k++) {
    const alpha = orders[k];
    const eps = rdp[k] - (Math.log(delta) + Math.log(alpha)) / (alpha - 1) + Math.log((alpha - 1) / alpha);
    if (!(eps < best)) continue;
    best = eps;
    bestIndex = k;
  }
  if (bestIndex < 0)
    return { epsilon: Number.POSITIVE_INFINITY, order: Number.NaN, optimumAtGridEdge: false };
  return {
    epsilon: best,
    order: orders[bestIndex],
    optimumAtGridEdge: bestIndex === 0 || bestIndex === orders.length - 1,
  };
}

/**
 * The warning to show with an RDP result whose optimum is on the edge of the order grid, or
 * undefined. At the largest order α the bound cannot go below log(1 − 1/α) − log(δα)/(α − 1)
 * however small the RDP: ε has a floor set by the grid, not by the mechanism. At the smallest the
 * regime is one where RDP is loose (large ε), and the PRV accountant is tighter.
 *
 * @example
 * ```ts
 * import { DEFAULT_RDP_ORDERS, composedRdp, rdpGridEdgeWarning, rdpToEpsilon } from "equipoise/privacy/accounting";
 * const rdp = composedRdp(0.001, 50, 1, DEFAULT_RDP_ORDERS); // very little privacy loss
 * const spent = rdpToEpsilon(DEFAULT_RDP_ORDERS, rdp, 1e-5);
 * rdpGridEdgeWarning(spent, DEFAULT_RDP_ORDERS, 1e-5); // "the tightest RDP order is the largest of the grid …"
 * ```
 */
export function rdpGridEdgeWarning(
  spent: RdpPrivacySpent,
  orders: readonly number[],
  delta: number,
  suggestPrv = true,
): string | undefined {
  if (!spent.optimumAtGridEdge || !Number.isFinite(spent.epsilon)) return undefined;
  const largest = Math.max(...orders);
  if (spent.order === largest) {
    // ε at this order with zero RDP: what no amount of noise gets below on this grid.
    const floor = Math.log((largest - 1) / largest) - (Math.log(delta) + Math.log(largest)) / (largest - 1);
    return (
      `the tightest RDP order is the largest of the grid (${largest}): epsilon cannot go below ` +
      `${floor.toPrecision(3)} there however large the noise, so the bound may be loose`
    );
  }
  return (
    `the tightest RDP order is the smallest of the grid (${spent.order}): RDP is loose in this regime` +
    (suggestPrv ? "; the PRV accountant gives a tighter bound" : "")
  );
}

/**
 * δ at a given ε from RDP values: the smaller of log δ ≤ (α−1)(rdp − ε + log(1 − 1/α)) − log α
 * (Canonne, Kamath & Steinke 2020, Proposition 12, the inverse of the conversion above) and,
 * since RDP(α) ≥ KL for α > 1, the Bretagnolle–Huber bound δ ≤ TV ≤ √(1 − e^{−rdp}).
 *
 * @example
 * ```ts
 * import { DEFAULT_RDP_ORDERS, composedRdp, rdpToDelta, rdpToEpsilon } from "equipoise/privacy/accounting";
 * const rdp = composedRdp(0.01, 1.1, 300, DEFAULT_RDP_ORDERS);
 * const { epsilon } = rdpToEpsilon(DEFAULT_RDP_ORDERS, rdp, 1e-5); // ≈ 1.15
 * rdpToDelta(DEFAULT_RDP_ORDERS, rdp, epsilon); // ≈ 1e-5: the inverse conversion
 * ```
 */
export function rdpToDelta(orders: readonly number[], rdp: ArrayLike<number>, epsilon: number): number {
  if (orders.length !== rdp.length) throw new RangeError("orders and rdp must have the same length");
  let logDelta = 0;
  for (let k = 0; k < orders.length; k++) {
    const alpha = orders[k];
    const r = rdp[k];
    if (!(r < Number.POSITIVE_INFINITY)) continue;
    const totalVariation = r === 0 ? Number.NEGATIVE_INFINITY : 0.5 * Math.log1p(-Math.exp(-r));
    const conversion = (alpha - 1) * (r - epsilon + Math.log1p(-1 / alpha)) - Math.log(alpha);
    logDelta = Math.min(logDelta, totalVariation, conversion);
  }
  return Math.exp(logDelta);
}
