/**
 * The standard normal distribution to full double precision, including the far tails in
 * log space (acquisition functions live there: an improvement that is 30 standard
 * deviations away must still have a finite logarithm and a useful gradient).
 *
 * erfc: Maclaurin series of erf for |x| < 2 (terms stay below e^4, so at most two digits
 * are lost), Lentz's continued fraction erfc(x) = e^{−x²}/√π · 1/(x + ½/(x + 1/(x + 3⁄2/(x + …))))
 * for x ≥ 2, where it converges in a few dozen terms.
 */

const SQRT2 = Math.SQRT2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);
const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);

/** erf(x) by its Maclaurin series; accurate for |x| < 2. */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= -x2 / n;
    const contribution = term / (2 * n + 1);
    sum += contribution;
    if (Math.abs(contribution) < 1e-17 * Math.abs(sum)) break;
  }
  return 2 * INV_SQRT_PI * sum;
}

/** The continued fraction K(x) with erfc(x) = e^{−x²}/√π · K(x), for x ≥ 2 (modified Lentz). */
function erfcContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return 1 / f;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 2) {
    if (x > -2) return 1 - erfSeries(x);
    return 2 - erfc(-x);
  }
  if (x > 27) return 0;
  return Math.exp(-x * x) * INV_SQRT_PI * erfcContinuedFraction(x);
}

/** log erfc(x), finite for every finite x. */
export function logErfc(x: number): number {
  if (x < 2) return Math.log(erfc(x));
  return -x * x - LOG_SQRT_PI + Math.log(erfcContinuedFraction(x));
}

/** Standard normal density φ(z). */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
}

export function logNormalPdf(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

/** Standard normal distribution function Φ(z). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / SQRT2);
}

/** log Φ(z), accurate in the lower tail. */
export function logNormalCdf(z: number): number {
  if (z > 5) return Math.log1p(-0.5 * erfc(z / SQRT2));
  return logErfc(-z / SQRT2) - Math.LN2;
}

/**
 * log ψ(z) with ψ(z) = φ(z) + zΦ(z) = E[(z − N)⁺] for N standard normal: the building block of
 * expected improvement. In the lower tail ψ(z) = φ(z)(1 − x K(x)) with x = −z/√2 (because
 * zΦ(z) = −x K(x) φ(z)), which avoids the catastrophic cancellation of φ(z) + zΦ(z).
 */
export function logExpectedPositivePart(z: number): number {
  if (z > -2) {
    const value = normalPdf(z) + z * normalCdf(z);
    return Math.log(value);
  }
  const x = -z / SQRT2;
  const k = erfcContinuedFraction(x);
  return logNormalPdf(z) + Math.log1p(-x * k);
}
