/**
 * A user's own CSV or ARFF file (optionally gzipped): the target and sensitive
 * columns are named by the user; every other column is a feature; the sensitive
 * columns stay out of X unless asked; split 70/30 stratified, seeded.
 */
import { readFileSync, statSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { DataError, UsageError } from "../../common/errors.js";
import { readArff } from "../arff.js";
import { readCsv } from "../csv.js";
import { isGzip } from "../idx.js";
import { type DatasetMetadata, metadataOverrides } from "../metadata.js";
import type { SchemaOverrides } from "../schema.js";
import { Table } from "../table.js";
import type { TabularSource } from "../tabular-task.js";

/**
 * Roles and split of a task read from the user's own CSV or ARFF file.
 *
 * @example
 * ```ts
 * import { readDataFile, type UserFileOptions } from "equipoise/data";
 * const options: UserFileOptions = {
 *   delimiter: ",",
 *   missing: ["", "NA"],
 *   overrides: { zip: "categorical" },
 *   onWarning: (message) => console.warn(message),
 * };
 * const table = readDataFile("loans.csv", options);
 * ```
 */
export interface UserFileOptions {
  target?: string;
  sensitive?: string[];
  positive?: string;
  sensitiveInFeatures?: boolean;
  seed?: number;
  /** CSV only. */
  delimiter?: string;
  missing?: string[];
  overrides?: SchemaOverrides;
  /** Declared metadata: a column with declared categories is read as categorical, one with bounds as numeric. */
  metadata?: DatasetMetadata;
  /** Receives warnings about column typing. */
  onWarning?: (message: string) => void;
  /**
   * A separate test file with the same columns: the split is then fixed (every row of
   * `path` trains, every row of this file tests) instead of seeded and stratified, so
   * adding a training row changes nothing else.
   */
  testData?: string;
}

export function isDataFilePath(path: string): boolean {
  return /\.(csv|tsv|txt|arff)(\.gz)?$/i.test(path) || path.includes("/") || path.includes("\\");
}

/**
 * Reads a user's .csv or .arff file into a table; a DataError naming the file and the problem.
 *
 * @example
 * ```ts
 * import { readDataFile } from "equipoise/data";
 * // a .csv or .arff file; declared metadata decides how ambiguous columns are read
 * const table = readDataFile("loans.csv", { metadata: { zip: { categories: ["10115", "80331"] } } });
 * console.log(table.rows, table.names);
 * ```
 */
export function readDataFile(path: string, options: UserFileOptions = {}): Table {
  let raw: Buffer;
  try {
    if (statSync(path).isDirectory()) throw new DataError(`${path} is a directory, not a data file`);
    raw = readFileSync(path);
  } catch (error) {
    if (error instanceof DataError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError(
      code === "ENOENT" ? `file not found: ${path}` : `cannot read ${path}: ${code ?? String(error)}`,
    );
  }
  const text = (isGzip(raw) ? gunzipSync(raw) : raw).toString("utf8");
  const lower = path.toLowerCase().replace(/\.gz$/, "");
  if (lower.endsWith(".arff")) return readArff(text, path).table;
  return readCsv(text, {
    delimiter: options.delimiter ?? (lower.endsWith(".tsv") ? "\t" : undefined),
    missing: options.missing,
    overrides: options.overrides,
    // A declaration for a column the file lacks is reported by the task, naming it.
    kindHints: options.metadata && metadataOverrides(options.metadata),
    source: path,
    onWarning: options.onWarning,
  });
}

export function userFileSource(path: string, options: UserFileOptions): TabularSource {
  if (!options.target) throw new UsageError(`--target is required for a data file (${path})`);
  const warnings: string[] = [];
  const onWarning = (message: string) => warnings.push(message);
  const train = readDataFile(path, { ...options, onWarning });
  let table = train;
  let testRows: Uint8Array | undefined;
  if (options.testData !== undefined) {
    // The test file is read with the training file's column kinds, so that a column
    // cannot be numeric in one and categorical in the other.
    const kinds: SchemaOverrides = {};
    for (const name of train.names) kinds[name] = train.column(name).kind;
    const test = readDataFile(options.testData, {
      ...options,
      overrides: { ...kinds, ...options.overrides },
      onWarning,
    });
    const missing = train.names.filter((name) => !test.names.includes(name));
    if (missing.length > 0)
      throw new DataError(
        `the test file ${options.testData} lacks the column(s) ${missing.join(", ")} of ${path}`,
      );
    table = Table.concat([train, new Table(train.names.map((name) => test.column(name)))]);
    testRows = new Uint8Array(train.rows + test.rows).fill(1, train.rows);
  }
  return {
    warnings,
    name: path,
    table,
    target: options.target,
    positiveLabel: options.positive,
    sensitive: options.sensitive ?? [],
    sensitiveInFeatures: options.sensitiveInFeatures ?? false,
    ...(testRows ? { testRows } : {}),
    seed: options.seed ?? 0,
  };
}
