/**
 * Released statistics (counts, sums, means' numerators) with noise that floating point
 * cannot betray. Mironov (2012) showed that value + textbook Laplace noise leaks the value
 * through the low-order bits: most doubles the sampler can output for one input are
 * impossible for its neighbour. Here the noise is an exact integer (exact-sampling.ts) and
 * the output a point of a lattice that does not depend on the data:
 *
 *   - counts: count + K with K exact discrete Laplace (ε-DP) or discrete Gaussian
 *     (ρ-zCDP with ρ = Δ²/(2σ²), Canonne, Kamath & Steinke 2020, Theorem 4: the same RDP
 *     curve α·ρ as the continuous Gaussian with the same σ);
 *   - real-valued sums: the value is rounded to the lattice γℤ (γ a power of two), which
 *     raises the sensitivity in lattice units to ⌊Δ/γ⌋ + 1, and the exact discrete Laplace
 *     with scale (⌊Δ/γ⌋ + 1)/ε is added: ε-DP exactly, at the price of a noise scale larger
 *     than Δ/ε by the factor (⌊Δ/γ⌋ + 1)γ/Δ ≤ 1 + 2^-20 with the default γ.
 *
 * Every output is γ·(integer), computed exactly and then rounded once to a double (a
 * function of the exact lattice point, i.e. post-processing). This replaces Mironov's
 * snapping mechanism, whose guarantee needs a correctly rounded logarithm that JavaScript's
 * Math.log does not promise.
 */
import { UserError } from "../../common/errors.js";
import type { Random } from "../../common/rng.js";
import { createSecureRandom } from "../secure-random.js";
import {
  exactRational,
  type Rational,
  sampleDiscreteGaussian,
  sampleDiscreteLaplace,
} from "./exact-sampling.js";

/**
 * What a release costs, in the forms the accountants combine.
 *
 * @example
 * ```ts
 * import { type MechanismPrivacy, mechanismRdp, releaseCount } from "equipoise/privacy/accounting";
 * const cost: MechanismPrivacy = releaseCount(120, { kind: "discrete-gaussian", sigma: 2 }).privacy;
 * // { kind: "zcdp", rho: ≈ 0.125 }: Δ²/(2σ²) with Δ = 1
 * mechanismRdp(cost, [2, 8]); // α·ρ ≈ [0.25, 1]
 * ```
 */
export type MechanismPrivacy =
  /** ε-DP; it implies RDP ≤ min(ε, α·ε²/2) at every order α (Bun & Steinke 2016, Proposition 3.3). */
  | { kind: "pure"; epsilon: number }
  /** ρ-zCDP: RDP α·ρ at every order α. */
  | { kind: "zcdp"; rho: number };

/**
 * The noise of a released count: discrete Laplace at ε, or discrete Gaussian at σ (exact samplers).
 *
 * @example
 * ```ts
 * import { type CountMechanism, releaseCount } from "equipoise/privacy/accounting";
 * const mechanism: CountMechanism = { kind: "discrete-laplace", epsilon: 0.5 };
 * releaseCount(120, mechanism).value; // 120 + exact discrete Laplace noise of scale Δ/ε = 2
 * ```
 */
export type CountMechanism =
  | { kind: "discrete-laplace"; epsilon: number }
  | { kind: "discrete-gaussian"; sigma: number };

/**
 * A statistic released with noise, and what its release costs.
 *
 * @example
 * ```ts
 * import { type ReleasedStatistic, releaseCount } from "equipoise/privacy/accounting";
 * const released: ReleasedStatistic = releaseCount(120, { kind: "discrete-laplace", epsilon: 1 });
 * console.log(released.value, released.noiseScale, released.granularity); // an integer near 120, 1, 1
 * released.privacy; // { kind: "pure", epsilon: 1 }: what the accountant is told
 * ```
 */
export interface ReleasedStatistic {
  value: number;
  mechanism: "discrete-laplace" | "discrete-gaussian";
  privacy: MechanismPrivacy;
  /** Lattice spacing of the output (1 for counts). */
  granularity: number;
  /** Noise scale in the statistic's units: the Laplace scale or the Gaussian σ. */
  noiseScale: number;
}

/**
 * RDP of one release at each order (upper bounds; tight for the Gaussian).
 *
 * @example
 * ```ts
 * import { mechanismRdp } from "equipoise/privacy/accounting";
 * mechanismRdp({ kind: "pure", epsilon: 0.1 }, [2, 8]); // min(ε, αε²/2) = [0.01, 0.04]
 * mechanismRdp({ kind: "zcdp", rho: 0.5 }, [2, 8]); // αρ = [1, 4]
 * ```
 */
export function mechanismRdp(privacy: MechanismPrivacy, orders: readonly number[]): Float64Array {
  return Float64Array.from(orders, (alpha) =>
    privacy.kind === "zcdp"
      ? alpha * privacy.rho
      : Math.min(privacy.epsilon, (alpha * privacy.epsilon * privacy.epsilon) / 2),
  );
}

function checkEpsilon(epsilon: number): void {
  if (!(epsilon > 0 && Number.isFinite(epsilon))) throw new UserError(`epsilon must be > 0, got ${epsilon}`);
}

function checkSensitivity(sensitivity: number, integer: boolean): void {
  const ok =
    sensitivity > 0 && Number.isFinite(sensitivity) && (!integer || Number.isSafeInteger(sensitivity));
  if (!ok)
    throw new UserError(
      `sensitivity must be a ${integer ? "whole number" : "finite number"} > 0, got ${sensitivity}`,
    );
}

function divide(a: Rational, b: Rational): Rational {
  return { numerator: a.numerator * b.denominator, denominator: a.denominator * b.numerator };
}

/** The smallest double ≥ x among x(1 + k·2^-52): a claimed cost is never rounded down. */
function roundedUp(x: number): number {
  return x * (1 + 2 ** -52);
}

/**
 * count + exact integer noise. `sensitivity` (default 1) is how much one person can change
 * the count. The discrete Laplace with scale Δ/ε is exactly ε-DP; the discrete Gaussian with
 * standard deviation parameter σ is Δ²/(2σ²)-zCDP.
 *
 * @example
 * ```ts
 * import { releaseCount } from "equipoise/privacy/accounting";
 * const released = releaseCount(120, { kind: "discrete-laplace", epsilon: 1 });
 * console.log(released.value, released.privacy); // an integer near 120; { kind: "pure", epsilon: 1 }
 * ```
 */
export function releaseCount(
  count: number,
  mechanism: CountMechanism,
  options: { sensitivity?: number; random?: Random } = {},
): ReleasedStatistic {
  if (!Number.isSafeInteger(count)) throw new UserError(`a count must be a whole number, got ${count}`);
  const sensitivity = options.sensitivity ?? 1;
  checkSensitivity(sensitivity, true);
  const random = options.random ?? createSecureRandom();
  const delta: Rational = { numerator: BigInt(sensitivity), denominator: 1n };
  if (mechanism.kind === "discrete-laplace") {
    checkEpsilon(mechanism.epsilon);
    const scale = divide(delta, exactRational(mechanism.epsilon));
    const noise = sampleDiscreteLaplace(scale, random);
    return {
      value: Number(BigInt(count) + noise),
      mechanism: "discrete-laplace",
      privacy: { kind: "pure", epsilon: mechanism.epsilon },
      granularity: 1,
      noiseScale: sensitivity / mechanism.epsilon,
    };
  }
  const { sigma } = mechanism;
  if (!(sigma > 0 && Number.isFinite(sigma))) throw new UserError(`sigma must be > 0, got ${sigma}`);
  const s = exactRational(sigma);
  const variance: Rational = {
    numerator: s.numerator * s.numerator,
    denominator: s.denominator * s.denominator,
  };
  const noise = sampleDiscreteGaussian(variance, random);
  return {
    value: Number(BigInt(count) + noise),
    mechanism: "discrete-gaussian",
    privacy: { kind: "zcdp", rho: roundedUp((sensitivity * sensitivity) / (2 * sigma * sigma)) },
    granularity: 1,
    noiseScale: sigma,
  };
}

/** The largest power of two ≤ x (x > 0, finite). */
function powerOfTwoAtMost(x: number): number {
  let p = 2 ** Math.floor(Math.log2(x));
  while (p > x) p /= 2;
  while (p * 2 <= x) p *= 2;
  return p;
}

/**
 * Default lattice for a real-valued release: the largest power of two ≤ Δ·2^-20.
 *
 * @example
 * ```ts
 * import { defaultGranularity } from "equipoise/privacy/accounting";
 * defaultGranularity(1); // 2^-20 ≈ 9.54e-7: the lattice step of releaseSum for Δ = 1
 * ```
 */
export function defaultGranularity(sensitivity: number): number {
  return powerOfTwoAtMost(sensitivity * 2 ** -20);
}

/**
 * A real value (a sum, a clipped total) + discrete Laplace noise on the lattice γℤ, exactly
 * ε-DP for an L1 sensitivity Δ. `granularity` is rounded down to a power of two, so that
 * value/γ is exact. The output is a multiple of γ.
 *
 * @example
 * ```ts
 * import { releaseSum } from "equipoise/privacy/accounting";
 * // a total of values clipped to [0, 100]: one person moves it by at most 100
 * const released = releaseSum(5321.25, { sensitivity: 100, epsilon: 0.5 }); // discrete Laplace on a lattice
 * ```
 */
export function releaseSum(
  value: number,
  options: { sensitivity: number; epsilon: number; granularity?: number; random?: Random },
): ReleasedStatistic {
  if (!Number.isFinite(value)) throw new UserError(`the value to release must be finite, got ${value}`);
  const { sensitivity, epsilon } = options;
  checkSensitivity(sensitivity, false);
  checkEpsilon(epsilon);
  const requested = options.granularity ?? defaultGranularity(sensitivity);
  if (!(requested > 0 && Number.isFinite(requested)))
    throw new UserError(`granularity must be > 0, got ${requested}`);
  const gamma = powerOfTwoAtMost(requested);
  // |round(x/γ) − round(x'/γ)| ≤ |x − x'|/γ + 1, and it is an integer.
  const latticeSensitivity = Math.floor(sensitivity / gamma) + 1;
  if (!Number.isSafeInteger(latticeSensitivity))
    throw new UserError(`granularity ${gamma} is too fine for sensitivity ${sensitivity}`);
  const scaled = value / gamma; // exact: γ is a power of two
  // Beyond 2^52 every double is already an integer, so Math.round is the identity there.
  const rounded = BigInt(Math.round(scaled));
  const scale = divide({ numerator: BigInt(latticeSensitivity), denominator: 1n }, exactRational(epsilon));
  const noise = sampleDiscreteLaplace(scale, options.random ?? createSecureRandom());
  return {
    value: Number(rounded + noise) * gamma,
    mechanism: "discrete-laplace",
    privacy: { kind: "pure", epsilon },
    granularity: gamma,
    noiseScale: (latticeSensitivity * gamma) / epsilon,
  };
}
