/**
 * UCI Adult, bundled. Standard task: predict income >50K from the 14 census
 * attributes; rows with a missing value ("?") dropped, leaving 30,162 train and 15,060
 * test rows in the original file split.
 *
 * Features: the 6 numeric columns standardised (age, fnlwgt, education-num,
 * capital-gain, capital-loss, hours-per-week) and the 8 categorical ones one-hot,
 * sex and race included, which gives 104 features — the setup of the reference
 * numbers (scikit-learn / Fairlearn / Opacus runs) that Equipoise is compared with.
 * `sensitiveInFeatures: false` removes sex and race from X.
 *
 * Sensitive attributes: `sex`, `race` (the 5 original categories) and `race-binary`
 * (White / non-White, the grouping of the reference fairness figures).
 */

import { readBundledText } from "../bundled.js";
import { readCsv } from "../csv.js";
import { type CategoricalColumn, mapCategories, Table, toCategorical } from "../table.js";
import type { TabularSource } from "../tabular-task.js";

export const ADULT_COLUMNS = [
  "age",
  "workclass",
  "fnlwgt",
  "education",
  "education-num",
  "marital-status",
  "occupation",
  "relationship",
  "race",
  "sex",
  "capital-gain",
  "capital-loss",
  "hours-per-week",
  "native-country",
  "income",
];

const NUMERIC = new Set(["age", "fnlwgt", "education-num", "capital-gain", "capital-loss", "hours-per-week"]);

export interface AdultOptions {
  target?: string;
  sensitive?: string[];
  positive?: string;
  sensitiveInFeatures?: boolean;
  seed?: number;
}

/** The cleaned Adult table (train rows first) and the mask of its test rows. */
export function loadAdultTable(): { table: Table; testRows: Uint8Array } {
  const overrides = Object.fromEntries(
    ADULT_COLUMNS.map((name) => [name, NUMERIC.has(name) ? "numeric" : "categorical"] as const),
  );
  const read = (file: string) =>
    readCsv(readBundledText("adult", file), {
      header: false,
      delimiter: ",",
      columnNames: ADULT_COLUMNS,
      missing: ["?"],
      comments: "|",
      overrides,
      source: `adult/${file}`,
    });
  const parts = [read("adult.data"), read("adult.test")].map((part) => {
    const complete = part.completeRows();
    const kept = part.selectRows(complete);
    // adult.test writes its labels with a final "." (">50K.").
    const income = mapCategories("income", kept.column("income") as CategoricalColumn, (label) =>
      label.endsWith(".") ? label.slice(0, -1) : label,
    );
    return kept.withColumns([income]);
  });
  const table = Table.concat(parts);
  const raceBinary = mapCategories("race-binary", toCategorical(table.column("race")), (race) =>
    race === "White" ? "White" : "non-White",
  );
  const testRows = new Uint8Array(table.rows);
  testRows.fill(1, parts[0].rows);
  return { table: table.withColumns([raceBinary]), testRows };
}

export function adultSource(options: AdultOptions = {}): TabularSource {
  const { table, testRows } = loadAdultTable();
  return {
    name: "adult",
    table,
    target: options.target ?? "income",
    positiveLabel: options.positive ?? (options.target === undefined ? ">50K" : undefined),
    features: ADULT_COLUMNS.filter((name) => name !== (options.target ?? "income")),
    sensitive: options.sensitive ?? ["sex", "race"],
    derivedFrom: { "race-binary": ["race"] },
    sensitiveInFeatures: options.sensitiveInFeatures ?? true,
    testRows,
    seed: options.seed ?? 0,
  };
}
