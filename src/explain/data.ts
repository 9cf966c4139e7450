/**
 * The examples explanations work on: features and labels in float64. Explanations
 * differentiate twice and compare leave-one-out effects of order 1/n, so every sum
 * runs in double precision; the features are the float32 values the engine's models
 * see, widened exactly (the reference values of issue 12 were computed on the same
 * float32-rounded features: the scikit-learn objective on Adult matches to all
 * printed digits only on those).
 */
import { DataError } from "../common/errors.js";
import type { Split } from "../data/types.js";

/**
 * Rows in float64 for the explanations: row-major features and labels.
 *
 * @example
 * ```ts
 * import { type Examples, fitLogisticRegression } from "equipoise/explain";
 * // 3 rows of 2 features, row-major, with 0/1 labels
 * const train: Examples = { rows: 3, cols: 2, X: Float64Array.of(0, 1, 1, 0, 1, 1), y: Float64Array.of(0, 1, 1) };
 * const { model } = fitLogisticRegression(train, { C: 1 });
 * ```
 */
export interface Examples {
  rows: number;
  cols: number;
  /** Row-major features: element (i, j) is X[i * cols + j]. */
  X: Float64Array;
  /** 0/1 for a binary task (1 = positive label), the class index otherwise. */
  y: Float64Array;
}

/**
 * A prepared split's rows in float64.
 *
 * @example
 * ```ts
 * import { examplesFromSplit } from "equipoise/explain";
 * examplesFromSplit({ X: { rows: 2, cols: 1, data: Float32Array.of(1, 2) }, y: Float32Array.of(0, 1), sensitive: [] });
 * // { rows: 2, cols: 1, X: Float64Array [1, 2], y: Float64Array [0, 1] }
 * ```
 */
export function examplesFromSplit(split: Split): Examples {
  const { rows, cols, data } = split.X;
  return { rows, cols, X: new Float64Array(data), y: new Float64Array(split.y) };
}

/**
 * The rows `indices` of a set, in that order.
 *
 * @example
 * ```ts
 * import { selectExamples } from "equipoise/explain";
 * const train = { rows: 4, cols: 1, X: Float64Array.of(0, 1, 2, 3), y: Float64Array.of(0, 0, 1, 1) };
 * selectExamples(train, [3, 0]); // { rows: 2, cols: 1, X: Float64Array [3, 0], y: Float64Array [1, 0] }
 * ```
 */
export function selectExamples(examples: Examples, indices: ArrayLike<number>): Examples {
  const { cols } = examples;
  const X = new Float64Array(indices.length * cols);
  const y = new Float64Array(indices.length);
  for (let r = 0; r < indices.length; r++) {
    const row = indices[r];
    X.set(examples.X.subarray(row * cols, (row + 1) * cols), r * cols);
    y[r] = examples.y[row];
  }
  return { rows: indices.length, cols, X, y };
}

/**
 * A copy with the labels of `rows` replaced (mislabel experiments).
 *
 * @example
 * ```ts
 * import { type Examples, flipLabels, withLabels } from "equipoise/explain";
 * declare const train: Examples; // the training rows, e.g. explainData(task).train
 * const { examples: noisy } = flipLabels(train, 0.1, 0);
 * const restored = withLabels(noisy, train.y); // the same rows with the original labels
 * ```
 */
export function withLabels(examples: Examples, y: Float64Array): Examples {
  if (y.length !== examples.rows) throw new RangeError(`${examples.rows} rows but ${y.length} labels`);
  return { ...examples, y };
}

/**
 * Rows in compressed sparse form. One-hot encoded tables (Adult: 14 non-zeros in 104
 * columns) make every pass over the data several times cheaper; a dense table costs
 * one extra index read per value.
 *
 * @example
 * ```ts
 * import type { SparseRows } from "equipoise/explain";
 * // the rows [0, 1, 0] and [2, 0, 1] in compressed sparse form: row i's entries are rowStart[i] … rowStart[i + 1] − 1
 * const rows: SparseRows = { rowStart: Int32Array.of(0, 1, 3), column: Int32Array.of(1, 0, 2), value: Float64Array.of(1, 2, 1) };
 * ```
 */
export interface SparseRows {
  rowStart: Int32Array;
  column: Int32Array;
  value: Float64Array;
}

const sparseCache = new WeakMap<Examples, SparseRows>();

export function sparseRowsOf(examples: Examples): SparseRows {
  const cached = sparseCache.get(examples);
  if (cached) return cached;
  const { rows, cols, X } = examples;
  let nonZeros = 0;
  for (let k = 0; k < rows * cols; k++) if (X[k] !== 0) nonZeros++;
  const rowStart = new Int32Array(rows + 1);
  const column = new Int32Array(nonZeros);
  const value = new Float64Array(nonZeros);
  let p = 0;
  for (let i = 0; i < rows; i++) {
    rowStart[i] = p;
    for (let j = 0; j < cols; j++) {
      const v = X[i * cols + j];
      if (v !== 0) {
        column[p] = j;
        value[p++] = v;
      }
    }
  }
  rowStart[rows] = p;
  const sparse = { rowStart, column, value };
  sparseCache.set(examples, sparse);
  return sparse;
}

/**
 * Checks user-given row numbers (0-based positions in a split) and returns them; the
 * error names the option, the bad number and the valid range.
 *
 * @example
 * ```ts
 * import { checkRows } from "equipoise/explain";
 * checkRows([0, 3], 10, "--test-rows"); // Int32Array [0, 3]
 * checkRows([0, 12], 10, "--test-rows"); // DataError: --test-rows: row 12 is outside the split (rows are 0-based positions, 0 to 9)
 * ```
 */
export function checkRows(rows: readonly number[], size: number, what: string): Int32Array {
  for (const row of rows) {
    if (!Number.isInteger(row) || row < 0 || row >= size) {
      throw new DataError(
        `${what}: row ${row} is outside the split (rows are 0-based positions, 0 to ${size - 1})`,
      );
    }
  }
  return Int32Array.from(rows);
}

/**
 * 0, 1, …, n − 1.
 *
 * @example
 * ```ts
 * import { allRows } from "equipoise/explain";
 * allRows(4); // Int32Array [0, 1, 2, 3]
 * ```
 */
export function allRows(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
