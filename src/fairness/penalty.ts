/**
 * Fairness-penalised training: a per-batch gradient strategy for the trainer
 * (src/train's GradientComputer) that adds λ·P to the batch's mean loss, where P is a
 * differentiable surrogate of a fairness gap on predicted probabilities pᵢ = σ(zᵢ):
 *   demographic parity: P = Σ_g (m_g − m)²,  m_g = mean of p over group g in the batch,
 *                       m = mean of p over the batch;
 *   equalized odds:     the same within each label class (y = 0 and y = 1), summed;
 *   equal opportunity:  the same among the positives (y = 1) only.
 * The arithmetic is in penalty-maths.ts. Only for binary models with one logit (binary cross-entropy).
 *
 * How it is computed: the gradient of L = (1/B) Σ wᵢ ℓᵢ + λP with respect to the
 * parameters is Σᵢ tᵢ ∇θ zᵢ with per-example output gradients
 *   tᵢ = wᵢ (pᵢ − yᵢ) / B + λ ∂P/∂pᵢ · pᵢ (1 − pᵢ).
 * The engine's backward pass seeds each example with (σ(zᵢ) − labelᵢ), so passing the
 * pseudo-label pᵢ − tᵢ makes it back-propagate exactly tᵢ through the same per-example
 * machinery DP-SGD uses.
 *
 * Compatibility with DP-SGD (why a privacy guarantee can still be given):
 *  1. Per-example decomposition. The batch gradient is a sum of per-example terms
 *     gᵢ = tᵢ ∇θ zᵢ, one per example, each the gradient of one example's output. DP-SGD
 *     clips every gᵢ to norm C and adds Gaussian noise, exactly as for the plain loss.
 *  2. Bounded coupling. tᵢ depends on the other examples of the batch only through the
 *     group means m_g (and m). |∂P/∂pᵢ| ≤ 2(1/n_g + G/B)·max_g|m_g − m| and
 *     pᵢ(1 − pᵢ) ≤ 1/4, so each term is bounded; yet adding or removing one example k
 *     also moves m_g by at most 1/n_g and therefore every other tⱼ of its group. The
 *     sensitivity of the clipped sum is then not C but C plus that cross effect. Two
 *     sound ways to keep the guarantee:
 *     (a) release the group statistics separately: compute m_g from noisy sums and
 *         counts (Gaussian mechanism, sensitivity 1 per example) and account for that
 *         release with the same accountant (composition); the penalty then depends on
 *         one example only through its own term, which is clipped; or
 *     (b) use group statistics from a disjoint or public source (the previous epoch's
 *         DP release, a public validation set), with gradients flowing only through
 *         each example's own pᵢ.
 *     This module is the non-private version with batch statistics; (b) is
 *     reference-penalty.ts (what `train --dp --fair` and the explorer use); (a) is not
 *     offered.
 */
import * as tf from "@tensorflow/tfjs-core";
import { perExampleLosses, type Reading, readNow, type Sequential, takeValues } from "../nn/index.js";
import { batchLabelsAndWeights } from "../train/gradient.js";
import type { GradientBatch, GradientComputer, GradientResult } from "../train/index.js";
import type { FairnessConstraint } from "./constraint.js";
import { penaltyEvents, penaltyGradient } from "./penalty-maths.js";

// Other modules still import these from here.
export { type GroupDeviations, groupDeviations, penaltyGradient } from "./penalty-maths.js";

export interface FairnessPenaltyOptions {
  constraint: FairnessConstraint;
  /** λ ≥ 0. */
  weight: number;
  /** Group index of every training row (the trainer's batch indices point into it). */
  groupOfRow: Int32Array;
  /** Training labels (0/1), needed for equalized odds and equal opportunity. */
  labels: ArrayLike<number>;
}

export function fairnessPenaltyGradient(options: FairnessPenaltyOptions): GradientComputer {
  const groups = options.groupOfRow.reduce((a, b) => Math.max(a, b), 0) + 1;
  const events = penaltyEvents(options.constraint);
  function* computeReading(model: Sequential, batch: GradientBatch): Reading<GradientResult> {
    const size = batch.indices.length;
    if (size === 0) {
      return { gradients: model.parameters().map((p) => tf.zerosLike(p)), lossSum: tf.scalar(0), count: 0 };
    }
    if (model.architecture.loss !== "binary-cross-entropy") {
      throw new Error("the fairness penalty needs a binary model with one logit");
    }
    const probabilityTensor = tf.tidy(() => tf.reshape(tf.sigmoid(model.predictLogits(batch.x)), [-1]));
    const probabilities = (yield* takeValues(probabilityTensor)) as Float32Array;
    const { labels, weights } = yield* batchLabelsAndWeights(batch);
    const { pseudoLabels, penaltyValue } = penalised(probabilities, batch.indices, labels, weights);
    const pseudo = tf.tensor1d(pseudoLabels, "float32");
    const pass = model.backwardPass(batch.x, pseudo);
    try {
      const gradients = pass.weightedGradients();
      const lossSum = tf.tidy(() => {
        const losses = perExampleLosses("binary-cross-entropy", pass.logits, batch.labels);
        const data = batch.sampleWeights ? tf.sum(tf.mul(losses, batch.sampleWeights)) : tf.sum(losses);
        return tf.add(data, options.weight * penaltyValue * batch.weightSum) as tf.Scalar;
      });
      return { gradients, lossSum, count: batch.weightSum };
    } finally {
      pass.dispose();
      pseudo.dispose();
    }
  }
  /** The pseudo-labels pᵢ − tᵢ and the penalised loss, from the batch's probabilities (both engines). */
  function penalised(
    probabilities: Float32Array,
    indices: Int32Array,
    labels: ArrayLike<number>,
    weights: ArrayLike<number> | undefined,
  ): { pseudoLabels: Float32Array; penaltyValue: number } {
    const size = indices.length;
    const groupOf = Int32Array.from(indices, (row) => options.groupOfRow[row]);
    const classOf = Int32Array.from(indices, (row) => events.eventOf(options.labels[row]));
    const penalty = penaltyGradient(probabilities, groupOf, classOf, groups, events.count);
    const pseudoLabels = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      const p = probabilities[i];
      const w = weights ? weights[i] : 1;
      const t = (w * (p - labels[i])) / size + options.weight * penalty.gradient[i] * p * (1 - p);
      pseudoLabels[i] = p - t;
    }
    return { pseudoLabels, penaltyValue: penalty.value };
  }
  return {
    name: `fairness-penalty(${options.constraint}, λ=${options.weight})`,
    compute: (model, batch) => readNow(computeReading(model, batch)),
    computeReading,
    hostRule: {
      combine: { kind: "sum" },
      pseudoLabels(batch) {
        const probabilities = batch.logits.map((z) => 1 / (1 + Math.exp(-z)));
        const { pseudoLabels, penaltyValue } = penalised(
          probabilities,
          batch.indices,
          batch.labels,
          batch.weights,
        );
        const weightSum = batch.weights ? batch.weights.reduce((a, b) => a + b, 0) : batch.indices.length;
        return { labels: pseudoLabels, addedLoss: options.weight * penaltyValue * weightSum };
      },
    },
  };
}
