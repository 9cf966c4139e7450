/** Agreement between two scorings: Pearson and Spearman correlation, top-k recall. */

/**
 * Pearson's correlation of two equally long scorings.
 *
 * @example
 * ```ts
 * import { pearson } from "equipoise/explain";
 * pearson([1, 2, 3], [2, 4, 7]); // 0.9933992677987828
 * ```
 */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (n !== b.length) throw new RangeError(`${n} values against ${b.length}`);
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < n; i++) {
    meanA += a[i];
    meanB += b[i];
  }
  meanA /= n;
  meanB /= n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i] - meanA;
    const y = b[i] - meanB;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa === 0 || bb === 0 ? Number.NaN : ab / Math.sqrt(aa * bb);
}

/**
 * Ranks 1…n, ties given their average rank (as scipy.stats.rankdata).
 *
 * @example
 * ```ts
 * import { averageRanks } from "equipoise/explain";
 * averageRanks([10, 20, 20, 5]); // Float64Array [2, 3.5, 3.5, 1]
 * ```
 */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => values[x] - values[y]);
  const ranks = new Float64Array(n);
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && values[order[end]] === values[order[start]]) end++;
    const rank = (start + end + 1) / 2;
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}

/**
 * Spearman's rank correlation (average ranks for ties).
 *
 * @example
 * ```ts
 * import { spearman } from "equipoise/explain";
 * spearman([1, 2, 3], [2, 4, 7]); // 1: the same order
 * ```
 */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return pearson(averageRanks(a), averageRanks(b));
}

/**
 * Indices of the `k` largest scores, ties broken by ascending index (a stable order,
 * so that rankings are reproducible).
 *
 * @example
 * ```ts
 * import { topIndices } from "equipoise/explain";
 * topIndices([0.2, 0.9, 0.9, 0.1], 2); // Int32Array [1, 2]: ties by ascending index
 * ```
 */
export function topIndices(scores: ArrayLike<number>, k: number): Int32Array {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort(
    (x, y) => scores[y] - scores[x] || x - y,
  );
  return Int32Array.from(order.slice(0, Math.max(0, Math.min(k, scores.length))));
}

/**
 * Fraction of `relevant` found among the top `k` of `scores`.
 *
 * @example
 * ```ts
 * import { recallAtK } from "equipoise/explain";
 * recallAtK([0.2, 0.9, 0.8, 0.1], [2, 3], 2); // 0.5: row 2 is in the top 2, row 3 is not
 * ```
 */
export function recallAtK(scores: ArrayLike<number>, relevant: ArrayLike<number>, k: number): number {
  if (relevant.length === 0) return Number.NaN;
  const top = new Set(topIndices(scores, k));
  let found = 0;
  for (let i = 0; i < relevant.length; i++) if (top.has(relevant[i])) found++;
  return found / relevant.length;
}
