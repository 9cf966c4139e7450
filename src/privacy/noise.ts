/**
 * Where every private path gets its Gaussian noise: DP-SGD's clip-and-noise step,
 * client-level DP in federated learning, noisy statistics. One interface so that the
 * sampler that resists floating-point attacks is written once.
 *
 * `add(target, std)` adds independent N(0, std²) noise to every entry of `target`.
 * A `secure` source draws from the platform's cryptographic generator and is what a
 * release must use; a `seeded` source is reproducible and marks its run not for release.
 *
 * The attack (Mironov 2012 for Laplace; Jin, McMurtry, Rubinstein & Ohrimenko 2022 and
 * Holohan & Braghin 2021 for Gaussian samplers): x + z rounded to a double takes values
 * whose low-order bits depend on x, so many outputs for x are impossible for a neighbour
 * x' and reveal the input with certainty (test/privacy/noise.test.ts measures 44% of the
 * outputs of the plain `x + z` on doubles for x = 0 vs x' = 1, σ = 1). Opacus's secure mode
 * answers with a sum of four normals (Holohan & Braghin §5.1), which makes the test
 * "is y − x' a possible sampler output?" expensive but leaves it well defined.
 *
 * This sampler removes the test instead (the alternative of snapping, Mironov §5.2, and of
 * lattice noise, Canonne, Kamath & Steinke 2020). With γ = 2^(⌊log₂ std⌋ − 24), a power of
 * two chosen from std alone:
 *   output = γ·(round(x/γ) + k),  k = round(std·z/γ),  z standard normal,
 * where both terms are exact doubles and their sum is rounded (to a double, then to the
 * target's format) as a function of the exact lattice point: post-processing. The lattice is
 * the same for every input, and with the secure generator every lattice point within ±38 std
 * of the input has positive probability: already with the angle 0 or π (z = ±r), r takes a
 * value in every cell of width γ ≤ 2^-24 std, because u₁ has 53 bits above 2^-21 and is
 * refined with further words below (secure-random.ts). So the set of possible outputs
 * reveals nothing: the test that breaks the plain sum finds no impossible output (0%).
 *
 * What it costs and what it does not cover:
 *   - rounding x to γℤ moves each coordinate by ≤ γ/2, so the L2 sensitivity C of a
 *     d-dimensional sum becomes at most C + γ√d: pass C to `add`, which then draws with
 *     the slightly larger std that covers it (`coveringStd`; d = 11,010, σ = 1: +6.3e-6
 *     relative), or account with `snappedNoiseMultiplier` instead;
 *   - k follows the rounded Gaussian only up to the sampler's floating-point error (the
 *     Box–Muller output is within a few ulps of the exact transform of its 53 + 32 input
 *     bits, ~1e-8 of a cell): the probabilities of lattice points are that close to the
 *     ideal ones, not exact; the exact integer samplers (mechanisms/exact-sampling.ts) are
 *     for releases small enough to afford them;
 *   - timing: the time of the arithmetic is not constant (subnormal operands are slower on
 *     many CPUs, Andrysco et al. 2015); run times are not treated as secret here.
 */
import { createRandom, type Random } from "../common/rng.js";
import { createSecureRandom } from "./secure-random.js";

/**
 * The one source of Gaussian noise of every private path: secure ({@link secureGaussianNoise}) or
 * seeded for reproducible experiments ({@link seededGaussianNoise}, not for release). Its output is
 * snapped to a lattice that resists the floating-point attack (Mironov 2012).
 *
 * @example
 * ```ts
 * import { type GaussianNoise, seededGaussianNoise } from "equipoise/privacy/accounting";
 * const noise: GaussianNoise = seededGaussianNoise(7); // kind "seeded": reproducible, not for release
 * const gradient = new Float32Array(10); // a clipped gradient sum, clipping norm C = 0.5
 * noise.add(gradient, 1.1 * 0.5, 0.5); // std = σ·C, sensitivity C
 * ```
 */
export interface GaussianNoise {
  readonly kind: "secure" | "seeded";
  /**
   * Adds N(0, std²) noise to every entry. Given the L2 `sensitivity` of `target` (DP-SGD: the
   * clipping norm C, with std = σ·C), std is raised just enough to cover the lattice's extra
   * sensitivity, so that the accountant can be told σ = std/C unchanged.
   */
  add(target: Float32Array | Float64Array, std: number, sensitivity?: number): void;
}

/**
 * log₂ of the ratio std/γ is in [24, 25): the lattice is 2^-24..2^-25 of the noise scale.
 *
 * @example
 * ```ts
 * import { NOISE_LATTICE_BITS, noiseLatticeSpacing } from "equipoise/privacy/accounting";
 * NOISE_LATTICE_BITS; // 24
 * noiseLatticeSpacing(1) === 2 ** -NOISE_LATTICE_BITS; // true: noise of std 1 lands on multiples of 2^-24
 * ```
 */
export const NOISE_LATTICE_BITS = 24;

const exponentView = new DataView(new ArrayBuffer(8));

/** ⌊log₂ x⌋ for a positive normal double, exactly (from its exponent bits). */
function floorLog2(x: number): number {
  exponentView.setFloat64(0, x);
  return ((exponentView.getUint16(0) >> 4) & 0x7ff) - 1023;
}

/**
 * The output lattice spacing γ for noise of standard deviation std: 2^(⌊log₂ std⌋ − 24).
 *
 * @example
 * ```ts
 * import { noiseLatticeSpacing } from "equipoise/privacy/accounting";
 * noiseLatticeSpacing(1); // 2^-24 ≈ 5.96e-8: noise of std 1 is a multiple of this
 * ```
 */
export function noiseLatticeSpacing(std: number): number {
  if (!(std >= 2 ** -1000 && Number.isFinite(std)))
    throw new RangeError(`noise std must be finite and >= 2^-1000, got ${std}`);
  return 2 ** (floorLog2(std) - NOISE_LATTICE_BITS);
}

/**
 * The noise multiplier to give the accountant for noise std = σ·C added by this sampler to a
 * d-dimensional sum of L2 sensitivity C without `sensitivity` in `add`:
 * σ·C/(C + γ√d) ≥ σ/(1 + σ√d·2^-24), the bound used.
 *
 * @example
 * ```ts
 * import { snappedNoiseMultiplier } from "equipoise/privacy/accounting";
 * snappedNoiseMultiplier(1, 1_000_000); // ≈ 0.99994: the σ to account for 1e6 coordinates on the lattice
 * ```
 */
export function snappedNoiseMultiplier(noise: number, dimension: number): number {
  if (!(noise >= 0) || !(dimension >= 0)) throw new RangeError("noise and dimension must be >= 0");
  return noise / (1 + noise * Math.sqrt(dimension) * 2 ** -NOISE_LATTICE_BITS);
}

/**
 * The std to draw with so that noise on the lattice of that std covers sensitivity C + γ√d at
 * the privacy of std on sensitivity C: the least fixed point of s = std·(1 + γ(s)√d/C), reached
 * in a step or two because γ(s) is a power of two that grows with s.
 */
export function coveringStd(std: number, sensitivity: number, dimension: number): number {
  if (!(sensitivity > 0 && Number.isFinite(sensitivity)))
    throw new RangeError(`sensitivity must be finite and > 0, got ${sensitivity}`);
  const root = Math.sqrt(dimension);
  let covering = std;
  for (;;) {
    const next = std * (1 + (noiseLatticeSpacing(covering) * root) / sensitivity);
    if (next <= covering) return covering;
    if (next > 2 * std)
      throw new RangeError(`lattice noise cannot cover ${dimension} values at sensitivity ${sensitivity}`);
    covering = next;
  }
}

/** x rounded to the nearest multiple of γ (ties up); beyond 2^52·γ every double already is one. */
function snap(x: number, gamma: number): number {
  return Math.round(x / gamma) * gamma;
}

class LatticeGaussianNoise implements GaussianNoise {
  private buffer = new Float64Array(0);
  constructor(
    readonly kind: "secure" | "seeded",
    private readonly random: Random,
  ) {}

  add(target: Float32Array | Float64Array, requestedStd: number, sensitivity?: number): void {
    if (!(requestedStd >= 0 && Number.isFinite(requestedStd)))
      throw new RangeError(`noise std must be finite and ≥ 0, got ${requestedStd}`);
    if (requestedStd === 0) return;
    const std =
      sensitivity === undefined ? requestedStd : coveringStd(requestedStd, sensitivity, target.length);
    const gamma = noiseLatticeSpacing(std);
    const cellsPerStd = std / gamma; // exact: a power-of-two rescaling
    if (this.buffer.length < target.length) this.buffer = new Float64Array(target.length);
    const z = this.buffer.subarray(0, target.length);
    this.random.fillNormal(z);
    for (let i = 0; i < target.length; i++) {
      target[i] = snap(target[i], gamma) + Math.round(cellsPerStd * z[i]) * gamma;
    }
  }
}

/**
 * Noise for releases: cryptographically secure, on the lattice above.
 *
 * @example
 * ```ts
 * import { secureGaussianNoise } from "equipoise/privacy/accounting";
 * const noise = secureGaussianNoise();
 * const gradient = new Float64Array(4);
 * noise.add(gradient, 1.0 * 1.0, 1.0); // std σ·C with σ = 1, clipping norm C = 1 as the sensitivity
 * ```
 */
export function secureGaussianNoise(): GaussianNoise {
  return new LatticeGaussianNoise("secure", createSecureRandom());
}

/**
 * Reproducible noise for experiments (same lattice sampler); a run that uses it is not for release.
 *
 * @example
 * ```ts
 * import { seededGaussianNoise } from "equipoise/privacy/accounting";
 * const noise = seededGaussianNoise(1); // same draws on every run: for tests, not for release
 * noise.add(new Float64Array(4), 1.0, 1.0);
 * ```
 */
export function seededGaussianNoise(seed: number): GaussianNoise {
  return new LatticeGaussianNoise("seeded", createRandom(seed));
}
