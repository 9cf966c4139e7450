/** Seeded, stratified splits: each class keeps (up to rounding) its share in both parts. */
import { createRandom, shuffleInPlace } from "../common/rng.js";
import type { Matrix, SensitiveAttribute, Split } from "./types.js";

/**
 * A split of row indices into train and test.
 *
 * @example
 * ```ts
 * import { type IndexSplit, stratifiedSplit } from "equipoise/data";
 * const split: IndexSplit = stratifiedSplit(Float32Array.of(0, 0, 0, 0, 1, 1, 1, 1, 1, 1), 0.3, 0);
 * split.train.length; // 7
 * split.test.length; // 3
 * ```
 */
export interface IndexSplit {
  /** Row indices, ascending. */
  train: Int32Array;
  test: Int32Array;
}

/**
 * Puts round(n * testFraction) rows into the test part, each class c contributing its share
 * n_c * testFraction (rounded by largest remainders), chosen by a seeded shuffle; the rest
 * go to train. Both index lists are returned in ascending order.
 *
 * @example
 * ```ts
 * import { stratifiedSplit } from "equipoise/data";
 * const labels = Float32Array.of(0, 0, 0, 0, 1, 1, 1, 1, 1, 1);
 * const { train, test } = stratifiedSplit(labels, 0.3, 0);
 * test; // Int32Array [1, 6, 9]: one negative and two positives, as in the whole
 * ```
 */
export function stratifiedSplit(labels: ArrayLike<number>, testFraction: number, seed: number): IndexSplit {
  if (!(testFraction > 0 && testFraction < 1))
    throw new RangeError(`test fraction must be in (0, 1), got ${testFraction}`);
  const random = createRandom(seed);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    let members = byClass.get(label);
    if (!members) byClass.set(label, (members = []));
    members.push(i);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const quotas = testQuotas(
    classes.map((label) => byClass.get(label)!.length),
    testFraction,
  );
  const isTest = new Uint8Array(labels.length);
  classes.forEach((label, c) => {
    const members = byClass.get(label)!;
    shuffleInPlace(members, random);
    for (let k = 0; k < quotas[c]; k++) isTest[members[k]] = 1;
  });
  let testCount = 0;
  for (let i = 0; i < isTest.length; i++) testCount += isTest[i];
  const train = new Int32Array(labels.length - testCount);
  const test = new Int32Array(testCount);
  for (let i = 0, a = 0, b = 0; i < isTest.length; i++) {
    if (isTest[i]) test[b++] = i;
    else train[a++] = i;
  }
  return { train, test };
}

/**
 * Test rows per class: round(n * fraction) in all, each class getting the floor of its
 * share plus one for the largest remainders (so per-class rounding never drifts the total).
 */
function testQuotas(sizes: number[], fraction: number): number[] {
  const total = Math.round(sizes.reduce((a, b) => a + b, 0) * fraction);
  const quotas = sizes.map((size) => Math.floor(size * fraction));
  let left = total - quotas.reduce((a, b) => a + b, 0);
  const order = sizes
    .map((_, c) => c)
    .sort((a, b) => sizes[b] * fraction - quotas[b] - (sizes[a] * fraction - quotas[a]) || a - b);
  for (const c of order) {
    if (left <= 0) break;
    if (quotas[c] < sizes[c]) {
      quotas[c]++;
      left--;
    }
  }
  return quotas;
}

/**
 * The rows `indices` of a split (X, y and every sensitive attribute).
 *
 * @example
 * ```ts
 * import { type PreparedTask, selectSplit } from "equipoise/data";
 * declare const task: PreparedTask; // see prepareTask
 * const firstHundred = selectSplit(task.train, Int32Array.from({ length: 100 }, (_, i) => i));
 * firstHundred.X.rows; // 100, with the matching y and sensitive codes
 * ```
 */
export function selectSplit(split: Split, indices: ArrayLike<number>): Split {
  const { cols } = split.X;
  const data = new Float32Array(indices.length * cols);
  const y = new Float32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i];
    data.set(split.X.data.subarray(row * cols, (row + 1) * cols), i * cols);
    y[i] = split.y[row];
  }
  const X: Matrix = { rows: indices.length, cols, data };
  const sensitive: SensitiveAttribute[] = split.sensitive.map((attribute) => ({
    name: attribute.name,
    categories: attribute.categories,
    codes: Int32Array.from({ length: indices.length }, (_, i) => attribute.codes[indices[i]]),
  }));
  return { X, y, sensitive };
}

/**
 * Holds out `fraction` of a split for validation, stratified by y.
 *
 * @example
 * ```ts
 * import { type PreparedTask, splitValidation } from "equipoise/data";
 * declare const task: PreparedTask; // see prepareTask; the test split stays untouched
 * const { train, validation } = splitValidation(task.train, 0.2, 0);
 * ```
 */
export function splitValidation(
  split: Split,
  fraction: number,
  seed: number,
): { train: Split; validation: Split } {
  const parts = stratifiedSplit(split.y, fraction, seed);
  return { train: selectSplit(split, parts.train), validation: selectSplit(split, parts.test) };
}
