/**
 * Special functions for privacy accounting: log-space arithmetic, binomial coefficients,
 * the gamma function and its incomplete ratio (chi-square p-values). The normal
 * distribution (erfc, Φ, log Φ, …) has one home, src/math/normal.ts; it is re-exported
 * here for the accountants' callers.
 */
export {
  erfc,
  erfcx,
  logErfc,
  logNormalCdf,
  normalCdf,
  normalPdf,
  normalQuantile,
  normalSurvival,
} from "../../math/normal.js";

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
