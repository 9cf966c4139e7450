/**
 * Rényi differential privacy of the Poisson-subsampled Gaussian mechanism
 * (Mironov 2017; Mironov, Talwar & Zhang 2019, "Rényi differential privacy of the
 * sampled Gaussian mechanism") and its conversion to (ε, δ)-DP (Balle, Barthe,
 * Gaboardi, Hsu & Sato 2020, Theorem 21). Same algorithm as Opacus / TF Privacy:
 * the binomial expansion in log space for integer orders, the two-series expansion
 * for fractional orders.
 */
import { logErfc } from "../../math/normal.js";
import { logAbsBinomial, logAddExp, logSubExp } from "./special.js";

/** Opacus's default orders: 1.1, 1.2, …, 10.9, then 12, 13, …, 63. */
export const DEFAULT_RDP_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, x) => 1 + (x + 1) / 10.0),
  ...Array.from({ length: 52 }, (_, x) => 12 + x),
]);

/** log A_α for integer α: A_α = Σ_i C(α,i) q^i (1-q)^{α-i} exp((i²-i)/(2σ²)). */
function logAIntegerOrder(q: number, sigma: number, alpha: number): number {
  let logA = Number.NEGATIVE_INFINITY;
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  for (let i = 0; i <= alpha; i++) {
    const logCoefficient = logAbsBinomial(alpha, i).log + i * logQ + (alpha - i) * log1mQ;
    logA = logAddExp(logA, logCoefficient + (i * i - i) / (2 * sigma * sigma));
  }
  return logA;
}

/**
 * log A_α for fractional α: the integral split at z0 where the two Gaussians'
 * mixture ratio crosses, each half expanded in a (signed) binomial series whose
 * terms are Gaussian tail masses; summed until both terms fall below e^{-30}.
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
  for (let i = 0; ; i++) {
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
      logA0 = logSubExp(logA0, logS0);
      logA1 = logSubExp(logA1, logS1);
    }
    if (Math.max(logS0, logS1) < -30) break;
    if (i > 100_000) throw new Error(`RDP series did not converge (q=${q}, sigma=${sigma}, order=${alpha})`);
  }
  return logAddExp(logA0, logA1);
}

/**
 * RDP ε(α) of ONE step of the Gaussian mechanism with sensitivity 1 and noise
 * multiplier σ, applied to a Poisson sample with rate q.
 */
export function sampledGaussianRdp(q: number, sigma: number, order: number): number {
  if (!(order > 1)) throw new RangeError(`RDP order must be > 1, got ${order}`);
  if (q === 0) return 0;
  if (sigma === 0) return Number.POSITIVE_INFINITY;
  if (q === 1) return order / (2 * sigma * sigma);
  if (order === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  const logA = Number.isInteger(order)
    ? logAIntegerOrder(q, sigma, order)
    : logAFractionalOrder(q, sigma, order);
  return logA / (order - 1);
}

/** RDP of `steps` compositions, one value per order. */
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
 */
export function rdpToEpsilon(
  orders: readonly number[],
  rdp: ArrayLike<number>,
  delta: number,
): RdpPrivacySpent {
  if (orders.length !== rdp.length) throw new RangeError("orders and rdp must have the same length");
  let best = Number.NaN;
  let bestIndex = -1;
  for (let k = 0; k < orders.length; k++) {
    const alpha = orders[k];
    const eps = rdp[k] - (Math.log(delta) + Math.log(alpha)) / (alpha - 1) + Math.log((alpha - 1) / alpha);
    if (Number.isNaN(eps)) continue;
    if (bestIndex < 0 || eps < best) {
      best = eps;
      bestIndex = k;
    }
  }
  if (bestIndex < 0)
    return { epsilon: Number.POSITIVE_INFINITY, order: Number.NaN, optimumAtGridEdge: false };
  return {
    epsilon: best,
    order: orders[bestIndex],
    optimumAtGridEdge: bestIndex === 0 || bestIndex === orders.length - 1,
  };
}
