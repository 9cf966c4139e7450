/**
 * The standard fairness report of a set of predictions: the group table and the
 * fairness measures for each sensitive feature on its own and, with several, for
 * their intersection. Used by `fairness metrics`, `evaluate` and `train --fair`.
 */
import type { SensitiveFeature } from "./groups.js";
import { MetricFrame, type PredictionKind } from "./metric-frame.js";
import type { MetricName, Vector } from "./metrics.js";

/**
 * What {@link fairnessReport} reads: labels, predictions (or probabilities), optional scores and
 * weights, and the sensitive features.
 *
 * @example
 * ```ts
 * import { type FairnessReportInput, fairnessReport } from "equipoise/fairness";
 * const input: FairnessReportInput = {
 *   yTrue: [1, 0, 1, 0, 1, 0, 1, 1],
 *   yPred: [1, 0, 1, 1, 0, 0, 1, 0],
 *   yScore: [0.9, 0.2, 0.7, 0.6, 0.4, 0.1, 0.8, 0.3], // adds log loss, Brier score, ROC AUC, calibration error
 *   sensitiveFeatures: [{ name: "sex", values: ["F", "F", "F", "F", "M", "M", "M", "M"] }],
 * };
 * const report = fairnessReport(input);
 * ```
 */
export interface FairnessReportInput {
  yTrue: Vector;
  /** 0/1 predictions, or P(ŷ = 1) of a randomised classifier with predictionKind "probability". */
  yPred: Vector;
  predictionKind?: PredictionKind;
  /** Probability of label 1; adds log loss, Brier score, ROC AUC and calibration error. */
  yScore?: Vector;
  sensitiveFeatures: SensitiveFeature[];
  sampleWeight?: Vector;
}

/**
 * The standard fairness measures of one grouping (see the functions of the same names).
 *
 * @example
 * ```ts
 * import { type FairnessMeasures, fairnessReport } from "equipoise/fairness";
 * const sex = { name: "sex", values: ["F", "F", "F", "F", "M", "M", "M", "M"] };
 * const report = fairnessReport({ yTrue: [1, 0, 1, 0, 1, 0, 1, 1], yPred: [1, 0, 1, 1, 0, 0, 1, 0], sensitiveFeatures: [sex] });
 * const measures: FairnessMeasures = report.analyses[0].measures;
 * measures.demographicParityDifference; // 0.5
 * measures.equalizedOddsDifference; // 2/3
 * ```
 */
export interface FairnessMeasures {
  demographicParityDifference: number;
  demographicParityRatio: number;
  equalizedOddsDifference: number;
  equalizedOddsRatio: number;
  equalOpportunityDifference: number;
  equalOpportunityRatio: number;
  predictiveParityDifference: number;
}

/**
 * One group's metrics in a {@link GroupAnalysis}.
 *
 * @example
 * ```ts
 * import { fairnessReport, type GroupRow } from "equipoise/fairness";
 * const sex = { name: "sex", values: ["F", "F", "F", "F", "M", "M", "M", "M"] };
 * const report = fairnessReport({ yTrue: [1, 0, 1, 0, 1, 0, 1, 1], yPred: [1, 0, 1, 1, 0, 0, 1, 0], sensitiveFeatures: [sex] });
 * const [female]: GroupRow[] = report.analyses[0].groups;
 * female.label; // "F"
 * female.metrics.selection_rate; // 0.75
 * ```
 */
export interface GroupRow {
  label: string;
  /** Category per sensitive feature. */
  values: Record<string, string>;
  metrics: Record<string, number>;
}

/**
 * Metrics by group and the fairness measures for one sensitive feature (or their intersection).
 *
 * @example
 * ```ts
 * import { fairnessReport, type GroupAnalysis } from "equipoise/fairness";
 * const sex = { name: "sex", values: ["F", "F", "M", "M"] };
 * const race = { name: "race", values: ["B", "W", "B", "W"] };
 * const report = fairnessReport({ yTrue: [1, 0, 1, 0], yPred: [1, 0, 0, 0], sensitiveFeatures: [sex, race] });
 * const intersection: GroupAnalysis = report.analyses[2]; // sex, race, then sex × race
 * intersection.features; // ["sex", "race"]
 * ```
 */
export interface GroupAnalysis {
  features: string[];
  groups: GroupRow[];
  measures: FairnessMeasures;
  warnings: string[];
}

/**
 * What `equipoise fairness metrics` prints: overall metrics and one analysis per sensitive feature.
 *
 * @example
 * ```ts
 * import { type FairnessReport, fairnessReport } from "equipoise/fairness";
 * const sex = { name: "sex", values: ["F", "F", "F", "F", "M", "M", "M", "M"] };
 * const report: FairnessReport = fairnessReport({ yTrue: [1, 0, 1, 0, 1, 0, 1, 1], yPred: [1, 0, 1, 1, 0, 0, 1, 0], sensitiveFeatures: [sex] });
 * report.rows; // 8
 * report.overall.accuracy; // 0.625
 * report.warnings; // conventions applied (e.g. a group without positives), one line each
 * ```
 */
export interface FairnessReport {
  rows: number;
  /** "probability": every prediction metric and gap is an expectation over a randomised classifier's draws. */
  predictionKind: PredictionKind;
  overall: Record<string, number>;
  /** One analysis per sensitive feature, then their intersection when there are several. */
  analyses: GroupAnalysis[];
  warnings: string[];
}

/**
 * The metrics of predictions that a fairness report computes per group.
 *
 * @example
 * ```ts
 * import { MetricFrame, predictionMetrics } from "equipoise/fairness";
 * predictionMetrics; // ["count", "accuracy", "selection_rate", "true_positive_rate", …, "balanced_accuracy"]
 * const frame = new MetricFrame({ metrics: predictionMetrics, yTrue: [1, 0, 1, 0], yPred: [1, 0, 0, 0], sensitiveFeatures: [{ name: "sex", values: ["F", "F", "M", "M"] }] });
 * ```
 */
export const predictionMetrics: MetricName[] = [
  "count",
  "accuracy",
  "selection_rate",
  "true_positive_rate",
  "false_positive_rate",
  "true_negative_rate",
  "false_negative_rate",
  "precision",
  "balanced_accuracy",
];

/**
 * The metrics of scores (probabilities) a fairness report adds when scores are given.
 *
 * @example
 * ```ts
 * import { MetricFrame, scoreMetrics } from "equipoise/fairness";
 * scoreMetrics; // ["log_loss", "brier_score", "roc_auc", "expected_calibration_error"]
 * const frame = new MetricFrame({ metrics: scoreMetrics, yTrue: [1, 0, 1, 0], yPred: [1, 0, 0, 0], yScore: [0.8, 0.3, 0.4, 0.2], sensitiveFeatures: [{ name: "sex", values: ["F", "F", "M", "M"] }] });
 * ```
 */
export const scoreMetrics: MetricName[] = [
  "log_loss",
  "brier_score",
  "roc_auc",
  "expected_calibration_error",
];

/**
 * The standard fairness measures of a frame that holds selection rate, TPR, FPR and precision.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const yTrue = [1, 0, 1, 0, 1, 0, 1, 1];
 * const yPred = [1, 0, 1, 1, 0, 0, 1, 0];
 * const sex = { name: "sex", values: ["F", "F", "F", "F", "M", "M", "M", "M"] };
 * const frame = new fairness.MetricFrame({
 *   metrics: ["selection_rate", "true_positive_rate", "false_positive_rate", "precision"],
 *   yTrue, yPred, sensitiveFeatures: [sex],
 * });
 * fairness.measuresOf(frame).demographicParityDifference; // selection rate 0.75 − 0.25 = 0.5
 * ```
 */
export function measuresOf(frame: MetricFrame): FairnessMeasures {
  return {
    demographicParityDifference: frame.differenceOf("selection_rate"),
    demographicParityRatio: frame.ratioOf("selection_rate"),
    equalizedOddsDifference: Math.max(
      frame.differenceOf("true_positive_rate"),
      frame.differenceOf("false_positive_rate"),
    ),
    equalizedOddsRatio: Math.min(frame.ratioOf("true_positive_rate"), frame.ratioOf("false_positive_rate")),
    equalOpportunityDifference: frame.differenceOf("true_positive_rate"),
    equalOpportunityRatio: frame.ratioOf("true_positive_rate"),
    predictiveParityDifference: frame.differenceOf("precision"),
  };
}

function analyse(
  input: FairnessReportInput,
  features: SensitiveFeature[],
): { frame: MetricFrame; analysis: GroupAnalysis } {
  const metrics = input.yScore ? [...predictionMetrics, ...scoreMetrics] : predictionMetrics;
  const frame = new MetricFrame({
    metrics,
    yTrue: input.yTrue,
    yPred: input.yPred,
    predictionKind: input.predictionKind,
    yScore: input.yScore,
    sensitiveFeatures: features,
    sampleWeight: input.sampleWeight,
  });
  const measures = measuresOf(frame);
  const groups = frame.groups.map((group, g) => ({
    label: group.label,
    values: Object.fromEntries(frame.sensitiveFeatureNames.map((name, f) => [name, group.values[f]])),
    metrics: Object.fromEntries(frame.metricNames.map((m) => [m, frame.byGroup[m][g]])),
  }));
  return {
    frame,
    analysis: { features: frame.sensitiveFeatureNames, groups, measures, warnings: frame.warnings },
  };
}

/**
 * Overall metrics, metrics by group and the fairness measures of every sensitive feature and of
 * their intersection.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const yTrue = [1, 0, 1, 0, 1, 0, 1, 1];
 * const yPred = [1, 0, 1, 1, 0, 0, 1, 0];
 * const sex = { name: "sex", values: ["F", "F", "F", "F", "M", "M", "M", "M"] };
 * const report = fairness.fairnessReport({ yTrue, yPred, sensitiveFeatures: [sex] });
 * report.overall.accuracy; // 0.625
 * report.analyses[0].measures.equalizedOddsDifference; // 2/3
 * ```
 */
export function fairnessReport(input: FairnessReportInput): FairnessReport {
  const analyses: GroupAnalysis[] = [];
  let overall: Record<string, number> = {};
  const featureSets = input.sensitiveFeatures.map((f) => [f]);
  if (input.sensitiveFeatures.length > 1) featureSets.push(input.sensitiveFeatures);
  for (const features of featureSets) {
    const { frame, analysis } = analyse(input, features);
    overall = frame.overall;
    analyses.push(analysis);
  }
  const warnings = analyses.flatMap((a) => a.warnings.map((w) => `${a.features.join(" × ")}: ${w}`));
  return {
    rows: input.yTrue.length,
    predictionKind: input.predictionKind ?? "label",
    overall,
    analyses,
    warnings,
  };
}
