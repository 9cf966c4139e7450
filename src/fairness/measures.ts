/**
 * Fairness measures as thin functions over MetricFrame, defined as Fairlearn 0.9
 * defines them:
 *   demographic parity difference / ratio = difference / ratio of selection rates;
 *   equalized odds difference = max(TPR difference, FPR difference);
 *   equalized odds ratio      = min(TPR ratio, FPR ratio);
 *   equal opportunity difference / ratio = of the TPR;
 *   predictive parity difference = of the precision (positive predictive value).
 * Individual consistency is Zemel et al. (2013), computed as AIF360 does.
 */
import { DataError } from "../common/errors.js";
import type { FairnessConstraint } from "./constraint.js";
import type { SensitiveFeature } from "./groups.js";
import type { FeatureMatrix } from "./learner.js";
import { type AggregationMethod, MetricFrame, type PredictionKind } from "./metric-frame.js";
import type { MetricName, Vector } from "./metrics.js";

/**
 * The groups a fairness measure compares, and how it aggregates (Fairlearn's `method`).
 *
 * @example
 * ```ts
 * import { equalizedOddsDifference, type MeasureOptions } from "equipoise/fairness";
 * const options: MeasureOptions = {
 *   sensitiveFeatures: [{ name: "sex", values: ["F", "F", "M", "M"] }],
 *   method: "to_overall", // largest distance of a group from the overall rate
 *   sampleWeight: [1, 1, 2, 2],
 * };
 * const gap = equalizedOddsDifference([1, 0, 1, 0], [1, 0, 1, 1], options);
 * ```
 */
export interface MeasureOptions {
  sensitiveFeatures: SensitiveFeature[];
  method?: AggregationMethod;
  sampleWeight?: Vector;
  /** "probability": y_pred is P(ŷ = 1) of a randomised classifier and the measure is of its expected rates. */
  predictionKind?: PredictionKind;
}

function frameOf(metrics: MetricName[], yTrue: Vector, yPred: Vector, options: MeasureOptions): MetricFrame {
  return new MetricFrame({
    metrics,
    yTrue,
    yPred,
    sensitiveFeatures: options.sensitiveFeatures,
    sampleWeight: options.sampleWeight,
    predictionKind: options.predictionKind,
  });
}

/**
 * Largest minus smallest selection rate P(ŷ = 1) over the groups (Fairlearn's
 * `demographic_parity_difference`); 0 is parity.
 *
 * @example
 * ```ts
 * import { demographicParityDifference } from "equipoise/fairness";
 * demographicParityDifference([1, 0, 1, 0], [1, 0, 1, 1], {
 *   sensitiveFeatures: [{ name: "sex", values: ["F", "F", "M", "M"] }],
 * }); // 0.5
 * ```
 */
export function demographicParityDifference(yTrue: Vector, yPred: Vector, options: MeasureOptions): number {
  return frameOf(["selection_rate"], yTrue, yPred, options).differenceOf("selection_rate", options.method);
}

/**
 * Smallest over largest selection rate of the groups; 1 is parity.
 *
 * @example
 * ```ts
 * import { demographicParityRatio } from "equipoise/fairness";
 * const sex = { name: "sex", values: ["F", "F", "M", "M"] };
 * demographicParityRatio([1, 0, 1, 0], [1, 0, 1, 1], { sensitiveFeatures: [sex] }); // 0.5 / 1 = 0.5
 * ```
 */
export function demographicParityRatio(yTrue: Vector, yPred: Vector, options: MeasureOptions): number {
  return frameOf(["selection_rate"], yTrue, yPred, options).ratioOf("selection_rate", options.method);
}

/**
 * The larger of the between-group differences of the true-positive and the false-positive rates
 * (Fairlearn's `equalized_odds_difference`).
 *
 * @example
 * ```ts
 * import { equalizedOddsDifference } from "equipoise/fairness";
 * const sex = { name: "sex", values: ["F", "F", "M", "M"] };
 * equalizedOddsDifference([1, 0, 1, 0], [1, 0, 1, 1], { sensitiveFeatures: [sex] }); // FPR 0 vs 1: 1
 * ```
 */
export function equalizedOddsDifference(yTrue: Vector, yPred: Vector, options: MeasureOptions): number {
  const frame = frameOf(["true_positive_rate", "false_positive_rate"], yTrue, yPred, options);
  return Math.max(
    frame.differenceOf("true_positive_rate", options.method),
    frame.differenceOf("false_positive_rate", options.method),
  );
}

/**
 * The smaller of the between-group ratios of the true-positive and the false-positive rates.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const yTrue = [1, 0, 1, 0, 1, 0, 1, 1];
 * const yPred = [1, 0, 1, 1, 0, 0, 1, 0];
 * const sex = { name: "sex", values: ["F", "F", "F", "F", "M", "M", "M", "M"] };
 * fairness.equalizedOddsRatio(yTrue, yPred, { sensitiveFeatures: [sex] }); // 0: FPR is 0.5 for F, 0 for M
 * ```
 */
export function equalizedOddsRatio(yTrue: Vector, yPred: Vector, options: MeasureOptions): number {
  const frame = frameOf(["true_positive_rate", "false_positive_rate"], yTrue, yPred, options);
  return Math.min(
    frame.ratioOf("true_positive_rate", options.method),
    frame.ratioOf("false_positive_rate", options.method),
  );
}

/**
 * Largest minus smallest true-positive rate over the groups (equal opportunity, Hardt et al. 2016).
 *
 * @example
 * ```ts
 * import { equalOpportunityDifference } from "equipoise/fairness";
 * const sex = { name: "sex", values: ["F", "F", "M", "M"] };
 * equalOpportunityDifference([1, 0, 1, 0], [1, 0, 1, 1], { sensitiveFeatures: [sex] }); // TPR 1 vs 1: 0
 * ```
 */
export function equalOpportunityDifference(yTrue: Vector, yPred: Vector, options: MeasureOptions): number {
  return frameOf(["true_positive_rate"], yTrue, yPred, options).differenceOf(
    "true_positive_rate",
    options.method,
  );
}

/**
 * Smallest over largest true-positive rate of the groups.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const yTrue = [1, 0, 1, 0, 1, 0, 1, 1];
 * const yPred = [1, 0, 1, 1, 0, 0, 1, 0];
 * const sex = { name: "sex", values: ["F", "F", "F", "F", "M", "M", "M", "M"] };
 * fairness.equalOpportunityRatio(yTrue, yPred, { sensitiveFeatures: [sex] }); // TPR 1/3 over 1 = 1/3
 * ```
 */
export function equalOpportunityRatio(yTrue: Vector, yPred: Vector, options: MeasureOptions): number {
  return frameOf(["true_positive_rate"], yTrue, yPred, options).ratioOf("true_positive_rate", options.method);
}

/**
 * Largest minus smallest precision P(y = 1 | ŷ = 1) over the groups.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const yTrue = [1, 0, 1, 0, 1, 0, 1, 1];
 * const yPred = [1, 0, 1, 1, 0, 0, 1, 0];
 * const sex = { name: "sex", values: ["F", "F", "F", "F", "M", "M", "M", "M"] };
 * fairness.predictiveParityDifference(yTrue, yPred, { sensitiveFeatures: [sex] }); // precision 1 − 2/3 = 1/3
 * ```
 */
export function predictiveParityDifference(yTrue: Vector, yPred: Vector, options: MeasureOptions): number {
  return frameOf(["precision"], yTrue, yPred, options).differenceOf("precision", options.method);
}

/**
 * The difference that a fairness constraint asks to be small.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const yTrue = [1, 0, 1, 0, 1, 0, 1, 1];
 * const yPred = [1, 0, 1, 1, 0, 0, 1, 0];
 * const sex = { name: "sex", values: ["F", "F", "F", "F", "M", "M", "M", "M"] };
 * fairness.constraintDifference("equalized_odds", yTrue, yPred, { sensitiveFeatures: [sex] }); // 2/3
 * ```
 */
export function constraintDifference(
  constraint: FairnessConstraint,
  yTrue: Vector,
  yPred: Vector,
  options: MeasureOptions,
): number {
  if (constraint === "demographic_parity") return demographicParityDifference(yTrue, yPred, options);
  if (constraint === "equalized_odds") return equalizedOddsDifference(yTrue, yPred, options);
  return equalOpportunityDifference(yTrue, yPred, options);
}

/**
 * Individual fairness (Zemel et al. 2013): 1 − mean_i |ŷ_i − mean of ŷ over the k
 * nearest neighbours of x_i| (Euclidean). As in AIF360, the neighbours are searched
 * among all rows including x_i itself (so x_i is its own first neighbour); ties are
 * broken by row index. Brute force, O(n² d).
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const X = { rows: 4, cols: 1, data: [0, 0.1, 5, 5.1] }; // two pairs of close rows
 * // k = 2: each row and its nearest other row (a row is its own first neighbour)
 * fairness.individualConsistency(X, [1, 1, 0, 0], 2); // 1: every pair agrees
 * fairness.individualConsistency(X, [1, 1, 0, 1], 2); // 0.75: the second pair disagrees
 * ```
 */
export function individualConsistency(X: FeatureMatrix, yPred: Vector, neighbours = 5): number {
  const { rows, cols, data } = X;
  if (yPred.length !== rows) throw new DataError(`y_pred has ${yPred.length} values, X has ${rows} rows`);
  if (!(neighbours >= 1 && neighbours <= rows)) {
    throw new DataError(`neighbours must be between 1 and ${rows}, got ${neighbours}`);
  }
  const distance = new Float64Array(rows);
  const order = new Int32Array(rows);
  let total = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < rows; j++) {
      let d = 0;
      for (let c = 0; c < cols; c++) {
        const diff = data[i * cols + c] - data[j * cols + c];
        d += diff * diff;
      }
      distance[j] = d;
      order[j] = j;
    }
    order.sort((a, b) => distance[a] - distance[b] || a - b);
    let mean = 0;
    for (let k = 0; k < neighbours; k++) mean += yPred[order[k]];
    total += Math.abs(yPred[i] - mean / neighbours);
  }
  return 1 - total / rows;
}
