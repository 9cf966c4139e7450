/**
 * The one clip-and-noise step of every private training path (DP-SGD of one model in
 * dp-sgd.ts, K models at once in train/ensemble.ts; federated clients and audits
 * reach it through those): per-example clip factors min(1, C/||gᵢ||), and, from the
 * clipped sum Σ min(1, C/||gᵢ||)·gᵢ, the released gradient
 *
 *   (Σ clipped gᵢ + N(0, σ²C²·I)) / (q·N)
 *
 * (Abadi et al. 2016, as Opacus computes it: the denominator is the EXPECTED batch
 * size q·N, because the realised size of a Poisson batch is itself private). Adding
 * or removing one example changes the clipped sum by at most C, so this is the
 * sampled Gaussian mechanism with noise multiplier σ that the accountants analyse.
 *
 * The noise is drawn through `GaussianNoise.add` on the clipped sum itself, in
 * double precision, so a sampler that resists floating-point attacks (Mironov 2012)
 * sees the value it protects; dividing by q·N afterwards is post-processing. The
 * accountant is a required argument and every `privatise` call records its step:
 * there is no way to obtain a noised gradient without the step being accounted.
 *
 * A step may release a second statistic of the same batch (group-aware clipping's
 * counts of clipped examples, Xu, Du & Wu 2021): a vector of L2 sensitivity 1 with
 * noise N(0, σ_c²·I). Both Gaussian releases of one Poisson batch are one Gaussian
 * release of the concatenated vector (Σ clipped gᵢ / C, counts · σ/σ_c), whose
 * sensitivity is √(1 + σ²/σ_c²) at noise σ: the step is accounted ONCE, as a sampled
 * Gaussian step with noise multiplier (σ⁻² + σ_c⁻²)^(−1/2) (Andrew et al. 2021, §3.1).
 * Accounting the two as separate sampled steps would under-count: the amplification
 * by sampling happens once for both.
 */
import * as tf from "@tensorflow/tfjs-core";
import { UserError } from "../common/errors.js";
import type { PrivateGradientStep } from "../train/index.js";
import type { Accountant } from "./accountants/accountant.js";
import type { GaussianNoise } from "./noise.js";

/**
 * Settings of one private gradient step: C, σ, the sample rate and data size, the noise source and the accountant.
 *
 * @example
 * ```ts
 * import { privacy } from "equipoise";
 * import { createAccountant, secureGaussianNoise } from "equipoise/privacy/accounting";
 * const options: privacy.ClipAndNoiseOptions = {
 *   clip: 1, noiseMultiplier: 1.1, sampleRate: 64 / 6400, dataSize: 6400,
 *   noise: secureGaussianNoise(), accountant: createAccountant("rdp"),
 * };
 * const step = privacy.clipAndNoise(options); // every privatise() is then one accounted step
 * ```
 */
export interface ClipAndNoiseOptions {
  /** Clipping norm C. */
  clip: number;
  /** Noise multiplier σ: the noise std on the clipped sum is σ·C. */
  noiseMultiplier: number;
  /** Poisson sample rate q of the batches. */
  sampleRate: number;
  /** N, the number of training examples q applies to. */
  dataSize: number;
  /** Where the Gaussian noise comes from (secure for a release, seeded for experiments). */
  noise: GaussianNoise;
  /** Records every step taken; required. */
  accountant: Accountant;
  /**
   * σ_c of a companion release of every step (a statistic of the same batch with L2
   * sensitivity 1, given to `privatise`); the steps are then accounted jointly.
   */
  companionNoiseMultiplier?: number;
}

/**
 * The clip-and-noise step {@link clipAndNoise} makes: its noise source, accountant and steps taken, and `privatise`.
 *
 * @example
 * ```ts
 * import { privacy } from "equipoise";
 * import { createAccountant, secureGaussianNoise } from "equipoise/privacy/accounting";
 * const step: privacy.ClipAndNoise = privacy.clipAndNoise({
 *   clip: 1, noiseMultiplier: 1.1, sampleRate: 0.01, dataSize: 6400, noise: secureGaussianNoise(), accountant: createAccountant("rdp"),
 * });
 * step.privatise(new Float32Array(10)); // a clipped gradient sum: noised, then divided by q·N, in place
 * console.log(step.expectedBatchSize, step.steps, step.accountedNoiseMultiplier); // 64, 1, 1.1
 * ```
 */
export interface ClipAndNoise extends PrivateGradientStep {
  readonly noise: GaussianNoise;
  readonly accountant: Accountant;
  /** q·N, the denominator of the released gradient. */
  readonly expectedBatchSize: number;
  /** Steps taken so far (each recorded in the accountant). */
  readonly steps: number;
  /** The noise multiplier every step is accounted at: σ, or (σ⁻² + σ_c⁻²)^(−1/2) with a companion release. */
  readonly accountedNoiseMultiplier: number;
  /** σ_c of the companion release, when there is one. */
  readonly companionNoiseMultiplier?: number;
  /**
   * `privatise`, and, with a companion release, N(0, σ_c²) added to `companion` in place
   * (required exactly when the step was set up with `companionNoiseMultiplier`).
   */
  privatise(clippedSum: Float32Array, companion?: Float64Array): void;
}

/**
 * (σ⁻² + σ_c⁻²)^(−1/2): the noise multiplier of two Gaussian releases of one batch, taken together.
 *
 * @example
 * ```ts
 * import { privacy } from "equipoise";
 * privacy.jointNoiseMultiplier(1, 1); // two releases at σ = 1 cost as much as one at 1/√2 ≈ 0.7071
 * ```
 */
export function jointNoiseMultiplier(noiseMultiplier: number, companionNoiseMultiplier: number): number {
  if (noiseMultiplier === 0 || companionNoiseMultiplier === 0) return 0;
  return 1 / Math.sqrt(noiseMultiplier ** -2 + companionNoiseMultiplier ** -2);
}

/**
 * Added to a norm before dividing: keeps the factor finite for a zero gradient and
 * never raises it above 1.
 */
const NORM_FLOOR = 1e-12;

/**
 * min(1, C / ||gᵢ||) for every example: the factors that scale gᵢ to norm ≤ C.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { nn, privacy } from "equipoise";
 * await nn.initBackend("cpu");
 * const factors = privacy.clipFactors(tf.tensor1d([0.5, 2, 4]), 1);
 * // ≈ [1, 0.5, 0.25]: the first gradient is inside the ball, the others are scaled onto it
 * ```
 */
export function clipFactors(norms: tf.Tensor, clip: number | tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.minimum(1, tf.div(clip, tf.add(norms, NORM_FLOOR))));
}

/**
 * min(1, C / ‖gᵢ‖) for one norm: {@link clipFactors} on the host (the host kernels' DP-SGD).
 *
 * @example
 * ```ts
 * import { privacy } from "equipoise";
 * privacy.clipFactor(2, 1); // 0.5
 * privacy.clipFactor(0.5, 1); // 1: inside the ball
 * ```
 */
export function clipFactor(norm: number, clip: number): number {
  return Math.min(1, clip / (norm + NORM_FLOOR));
}

/**
 * The release of one DP-SGD step, shared by every private path: adds N(0, σ²C²) to a clipped
 * gradient sum, divides by q·N, and records the step in the accountant.
 *
 * @example
 * ```ts
 * import { privacy } from "equipoise";
 * import { createAccountant, secureGaussianNoise } from "equipoise/privacy/accounting";
 * declare const clippedSum: Float32Array; // Σ of the batch's clipped gradients
 * const step = privacy.clipAndNoise({
 *   clip: 1, noiseMultiplier: 1.1, sampleRate: 0.01, dataSize: 6400,
 *   noise: secureGaussianNoise(), accountant: createAccountant("rdp"),
 * });
 * step.privatise(clippedSum); // noised, then divided by q·N, in place
 * console.log(step.steps, step.accountant.spent(1e-5).epsilon); // 1 step recorded
 * ```
 */
export function clipAndNoise(options: ClipAndNoiseOptions): ClipAndNoise {
  const { clip, noiseMultiplier, sampleRate, dataSize, noise, accountant, companionNoiseMultiplier } =
    options;
  if (!(clip > 0 && Number.isFinite(clip))) throw new RangeError(`clipping norm must be > 0, got ${clip}`);
  if (!(noiseMultiplier >= 0 && Number.isFinite(noiseMultiplier)))
    throw new RangeError(`noise multiplier must be ≥ 0, got ${noiseMultiplier}`);
  if (!(sampleRate > 0 && sampleRate <= 1))
    throw new RangeError(`sample rate must be in (0, 1], got ${sampleRate}`);
  if (!(Number.isInteger(dataSize) && dataSize >= 1))
    throw new RangeError(`the data size must be a whole number ≥ 1, got ${dataSize}`);
  if (
    companionNoiseMultiplier !== undefined &&
    !(companionNoiseMultiplier > 0 && Number.isFinite(companionNoiseMultiplier))
  )
    throw new RangeError(`the companion noise multiplier must be > 0, got ${companionNoiseMultiplier}`);
  const accountedNoiseMultiplier =
    companionNoiseMultiplier === undefined
      ? noiseMultiplier
      : jointNoiseMultiplier(noiseMultiplier, companionNoiseMultiplier);
  const std = noiseMultiplier * clip;
  if (!Number.isFinite(std)) {
    throw new UserError(
      `the noise std σ·C = ${noiseMultiplier} × ${clip} is not a finite number: the clipping norm ${clip} is too large`,
    );
  }
  const expectedBatchSize = sampleRate * dataSize;
  let buffer = new Float64Array(0);
  let steps = 0;
  return {
    clip,
    noiseMultiplier,
    sampleRate,
    datasetSize: dataSize,
    expectedBatchSize,
    noise,
    accountant,
    accountedNoiseMultiplier,
    ...(companionNoiseMultiplier !== undefined ? { companionNoiseMultiplier } : {}),
    get steps() {
      return steps;
    },
    privatise(clippedSum: Float32Array, companion?: Float64Array): void {
      if ((companion === undefined) !== (companionNoiseMultiplier === undefined)) {
        throw new Error(
          companion === undefined
            ? "this step releases a companion statistic with every gradient: pass it to privatise"
            : "this step was set up without a companion release (companionNoiseMultiplier)",
        );
      }
      if (buffer.length !== clippedSum.length) buffer = new Float64Array(clippedSum.length);
      buffer.set(clippedSum);
      // Passing C lets the lattice sampler widen its std to cover the rounding of the
      // sum onto its lattice (sensitivity C + γ√d; noise.ts), so σ stays what is accounted.
      noise.add(buffer, std, clip);
      for (let i = 0; i < buffer.length; i++) clippedSum[i] = buffer[i] / expectedBatchSize;
      if (companion !== undefined && companionNoiseMultiplier !== undefined)
        noise.add(companion, companionNoiseMultiplier, 1);
      accountant.step(sampleRate, accountedNoiseMultiplier);
      steps++;
    },
  };
}
