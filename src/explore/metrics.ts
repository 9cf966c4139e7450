/**
 * The metrics of one trained model on one split: accuracy, the fairness gaps on the
 * primary sensitive attribute (Fairlearn's definitions, through MetricFrame), and
 * the per-group table for every sensitive attribute.
 */
import type { SensitiveAttribute } from "../data/index.js";
import { MetricFrame } from "../fairness/index.js";

export interface GroupMetrics {
  count: number;
  accuracy: number;
  selectionRate: number;
  tpr: number;
  fpr: number;
}

export interface SplitMetrics {
  accuracy: number;
  epsilon: number;
  dpDifference: number;
  eoDifference: number;
  eopDifference: number;
  /** attribute → group → metrics. */
  perGroup: Record<string, Record<string, GroupMetrics>>;
}

const frameMetrics = [
  "count",
  "accuracy",
  "selection_rate",
  "true_positive_rate",
  "false_positive_rate",
] as const;

/**
 * @param primary index into `sensitive` of the attribute whose gaps are objectives.
 */
export function splitMetrics(
  yTrue: Float32Array,
  yPred: Int32Array,
  sensitive: SensitiveAttribute[],
  primary: number,
  epsilon: number,
): SplitMetrics {
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) correct++;
  const perGroup: SplitMetrics["perGroup"] = {};
  let gaps = { dpDifference: 0, eoDifference: 0, eopDifference: 0 };
  sensitive.forEach((attribute, index) => {
    const frame = new MetricFrame({
      metrics: [...frameMetrics],
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
  return { accuracy: yTrue.length > 0 ? correct / yTrue.length : 0, epsilon, ...gaps, perGroup };
}

/** Accuracy of always predicting the most frequent label. */
export function majorityAccuracy(y: Float32Array): number {
  const counts = new Map<number, number>();
  for (const label of y) counts.set(label, (counts.get(label) ?? 0) + 1);
  return y.length > 0 ? Math.max(...counts.values()) / y.length : 0;
}
