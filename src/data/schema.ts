/**
 * Schema inference: a column is numeric when every non-missing value is a decimal
 * number, categorical otherwise. Overrides force a kind per column (e.g. a numeric
 * code that is really a category, such as a zip code or a 0/1 label).
 */
import { DataError } from "../common/errors.js";
import { type Column, MISSING_CODE, Table } from "./table.js";

export type ColumnKind = "numeric" | "categorical";
export type SchemaOverrides = Record<string, ColumnKind>;

export interface TextColumnsOptions {
  /** Values that mean "missing" (compared after trimming). */
  missing: readonly string[];
  overrides?: SchemaOverrides;
  /** Where row 0 of the data sits in the source, to name lines in errors (1-based line of row 0). */
  describeRow?: (row: number) => string;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function isDecimal(text: string): boolean {
  return DECIMAL.test(text);
}

/**
 * Builds a table from rows of raw text fields (already split, all of length
 * `names.length`). Fields are trimmed.
 */
export function tableFromTextRows(names: string[], rows: string[][], options: TextColumnsOptions): Table {
  const missing = new Set(options.missing);
  const overrides = options.overrides ?? {};
  for (const name of Object.keys(overrides)) {
    if (!names.includes(name)) {
      throw new DataError(`schema override for unknown column '${name}'; columns: ${names.join(", ")}`);
    }
  }
  const columns: Column[] = names.map((name, c) => {
    const forced = overrides[name];
    const texts: (string | null)[] = new Array(rows.length);
    // Numbers are parsed in the same pass as the type is inferred (one regex test per cell).
    let values: Float64Array | null = forced === "categorical" ? null : new Float64Array(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const text = rows[r][c].trim();
      if (missing.has(text)) {
        texts[r] = null;
        if (values) values[r] = Number.NaN;
        continue;
      }
      texts[r] = text;
      if (values) {
        if (DECIMAL.test(text)) {
          values[r] = Number(text);
        } else if (forced === "numeric") {
          const where = options.describeRow ? ` at ${options.describeRow(r)}` : "";
          throw new DataError(`column '${name}' was declared numeric but has the value '${text}'${where}`);
        } else {
          values = null;
        }
      }
    }
    return values ? { kind: "numeric", name, values } : encodeTexts(name, texts);
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
