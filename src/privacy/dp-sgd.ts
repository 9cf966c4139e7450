/**
 * DP-SGD's per-batch gradient for one model (Abadi et al. 2016, as Opacus computes
 * it): each example's gradient clipped to norm C (over all parameters, or per layer
 * with C_l = C/√L so the total sensitivity is still C), summed, then released by the
 * one clip-and-noise primitive (clip-and-noise.ts: Gaussian noise of std σ·C, divided
 * by the expected batch size q·N, one accountant step).
 *
 * Plugs into the trainer as its GradientComputer, so the privacy spent is that of the
 * steps actually run.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Sequential } from "../nn/index.js";
import type { GradientBatch, GradientComputer, GradientResult } from "../train/index.js";
import { type ClipAndNoise, type ClipAndNoiseOptions, clipAndNoise, clipFactors } from "./clip-and-noise.js";

export type ClippingMode = "flat" | "per-layer";

export interface DpSgdOptions extends ClipAndNoiseOptions {
  clipping?: ClippingMode;
}

/** Time spent in the clip-and-noise release vs the whole step, for benchmarks. */
export interface DpSgdTimings {
  steps: number;
  noiseMs: number;
  totalMs: number;
}

export interface DpSgdGradientComputer extends GradientComputer {
  readonly timings: DpSgdTimings;
  readonly step: ClipAndNoise;
}

export function dpSgdGradient(options: DpSgdOptions): DpSgdGradientComputer {
  const step = clipAndNoise(options);
  const { clip, sampleRate, datasetSize, expectedBatchSize } = step;
  const clipping = options.clipping ?? "flat";
  const timings: DpSgdTimings = { steps: 0, noiseMs: 0, totalMs: 0 };

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
          const f = clipFactors(pass.norms(), clip);
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
    name: `dp-sgd(${clipping}, clip=${clip}, noise=${options.noiseMultiplier})`,
    timings,
    step,
    compute(model: Sequential, batch: GradientBatch): GradientResult {
      if (
        batch.datasetSize !== datasetSize ||
        Math.abs(batch.expectedBatchSize - expectedBatchSize) > 1e-9 * datasetSize
      ) {
        throw new Error(
          `DP-SGD was set up for Poisson sampling at rate ${sampleRate} of ${datasetSize} examples, ` +
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
      const releaseStarted = performance.now();
      const flat = new Float32Array(model.parameterCount);
      let offset = 0;
      for (const sum of sums) {
        flat.set(sum.dataSync() as Float32Array, offset);
        offset += sum.size;
      }
      tf.dispose(sums);
      step.privatise(flat);
      timings.noiseMs += performance.now() - releaseStarted;
      offset = 0;
      const gradients = specs.map((spec) => {
        const size = spec.shape.reduce((a, b) => a * b, 1);
        const tensor = tf.tensor(flat.slice(offset, offset + size), spec.shape, "float32");
        offset += size;
        return tensor;
      });
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
