/**
 * Post-processing by group-specific, possibly randomised thresholds (Hardt, Price &
 * Srebro 2016), following Fairlearn's ThresholdOptimizer (checked against Fairlearn
 * 0.9.0 in test/fairness/fairlearn-reference.test.ts):
 *   - per group, every threshold rule "score > t" gives a point (x, y): for demographic
 *     parity x = selection rate, for equal opportunity x = TPR, and y = accuracy within
 *     the group; for equalized odds x = FPR and y = TPR (the ROC curve). Thresholds sit
 *     half-way between consecutive distinct scores, as Fairlearn's do;
 *   - randomising between two rules reaches any point on the segment between them, so
 *     each group can operate on the upper convex hull of its points;
 *   - the hulls are interpolated on a grid of x (grid_size + 1 values in [0, 1]) and the
 *     x that maximises the objective (accuracy) is chosen: for demographic parity and
 *     equal opportunity the group accuracies are summed with weights P(group); for
 *     equalized odds every group must reach the same (FPR, TPR), so the attainable TPR
 *     at a given FPR is the minimum over the groups' hulls, and a group whose own hull
 *     point lies above that minimum mixes in the constant predictor Bernoulli(x) (a point
 *     on the ROC diagonal) with probability p_ignore.
 */
import { DataError } from "../common/errors.js";
import { createRandom } from "../common/rng.js";
import type { FairnessConstraint } from "./constraint.js";
import { groupRows, type SensitiveFeature } from "./groups.js";
import { requireFinite, type Vector } from "./metrics.js";

/**
 * Settings of {@link fitThresholds}.
 *
 * @example
 * ```ts
 * import { fitThresholds, type ThresholdOptimizerOptions } from "equipoise/fairness";
 * const options: ThresholdOptimizerOptions = { constraint: "equal_opportunity", gridSize: 200 }; // gridSize: a positive integer
 * const sex = { name: "sex", values: ["F", "F", "F", "F", "M", "M", "M", "M"] };
 * const fitted = fitThresholds({ scores: [0.9, 0.2, 0.7, 0.6, 0.4, 0.1, 0.8, 0.3], yTrue: [1, 0, 1, 0, 1, 0, 1, 1], sensitiveFeatures: [sex] }, options);
 * ```
 */
export interface ThresholdOptimizerOptions {
  constraint: FairnessConstraint;
  /** Number of grid intervals on x (default 1000, Fairlearn's). */
  gridSize?: number;
}

/**
 * Predict 1 when score > threshold.
 *
 * @example
 * ```ts
 * import { fitThresholds, type ThresholdRule } from "equipoise/fairness";
 * const sex = { name: "sex", values: ["F", "F", "F", "F", "M", "M", "M", "M"] };
 * const fitted = fitThresholds({ scores: [0.9, 0.2, 0.7, 0.6, 0.4, 0.1, 0.8, 0.3], yTrue: [1, 0, 1, 0, 1, 0, 1, 1], sensitiveFeatures: [sex] }, { constraint: "demographic_parity" });
 * const rule: ThresholdRule = fitted.policies[0].rule1; // group F: threshold ≈ 0.65, applied with probability p1 = 1
 * const selected = 0.75 > rule.threshold; // the rule predicts 1 when score > threshold
 * ```
 */
export interface ThresholdRule {
  threshold: number;
}

/**
 * One group's randomised threshold rule: a mixture of two threshold rules (and, for equalized odds,
 * a constant prediction).
 *
 * @example
 * ```ts
 * import { fitThresholds, type GroupPolicy } from "equipoise/fairness";
 * const sex = { name: "sex", values: ["F", "F", "F", "F", "M", "M", "M", "M"] };
 * const fitted = fitThresholds({ scores: [0.9, 0.2, 0.7, 0.6, 0.4, 0.1, 0.8, 0.3], yTrue: [1, 0, 1, 0, 1, 0, 1, 1], sensitiveFeatures: [sex] }, { constraint: "demographic_parity" });
 * for (const policy of fitted.policies as GroupPolicy[])
 *   console.log(policy.label, `p=${policy.p0}: score > ${policy.rule0.threshold}`, `p=${policy.p1}: score > ${policy.rule1.threshold}`);
 * ```
 */
export interface GroupPolicy {
  label: string;
  /** With probability p0 apply rule0, otherwise rule1. */
  p0: number;
  rule0: ThresholdRule;
  p1: number;
  rule1: ThresholdRule;
  /** Equalized odds: with this probability ignore the score and predict 1 with probability `constant` (0 otherwise). */
  pIgnore: number;
  constant: number;
}

/**
 * One threshold rule's point on the constraint's plane: x the rate the constraint equalises, y the accuracy term.
 *
 * @example
 * ```ts
 * import { type TradeoffPoint, tradeoffPoints, upperConvexHull } from "equipoise/fairness";
 * const group = { scores: Float64Array.of(0.9, 0.2, 0.7, 0.6), labels: Float64Array.of(1, 0, 1, 0), weights: Float64Array.of(1, 1, 1, 1) };
 * const points: TradeoffPoint[] = tradeoffPoints(group, "demographic_parity");
 * const hull = upperConvexHull(points); // the (selection rate, accuracy) points a randomised rule can reach best
 * hull.map((point) => point.rule.threshold);
 * ```
 */
export interface TradeoffPoint {
  x: number;
  y: number;
  rule: ThresholdRule;
}

interface GroupData {
  scores: Float64Array;
  labels: Float64Array;
  weights: Float64Array;
}

/**
 * Points of every rule "score > t" on the (x, y) plane of the constraint, from "select none" to "select all".
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const group = {
 *   scores: Float64Array.from([0.9, 0.2, 0.7, 0.6]),
 *   labels: Float64Array.from([1, 0, 1, 0]),
 *   weights: Float64Array.from([1, 1, 1, 1]),
 * };
 * fairness.tradeoffPoints(group, "demographic_parity").map((p) => [p.x, p.y]);
 * // (selection rate, accuracy): [0, 0.5], [0.25, 0.75], [0.5, 1], [0.75, 0.75], [1, 0.5]
 * ```
 */
export function tradeoffPoints(group: GroupData, constraint: FairnessConstraint): TradeoffPoint[] {
  const n = group.scores.length;
  requireFinite("scores", group.scores);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => group.scores[b] - group.scores[a]);
  let positives = 0;
  let negatives = 0;
  for (let i = 0; i < n; i++) {
    if (group.labels[i] === 1) positives += group.weights[i];
    else negatives += group.weights[i];
  }
  const total = positives + negatives;
  const point = (selectedPositives: number, selectedNegatives: number, threshold: number): TradeoffPoint => {
    const accuracy = (selectedPositives + negatives - selectedNegatives) / total;
    const rule = { threshold };
    if (constraint === "demographic_parity")
      return { x: (selectedPositives + selectedNegatives) / total, y: accuracy, rule };
    if (constraint === "equal_opportunity") return { x: selectedPositives / positives, y: accuracy, rule };
    return { x: selectedNegatives / negatives, y: selectedPositives / positives, rule };
  };
  const points = [point(0, 0, Number.POSITIVE_INFINITY)];
  let sp = 0;
  let sn = 0;
  let k = 0;
  while (k < n) {
    const score = group.scores[order[k]];
    while (k < n && group.scores[order[k]] === score) {
      const i = order[k];
      if (group.labels[i] === 1) sp += group.weights[i];
      else sn += group.weights[i];
      k++;
    }
    const next = k < n ? group.scores[order[k]] : Number.NEGATIVE_INFINITY;
    points.push(point(sp, sn, thresholdBetween(score, next)));
  }
  return points;
}

/**
 * A threshold t with lower ≤ t < higher, so that "score > t" selects `higher` and not
 * `lower`: the midpoint (Fairlearn's choice, which also places unseen scores between
 * two training scores on the nearer side), or `lower` itself when the two are adjacent
 * doubles and the midpoint rounds up to `higher`.
 */
function thresholdBetween(higher: number, lower: number): number {
  const midpoint = (higher + lower) / 2;
  return midpoint < higher ? midpoint : lower;
}

/**
 * Upper convex hull of the points (Fairlearn's `_filter_points_to_get_convex_hull`).
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const group = { // as in the tradeoffPoints example
 *   scores: Float64Array.from([0.9, 0.2, 0.7, 0.6]),
 *   labels: Float64Array.from([1, 0, 1, 0]),
 *   weights: Float64Array.from([1, 1, 1, 1]),
 * };
 * const hull = fairness.upperConvexHull(fairness.tradeoffPoints(group, "demographic_parity"));
 * hull.map((p) => [p.x, p.y]); // [0, 0.5], [0.5, 1], [1, 0.5]: the rules worth randomising between
 * ```
 */
export function upperConvexHull(points: TradeoffPoint[]): TradeoffPoint[] {
  const sorted = [...points].sort((a, b) => a.x - b.x || a.y - b.y);
  const hull: TradeoffPoint[] = [];
  for (const r2 of sorted) {
    while (hull.length >= 2) {
      const r1 = hull[hull.length - 1];
      const r0 = hull[hull.length - 2];
      if ((r1.y - r0.y) * (r2.x - r0.x) <= (r2.y - r0.y) * (r1.x - r0.x)) hull.pop();
      else break;
    }
    hull.push(r2);
  }
  return hull;
}

interface InterpolatedPoint {
  y: number;
  p0: number;
  rule0: ThresholdRule;
  p1: number;
  rule1: ThresholdRule;
}

/**
 * The hull evaluated at every grid x by linear interpolation (Fairlearn's `_interpolate_curve`).
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * declare const hull: fairness.TradeoffPoint[]; // [0, 0.5], [0.5, 1], [1, 0.5] from the upperConvexHull example
 * const curve = fairness.interpolateHull(hull, Float64Array.from([0, 0.25, 0.5, 1]));
 * curve.map((point) => point.y); // [0.5, 0.75, 1, 0.5]
 * ```
 */
export function interpolateHull(hull: TradeoffPoint[], grid: Float64Array): InterpolatedPoint[] {
  const out: InterpolatedPoint[] = [];
  let i = 0;
  while (i + 1 < hull.length - 1 && hull[i + 1].x === hull[0].x) i++;
  for (const x of grid) {
    while (i + 2 < hull.length && x > hull[i + 1].x) i++;
    const left = hull[i];
    const right = hull[i + 1];
    const span = right.x - left.x;
    const p0 = span === 0 ? 1 : (right.x - x) / span;
    const p1 = 1 - p0;
    out.push({ y: p0 * left.y + p1 * right.y, p0, rule0: left.rule, p1, rule1: right.rule });
  }
  return out;
}

/**
 * Group-specific randomised thresholds fitted by {@link fitThresholds}; apply with `thresholdProbabilities`.
 *
 * @example
 * ```ts
 * import { type FittedThresholds, fitThresholds, thresholdProbabilities } from "equipoise/fairness";
 * const sex = { name: "sex", values: ["F", "F", "F", "F", "M", "M", "M", "M"] };
 * const scores = [0.9, 0.2, 0.7, 0.6, 0.4, 0.1, 0.8, 0.3];
 * const fitted: FittedThresholds = fitThresholds({ scores, yTrue: [1, 0, 1, 0, 1, 0, 1, 1], sensitiveFeatures: [sex] }, { constraint: "demographic_parity" });
 * fitted.x; // 0.5: the common selection rate
 * fitted.policies.length; // 2: one per group; apply them with thresholdProbabilities
 * ```
 */
export interface FittedThresholds {
  constraint: FairnessConstraint;
  featureNames: string[];
  policies: GroupPolicy[];
  /** The common operating point: selection rate (DP), TPR (equal opportunity) or FPR (EO). */
  x: number;
  /** The objective (training accuracy of the randomised rule) at that point. */
  objective: number;
}

/**
 * What {@link fitThresholds} reads: scores, labels and the sensitive features of the rows.
 *
 * @example
 * ```ts
 * import { fitThresholds, type ThresholdFitInput } from "equipoise/fairness";
 * const input: ThresholdFitInput = {
 *   scores: [0.9, 0.2, 0.7, 0.6, 0.4, 0.1, 0.8, 0.3], // P(y = 1) from any model, on held-out rows
 *   yTrue: [1, 0, 1, 0, 1, 0, 1, 1],
 *   sensitiveFeatures: [{ name: "sex", values: ["F", "F", "F", "F", "M", "M", "M", "M"] }],
 * };
 * const fitted = fitThresholds(input, { constraint: "equalized_odds" });
 * ```
 */
export interface ThresholdFitInput {
  scores: Vector;
  yTrue: Vector;
  sensitiveFeatures: SensitiveFeature[];
  sampleWeight?: Vector;
}

/**
 * Post-processing by group-specific thresholds (Hardt, Price & Srebro 2016), as Fairlearn 0.9's
 * ThresholdOptimizer with `objective="accuracy_score"`: for every group the upper convex hull of its
 * threshold rules, then the common operating point of the constraint with the best accuracy.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const yTrue = [1, 0, 1, 0, 1, 0, 1, 1];
 * const scores = [0.9, 0.2, 0.7, 0.6, 0.4, 0.1, 0.8, 0.3];
 * const sex = { name: "sex", values: ["F", "F", "F", "F", "M", "M", "M", "M"] };
 * const fitted = fairness.fitThresholds({ scores, yTrue, sensitiveFeatures: [sex] }, { constraint: "demographic_parity" });
 * fitted.x; // 0.5: both groups are selected at rate 0.5
 * fitted.objective; // 0.875: the training accuracy of the randomised rule
 * ```
 */
export function fitThresholds(
  input: ThresholdFitInput,
  options: ThresholdOptimizerOptions,
): FittedThresholds {
  const n = input.scores.length;
  requireFinite("scores", input.scores);
  if (input.yTrue.length !== n) throw new DataError(`y_true has ${input.yTrue.length} values, scores ${n}`);
  const gridSize = options.gridSize ?? 1000;
  if (!(Number.isInteger(gridSize) && gridSize >= 1)) {
    throw new RangeError(`gridSize must be a positive integer, got ${gridSize}`);
  }
  const grid = new Float64Array(gridSize + 1);
  for (let i = 0; i <= gridSize; i++) grid[i] = i / gridSize;
  const grouping = groupRows(input.sensitiveFeatures, n);
  const weightOf = (i: number) => (input.sampleWeight ? input.sampleWeight[i] : 1);
  let totalWeight = 0;
  let positiveWeight = 0;
  for (let i = 0; i < n; i++) {
    totalWeight += weightOf(i);
    if (input.yTrue[i] === 1) positiveWeight += weightOf(i);
  }
  const curves = grouping.groups.map((group) => {
    const data: GroupData = {
      scores: Float64Array.from(group.indices, (i) => input.scores[i]),
      labels: Float64Array.from(group.indices, (i) => input.yTrue[i]),
      weights: Float64Array.from(group.indices, weightOf),
    };
    const hasPositive = data.labels.some((v) => v === 1);
    const hasNegative = data.labels.some((v) => v !== 1);
    if (!hasPositive || !hasNegative) {
      throw new DataError(`group ${group.label} has only one label; thresholds cannot be optimised for it`);
    }
    const weight = data.weights.reduce((a, b) => a + b, 0);
    return {
      label: group.label,
      weight,
      curve: interpolateHull(upperConvexHull(tradeoffPoints(data, options.constraint)), grid),
    };
  });
  const equalizedOdds = options.constraint === "equalized_odds";
  const objective = new Float64Array(grid.length);
  const yMin = new Float64Array(grid.length).fill(Number.POSITIVE_INFINITY);
  for (let k = 0; k < grid.length; k++) {
    if (!equalizedOdds) {
      for (const c of curves) objective[k] += (c.weight / totalWeight) * c.curve[k].y;
    } else {
      for (const c of curves) yMin[k] = Math.min(yMin[k], c.curve[k].y);
      // Accuracy from the confusion counts at (FPR x, TPR y_min), as Fairlearn computes it,
      // rounded to 15 decimals as Fairlearn does (np.around) so that ties within rounding
      // noise go to the first grid point on both sides.
      const truePositives = positiveWeight * yMin[k];
      const trueNegatives = (totalWeight - positiveWeight) * (1 - grid[k]);
      objective[k] = roundHalfEven15((truePositives + trueNegatives) / totalWeight);
    }
  }
  let best = 0;
  for (let k = 1; k < grid.length; k++) if (objective[k] > objective[best]) best = k;
  const xBest = grid[best];
  const policies = curves.map(({ label, curve }) => {
    const point = curve[best];
    let pIgnore = 0;
    if (equalizedOdds) {
      // The group's own point (x_best, y) moves down to the common TPR y_best along the
      // segment towards the diagonal point (x_best, x_best):
      //   y_best = p_ignore · x_best + (1 − p_ignore) · y,
      // so p_ignore = (y − y_best) / (y − x_best), and 0 when the group's own point is on
      // the diagonal (Fairlearn's test). Testing y_best against the diagonal instead gave
      // every group p_ignore = 0 as soon as one group's hull was the diagonal, and
      // unequal TPRs.
      const aboveDiagonal = point.y - xBest;
      if (aboveDiagonal > 0) pIgnore = Math.min(1, Math.max(0, (point.y - yMin[best]) / aboveDiagonal));
    }
    return {
      label,
      p0: point.p0,
      rule0: point.rule0,
      p1: point.p1,
      rule1: point.rule1,
      pIgnore,
      constant: equalizedOdds ? xBest : 0,
    };
  });
  return {
    constraint: options.constraint,
    featureNames: grouping.featureNames,
    policies,
    x: xBest,
    objective: objective[best],
  };
}

/** numpy.around(value, 15): round half to even at the 15th decimal. */
function roundHalfEven15(value: number): number {
  const scaled = value * 1e15;
  const rounded = Math.round(scaled);
  const tie = rounded - scaled === 0.5;
  return (tie && rounded % 2 !== 0 ? rounded - 1 : rounded) / 1e15;
}

/**
 * What a fitted threshold policy is applied to: scores and the sensitive features.
 *
 * @example
 * ```ts
 * import { type FittedThresholds, type ThresholdPredictInput, thresholdProbabilities } from "equipoise/fairness";
 * declare const fitted: FittedThresholds; // from fitThresholds on validation rows
 * const input: ThresholdPredictInput = { scores: [0.85, 0.3], sensitiveFeatures: [{ name: "sex", values: ["F", "M"] }] };
 * const p = thresholdProbabilities(fitted, input); // P(ŷ = 1) of each new row; a group not seen in fitting is an error
 * ```
 */
export interface ThresholdPredictInput {
  scores: Vector;
  sensitiveFeatures: SensitiveFeature[];
}

/**
 * Probability that the randomised rule predicts 1 for each row.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const yTrue = [1, 0, 1, 0, 1, 0, 1, 1];
 * const scores = [0.9, 0.2, 0.7, 0.6, 0.4, 0.1, 0.8, 0.3];
 * const sex = { name: "sex", values: ["F", "F", "F", "F", "M", "M", "M", "M"] };
 * const fitted = fairness.fitThresholds({ scores, yTrue, sensitiveFeatures: [sex] }, { constraint: "demographic_parity" });
 * fairness.thresholdProbabilities(fitted, { scores, sensitiveFeatures: [sex] });
 * // [1, 0, 1, 0, 0.67, 0, 0.67, 0.67]: M's rows between thresholds are selected with probability 2/3
 * ```
 */
export function thresholdProbabilities(fitted: FittedThresholds, input: ThresholdPredictInput): Float64Array {
  const n = input.scores.length;
  requireFinite("scores", input.scores);
  const grouping = groupRows(input.sensitiveFeatures, n);
  const policyOf = new Map(fitted.policies.map((p) => [p.label, p]));
  const out = new Float64Array(n);
  for (const group of grouping.groups) {
    const policy = policyOf.get(group.label);
    if (!policy) {
      throw new DataError(
        `group ${group.label} was not seen when the thresholds were fitted (known: ${fitted.policies.map((p) => p.label).join(", ")})`,
      );
    }
    for (const i of group.indices) {
      const s = input.scores[i];
      const fromScore =
        policy.p0 * (s > policy.rule0.threshold ? 1 : 0) + policy.p1 * (s > policy.rule1.threshold ? 1 : 0);
      out[i] = policy.pIgnore * policy.constant + (1 - policy.pIgnore) * fromScore;
    }
  }
  return out;
}

/**
 * Randomised 0/1 predictions, seeded: what a deployed rule would output. Metrics of
 * the rule are expectations over these draws; compute them from
 * `thresholdProbabilities` (MetricFrame with predictionKind "probability"), not from
 * one draw, whose noise is as large as the gaps being compared.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const yTrue = [1, 0, 1, 0, 1, 0, 1, 1];
 * const scores = [0.9, 0.2, 0.7, 0.6, 0.4, 0.1, 0.8, 0.3];
 * const sex = { name: "sex", values: ["F", "F", "F", "F", "M", "M", "M", "M"] };
 * const fitted = fairness.fitThresholds({ scores, yTrue, sensitiveFeatures: [sex] }, { constraint: "demographic_parity" });
 * const decisions = fairness.thresholdPredictions(fitted, { scores, sensitiveFeatures: [sex] }, 1); // 0/1, seed 1
 * ```
 */
export function thresholdPredictions(
  fitted: FittedThresholds,
  input: ThresholdPredictInput,
  seed = 0,
): Float64Array {
  const probabilities = thresholdProbabilities(fitted, input);
  const random = createRandom(seed);
  return probabilities.map((p) => (random.uniform() < p ? 1 : 0));
}
