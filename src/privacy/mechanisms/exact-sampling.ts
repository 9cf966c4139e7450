/**
 * Exact samplers for the discrete Laplace and discrete Gaussian distributions on ℤ
 * (Canonne, Kamath & Steinke 2020, "The Discrete Gaussian for Differential Privacy",
 * Algorithms 1–3). Only integer arithmetic on uniformly random words: the parameters are
 * exact rationals (a double is one: mantissa·2^exponent), every coin is a comparison of a
 * uniform integer with a rational, so the output law is exactly the stated one — no
 * floating-point rounding anywhere for an attacker to read (Mironov 2012).
 *
 * The random words come from any `Random` (its `uint32()` only): the secure generator for
 * releases, a seeded one in tests. Run time is random but independent of the data: the
 * samplers are called with a public scale, and the data is added afterwards.
 */
import type { Random } from "../../common/rng.js";

/**
 * A non-negative rational numerator/denominator (denominator > 0), exact.
 *
 * @example
 * ```ts
 * import { createSecureRandom, exactRational, type Rational, sampleDiscreteLaplace } from "equipoise/privacy/accounting";
 * const scale: Rational = { numerator: 1n, denominator: 2n }; // exactly 0.5
 * exactRational(0.5); // the same value: { numerator: 1n, denominator: 2n }
 * const noise: bigint = sampleDiscreteLaplace(scale, createSecureRandom()); // exact integer noise
 * ```
 */
export interface Rational {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 2 ** 53;

/**
 * The exact value of a finite, non-negative double as a rational (denominator a power of 2).
 *
 * @example
 * ```ts
 * import { exactRational } from "equipoise/privacy/accounting";
 * exactRational(0.75); // { numerator: 3n, denominator: 4n }
 * ```
 */
export function exactRational(x: number): Rational {
  if (!(Number.isFinite(x) && x >= 0)) throw new RangeError(`expected a finite number >= 0, got ${x}`);
  if (x === 0) return { numerator: 0n, denominator: 1n };
  // x = mantissa · 2^exponent with an integer mantissa below 2^53.
  let exponent = 0;
  let mantissa = x;
  while (!Number.isInteger(mantissa)) {
    mantissa *= 2;
    exponent--;
  }
  while (mantissa > TWO_POW_53 && mantissa % 2 === 0) {
    mantissa /= 2;
    exponent++;
  }
  const m = BigInt(mantissa);
  return exponent >= 0
    ? { numerator: m << BigInt(exponent), denominator: 1n }
    : { numerator: m, denominator: 1n << BigInt(-exponent) };
}

function bitLength(n: bigint): number {
  return n.toString(2).length;
}

/**
 * Uniform integer in [0, n), n ≥ 1, by rejection on random words (no modulo bias).
 *
 * @example
 * ```ts
 * import { createSecureRandom, uniformBelow } from "equipoise/privacy/accounting";
 * const index = uniformBelow(10n, createSecureRandom()); // 0n … 9n, each with probability 1/10
 * ```
 */
export function uniformBelow(n: bigint, random: Random): bigint {
  if (n < 1n) throw new RangeError(`uniformBelow needs n >= 1, got ${n}`);
  if (n <= 4294967296n) {
    const m = Number(n);
    const limit = TWO_POW_32 - (TWO_POW_32 % m);
    for (;;) {
      const word = random.uint32();
      if (word < limit) return BigInt(word % m);
    }
  }
  const bits = bitLength(n - 1n);
  const words = Math.ceil(bits / 32);
  const excess = BigInt(words * 32 - bits);
  for (;;) {
    let value = 0n;
    for (let w = 0; w < words; w++) value = (value << 32n) | BigInt(random.uint32());
    value >>= excess;
    if (value < n) return value;
  }
}

/**
 * Bernoulli(numerator/denominator), numerator ≤ denominator.
 *
 * @example
 * ```ts
 * import { bernoulliRational, createSecureRandom } from "equipoise/privacy/accounting";
 * const heads = bernoulliRational(1n, 3n, createSecureRandom()); // true with probability exactly 1/3
 * ```
 */
export function bernoulliRational(numerator: bigint, denominator: bigint, random: Random): boolean {
  return uniformBelow(denominator, random) < numerator;
}

/**
 * Bernoulli(exp(−γ)) for a rational γ = numerator/denominator ≥ 0 (CKS 2020, Algorithm 1):
 * for γ ≤ 1, K is the first index with a failed Bernoulli(γ/K) and P(K odd) = e^{−γ}
 * (the alternating series of the exponential); for γ > 1, e^{−γ} = (e^{−1})^⌊γ⌋·e^{−(γ−⌊γ⌋)}.
 *
 * @example
 * ```ts
 * import { bernoulliExpMinus, createSecureRandom } from "equipoise/privacy/accounting";
 * const accept = bernoulliExpMinus(3n, 2n, createSecureRandom()); // true with probability e^{−3/2}
 * ```
 */
export function bernoulliExpMinus(numerator: bigint, denominator: bigint, random: Random): boolean {
  if (numerator < 0n || denominator <= 0n) throw new RangeError("bernoulliExpMinus needs γ >= 0");
  if (numerator <= denominator) {
    let k = 1n;
    while (bernoulliRational(numerator, denominator * k, random)) k++;
    return k % 2n === 1n;
  }
  const whole = numerator / denominator;
  for (let i = 0n; i < whole; i++) if (!bernoulliExpMinus(1n, 1n, random)) return false;
  return bernoulliExpMinus(numerator - whole * denominator, denominator, random);
}

/**
 * One draw of the discrete Laplace distribution with scale τ = scale.numerator/scale.denominator:
 * P(k) = tanh(1/(2τ))·e^{−|k|/τ} for k ∈ ℤ (CKS 2020, Algorithm 2).
 *
 * @example
 * ```ts
 * import { createSecureRandom, sampleDiscreteLaplace } from "equipoise/privacy/accounting";
 * const noise = sampleDiscreteLaplace({ numerator: 2n, denominator: 1n }, createSecureRandom()); // a bigint, scale 2
 * ```
 */
export function sampleDiscreteLaplace(scale: Rational, random: Random): bigint {
  const t = scale.numerator;
  const s = scale.denominator;
  if (t <= 0n || s <= 0n) throw new RangeError("the discrete Laplace scale must be > 0");
  for (;;) {
    const u = uniformBelow(t, random);
    if (!bernoulliExpMinus(u, t, random)) continue;
    let v = 0n;
    while (bernoulliExpMinus(1n, 1n, random)) v++;
    const magnitude = (u + t * v) / s;
    const negative = (random.uint32() & 1) === 1;
    if (negative && magnitude === 0n) continue;
    return negative ? -magnitude : magnitude;
  }
}

/** ⌊√n⌋ by Newton's iteration from above (it decreases monotonically to the floor). */
function integerSquareRoot(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(bitLength(n) / 2));
  for (;;) {
    const next = (x + n / x) >> 1n;
    if (next >= x) return x;
    x = next;
  }
}

/**
 * One draw of the discrete Gaussian N_ℤ(0, σ²) with σ² = variance.numerator/variance.denominator:
 * P(k) ∝ e^{−k²/(2σ²)} (CKS 2020, Algorithm 3: a discrete Laplace proposal with scale
 * t = ⌊σ⌋ + 1, accepted with probability e^{−(|Y| − σ²/t)²/(2σ²)}).
 *
 * @example
 * ```ts
 * import { createSecureRandom, sampleDiscreteGaussian } from "equipoise/privacy/accounting";
 * const noise = sampleDiscreteGaussian({ numerator: 4n, denominator: 1n }, createSecureRandom()); // N_ℤ(0, 4)
 * ```
 */
export function sampleDiscreteGaussian(variance: Rational, random: Random): bigint {
  const a = variance.numerator;
  const b = variance.denominator;
  if (a <= 0n || b <= 0n) throw new RangeError("the discrete Gaussian variance must be > 0");
  const t = integerSquareRoot(a / b) + 1n; // ⌊√(a/b)⌋ = ⌊√⌊a/b⌋⌋
  const laplaceScale: Rational = { numerator: t, denominator: 1n };
  const acceptDenominator = 2n * a * b * t * t;
  for (;;) {
    const y = sampleDiscreteLaplace(laplaceScale, random);
    const magnitude = y < 0n ? -y : y;
    const gap = magnitude * b * t - a;
    // γ = (|y| − σ²/t)²/(2σ²) = (|y|·b·t − a)² / (2·a·b·t²).
    if (bernoulliExpMinus(gap * gap, acceptDenominator, random)) return y;
  }
}

/**
 * P(k) of the discrete Laplace with scale τ: tanh(1/(2τ))·e^{−|k|/τ}.
 *
 * @example
 * ```ts
 * import { discreteLaplaceProbability } from "equipoise/privacy/accounting";
 * discreteLaplaceProbability(0, 1); // tanh(1/2) ≈ 0.4621
 * ```
 */
export function discreteLaplaceProbability(k: number, scale: number): number {
  return Math.tanh(1 / (2 * scale)) * Math.exp(-Math.abs(k) / scale);
}

/**
 * P(k) of N_ℤ(0, σ²), normalised by summing e^{−j²/(2σ²)} until the terms vanish.
 *
 * @example
 * ```ts
 * import { discreteGaussianProbability } from "equipoise/privacy/accounting";
 * discreteGaussianProbability(0, 1); // ≈ 0.3989, within 1e-8 of the continuous density at 0
 * ```
 */
export function discreteGaussianProbability(k: number, variance: number): number {
  let normaliser = 1;
  for (let j = 1; ; j++) {
    const term = Math.exp((-j * j) / (2 * variance));
    normaliser += 2 * term;
    if (term < 1e-17 * normaliser) break;
  }
  return Math.exp((-k * k) / (2 * variance)) / normaliser;
}
