/**
 * Interval estimates shared by the interplay measurements: normal (delta-method)
 * intervals of rates and of gaps between group rates, and percentile-bootstrap
 * intervals of a mean over seeds. Pure functions; no tensor engine.
 */
import { createRandom } from "../common/rng.js";
import { normalQuantile } from "../math/normal.js";

/**
 * An estimate with its interval; NaN bounds when it cannot be computed.
 *
 * @example
 * ```ts
 * import { type Interval, maxOfIntervals, normalInterval } from "equipoise/interplay";
 * const interval: Interval = normalInterval(0.3, 0.0004, 0.95); // an EstimatedRate is an Interval
 * interval.high - interval.low; // ≈ 0.078: the width at 95 %
 * ```
 */
export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

/**
 * A rate estimated with a (delta-method) standard error.
 *
 * @example
 * ```ts
 * import { type EstimatedRate, gapInterval } from "equipoise/interplay";
 * const gap: EstimatedRate = gapInterval([{ estimate: 0.3, variance: 0.0004 }, { estimate: 0.2, variance: 0.0004 }], 0.95);
 * gap.standardError; // ≈ 0.028; gap.low ≈ 0.045, gap.high ≈ 0.155
 * ```
 */
export interface EstimatedRate extends Interval {
  standardError: number;
}

/**
 * The two-sided normal quantile for a confidence level, e.g. 1.96 for 0.95.
 *
 * @example
 * ```ts
 * import { normalCriticalValue } from "equipoise/interplay";
 * normalCriticalValue(0.95); // ≈ 1.96
 * ```
 */
export function normalCriticalValue(confidence: number): number {
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  return normalQuantile(0.5 + confidence / 2);
}

/**
 * estimate ± z·√variance.
 *
 * @example
 * ```ts
 * import { normalInterval } from "equipoise/interplay";
 * normalInterval(0.3, 0.0004, 0.95); // { estimate: 0.3, standardError: 0.02, low: ≈ 0.261, high: ≈ 0.339 }
 * ```
 */
export function normalInterval(estimate: number, variance: number, confidence: number): EstimatedRate {
  const standardError = Math.sqrt(Math.max(variance, 0));
  const z = normalCriticalValue(confidence);
  return { estimate, standardError, low: estimate - z * standardError, high: estimate + z * standardError };
}

/**
 * A rate (a proportion) with the variance of its estimate, for gap intervals.
 *
 * @example
 * ```ts
 * import { gapInterval, type RateWithVariance } from "equipoise/interplay";
 * const women: RateWithVariance = { estimate: 0.3, variance: (0.3 * 0.7) / 500 }; // a proportion of 500 rows
 * const men: RateWithVariance = { estimate: 0.2, variance: (0.2 * 0.8) / 800 };
 * gapInterval([women, men], 0.95); // the interval of the gap 0.1
 * ```
 */
export interface RateWithVariance {
  estimate: number;
  variance: number;
}

/**
 * The interval of max_g r_g − min_g r_g (Fairlearn's difference) at `confidence`.
 *
 * Two groups: the delta-method interval of r₀ − r₁ (with their covariance), folded onto
 * |r₀ − r₁|. More groups: simultaneous (Bonferroni) intervals of every rate at level
 * 1 − (1 − confidence)/k; when they all hold, the true gap lies in
 * [max(0, max low − min high), max high − min low], so the coverage is at least `confidence`
 * (conservative: the estimated arg-max and arg-min groups are not assumed known).
 *
 * @example
 * ```ts
 * import { gapInterval } from "equipoise/interplay";
 * gapInterval([{ estimate: 0.3, variance: 0.0004 }, { estimate: 0.2, variance: 0.0004 }], 0.95);
 * // { estimate: 0.1, standardError: ≈ 0.028, low: ≈ 0.045, high: ≈ 0.155 }
 * ```
 */
export function gapInterval(
  rates: readonly RateWithVariance[],
  confidence: number,
  covariance: (i: number, j: number) => number = () => 0,
): EstimatedRate {
  const defined = rates.map((r, g) => ({ ...r, g })).filter((r) => Number.isFinite(r.estimate));
  if (defined.length < 2)
    return { estimate: Number.NaN, standardError: Number.NaN, low: Number.NaN, high: Number.NaN };
  const values = defined.map((r) => r.estimate);
  const estimate = Math.max(...values) - Math.min(...values);
  if (defined.length === 2) {
    const [a, b] = defined;
    const variance = a.variance + b.variance - 2 * covariance(a.g, b.g);
    const difference = normalInterval(a.estimate - b.estimate, variance, confidence);
    const [low, high] =
      difference.low > 0
        ? [difference.low, difference.high]
        : difference.high < 0
          ? [-difference.high, -difference.low]
          : [0, Math.max(-difference.low, difference.high)];
    return { estimate, standardError: difference.standardError, low, high };
  }
  const simultaneous = 1 - (1 - confidence) / defined.length;
  const intervals = defined.map((r) => normalInterval(r.estimate, r.variance, simultaneous));
  const low = Math.max(
    0,
    Math.max(...intervals.map((i) => i.low)) - Math.min(...intervals.map((i) => i.high)),
  );
  const high = Math.max(...intervals.map((i) => i.high)) - Math.min(...intervals.map((i) => i.low));
  return { estimate, standardError: Number.NaN, low, high };
}

/**
 * max(a, b) of two gaps (equalized odds = max of the TPR and FPR differences): when both
 * intervals hold, max of the truths lies in [max lows, max highs] (coverage ≥ 1 − 2α by
 * the union bound; state it beside the number).
 *
 * @example
 * ```ts
 * import { maxOfIntervals } from "equipoise/interplay";
 * const tpr = { estimate: 0.1, low: 0.05, high: 0.15, standardError: 0.025 };
 * const fpr = { estimate: 0.2, low: 0.1, high: 0.3, standardError: 0.05 };
 * maxOfIntervals(tpr, fpr); // { estimate: 0.2, low: 0.1, high: 0.3, standardError: NaN }
 * ```
 */
export function maxOfIntervals(a: EstimatedRate, b: EstimatedRate): EstimatedRate {
  if (!Number.isFinite(a.estimate)) return b;
  if (!Number.isFinite(b.estimate)) return a;
  return {
    estimate: Math.max(a.estimate, b.estimate),
    standardError: Number.NaN,
    low: Math.max(a.low, b.low),
    high: Math.max(a.high, b.high),
  };
}

/**
 * A mean over seeds with its percentile-bootstrap interval and the values it came from.
 *
 * @example
 * ```ts
 * import { bootstrapMeanInterval, type SeedInterval } from "equipoise/interplay";
 * const interval: SeedInterval = bootstrapMeanInterval([0.1, 0.12, 0.09, 0.11, 0.13], { seed: 0 });
 * interval.estimate; // 0.11: the mean over the seeds
 * interval.perSeed; // [0.1, 0.12, 0.09, 0.11, 0.13]: the values it came from
 * ```
 */
export interface SeedInterval extends Interval {
  perSeed: number[];
}

/**
 * Bootstrap resamples of an interval by default.
 *
 * @example
 * ```ts
 * import { bootstrapMeanInterval, DEFAULT_BOOTSTRAP_RESAMPLES } from "equipoise/interplay";
 * DEFAULT_BOOTSTRAP_RESAMPLES; // 2000
 * bootstrapMeanInterval([0.1, 0.12, 0.09], { resamples: 4 * DEFAULT_BOOTSTRAP_RESAMPLES }); // a steadier interval, 4× the work
 * ```
 */
export const DEFAULT_BOOTSTRAP_RESAMPLES = 2000;

/**
 * The mean of `values` (one per seed) and the percentile-bootstrap interval of that mean
 * (Efron & Tibshirani 1993, §13.3): resample the seeds with replacement, take the
 * (1 ± confidence)/2 quantiles of the resampled means. Seeded, so reports are reproducible.
 * With few seeds (5) the interval is narrow-biased — it cannot show variation the seeds
 * did not produce — and a single seed gives a zero-width interval: report the count.
 *
 * @example
 * ```ts
 * import { bootstrapMeanInterval } from "equipoise/interplay";
 * bootstrapMeanInterval([0.1, 0.12, 0.09, 0.11, 0.13], { seed: 0 });
 * // { estimate: 0.11, low: ≈ 0.098, high: ≈ 0.122, perSeed: [...] }: five seeds, a narrow-biased interval
 * ```
 */
export function bootstrapMeanInterval(
  values: readonly number[],
  options: { confidence?: number; resamples?: number; seed?: number } = {},
): SeedInterval {
  const finite = values.filter(Number.isFinite);
  const perSeed = [...values];
  if (finite.length === 0) return { estimate: Number.NaN, low: Number.NaN, high: Number.NaN, perSeed };
  const confidence = options.confidence ?? 0.95;
  const resamples = options.resamples ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  const mean = (xs: ArrayLike<number>) => {
    let sum = 0;
    for (let i = 0; i < xs.length; i++) sum += xs[i];
    return sum / xs.length;
  };
  const random = createRandom(options.seed ?? 0);
  const means = new Float64Array(resamples);
  const draw = new Float64Array(finite.length);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < finite.length; i++) draw[i] = finite[random.integer(finite.length)];
    means[b] = mean(draw);
  }
  means.sort();
  const at = (p: number) => means[Math.min(resamples - 1, Math.max(0, Math.floor(p * resamples)))];
  return {
    estimate: mean(finite),
    low: at((1 - confidence) / 2),
    high: at((1 + confidence) / 2),
    perSeed,
  };
}
