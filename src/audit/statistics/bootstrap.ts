/**
 * Percentile bootstrap intervals over candidates (Efron & Tibshirani 1993, §13.3):
 * the trained models are held fixed and only the candidates are resampled, so the
 * interval is the sampling error of the candidate set, not of training. Resampling
 * is stratified — within membership, and within each sensitive group when groups are
 * compared — so every replicate keeps the counts the statistic is conditioned on
 * (an AUC needs both classes; a per-group figure needs its group).
 *
 * A replicate is a vector of integer multiplicities, which the statistics accept as
 * weights (statistics/roc.ts), so no replicate sorts anything again.
 */
import { createRandom } from "../../common/rng.js";
import type { Interval } from "./clopper-pearson.js";

/**
 * Options of a bootstrap interval: replicates, seed and level.
 *
 * @example
 * ```ts
 * import { type BootstrapOptions, bootstrapIntervals, RankedScores } from "equipoise/audit";
 * const isMember = [1, 0, 1, 0, 1, 0];
 * const ranked = new RankedScores([0.9, 0.8, 0.7, 0.3, 0.2, 0.1], isMember);
 * const options: BootstrapOptions = { replicates: 500, seed: 1, confidence: 0.9 };
 * const [auc] = bootstrapIntervals(isMember, (weights) => [ranked.auc(weights)], options); // { lo, hi }
 * ```
 */
export interface BootstrapOptions {
  /** Number of replicates (default 1000). */
  replicates?: number;
  /** Seed of the resampling (default 0). */
  seed?: number;
  /** Two-sided level (default 0.95). */
  confidence?: number;
}

export const DEFAULT_REPLICATES = 1000;

/**
 * Percentile intervals of each component of `statistic`, resampling candidates with
 * replacement within each stratum (`strata[i]` is candidate i's stratum). Replicates
 * where a component is NaN (an empty class) are left out of that component's interval.
 *
 * @example
 * ```ts
 * import { bootstrapIntervals, RankedScores } from "equipoise/audit/light";
 * const isMember = [1, 0, 1, 0];
 * const ranked = new RankedScores([0.9, 0.8, 0.3, 0.1], isMember);
 * const [aucInterval] = bootstrapIntervals(isMember, (weights) => [ranked.auc(weights)], { replicates: 200 });
 * aucInterval; // { lo: 0, hi: 1 }: four candidates say little
 * ```
 */
export function bootstrapIntervals(
  strata: ArrayLike<number>,
  statistic: (weights: Float64Array) => readonly number[],
  options: BootstrapOptions = {},
): Interval[] {
  const replicates = options.replicates ?? DEFAULT_REPLICATES;
  const confidence = options.confidence ?? 0.95;
  if (!(Number.isInteger(replicates) && replicates >= 1)) {
    throw new RangeError(`bootstrap replicates must be a whole number ≥ 1, got ${replicates}`);
  }
  const random = createRandom(options.seed ?? 0);
  const members = new Map<number, number[]>();
  for (let i = 0; i < strata.length; i++) {
    const list = members.get(strata[i]);
    if (list) list.push(i);
    else members.set(strata[i], [i]);
  }
  const lists = [...members.keys()].sort((a, b) => a - b).map((key) => members.get(key)!);
  const weights = new Float64Array(strata.length);
  const samples: number[][] = [];
  for (let r = 0; r < replicates; r++) {
    weights.fill(0);
    for (const list of lists) {
      for (let draw = 0; draw < list.length; draw++) weights[list[random.integer(list.length)]]++;
    }
    const values = statistic(weights);
    values.forEach((value, k) => {
      samples[k] ??= [];
      if (!Number.isNaN(value)) samples[k].push(value);
    });
  }
  const alpha = 1 - confidence;
  return samples.map((values) => {
    values.sort((a, b) => a - b);
    return { lo: quantile(values, alpha / 2), hi: quantile(values, 1 - alpha / 2) };
  });
}

/**
 * The q-quantile of sorted values by linear interpolation (numpy's default); NaN when empty.
 *
 * @example
 * ```ts
 * import { quantile } from "equipoise/audit/light";
 * quantile([1, 2, 3, 4], 0.5); // 2.5
 * quantile([], 0.5); // NaN
 * ```
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  const fraction = position - below;
  return sorted[below] + fraction * (sorted[above] - sorted[below]);
}
