/**
 * The fairness penalties as per-example output-gradient rules of the K-models
 * ensemble (train/ensemble.ts): the same seeds the penalised gradient strategies
 * (fairness/penalty.ts, fairness/reference-penalty.ts) feed the backward pass when a
 * model trains alone, so an ensemble member trains exactly as it would alone.
 */
import type { FairnessConstraint } from "../fairness/constraint.js";
import { penaltyGradient } from "../fairness/penalty.js";
import { ReferencePenaltyState, type ReferenceSet } from "../fairness/reference-penalty.js";
import type { MemberBatch, OutputGradientRule } from "../train/index.js";

/**
 * fairness/penalty.ts's `fairnessPenaltyGradient` (unweighted rows) as seeds:
 * tᵢ = (pᵢ − yᵢ)/B + λ ∂P/∂pᵢ · pᵢ(1 − pᵢ), rounded through the pseudo-label
 * pᵢ − tᵢ exactly as that strategy feeds it to the backward pass.
 *
 * @example
 * ```ts
 * import { batchPenaltyRule } from "equipoise/fit";
 * declare const groupOfRow: Int32Array; // each training row's group index
 * declare const labels: Float64Array; // the training labels (0/1)
 * const rule = batchPenaltyRule({ constraint: "demographic_parity", weight: 1, groupOfRow, labels });
 * // an ensemble member given `outputGradients: rule` trains as the penalised model would alone
 * ```
 */
export function batchPenaltyRule(options: {
  constraint: FairnessConstraint;
  weight: number;
  groupOfRow: Int32Array;
  labels: ArrayLike<number>;
}): OutputGradientRule {
  const groups = options.groupOfRow.reduce((a, b) => Math.max(a, b), 0) + 1;
  const classes = options.constraint === "equalized_odds" ? 2 : 1;
  return {
    name: `fairness-penalty(${options.constraint}, λ=${options.weight})`,
    compute(batch: MemberBatch): Float32Array {
      const size = batch.rows.length;
      const seeds = new Float32Array(size);
      if (size === 0) return seeds;
      const p = batch.probabilities;
      const groupOf = Int32Array.from(batch.rows, (row) => options.groupOfRow[row]);
      const classOf = Int32Array.from(batch.rows, (row) =>
        classes === 2 && options.labels[row] === 1 ? 1 : 0,
      );
      const penalty = penaltyGradient(p, groupOf, classOf, groups, classes);
      for (let i = 0; i < size; i++) {
        const t = (p[i] - batch.labels[i]) / size + options.weight * penalty.gradient[i] * p[i] * (1 - p[i]);
        seeds[i] = p[i] - Math.fround(p[i] - t);
      }
      return seeds;
    },
  };
}

/**
 * fairness/reference-penalty.ts's `withReferencePenalty` around DP-SGD (unweighted
 * rows) as per-example seeds σ(zᵢ) − ỹᵢ, ỹᵢ = yᵢ − λ k_{c,g} pᵢ(1 − pᵢ), with the
 * reference statistics re-measured every `refreshEvery` member steps.
 *
 * @example
 * ```ts
 * import { referencePenaltyRule, type ReferenceSet } from "equipoise/fit";
 * declare const groupOfRow: Int32Array; // each training row's group index
 * declare const reference: ReferenceSet; // held-out rows { X, labels, groupOf } whose group statistics are NOT covered by ε
 * const rule = referencePenaltyRule({ constraint: "equalized_odds", weight: 1, groupOfRow, reference, refreshEvery: 10 });
 * // a private ensemble member given `outputGradients: rule` trains as withReferencePenalty would alone
 * ```
 */
export function referencePenaltyRule(options: {
  constraint: FairnessConstraint;
  weight: number;
  groupOfRow: Int32Array;
  reference: ReferenceSet;
  refreshEvery?: number;
}): OutputGradientRule {
  const refreshEvery = options.refreshEvery ?? 10;
  const state = new ReferencePenaltyState(options);
  return {
    name: `reference-penalty(${options.constraint}, λ=${options.weight})`,
    compute(batch: MemberBatch): Float32Array {
      if (batch.step % refreshEvery === 0) state.update(batch.probabilitiesOn(options.reference.X));
      const size = batch.rows.length;
      const seeds = new Float32Array(size);
      for (let i = 0; i < size; i++) {
        const y = batch.labels[i];
        const p = 1 / (1 + Math.exp(-batch.logits[i]));
        seeds[i] = batch.probabilities[i] - Math.fround(y - state.labelShift(batch.rows[i], y, p));
      }
      return seeds;
    },
  };
}
