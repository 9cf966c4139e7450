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

/** Rows in float64 for the explanations: row-major features and labels. */
export interface Examples {
  rows: number;
  cols: number;
  /** Row-major features: element (i, j) is X[i * cols + j]. */
  X: Float64Array;
  /** 0/1 for a binary task (1 = positive label), the class index otherwise. */
  y: Float64Array;
}

/** A prepared split's rows in float64. */
export function examplesFromSplit(split: Split): Examples {
  const { rows, cols, data } = split.X;
  return { rows, cols, X: new Float64Array(data), y: new Float64Array(split.y) };
}

/** The rows `indices` of a set, in that order. */
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

/** A copy with the labels of `rows` replaced (mislabel experiments). */
export function withLabels(examples: Examples, y: Float64Array): Examples {
  if (y.length !== examples.rows) throw new RangeError(`${examples.rows} rows but ${y.length} labels`);
  return { ...examples, y };
}

/**
 * Rows in compressed sparse form. One-hot encoded tables (Adult: 14 non-zeros in 104
 * columns) make every pass over the data several times cheaper; a dense table costs
 * one extra index read per value.
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

/** 0, 1, …, n − 1. */
export function allRows(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
