/**
 * DP-SGD's per-batch gradient (Abadi et al. 2016, as Opacus computes it): each
 * example's gradient clipped to norm C (over all parameters, or per layer with
 * C_l = C/√L so the total sensitivity is still C), summed, plus Gaussian noise of
 * std σ·C on every coordinate, divided by the EXPECTED batch size q·N — not the
 * realised one, whose size under Poisson sampling is itself private.
 *
 * Plugs into the trainer as its GradientComputer and records each step it takes in
 * the accountant, so the privacy spent is that of the steps actually run.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Random } from "../common/rng.js";
import type { Sequential } from "../nn/index.js";
import type { GradientBatch, GradientComputer, GradientResult } from "../train/index.js";
import type { Accountant } from "./accountants/accountant.js";

export type ClippingMode = "flat" | "per-layer";

export interface DpSgdOptions {
  /** Clipping norm C. */
  clip: number;
  /** Noise multiplier σ: the noise std is σ·C. */
  noise: number;
  /** Poisson sample rate q the sampler uses. */
  sampleRate: number;
  /** Training set size N. Sample weights, if any, must be in [0, 1] (checked by makePrivate). */
  dataSize: number;
  clipping?: ClippingMode;
  /** Source of the Gaussian noise (a SecureRandom for releases). */
  random: Random;
  accountant: Accountant;
}

/** Time spent drawing noise vs the whole step, for benchmarks. */
export interface DpSgdTimings {
  steps: number;
  noiseMs: number;
  totalMs: number;
}

export interface DpSgdGradientComputer extends GradientComputer {
  readonly timings: DpSgdTimings;
}

export function dpSgdGradient(options: DpSgdOptions): DpSgdGradientComputer {
  const { clip, noise, sampleRate, dataSize, random, accountant } = options;
  if (!(clip > 0)) throw new RangeError(`clipping norm must be > 0, got ${clip}`);
  if (!(noise >= 0)) throw new RangeError(`noise multiplier must be >= 0, got ${noise}`);
  if (!(sampleRate > 0 && sampleRate <= 1))
    throw new RangeError(`sample rate must be in (0, 1], got ${sampleRate}`);
  const clipping = options.clipping ?? "flat";
  const expectedBatchSize = sampleRate * dataSize;
  const timings: DpSgdTimings = { steps: 0, noiseMs: 0, totalMs: 0 };
  let noiseBuffer = new Float32Array(0);

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
        const factors = tf.tidy(() => {
          const f = tf.minimum(1, tf.div(clip, tf.add(pass.norms(), 1e-12)));
          return (batch.sampleWeights ? tf.mul(f, batch.sampleWeights) : f) as tf.Tensor1D;
        });
        const sums = pass.weightedGradients(factors);
        factors.dispose();
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

  return {
    name: `dp-sgd(${clipping}, clip=${clip}, noise=${noise})`,
    timings,
    compute(model: Sequential, batch: GradientBatch): GradientResult {
      if (
        batch.datasetSize !== dataSize ||
        Math.abs(batch.expectedBatchSize - expectedBatchSize) > 1e-9 * dataSize
      ) {
        throw new Error(
          `DP-SGD was set up for Poisson sampling at rate ${sampleRate} of ${dataSize} examples, ` +
            `but the trainer's batches expect ${batch.expectedBatchSize} of ${batch.datasetSize}: the accounting would be wrong`,
        );
      }
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
      const noiseStarted = performance.now();
      const total = model.parameterCount;
      if (noiseBuffer.length !== total) noiseBuffer = new Float32Array(total);
      random.fillNormal(noiseBuffer);
      timings.noiseMs += performance.now() - noiseStarted;
      const gradients = tf.tidy(() => {
        let offset = 0;
        return sums.map((sum, k) => {
          const size = sum.size;
          const z = tf.tensor(noiseBuffer.subarray(offset, offset + size), specs[k].shape, "float32");
          offset += size;
          // (Σ clipped gᵢ + σC·z) / (qN)
          return tf.div(tf.add(sum, tf.mul(z, noise * clip)), expectedBatchSize);
        });
      });
      tf.dispose(sums);
      accountant.step(sampleRate, noise);
      timings.steps++;
      timings.totalMs += performance.now() - started;
      return { gradients, lossSum, count: batch.weightSum };
    },
  };
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
      let factors = tf.minimum(1, tf.div(layerClip, tf.add(tf.sqrt(squared), 1e-12))) as tf.Tensor1D;
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
