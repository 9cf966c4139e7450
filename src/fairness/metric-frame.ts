/**
 * MetricFrame: any metric, evaluated overall and within every group of one or several
 * sensitive features (Fairlearn's MetricFrame). Aggregates follow Fairlearn 0.9:
 *   difference("between_groups") = max − min over groups,
 *   difference("to_overall")     = max |group − overall|,
 *   ratio("between_groups")      = min / max over groups,
 *   ratio("to_overall")          = min over groups of min(group/overall, overall/group),
 * with NaN group values skipped (pandas' min/max) and 0/0 giving NaN. Every convention
 * applied (empty intersections, groups without positives, 0/0 ratios) is written to
 * `warnings` instead of passing silently.
 *
 * With predictionKind "probability", y_pred holds P(ŷ = 1) of a randomised classifier
 * and every prediction metric is its expectation over the draws (see metrics.ts); the
 * differences and ratios are then those of the expected group values, the quantities
 * the reductions and the threshold optimiser equalise.
 */
import { DataError } from "../common/errors.js";
import { createRandom } from "../common/rng.js";
import { type Group, groupRows, type SensitiveFeature } from "./groups.js";
import {
  type MetricDefinition,
  type MetricFunction,
  type MetricName,
  metricDefinitions,
  requireFinite,
  requireProbabilities,
  type Vector,
} from "./metrics.js";

/**
 * How a difference or ratio between groups is aggregated, as in Fairlearn: "between_groups" (largest
 * minus smallest group value; smallest over largest) or "to_overall" (largest distance of a group from
 * the overall value; smallest group / overall ratio, inverted when above 1).
 *
 * @example
 * ```ts
 * import { type AggregationMethod, MetricFrame } from "equipoise/fairness";
 * const frame = new MetricFrame({ metrics: ["selection_rate"], yTrue: [1, 0, 1, 0], yPred: [1, 0, 0, 0], sensitiveFeatures: [{ name: "sex", values: ["F", "F", "M", "M"] }] });
 * const method: AggregationMethod = "to_overall";
 * frame.differenceOf("selection_rate", method); // 0.25: each group is 0.25 from the overall 0.25
 * ```
 */
export type AggregationMethod = "between_groups" | "to_overall";

/**
 * What y_pred holds: 0/1 labels, or probabilities of predicting 1 (a randomised classifier).
 *
 * @example
 * ```ts
 * import { MetricFrame, type PredictionKind } from "equipoise/fairness";
 * const predictionKind: PredictionKind = "probability"; // yPred holds P(ŷ = 1) of a randomised classifier
 * const frame = new MetricFrame({ metrics: ["selection_rate"], yTrue: [1, 0, 1, 0], yPred: [0.9, 0.1, 0.5, 0.5], predictionKind, sensitiveFeatures: [{ name: "sex", values: ["F", "F", "M", "M"] }] });
 * frame.byGroup.selection_rate; // [0.5, 0.5]: expected selection rates
 * ```
 */
export type PredictionKind = "label" | "probability";

/**
 * What a {@link MetricFrame} is computed from: labels, predictions, the sensitive features that define
 * the groups (several give their intersections), optional scores and sample weights.
 *
 * @example
 * ```ts
 * import { MetricFrame, type MetricFrameInput } from "equipoise/fairness";
 * const input: MetricFrameInput = {
 *   metrics: ["accuracy", "true_positive_rate", "roc_auc"],
 *   yTrue: [1, 0, 1, 0],
 *   yPred: [1, 0, 0, 0],
 *   yScore: [0.8, 0.3, 0.4, 0.2], // needed by score metrics such as roc_auc
 *   sensitiveFeatures: [{ name: "sex", values: ["F", "F", "M", "M"] }],
 * };
 * const frame = new MetricFrame(input);
 * ```
 */
export interface MetricFrameInput {
  /** Metric names from `metricDefinitions`, or named definitions / plain functions (on y_pred). */
  metrics: MetricName[] | Record<string, MetricDefinition | MetricFunction>;
  yTrue: Vector;
  /** Hard predictions (0/1) for prediction metrics, or P(ŷ = 1) with predictionKind "probability". */
  yPred: Vector;
  /** Default "label". */
  predictionKind?: PredictionKind;
  /** Scores (probability of label 1) for score metrics such as log loss or ROC AUC. */
  yScore?: Vector;
  sensitiveFeatures: SensitiveFeature[];
  sampleWeight?: Vector;
}

/**
 * Settings of {@link MetricFrame.confidenceIntervals}'s percentile bootstrap.
 *
 * @example
 * ```ts
 * import { type ConfidenceIntervalOptions, MetricFrame } from "equipoise/fairness";
 * declare const frame: MetricFrame; // e.g. new MetricFrame({ metrics: ["accuracy"], ... })
 * const options: ConfidenceIntervalOptions = { samples: 2000, level: 0.9, seed: 1 };
 * const intervals = frame.confidenceIntervals(options);
 * intervals.accuracy.difference; // [low, high]: the 90 % interval of the between-groups difference
 * ```
 */
export interface ConfidenceIntervalOptions {
  /** Number of bootstrap resamples (default 1000). */
  samples?: number;
  seed?: number;
  /** Central coverage (default 0.95). */
  level?: number;
}

/**
 * A confidence interval [low, high].
 *
 * @example
 * ```ts
 * import { type Interval, MetricFrame } from "equipoise/fairness";
 * declare const frame: MetricFrame; // e.g. new MetricFrame({ metrics: ["accuracy"], ... })
 * const [low, high]: Interval = frame.confidenceIntervals({ seed: 0 }).accuracy.overall;
 * ```
 */
export type Interval = [number, number];

/**
 * Bootstrap intervals of one metric: overall, per group (in the frame's group order), and of the
 * between-groups difference and ratio.
 *
 * @example
 * ```ts
 * import { MetricFrame, type MetricIntervals } from "equipoise/fairness";
 * declare const frame: MetricFrame; // e.g. new MetricFrame({ metrics: ["accuracy"], ... })
 * const accuracy: MetricIntervals = frame.confidenceIntervals({ samples: 1000, seed: 0 }).accuracy;
 * accuracy.byGroup[0]; // [low, high] for frame.groups[0]
 * accuracy.ratio; // the interval of the between-groups ratio
 * ```
 */
export interface MetricIntervals {
  overall: Interval;
  byGroup: Interval[];
  difference: Interval;
  ratio: Interval;
}

interface ResolvedMetric {
  name: string;
  definition: MetricDefinition;
}

function resolveMetrics(metrics: MetricFrameInput["metrics"]): ResolvedMetric[] {
  if (Array.isArray(metrics)) {
    return metrics.map((name) => {
      const definition = (metricDefinitions as Record<string, MetricDefinition>)[name];
      if (!definition) {
        throw new DataError(`unknown metric '${name}'; known: ${Object.keys(metricDefinitions).join(", ")}`);
      }
      return { name, definition };
    });
  }
  return Object.entries(metrics).map(([name, m]) => ({
    name,
    definition: typeof m === "function" ? { name, input: "prediction", compute: m } : m,
  }));
}

function gather(values: Vector, indices: Int32Array): Float64Array {
  const out = new Float64Array(indices.length);
  for (let k = 0; k < indices.length; k++) out[k] = values[indices[k]];
  return out;
}

function checkBinary(name: string, values: Vector): void {
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== 0 && values[i] !== 1) {
      throw new DataError(`${name} must hold 0/1 labels; row ${i} has ${values[i]}`);
    }
  }
}

function nanMin(values: ArrayLike<number>): number {
  let best = Number.NaN;
  for (let i = 0; i < values.length; i++)
    if (!Number.isNaN(values[i]) && !(values[i] >= best)) best = values[i];
  return best;
}

function nanMax(values: ArrayLike<number>): number {
  let best = Number.NaN;
  for (let i = 0; i < values.length; i++)
    if (!Number.isNaN(values[i]) && !(values[i] <= best)) best = values[i];
  return best;
}

/**
 * Metrics computed overall and for every group of the sensitive features, with Fairlearn 0.9's
 * conventions (checked against it to 1e-12 on Adult). Conventions applied to empty groups or 0/0
 * are listed in `warnings`.
 *
 * @example
 * ```ts
 * import { MetricFrame } from "equipoise/fairness";
 * const frame = new MetricFrame({
 *   metrics: ["accuracy", "selection_rate"],
 *   yTrue: [1, 0, 1, 0],
 *   yPred: [1, 0, 0, 0],
 *   sensitiveFeatures: [{ name: "sex", values: ["F", "F", "M", "M"] }],
 * });
 * frame.overall.accuracy; // 0.75
 * frame.differenceOf("selection_rate"); // 0.5 (F: 1/2, M: 0/2)
 * ```
 */
export class MetricFrame {
  readonly metricNames: string[];
  readonly sensitiveFeatureNames: string[];
  /** Groups with members, in Fairlearn's order. */
  readonly groups: Group[];
  readonly overall: Record<string, number> = {};
  /** Per metric, one value per entry of `groups`. */
  readonly byGroup: Record<string, Float64Array> = {};
  readonly warnings: string[] = [];
  readonly predictionKind: PredictionKind;

  private readonly input: MetricFrameInput;
  private readonly metrics: ResolvedMetric[];

  constructor(input: MetricFrameInput) {
    const n = input.yTrue.length;
    if (input.yPred.length !== n)
      throw new DataError(`y_pred has ${input.yPred.length} values, y_true has ${n}`);
    if (input.yScore && input.yScore.length !== n) {
      throw new DataError(`y_score has ${input.yScore.length} values, y_true has ${n}`);
    }
    if (input.sampleWeight && input.sampleWeight.length !== n) {
      throw new DataError(`sample_weight has ${input.sampleWeight.length} values, y_true has ${n}`);
    }
    this.input = input;
    this.predictionKind = input.predictionKind ?? "label";
    this.metrics = resolveMetrics(input.metrics);
    this.metricNames = this.metrics.map((m) => m.name);
    const needsScores = this.metrics.some((m) => m.definition.input === "score");
    if (needsScores && !input.yScore) {
      const names = this.metrics.filter((m) => m.definition.input === "score").map((m) => m.name);
      throw new DataError(`metrics ${names.join(", ")} need scores (yScore)`);
    }
    if (input.yScore) requireFinite("y_score", input.yScore);
    checkBinary("y_true", input.yTrue);
    const predictionMetrics = this.metrics.filter((m) => m.definition.input === "prediction");
    if (this.predictionKind === "probability") {
      requireProbabilities("y_pred (probabilities of predicting 1)", input.yPred);
      for (const { name, definition } of predictionMetrics) {
        if (!definition.expected) {
          throw new DataError(`metric '${name}' has no expected value over a randomised classifier's draws`);
        }
        if (!definition.expected.exact) {
          this.warnings.push(
            `${name} from probabilities of predicting 1 is a ratio of expected counts, not the expected ${name}`,
          );
        }
      }
    } else if (predictionMetrics.length > 0) {
      checkBinary("y_pred", input.yPred);
    }
    const grouping = groupRows(input.sensitiveFeatures, n);
    this.sensitiveFeatureNames = grouping.featureNames;
    this.groups = grouping.groups;
    for (const label of grouping.emptyGroups) {
      this.warnings.push(`group ${label} has no members; it has no by-group values`);
    }
    const yScore = input.yScore;
    for (const { name, definition } of this.metrics) {
      const values = definition.input === "score" ? yScore! : input.yPred;
      const compute =
        this.predictionKind === "probability" && definition.input === "prediction"
          ? definition.expected!.compute
          : definition.compute;
      this.overall[name] = compute(input.yTrue, values, input.sampleWeight);
      const perGroup = new Float64Array(this.groups.length);
      this.groups.forEach((group, g) => {
        const yt = gather(input.yTrue, group.indices);
        const yp = gather(values, group.indices);
        const w = input.sampleWeight ? gather(input.sampleWeight, group.indices) : undefined;
        perGroup[g] = compute(yt, yp, w);
        const reason = definition.degenerate?.(yt, yp, w);
        if (reason) this.warnings.push(`group ${group.label}: ${name}: ${reason}`);
        else if (Number.isNaN(perGroup[g])) this.warnings.push(`group ${group.label}: ${name} is NaN`);
      });
      this.byGroup[name] = perGroup;
      if (Number.isNaN(this.overall[name])) this.warnings.push(`overall ${name} is NaN`);
    }
  }

  private select(metric: string | undefined): string[] {
    if (metric === undefined) return this.metricNames;
    if (!this.metricNames.includes(metric)) {
      throw new DataError(`metric '${metric}' is not in this frame (${this.metricNames.join(", ")})`);
    }
    return [metric];
  }

  /** Each metric's smallest value over the groups (NaN values ignored). */
  groupMin(): Record<string, number> {
    return Object.fromEntries(this.metricNames.map((m) => [m, nanMin(this.byGroup[m])]));
  }

  /** Each metric's largest value over the groups (NaN values ignored). */
  groupMax(): Record<string, number> {
    return Object.fromEntries(this.metricNames.map((m) => [m, nanMax(this.byGroup[m])]));
  }

  /** Each metric's difference between groups (see {@link AggregationMethod}). */
  difference(method: AggregationMethod = "between_groups"): Record<string, number> {
    return Object.fromEntries(this.metricNames.map((m) => [m, this.differenceOf(m, method)]));
  }

  /** Each metric's ratio between groups (see {@link AggregationMethod}); NaN for 0/0, with a warning. */
  ratio(method: AggregationMethod = "between_groups"): Record<string, number> {
    return Object.fromEntries(this.metricNames.map((m) => [m, this.ratioOf(m, method)]));
  }

  /** One metric's difference between groups; a DataError for a metric not in the frame. */
  differenceOf(metric: string, method: AggregationMethod = "between_groups"): number {
    const [name] = this.select(metric);
    return differenceOfValues(this.byGroup[name], this.overall[name], method);
  }

  /** One metric's ratio between groups; NaN for 0/0, with a warning. */
  ratioOf(metric: string, method: AggregationMethod = "between_groups"): number {
    const [name] = this.select(metric);
    const value = ratioOfValues(this.byGroup[name], this.overall[name], method);
    if (Number.isNaN(value)) {
      const warning = `${name} ratio (${method}) is NaN: 0/0 (every compared value is 0 or NaN)`;
      if (!this.warnings.includes(warning)) this.warnings.push(warning);
    }
    return value;
  }

  /**
   * Percentile bootstrap intervals (rows resampled with replacement, seeded) for the
   * overall value, every group's value and the between-groups difference and ratio.
   */
  confidenceIntervals(options: ConfidenceIntervalOptions = {}): Record<string, MetricIntervals> {
    const samples = options.samples ?? 1000;
    const level = options.level ?? 0.95;
    const random = createRandom(options.seed ?? 0);
    const n = this.input.yTrue.length;
    const groupOf = new Map<string, number>(this.groups.map((g, i) => [g.label, i]));
    const draws: Record<
      string,
      { overall: number[]; byGroup: number[][]; difference: number[]; ratio: number[] }
    > = {};
    for (const m of this.metricNames) {
      draws[m] = { overall: [], byGroup: this.groups.map(() => []), difference: [], ratio: [] };
    }
    const pick = new Int32Array(n);
    for (let s = 0; s < samples; s++) {
      for (let i = 0; i < n; i++) pick[i] = random.integer(n);
      const frame = new MetricFrame({
        metrics: Object.fromEntries(this.metrics.map((m) => [m.name, m.definition])),
        yTrue: gather(this.input.yTrue, pick),
        yPred: gather(this.input.yPred, pick),
        predictionKind: this.predictionKind,
        yScore: this.input.yScore ? gather(this.input.yScore, pick) : undefined,
        sampleWeight: this.input.sampleWeight ? gather(this.input.sampleWeight, pick) : undefined,
        sensitiveFeatures: [
          {
            name: "group",
            categories: this.groups.map((g) => g.label),
            codes: this.groupCodes(pick, groupOf),
          },
        ],
      });
      for (const m of this.metricNames) {
        draws[m].overall.push(frame.overall[m]);
        frame.groups.forEach((g, k) => {
          draws[m].byGroup[groupOf.get(g.label)!].push(frame.byGroup[m][k]);
        });
        draws[m].difference.push(frame.differenceOf(m));
        draws[m].ratio.push(ratioOfValues(frame.byGroup[m], frame.overall[m], "between_groups"));
      }
    }
    const lo = (1 - level) / 2;
    const hi = 1 - lo;
    const interval = (values: number[]): Interval => [quantile(values, lo), quantile(values, hi)];
    return Object.fromEntries(
      this.metricNames.map((m) => [
        m,
        {
          overall: interval(draws[m].overall),
          byGroup: draws[m].byGroup.map(interval),
          difference: interval(draws[m].difference),
          ratio: interval(draws[m].ratio),
        },
      ]),
    );
  }

  private groupCodes(pick: Int32Array, groupOf: Map<string, number>): Int32Array {
    const rowGroup = new Int32Array(this.input.yTrue.length);
    this.groups.forEach((g) => {
      const k = groupOf.get(g.label)!;
      for (const i of g.indices) rowGroup[i] = k;
    });
    const codes = new Int32Array(pick.length);
    for (let i = 0; i < pick.length; i++) codes[i] = rowGroup[pick[i]];
    return codes;
  }
}

/**
 * The difference between group values, aggregated by `method` (NaN values ignored).
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * fairness.differenceOfValues([0.2, 0.5, 0.4], 0.35, "between_groups"); // max − min = 0.3
 * fairness.differenceOfValues([0.2, 0.5, 0.4], 0.35, "to_overall"); // largest |group − overall| = 0.15
 * ```
 */
export function differenceOfValues(
  byGroup: ArrayLike<number>,
  overall: number,
  method: AggregationMethod,
): number {
  if (method === "between_groups") return nanMax(byGroup) - nanMin(byGroup);
  const distances = Array.from(byGroup, (v) => Math.abs(v - overall));
  return nanMax(distances);
}

/**
 * The ratio between group values, aggregated by `method` (NaN values ignored; at most 1).
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * fairness.ratioOfValues([0.2, 0.5, 0.4], 0.35, "between_groups"); // min / max = 0.4
 * ```
 */
export function ratioOfValues(
  byGroup: ArrayLike<number>,
  overall: number,
  method: AggregationMethod,
): number {
  if (method === "between_groups") return nanMin(byGroup) / nanMax(byGroup);
  const ratios = Array.from(byGroup, (v) => {
    const r = v / overall;
    return r > 1 ? 1 / r : r;
  });
  return nanMin(ratios);
}

/**
 * numpy's default (linear) quantile of the non-NaN values.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * fairness.quantile([1, 2, 3, 4], 0.5); // 2.5, as numpy.quantile
 * ```
 */
export function quantile(values: number[], q: number): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}
