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
 */
import { readFile } from "node:fs/promises";
import { readCsv } from "../csv.js";
import { type FileLocationOptions, locateFile } from "../fetch.js";
import { indicesWhere, type Table, toCategorical } from "../table.js";
import type { TabularSource } from "../tabular-task.js";
import { COMPAS_FILES } from "./remote-files.js";

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

export interface CompasOptions {
  target?: string;
  sensitive?: string[];
  positive?: string;
  sensitiveInFeatures?: boolean;
  seed?: number;
  files?: FileLocationOptions;
}

export async function loadCompasTable(files: FileLocationOptions = {}): Promise<Table> {
  const located = await locateFile("compas", COMPAS_FILES[0], files);
  const raw = readCsv(await readFile(located.path, "utf8"), {
    delimiter: ",",
    missing: [""],
    overrides: { two_year_recid: "categorical", is_recid: "numeric", days_b_screening_arrest: "numeric" },
    source: COMPAS_FILES[0].name,
  });
  return propublicaFilter(raw);
}

/** ProPublica's row filter (a missing days_b_screening_arrest fails it, as in their R code). */
export function propublicaFilter(table: Table): Table {
  const days = table.column("days_b_screening_arrest");
  const isRecid = table.column("is_recid");
  const degree = toCategorical(table.column("c_charge_degree"));
  const score = toCategorical(table.column("score_text"));
  if (days.kind !== "numeric" || isRecid.kind !== "numeric")
    throw new Error("compas: unexpected column types");
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
  const table = await loadCompasTable(options.files);
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
  };
}
