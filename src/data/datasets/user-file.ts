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
import type { Table } from "../table.js";
import type { TabularSource } from "../tabular-task.js";

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
}

export function isDataFilePath(path: string): boolean {
  return /\.(csv|tsv|txt|arff)(\.gz)?$/i.test(path) || path.includes("/") || path.includes("\\");
}

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
  const table = readDataFile(path, { ...options, onWarning: (message) => warnings.push(message) });
  return {
    warnings,
    name: path,
    table,
    target: options.target,
    positiveLabel: options.positive,
    sensitive: options.sensitive ?? [],
    sensitiveInFeatures: options.sensitiveInFeatures ?? false,
    seed: options.seed ?? 0,
  };
}
