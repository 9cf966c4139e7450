/**
 * Constraints for the reductions approach (Agarwal et al. 2018), as objects with one
 * interface, Fairlearn's Moment: load the data, measure the violations γ(h) of a
 * classifier, give the bounds, project the multipliers, and turn multipliers λ into
 * per-example signed weights (the cost-sensitive reduction of Section 3.2).
 *
 * Sample weights are normalised to mean 1, so unweighted data gives Fairlearn's
 * numbers exactly; a signed weight is n times the coefficient of h(x_i) in the
 * Lagrangian, with the sign of "benefit of predicting 1".
 */
import type { FairnessConstraint } from "./constraint.js";
import type { Vector } from "./metrics.js";

/**
 * The data a {@link Moment} measures: labels, the group of every row, and weights.
 *
 * @example
 * ```ts
 * import { demographicParity, type MomentData } from "equipoise/fairness";
 * const data: MomentData = { y: [1, 0, 1, 0], groupOfRow: Int32Array.of(0, 0, 1, 1), groupLabels: ["F", "M"] };
 * const moment = demographicParity();
 * moment.loadData(data);
 * moment.gamma([1, 0, 0, 0]); // each constraint's violation by these predictions
 * ```
 */
export interface MomentData {
  y: Vector;
  /** Group index of every row (see groupRows). */
  groupOfRow: Int32Array;
  groupLabels: string[];
  sampleWeight?: Vector;
}

/**
 * A set of linear constraints on a classifier's rates (Fairlearn's Moment): what the reductions enforce.
 *
 * @example
 * ```ts
 * import { equalizedOdds, exponentiatedGradient, type FeatureMatrix, type Moment, WeightedLogisticRegression } from "equipoise/fairness";
 * declare const X: FeatureMatrix; // the training features
 * declare const y: number[]; // 0/1 labels of the rows of X
 * declare const sex: { name: string; values: string[] }; // the sensitive feature of the same rows
 * const constraint: Moment = equalizedOdds({ differenceBound: 0.05 }); // instead of the default bound 0.01
 * const result = exponentiatedGradient(() => new WeightedLogisticRegression(), { X, y, sensitiveFeatures: [sex] }, { constraint });
 * ```
 */
export interface Moment {
  readonly name: string;
  /** Binds the moment to a data set. */
  loadData(data: MomentData): void;
  /** One label per constraint, e.g. "+ all, Female". */
  readonly index: string[];
  /** Violation of each constraint by predictions h(x_i) ∈ {0, 1}. */
  gamma(predictions: Vector): Float64Array;
  /** The allowed violation of each constraint. */
  bound(): Float64Array;
  /** Multipliers giving the same or a higher Lagrangian for every classifier. */
  projectLambda(lambda: Float64Array): Float64Array;
  /** The per-row costs of the Lagrangian for multipliers λ: the relabelled data's weights. */
  signedWeights(lambda: Float64Array): Float64Array;
}

function normalisedWeights(n: number, sampleWeight?: Vector): Float64Array {
  const w = new Float64Array(n).fill(1);
  if (!sampleWeight) return w;
  let total = 0;
  for (let i = 0; i < n; i++) total += sampleWeight[i];
  for (let i = 0; i < n; i++) w[i] = (sampleWeight[i] * n) / total;
  return w;
}

/**
 * The objective: (weighted) error rate.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const y = [1, 0, 1, 0, 1, 0, 1, 1];
 * const groupOfRow = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1]); // F, F, F, F, M, M, M, M
 * const error = new fairness.ErrorRate();
 * error.loadData({ y, groupOfRow, groupLabels: ["F", "M"] });
 * error.gamma([1, 0, 1, 1, 0, 0, 1, 0]); // 3 of 8 wrong: 0.375
 * ```
 */
export class ErrorRate {
  private y: Vector = [];
  private weights: Float64Array = new Float64Array(0);

  /** Takes the labels and (normalised) sample weights the error is measured on. */
  loadData(data: MomentData): void {
    this.y = data.y;
    this.weights = normalisedWeights(data.y.length, data.sampleWeight);
  }

  /** The weighted error rate of 0/1 predictions on the loaded data. */
  gamma(predictions: Vector): number {
    let error = 0;
    for (let i = 0; i < this.y.length; i++) if (predictions[i] !== this.y[i]) error += this.weights[i];
    return error / this.y.length;
  }

  /** Per-row cost of predicting 1 rather than 0: +w for a positive row, −w for a negative one. */
  signedWeights(): Float64Array {
    return this.weights.map((w, i) => w * (this.y[i] === 1 ? 1 : -1));
  }
}

/**
 * E[h | event, group] = E[h | event] for every group (Fairlearn's UtilityParity with the
 * default utilities): demographic parity (one event), equalized odds (event = label),
 * true-positive-rate parity (event = label 1 only).
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const y = [1, 0, 1, 0, 1, 0, 1, 1];
 * const groupOfRow = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1]); // F, F, F, F, M, M, M, M
 * const parity = fairness.demographicParity(); // a UtilityParity with one event, "all"
 * parity.loadData({ y, groupOfRow, groupLabels: ["F", "M"] });
 * parity.index; // ["+ all, F", "+ all, M", "- all, F", "- all, M"]
 * parity.gamma([1, 0, 1, 1, 0, 0, 1, 0]); // [0.25, −0.25, −0.25, 0.25]: F selected 0.25 above overall
 * ```
 */
export class UtilityParity implements Moment {
  index: string[] = [];
  private eventOfRow: Int32Array = new Int32Array(0);
  private groupOfRow: Int32Array = new Int32Array(0);
  private weights: Float64Array = new Float64Array(0);
  private events = 0;
  private groups = 0;
  /** Constraint number of (event, group), or −1 when the pair has no rows. */
  private cell: Int32Array = new Int32Array(0);
  private cellCount = 0;
  private probEvent: Float64Array = new Float64Array(0);
  private probCell: Float64Array = new Float64Array(0);

  constructor(
    readonly name: FairnessConstraint,
    private readonly eventOf: (label: number) => { event: number; label: string } | null,
    private readonly differenceBound = 0.01,
  ) {}

  loadData(data: MomentData): void {
    const n = data.y.length;
    this.weights = normalisedWeights(n, data.sampleWeight);
    this.groupOfRow = data.groupOfRow;
    this.groups = data.groupLabels.length;
    this.eventOfRow = new Int32Array(n);
    const eventLabels: string[] = [];
    for (let i = 0; i < n; i++) {
      const e = this.eventOf(data.y[i] as number);
      this.eventOfRow[i] = e ? e.event : -1;
      if (e) eventLabels[e.event] = e.label;
    }
    this.events = eventLabels.length;
    const cellWeight = new Float64Array(this.events * this.groups);
    this.probEvent = new Float64Array(this.events);
    for (let i = 0; i < n; i++) {
      const e = this.eventOfRow[i];
      if (e < 0) continue;
      cellWeight[e * this.groups + this.groupOfRow[i]] += this.weights[i];
      this.probEvent[e] += this.weights[i] / n;
    }
    this.cell = new Int32Array(this.events * this.groups).fill(-1);
    const labels: string[] = [];
    const probs: number[] = [];
    for (let e = 0; e < this.events; e++) {
      for (let g = 0; g < this.groups; g++) {
        if (cellWeight[e * this.groups + g] === 0) continue;
        this.cell[e * this.groups + g] = labels.length;
        labels.push(`${eventLabels[e]}, ${data.groupLabels[g]}`);
        probs.push(cellWeight[e * this.groups + g] / n);
      }
    }
    this.cellCount = labels.length;
    this.probCell = Float64Array.from(probs);
    this.index = [...labels.map((l) => `+ ${l}`), ...labels.map((l) => `- ${l}`)];
  }

  gamma(predictions: Vector): Float64Array {
    const sumCell = new Float64Array(this.cellCount);
    const sumEvent = new Float64Array(this.events);
    const n = this.weights.length;
    for (let i = 0; i < n; i++) {
      const e = this.eventOfRow[i];
      if (e < 0) continue;
      const value = this.weights[i] * predictions[i];
      sumCell[this.cell[e * this.groups + this.groupOfRow[i]]] += value;
      sumEvent[e] += value;
    }
    const out = new Float64Array(2 * this.cellCount);
    for (let e = 0; e < this.events; e++) {
      const meanEvent = sumEvent[e] / (this.probEvent[e] * n);
      for (let g = 0; g < this.groups; g++) {
        const c = this.cell[e * this.groups + g];
        if (c < 0) continue;
        const diff = sumCell[c] / (this.probCell[c] * n) - meanEvent;
        out[c] = diff;
        out[this.cellCount + c] = -diff;
      }
    }
    return out;
  }

  bound(): Float64Array {
    return new Float64Array(2 * this.cellCount).fill(this.differenceBound);
  }

  projectLambda(lambda: Float64Array): Float64Array {
    const out = new Float64Array(lambda.length);
    for (let c = 0; c < this.cellCount; c++) {
      const net = lambda[c] - lambda[this.cellCount + c];
      out[c] = Math.max(net, 0);
      out[this.cellCount + c] = Math.max(-net, 0);
    }
    return out;
  }

  signedWeights(lambda: Float64Array): Float64Array {
    const lambdaEvent = new Float64Array(this.events);
    const adjust = new Float64Array(this.events * this.groups);
    for (let e = 0; e < this.events; e++) {
      for (let g = 0; g < this.groups; g++) {
        const c = this.cell[e * this.groups + g];
        if (c >= 0) lambdaEvent[e] += lambda[c] - lambda[this.cellCount + c];
      }
      lambdaEvent[e] /= this.probEvent[e];
    }
    for (let e = 0; e < this.events; e++) {
      for (let g = 0; g < this.groups; g++) {
        const c = this.cell[e * this.groups + g];
        if (c >= 0)
          adjust[e * this.groups + g] =
            lambdaEvent[e] - (lambda[c] - lambda[this.cellCount + c]) / this.probCell[c];
      }
    }
    const out = new Float64Array(this.weights.length);
    for (let i = 0; i < out.length; i++) {
      const e = this.eventOfRow[i];
      if (e >= 0) out[i] = this.weights[i] * adjust[e * this.groups + this.groupOfRow[i]];
    }
    return out;
  }
}

/**
 * The allowed difference of a parity constraint from the overall rate (default 0.01, Fairlearn's).
 *
 * @example
 * ```ts
 * import { equalOpportunity, type ParityOptions } from "equipoise/fairness";
 * const options: ParityOptions = { differenceBound: 0.03 }; // each group's TPR within 0.03 of the overall TPR
 * const moment = equalOpportunity(options);
 * ```
 */
export interface ParityOptions {
  /** Allowed difference of each group from the event's overall rate (default 0.01, Fairlearn's). */
  differenceBound?: number;
}

/**
 * Demographic parity as a moment: every group's selection rate within the bound of the overall rate.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const y = [1, 0, 1, 0, 1, 0, 1, 1];
 * const groupOfRow = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1]); // F, F, F, F, M, M, M, M
 * const moment = fairness.demographicParity({ differenceBound: 0.02 });
 * moment.loadData({ y, groupOfRow, groupLabels: ["F", "M"] });
 * moment.bound(); // [0.02, 0.02, 0.02, 0.02]: each group's selection rate within 0.02 of the overall one
 * ```
 */
export function demographicParity(options: ParityOptions = {}): UtilityParity {
  return new UtilityParity("demographic_parity", () => ({ event: 0, label: "all" }), options.differenceBound);
}

/**
 * Equalized odds as a moment: every group's TPR and FPR within the bound of the overall rates.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const y = [1, 0, 1, 0, 1, 0, 1, 1];
 * const groupOfRow = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1]); // F, F, F, F, M, M, M, M
 * const moment = fairness.equalizedOdds({ differenceBound: 0.05 });
 * moment.loadData({ y, groupOfRow, groupLabels: ["F", "M"] });
 * moment.index.length; // 8: ± for each (label, group) pair
 * ```
 */
export function equalizedOdds(options: ParityOptions = {}): UtilityParity {
  return new UtilityParity(
    "equalized_odds",
    (label) => ({ event: label === 1 ? 1 : 0, label: `label=${label === 1 ? 1 : 0}` }),
    options.differenceBound,
  );
}

/**
 * Equal opportunity as a moment: every group's TPR within the bound of the overall TPR.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const y = [1, 0, 1, 0, 1, 0, 1, 1];
 * const groupOfRow = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1]); // F, F, F, F, M, M, M, M
 * const moment = fairness.equalOpportunity();
 * moment.loadData({ y, groupOfRow, groupLabels: ["F", "M"] });
 * moment.gamma([1, 0, 1, 1, 0, 0, 1, 0]); // [0.4, −0.27, −0.4, 0.27]: F's TPR 1 vs overall 0.6
 * ```
 */
export function equalOpportunity(options: ParityOptions = {}): UtilityParity {
  return new UtilityParity(
    "equal_opportunity",
    (label) => (label === 1 ? { event: 0, label: "label=1" } : null),
    options.differenceBound,
  );
}

/** Fairlearn's name for equal opportunity. */
export const truePositiveRateParity = equalOpportunity;

/**
 * The reductions' moment of a fairness constraint.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const moment = fairness.parityMoment(fairness.parseFairnessConstraint("eop"), { differenceBound: 0.05 });
 * // the same moment as fairness.equalOpportunity({ differenceBound: 0.05 })
 * ```
 */
export function parityMoment(constraint: FairnessConstraint, options: ParityOptions = {}): UtilityParity {
  if (constraint === "demographic_parity") return demographicParity(options);
  if (constraint === "equalized_odds") return equalizedOdds(options);
  return equalOpportunity(options);
}

/**
 * Error rate of every group at most `upperBound` (Fairlearn's BoundedGroupLoss with zero-one loss).
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const y = [1, 0, 1, 0, 1, 0, 1, 1];
 * const groupOfRow = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1]); // F, F, F, F, M, M, M, M
 * const loss = new fairness.BoundedGroupLoss(0.3); // every group's error rate ≤ 0.3
 * loss.loadData({ y, groupOfRow, groupLabels: ["F", "M"] });
 * loss.gamma([1, 0, 1, 1, 0, 0, 1, 0]); // [0.25, 0.5]: group M violates the bound
 * ```
 */
export class BoundedGroupLoss implements Moment {
  readonly name = "bounded_group_loss";
  index: string[] = [];
  private y: Vector = [];
  private groupOfRow: Int32Array = new Int32Array(0);
  private weights: Float64Array = new Float64Array(0);
  private probGroup: Float64Array = new Float64Array(0);

  constructor(private readonly upperBound: number) {}

  loadData(data: MomentData): void {
    const n = data.y.length;
    this.y = data.y;
    this.groupOfRow = data.groupOfRow;
    this.weights = normalisedWeights(n, data.sampleWeight);
    this.probGroup = new Float64Array(data.groupLabels.length);
    for (let i = 0; i < n; i++) this.probGroup[this.groupOfRow[i]] += this.weights[i] / n;
    this.index = [...data.groupLabels];
  }

  gamma(predictions: Vector): Float64Array {
    const loss = new Float64Array(this.probGroup.length);
    const n = this.weights.length;
    for (let i = 0; i < n; i++) if (predictions[i] !== this.y[i]) loss[this.groupOfRow[i]] += this.weights[i];
    return loss.map((l, g) => l / (this.probGroup[g] * n));
  }

  bound(): Float64Array {
    return new Float64Array(this.probGroup.length).fill(this.upperBound);
  }

  projectLambda(lambda: Float64Array): Float64Array {
    return lambda.map((l) => Math.max(l, 0));
  }

  signedWeights(lambda: Float64Array): Float64Array {
    return this.weights.map((w, i) => {
      const g = this.groupOfRow[i];
      return ((w * lambda[g]) / this.probGroup[g]) * (this.y[i] === 1 ? 1 : -1);
    });
  }
}
