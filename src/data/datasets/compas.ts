/**
 * ProPublica's COMPAS two-year recidivism data, fetched (or read from a data
 * directory). Rows kept as in ProPublica's analysis: days_b_screening_arrest in
 * [-30, 30], is_recid != -1, c_charge_degree != "O", score_text != "N/A" (6,172 rows).
 * Target two_year_recid (positive "1"); sensitive race and sex.
 *
 * Features: age, age_cat, c_charge_degree, priors_count, juv_fel_count,
 * juv_misd_count, juv_other_count, sex, race (5 numeric + 4 categorical, 18 in
 * all). The COMPAS outputs (decile_score, score_text, v_*) are left out on purpose:
 * they are the tool under audit, not information about the defendant.
 *
 * Public metadata (COMPAS_METADATA): the categories of the categorical columns as
 * ProPublica's analysis documents them, and bounds for the numeric ones.
 */
import { readFile } from "node:fs/promises";
import { DataError } from "../../common/errors.js";
import { readCsv } from "../csv.js";
import { type FileLocationOptions, locateFile } from "../fetch.js";
import type { DatasetMetadata } from "../metadata.js";
import { indicesWhere, type Table, toCategorical } from "../table.js";
import type { TabularSource } from "../tabular-task.js";
import { COMPAS_FILES } from "./remote-files.js";

/**
 * The ProPublica COMPAS columns used as features by default.
 *
 * @example
 * ```ts
 * import { COMPAS_FEATURES } from "equipoise/data";
 * COMPAS_FEATURES.length; // 9: 5 numeric and 4 categorical columns (18 features once one-hot encoded)
 * COMPAS_FEATURES.includes("decile_score"); // false: the COMPAS score itself is never a feature
 * ```
 */
export const COMPAS_FEATURES = [
  "age",
  "age_cat",
  "c_charge_degree",
  "priors_count",
  "juv_fel_count",
  "juv_misd_count",
  "juv_other_count",
  "sex",
  "race",
];

const PROPUBLICA = "ProPublica compas-analysis, 'Compas Analysis.ipynb'";

/**
 * Categories: age_cat, sex and race as ProPublica's analysis tabulates them (race in
 * its six groups); c_charge_degree is F (felony) or M (misdemeanour) once the filter
 * has removed the ordinary traffic offences ("O"). Bounds: COMPAS screens adults, so
 * age starts at 18; 100 and the count caps (40 priors, 20 juvenile offences of each
 * kind) are our choices, set knowing that the published file stays within them
 * (largest: age 96, 38 priors, 20 / 13 / 17 juvenile counts); values above are clipped.
 *
 * @example
 * ```ts
 * import { COMPAS_METADATA } from "equipoise/data";
 * COMPAS_METADATA.priors_count; // { bounds: [0, 40], source: "count; cap chosen by Equipoise", transform: "log1p" }
 * COMPAS_METADATA.c_charge_degree.categories; // ["F", "M"]
 * ```
 */
export const COMPAS_METADATA: DatasetMetadata = {
  age: { bounds: [18, 100], source: "adult defendants; upper bound chosen by Equipoise" },
  age_cat: { categories: ["Less than 25", "25 - 45", "Greater than 45"], source: PROPUBLICA },
  c_charge_degree: { categories: ["F", "M"], source: `${PROPUBLICA} (O removed by the filter)` },
  // Counts of offences, mostly 0 and long-tailed: log1p before scaling (a declared public map).
  priors_count: { bounds: [0, 40], source: "count; cap chosen by Equipoise", transform: "log1p" },
  juv_fel_count: { bounds: [0, 20], source: "count; cap chosen by Equipoise", transform: "log1p" },
  juv_misd_count: { bounds: [0, 20], source: "count; cap chosen by Equipoise", transform: "log1p" },
  juv_other_count: { bounds: [0, 20], source: "count; cap chosen by Equipoise", transform: "log1p" },
  sex: { categories: ["Male", "Female"], source: PROPUBLICA },
  race: {
    categories: ["African-American", "Asian", "Caucasian", "Hispanic", "Native American", "Other"],
    source: PROPUBLICA,
  },
  two_year_recid: { categories: ["0", "1"], source: PROPUBLICA },
};

/**
 * Roles and split of the COMPAS task: target, sensitive columns, positive label, seed, where the file is.
 *
 * @example
 * ```ts
 * import type { CompasOptions } from "equipoise/data";
 * const options: CompasOptions = {
 *   target: "two_year_recid",
 *   sensitive: ["race"],
 *   positive: "1",
 *   sensitiveInFeatures: false,
 *   seed: 0,
 *   files: { dataDir: "data" }, // where compas-scores-two-years.csv is looked for before downloading
 * };
 * ```
 */
export interface CompasOptions {
  target?: string;
  sensitive?: string[];
  positive?: string;
  sensitiveInFeatures?: boolean;
  seed?: number;
  files?: FileLocationOptions;
}

/**
 * Reads ProPublica's COMPAS file (from `dataDir`, the cache, or downloaded and checked against its SHA-256)
 * and applies ProPublica's row filter.
 *
 * @throws `DataError` when the file cannot be found or fetched, or its checksum differs.
 * @example
 * ```ts
 * import { loadCompasTable } from "equipoise/data";
 * const table = await loadCompasTable({ dataDir: "data" });
 * console.log(table.rows, table.names);
 * ```
 */
export async function loadCompasTable(files: FileLocationOptions = {}): Promise<Table> {
  const located = await locateFile("compas", COMPAS_FILES[0], files);
  return compasTableFromText(await readFile(located.path, "utf8"), COMPAS_FILES[0].name);
}

/**
 * The filtered table from the text of a file in ProPublica's layout.
 *
 * @example
 * ```ts
 * import { compasTableFromText } from "equipoise/data";
 * import { readFileSync } from "node:fs";
 * const table = compasTableFromText(readFileSync("compas-scores-two-years.csv", "utf8"), "compas-scores-two-years.csv");
 * console.log(table.rows); // the rows ProPublica's filter keeps
 * ```
 */
export function compasTableFromText(text: string, source: string): Table {
  // Only an empty field is missing: "N/A" is a value of score_text that the filter tests.
  const raw = readCsv(text, {
    delimiter: ",",
    missing: [""],
    overrides: { two_year_recid: "categorical", is_recid: "numeric", days_b_screening_arrest: "numeric" },
    source,
  });
  return propublicaFilter(raw);
}

/**
 * ProPublica's row filter (a missing days_b_screening_arrest fails it, as in their R code).
 *
 * @example
 * ```ts
 * import { propublicaFilter, type Table } from "equipoise/data";
 * declare const raw: Table; // the unfiltered ProPublica table (e.g. from readCsv)
 * const filtered = propublicaFilter(raw); // days_b_screening_arrest within ±30, is_recid ≠ -1, charge degree ≠ "O", score_text ≠ "N/A"
 * ```
 */
export function propublicaFilter(table: Table): Table {
  const days = table.column("days_b_screening_arrest");
  const isRecid = table.column("is_recid");
  const degree = toCategorical(table.column("c_charge_degree"));
  const score = toCategorical(table.column("score_text"));
  if (days.kind !== "numeric" || isRecid.kind !== "numeric")
    throw new DataError("compas: days_b_screening_arrest and is_recid must be numeric");
  const keep = new Uint8Array(table.rows);
  const degreeO = degree.categories.indexOf("O");
  const scoreNA = score.categories.indexOf("N/A");
  for (let i = 0; i < table.rows; i++) {
    const d = days.values[i];
    keep[i] =
      d >= -30 &&
      d <= 30 &&
      isRecid.values[i] !== -1 &&
      degree.codes[i] !== degreeO &&
      score.codes[i] !== scoreNA
        ? 1
        : 0;
  }
  return table.selectRows(indicesWhere(keep));
}

export async function compasSource(options: CompasOptions = {}): Promise<TabularSource> {
  return compasSourceFromTable(await loadCompasTable(options.files), options);
}

/**
 * The standard COMPAS task over an already filtered table.
 *
 * @example
 * ```ts
 * import { compasSourceFromTable, loadCompasTable } from "equipoise/data";
 * const source = compasSourceFromTable(await loadCompasTable({ dataDir: "data" }));
 * // a TabularSource for buildTabularTask: target two_year_recid unless options.target says otherwise
 * ```
 */
export function compasSourceFromTable(
  table: Table,
  options: Omit<CompasOptions, "files"> = {},
): TabularSource {
  const target = options.target ?? "two_year_recid";
  return {
    name: "compas",
    table,
    target,
    positiveLabel: options.positive ?? (options.target === undefined ? "1" : undefined),
    features: COMPAS_FEATURES.filter((name) => name !== target),
    sensitive: options.sensitive ?? ["race", "sex"],
    sensitiveInFeatures: options.sensitiveInFeatures ?? true,
    seed: options.seed ?? 0,
    metadata: COMPAS_METADATA,
  };
}
