/**
 * A fairness penalty that DP-SGD can train with and still give its guarantee.
 *
 * The batch penalty (penalty.ts) couples the examples of a batch through their group
 * means, so one example's presence changes every other example's gradient and the
 * clipped sum's sensitivity is no longer C. Here the group statistics come from a
 * REFERENCE set that is not protected by ε (the explorer uses its validation split,
 * and says so in the report): at every refresh the model's mean predicted
 * probability per group is measured there, and each training example's output
 * gradient becomes
 *
 *   sᵢ = wᵢ (pᵢ − yᵢ) + λ kᵍ⁽ⁱ⁾ pᵢ (1 − pᵢ),
 *   k_{c,g} = (2 / ρ_c) (d_{c,g} / π_{c,g} − Σ_g' d_{c,g'}),   d_{c,g} = m_{c,g} − m_c,
 *
 * the per-example form (scaled by the batch size) of ∂/∂pᵢ of P = Σ_c Σ_g (m_{c,g} −
 * m_c)² — demographic parity has one class c; equalized odds conditions on the
 * label; equal opportunity keeps the class y = 1 only — with the group shares π_{c,g}
 * and class shares ρ_c of the reference set (arithmetic in penalty-maths.ts).
 * sᵢ depends on example i and on the reference set only, so per-example clipping
 * bounds each example's influence by C and DP-SGD's accounting holds unchanged.
 * When the reference set is the batch itself, this is exactly the batch penalty's
 * gradient (tested).
 */
import * as tf from "@tensorflow/tfjs-core";
import { logitLoss, type Reading, readNow, type Sequential, takeValues } from "../nn/index.js";
import { batchLabelsAndWeights, gradientReading } from "../train/gradient.js";
import type { GradientBatch, GradientComputer, GradientResult, HostGradientRule } from "../train/index.js";
import type { FairnessConstraint } from "./constraint.js";
import { type PenaltyEvents, penaltyEvents, referenceCoefficients } from "./penalty-maths.js";

// Other modules still import it from here.
export { referenceCoefficients } from "./penalty-maths.js";

/**
 * The held-out rows whose group statistics the reference penalty measures (features, labels, groups); not protected by ε.
 *
 * @example
 * ```ts
 * import type { ReferenceSet } from "equipoise/fit";
 * // three held-out rows with two features each, their labels and groups
 * const reference: ReferenceSet = {
 *   X: { rows: 3, cols: 2, data: Float32Array.of(0.1, 1, 0.5, 0, 0.9, 1) },
 *   labels: [0, 1, 1],
 *   groupOf: Int32Array.of(0, 1, 1),
 * };
 * ```
 */
export interface ReferenceSet {
  X: { rows: number; cols: number; data: Float32Array };
  /** Labels (0/1) of the reference rows: equalized odds conditions on them. */
  labels: ArrayLike<number>;
  /** Group of every reference row. */
  groupOf: Int32Array;
}

export interface ReferencePenaltyOptions {
  constraint: FairnessConstraint;
  /** λ ≥ 0. */
  weight: number;
  reference: ReferenceSet;
  /** Group of every training row (batch indices point into it). */
  groupOfRow: Int32Array;
  /** Re-measure the reference statistics every this many steps (default 10). */
  refreshEvery?: number;
}

/**
 * The reference statistics of one training run: which (class, group) cell every
 * row falls in, and the coefficients k_{c,g} last measured on the reference set.
 * Shared by the trainer's wrapper below and the explorer's batched ensembles.
 */
export class ReferencePenaltyState {
  readonly classes: number;
  readonly groups: number;
  private readonly events: PenaltyEvents;
  private readonly referenceClass: Int32Array;
  private coefficients: Float64Array;

  constructor(private readonly options: Omit<ReferencePenaltyOptions, "refreshEvery">) {
    if (!(options.weight >= 0)) throw new RangeError(`penalty weight must be ≥ 0, got ${options.weight}`);
    this.events = penaltyEvents(options.constraint);
    this.classes = this.events.count;
    let groups = 0;
    for (const g of options.groupOfRow) groups = Math.max(groups, g + 1);
    for (const g of options.reference.groupOf) groups = Math.max(groups, g + 1);
    this.groups = groups;
    const { reference } = options;
    this.referenceClass = Int32Array.from({ length: reference.X.rows }, (_, i) =>
      this.events.eventOf(reference.labels[i]),
    );
    this.coefficients = new Float64Array(this.classes * groups);
  }

  /** Re-measures k_{c,g} from the model's predicted probabilities on the reference rows. */
  update(referenceProbabilities: ArrayLike<number>): void {
    const { reference } = this.options;
    this.coefficients = referenceCoefficients(
      referenceProbabilities,
      reference.groupOf,
      this.referenceClass,
      this.groups,
      this.classes,
    );
  }

  /** λ k_{c,g} p (1 − p): how far the penalty moves training row `row`'s label (before weighting). */
  labelShift(row: number, label: number, probability: number): number {
    const c = this.events.eventOf(label);
    if (c < 0) return 0;
    const k = this.coefficients[c * this.groups + this.options.groupOfRow[row]];
    return this.options.weight * k * probability * (1 - probability);
  }
}

/**
 * Wraps a gradient computer (plain or DP-SGD) so that it trains on the penalised
 * loss: the batch's labels are replaced by pseudo-labels whose per-example output
 * gradient σ(zᵢ) − ỹᵢ is sᵢ / wᵢ. The reported loss is the data loss on the true labels.
 */
export function withReferencePenalty(
  inner: GradientComputer,
  options: ReferencePenaltyOptions,
): GradientComputer {
  const { weight, reference } = options;
  const refreshEvery = options.refreshEvery ?? 10;
  const state = new ReferencePenaltyState(options);
  let step = 0;

  function* refresh(model: Sequential): Reading<void> {
    const probabilities = tf.tidy(() => {
      const x = tf.tensor(reference.X.data, [reference.X.rows, ...model.architecture.inputShape]);
      return tf.reshape(tf.sigmoid(model.predictLogits(x)), [-1]);
    });
    state.update((yield* takeValues(probabilities)) as Float32Array);
  }

  function* computeReading(model: Sequential, batch: GradientBatch): Reading<GradientResult> {
    if (model.architecture.loss !== "binary-cross-entropy") {
      throw new Error("the fairness penalty needs a binary model with one logit");
    }
    if (step++ % refreshEvery === 0) yield* refresh(model);
    const size = batch.indices.length;
    if (size === 0) return yield* gradientReading(inner, model, batch);
    const logits = tf.tidy(() => tf.reshape(model.predictLogits(batch.x), [-1]));
    const z = (yield* takeValues(logits)) as Float32Array;
    const { labels: y, weights: w } = yield* batchLabelsAndWeights(batch);
    const pseudo = pseudoLabels(batch.indices, z, y, w);
    let dataLoss = 0;
    for (let i = 0; i < size; i++) dataLoss += (w ? w[i] : 1) * logitLoss(z[i], y[i]);
    const labels = tf.tensor1d(pseudo, "float32");
    try {
      const result = yield* gradientReading(inner, model, { ...batch, labels });
      result.lossSum.dispose();
      return { ...result, lossSum: tf.scalar(dataLoss) };
    } finally {
      labels.dispose();
    }
  }

  /** ỹᵢ = yᵢ − shiftᵢ/wᵢ (both engines). */
  function pseudoLabels(
    indices: Int32Array,
    z: Float32Array,
    y: ArrayLike<number>,
    w: ArrayLike<number> | undefined,
  ): Float32Array {
    const labels = new Float32Array(indices.length);
    for (let i = 0; i < indices.length; i++) {
      const p = 1 / (1 + Math.exp(-z[i]));
      const wi = w ? w[i] : 1;
      labels[i] = wi > 0 ? y[i] - state.labelShift(indices[i], y[i], p) / wi : y[i];
    }
    return labels;
  }

  const innerRule = inner.hostRule;
  // A rule of its own around the inner one: the same refreshes and pseudo-labels on the host.
  const hostRule: HostGradientRule | undefined =
    innerRule && !innerRule.pseudoLabels && !innerRule.beforeStep
      ? {
          combine: innerRule.combine,
          beforeStep(model) {
            if (step++ % refreshEvery === 0) state.update(model.probabilitiesOn(reference.X));
          },
          pseudoLabels: (batch) => ({
            labels: pseudoLabels(batch.indices, batch.logits, batch.labels, batch.weights),
          }),
        }
      : undefined;

  return {
    name: `${inner.name}+reference-penalty(${options.constraint}, λ=${weight})`,
    compute: (model, batch) => readNow(computeReading(model, batch)),
    computeReading,
    ...(hostRule ? { hostRule } : {}),
  };
}
