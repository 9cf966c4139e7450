/**
 * Classification metrics with sample weights, defined exactly as scikit-learn /
 * Fairlearn define them (binary labels, positive label 1), so that a group table here
 * agrees with Fairlearn's MetricFrame to rounding.
 *
 * Zero-division conventions (sklearn's): rates normalised by a confusion-matrix row
 * (TPR, FPR, TNR, FNR) are 0 when the row is empty (`confusion_matrix(normalize="true")`
 * runs `nan_to_num`); precision with no predicted positive is 0 (`zero_division="warn"`);
 * balanced accuracy averages the recalls of the classes present in y_true. The
 * MetricFrame reports every group where one of these conventions was applied.
 *
 * Randomised classifiers (exponentiated gradient's mixture, the threshold optimiser's
 * interpolation) are described by p_i = P(ŷ_i = 1). Their metrics are expectations
 * over the draws, computed from the expected confusion counts E[TP] = Σ w_i y_i p_i
 * etc. (linearity of expectation: exact whatever the dependence between draws). For a
 * metric whose normaliser does not depend on the predictions (accuracy, selection
 * rate, TPR, FPR, TNR, FNR, balanced accuracy) that is exactly its expected value;
 * precision's normaliser is random, so from probabilities it is the ratio of
 * expectations E[TP] / E[TP + FP], and the MetricFrame says so.
 */

import { DataError } from "../common/errors.js";

/**
 * A column of numbers: an array or a typed array.
 *
 * @example
 * ```ts
 * import { accuracy, type Vector } from "equipoise/fairness";
 * const yTrue: Vector = Float64Array.of(1, 0, 1); // an array or a typed array
 * const yPred: Vector = [1, 0, 0];
 * accuracy(yTrue, yPred); // 2/3
 * ```
 */
export type Vector = ArrayLike<number>;

/**
 * Throws a DataError naming the first row whose value is NaN or ±∞. Code that sorts
 * scores or walks runs of tied scores must call it first: NaN compares false with
 * everything, so a sort leaves it anywhere and `score === previous` never holds (the
 * tie walk of ROC AUC then never advanced: an endless loop).
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * fairness.requireFinite("scores", [0.1, Number.NaN]); // throws a DataError: "scores must be finite numbers; row 1 has NaN"
 * ```
 */
export function requireFinite(name: string, values: Vector): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]))
      throw new DataError(`${name} must be finite numbers; row ${i} has ${values[i]}`);
  }
}

/**
 * Fairlearn-style metric: (y_true, y_pred or scores, sample_weight?) → number.
 *
 * @example
 * ```ts
 * import { MetricFrame, type MetricFunction } from "equipoise/fairness";
 * // a custom metric: the share of predicted positives that are wrong
 * const falseDiscoveryRate: MetricFunction = (yTrue, yPred) => {
 *   let selected = 0, wrong = 0;
 *   for (let i = 0; i < yPred.length; i++) if (yPred[i] === 1) { selected++; if (yTrue[i] === 0) wrong++; }
 *   return wrong / selected;
 * };
 * const frame = new MetricFrame({ metrics: { fdr: falseDiscoveryRate }, yTrue: [1, 0, 1, 0], yPred: [1, 1, 1, 0], sensitiveFeatures: [{ name: "sex", values: ["F", "F", "M", "M"] }] });
 * ```
 */
export type MetricFunction = (yTrue: Vector, yPred: Vector, sampleWeight?: Vector) => number;

/**
 * A metric with what it is computed on and when its value is a convention rather than
 * an estimate (returns the reason, or null when the value is well defined).
 *
 * @example
 * ```ts
 * import { type MetricDefinition, MetricFrame, metricDefinitions } from "equipoise/fairness";
 * const recall: MetricDefinition = metricDefinitions.true_positive_rate;
 * recall.input; // "prediction"
 * const frame = new MetricFrame({ metrics: { recall }, yTrue: [1, 0, 1, 0], yPred: [1, 0, 0, 0], sensitiveFeatures: [{ name: "sex", values: ["F", "F", "M", "M"] }] });
 * frame.byGroup.recall; // [1, 0]
 * ```
 */
export interface MetricDefinition {
  readonly name: string;
  readonly input: "prediction" | "score";
  readonly compute: MetricFunction;
  /** When the value is a convention rather than an estimate (e.g. no positives in the group): the reason, or null. */
  readonly degenerate?: (yTrue: Vector, yPred: Vector, sampleWeight?: Vector) => string | null;
  /**
   * A prediction metric from probabilities of predicting 1 (a randomised classifier):
   * `exact` when it is the expected value over the draws, not when it is a ratio of
   * expectations. Absent: the metric has no such form.
   */
  readonly expected?: { readonly compute: MetricFunction; readonly exact: boolean };
}

/**
 * Weighted confusion-matrix counts of binary labels and predictions.
 *
 * @example
 * ```ts
 * import { type ConfusionCounts, confusionCounts } from "equipoise/fairness";
 * const counts: ConfusionCounts = confusionCounts([1, 0, 1, 0], [1, 1, 0, 0]);
 * counts; // { truePositives: 1, falsePositives: 1, trueNegatives: 1, falseNegatives: 1 }
 * ```
 */
export interface ConfusionCounts {
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
}

/**
 * Throws a DataError naming the first row that is not a probability (finite, in [0, 1]).
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * fairness.requireProbabilities("yScore", [0.1, 1.2]); // throws a DataError naming row 1 and 1.2
 * ```
 */
export function requireProbabilities(name: string, values: Vector): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0 && v <= 1))
      throw new DataError(`${name} must be probabilities in [0, 1]; row ${i} has ${v}`);
  }
}

const weightAt = (w: Vector | undefined, i: number): number => (w === undefined ? 1 : w[i]);

/**
 * Weighted confusion counts for positive label 1.
 *
 * @example
 * ```ts
 * import { confusionCounts } from "equipoise/fairness";
 * confusionCounts([1, 0, 1, 1, 0, 0], [1, 0, 0, 1, 1, 0]);
 * // { truePositives: 2, falsePositives: 1, trueNegatives: 2, falseNegatives: 1 }
 * ```
 */
export function confusionCounts(yTrue: Vector, yPred: Vector, sampleWeight?: Vector): ConfusionCounts {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const w = weightAt(sampleWeight, i);
    if (yTrue[i] === 1) {
      if (yPred[i] === 1) tp += w;
      else fn += w;
    } else if (yPred[i] === 1) fp += w;
    else tn += w;
  }
  return { truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn };
}

/**
 * Expected weighted confusion counts of a randomised classifier that predicts 1 for row
 * i with probability p_i; with 0/1 predictions these are the plain counts.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const yTrue = [1, 0, 1, 0, 1, 0, 1, 1];
 * const probabilities = [0.5, 0.5, 1, 1, 0, 0, 1, 0]; // P(ŷ = 1) of a randomised classifier per row
 * fairness.expectedConfusionCounts(yTrue, probabilities);
 * // { truePositives: 2.5, falsePositives: 1.5, trueNegatives: 1.5, falseNegatives: 2.5 }
 * ```
 */
export function expectedConfusionCounts(
  yTrue: Vector,
  probabilities: Vector,
  sampleWeight?: Vector,
): ConfusionCounts {
  requireProbabilities("probabilities of predicting 1", probabilities);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const w = weightAt(sampleWeight, i);
    const p = probabilities[i];
    if (yTrue[i] === 1) {
      tp += w * p;
      fn += w * (1 - p);
    } else {
      fp += w * p;
      tn += w * (1 - p);
    }
  }
  return { truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn };
}

/** numerator / denominator, or 0 when the denominator is 0 (sklearn's nan_to_num). */
function rateOrZero(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

function weightedMean(values: (i: number) => number, n: number, sampleWeight?: Vector): number {
  let sum = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const w = weightAt(sampleWeight, i);
    sum += w * values(i);
    total += w;
  }
  return sum / total;
}

/**
 * Share of rows whose prediction equals the label (weighted by `sampleWeight`).
 *
 * @example
 * ```ts
 * import { accuracy } from "equipoise/fairness";
 * accuracy([1, 0, 1, 1, 0, 0], [1, 0, 0, 1, 1, 0]); // 4/6
 * ```
 */
export function accuracy(yTrue: Vector, yPred: Vector, sampleWeight?: Vector): number {
  return weightedMean((i) => (yTrue[i] === yPred[i] ? 1 : 0), yTrue.length, sampleWeight);
}

/**
 * Share of rows predicted positive, P(ŷ = 1).
 *
 * @example
 * ```ts
 * import { selectionRate } from "equipoise/fairness";
 * selectionRate([1, 0, 1, 1, 0, 0], [1, 0, 0, 1, 1, 0]); // 3/6
 * ```
 */
export function selectionRate(_yTrue: Vector, yPred: Vector, sampleWeight?: Vector): number {
  return weightedMean((i) => (yPred[i] === 1 ? 1 : 0), yPred.length, sampleWeight);
}

/**
 * Recall, P(ŷ = 1 | y = 1); NaN without positive rows.
 *
 * @example
 * ```ts
 * import { truePositiveRate } from "equipoise/fairness";
 * truePositiveRate([1, 0, 1, 1, 0, 0], [1, 0, 0, 1, 1, 0]); // 2/3
 * ```
 */
export function truePositiveRate(yTrue: Vector, yPred: Vector, sampleWeight?: Vector): number {
  const c = confusionCounts(yTrue, yPred, sampleWeight);
  return rateOrZero(c.truePositives, c.truePositives + c.falseNegatives);
}

/**
 * P(ŷ = 1 | y = 0); NaN without negative rows.
 *
 * @example
 * ```ts
 * import { falsePositiveRate } from "equipoise/fairness";
 * falsePositiveRate([1, 0, 1, 1, 0, 0], [1, 0, 0, 1, 1, 0]); // 1/3
 * ```
 */
export function falsePositiveRate(yTrue: Vector, yPred: Vector, sampleWeight?: Vector): number {
  const c = confusionCounts(yTrue, yPred, sampleWeight);
  return rateOrZero(c.falsePositives, c.falsePositives + c.trueNegatives);
}

/**
 * Specificity, P(ŷ = 0 | y = 0); NaN without negative rows.
 *
 * @example
 * ```ts
 * import { trueNegativeRate } from "equipoise/fairness";
 * trueNegativeRate([1, 0, 1, 1, 0, 0], [1, 0, 0, 1, 1, 0]); // 2/3
 * ```
 */
export function trueNegativeRate(yTrue: Vector, yPred: Vector, sampleWeight?: Vector): number {
  const c = confusionCounts(yTrue, yPred, sampleWeight);
  return rateOrZero(c.trueNegatives, c.trueNegatives + c.falsePositives);
}

/**
 * P(ŷ = 0 | y = 1); NaN without positive rows.
 *
 * @example
 * ```ts
 * import { falseNegativeRate } from "equipoise/fairness";
 * falseNegativeRate([1, 0, 1, 1, 0, 0], [1, 0, 0, 1, 1, 0]); // 1/3
 * ```
 */
export function falseNegativeRate(yTrue: Vector, yPred: Vector, sampleWeight?: Vector): number {
  const c = confusionCounts(yTrue, yPred, sampleWeight);
  return rateOrZero(c.falseNegatives, c.falseNegatives + c.truePositives);
}

/**
 * P(y = 1 | ŷ = 1); NaN when nothing is predicted positive.
 *
 * @example
 * ```ts
 * import { precision } from "equipoise/fairness";
 * precision([1, 0, 1, 1, 0, 0], [1, 0, 0, 1, 1, 0]); // 2/3
 * ```
 */
export function precision(yTrue: Vector, yPred: Vector, sampleWeight?: Vector): number {
  const c = confusionCounts(yTrue, yPred, sampleWeight);
  return rateOrZero(c.truePositives, c.truePositives + c.falsePositives);
}

/**
 * Mean recall over the classes present in y_true (sklearn drops the NaN rows).
 *
 * @example
 * ```ts
 * import { balancedAccuracy } from "equipoise/fairness";
 * balancedAccuracy([1, 0, 1, 1, 0, 0], [1, 0, 0, 1, 1, 0]); // (2/3 + 2/3) / 2
 * ```
 */
export function balancedAccuracy(yTrue: Vector, yPred: Vector, sampleWeight?: Vector): number {
  const c = confusionCounts(yTrue, yPred, sampleWeight);
  const recalls: number[] = [];
  const positives = c.truePositives + c.falseNegatives;
  const negatives = c.trueNegatives + c.falsePositives;
  if (negatives > 0) recalls.push(c.trueNegatives / negatives);
  if (positives > 0) recalls.push(c.truePositives / positives);
  return recalls.length === 0 ? Number.NaN : recalls.reduce((a, b) => a + b, 0) / recalls.length;
}

// ---- expectations over the draws of a randomised classifier ------------------------

const totalOf = (c: ConfusionCounts) =>
  c.truePositives + c.falsePositives + c.trueNegatives + c.falseNegatives;

/**
 * Expected accuracy of a randomised classifier that predicts 1 with the given probability per row.
 *
 * @example
 * ```ts
 * import { expectedAccuracy } from "equipoise/fairness";
 * expectedAccuracy([1, 0, 1, 1, 0, 0], [0.5, 0.5, 1, 1, 0, 0]); // 5/6
 * ```
 */
export function expectedAccuracy(yTrue: Vector, probabilities: Vector, sampleWeight?: Vector): number {
  const c = expectedConfusionCounts(yTrue, probabilities, sampleWeight);
  return (c.truePositives + c.trueNegatives) / totalOf(c);
}

/**
 * Expected selection rate of a randomised classifier: the mean probability of predicting 1.
 *
 * @example
 * ```ts
 * import { expectedSelectionRate } from "equipoise/fairness";
 * expectedSelectionRate([1, 0, 1, 1, 0, 0], [0.5, 0.5, 1, 1, 0, 0]); // 0.5
 * ```
 */
export function expectedSelectionRate(yTrue: Vector, probabilities: Vector, sampleWeight?: Vector): number {
  const c = expectedConfusionCounts(yTrue, probabilities, sampleWeight);
  return (c.truePositives + c.falsePositives) / totalOf(c);
}

/**
 * Expected true-positive rate of a randomised classifier.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const yTrue = [1, 0, 1, 0, 1, 0, 1, 1];
 * const probabilities = [0.5, 0.5, 1, 1, 0, 0, 1, 0]; // P(ŷ = 1) of a randomised classifier per row
 * fairness.expectedTruePositiveRate(yTrue, probabilities); // 2.5 / 5 = 0.5
 * ```
 */
export function expectedTruePositiveRate(
  yTrue: Vector,
  probabilities: Vector,
  sampleWeight?: Vector,
): number {
  const c = expectedConfusionCounts(yTrue, probabilities, sampleWeight);
  return rateOrZero(c.truePositives, c.truePositives + c.falseNegatives);
}

/**
 * Expected false-positive rate of a randomised classifier.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const yTrue = [1, 0, 1, 0, 1, 0, 1, 1];
 * const probabilities = [0.5, 0.5, 1, 1, 0, 0, 1, 0]; // P(ŷ = 1) of a randomised classifier per row
 * fairness.expectedFalsePositiveRate(yTrue, probabilities); // 1.5 / 3 = 0.5
 * ```
 */
export function expectedFalsePositiveRate(
  yTrue: Vector,
  probabilities: Vector,
  sampleWeight?: Vector,
): number {
  const c = expectedConfusionCounts(yTrue, probabilities, sampleWeight);
  return rateOrZero(c.falsePositives, c.falsePositives + c.trueNegatives);
}

/**
 * Expected true-negative rate of a randomised classifier.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const yTrue = [1, 0, 1, 0, 1, 0, 1, 1];
 * const probabilities = [0.5, 0.5, 1, 1, 0, 0, 1, 0]; // P(ŷ = 1) of a randomised classifier per row
 * fairness.expectedTrueNegativeRate(yTrue, probabilities); // 1.5 / 3 = 0.5
 * ```
 */
export function expectedTrueNegativeRate(
  yTrue: Vector,
  probabilities: Vector,
  sampleWeight?: Vector,
): number {
  const c = expectedConfusionCounts(yTrue, probabilities, sampleWeight);
  return rateOrZero(c.trueNegatives, c.trueNegatives + c.falsePositives);
}

/**
 * Expected false-negative rate of a randomised classifier.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const yTrue = [1, 0, 1, 0, 1, 0, 1, 1];
 * const probabilities = [0.5, 0.5, 1, 1, 0, 0, 1, 0]; // P(ŷ = 1) of a randomised classifier per row
 * fairness.expectedFalseNegativeRate(yTrue, probabilities); // 2.5 / 5 = 0.5
 * ```
 */
export function expectedFalseNegativeRate(
  yTrue: Vector,
  probabilities: Vector,
  sampleWeight?: Vector,
): number {
  const c = expectedConfusionCounts(yTrue, probabilities, sampleWeight);
  return rateOrZero(c.falseNegatives, c.falseNegatives + c.truePositives);
}

/**
 * Expected balanced accuracy (mean recall over the classes present) of a randomised classifier.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const yTrue = [1, 0, 1, 0, 1, 0, 1, 1];
 * const probabilities = [0.5, 0.5, 1, 1, 0, 0, 1, 0]; // P(ŷ = 1) of a randomised classifier per row
 * fairness.expectedBalancedAccuracy(yTrue, probabilities); // (0.5 + 0.5) / 2 = 0.5
 * ```
 */
export function expectedBalancedAccuracy(
  yTrue: Vector,
  probabilities: Vector,
  sampleWeight?: Vector,
): number {
  const c = expectedConfusionCounts(yTrue, probabilities, sampleWeight);
  const recalls: number[] = [];
  const positives = c.truePositives + c.falseNegatives;
  const negatives = c.trueNegatives + c.falsePositives;
  if (negatives > 0) recalls.push(c.trueNegatives / negatives);
  if (positives > 0) recalls.push(c.truePositives / positives);
  return recalls.length === 0 ? Number.NaN : recalls.reduce((a, b) => a + b, 0) / recalls.length;
}

/**
 * E[TP] / E[TP + FP]: a ratio of expectations, not the expected precision.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const yTrue = [1, 0, 1, 0, 1, 0, 1, 1];
 * const probabilities = [0.5, 0.5, 1, 1, 0, 0, 1, 0]; // P(ŷ = 1) of a randomised classifier per row
 * fairness.precisionOfExpectedCounts(yTrue, probabilities); // 2.5 / (2.5 + 1.5) = 0.625
 * ```
 */
export function precisionOfExpectedCounts(
  yTrue: Vector,
  probabilities: Vector,
  sampleWeight?: Vector,
): number {
  const c = expectedConfusionCounts(yTrue, probabilities, sampleWeight);
  return rateOrZero(c.truePositives, c.truePositives + c.falsePositives);
}

/**
 * Probabilities are clipped to [eps, 1 − eps] with float64 eps (sklearn's eps="auto" on float64).
 *
 * @example
 * ```ts
 * import { logLoss } from "equipoise/fairness";
 * logLoss([1, 0, 1, 1, 0, 0], [0.9, 0.2, 0.4, 0.8, 0.6, 0.1]); // ≈ 0.4149, as scikit-learn's log_loss
 * ```
 */
export function logLoss(yTrue: Vector, yScore: Vector, sampleWeight?: Vector): number {
  requireProbabilities("scores", yScore);
  const eps = Number.EPSILON;
  return weightedMean(
    (i) => {
      const p = Math.min(1 - eps, Math.max(eps, yScore[i]));
      return yTrue[i] === 1 ? -Math.log(p) : -Math.log(1 - p);
    },
    yTrue.length,
    sampleWeight,
  );
}

/**
 * Mean squared difference between the score (probability of label 1) and the label.
 *
 * @example
 * ```ts
 * import { brierScore } from "equipoise/fairness";
 * brierScore([1, 0, 1, 1, 0, 0], [0.9, 0.2, 0.4, 0.8, 0.6, 0.1]); // ≈ 0.1367
 * ```
 */
export function brierScore(yTrue: Vector, yScore: Vector, sampleWeight?: Vector): number {
  requireProbabilities("scores", yScore);
  return weightedMean(
    (i) => {
      const d = (yTrue[i] === 1 ? 1 : 0) - yScore[i];
      return d * d;
    },
    yTrue.length,
    sampleWeight,
  );
}

/**
 * Area under the weighted ROC curve by the trapezoidal rule over distinct scores
 * (sklearn's roc_auc_score): tied scores earn half credit. NaN when y_true has one class
 * (sklearn raises; the MetricFrame reports it). Scores may be any finite numbers
 * (decision values); NaN or ±∞ is a DataError, as in sklearn.
 *
 * @example
 * ```ts
 * import { rocAuc } from "equipoise/fairness";
 * rocAuc([1, 0, 1, 1, 0, 0], [0.9, 0.2, 0.4, 0.8, 0.6, 0.1]); // 8/9
 * ```
 */
export function rocAuc(yTrue: Vector, yScore: Vector, sampleWeight?: Vector): number {
  requireFinite("scores", yScore);
  const n = yTrue.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => yScore[b] - yScore[a]);
  let totalPositive = 0;
  let totalNegative = 0;
  for (let i = 0; i < n; i++) {
    if (yTrue[i] === 1) totalPositive += weightAt(sampleWeight, i);
    else totalNegative += weightAt(sampleWeight, i);
  }
  if (totalPositive === 0 || totalNegative === 0) return Number.NaN;
  let area = 0;
  let tp = 0;
  let k = 0;
  while (k < n) {
    const threshold = yScore[order[k]];
    let dtp = 0;
    let dfp = 0;
    while (k < n && yScore[order[k]] === threshold) {
      const i = order[k];
      if (yTrue[i] === 1) dtp += weightAt(sampleWeight, i);
      else dfp += weightAt(sampleWeight, i);
      k++;
    }
    area += dfp * (tp + dtp / 2);
    tp += dtp;
  }
  return area / (totalPositive * totalNegative);
}

/**
 * Expected calibration error with `bins` equal-width bins on [0, 1] (the last bin
 * includes 1): Σ_b (W_b / W) |mean label − mean score| in bin b, weighted.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * fairness.expectedCalibrationError([1, 0, 1, 1, 0, 0], [0.9, 0.2, 0.4, 0.8, 0.6, 0.1], undefined, 5); // 0.3
 * ```
 */
export function expectedCalibrationError(
  yTrue: Vector,
  yScore: Vector,
  sampleWeight?: Vector,
  bins = 10,
): number {
  requireProbabilities("scores", yScore);
  const binWeight = new Float64Array(bins);
  const binLabel = new Float64Array(bins);
  const binScore = new Float64Array(bins);
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const w = weightAt(sampleWeight, i);
    const b = Math.min(bins - 1, Math.max(0, Math.floor(yScore[i] * bins)));
    binWeight[b] += w;
    binLabel[b] += w * (yTrue[i] === 1 ? 1 : 0);
    binScore[b] += w * yScore[i];
    total += w;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    if (binWeight[b] > 0) ece += Math.abs(binLabel[b] - binScore[b]) / total;
  }
  return ece;
}

/**
 * Number of rows, ignoring weights (Fairlearn's `count`).
 *
 * @example
 * ```ts
 * import { count } from "equipoise/fairness";
 * count([1, 0, 1]); // 3
 * ```
 */
export function count(yTrue: Vector): number {
  return yTrue.length;
}

// ---- degenerate-case detectors -------------------------------------------------------

function classWeights(yTrue: Vector, sampleWeight?: Vector): { positive: number; negative: number } {
  let positive = 0;
  let negative = 0;
  for (let i = 0; i < yTrue.length; i++) {
    if (yTrue[i] === 1) positive += weightAt(sampleWeight, i);
    else negative += weightAt(sampleWeight, i);
  }
  return { positive, negative };
}

const noPositives = (yTrue: Vector, _p: Vector, w?: Vector) =>
  classWeights(yTrue, w).positive === 0 ? "no positive labels, value set to 0 (sklearn convention)" : null;
const noNegatives = (yTrue: Vector, _p: Vector, w?: Vector) =>
  classWeights(yTrue, w).negative === 0 ? "no negative labels, value set to 0 (sklearn convention)" : null;
const singleClass = (yTrue: Vector, _p: Vector, w?: Vector) => {
  const c = classWeights(yTrue, w);
  return c.positive === 0 || c.negative === 0 ? "only one class in y_true" : null;
};
const noWeight = (yTrue: Vector, _p: Vector, w?: Vector) => {
  const c = classWeights(yTrue, w);
  return c.positive + c.negative === 0 ? "total sample weight is 0" : null;
};

/**
 * Every metric a {@link MetricFrame} knows by name (Fairlearn's names: "accuracy", "selection_rate",
 * "true_positive_rate", …), with what it reads (predictions or scores) and how it is computed.
 *
 * @example
 * ```ts
 * import { metricDefinitions } from "equipoise/fairness";
 * metricDefinitions.roc_auc.input; // "score": computed from yScore, not from yPred
 * metricDefinitions.accuracy.compute([1, 0, 1], [1, 0, 0]); // 2/3
 * ```
 */
export const metricDefinitions = {
  count: {
    name: "count",
    input: "prediction",
    /** The total weight of the rows. */
    compute: (yTrue) => count(yTrue),
    expected: {
      /** The value for probabilities of predicting 1: the total weight. */
      compute: (yTrue) => count(yTrue),
      exact: true,
    },
  },
  accuracy: {
    name: "accuracy",
    input: "prediction",
    /** Computes it: {@link accuracy}. */
    compute: accuracy,
    /** A group without weight makes the value a convention. */
    degenerate: noWeight,
    expected: {
      /** The value for probabilities of predicting 1: {@link expectedAccuracy}. */
      compute: expectedAccuracy,
      exact: true,
    },
  },
  selection_rate: {
    name: "selection_rate",
    input: "prediction",
    /** Computes it: {@link selectionRate}. */
    compute: selectionRate,
    /** A group without weight makes the value a convention. */
    degenerate: noWeight,
    expected: {
      /** The value for probabilities of predicting 1: {@link expectedSelectionRate}. */
      compute: expectedSelectionRate,
      exact: true,
    },
  },
  true_positive_rate: {
    name: "true_positive_rate",
    input: "prediction",
    /** Computes it: {@link truePositiveRate}. */
    compute: truePositiveRate,
    /** A group without positive labels makes the value a convention. */
    degenerate: noPositives,
    expected: {
      /** The value for probabilities of predicting 1: {@link expectedTruePositiveRate}. */
      compute: expectedTruePositiveRate,
      exact: true,
    },
  },
  false_positive_rate: {
    name: "false_positive_rate",
    input: "prediction",
    /** Computes it: {@link falsePositiveRate}. */
    compute: falsePositiveRate,
    /** A group without negative labels makes the value a convention. */
    degenerate: noNegatives,
    expected: {
      /** The value for probabilities of predicting 1: {@link expectedFalsePositiveRate}. */
      compute: expectedFalsePositiveRate,
      exact: true,
    },
  },
  true_negative_rate: {
    name: "true_negative_rate",
    input: "prediction",
    /** Computes it: {@link trueNegativeRate}. */
    compute: trueNegativeRate,
    /** A group without negative labels makes the value a convention. */
    degenerate: noNegatives,
    expected: {
      /** The value for probabilities of predicting 1: {@link expectedTrueNegativeRate}. */
      compute: expectedTrueNegativeRate,
      exact: true,
    },
  },
  false_negative_rate: {
    name: "false_negative_rate",
    input: "prediction",
    /** Computes it: {@link falseNegativeRate}. */
    compute: falseNegativeRate,
    /** A group without positive labels makes the value a convention. */
    degenerate: noPositives,
    expected: {
      /** The value for probabilities of predicting 1: {@link expectedFalseNegativeRate}. */
      compute: expectedFalseNegativeRate,
      exact: true,
    },
  },
  precision: {
    name: "precision",
    input: "prediction",
    /** Computes it: {@link precision}. */
    compute: precision,
    // Through expected counts, so that it also holds for probabilities of predicting 1.
    /** When the value is a convention rather than an estimate: the reason, or null. */
    degenerate: (yTrue, yPred, w) =>
      expectedSelectionRate(yTrue, yPred, w) === 0
        ? "no predicted positives, value set to 0 (sklearn convention)"
        : null,
    expected: {
      /** The value for probabilities of predicting 1: {@link precisionOfExpectedCounts}. */
      compute: precisionOfExpectedCounts,
      exact: false,
    },
  },
  balanced_accuracy: {
    name: "balanced_accuracy",
    input: "prediction",
    /** Computes it: {@link balancedAccuracy}. */
    compute: balancedAccuracy,
    /** When the value is a convention rather than an estimate: the reason, or null. */
    degenerate: (yTrue, yPred, w) => {
      const reason = singleClass(yTrue, yPred, w);
      return reason ? `${reason}: recall of the present class only` : null;
    },
    expected: {
      /** The value for probabilities of predicting 1: {@link expectedBalancedAccuracy}. */
      compute: expectedBalancedAccuracy,
      exact: true,
    },
  },
  log_loss: {
    name: "log_loss",
    input: "score",
    /** Computes it: {@link logLoss}. */
    compute: logLoss,
    /** A group without weight makes the value a convention. */
    degenerate: noWeight,
  },
  brier_score: {
    name: "brier_score",
    input: "score",
    /** Computes it: {@link brierScore}. */
    compute: brierScore,
    /** A group without weight makes the value a convention. */
    degenerate: noWeight,
  },
  roc_auc: {
    name: "roc_auc",
    input: "score",
    /** Computes it: {@link rocAuc}. */
    compute: rocAuc,
    /** When the value is a convention rather than an estimate: the reason, or null. */
    degenerate: (yTrue, yScore, w) => {
      const reason = singleClass(yTrue, yScore, w);
      return reason ? `${reason}: ROC AUC undefined (NaN)` : null;
    },
  },
  expected_calibration_error: {
    name: "expected_calibration_error",
    input: "score",
    /** Computes it: {@link expectedCalibrationError}. */
    compute: (yTrue, yScore, w) => expectedCalibrationError(yTrue, yScore, w),
    /** A group without weight makes the value a convention. */
    degenerate: noWeight,
  },
} as const satisfies Record<string, MetricDefinition>;

/**
 * The name of a built-in metric (a key of {@link metricDefinitions}).
 *
 * @example
 * ```ts
 * import { MetricFrame, type MetricName } from "equipoise/fairness";
 * const metrics: MetricName[] = ["accuracy", "selection_rate", "false_positive_rate"];
 * const frame = new MetricFrame({ metrics, yTrue: [1, 0, 1, 0], yPred: [1, 0, 0, 0], sensitiveFeatures: [{ name: "sex", values: ["F", "F", "M", "M"] }] });
 * ```
 */
export type MetricName = keyof typeof metricDefinitions;
