/**
 * Group-aware adaptive clipping, after DPSGD-F (Xu, Du & Wu 2021, "Removing disparate
 * impact on model accuracy in differentially private stochastic gradient descent").
 *
 * Clipping hurts the groups whose gradients are large (Tran et al. 2021): DPSGD-F gives
 * every group k its own clipping bound, larger for a group whose examples are clipped
 * more often than the batch as a whole:
 *
 *   C_k = C₀ · (1 + γ · min(R, (õ_k / m̃_k) / (õ / m̃))),
 *
 * o_k the group's examples with ‖gᵢ‖ > C₀, m_k the group's examples, õ, m̃ their noisy
 * releases, õ = Σ õ_k, m̃ = Σ m̃_k, and R a cap (a group's bound stays ≤ C₀(1 + γR)).
 * The clipped sum then has sensitivity C_max = max_k C_k, so its noise is σ·C_max: the
 * sum is formed with every example scaled by C₀/C_max (each contribution ≤ C₀), released
 * by the one clip-and-noise primitive at clipping norm C₀, and multiplied back by
 * C_max/C₀ (post-processing). Noise per coordinate is σ·C_max, as in the paper.
 *
 * Privacy of the group statistics. The counts are part of every step's release: the
 * vector (o, m)/√2 has L2 sensitivity 1 under adding or removing one example (one o_k
 * and one m_k change by ≤ 1), and gets N(0, σ_c²) on each coordinate as the companion
 * release of the step (clip-and-noise.ts): the step is accounted once at
 * (σ⁻² + σ_c⁻²)^(−1/2), which this factory sets equal to the noise multiplier makePrivate
 * planned, spending the share ρ of the step's Gaussian "precision" σ⁻² on the counts
 * (σ_c = σ_plan/√ρ, σ = σ_plan/√(1 − ρ)). So ε covers the counts and the gradient.
 *
 * One departure from the paper, for soundness with one release per step: the bounds of
 * step t come from the counts released up to step t − 1 (an exponential moving average
 * of the noisy counts, post-processing), not from the counts of step t's own batch,
 * which would have to be released before the batch is clipped. Step 1 clips at C₀.
 *
 * Examples whose group is unknown (−1) are clipped at C₀ and counted in no group.
 */
import * as tf from "@tensorflow/tfjs-core";
import { UserError } from "../common/errors.js";
import { type Reading, readNow, type Sequential } from "../nn/index.js";
import { flatValues, tensorsOver } from "../privacy/dp-sgd.js";
import {
  type ClippingObserver,
  clipAndNoise,
  clipFactors,
  clippingObservation,
  type DpSgdGradientComputer,
  type DpSgdOptions,
  type PrivateGradientFactory,
} from "../privacy/index.js";
import type { GradientBatch, GradientResult } from "../train/index.js";

/**
 * Settings of DPSGD-F (Xu, Du & Wu 2021): the group of every row, γ, the ratio cap, the counts' share of the noise, and the smoothing.
 *
 * @example
 * ```ts
 * import { type GroupClippingOptions, groupAwareClipping } from "equipoise/interplay";
 * declare const groupOfRow: Int32Array; // the sensitive group of every training row (−1 for none)
 * const options: GroupClippingOptions = { groupOfRow, groupCount: 2, gamma: 1, maxRatio: 3, countShare: 0.05, smoothing: 0.1 }; // the defaults, spelled out
 * const factory = groupAwareClipping(options); // pass as `privateGradient` to fitRecipe
 * ```
 */
export interface GroupClippingOptions {
  /** Group of every training row, −1 for none. */
  groupOfRow: Int32Array;
  groupCount: number;
  /** γ ≥ 0: how strongly a group's relative clipping raises its bound (default 1; 0 is DP-SGD). */
  gamma?: number;
  /** Cap R on the relative clipping ratio (default 3). */
  maxRatio?: number;
  /** ρ ∈ (0, 1): share of each step's Gaussian precision spent on the counts (default 0.05). */
  countShare?: number;
  /** Weight of the newest step in the moving average of the noisy counts (default 0.1). */
  smoothing?: number;
}

/**
 * The clipping bounds in force at each step (public: functions of released counts only).
 *
 * @example
 * ```ts
 * import { type GroupClippingTrace, groupAwareClipping } from "equipoise/interplay";
 * declare const groupOfRow: Int32Array; // the sensitive group of every training row (−1 for none)
 * const factory = groupAwareClipping({ groupOfRow, groupCount: 2 });
 * // ... train with it (fitRecipe's privateGradient), then:
 * const trace: GroupClippingTrace = factory.trace;
 * trace.bounds.at(-1); // the last step's C_k of each group
 * ```
 */
export interface GroupClippingTrace {
  /** C_k of every step, steps × groups. */
  bounds: number[][];
}

/**
 * Group-aware clipping as a private gradient factory, with the bounds it applied (what {@link groupAwareClipping} returns).
 *
 * @example
 * ```ts
 * import { fit } from "equipoise";
 * import type { data } from "equipoise";
 * import { type GroupClippingFactory, groupAwareClipping } from "equipoise/interplay";
 * declare const train: data.Split; // training rows with a sensitive attribute
 * const recipe = fit.parseRecipe({ model: "logreg", epochs: 2, batchSize: 256, privacy: { clip: 1, noiseMultiplier: 1 } });
 * const factory: GroupClippingFactory = groupAwareClipping({ groupOfRow: train.sensitive[0].codes, groupCount: train.sensitive[0].categories.length });
 * const result = fit.fitRecipe(recipe, { train, numClasses: 2, inputShape: [train.X.cols] }, { privateGradient: factory });
 * factory.trace.bounds.length; // one row of group bounds per step
 * ```
 */
export interface GroupClippingFactory extends PrivateGradientFactory {
  readonly trace: GroupClippingTrace;
}

/**
 * σ and σ_c whose joint step is accounted at `planned`: σ⁻² + σ_c⁻² = planned⁻².
 *
 * @example
 * ```ts
 * import { splitNoiseMultiplier } from "equipoise/interplay";
 * splitNoiseMultiplier(1, 0.05); // { gradient: ≈ 1.026, counts: ≈ 4.47 }: 5 % of the precision on the counts
 * ```
 */
export function splitNoiseMultiplier(
  planned: number,
  countShare: number,
): { gradient: number; counts: number } {
  if (!(countShare > 0 && countShare < 1))
    throw new UserError(
      `the share of the noise spent on the group counts must be in (0, 1), got ${countShare}`,
    );
  if (!(planned > 0))
    throw new UserError("group-aware clipping needs a positive noise multiplier (its counts are noised too)");
  return { gradient: planned / Math.sqrt(1 - countShare), counts: planned / Math.sqrt(countShare) };
}

/**
 * The bounds C_k from smoothed noisy counts (clipped o_k, all m_k): pure. A group whose
 * noisy count is not positive keeps C₀·(1 + γ) (relative ratio 1), as does every group
 * when the batch as a whole shows no clipping.
 *
 * @example
 * ```ts
 * import { groupClipBounds } from "equipoise/interplay";
 * // group 0 had 5 of 10 examples clipped, group 1 had 1 of 10; C₀ = 1, γ = 1, ratio cap 3
 * groupClipBounds(1, [5, 1], [10, 10], 1, 3); // ≈ [2.67, 1.33]: the more-clipped group gets the larger bound
 * ```
 */
export function groupClipBounds(
  base: number,
  clipped: ArrayLike<number>,
  examples: ArrayLike<number>,
  gamma: number,
  maxRatio: number,
): Float64Array {
  const k = clipped.length;
  let totalClipped = 0;
  let totalExamples = 0;
  for (let g = 0; g < k; g++) {
    totalClipped += Math.max(0, clipped[g]);
    totalExamples += Math.max(0, examples[g]);
  }
  const overall = totalExamples > 0 ? totalClipped / totalExamples : 0;
  return Float64Array.from({ length: k }, (_, g) => {
    const m = examples[g];
    const ratio = overall > 0 && m > 0 ? Math.max(0, clipped[g]) / m / overall : 1;
    return base * (1 + gamma * Math.min(maxRatio, ratio));
  });
}

/**
 * Group-aware clipping as a private gradient for makePrivate / fitRecipe (`privateGradient`).
 *
 * @example
 * ```ts
 * import { privacy } from "equipoise";
 * import { groupAwareClipping } from "equipoise/interplay";
 * declare const groupOfRow: Int32Array; // the sensitive group of every training row (−1 for none)
 * declare const options: privacy.MakePrivateOptions; // the DP-SGD run's model, data size, noise, clip...
 * const gradient = groupAwareClipping({ groupOfRow, groupCount: 2, gamma: 1 });
 * const engine = privacy.makePrivate({ ...options, gradient }); // DPSGD-F in place of DP-SGD, same accountant
 * ```
 */
export function groupAwareClipping(options: GroupClippingOptions): GroupClippingFactory {
  const gamma = options.gamma ?? 1;
  const maxRatio = options.maxRatio ?? 3;
  const countShare = options.countShare ?? 0.05;
  const smoothing = options.smoothing ?? 0.1;
  const { groupOfRow, groupCount } = options;
  if (!(gamma >= 0 && Number.isFinite(gamma))) throw new UserError(`γ must be ≥ 0, got ${gamma}`);
  if (!(maxRatio >= 1 && Number.isFinite(maxRatio)))
    throw new UserError(`the ratio cap must be ≥ 1, got ${maxRatio}`);
  if (!(smoothing > 0 && smoothing <= 1))
    throw new UserError(`smoothing must be in (0, 1], got ${smoothing}`);
  if (!(Number.isInteger(groupCount) && groupCount >= 1))
    throw new UserError(`group-aware clipping needs at least one group, got ${groupCount}`);
  // Fail before training, not mid-run: a split noise multiplier of 0 has no companion release.
  splitNoiseMultiplier(1, countShare);
  const trace: GroupClippingTrace = { bounds: [] };
  return {
    name: `dpsgd-f(γ=${gamma}, ρ=${countShare})`,
    trace,
    create(dp: DpSgdOptions): DpSgdGradientComputer {
      if (dp.clipping && dp.clipping !== "flat")
        throw new UserError("group-aware clipping clips flat (whole-gradient) norms");
      const split = splitNoiseMultiplier(dp.noiseMultiplier, countShare);
      const step = clipAndNoise({
        ...dp,
        noiseMultiplier: split.gradient,
        companionNoiseMultiplier: split.counts,
      });
      return groupClippedGradient(step, dp.observer, {
        groupOfRow,
        groupCount,
        gamma,
        maxRatio,
        smoothing,
        trace,
      });
    },
  };
}

function groupClippedGradient(
  step: ReturnType<typeof clipAndNoise>,
  observer: ClippingObserver | undefined,
  settings: {
    groupOfRow: Int32Array;
    groupCount: number;
    gamma: number;
    maxRatio: number;
    smoothing: number;
    trace: GroupClippingTrace;
  },
): DpSgdGradientComputer {
  const { groupOfRow, groupCount, gamma, maxRatio, smoothing, trace } = settings;
  const base = step.clip;
  const k = groupCount;
  const smoothedClipped = new Float64Array(k);
  const smoothedExamples = new Float64Array(k);
  let released = 0;
  let bounds: Float64Array = new Float64Array(k).fill(base);
  const timings = { steps: 0, noiseMs: 0, totalMs: 0 };

  function* computeReading(model: Sequential, batch: GradientBatch): Reading<GradientResult> {
    if (
      batch.datasetSize !== step.datasetSize ||
      Math.abs(batch.expectedBatchSize - step.expectedBatchSize) > 1e-9 * step.datasetSize
    )
      throw new Error(
        "group-aware clipping was set up for other Poisson batches: the accounting would be wrong",
      );
    const started = performance.now();
    trace.bounds.push(Array.from(bounds));
    const rows = batch.indices.length;
    const groups = Int32Array.from(batch.indices, (row) => groupOfRow[row] ?? -1);
    const rowBounds = Float32Array.from(groups, (g) => (g >= 0 && g < k ? bounds[g] : base));
    const largest = Math.max(base, ...bounds);
    const counts = new Float64Array(2 * k);
    let sums: tf.Tensor[];
    let lossSum: tf.Scalar;
    let observation: (() => void) | undefined;
    if (rows === 0) {
      sums = model.parameters().map((p) => tf.zerosLike(p));
      lossSum = tf.scalar(0);
    } else {
      const pass = model.backwardPass(batch.x, batch.labels);
      try {
        lossSum = tf.tidy(() => {
          const losses = pass.losses();
          return (
            batch.sampleWeights ? tf.sum(tf.mul(losses, batch.sampleWeights)) : tf.sum(losses)
          ) as tf.Scalar;
        });
        const norms = pass.norms();
        const normValues = yield norms;
        for (let i = 0; i < rows; i++) {
          const g = groups[i];
          if (g < 0 || g >= k) continue;
          counts[k + g]++;
          if (normValues[i] > base) counts[g]++;
        }
        const factors = tf.tidy(() => {
          const f = clipFactors(norms, tf.tensor1d(rowBounds));
          return (batch.sampleWeights ? tf.mul(f, batch.sampleWeights) : f) as tf.Tensor1D;
        });
        // Each contribution scaled to ≤ C₀: the primitive's sensitivity; scaled back after the release.
        const scaled = tf.mul(factors, base / largest) as tf.Tensor1D;
        sums = pass.weightedGradients(scaled);
        if (observer) {
          const seen = clippingObservation(
            observer,
            pass,
            { indices: batch.indices, norms, factors, clipBounds: rowBounds },
            { std: step.noiseMultiplier * largest, dimension: model.parameterCount },
          );
          observation = () => observer.observe(seen);
        }
        tf.dispose([norms, factors, scaled]);
      } finally {
        pass.dispose();
      }
    }
    const releaseStarted = performance.now();
    const flat = yield* flatValues(sums, model.parameterCount);
    for (let i = 0; i < counts.length; i++) counts[i] /= Math.SQRT2;
    step.privatise(flat, counts);
    timings.noiseMs += performance.now() - releaseStarted;
    observation?.();
    // Post-processing of this step's release: the rescaled gradient and the next step's bounds.
    const rescale = largest / base;
    for (let i = 0; i < flat.length; i++) flat[i] *= rescale;
    const weight = released === 0 ? 1 : smoothing;
    for (let g = 0; g < k; g++) {
      smoothedClipped[g] += weight * (counts[g] * Math.SQRT2 - smoothedClipped[g]);
      smoothedExamples[g] += weight * (counts[k + g] * Math.SQRT2 - smoothedExamples[g]);
    }
    released++;
    bounds = groupClipBounds(base, smoothedClipped, smoothedExamples, gamma, maxRatio);
    const gradients = tensorsOver(flat, model.parameterSpecs());
    timings.steps++;
    timings.totalMs += performance.now() - started;
    return { gradients, lossSum, count: batch.weightSum };
  }

  return {
    name: `dpsgd-f(clip=${base}, γ=${gamma})`,
    timings,
    step,
    compute: (model, batch) => readNow(computeReading(model, batch)),
    computeReading,
  };
}
