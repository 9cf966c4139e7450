/**
 * DP-SGD's per-batch gradient for one model (Abadi et al. 2016, as Opacus computes
 * it): each example's gradient clipped to norm C (over all parameters, or per layer
 * with C_l = C/√L so the total sensitivity is still C), summed, then released by the
 * one clip-and-noise primitive (clip-and-noise.ts: Gaussian noise of std σ·C, divided
 * by the expected batch size q·N, one accountant step).
 *
 * Plugs into the trainer as its GradientComputer, so the privacy spent is that of the
 * steps actually run.
 *
 * An optional `ClippingObserver` sees, per step, each example's norm before clipping,
 * its clip factor and the norm of each group's clipped sum (Tran et al. 2021's
 * diagnostics of who clipping and noise hurt). It receives copies, after the step's
 * release: it cannot change the noise, the clipped sum or the accounting. What it
 * records is a statistic of the private batch and is NOT covered by ε.
 */
import * as tf from "@tensorflow/tfjs-core";
import { UserError } from "../common/errors.js";
import { type BatchPass, type Reading, readNow, type Sequential } from "../nn/index.js";
import { checkPrivateSampling } from "../train/gradient.js";
import type { GradientBatch, GradientComputer, GradientResult } from "../train/index.js";
import {
  type ClipAndNoise,
  type ClipAndNoiseOptions,
  clipAndNoise,
  clipFactor,
  clipFactors,
} from "./clip-and-noise.js";

/**
 * How per-example gradients are clipped: one norm over all parameters ("flat"), or each layer to
 * norm C/√L (L layers with parameters), so that the whole gradient's norm stays ≤ C ("per-layer").
 *
 * @example
 * ```ts
 * import { privacy } from "equipoise";
 * import { createAccountant, secureGaussianNoise } from "equipoise/privacy/accounting";
 * const clipping: privacy.ClippingMode = "per-layer"; // each of the L layers clipped to C/√L
 * const computer = privacy.dpSgdGradient({
 *   clip: 1, noiseMultiplier: 1.1, sampleRate: 0.01, dataSize: 6400, noise: secureGaussianNoise(), accountant: createAccountant("rdp"), clipping,
 * });
 * computer.name; // "dp-sgd(per-layer, clip=1, noise=1.1)"
 * ```
 */
export type ClippingMode = "flat" | "per-layer";

/**
 * What one private step clipped, for diagnostics (not covered by ε).
 *
 * @example
 * ```ts
 * import { privacy } from "equipoise";
 * const observe = (step: privacy.ClippingObservation): void => {
 *   const clipped = step.norms.filter((norm, i) => norm > step.clipBounds[i]).length;
 *   console.log(`${clipped} of ${step.indices.length} rows clipped; group sums ${step.groupSumNorms.join(", ")}`);
 * };
 * // the `observe` of a ClippingObserver: called after every private step
 * ```
 */
export interface ClippingObservation {
  /** Training-set rows of the batch. */
  indices: Int32Array;
  /** ‖gᵢ‖ before clipping, per batch row. */
  norms: Float32Array;
  /** The clipping norm applied to each batch row (C, or a group's C_k). */
  clipBounds: Float32Array;
  /** Std of the Gaussian noise on every coordinate of the clipped sum. */
  noiseStd: number;
  /** Number of coordinates the noise is drawn on. */
  dimension: number;
  /** ‖Σ_{i ∈ g} wᵢ min(1, C/‖gᵢ‖) gᵢ‖ for each group g of `ClippingObserver.groupsOf`. */
  groupSumNorms: Float64Array;
}

/**
 * Receives per-group clipping statistics of every private step, after its release (diagnostics, not
 * covered by ε); it cannot change the step.
 *
 * @example
 * ```ts
 * import { nn, privacy } from "equipoise";
 * declare const model: nn.Sequential; // e.g. nn.buildModel("mlp:8", [5], 2, 7)
 * declare const groupOfRow: Int32Array; // each training row's group (0 or 1), e.g. from the sensitive column
 * const observer: privacy.ClippingObserver = {
 *   groupCount: 2,
 *   groupsOf: (indices) => indices.map((row) => groupOfRow[row]),
 *   observe: (step) => console.log(step.groupSumNorms), // diagnostics, not covered by ε
 * };
 * privacy.makePrivate({ model, dataSize: 200, epochs: 2, noise: 1.1, clip: 0.3, observer, trainerOptions: { batchSize: 40, optimizer: { kind: "sgd", learningRate: 0.5 }, seed: 7 } });
 * ```
 */
export interface ClippingObserver {
  readonly groupCount: number;
  /** Group in [0, groupCount) of each batch row, or −1 to leave the row out of every group. */
  groupsOf(indices: Int32Array): Int32Array;
  /** Called once per step with the step's observation. */
  observe(observation: ClippingObservation): void;
}

/**
 * Settings of {@link dpSgdGradient}: clip-and-noise's, the clipping mode, and an observer.
 *
 * @example
 * ```ts
 * import { privacy } from "equipoise";
 * import { createAccountant, secureGaussianNoise } from "equipoise/privacy/accounting";
 * const options: privacy.DpSgdOptions = {
 *   clip: 1, noiseMultiplier: 1.1, sampleRate: 0.01, dataSize: 6400,
 *   noise: secureGaussianNoise(), accountant: createAccountant("rdp"), clipping: "flat",
 * };
 * const gradientComputer = privacy.dpSgdGradient(options); // for trainModel's Poisson batches of expected size 64
 * ```
 */
export interface DpSgdOptions extends ClipAndNoiseOptions {
  clipping?: ClippingMode;
  /** Per-group clipping statistics (flat clipping only). */
  observer?: ClippingObserver;
}

/**
 * The observation of one step from its backward pass: the norms, and the norm of each
 * group's clipped sum Σ_{i∈g} factorᵢ·gᵢ (one weighted sum per group from the same pass).
 *
 * @example
 * ```ts
 * import type * as tf from "@tensorflow/tfjs-core";
 * import { type nn, privacy } from "equipoise";
 * declare const observer: privacy.ClippingObserver; declare const pass: nn.BatchPass; // after a batch's backward pass
 * declare const indices: Int32Array; declare const clipBounds: Float32Array; // the batch's rows and their clipping norms
 * declare const norms: tf.Tensor1D; declare const factors: tf.Tensor1D; // per-example gradient norms and clip factors
 * declare const noiseMultiplier: number; declare const clip: number; declare const parameterCount: number;
 * const observation = privacy.clippingObservation(observer, pass, { indices, norms, factors, clipBounds }, {
 *   std: noiseMultiplier * clip, dimension: parameterCount,
 * });
 * // the batch's norms and each group's clipped-sum norm: diagnostics, not covered by ε
 * ```
 */
export function clippingObservation(
  observer: Pick<ClippingObserver, "groupCount" | "groupsOf">,
  pass: BatchPass,
  step: { indices: Int32Array; norms: tf.Tensor1D; factors: tf.Tensor1D; clipBounds: Float32Array },
  noise: { std: number; dimension: number },
): ClippingObservation {
  const groups = observer.groupsOf(step.indices);
  const rows = step.indices.length;
  const squared = tf.tidy(() => {
    const norms: tf.Scalar[] = [];
    for (let g = 0; g < observer.groupCount; g++) {
      const mask = tf.tensor1d(Float32Array.from(groups, (group) => (group === g ? 1 : 0)));
      const sums = pass.weightedGradients(tf.mul(step.factors, mask) as tf.Tensor1D);
      norms.push(tf.addN(sums.map((sum) => tf.sum(tf.square(sum)))) as tf.Scalar);
    }
    return norms.length > 0 ? tf.stack(norms) : tf.zeros([0]);
  });
  const groupSumNorms = Float64Array.from(squared.dataSync(), Math.sqrt);
  squared.dispose();
  return {
    indices: step.indices.slice(),
    norms: Float32Array.from(step.norms.dataSync()).subarray(0, rows),
    clipBounds: step.clipBounds.slice(),
    noiseStd: noise.std,
    dimension: noise.dimension,
    groupSumNorms,
  };
}

/**
 * Time spent in the clip-and-noise release vs the whole step, for benchmarks.
 *
 * @example
 * ```ts
 * import { privacy } from "equipoise";
 * declare const engine: privacy.PrivateTraining; // from makePrivate, after engine.train(data)
 * const timings: privacy.DpSgdTimings = engine.gradientComputer.timings;
 * console.log(`${timings.steps} steps, ${((100 * timings.noiseMs) / timings.totalMs).toFixed(1)}% of the time in clip-and-noise`);
 * ```
 */
export interface DpSgdTimings {
  steps: number;
  noiseMs: number;
  totalMs: number;
}

/**
 * DP-SGD's gradient: the clip-and-noise step it releases through, and its timings.
 *
 * @example
 * ```ts
 * import { privacy } from "equipoise";
 * import { createAccountant, secureGaussianNoise } from "equipoise/privacy/accounting";
 * const computer: privacy.DpSgdGradientComputer = privacy.dpSgdGradient({
 *   clip: 1, noiseMultiplier: 1.1, sampleRate: 0.01, dataSize: 6400, noise: secureGaussianNoise(), accountant: createAccountant("rdp"),
 * });
 * computer.name; // "dp-sgd(flat, clip=1, noise=1.1)"
 * computer.step.accountant.spent(1e-5); // after training with it: ε of the steps taken
 * ```
 */
export interface DpSgdGradientComputer extends GradientComputer {
  readonly timings: DpSgdTimings;
  readonly step: ClipAndNoise;
}

/**
 * DP-SGD's gradient (Abadi et al. 2016): per-example gradients clipped to norm C, summed, Gaussian
 * noise of std σ·C added through the run's noise source, divided by the expected batch size q·N;
 * every step recorded in the accountant.
 *
 * @example
 * ```ts
 * import { privacy } from "equipoise";
 * import { createAccountant, secureGaussianNoise } from "equipoise/privacy/accounting";
 * const accountant = createAccountant("rdp");
 * const gradientComputer = privacy.dpSgdGradient({
 *   clip: 1, noiseMultiplier: 1.1, sampleRate: 0.01, dataSize: 6400,
 *   noise: secureGaussianNoise(), accountant,
 * });
 * // pass it to trainModel with Poisson batches of expected size 64; makePrivate does all this for you
 * ```
 */
export function dpSgdGradient(options: DpSgdOptions): DpSgdGradientComputer {
  const step = clipAndNoise(options);
  const { clip } = step;
  const clipping = options.clipping ?? "flat";
  const { observer } = options;
  if (observer && clipping !== "flat")
    throw new UserError("per-group clipping statistics are measured for flat clipping only");
  const timings: DpSgdTimings = { steps: 0, noiseMs: 0, totalMs: 0 };

  /** Runs after the step's release: the observer sees the batch, never the noise or the sum released. */
  let pendingObservation: (() => void) | undefined;

  const clippedSum = (model: Sequential, batch: GradientBatch): { sums: tf.Tensor[]; lossSum: tf.Scalar } => {
    const pass = model.backwardPass(batch.x, batch.labels);
    try {
      const lossSum = tf.tidy(() => {
        const losses = pass.losses();
        return (
          batch.sampleWeights ? tf.sum(tf.mul(losses, batch.sampleWeights)) : tf.sum(losses)
        ) as tf.Scalar;
      });
      if (clipping === "flat") {
        const norms = pass.norms();
        const factors = tf.tidy(() => {
          const f = clipFactors(norms, clip);
          return (batch.sampleWeights ? tf.mul(f, batch.sampleWeights) : f) as tf.Tensor1D;
        });
        const sums = pass.weightedGradients(factors);
        if (observer) {
          // Computed now, while the pass is alive; handed over after the release.
          const clipBounds = new Float32Array(batch.indices.length).fill(clip);
          const observation = clippingObservation(
            observer,
            pass,
            { indices: batch.indices, norms, factors, clipBounds },
            { std: step.noiseMultiplier * clip, dimension: model.parameterCount },
          );
          pendingObservation = () => observer.observe(observation);
        }
        tf.dispose([norms, factors]);
        return { sums, lossSum };
      }
      return {
        sums: perLayerClippedSum(model, pass.perExampleGradients(), clip, batch.sampleWeights),
        lossSum,
      };
    } finally {
      pass.dispose();
    }
  };

  function* computeReading(model: Sequential, batch: GradientBatch): Reading<GradientResult> {
    checkPrivateSampling(step, batch.datasetSize, batch.expectedBatchSize);
    const started = performance.now();
    const specs = model.parameterSpecs();
    let sums: tf.Tensor[];
    let lossSum: tf.Scalar;
    if (batch.indices.length === 0) {
      sums = model.parameters().map((p) => tf.zerosLike(p));
      lossSum = tf.scalar(0);
    } else {
      ({ sums, lossSum } = clippedSum(model, batch));
    }
    const releaseStarted = performance.now();
    const flat = yield* flatValues(sums, model.parameterCount);
    step.privatise(flat);
    timings.noiseMs += performance.now() - releaseStarted;
    pendingObservation?.();
    pendingObservation = undefined;
    const gradients = tensorsOver(flat, specs);
    timings.steps++;
    timings.totalMs += performance.now() - started;
    return { gradients, lossSum, count: batch.weightSum };
  }

  return {
    name: `dp-sgd(${clipping}, clip=${clip}, noise=${options.noiseMultiplier})`,
    timings,
    step,
    compute: (model, batch) => readNow(computeReading(model, batch)),
    computeReading,
    // The observer's group sums are computed from the tensor path's backward pass.
    ...(clipping === "flat" && !observer
      ? {
          hostRule: {
            combine: {
              kind: "clipped-sum" as const,
              step,
              clipFactor: (norm: number) => clipFactor(norm, clip),
              recordTime(totalMs: number, releaseMs: number) {
                timings.steps++;
                timings.totalMs += totalMs;
                timings.noiseMs += releaseMs;
              },
            },
          },
        }
      : {}),
  };
}

/** The values of `tensors`, one after the other in one vector of `size` values; the tensors are freed. */
export function* flatValues(tensors: tf.Tensor[], size: number): Reading<Float32Array> {
  const flat = new Float32Array(size);
  let offset = 0;
  try {
    for (const tensor of tensors) {
      flat.set((yield tensor) as Float32Array, offset);
      offset += tensor.size;
    }
  } finally {
    tf.dispose(tensors);
  }
  return flat;
}

/** Tensors of the given shapes over consecutive parts of `flat` (copied): the inverse of {@link flatValues}. */
export function tensorsOver(flat: Float32Array, specs: readonly { shape: number[] }[]): tf.Tensor[] {
  let offset = 0;
  return specs.map((spec) => {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const tensor = tf.tensor(flat.slice(offset, offset + size), spec.shape, "float32");
    offset += size;
    return tensor;
  });
}

/**
 * Per-layer clipping: each layer's part of gᵢ is clipped to C/√L separately
 * (L = layers with parameters), so ||clipped gᵢ|| ≤ C overall. Uses materialised
 * per-example gradients (one backward pass; memory N × parameters).
 */
function perLayerClippedSum(
  model: Sequential,
  perExample: tf.Tensor[],
  clip: number,
  sampleWeights: tf.Tensor1D | undefined,
): tf.Tensor[] {
  const specs = model.parameterSpecs();
  const layers = [...new Set(specs.map((s) => s.layer))];
  const layerClip = clip / Math.sqrt(layers.length);
  const out = tf.tidy(() => {
    const result: tf.Tensor[] = new Array(specs.length);
    for (const layer of layers) {
      const members = specs.map((s, k) => (s.layer === layer ? k : -1)).filter((k) => k >= 0);
      const n = perExample[members[0]].shape[0];
      const squared = tf.addN(members.map((k) => tf.sum(tf.square(tf.reshape(perExample[k], [n, -1])), 1)));
      let factors = clipFactors(tf.sqrt(squared), layerClip) as tf.Tensor1D;
      if (sampleWeights) factors = tf.mul(factors, sampleWeights);
      for (const k of members) {
        const g = perExample[k];
        const flat = tf.reshape(g, [n, -1]);
        result[k] = tf.reshape(tf.matMul(tf.reshape(factors, [1, n]), flat), specs[k].shape);
      }
    }
    return result;
  });
  tf.dispose(perExample);
  return out;
}
