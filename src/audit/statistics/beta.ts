/**
 * The beta and binomial distributions, for exact binomial confidence intervals
 * (Clopper–Pearson) and the one-run audit's binomial tails.
 *
 * I_x(a, b) is evaluated by its continued fraction (DLMF 8.17.22, in the even/odd form
 * of Numerical Recipes §6.4, modified Lentz), on the side of the mean where it
 * converges fast (x < (a+1)/(a+b+2); the other side through I_x(a,b) = 1 − I_{1−x}(b,a)),
 * with the prefactor x^a (1−x)^b / (a·B(a,b)) taken in log space so that a, b up to
 * 10⁶ neither overflow nor underflow. Binomial tails are regularised betas:
 * P[Bin(n, p) ≥ k] = I_p(k, n − k + 1) for 1 ≤ k ≤ n.
 */
import { logGamma } from "../../privacy/analysis/special.js";

const TINY = 1e-300;
const EPSILON = 1e-16;

function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

function continuedFraction(x: number, a: number, b: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 100_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) return h;
  }
  throw new Error(`incomplete beta: no convergence for x=${x}, a=${a}, b=${b}`);
}

/** The regularised incomplete beta function I_x(a, b), for a, b > 0 and x in [0, 1]. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0)) throw new RangeError(`incomplete beta needs a, b > 0, got ${a}, ${b}`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`incomplete beta needs x in [0, 1], got ${x}`);
  if (x === 0) return 0;
  if (x === 1) return 1;
  const logFront = a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * continuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(logFront) * continuedFraction(1 - x, b, a)) / b;
}

/**
 * The x in [0, 1] with I_x(a, b) = p: the p-quantile of Beta(a, b). Plain bisection on
 * the monotone I_x until the bracket is 2 ulp wide (about 60 halvings for a quantile
 * near 1, 110 for one near 1e-15): slower than Newton steps but it cannot overshoot
 * in the tails, and confidence intervals need only a handful of quantiles.
 */
export function betaQuantile(p: number, a: number, b: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`beta quantile needs p in [0, 1], got ${p}`);
  if (p === 0) return 0;
  if (p === 1) return 1;
  let lo = 0;
  let hi = 1;
  for (let iteration = 0; iteration < 1100 && hi - lo > 4.5e-16 * hi; iteration++) {
    const mid = (lo + hi) / 2;
    if (regularizedIncompleteBeta(mid, a, b) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** log P[Bin(n, p) = k]. */
export function logBinomialPmf(k: number, n: number, p: number): number {
  if (!Number.isInteger(k) || !Number.isInteger(n) || n < 0) {
    throw new RangeError(`binomial pmf needs whole k and n ≥ 0, got k=${k}, n=${n}`);
  }
  if (k < 0 || k > n) return Number.NEGATIVE_INFINITY;
  if (p === 0) return k === 0 ? 0 : Number.NEGATIVE_INFINITY;
  if (p === 1) return k === n ? 0 : Number.NEGATIVE_INFINITY;
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p);
}

/** P[Bin(n, p) = k]. */
export function binomialPmf(k: number, n: number, p: number): number {
  return Math.exp(logBinomialPmf(k, n, p));
}

/** P[Bin(n, p) ≥ k] (scipy's binom.sf(k − 1, n, p)). */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p === 0) return 0;
  if (p === 1) return 1;
  return regularizedIncompleteBeta(p, k, n - k + 1);
}
