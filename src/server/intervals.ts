/**
 * Uncertainty of the per-group rates a trial page shows. A group of 40 rows has a
 * selection rate known to ±0.15, so a gap between groups means little without
 * intervals.
 *
 * Wilson score interval (Wilson 1927), the interval Brown, Cai & DasGupta (2001)
 * recommend over the Wald interval for small n and rates near 0 or 1:
 *   centre = (p̂ + z²/2n) / (1 + z²/n),  half-width = z / (1 + z²/n) · √(p̂(1 − p̂)/n + z²/4n²).
 *
 * Studies store each group's count and rates, not the counts behind TPR and FPR
 * (the group's positives and negatives). They are recovered exactly: the rates
 * are ratios of whole numbers, so the positives P are the one whole number in
 * [0, n] for which TP = TPR·P and FP = FPR·(n − P) are whole and agree with the
 * selection rate (TP + FP) and the accuracy (TP + n − P − FP).
 */
import type { Interval } from "./documents.js";

/** z of a two-sided 95% normal interval: Φ⁻¹(0.975). */
export const Z_95 = 1.959963984540054;

/**
 * The Wilson score interval of a binomial rate (Wilson 1927), clipped to [0, 1]; all NaN when `n` is 0.
 * `z` is the normal quantile (default 1.96, a two-sided 95 % interval).
 *
 * @example
 * ```ts
 * import { wilsonInterval } from "equipoise/server";
 * const { value, low, high } = wilsonInterval(40, 50); // 0.8, ≈0.670, ≈0.888
 * ```
 */
export function wilsonInterval(successes: number, n: number, z = Z_95): Interval {
  if (!(n > 0)) return { value: Number.NaN, low: Number.NaN, high: Number.NaN, n: 0 };
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { value: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half), n };
}

/**
 * One group's rates as the study stores them, with the group's size.
 *
 * @example
 * ```ts
 * import { type GroupRates, groupIntervals } from "equipoise/server";
 * const rates: GroupRates = { count: 50, accuracy: 0.84, selectionRate: 0.36, tpr: 0.75, fpr: 0.1 }; // as a study stores them
 * const intervals = groupIntervals(rates);
 * ```
 */
export interface GroupRates {
  count: number;
  accuracy: number;
  selectionRate: number;
  /** NaN (or 0) when the group has no positives. */
  tpr: number;
  /** NaN (or 0) when the group has no negatives. */
  fpr: number;
}

/**
 * The counts behind a group's rates.
 *
 * @example
 * ```ts
 * import { type GroupCounts, recoverGroupCounts } from "equipoise/server";
 * const counts: GroupCounts | null = recoverGroupCounts({ count: 50, accuracy: 0.84, selectionRate: 0.36, tpr: 0.75, fpr: 0.1 });
 * counts?.positives; // 20: the denominator of the TPR
 * ```
 */
export interface GroupCounts {
  n: number;
  correct: number;
  predictedPositive: number;
  positives: number;
  truePositives: number;
  falsePositives: number;
}

const TOLERANCE = 1e-6;

function whole(x: number): number | null {
  const r = Math.round(x);
  return Math.abs(x - r) <= TOLERANCE * Math.max(1, Math.abs(x)) ? r : null;
}

/**
 * The whole-number counts behind a group's rates, or null when no counts fit them.
 *
 * @example
 * ```ts
 * import { recoverGroupCounts } from "equipoise/server";
 * recoverGroupCounts({ count: 50, accuracy: 0.84, selectionRate: 0.36, tpr: 0.75, fpr: 0.1 });
 * // { n: 50, correct: 42, predictedPositive: 18, positives: 20, truePositives: 15, falsePositives: 3 }
 * ```
 */
export function recoverGroupCounts(rates: GroupRates): GroupCounts | null {
  const n = whole(rates.count);
  if (n === null || n <= 0) return null;
  const correct = whole(rates.accuracy * n);
  const predictedPositive = whole(rates.selectionRate * n);
  if (correct === null || predictedPositive === null) return null;
  for (let positives = 0; positives <= n; positives++) {
    const negatives = n - positives;
    // A group without positives has an undefined TPR, and one without negatives an undefined
    // FPR: NaN, or 0 as MetricFrame reports it (scikit-learn's zero_division=0).
    if (positives === 0 ? !(Number.isNaN(rates.tpr) || rates.tpr === 0) : Number.isNaN(rates.tpr)) continue;
    if (negatives === 0 ? !(Number.isNaN(rates.fpr) || rates.fpr === 0) : Number.isNaN(rates.fpr)) continue;
    const truePositives = positives === 0 ? 0 : whole(rates.tpr * positives);
    const falsePositives = negatives === 0 ? 0 : whole(rates.fpr * negatives);
    if (truePositives === null || falsePositives === null) continue;
    if (truePositives > positives || falsePositives > negatives) continue;
    if (truePositives + falsePositives !== predictedPositive) continue;
    if (truePositives + negatives - falsePositives !== correct) continue;
    return { n, correct, predictedPositive, positives, truePositives, falsePositives };
  }
  return null;
}

/**
 * A group's rates with their Wilson intervals.
 *
 * @example
 * ```ts
 * import { type GroupIntervals, groupIntervals } from "equipoise/server";
 * const intervals: GroupIntervals = groupIntervals({ count: 50, accuracy: 0.84, selectionRate: 0.36, tpr: 0.75, fpr: 0.1 });
 * intervals.accuracy.n; // 50: every row of the group
 * intervals.tpr.n; // 20: its positives only
 * ```
 */
export interface GroupIntervals {
  accuracy: Interval;
  selectionRate: Interval;
  tpr: Interval;
  fpr: Interval;
}

/**
 * Intervals for a group's four rates. When its counts cannot be recovered, accuracy
 * and selection rate (whose denominator is the count) still get theirs; TPR and FPR
 * keep their value with an unknown interval (n = 0).
 *
 * @example
 * ```ts
 * import { groupIntervals } from "equipoise/server";
 * const intervals = groupIntervals({ count: 50, accuracy: 0.84, selectionRate: 0.36, tpr: 0.75, fpr: 0.1 });
 * intervals.tpr; // { value: 0.75, low: ≈ 0.531, high: ≈ 0.888, n: 20 }: Wilson, on the 20 positives
 * ```
 */
export function groupIntervals(rates: GroupRates): GroupIntervals {
  const counts = recoverGroupCounts(rates);
  if (counts) {
    return {
      accuracy: wilsonInterval(counts.correct, counts.n),
      selectionRate: wilsonInterval(counts.predictedPositive, counts.n),
      tpr: wilsonInterval(counts.truePositives, counts.positives),
      fpr: wilsonInterval(counts.falsePositives, counts.n - counts.positives),
    };
  }
  const unknown = (value: number): Interval => ({ value, low: Number.NaN, high: Number.NaN, n: 0 });
  const n = Math.round(rates.count);
  return {
    accuracy: wilsonInterval(Math.round(rates.accuracy * n), n),
    selectionRate: wilsonInterval(Math.round(rates.selectionRate * n), n),
    tpr: unknown(rates.tpr),
    fpr: unknown(rates.fpr),
  };
}
