/**
 * Special functions for privacy accounting, accurate in the far tails (the RDP
 * series and the PRV need log Φ(x) for x around -40, where 1 - Φ(-x) is 0 in
 * double precision).
 */

const SQRT_PI = Math.sqrt(Math.PI);
const SQRT2 = Math.SQRT2;
const LOG_HALF = Math.log(0.5);

/**
 * exp(x²)·erfc(x) for x ≥ 0. Below 2: the all-positive series
 * erf(x) = 2/√π · e^{-x²} Σ (2x²)^n x / (2n+1)!!, which has no cancellation. From 2
 * on: the even contraction of Laplace's continued fraction (Lentz's method), which
 * converges in a few dozen terms there and faster further out.
 */
export function erfcx(x: number): number {
  if (!(x >= 0)) throw new RangeError(`erfcx needs x >= 0, got ${x}`);
  if (x < 2) {
    const twoX2 = 2 * x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= twoX2 / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    const erf = (2 / SQRT_PI) * Math.exp(-x * x) * sum;
    return (1 - erf) * Math.exp(x * x);
  }
  // erfc(x) = e^{-x²}/√π · 2x / (2x²+1 - 1·2/(2x²+5 - 3·4/(2x²+9 - ...)))
  const tiny = 1e-300;
  const base = 2 * x * x + 1;
  let f = base;
  let c = base;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = -(2 * n - 1) * (2 * n);
    const b = base + 4 * n;
    d = b + a * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + a / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return (2 * x) / (SQRT_PI * f);
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x >= 0) return x > 27 ? 0 : erfcx(x) * Math.exp(-x * x);
  return 2 - erfc(-x);
}

/** log(erfc(x)), finite for every finite x. */
export function logErfc(x: number): number {
  if (x >= 2) return Math.log(erfcx(x)) - x * x;
  return Math.log(erfc(x));
}

/** Standard normal CDF Φ(x). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / SQRT2);
}

/** 1 - Φ(x), without cancellation for large x. */
export function normalSurvival(x: number): number {
  return 0.5 * erfc(x / SQRT2);
}

/** log Φ(x), accurate for very negative x (scipy's log_ndtr). */
export function logNormalCdf(x: number): number {
  return LOG_HALF + logErfc(-x / SQRT2);
}

export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/** log(e^a + e^b). */
export function logAddExp(a: number, b: number): number {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  if (lo === Number.NEGATIVE_INFINITY) return hi;
  return Math.log1p(Math.exp(lo - hi)) + hi;
}

/** log(e^a - e^b) for a ≥ b. */
export function logSubExp(a: number, b: number): number {
  if (a < b) throw new RangeError("logSubExp: the result of the subtraction must be non-negative");
  if (b === Number.NEGATIVE_INFINITY) return a;
  if (a === b) return Number.NEGATIVE_INFINITY;
  const diff = Math.expm1(a - b);
  return Number.isFinite(diff) ? Math.log(diff) + b : a;
}

/** log |binom(alpha, i)| and its sign, for real alpha and integer i ≥ 0 (product form). */
export function logAbsBinomial(alpha: number, i: number): { log: number; sign: number } {
  let log = 0;
  let sign = 1;
  for (let k = 0; k < i; k++) {
    const factor = (alpha - k) / (k + 1);
    if (factor === 0) return { log: Number.NEGATIVE_INFINITY, sign: 0 };
    if (factor < 0) sign = -sign;
    log += Math.log(Math.abs(factor));
  }
  return { log, sign };
}

/** log Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error ~1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const g = 7;
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let sum = coefficients[0];
  for (let i = 1; i < g + 2; i++) sum += coefficients[i] / (z + i);
  const t = z + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/**
 * Regularised upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a): series below a + 1,
 * continued fraction above (Numerical Recipes §6.2). Chi-square p-values use it.
 */
export function upperIncompleteGammaRatio(a: number, x: number): number {
  if (x < 0 || a <= 0) throw new RangeError("upperIncompleteGammaRatio needs a > 0 and x >= 0");
  if (x === 0) return 1;
  const logPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.max(0, 1 - sum * Math.exp(logPrefix));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(logPrefix) * h;
}
