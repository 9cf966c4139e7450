/**
 * Schema inference: a column is numeric when every non-missing value is a decimal
 * number, categorical otherwise. Overrides force a kind per column (e.g. a numeric
 * code that is really a category, such as a zip code or a 0/1 label).
 *
 * Three traps are closed here. An empty field is always missing (never a category
 * named ""). An infinite value — a token such as `inf` / `-Infinity`, or a number
 * that overflows, such as 1e400 — in an otherwise numeric column is refused with its
 * line and column, since it would poison every statistic of the column. And a column
 * whose values are mostly numbers (MOSTLY_NUMERIC of them) but not all is still made
 * categorical, as before, but with a warning that names the column and a few of the
 * offending tokens: one stray `n.a.` must not silently turn a numeric column into
 * hundreds of one-hot levels.
 */
import { DataError } from "../common/errors.js";
import { type Column, MISSING_CODE, Table } from "./table.js";

/**
 * How a text column is read: as numbers or as categories.
 *
 * @example
 * ```ts
 * import { type ColumnKind, readCsv } from "equipoise/data";
 * const zip: ColumnKind = "categorical"; // a numeric code that is really a category
 * const table = readCsv("zip,amount\n10115,3\n80331,5\n", { overrides: { zip } });
 * ```
 */
export type ColumnKind = "numeric" | "categorical";
/**
 * Column kinds that override the inference, by column name.
 *
 * @example
 * ```ts
 * import { readCsv, type SchemaOverrides } from "equipoise/data";
 * const overrides: SchemaOverrides = { zip: "categorical", label: "categorical" };
 * const table = readCsv("zip,label\n10115,1\n80331,0\n", { overrides });
 * table.column("label").kind; // "categorical"
 * ```
 */
export type SchemaOverrides = Record<string, ColumnKind>;

/**
 * How text rows become typed columns: the missing-value tokens and the column kinds forced or hinted.
 *
 * @example
 * ```ts
 * import { tableFromTextRows, type TextColumnsOptions } from "equipoise/data";
 * const options: TextColumnsOptions = {
 *   missing: ["NA"],
 *   overrides: { code: "categorical" },
 *   describeRow: (row) => `line ${row + 2}`,
 *   onWarning: (message) => console.warn(message),
 * };
 * const table = tableFromTextRows(["code", "x"], [["01", "1.5"], ["02", "NA"]], options);
 * ```
 */
export interface TextColumnsOptions {
  /** Values that mean "missing" (compared after trimming); an empty field is always missing. */
  missing: readonly string[];
  overrides?: SchemaOverrides;
  /** Like overrides, but names that are not columns are ignored (and overrides win). */
  kindHints?: SchemaOverrides;
  /** Where row `row` of the data sits in the source, for messages (e.g. "line 12"). */
  describeRow?: (row: number) => string;
  /** Receives one line per column whose typing the user should know about. */
  onWarning?: (message: string) => void;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INFINITY = /^[+-]?(inf|infinity)$/i;

/**
 * Share of the non-missing values that must be numbers for a categorical typing to be warned about.
 *
 * @example
 * ```ts
 * import { MOSTLY_NUMERIC, readCsv } from "equipoise/data";
 * MOSTLY_NUMERIC; // 0.9
 * // 9 numbers and one "n.a." out of 10: read as categorical, with a warning naming the column
 * readCsv(`x\n${[1, 2, 3, 4, 5, 6, 7, 8, 9].join("\n")}\nn.a.\n`, { onWarning: (message) => console.warn(message) });
 * ```
 */
export const MOSTLY_NUMERIC = 0.9;

export function isDecimal(text: string): boolean {
  return DECIMAL.test(text);
}

/**
 * Builds a table from rows of raw text fields (already split, all of length `names.length`). Fields are trimmed.
 *
 * @example
 * ```ts
 * import { tableFromTextRows } from "equipoise/data";
 * const table = tableFromTextRows(["x", "y"], [["1", "a"], ["NA", "b"]], { missing: ["NA"] });
 * table.column("x"); // numeric, values [1, NaN]
 * ```
 */
export function tableFromTextRows(names: string[], rows: string[][], options: TextColumnsOptions): Table {
  const missing = new Set(options.missing);
  missing.add("");
  const overrides = options.overrides ?? {};
  for (const name of Object.keys(overrides)) {
    if (!names.includes(name)) {
      throw new DataError(`schema override for unknown column '${name}'; columns: ${names.join(", ")}`);
    }
  }
  const where = (row: number) =>
    options.describeRow ? ` at ${options.describeRow(row)}` : ` in data row ${row + 1}`;
  const columns: Column[] = names.map((name, c) => {
    const forced = overrides[name] ?? options.kindHints?.[name];
    const texts: (string | null)[] = new Array(rows.length);
    // Numbers are parsed in the same pass as the cells are classified (one regex test per cell).
    let values = forced === "categorical" ? null : new Float64Array(rows.length);
    // Once this many cells are not numbers the column cannot be mostly numeric (nor
    // numeric): it is categorical, and its remaining cells skip the number tests.
    const tooManyOthers =
      forced === "numeric" ? Number.POSITIVE_INFINITY : (1 - MOSTLY_NUMERIC) * rows.length;
    let otherCount = 0;
    let present = 0;
    let numbers = 0;
    let firstInfinite = -1;
    let firstOther = -1;
    const others = new Set<string>();
    for (let r = 0; r < rows.length; r++) {
      const text = rows[r][c].trim();
      if (missing.has(text)) {
        texts[r] = null;
        if (values) values[r] = Number.NaN;
        continue;
      }
      texts[r] = text;
      present++;
      if (!values) continue;
      if (DECIMAL.test(text)) {
        const value = Number(text);
        values[r] = value;
        numbers++;
        if (!Number.isFinite(value) && firstInfinite < 0) firstInfinite = r;
      } else if (INFINITY.test(text)) {
        numbers++;
        if (firstInfinite < 0) firstInfinite = r;
      } else {
        if (firstOther < 0) firstOther = r;
        if (others.size < 3) others.add(text);
        if (++otherCount > tooManyOthers) values = null;
      }
    }
    if (!values) return encodeTexts(name, texts);
    if (forced === "numeric" && firstOther >= 0) {
      throw new DataError(
        `column '${name}' was declared numeric but has the value '${texts[firstOther]}'${where(firstOther)}`,
      );
    }
    if (firstOther < 0) {
      if (firstInfinite >= 0) {
        throw new DataError(
          `column '${name}' has the non-finite value '${texts[firstInfinite]}'${where(firstInfinite)}; numeric values must be finite (write a missing value as empty, NA or ?)`,
        );
      }
      return { kind: "numeric", name, values };
    }
    if (numbers >= MOSTLY_NUMERIC * present && options.onWarning) {
      const share = ((100 * numbers) / present).toFixed(1);
      options.onWarning(
        `column '${name}' is ${share}% numbers but also holds ${[...others].map((t) => `'${t}'`).join(", ")} (first${where(firstOther)}): read as categorical; declare those tokens missing or fix the file`,
      );
    }
    return encodeTexts(name, texts);
  });
  return new Table(columns);
}

function encodeTexts(name: string, texts: (string | null)[]): Column {
  const categories: string[] = [];
  const index = new Map<string, number>();
  const codes = new Int32Array(texts.length);
  for (let r = 0; r < texts.length; r++) {
    const text = texts[r];
    if (text === null) {
      codes[r] = MISSING_CODE;
      continue;
    }
    let code = index.get(text);
    if (code === undefined) {
      code = categories.length;
      categories.push(text);
      index.set(text, code);
    }
    codes[r] = code;
  }
  return { kind: "categorical", name, categories, codes };
}

/** Header names made unique the way pandas does it: a repeated "x" becomes "x.1", "x.2"… */
export function uniqueNames(raw: string[]): string[] {
  const seen = new Map<string, number>();
  const taken = new Set(raw);
  return raw.map((name, i) => {
    const trimmed = name.trim() || `column${i + 1}`;
    const count = seen.get(trimmed) ?? 0;
    seen.set(trimmed, count + 1);
    if (count === 0) return trimmed;
    let candidate = `${trimmed}.${count}`;
    while (taken.has(candidate)) candidate = `${candidate}_`;
    taken.add(candidate);
    return candidate;
  });
}
