/**
 * From a table and a task definition (target, positive label, features, sensitive
 * attributes, split) to a PreparedTask: rows with a missing target or sensitive value
 * are dropped, the split is made (fixed or seeded-stratified), and the features are
 * preprocessed in the requested mode (./preprocessing-record.ts): fitted on the
 * training rows only, built from declared metadata, fitted under DP by a given
 * function, or — when an already fitted one is given (a saved model's) — that one is
 * applied unchanged.
 */
import { DataError } from "../common/errors.js";
import { MAX_CATEGORIES } from "../common/limits.js";
import { tabularFingerprint } from "./fingerprint.js";
import { type DatasetMetadata, mergeMetadata, pickMetadata } from "./metadata.js";
import { Preprocessor } from "./preprocess.js";
import {
  fitRecord,
  type PreprocessingMode,
  type PreprocessingRecord,
  type PrivatePreprocessor,
} from "./preprocessing-record.js";
import { encodingWarnings, publicPreprocessor } from "./public-preprocessing.js";
import { type IndexSplit, stratifiedSplit } from "./split.js";
import { firstNonFinite } from "./statistics.js";
import {
  type CategoricalColumn,
  categoryCounts,
  indicesWhere,
  MISSING_CODE,
  type Table,
  toCategorical,
} from "./table.js";
import type { PreparedTask, SensitiveAttribute, Split } from "./types.js";

/**
 * A table with its roles: target, features, sensitive columns, how to split it and its public metadata.
 *
 * @example
 * ```ts
 * import { buildTabularTask, generateSynthetic, type TabularSource } from "equipoise/data";
 * const source: TabularSource = {
 *   name: "synthetic", table: generateSynthetic({ rows: 1000 }), target: "label", positiveLabel: "1",
 *   sensitive: ["group"], sensitiveInFeatures: false, testFraction: 0.3, seed: 0,
 * };
 * const task = await buildTabularTask(source);
 * ```
 */
export interface TabularSource {
  /** The data set's name. */
  name: string;
  /** The rows. */
  table: Table;
  /** The label column. */
  target: string;
  /** The label that y = 1 stands for; undefined = decide from the data; null = multi-class. */
  positiveLabel?: string | null;
  /** Feature columns; default every column except the target and the sensitive ones. */
  features?: string[];
  /** The sensitive columns. */
  sensitive: string[];
  /** Columns a derived column was computed from (e.g. race-binary ← race), removed with it. */
  derivedFrom?: Record<string, string[]>;
  /** Whether the sensitive columns (and their sources) stay among the features. */
  sensitiveInFeatures: boolean;
  /** 1 marks a row of a fixed test split; undefined = seeded stratified split. */
  testRows?: Uint8Array;
  testFraction?: number;
  /** Seed of the split. */
  seed: number;
  /** Public metadata of the columns, from the data set's documentation (./metadata.ts). */
  metadata?: DatasetMetadata;
  /** Warnings from reading the data (e.g. a mostly numeric column read as categorical). */
  warnings?: string[];
}

/**
 * How {@link buildTabularTask} builds the features.
 *
 * @example
 * ```ts
 * import { buildTabularTask, generateSynthetic, SYNTHETIC_METADATA, type TabularBuildOptions } from "equipoise/data";
 * const options: TabularBuildOptions = { preprocessing: "public", metadata: SYNTHETIC_METADATA, drop: ["segment"] };
 * const table = generateSynthetic({ rows: 1000 });
 * const task = await buildTabularTask({ name: "synthetic", table, target: "label", sensitive: ["group"], sensitiveInFeatures: false, seed: 0 }, options);
 * ```
 */
export interface TabularBuildOptions {
  /** How the features are preprocessed (default "fit"); ignored when `fitted` is given. */
  preprocessing?: PreprocessingMode;
  /** Fits the preprocessor under DP: required by "private" (privacy/private-preprocessing.ts). */
  fitPrivately?: PrivatePreprocessor;
  /** A preprocessor to apply unchanged (e.g. a saved model's) instead of building one. */
  fitted?: Preprocessor;
  /** The user's declarations; each replaces the data set's declaration of that column. */
  metadata?: DatasetMetadata;
  /** Columns to leave out of the features. */
  drop?: string[];
}

/**
 * Builds a {@link PreparedTask} from a table and its roles: splits it, encodes the labels and sensitive groups,
 * builds the preprocessor (fitted on train, from public metadata, or under DP) and fingerprints the data.
 *
 * @throws `DataError` when a named column is missing or the target is unusable; `MissingDeclarationError`
 * when public preprocessing lacks a column's declaration.
 * @example
 * ```ts
 * import { buildTabularTask, loadAdultTable } from "equipoise/data";
 * const { table, testRows } = loadAdultTable();
 * const task = await buildTabularTask(
 *   { name: "adult", table, target: "income", sensitive: ["sex"], sensitiveInFeatures: false, testRows, seed: 0 },
 *   { preprocessing: "fit" },
 * );
 * ```
 */
export async function buildTabularTask(
  source: TabularSource,
  options: TabularBuildOptions = {},
): Promise<PreparedTask> {
  const { table } = source;
  const { fitted } = options;
  table.column(source.target, "target column");
  if (fitted) checkFittedColumns(fitted, source);
  for (const name of source.sensitive) table.column(name, "sensitive column");
  if (source.sensitive.includes(source.target)) {
    throw new DataError(`'${source.target}' cannot be both the target and a sensitive attribute`);
  }
  for (const name of Object.keys(options.metadata ?? {}))
    table.column(name, "column in the declared metadata");
  const declared = mergeMetadata(source.metadata, options.metadata);
  const features = fitted ? fitted.inputColumns : featureColumns(source, table, options.drop ?? []);
  checkFinite(table, features, source.name);

  const complete = table.completeRows([source.target, ...source.sensitive]);
  const rows = complete.length === table.rows ? table : table.selectRows(complete);
  if (rows.rows === 0) throw new DataError(`${source.name}: no row has a target and every sensitive value`);
  const testRows = source.testRows && pick(source.testRows, complete);

  const labels = encodeLabels(toCategorical(rows.column(source.target)), source.positiveLabel, source.name);
  const split: IndexSplit = testRows
    ? { train: indicesWhere(invert(testRows)), test: indicesWhere(testRows) }
    : stratifiedSplit(labels.y, source.testFraction ?? 0.3, source.seed);
  if (split.train.length === 0 || split.test.length === 0) {
    throw new DataError(`${source.name}: too few rows (${rows.rows}) for a train/test split`);
  }

  const trainTable = rows.selectRows(split.train);
  const testTable = rows.selectRows(split.test);
  const { preprocessor, record } = preprocess(trainTable, features, declared, options);
  // These describe rows, so they go to the user, never into the record (which a released model carries).
  const encodingNotes =
    record.mode === "public" || record.mode === "private" ? encodingWarnings(rows, preprocessor) : [];
  if (encodingNotes.length > 0) {
    encodingNotes.push("(the counts above describe the rows themselves: they are not covered by epsilon)");
  }
  const sensitive = source.sensitive.map((name) => groupColumn(rows, name));

  const part = (indices: Int32Array, partTable: Table): Split => ({
    X: preprocessor.transform(partTable),
    y: pickFloat(labels.y, indices),
    sensitive: sensitive.map((attribute) => ({ ...attribute, codes: pickInt(attribute.codes, indices) })),
  });
  const train = part(split.train, trainTable);
  const test = part(split.test, testTable);
  const fingerprint = await tabularFingerprint({
    seed: source.seed,
    target: source.target,
    classNames: labels.classNames,
    features,
    parts: [
      { name: "train", table: trainTable, y: train.y, sensitive: train.sensitive },
      { name: "test", table: testTable, y: test.y, sensitive: test.sensitive },
    ],
  });
  return {
    name: source.name,
    target: source.target,
    positiveLabel: labels.positiveLabel,
    numClasses: labels.classNames.length,
    classNames: labels.classNames,
    featureNames: preprocessor.featureNames,
    train,
    test,
    preprocessor,
    preprocessing: record,
    declared: pickMetadata(declared, [...features, source.target, ...source.sensitive]),
    warnings: [...(source.warnings ?? []), ...encodingNotes, ...singleGroupWarnings(sensitive)],
    fingerprint,
  };
}

function preprocess(
  train: Table,
  features: string[],
  declared: DatasetMetadata,
  options: TabularBuildOptions,
): { preprocessor: Preprocessor; record: PreprocessingRecord } {
  if (options.fitted) {
    return {
      preprocessor: options.fitted,
      record: {
        mode: "saved",
        dataDependent: false,
        releases: [],
        thresholdDelta: 0,
        notForRelease: null,
        notes: ["a given preprocessor applied unchanged: nothing was computed from these rows"],
      },
    };
  }
  const mode = options.preprocessing ?? "fit";
  if (mode === "fit") return { preprocessor: Preprocessor.fit(train, features), record: fitRecord() };
  if (mode === "public") {
    return {
      preprocessor: publicPreprocessor(train, features, declared),
      record: {
        mode: "public",
        dataDependent: false,
        releases: [],
        thresholdDelta: 0,
        notForRelease: null,
        notes: ["built from declared metadata only: nothing was computed from the rows"],
      },
    };
  }
  if (!options.fitPrivately) {
    throw new Error(
      "preprocessing 'private' needs fitPrivately: pass privatePreprocessing({ noise, ... }) from the privacy module",
    );
  }
  const fit = options.fitPrivately(train, features, declared);
  return {
    preprocessor: fit.preprocessor,
    record: {
      mode: "private",
      dataDependent: fit.releases.length > 0 || fit.thresholdDelta > 0,
      releases: fit.releases,
      thresholdDelta: fit.thresholdDelta,
      notForRelease: fit.notForRelease,
      notes: [...fit.notes],
    },
  };
}

/** ±∞ in a numeric feature column poisons every statistic of it: refused with the column and the row. */
function checkFinite(table: Table, features: readonly string[], name: string): void {
  for (const feature of features) {
    const column = table.column(feature, "feature column");
    if (column.kind !== "numeric") continue;
    const row = firstNonFinite(column.values);
    if (row >= 0) {
      throw new DataError(
        `${name}: column '${feature}' has the non-finite value ${column.values[row]} in data row ${row + 1}`,
      );
    }
  }
}

/** A sensitive attribute with one group measures nothing: said, not hidden. */
function singleGroupWarnings(sensitive: SensitiveAttribute[]): string[] {
  return sensitive
    .filter((attribute) => attribute.categories.length === 1)
    .map(
      (attribute) =>
        `sensitive column '${attribute.name}' has a single group ('${attribute.categories[0]}'): every fairness gap by it is 0 by construction`,
    );
}

function checkFittedColumns(fitted: Preprocessor, source: TabularSource): void {
  if (fitted.kind !== "tabular") {
    throw new DataError(`the saved preprocessor encodes images, but ${source.name} is a table`);
  }
  const present = new Set(source.table.names);
  for (const name of fitted.inputColumns) {
    if (!present.has(name)) {
      throw new DataError(
        `preprocessor/data mismatch: feature column '${name}' of the saved preprocessor is not in ${source.name}`,
      );
    }
    if (name === source.target) {
      throw new DataError(`the saved preprocessor uses '${name}' as a feature, but it is the target here`);
    }
  }
}

function featureColumns(source: TabularSource, table: Table, drop: readonly string[]): string[] {
  for (const name of drop) table.column(name, "column to drop");
  const excluded = new Set([source.target, ...drop]);
  if (!source.sensitiveInFeatures) {
    for (const name of source.sensitive) {
      excluded.add(name);
      for (const origin of source.derivedFrom?.[name] ?? []) excluded.add(origin);
    }
  }
  const candidates = source.features ?? table.names;
  for (const name of candidates) table.column(name, "feature column");
  const features = candidates.filter((name) => !excluded.has(name));
  if (features.length === 0) throw new DataError(`${source.name}: no feature columns left`);
  return features;
}

interface Labels {
  y: Float32Array;
  classNames: string[];
  positiveLabel: string | null;
}

/**
 * Binary when a positive label is given or the target has two values (then the
 * positive label is the later of the two in sorted order: "1" of 0/1, "yes" of
 * no/yes, ">50K" of <=50K/>50K, "good" of bad/good); multi-class otherwise, with
 * classes in sorted order.
 */
function encodeLabels(column: CategoricalColumn, positive: string | null | undefined, name: string): Labels {
  const counts = categoryCounts(column);
  const present = column.categories.filter((_, code) => counts[code] > 0);
  const sorted = [...present].sort(compareLabels);
  if (positive === undefined && sorted.length === 2) positive = sorted[1];
  if (positive !== undefined && positive !== null) {
    const code = column.categories.indexOf(positive);
    if (code < 0 || counts[code] === 0) {
      throw new DataError(
        `positive label '${positive}' does not occur in target '${column.name}'; its values: ${sorted.slice(0, 20).join(", ")}`,
      );
    }
    if (sorted.length < 2)
      throw new DataError(`${name}: target '${column.name}' has only the value '${positive}'`);
    const y = new Float32Array(column.codes.length);
    for (let i = 0; i < y.length; i++) y[i] = column.codes[i] === code ? 1 : 0;
    const negative = sorted.length === 2 ? sorted.find((label) => label !== positive)! : `not ${positive}`;
    return { y, classNames: [negative, positive], positiveLabel: positive };
  }
  if (sorted.length < 2) throw new DataError(`${name}: target '${column.name}' has fewer than two values`);
  if (sorted.length > MAX_CATEGORIES) {
    throw new DataError(
      `target '${column.name}' has ${sorted.length} distinct values; a classification target needs at most ${MAX_CATEGORIES} (or give --positive)`,
    );
  }
  const classOf = Int32Array.from(column.categories, (category) => sorted.indexOf(category));
  const y = new Float32Array(column.codes.length);
  for (let i = 0; i < y.length; i++) y[i] = classOf[column.codes[i]];
  return { y, classNames: sorted, positiveLabel: null };
}

/** Numbers in numeric order, text in code-point order. */
function compareLabels(a: string, b: string): number {
  const x = Number(a);
  const z = Number(b);
  if (a.trim() !== "" && b.trim() !== "" && Number.isFinite(x) && Number.isFinite(z)) return x - z;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A sensitive attribute over all rows, categories sorted. */
function groupColumn(table: Table, name: string): SensitiveAttribute {
  const column = toCategorical(table.column(name));
  const counts = categoryCounts(column);
  const categories = column.categories.filter((_, code) => counts[code] > 0).sort(compareLabels);
  if (categories.length > MAX_CATEGORIES) {
    throw new DataError(
      `sensitive column '${name}' has ${categories.length} distinct values; group it first (at most ${MAX_CATEGORIES})`,
    );
  }
  const remap = Int32Array.from(column.categories, (category) => categories.indexOf(category));
  const codes = new Int32Array(column.codes.length);
  for (let i = 0; i < codes.length; i++) {
    const code = column.codes[i];
    codes[i] = code === MISSING_CODE ? MISSING_CODE : remap[code];
  }
  return { name, categories, codes };
}

function pick(mask: Uint8Array, indices: Int32Array): Uint8Array {
  const out = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = mask[indices[i]];
  return out;
}

function invert(mask: Uint8Array): Uint8Array {
  return mask.map((v) => (v ? 0 : 1));
}

function pickFloat(values: Float32Array, indices: Int32Array): Float32Array {
  const out = new Float32Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = values[indices[i]];
  return out;
}

function pickInt(values: Int32Array, indices: Int32Array): Int32Array {
  const out = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = values[indices[i]];
  return out;
}
