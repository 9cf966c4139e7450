/**
 * Learning from Failure (Nam, Cha, Ahn, Lee & Shin, NeurIPS 2020, Algorithm 1). Two
 * networks of the same architecture train side by side on the same batches:
 *  - a biased one on the generalised cross-entropy GCE(p, y) = (1 − p_y^q)/q (Zhang
 *    & Sabuncu 2018), which amplifies its reliance on easy — bias-aligned — examples;
 *    ∇GCE = p_y^q · ∇CE, so its gradient is the per-example rules' weighted sum with
 *    weights p_y^q = exp(−q·CE);
 *  - the debiased one (the model being fitted) on the cross-entropy weighted by the
 *    relative difficulty W(x) = CE_B(x) / (CE_B(x) + CE_D(x)), where each CE is an
 *    exponential moving average per training example (α = 0.7) divided by its
 *    class's largest average, as the authors' code does.
 * Examples the biased network fails on (bias-conflicting) get large weights.
 * q = 0.7 and α = 0.7 are the paper's values. The biased network has its own
 * optimiser, configured like the recipe's; `dispose` releases both.
 */
import * as tf from "@tensorflow/tfjs-core";
import { Sequential } from "../../nn/index.js";
import {
  createOptimizer,
  type GradientComputer,
  type Optimizer,
  type OptimizerConfig,
} from "../../train/index.js";

export const LFF_Q = 0.7;
export const LFF_EMA = 0.7;

export interface LffOptions {
  /** Labels of every training row (the class-wise normalisation reads them). */
  labels: Float32Array;
  numClasses: number;
  optimizer: OptimizerConfig;
  /** Steps of the whole run, for the optimiser's schedule. */
  totalSteps: number;
  /** Seed of the biased network's initialisation. */
  seed: number;
  q?: number;
  ema?: number;
}

export interface LffComputer extends GradientComputer {
  dispose(): void;
}

export function learningFromFailure(options: LffOptions): LffComputer {
  const q = options.q ?? LFF_Q;
  const alpha = options.ema ?? LFF_EMA;
  const rows = options.labels.length;
  const averageBiased = new Float64Array(rows);
  const averageDebiased = new Float64Array(rows);
  const seen = new Uint8Array(rows);
  let biased: Sequential | null = null;
  let optimizer: Optimizer | null = null;

  const classMaxima = (average: Float64Array) => {
    const maxima = new Float64Array(options.numClasses);
    for (let r = 0; r < rows; r++) {
      const c = options.labels[r];
      if (average[r] > maxima[c]) maxima[c] = average[r];
    }
    return maxima;
  };

  return {
    name: `lff(q=${q}, ema=${alpha})`,
    compute(model, batch) {
      const n = batch.indices.length;
      if (n === 0) {
        return { gradients: model.parameters().map((p) => tf.zerosLike(p)), lossSum: tf.scalar(0), count: 0 };
      }
      biased ??= new Sequential(model.architecture, { seed: options.seed });
      optimizer ??= createOptimizer(options.optimizer, options.totalSteps);
      const biasedPass = biased.backwardPass(batch.x, batch.labels);
      let biasedLosses: Float32Array;
      try {
        const lossTensor = biasedPass.losses();
        biasedLosses = lossTensor.dataSync() as Float32Array;
        lossTensor.dispose();
        const gce = tf.tensor1d(biasedLosses.map((loss) => Math.exp(-q * loss) / n));
        const gradients = biasedPass.weightedGradients(gce);
        gce.dispose();
        biased.setParameters(optimizer.step(biased.parameters(), gradients));
        tf.dispose(gradients);
      } finally {
        biasedPass.dispose();
      }
      const pass = model.backwardPass(batch.x, batch.labels);
      try {
        const lossTensor = pass.losses();
        const losses = lossTensor.dataSync();
        lossTensor.dispose();
        for (let i = 0; i < n; i++) {
          const r = batch.indices[i];
          const first = seen[r] === 0;
          averageBiased[r] = first
            ? biasedLosses[i]
            : alpha * averageBiased[r] + (1 - alpha) * biasedLosses[i];
          averageDebiased[r] = first ? losses[i] : alpha * averageDebiased[r] + (1 - alpha) * losses[i];
          seen[r] = 1;
        }
        const maxBiased = classMaxima(averageBiased);
        const maxDebiased = classMaxima(averageDebiased);
        const sampleWeights = batch.sampleWeights?.dataSync();
        const weights = new Float32Array(n);
        let lossSum = 0;
        for (let i = 0; i < n; i++) {
          const r = batch.indices[i];
          const c = options.labels[r];
          const b = averageBiased[r] / (maxBiased[c] || 1);
          const d = averageDebiased[r] / (maxDebiased[c] || 1);
          const w = (b / (b + d + 1e-8)) * (sampleWeights ? sampleWeights[i] : 1);
          weights[i] = w / n;
          lossSum += (sampleWeights ? sampleWeights[i] : 1) * losses[i];
        }
        const weightTensor = tf.tensor1d(weights);
        const gradients = pass.weightedGradients(weightTensor);
        weightTensor.dispose();
        return { gradients, lossSum: tf.scalar(lossSum), count: batch.weightSum };
      } finally {
        pass.dispose();
      }
    },
    dispose() {
      biased?.dispose();
      optimizer?.dispose();
      biased = null;
      optimizer = null;
    },
  };
}
