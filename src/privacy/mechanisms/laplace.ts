/**
 * The Laplace mechanism: noise of scale Δ/ε gives ε-DP for a query of L1 sensitivity Δ.
 * Sampled as discrete Laplace noise on a fine lattice (release.ts), not by inverting the
 * Laplace CDF in floating point, which Mironov (2012) broke.
 */
import type { Random } from "../../common/rng.js";
import { releaseSum } from "./release.js";

/**
 * Scale b = Δ/ε of the Laplace mechanism for L1 sensitivity Δ.
 *
 * @example
 * ```ts
 * import { laplaceScale } from "equipoise/privacy/accounting";
 * laplaceScale(1, 0.5); // b = Δ/ε = 2
 * ```
 */
export function laplaceScale(sensitivity: number, epsilon: number): number {
  if (!(sensitivity > 0)) throw new RangeError(`sensitivity must be > 0, got ${sensitivity}`);
  if (!(epsilon > 0)) throw new RangeError(`epsilon must be > 0, got ${epsilon}`);
  return sensitivity / epsilon;
}

/**
 * P(X ≤ x) for X ~ Laplace(0, scale).
 *
 * @example
 * ```ts
 * import { laplaceCdf } from "equipoise/privacy/accounting";
 * laplaceCdf(0, 1); // 0.5
 * laplaceCdf(1, 1); // 1 − e⁻¹/2 ≈ 0.8161
 * ```
 */
export function laplaceCdf(x: number, scale: number): number {
  return x < 0 ? 0.5 * Math.exp(x / scale) : 1 - 0.5 * Math.exp(-x / scale);
}

/**
 * value + Laplace(Δ/ε) noise, exactly ε-DP; secure randomness unless a seeded Random is given.
 *
 * @example
 * ```ts
 * import { laplaceMechanism } from "equipoise/privacy/accounting";
 * const noisy = laplaceMechanism(10, { sensitivity: 1, epsilon: 1 }); // 10 + Laplace(1), secure randomness
 * ```
 */
export function laplaceMechanism(
  value: number,
  options: { sensitivity: number; epsilon: number; random?: Random },
): number {
  laplaceScale(options.sensitivity, options.epsilon);
  return releaseSum(value, options).value;
}
