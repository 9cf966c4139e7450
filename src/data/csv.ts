/**
 * CSV reading through papaparse (quoting, embedded separators and newlines), then
 * column typing by schema inference. Every row must have as many fields as the
 * header: a short or long row is an error naming its line, never silently padded.
 */
import Papa from "papaparse";
import { DataError } from "../common/errors.js";
import { type SchemaOverrides, tableFromTextRows, uniqueNames } from "./schema.js";
import type { Table } from "./table.js";

type ParseSettings = Pick<Papa.ParseConfig<string[]>, "header" | "skipEmptyLines" | "delimiter" | "comments">;

/**
 * The spellings of "missing" that pandas, R, SQL exports and spreadsheets write
 * (most of pandas' read_csv default list, plus "?" and "-"): read as missing unless
 * the reader is given its own list. An empty field is always missing.
 *
 * @example
 * ```ts
 * import { DEFAULT_MISSING_TOKENS, readCsv } from "equipoise/data";
 * DEFAULT_MISSING_TOKENS.includes("NA"); // true: "NA", "?", "null", "-" … all read as missing
 * // pass your own list to read "-" as a category instead:
 * const table = readCsv("x,sign\n1,-\n2,+\n", { missing: DEFAULT_MISSING_TOKENS.filter((token) => token !== "-") });
 * ```
 */
export const DEFAULT_MISSING_TOKENS: readonly string[] = [
  "",
  "?",
  "NA",
  "N/A",
  "n/a",
  "#N/A",
  "<NA>",
  "null",
  "NULL",
  "None",
  "NaN",
  "nan",
  "-",
];

/**
 * Settings of {@link readCsv}: delimiter, header, missing-value tokens, comments, and column type overrides.
 *
 * @example
 * ```ts
 * import { type CsvOptions, readCsv } from "equipoise/data";
 * const options: CsvOptions = {
 *   delimiter: ";",
 *   missing: ["", "n/a"],
 *   overrides: { zip: "categorical" }, // a numeric code that is really a category
 *   source: "loans.csv",
 *   onWarning: (message) => console.warn(message),
 * };
 * const table = readCsv("zip;amount\n10115;1200\n80331;n/a\n", options);
 * ```
 */
export interface CsvOptions {
  /** Field separator; auto-detected when omitted. */
  delimiter?: string;
  /** The first (non-comment) row holds the column names (default true). */
  header?: boolean;
  /** Column names when there is no header row (default column1, column2, …). */
  columnNames?: string[];
  /** Values that mean "missing", compared after trimming (default DEFAULT_MISSING_TOKENS); "" always is. */
  missing?: readonly string[];
  /** Lines starting with this string are skipped. */
  comments?: string;
  overrides?: SchemaOverrides;
  /** Like overrides, but names that are not columns of the file are ignored. */
  kindHints?: SchemaOverrides;
  /** Used in error messages, e.g. the file name. */
  source?: string;
  /** Receives warnings about column typing (e.g. a mostly numeric column read as categorical). */
  onWarning?: (message: string) => void;
}

/**
 * Parses CSV text with a header row into a typed {@link Table} (columns typed numeric or categorical).
 *
 * @example
 * ```ts
 * import { readCsv } from "equipoise/data";
 * const table = readCsv("age,group,label\n34,A,1\n51,B,0\n29,A,0\n", { source: "toy.csv" });
 * table.rows; // 3
 * table.column("age").kind; // "numeric"; "group" is read as "categorical"
 * ```
 */
export function readCsv(text: string, options: CsvOptions = {}): Table {
  const source = options.source ?? "CSV input";
  const config: ParseSettings = {
    header: false,
    skipEmptyLines: "greedy",
    delimiter: options.delimiter ?? "",
    comments: options.comments ?? false,
  };
  const parsed = Papa.parse<string[]>(text, config);
  const fatal = parsed.errors.find((error) => error.type === "Quotes");
  if (fatal) {
    const line = fatal.row === undefined ? "" : ` (${describeRow(text, config, fatal.row)})`;
    throw new DataError(`${source}: ${fatal.message.toLowerCase()}${line}`);
  }
  const rows = parsed.data;
  const hasHeader = options.header ?? true;
  if (hasHeader && rows.length === 0) throw new DataError(`${source}: empty file, no header row`);
  const width = hasHeader ? rows[0].length : (options.columnNames?.length ?? rows[0]?.length ?? 0);
  const names = hasHeader
    ? uniqueNames(rows[0])
    : (options.columnNames ?? Array.from({ length: width }, (_, i) => `column${i + 1}`));
  const dataRows = hasHeader ? rows.slice(1) : rows;
  const offset = hasHeader ? 1 : 0;
  for (let r = 0; r < dataRows.length; r++) {
    if (dataRows[r].length !== width) {
      throw new DataError(
        `${source}: ${describeRow(text, config, r + offset)} has ${dataRows[r].length} fields, expected ${width}`,
      );
    }
  }
  return tableFromTextRows(names, dataRows, {
    missing: options.missing ?? DEFAULT_MISSING_TOKENS,
    overrides: options.overrides,
    kindHints: options.kindHints,
    describeRow: (r) => describeRow(text, config, r + offset),
    onWarning: options.onWarning && ((message) => options.onWarning?.(`${source}: ${message}`)),
  });
}

/**
 * "line N" of parsed row `row`. Only called on the error path: papaparse does not
 * give line numbers, so the text is parsed again row by row up to that row and the
 * newlines before its end are counted (quoted fields may span lines).
 */
function describeRow(text: string, config: ParseSettings, row: number): string {
  let index = 0;
  let cursor = -1;
  Papa.parse<string[]>(text, {
    ...config,
    step: (result, parser) => {
      if (index++ === row) {
        cursor = result.meta.cursor;
        parser.abort();
      }
    },
  });
  if (cursor < 0) return `row ${row + 1}`;
  let end = cursor;
  while (end > 0 && (text[end - 1] === "\n" || text[end - 1] === "\r")) end--;
  let lines = 1;
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) lines++;
  return `line ${lines}`;
}
