/**
 * The Gaussian mechanism for a query of L2 sensitivity Δ: the classic calibration
 * σ = Δ·sqrt(2 ln(1.25/δ))/ε (Dwork & Roth 2014, Theorem A.1; valid for ε < 1) and
 * the analytic Gaussian mechanism (Balle & Wang 2018, Theorem 8): the smallest σ
 * with Φ(Δ/(2σ) - εσ/Δ) - e^ε·Φ(-Δ/(2σ) - εσ/Δ) ≤ δ, exact for every ε > 0.
 */
import { logNormalCdf, normalCdf } from "../../math/normal.js";
import { type GaussianNoise, secureGaussianNoise } from "../noise.js";

function check(sensitivity: number, epsilon: number, delta: number): void {
  if (!(sensitivity > 0)) throw new RangeError(`sensitivity must be > 0, got ${sensitivity}`);
  if (!(epsilon > 0)) throw new RangeError(`epsilon must be > 0, got ${epsilon}`);
  if (!(delta > 0 && delta < 1)) throw new RangeError(`delta must be in (0, 1), got ${delta}`);
}

/**
 * σ of the classic Gaussian mechanism, Δ·√(2 ln(1.25/δ))/ε (Dwork & Roth 2014, Theorem A.1); only for ε < 1.
 *
 * @example
 * ```ts
 * import { classicGaussianSigma } from "equipoise/privacy/accounting";
 * classicGaussianSigma(1, 0.5, 1e-5); // √(2 ln(1.25/δ))·Δ/ε ≈ 9.6896
 * ```
 */
export function classicGaussianSigma(sensitivity: number, epsilon: number, delta: number): number {
  check(sensitivity, epsilon, delta);
  if (epsilon >= 1)
    throw new RangeError("the classic Gaussian calibration needs epsilon < 1; use the analytic one");
  return (sensitivity * Math.sqrt(2 * Math.log(1.25 / delta))) / epsilon;
}

/**
 * The exact δ of the Gaussian mechanism with noise σ at ε (Balle & Wang 2018, Theorem 8).
 *
 * @example
 * ```ts
 * import { analyticGaussianSigma, gaussianDelta } from "equipoise/privacy/accounting";
 * gaussianDelta(1, analyticGaussianSigma(1, 1, 1e-5), 1); // ≈ 1e-5
 * ```
 */
export function gaussianDelta(sensitivity: number, sigma: number, epsilon: number): number {
  const a = sensitivity / (2 * sigma);
  const b = (epsilon * sigma) / sensitivity;
  // The second term in log space: e^ε·Φ(-a-b) overflows/underflows separately for large ε.
  return normalCdf(a - b) - Math.exp(epsilon + logNormalCdf(-a - b));
}

/**
 * Smallest σ with gaussianDelta(Δ, σ, ε) ≤ δ, by bisection to relative precision 1e-12.
 *
 * @example
 * ```ts
 * import { analyticGaussianSigma } from "equipoise/privacy/accounting";
 * analyticGaussianSigma(1, 1, 1e-5); // ≈ 3.7306 (Balle & Wang 2018)
 * ```
 */
export function analyticGaussianSigma(sensitivity: number, epsilon: number, delta: number): number {
  check(sensitivity, epsilon, delta);
  let hi = sensitivity;
  while (gaussianDelta(sensitivity, hi, epsilon) > delta) hi *= 2;
  let lo = 0;
  while (hi - lo > 1e-12 * hi) {
    const mid = (lo + hi) / 2;
    if (gaussianDelta(sensitivity, mid, epsilon) > delta) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * How σ is calibrated: "analytic" (Balle & Wang 2018, the smallest σ) or "classic".
 *
 * @example
 * ```ts
 * import { type GaussianCalibration, gaussianSigma } from "equipoise/privacy/accounting";
 * const calibration: GaussianCalibration = "classic"; // only for ε < 1
 * gaussianSigma(1, 0.5, 1e-5, calibration); // ≈ 9.6896, above the analytic σ for the same (ε, δ)
 * ```
 */
export type GaussianCalibration = "analytic" | "classic";

/**
 * σ of the Gaussian mechanism for L2 sensitivity Δ at (ε, δ), analytic by default.
 *
 * @example
 * ```ts
 * import { gaussianSigma } from "equipoise/privacy/accounting";
 * gaussianSigma(1, 1, 1e-5); // the analytic calibration by default: ≈ 3.7306
 * ```
 */
export function gaussianSigma(
  sensitivity: number,
  epsilon: number,
  delta: number,
  calibration: GaussianCalibration = "analytic",
): number {
  return calibration === "analytic"
    ? analyticGaussianSigma(sensitivity, epsilon, delta)
    : classicGaussianSigma(sensitivity, epsilon, delta);
}

/**
 * value(s) + N(0, σ²) noise with σ calibrated to (ε, δ) for L2 sensitivity Δ, drawn through
 * a `GaussianNoise` (secure unless a seeded one is given) told the sensitivity, so that its
 * lattice output (which resists the floating-point attack) keeps the calibrated privacy.
 *
 * @example
 * ```ts
 * import { gaussianMechanism } from "equipoise/privacy/accounting";
 * const counts = Float64Array.from([120, 45, 8]); // a histogram: one person changes one bin by 1
 * const noisy = gaussianMechanism(counts, { sensitivity: Math.SQRT2, epsilon: 1, delta: 1e-5 });
 * // each bin + N(0, σ²), σ from the analytic calibration, drawn by the secure generator
 * ```
 */
export function gaussianMechanism(
  values: Float64Array,
  options: {
    sensitivity: number;
    epsilon: number;
    delta: number;
    calibration?: GaussianCalibration;
    noise?: GaussianNoise;
  },
): Float64Array {
  const sigma = gaussianSigma(options.sensitivity, options.epsilon, options.delta, options.calibration);
  const out = Float64Array.from(values);
  (options.noise ?? secureGaussianNoise()).add(out, sigma, options.sensitivity);
  return out;
}
