/**
 * Fairness metrics of a model released under central DP: the curator, who holds the true
 * sensitive attributes, publishes each group's confusion counts (TP, FP, TN, FN) with noise
 * and every metric is computed from the noisy table.
 *
 * Neighbouring tables differ by adding or removing one person (as DP-SGD's accountants
 * assume), who falls in exactly one cell: the table's L1 and L2 sensitivities are both 1.
 * So exact discrete Laplace noise of scale 1/ε on every cell is ε-DP for the whole table,
 * and discrete Gaussian noise with σ from the analytic Gaussian calibration (Balle & Wang
 * 2018) is (ε, δ)-DP (a discrete Gaussian is at least as private as the continuous one of
 * the same σ: Canonne, Kamath & Steinke 2020, Theorem 7). The samplers are
 * privacy/mechanisms' exact integer ones, which floating point cannot betray (Mironov 2012).
 *
 * Error: the counts are exact, the noise is the only randomness, with a known variance v per
 * cell; a rate n₁/(n₁ + n₀) gets the delta-method variance v·(n₀² + n₁²)/(n₀ + n₁)⁴ (n from
 * the noisy counts, clamped at 0; cells summed add their variances), gaps the intervals of
 * intervals.ts. Coverage is checked by simulation (test/interplay/central-release.test.ts).
 */
import { UserError } from "../common/errors.js";
import type { Random } from "../common/rng.js";
import type { SensitiveAttribute } from "../data/types.js";
import { analyticGaussianSigma } from "../privacy/mechanisms/gaussian.js";
import { releaseCount } from "../privacy/mechanisms/release.js";
import { createSecureRandom } from "../privacy/secure-random.js";
import { type EstimatedRate, gapInterval, maxOfIntervals, normalInterval } from "./intervals.js";
import { MIN_GROUP_ROWS } from "./ldp.js";

/**
 * The mechanism that releases confusion counts under central DP: Laplace (ε) or Gaussian (ε, δ).
 *
 * @example
 * ```ts
 * import { type ConfusionMechanism, releaseGroupConfusion } from "equipoise/interplay";
 * import type { data } from "equipoise";
 * declare const yTrue: Int32Array; // 0/1 labels
 * declare const yPred: Int32Array; // 0/1 predictions
 * declare const group: data.SensitiveAttribute; // the true sensitive attribute, held by the curator
 * const laplace: ConfusionMechanism = { kind: "laplace", epsilon: 1 }; // ε-DP
 * const gaussian: ConfusionMechanism = { kind: "gaussian", epsilon: 1, delta: 1e-6 }; // (ε, δ)-DP
 * releaseGroupConfusion({ yTrue, yPred, attribute: group, mechanism: gaussian });
 * ```
 */
export type ConfusionMechanism =
  | { kind: "laplace"; epsilon: number }
  | { kind: "gaussian"; epsilon: number; delta: number };

/**
 * A group's confusion counts with DP noise added (possibly negative or fractional).
 *
 * @example
 * ```ts
 * import type { ConfusionRelease, NoisyConfusion } from "equipoise/interplay";
 * declare const release: ConfusionRelease; // from releaseGroupConfusion
 * const counts: NoisyConfusion = release.groups[0].counts;
 * counts.truePositives + counts.falseNegatives; // the group's noisy number of positives (may be fractional or < 0)
 * ```
 */
export interface NoisyConfusion {
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
}

/**
 * A group's rates estimated from its released noisy counts, each with its uncertainty.
 *
 * @example
 * ```ts
 * import type { ConfusionRelease, ReleasedGroupMetrics } from "equipoise/interplay";
 * declare const release: ConfusionRelease; // from releaseGroupConfusion
 * const groups: ReleasedGroupMetrics[] = release.groups;
 * for (const g of groups) console.log(g.group, g.tpr.estimate, g.tpr.low, g.tpr.high); // rates from the noisy counts, with intervals
 * ```
 */
export interface ReleasedGroupMetrics {
  /** The group's value. */
  group: string;
  counts: NoisyConfusion;
  accuracy: EstimatedRate;
  selectionRate: EstimatedRate;
  tpr: EstimatedRate;
  fpr: EstimatedRate;
}

/**
 * Group confusion counts released under central DP, the metrics and gaps computed from them with
 * their error, and the release's privacy.
 *
 * @example
 * ```ts
 * import { type ConfusionRelease, releaseGroupConfusion } from "equipoise/interplay";
 * import type { data } from "equipoise";
 * declare const yTrue: Int32Array; // 0/1 labels
 * declare const yPred: Int32Array; // 0/1 predictions
 * declare const group: data.SensitiveAttribute; // the true sensitive attribute, held by the curator
 * const release: ConfusionRelease = releaseGroupConfusion({ yTrue, yPred, attribute: group, mechanism: { kind: "laplace", epsilon: 1 } });
 * release.equalizedOddsDifference; // { estimate, standardError, low, high }, computed from the noisy counts
 * release.privacy.epsilon; // 1: the whole table is ε-DP (one person changes one cell)
 * release.warnings; // e.g. a group with too few rows
 * ```
 */
export interface ConfusionRelease {
  attribute: string;
  mechanism: ConfusionMechanism & {
    /** Laplace scale or Gaussian σ on every cell. */
    noiseScale: number;
    /** Variance of the noise of one cell. */
    cellVariance: number;
  };
  privacy: { epsilon: number; delta: number; neighbouring: "add or remove one row"; note: string };
  confidence: number;
  groups: ReleasedGroupMetrics[];
  demographicParityDifference: EstimatedRate;
  equalOpportunityDifference: EstimatedRate;
  equalizedOddsDifference: EstimatedRate;
  warnings: string[];
}

/**
 * Variance of the discrete Laplace with P(k) ∝ e^{−|k|/b}: 2e^{−1/b}/(1 − e^{−1/b})².
 *
 * @example
 * ```ts
 * import { discreteLaplaceVariance } from "equipoise/interplay";
 * discreteLaplaceVariance(1); // 2e⁻¹/(1 − e⁻¹)² ≈ 1.841 (the continuous Laplace(1) has 2)
 * ```
 */
export function discreteLaplaceVariance(scale: number): number {
  const r = Math.exp(-1 / scale);
  return (2 * r) / (1 - r) ** 2;
}

/**
 * Variance of N_ℤ(0, σ²), summed until the terms vanish (it is below σ²).
 *
 * @example
 * ```ts
 * import { discreteGaussianVariance } from "equipoise/interplay";
 * discreteGaussianVariance(1); // ≈ 0.9999998, just below σ² = 1
 * discreteGaussianVariance(0.3); // ≈ 0.0077: far below 0.09 once σ < 1/2
 * ```
 */
export function discreteGaussianVariance(sigma: number): number {
  const variance = sigma * sigma;
  let normaliser = 1;
  let second = 0;
  for (let j = 1; ; j++) {
    const term = Math.exp((-j * j) / (2 * variance));
    normaliser += 2 * term;
    second += 2 * j * j * term;
    if (term * j * j < 1e-17 * Math.max(second, 1e-300) && j > sigma) break;
  }
  return second / normaliser;
}

function rate(
  positive: number,
  negative: number,
  variancePositive: number,
  varianceNegative: number,
  confidence: number,
): EstimatedRate & { variance: number } {
  const n1 = Math.max(0, positive);
  const n0 = Math.max(0, negative);
  const total = n1 + n0;
  if (!(total > 0))
    return {
      estimate: Number.NaN,
      standardError: Number.NaN,
      low: Number.NaN,
      high: Number.NaN,
      variance: Number.NaN,
    };
  const variance = (n0 * n0 * variancePositive + n1 * n1 * varianceNegative) / total ** 4;
  return { ...normalInterval(n1 / total, variance, confidence), variance };
}

/**
 * Every group's confusion counts [TP, FP, TN, FN] (row-major, 4 per group): one row falls
 * in exactly one cell, so adding or removing it changes one cell by 1.
 *
 * @example
 * ```ts
 * import { groupConfusionCounts } from "equipoise/interplay";
 * const group = { name: "g", categories: ["A", "B"], codes: Int32Array.from([0, 0, 1, 1]) };
 * groupConfusionCounts([1, 0, 1, 0], [1, 1, 0, 0], group); // [1, 1, 0, 0, 0, 0, 1, 1]: [TP, FP, TN, FN] of A, then B
 * ```
 */
export function groupConfusionCounts(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  attribute: SensitiveAttribute,
): Float64Array {
  if (yTrue.length !== yPred.length || yTrue.length !== attribute.codes.length)
    throw new UserError(
      `labels (${yTrue.length}), predictions (${yPred.length}) and sensitive values (${attribute.codes.length}) must have one entry per row`,
    );
  const cells = new Float64Array(attribute.categories.length * 4);
  for (let i = 0; i < yTrue.length; i++) {
    const g = attribute.codes[i];
    if (g < 0) continue;
    const y = yTrue[i];
    const p = yPred[i];
    if ((y !== 0 && y !== 1) || (p !== 0 && p !== 1))
      throw new UserError(`group confusion counts need binary labels and predictions (row ${i})`);
    cells[g * 4 + (y === 1 ? (p === 1 ? 0 : 3) : p === 1 ? 1 : 2)]++;
  }
  return cells;
}

/**
 * Releases every group's confusion counts of binary predictions under central DP and the
 * group metrics and fairness gaps computed from them, with their error from the noise.
 *
 * @example
 * ```ts
 * import type { SensitiveAttribute } from "equipoise/data";
 * import { releaseGroupConfusion } from "equipoise/interplay";
 * declare const yTrue: Float32Array, yPred: Int32Array, group: SensitiveAttribute; // labels, 0/1 predictions, groups of the same rows
 * const released = releaseGroupConfusion({
 *   yTrue,
 *   yPred,
 *   attribute: group, // { name, categories, codes }
 *   mechanism: { kind: "laplace", epsilon: 1 },
 * });
 * console.log(released.demographicParityDifference); // estimate with its interval
 * ```
 */
export function releaseGroupConfusion(options: {
  yTrue: ArrayLike<number>;
  yPred: ArrayLike<number>;
  attribute: SensitiveAttribute;
  mechanism: ConfusionMechanism;
  confidence?: number;
  /** Secure by default; a seeded one for experiments (then not for release). */
  random?: Random;
}): ConfusionRelease {
  const { yTrue, yPred, attribute, mechanism } = options;
  const confidence = options.confidence ?? 0.95;
  if (!(mechanism.epsilon > 0 && Number.isFinite(mechanism.epsilon)))
    throw new UserError(
      `the epsilon of the confusion-count release must be a finite number > 0, got ${mechanism.epsilon}`,
    );
  const k = attribute.categories.length;
  const cells = groupConfusionCounts(yTrue, yPred, attribute);
  const random = options.random ?? createSecureRandom();
  let noiseScale: number;
  let cellVariance: number;
  let delta = 0;
  let draw: (count: number) => number;
  if (mechanism.kind === "laplace") {
    noiseScale = 1 / mechanism.epsilon;
    cellVariance = discreteLaplaceVariance(noiseScale);
    draw = (count) =>
      releaseCount(count, { kind: "discrete-laplace", epsilon: mechanism.epsilon }, { random }).value;
  } else {
    if (!(mechanism.delta > 0 && mechanism.delta < 1))
      throw new UserError(
        `the delta of the confusion-count release must be in (0, 1), got ${mechanism.delta}`,
      );
    delta = mechanism.delta;
    noiseScale = analyticGaussianSigma(1, mechanism.epsilon, mechanism.delta);
    cellVariance = discreteGaussianVariance(noiseScale);
    draw = (count) => releaseCount(count, { kind: "discrete-gaussian", sigma: noiseScale }, { random }).value;
  }
  const noisy = Float64Array.from(cells, draw);
  const warnings: string[] = [];
  const groups = attribute.categories.map((group, g) => {
    const [tp, fp, tn, fn] = noisy.subarray(g * 4, g * 4 + 4);
    const total = Math.max(0, tp) + Math.max(0, fp) + Math.max(0, tn) + Math.max(0, fn);
    if (total < MIN_GROUP_ROWS)
      warnings.push(
        `group '${group}' of '${attribute.name}' has about ${Math.round(total)} rows (noisy count): too few for its metrics to mean much`,
      );
    return {
      group,
      counts: { truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn },
      accuracy: rate(tp + tn, fp + fn, 2 * cellVariance, 2 * cellVariance, confidence),
      selectionRate: rate(tp + fp, tn + fn, 2 * cellVariance, 2 * cellVariance, confidence),
      tpr: rate(tp, fn, cellVariance, cellVariance, confidence),
      fpr: rate(fp, tn, cellVariance, cellVariance, confidence),
    };
  });
  // Different groups' cells get independent noise: their rates are uncorrelated.
  const gap = (pick: (g: (typeof groups)[number]) => EstimatedRate & { variance: number }) =>
    gapInterval(groups.map(pick), confidence);
  const tprGap = gap((g) => g.tpr);
  const strip = ({ variance: _v, ...r }: EstimatedRate & { variance: number }): EstimatedRate => r;
  return {
    attribute: attribute.name,
    mechanism: { ...mechanism, noiseScale, cellVariance },
    privacy: {
      epsilon: mechanism.epsilon,
      delta,
      neighbouring: "add or remove one row",
      note: `the ${4 * k} confusion counts (true/false positives/negatives of each group) are released with ${mechanism.kind === "laplace" ? `discrete Laplace noise of scale ${noiseScale.toPrecision(4)} (ε-DP)` : `discrete Gaussian noise of σ ${noiseScale.toPrecision(4)} ((ε, δ)-DP)`}; every metric is computed from them (post-processing)`,
    },
    confidence,
    groups: groups.map((g) => ({
      ...g,
      accuracy: strip(g.accuracy),
      selectionRate: strip(g.selectionRate),
      tpr: strip(g.tpr),
      fpr: strip(g.fpr),
    })),
    demographicParityDifference: gap((g) => g.selectionRate),
    equalOpportunityDifference: tprGap,
    equalizedOddsDifference: maxOfIntervals(
      tprGap,
      gap((g) => g.fpr),
    ),
    warnings,
  };
}
