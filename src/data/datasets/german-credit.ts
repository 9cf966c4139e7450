/**
 * Statlog German Credit (ARFF as in Weka / OpenML "credit-g"), bundled. Standard
 * task: class "good"; the 20 attributes are the features (7 numeric standardised, 13
 * nominal one-hot: 61 features). Sensitive attributes are derived: `sex` from
 * personal_status ("male …" / "female …") and `age-group` (">25" / "<=25") from age.
 * Those source columns stay features unless `sensitiveInFeatures` is false. 1,000
 * rows, split 70/30 stratified by the label with a seed.
 *
 * Public metadata: the categories of the nominal attributes as the ARFF header
 * declares them (the relabelled codes A11…A202 of the documentation), and
 * GERMAN_CREDIT_BOUNDS for the numeric ones.
 */
import { DataError } from "../../common/errors.js";
import { readArff } from "../arff.js";
import { readBundledText } from "../bundled.js";
import type { ColumnMetadata, DatasetMetadata } from "../metadata.js";
import { type CategoricalColumn, MISSING_CODE, mapCategories, type Table } from "../table.js";

/**
 * Public ranges of the numeric attributes. Four of them are ordinal codes of binned
 * quantities, as the code table of the corrected data documents them (Grömping 2019,
 * "South German Credit Data: Correcting a Widely Used Data Set", Reports in
 * Mathematics, Physics and Chemistry 4/2019, Beuth University; UCI "South German
 * Credit"): installment rate 1–4 ("≥ 35" … "< 20" % of disposable income), present
 * residence 1–4 ("< 1 yr" … "≥ 7 yrs"), number of credits at this bank 1–4 ("1" …
 * "≥ 6"), people liable 1–2 ("3 or more", "0 to 2"). Duration, amount and age are
 * metric with no documented range: those bounds are our choices, and values outside
 * them are clipped.
 *
 * @example
 * ```ts
 * import { GERMAN_CREDIT_BOUNDS } from "equipoise/data";
 * GERMAN_CREDIT_BOUNDS.age.bounds; // [18, 100]
 * GERMAN_CREDIT_BOUNDS.credit_amount.transform; // "log1p": applied after clipping, before scaling
 * ```
 */
export const GERMAN_CREDIT_BOUNDS: Record<
  string,
  { bounds: [number, number]; source: string; transform?: "log1p" }
> = {
  duration: { bounds: [1, 120], source: "months; chosen by Equipoise (up to ten years)" },
  // An amount of money, right-skewed (Groemping 2019 tabulates it in classes of
  // geometrically growing width): log1p before scaling, a declared public map.
  credit_amount: { bounds: [0, 20_000], source: "Deutsche Mark; chosen by Equipoise", transform: "log1p" },
  installment_commitment: { bounds: [1, 4], source: "ordinal code 1-4 (Groemping 2019)" },
  residence_since: { bounds: [1, 4], source: "ordinal code 1-4 (Groemping 2019)" },
  // 18: the age of majority in Germany, below which no credit contract is signed alone.
  age: { bounds: [18, 100], source: "years; 18 is the age of majority, upper bound chosen by Equipoise" },
  existing_credits: { bounds: [1, 4], source: "ordinal code 1-4 (Groemping 2019)" },
  num_dependents: { bounds: [1, 2], source: "ordinal code 1-2 (Groemping 2019)" },
};

import type { TabularSource } from "../tabular-task.js";

export interface GermanCreditOptions {
  target?: string;
  sensitive?: string[];
  positive?: string;
  sensitiveInFeatures?: boolean;
  seed?: number;
}

/**
 * The bundled Statlog German credit table (1,000 rows).
 *
 * @example
 * ```ts
 * import { loadGermanCreditTable } from "equipoise/data";
 * const table = loadGermanCreditTable(); // bundled: no download
 * table.rows; // 1000
 * ```
 */
export function loadGermanCreditTable(): Table {
  return loadGermanCredit().table;
}

function loadGermanCredit(): { table: Table; metadata: DatasetMetadata } {
  const { table, nominal } = readArff(
    readBundledText("german-credit", "credit-g.arff"),
    "german-credit/credit-g.arff",
  );
  const status = table.column("personal_status");
  const age = table.column("age");
  if (status.kind !== "categorical" || age.kind !== "numeric") {
    throw new DataError("german-credit: personal_status must be nominal and age numeric");
  }
  const sex = mapCategories("sex", status, (value) => value.split(" ")[0]);
  const ageGroup: CategoricalColumn = {
    kind: "categorical",
    name: "age-group",
    categories: ["<=25", ">25"],
    codes: Int32Array.from(age.values, (years) => (Number.isNaN(years) ? MISSING_CODE : years > 25 ? 1 : 0)),
  };
  const metadata: Record<string, ColumnMetadata> = {};
  for (const column of table.columns) {
    if (nominal[column.name]) {
      metadata[column.name] = { categories: nominal[column.name], source: "credit-g.arff header" };
    } else if (GERMAN_CREDIT_BOUNDS[column.name]) {
      metadata[column.name] = GERMAN_CREDIT_BOUNDS[column.name];
    } else {
      throw new DataError(`german-credit: no public metadata for the column '${column.name}'`);
    }
  }
  metadata.sex = { categories: sex.categories, source: "derived from personal_status" };
  metadata["age-group"] = { categories: ageGroup.categories, source: "derived from age" };
  return { table: table.withColumns([sex, ageGroup]), metadata };
}

export function germanCreditSource(options: GermanCreditOptions = {}): TabularSource {
  const { table, metadata } = loadGermanCredit();
  const target = options.target ?? "class";
  const original = table.names.filter((name) => name !== "sex" && name !== "age-group");
  return {
    name: "german-credit",
    table,
    target,
    positiveLabel: options.positive ?? (options.target === undefined ? "good" : undefined),
    features: original.filter((name) => name !== target),
    sensitive: options.sensitive ?? ["sex", "age-group"],
    derivedFrom: { sex: ["personal_status"], "age-group": ["age"] },
    sensitiveInFeatures: options.sensitiveInFeatures ?? true,
    seed: options.seed ?? 0,
    metadata,
  };
}
