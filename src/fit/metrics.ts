/**
 * The one representation of "how a trained model did on a split": accuracy, the ε it
 * was trained with, the fairness gaps on the primary sensitive attribute (Fairlearn's
 * definitions, through MetricFrame) and the per-group table of every sensitive
 * attribute. Explorer trials, the reference model, `train` and `evaluate` all report
 * it; studies store it through the JSON codec below.
 *
 * Light: loads neither the tensor engine nor Node-only modules.
 */
import { decodeJsonNumber, jsonReplacer } from "../common/json.js";
import type { SensitiveAttribute } from "../data/types.js";
import { MetricFrame } from "../fairness/metric-frame.js";

/**
 * One group's count, accuracy and rates.
 *
 * @example
 * ```ts
 * import { type GroupMetrics, modelMetrics } from "equipoise/fit";
 * const sex = { name: "sex", categories: ["F", "M"], codes: Int32Array.of(0, 0, 1, 1) };
 * const female: GroupMetrics = modelMetrics([1, 0, 1, 0], [1, 0, 0, 0], [sex], 0, Number.POSITIVE_INFINITY).perGroup.sex.F;
 * female.selectionRate; // 0.5
 * female.tpr; // 1: the group's one positive example is predicted positive
 * ```
 */
export interface GroupMetrics {
  count: number;
  accuracy: number;
  /** P(ŷ = 1) in the group; NaN for a multi-class model. */
  selectionRate: number;
  /** True positive rate; NaN when the group has no positive examples (or the model is multi-class). */
  tpr: number;
  /** False positive rate; NaN when the group has no negative examples (or the model is multi-class). */
  fpr: number;
}

/**
 * attribute → group → metrics, e.g. perGroup.sex.Female.selectionRate.
 *
 * @example
 * ```ts
 * import { modelMetrics, type PerGroupMetrics } from "equipoise/fit";
 * const sex = { name: "sex", categories: ["F", "M"], codes: Int32Array.of(0, 0, 1, 1) };
 * const perGroup: PerGroupMetrics = modelMetrics([1, 0, 1, 0], [1, 0, 0, 0], [sex], 0, Number.POSITIVE_INFINITY).perGroup;
 * perGroup.sex.M.accuracy; // 0.5
 * ```
 */
export type PerGroupMetrics = Record<string, Record<string, GroupMetrics>>;

/**
 * A model's metrics on one split: accuracy, balanced accuracy, fairness differences and per-group metrics.
 *
 * @example
 * ```ts
 * import { type ModelMetrics, modelMetrics } from "equipoise/fit";
 * const sex = { name: "sex", categories: ["F", "M"], codes: Int32Array.of(0, 0, 1, 1) };
 * const metrics: ModelMetrics = modelMetrics([1, 0, 1, 0], [1, 0, 0, 0], [sex], 0, Number.POSITIVE_INFINITY);
 * metrics.balancedAccuracy; // 0.75: recall 0.5 on class 1, 1 on class 0
 * metrics.epsilon; // Infinity: a non-private model
 * ```
 */
export interface ModelMetrics {
  /** Accuracy in [0, 1]. */
  accuracy: number;
  /**
   * Mean recall over the classes present in y_true (scikit-learn's and Fairlearn's
   * balanced_accuracy): 0.5 for any constant predictor of a binary task, so it shows a
   * model that only predicts the majority class of imbalanced labels for what it is.
   */
  balancedAccuracy: number;
  /** (ε, δ)-DP of the whole training run; Infinity for a non-private model. */
  epsilon: number;
  /** Gaps on the primary sensitive attribute: NaN without one, or for a multi-class model. */
  dpDifference: number;
  eoDifference: number;
  eopDifference: number;
  perGroup: PerGroupMetrics;
}

const binaryFrameMetrics = [
  "count",
  "accuracy",
  "selection_rate",
  "true_positive_rate",
  "false_positive_rate",
] as const;

/**
 * Metrics of hard predictions `yPred` against `yTrue`.
 * @param primary index into `sensitive` of the attribute whose gaps are reported
 *   (−1 or out of range: none, the gaps are NaN).
 *
 * @example
 * ```ts
 * import { modelMetrics } from "equipoise/fit";
 * const sex = { name: "sex", categories: ["F", "M"], codes: Int32Array.of(0, 0, 1, 1) };
 * const metrics = modelMetrics([1, 0, 1, 0], [1, 0, 0, 0], [sex], 0, Number.POSITIVE_INFINITY);
 * metrics.accuracy; // 0.75
 * metrics.dpDifference; // 0.5: selection rate 0.5 for F, 0 for M
 * ```
 */
export function modelMetrics(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  sensitive: readonly SensitiveAttribute[],
  primary: number,
  epsilon: number,
): ModelMetrics {
  let correct = 0;
  let binary = true;
  for (let i = 0; i < yTrue.length; i++) {
    if (yTrue[i] === yPred[i]) correct++;
    if ((yTrue[i] !== 0 && yTrue[i] !== 1) || (yPred[i] !== 0 && yPred[i] !== 1)) binary = false;
  }
  const perGroup: PerGroupMetrics = {};
  let gaps = { dpDifference: Number.NaN, eoDifference: Number.NaN, eopDifference: Number.NaN };
  sensitive.forEach((attribute, index) => {
    if (!binary) {
      perGroup[attribute.name] = multiclassGroups(yTrue, yPred, attribute);
      return;
    }
    const frame = new MetricFrame({
      metrics: [...binaryFrameMetrics],
      yTrue,
      yPred,
      sensitiveFeatures: [{ name: attribute.name, categories: attribute.categories, codes: attribute.codes }],
    });
    const table: Record<string, GroupMetrics> = {};
    frame.groups.forEach((group, g) => {
      table[group.label] = {
        count: frame.byGroup.count[g],
        accuracy: frame.byGroup.accuracy[g],
        selectionRate: frame.byGroup.selection_rate[g],
        tpr: frame.byGroup.true_positive_rate[g],
        fpr: frame.byGroup.false_positive_rate[g],
      };
    });
    perGroup[attribute.name] = table;
    if (index === primary) {
      const tprGap = frame.differenceOf("true_positive_rate");
      gaps = {
        dpDifference: frame.differenceOf("selection_rate"),
        eoDifference: Math.max(tprGap, frame.differenceOf("false_positive_rate")),
        eopDifference: tprGap,
      };
    }
  });
  return {
    accuracy: yTrue.length > 0 ? correct / yTrue.length : 0,
    balancedAccuracy: balancedAccuracyOf(yTrue, yPred),
    epsilon,
    ...gaps,
    perGroup,
  };
}

/** Mean over the classes present in `yTrue` of the share of their rows predicted as that class; NaN without rows. */
function balancedAccuracyOf(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const rows = new Map<number, number>();
  const hits = new Map<number, number>();
  for (let i = 0; i < yTrue.length; i++) {
    rows.set(yTrue[i], (rows.get(yTrue[i]) ?? 0) + 1);
    if (yTrue[i] === yPred[i]) hits.set(yTrue[i], (hits.get(yTrue[i]) ?? 0) + 1);
  }
  if (rows.size === 0) return Number.NaN;
  let sum = 0;
  for (const [label, count] of rows) sum += (hits.get(label) ?? 0) / count;
  return sum / rows.size;
}

/** Count and accuracy by group when selection rates and TPR/FPR are undefined (more than two classes). */
function multiclassGroups(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  attribute: SensitiveAttribute,
): Record<string, GroupMetrics> {
  const counts = new Float64Array(attribute.categories.length);
  const hits = new Float64Array(attribute.categories.length);
  for (let i = 0; i < yTrue.length; i++) {
    const code = attribute.codes[i];
    if (code < 0 || code >= counts.length) continue;
    counts[code]++;
    if (yTrue[i] === yPred[i]) hits[code]++;
  }
  const table: Record<string, GroupMetrics> = {};
  attribute.categories.forEach((group, c) => {
    if (counts[c] === 0) return;
    table[group] = {
      count: counts[c],
      accuracy: hits[c] / counts[c],
      selectionRate: Number.NaN,
      tpr: Number.NaN,
      fpr: Number.NaN,
    };
  });
  return table;
}

/**
 * Accuracy of always predicting the most frequent label.
 *
 * @example
 * ```ts
 * import { majorityAccuracy } from "equipoise/fit";
 * majorityAccuracy([0, 0, 1, 0]); // 0.75: the baseline a model must beat
 * ```
 */
export function majorityAccuracy(y: ArrayLike<number>): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < y.length; i++) counts.set(y[i], (counts.get(y[i]) ?? 0) + 1);
  return y.length > 0 ? Math.max(...counts.values()) / y.length : 0;
}

/**
 * Model metrics as JSON stores them (common/json.ts: ε = ∞ → "Infinity", NaN → null).
 *
 * @example
 * ```ts
 * import { decodeModelMetrics, encodeModelMetrics, type ModelMetrics, type StoredModelMetrics } from "equipoise/fit";
 * declare const metrics: ModelMetrics; // from modelMetrics or evaluateFit
 * const stored: StoredModelMetrics = JSON.parse(JSON.stringify(encodeModelMetrics(metrics)));
 * decodeModelMetrics(stored); // the same metrics, ε = ∞ and NaN gaps restored
 * ```
 */
export type StoredModelMetrics = Record<string, unknown>;

/**
 * Model metrics in their JSON form (ε = ∞ as "Infinity", NaN as null).
 *
 * @example
 * ```ts
 * import { encodeModelMetrics, type ModelMetrics } from "equipoise/fit";
 * declare const metrics: ModelMetrics; // from modelMetrics or evaluateFit of a non-private model
 * encodeModelMetrics(metrics).epsilon; // "Infinity", ready for JSON.stringify
 * ```
 */
export function encodeModelMetrics(metrics: ModelMetrics): StoredModelMetrics {
  return JSON.parse(JSON.stringify(metrics, jsonReplacer));
}

/**
 * Back from JSON, decoding by position: the numeric fields and the rates of every
 * group, never a group's name (a group may legitimately be called "Infinity").
 *
 * @example
 * ```ts
 * import { decodeModelMetrics, encodeModelMetrics, type ModelMetrics } from "equipoise/fit";
 * declare const metrics: ModelMetrics; // from modelMetrics or evaluateFit
 * const stored = JSON.parse(JSON.stringify(encodeModelMetrics(metrics)));
 * decodeModelMetrics(stored).epsilon; // Infinity again
 * ```
 */
export function decodeModelMetrics(stored: StoredModelMetrics): ModelMetrics {
  const number = (value: unknown) => decodeJsonNumber(value);
  const perGroup: PerGroupMetrics = {};
  for (const [attribute, groups] of Object.entries((stored.perGroup ?? {}) as Record<string, unknown>)) {
    perGroup[attribute] = {};
    for (const [group, row] of Object.entries(groups as Record<string, Record<string, unknown>>)) {
      perGroup[attribute][group] = {
        count: number(row.count),
        accuracy: number(row.accuracy),
        selectionRate: number(row.selectionRate),
        tpr: number(row.tpr),
        fpr: number(row.fpr),
      };
    }
  }
  return {
    accuracy: number(stored.accuracy),
    // Absent from studies and model files written before it was recorded: NaN.
    balancedAccuracy: number(stored.balancedAccuracy),
    epsilon: number(stored.epsilon),
    dpDifference: number(stored.dpDifference),
    eoDifference: number(stored.eoDifference),
    eopDifference: number(stored.eopDifference),
    perGroup,
  };
}
