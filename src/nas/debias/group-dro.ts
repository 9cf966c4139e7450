/**
 * Group DRO (Sagawa, Koh, Hashimoto & Liang, ICLR 2020, Algorithm 1): minimise the
 * worst group's expected loss through its online form. Each step, for the groups g
 * present in the batch with mean loss ℓ_g, the adversary's weights move as
 * q_g ← q_g·exp(η·ℓ_g) (then renormalised), and the model descends Σ_g q_g ℓ_g — per
 * example, the weight q_g(i) / n_g(i) on its loss. Kept in log space, so weights of
 * groups the adversary ignores underflow to zero gracefully instead of to NaN.
 *
 * One backward pass per step: the per-example losses come from its logits, and the
 * weighted gradient Σ wᵢ ∇ℓᵢ from its per-example rules, after the weights are known.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { GradientComputer } from "../../train/index.js";

export const GROUP_DRO_STEP_SIZE = 0.01;

export interface GroupDroComputer extends GradientComputer {
  /** The adversary's current weights q over the groups. */
  groupWeights(): Float64Array;
}

export function groupDroGradient(
  groupOfRow: Int32Array,
  groups: number,
  stepSize = GROUP_DRO_STEP_SIZE,
): GroupDroComputer {
  if (!(stepSize > 0)) throw new RangeError(`the Group DRO step size must be > 0, got ${stepSize}`);
  const logWeights = new Float64Array(groups).fill(-Math.log(groups));
  const weights = () => {
    const top = Math.max(...logWeights);
    const q = logWeights.map((v) => Math.exp(v - top));
    const total = q.reduce((a, b) => a + b, 0);
    return q.map((v) => v / total);
  };
  return {
    name: `group-dro(eta=${stepSize}, groups=${groups})`,
    groupWeights: weights,
    compute(model, batch) {
      const n = batch.indices.length;
      if (n === 0) {
        return { gradients: model.parameters().map((p) => tf.zerosLike(p)), lossSum: tf.scalar(0), count: 0 };
      }
      const pass = model.backwardPass(batch.x, batch.labels);
      try {
        const lossTensor = pass.losses();
        const losses = lossTensor.dataSync();
        lossTensor.dispose();
        const sampleWeights = batch.sampleWeights?.dataSync();
        const sums = new Float64Array(groups);
        const mass = new Float64Array(groups);
        let lossSum = 0;
        for (let i = 0; i < n; i++) {
          const g = groupOfRow[batch.indices[i]];
          const w = sampleWeights ? sampleWeights[i] : 1;
          lossSum += w * losses[i];
          if (g < 0) continue;
          sums[g] += w * losses[i];
          mass[g] += w;
        }
        for (let g = 0; g < groups; g++) if (mass[g] > 0) logWeights[g] += stepSize * (sums[g] / mass[g]);
        const q = weights();
        const exampleWeights = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          const g = groupOfRow[batch.indices[i]];
          if (g >= 0) exampleWeights[i] = (q[g] / mass[g]) * (sampleWeights ? sampleWeights[i] : 1);
        }
        const weightTensor = tf.tensor1d(exampleWeights);
        const gradients = pass.weightedGradients(weightTensor);
        weightTensor.dispose();
        return { gradients, lossSum: tf.scalar(lossSum), count: batch.weightSum };
      } finally {
        pass.dispose();
      }
    },
  };
}
