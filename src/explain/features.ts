/**
 * From model features back to what people read: the original column values of a row
 * (a standardised number back in its units, a one-hot block back to its category),
 * read from the fitted preprocessor's JSON. Features that no transform explains (an
 * unknown transform kind, images) are shown as they are, under their feature names.
 */
import type { PreprocessorJSON } from "../data/preprocess.js";
import type { Examples } from "./data.js";

/**
 * How a data column maps to model features: a standardised number (with its mean and sd), a one-hot
 * category set, or a raw feature.
 *
 * @example
 * ```ts
 * import { type ColumnDescription, describeColumns } from "equipoise/explain";
 * import type { PreparedTask } from "equipoise/data";
 * declare const task: PreparedTask; // see prepareTask
 * const columns: ColumnDescription[] = describeColumns(task.featureNames, task.preprocessor.toJSON());
 * for (const column of columns) if (column.kind === "categorical") console.log(column.column, column.categories);
 * ```
 */
export type ColumnDescription =
  | { kind: "numeric"; column: string; feature: number; mean: number; sd: number }
  | { kind: "categorical"; column: string; features: number[]; categories: string[] }
  | { kind: "feature"; column: string; feature: number };

/**
 * The columns behind a model's features, read from the preprocessor's JSON when it is a tabular one
 * (otherwise one raw feature per name): what lets explanations show rows as people read them.
 *
 * @example
 * ```ts
 * import { data } from "equipoise";
 * import { describeColumns } from "equipoise/explain";
 * const task = await data.prepareTask({ data: "german-credit", sensitive: ["sex"] });
 * const columns = describeColumns(task.featureNames, task.preprocessor.toJSON());
 * ```
 */
export function describeColumns(
  featureNames: readonly string[],
  preprocessor?: PreprocessorJSON | unknown,
): ColumnDescription[] {
  const state = preprocessor as Partial<PreprocessorJSON> | undefined;
  if (state?.kind === "tabular" && Array.isArray(state.transforms)) {
    const out: ColumnDescription[] = [];
    let feature = 0;
    for (const t of state.transforms as unknown as Record<string, unknown>[]) {
      const column = String(t.column);
      if (t.kind === "standardise" && typeof t.mean === "number" && typeof t.sd === "number") {
        out.push({ kind: "numeric", column, feature, mean: t.mean, sd: t.sd });
        feature++;
      } else if (t.kind === "one-hot" && Array.isArray(t.categories)) {
        const categories = t.categories.map(String);
        out.push({
          kind: "categorical",
          column,
          features: categories.map((_, k) => feature + k),
          categories,
        });
        feature += categories.length;
      } else {
        return featureNames.map((name, f) => ({ kind: "feature", column: name, feature: f }));
      }
    }
    if (feature === featureNames.length) return out;
  }
  return featureNames.map((name, f) => ({ kind: "feature", column: name, feature: f }));
}

/**
 * The original value of every column of one row: numbers in their units, categories by name ("" when none).
 *
 * @example
 * ```ts
 * import { decodeRow, type ExplainData } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(await prepareTask({ data: "german-credit" }))
 * decodeRow(data.columns, data.test, 0); // { checking_status: "0<=X<200", duration: 48, ..., age: 22, ... }
 * ```
 */
export function decodeRow(
  columns: readonly ColumnDescription[],
  examples: Examples,
  row: number,
): Record<string, string | number> {
  const base = row * examples.cols;
  const out: Record<string, string | number> = {};
  for (const c of columns) out[c.column] = decodeValue(c, examples.X, base);
  return out;
}

function decodeValue(c: ColumnDescription, X: Float64Array, base: number): string | number {
  switch (c.kind) {
    case "numeric":
      return roundToScale(X[base + c.feature] * c.sd + c.mean, c.sd);
    case "categorical": {
      const k = c.features.findIndex((f) => X[base + f] === 1);
      return k >= 0 ? c.categories[k] : "";
    }
    case "feature":
      return roundForDisplay(X[base + c.feature]);
  }
}

/**
 * A standardised float32 feature carries about 1e-7 of the column's standard
 * deviation in rounding error (and an exact 0 comes back as ±1e-5 for a column with a
 * large mean): round to a power of ten near 1e-6 sd, then to 7 significant digits.
 *
 * @example
 * ```ts
 * import { roundToScale } from "equipoise/explain";
 * roundToScale(40.000001234, 12.5); // 40: rounding error of the standardisation removed
 * roundToScale(1e-7, 13); // 0
 * ```
 */
export function roundToScale(value: number, sd: number): number {
  if (!Number.isFinite(value) || !(sd > 0)) return value;
  const quantum = 10 ** Math.floor(Math.log10(sd * 1e-6));
  return roundForDisplay(Math.round(value / quantum) * quantum);
}

/**
 * 7 significant digits (float32 precision).
 *
 * @example
 * ```ts
 * import { roundForDisplay } from "equipoise/explain";
 * roundForDisplay(0.1 + 0.2); // 0.3
 * ```
 */
export function roundForDisplay(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  return Number(value.toPrecision(7));
}
