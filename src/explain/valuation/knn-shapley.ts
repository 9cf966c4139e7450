/**
 * Exact KNN-Shapley (Jia et al. 2019, Theorem 1): the Shapley value of every training
 * row for the utility "fraction of the K nearest neighbours of a test point that carry
 * its label", averaged over test points. For one test point with the training rows
 * sorted by distance α₁ … α_N (ties by ascending training index),
 *   s(α_N) = 1[y_{α_N} = y_t] / N,
 *   s(α_i) = s(α_{i+1}) + (1[y_{α_i} = y_t] − 1[y_{α_{i+1}} = y_t]) / K · min(K, i) / i.
 * The values of one test point sum to its utility on the full set (efficiency).
 *
 * Cost: every test point needs the full order of all training rows, so the work is
 * one distance per pair plus one sort per test point. The sort is a stable LSD radix
 * sort on the 32 bits after the sign of the (non-negative, so monotone as integers) float64
 * distances, finished by insertion sort of the rare runs that share those bits and by
 * an exact re-ranking of near-ties (distances.ts). The maths is pure and runs on a
 * range of test points, so callers can split the test points across threads.
 */
import type { Examples } from "../data.js";
import {
  type CompactRows,
  compactRows,
  type DistanceLayout,
  detectLayout,
  numpySquaredDistance,
  tieWindow,
} from "./distances.js";

/**
 * The exact KNN-Shapley problem: training and test rows, K, and how distances are computed.
 *
 * @example
 * ```ts
 * import { type ExplainData, type KnnShapleyProblem, knnShapleyProblem, knnShapleySums } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * const problem: KnnShapleyProblem = knnShapleyProblem(data.train, data.test, 10);
 * problem.k; // 10
 * const sums = knnShapleySums(problem, [0, 1, 2]);
 * ```
 */
export interface KnnShapleyProblem {
  layout: DistanceLayout;
  train: Examples;
  test: Examples;
  k: number;
}

/**
 * The exact KNN-Shapley problem (Jia et al. 2019) of K neighbours between training and test rows.
 *
 * @example
 * ```ts
 * import { type ExplainData, knnShapleyProblem, knnShapleySums } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * const problem = knnShapleyProblem(data.train, data.test, 10);
 * const sums = knnShapleySums(problem, [0, 1, 2]); // divide by 3 for these test rows' mean values
 * ```
 */
export function knnShapleyProblem(train: Examples, test: Examples, k: number): KnnShapleyProblem {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`K must be a whole number ≥ 1, got ${k}`);
  if (train.cols !== test.cols) throw new RangeError(`train has ${train.cols} features, test ${test.cols}`);
  return { layout: detectLayout([train, test]), train, test, k };
}

/**
 * Σ over the listed test rows of the per-test-point values (not yet divided by their
 * number): one partial sum per thread, added up by the caller.
 *
 * @example
 * ```ts
 * import { type ExplainData, knnShapleyProblem, knnShapleySums } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * const problem = knnShapleyProblem(data.train, data.test, 10);
 * const partial = knnShapleySums(problem, [0, 1, 2]); // one thread's share; the caller adds and divides
 * ```
 */
export function knnShapleySums(problem: KnnShapleyProblem, testRows: ArrayLike<number>): Float64Array {
  const { train, test, layout, k } = problem;
  const n = train.rows;
  const compactTrain = compactRows(train, layout);
  const compactTest = compactRows(test, layout);
  const sums = new Float64Array(n);
  const workspace = new SortWorkspace(n);
  const distances = workspace.distances;
  const slots = codeSlots(compactTrain, layout);
  let tableSize = 0;
  for (let g = 0; g < layout.blockWidth.length; g++) tableSize += layout.blockWidth[g] + 1;
  const cellCost = new Float64Array(tableSize);
  const ties = new TieWorkspace();
  const window = tieWindow(layout.cols);
  for (let r = 0; r < testRows.length; r++) {
    const t = testRows[r];
    cheapDistances(compactTrain, slots, compactTest, t, layout, cellCost, distances);
    const order = workspace.sort();
    resolveNearTies(order, distances, window, train, test, t, ties);
    accumulateValues(order, train.y, test.y[t], k, sums);
  }
  return sums;
}

/**
 * Mean over the test rows: the KNN-Shapley value of every training row (single thread).
 *
 * @example
 * ```ts
 * import { knnShapley } from "equipoise/explain";
 * const train = { rows: 4, cols: 1, X: Float64Array.of(0, 1, 2, 3), y: Float64Array.of(0, 0, 1, 1) };
 * const test = { rows: 2, cols: 1, X: Float64Array.of(0.5, 2.5), y: Float64Array.of(0, 1) };
 * knnShapley(train, test, 1); // Float64Array [0.25, 0.25, 0.25, 0.25]: exact (Jia et al. 2019)
 * ```
 */
export function knnShapley(
  train: Examples,
  test: Examples,
  k: number,
  testRows?: ArrayLike<number>,
): Float64Array {
  const problem = knnShapleyProblem(train, test, k);
  const rows = testRows ?? Int32Array.from({ length: test.rows }, (_, i) => i);
  const sums = knnShapleySums(problem, rows);
  for (let i = 0; i < sums.length; i++) sums[i] /= rows.length;
  return sums;
}

/**
 * The numeric columns summed left to right plus the number of differing one-hot cells,
 * the latter by table lookup: for the test row, cellCost[slot] is the number of cells
 * in which a training row with that block code differs from it (2 when both rows have
 * different categories, 1 when one of them has none, 0 when equal), so each block
 * costs one load and no branch.
 */
function cheapDistances(
  train: CompactRows,
  slots: Int32Array,
  test: CompactRows,
  t: number,
  layout: DistanceLayout,
  cellCost: Float64Array,
  out: Float64Array,
): void {
  const m = layout.numericColumns.length;
  const b = layout.blockStart.length;
  let slot = 0;
  for (let g = 0; g < b; g++) {
    const own = test.codes[t * b + g];
    const width = layout.blockWidth[g];
    // Slot 0 of a block: the training row has no category in it; slot c + 1: category c.
    cellCost[slot] = own >= 0 ? 1 : 0;
    for (let c = 0; c < width; c++) cellCost[slot + 1 + c] = c === own ? 0 : own >= 0 ? 2 : 1;
    slot += width + 1;
  }
  const tn = test.numeric.subarray(t * m, (t + 1) * m);
  const numeric = train.numeric;
  for (let i = 0, nBase = 0, cBase = 0; i < train.rows; i++, nBase += m, cBase += b) {
    let d = 0;
    for (let c = 0; c < m; c++) {
      const diff = numeric[nBase + c] - tn[c];
      d += diff * diff;
    }
    let cells = 0;
    for (let g = 0; g < b; g++) cells += cellCost[slots[cBase + g]];
    out[i] = d + cells;
  }
}

/** Per training row and block, the index of its code in the cost table (see cheapDistances). */
function codeSlots(train: CompactRows, layout: DistanceLayout): Int32Array {
  const b = layout.blockStart.length;
  const offsets = new Int32Array(b);
  for (let g = 1; g < b; g++) offsets[g] = offsets[g - 1] + layout.blockWidth[g - 1] + 1;
  const slots = new Int32Array(train.rows * b);
  for (let i = 0; i < train.rows; i++) {
    for (let g = 0; g < b; g++) slots[i * b + g] = offsets[g] + 1 + train.codes[i * b + g];
  }
  return slots;
}

/** Buffers for re-ranking near-ties, grown on demand. */
class TieWorkspace {
  members = new Int32Array(64);
  exact = new Float64Array(64);
  ensure(size: number): void {
    if (this.members.length < size) {
      this.members = new Int32Array(2 * size);
      this.exact = new Float64Array(2 * size);
    }
  }
}

/**
 * Ranks whose cheap distances are closer than the rounding bound may be misordered:
 * each maximal run of such neighbours is re-sorted (insertion sort, stable) by the
 * NumPy-order distance, then by index. Outside the runs the cheap order is provably
 * the exact one. Returns the number of runs.
 */
function resolveNearTies(
  order: Int32Array,
  distances: Float64Array,
  window: number,
  train: Examples,
  test: Examples,
  t: number,
  ties: TieWorkspace,
): number {
  const n = order.length;
  let start = 0;
  let windows = 0;
  while (start < n - 1) {
    let end = start;
    while (
      end + 1 < n &&
      distances[order[end + 1]] - distances[order[end]] <= window * distances[order[end + 1]]
    )
      end++;
    if (end > start) {
      const size = end - start + 1;
      ties.ensure(size);
      const { members, exact } = ties;
      for (let k = 0; k < size; k++) {
        const row = order[start + k];
        const d = numpySquaredDistance(train.X, row * train.cols, test.X, t * test.cols, train.cols);
        // Insert keeping (distance, index) ascending.
        let j = k - 1;
        while (j >= 0 && (exact[j] > d || (exact[j] === d && members[j] > row))) {
          exact[j + 1] = exact[j];
          members[j + 1] = members[j];
          j--;
        }
        exact[j + 1] = d;
        members[j + 1] = row;
      }
      order.set(members.subarray(0, size), start);
      windows++;
    }
    start = end + 1;
  }
  return windows;
}

/** Adds one test point's values to `sums` (the recursion runs from the farthest row inwards). */
function accumulateValues(
  order: Int32Array,
  trainY: Float64Array,
  label: number,
  k: number,
  sums: Float64Array,
): void {
  const n = order.length;
  let next = trainY[order[n - 1]] === label ? 1 : 0;
  let value = next / n;
  sums[order[n - 1]] += value;
  for (let i = n - 1; i >= 1; i--) {
    const row = order[i - 1];
    const match = trainY[row] === label ? 1 : 0;
    if (match !== next) value += ((match - next) / k) * (Math.min(k, i) / i);
    sums[row] += value;
    next = match;
  }
}

/**
 * Stable LSD radix sort of row indices by the 32 bits after the sign of their
 * distances (three 11-bit digits over the high word without its sign and the top bit
 * of the low word; one histogram pass for all digits, keys carried with the indices),
 * then insertion sort by the full distance within runs sharing those bits. Input order
 * is ascending index, so equal distances stay in index order.
 */
class SortWorkspace {
  readonly distances: Float64Array;
  private readonly words: Uint32Array;
  private keys: Uint32Array;
  private keysOut: Uint32Array;
  private order: Int32Array;
  private orderOut: Int32Array;
  private readonly counts = new Int32Array(3 * 2048);

  constructor(readonly n: number) {
    this.distances = new Float64Array(n);
    this.words = new Uint32Array(this.distances.buffer);
    this.keys = new Uint32Array(n);
    this.keysOut = new Uint32Array(n);
    this.order = new Int32Array(n);
    this.orderOut = new Int32Array(n);
  }

  sort(): Int32Array {
    const { n, words, distances, counts } = this;
    counts.fill(0);
    let keys = this.keys;
    let order = this.order;
    // Little-endian: word 2i + 1 is the high word (sign, exponent, top 20 mantissa bits).
    for (let i = 0; i < n; i++) {
      const key = ((words[2 * i + 1] << 1) | (words[2 * i] >>> 31)) >>> 0;
      keys[i] = key;
      order[i] = i;
      counts[key & 2047]++;
      counts[2048 + ((key >>> 11) & 2047)]++;
      counts[4096 + (key >>> 22)]++;
    }
    let keysOut = this.keysOut;
    let orderOut = this.orderOut;
    for (let digit = 0; digit < 3; digit++) {
      const base = digit * 2048;
      const shift = digit * 11;
      // A digit shared by every key leaves the order unchanged.
      let trivial = false;
      for (let d = 0; d < 2048; d++) if (counts[base + d] === n) trivial = true;
      if (trivial) continue;
      let total = 0;
      for (let d = 0; d < 2048; d++) {
        const c = counts[base + d];
        counts[base + d] = total;
        total += c;
      }
      for (let i = 0; i < n; i++) {
        const key = keys[i];
        const at = counts[base + ((key >>> shift) & 2047)]++;
        keysOut[at] = key;
        orderOut[at] = order[i];
      }
      const swapKeys = keys;
      keys = keysOut;
      keysOut = swapKeys;
      const swapOrder = order;
      order = orderOut;
      orderOut = swapOrder;
    }
    this.keys = keys;
    this.keysOut = keysOut;
    this.order = order;
    this.orderOut = orderOut;
    // Runs with equal keys: insertion sort by the full distance (stable).
    for (let start = 0; start < n; ) {
      const key = keys[start];
      let end = start + 1;
      while (end < n && keys[end] === key) end++;
      for (let i = start + 1; i < end; i++) {
        const row = order[i];
        const d = distances[row];
        let j = i - 1;
        while (j >= start && distances[order[j]] > d) {
          order[j + 1] = order[j];
          j--;
        }
        order[j + 1] = row;
      }
      start = end;
    }
    return order;
  }
}

/**
 * KNN-Shapley with the test rows split across a runner's threads (chunks of about
 * 250 test rows, taken by whichever thread is free).
 *
 * @example
 * ```ts
 * import { type ExplainData, inProcessRunner, knnShapleyParallel } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * // the CLI passes a worker-thread runner to share the test rows between cores
 * const values = await knnShapleyParallel(data.train, data.test, 10, inProcessRunner);
 * ```
 */
export async function knnShapleyParallel(
  train: Examples,
  test: Examples,
  k: number,
  runner: import("../parallel/runner.js").ParallelRunner,
  testRows?: ArrayLike<number>,
): Promise<Float64Array> {
  const rows = testRows ? Int32Array.from(testRows) : Int32Array.from({ length: test.rows }, (_, i) => i);
  const { chunkRows } = await import("../parallel/runner.js");
  const chunks = chunkRows(rows, Math.max(runner.threads, Math.ceil(rows.length / 250)));
  const sums = await runner.run("knn-shapley-sums", { train, test, k }, chunks);
  const values = new Float64Array(train.rows);
  for (const part of sums) for (let i = 0; i < values.length; i++) values[i] += part[i];
  for (let i = 0; i < values.length; i++) values[i] /= rows.length;
  return values;
}
