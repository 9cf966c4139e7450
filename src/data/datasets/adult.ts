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
 *
 * Public metadata (what private training preprocesses with): the categories of every
 * categorical column as adult.names lists them — all of them, including values such
 * as Holand-Netherlands that one training row holds — and documented bounds for the
 * numeric columns (ADULT_BOUNDS).
 */

import { DataError } from "../../common/errors.js";
import { readBundledText } from "../bundled.js";
import { readCsv } from "../csv.js";
import type { ColumnMetadata, DatasetMetadata } from "../metadata.js";
import { type CategoricalColumn, mapCategories, Table, toCategorical } from "../table.js";
import type { TabularSource } from "../tabular-task.js";

/**
 * The columns of the UCI Adult files, in file order (the files have no header).
 *
 * @example
 * ```ts
 * import { ADULT_COLUMNS } from "equipoise/data";
 * ADULT_COLUMNS.length; // 15: the 14 census attributes, then the target "income"
 * ADULT_COLUMNS.indexOf("sex"); // 9: the field's position in adult.data's rows
 * ```
 */
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

/**
 * Public ranges of Adult's numeric columns. adult.names says the rows were extracted
 * with "((AAGE>16) && (AGI>100) && (AFNLWGT>1) && (HRSWK>0))", which gives the lower
 * bounds of age, fnlwgt and hours-per-week; the upper bounds are the top codes of the
 * 1994 Current Population Survey public-use files the data come from (the published
 * rows sit at them: 43 training rows at age 90, 159 at capital-gain 99999, 85 at 99
 * hours), except where stated.
 *
 * @example
 * ```ts
 * import { ADULT_BOUNDS } from "equipoise/data";
 * ADULT_BOUNDS.age.bounds; // [17, 90]
 * ADULT_BOUNDS["capital-gain"]; // { bounds: [0, 99999], source: "CPS top code 99999", transform: "log1p" }
 * ```
 */
export const ADULT_BOUNDS: Record<string, { bounds: [number, number]; source: string; transform?: "log1p" }> =
  {
    age: { bounds: [17, 90], source: "adult.names extraction rule AAGE>16; CPS top code 90" },
    // A survey weight (how many people a record stands for). No maximum is documented:
    // 1,500,000 is our choice, made knowing that the published rows stay below it
    // (largest 1,490,400); values above it are clipped.
    fnlwgt: { bounds: [1, 1_500_000], source: "adult.names rule AFNLWGT>1; upper bound chosen by Equipoise" },
    // The ordinal code of the 16 education levels adult.names lists.
    "education-num": { bounds: [1, 16], source: "adult.names: 16 education levels" },
    // Amounts of money, 0 for ~92 % (gains) and ~95 % (losses) of the rows and up to the
    // top code: scaled linearly by [0, 99999], every typical value lands near −1 (a DP
    // logistic regression lost 1.6 accuracy points to it at ε = 1). log1p, a public map
    // declared here, spreads them over [0, 11.5] before the scaling.
    "capital-gain": { bounds: [0, 99_999], source: "CPS top code 99999", transform: "log1p" },
    // No separate top code is documented for losses: the same five-digit field as gains.
    "capital-loss": {
      bounds: [0, 99_999],
      source: "five-digit CPS field, as capital-gain",
      transform: "log1p",
    },
    "hours-per-week": {
      bounds: [1, 99],
      source: "adult.names rule HRSWK>0; two-digit CPS field, top code 99",
    },
  };

/**
 * The categories of each categorical attribute of a UCI ".names" file written as
 * Adult's is: one line "name: value, value, ... ." per attribute ("continuous" for a
 * numeric one), after the class line.
 *
 * @example
 * ```ts
 * import { parseAdultNames } from "equipoise/data";
 * parseAdultNames("sex: Female, Male.\nage: continuous.\n"); // { sex: ["Female", "Male"] }
 * ```
 */
export function parseAdultNames(text: string): Record<string, string[]> {
  const categories: Record<string, string[]> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith("|")) continue;
    const match = /^([A-Za-z][\w-]*):\s*(.+?)\.?$/.exec(line);
    if (!match) continue;
    const [, name, list] = match;
    if (list === "continuous") continue;
    categories[name] = list.split(",").map((value) => value.trim());
  }
  return categories;
}

/**
 * Adult's declared metadata: categories from the bundled adult.names, bounds from ADULT_BOUNDS.
 *
 * @example
 * ```ts
 * import { adultMetadata } from "equipoise/data";
 * const metadata = adultMetadata();
 * metadata.age; // { bounds: [17, 90], source: "adult.names extraction rule AAGE>16; CPS top code 90" }
 * metadata.sex; // { categories: ["Female", "Male"], source: "adult.names" }
 * ```
 */
export function adultMetadata(): DatasetMetadata {
  const declared = parseAdultNames(readBundledText("adult", "adult.names"));
  const metadata: Record<string, ColumnMetadata> = {};
  for (const name of ADULT_COLUMNS) {
    if (name === "income") {
      metadata[name] = { categories: ["<=50K", ">50K"], source: "adult.names class line" };
    } else if (NUMERIC.has(name)) {
      metadata[name] = ADULT_BOUNDS[name];
    } else if (declared[name]) {
      metadata[name] = { categories: declared[name], source: "adult.names" };
    } else {
      throw new DataError(`adult.names does not list the categories of '${name}'`);
    }
  }
  metadata["race-binary"] = { categories: ["White", "non-White"], source: "derived from race" };
  return metadata;
}

export interface AdultOptions {
  target?: string;
  sensitive?: string[];
  positive?: string;
  sensitiveInFeatures?: boolean;
  seed?: number;
}

/**
 * The cleaned Adult table (train rows first) and the mask of its test rows.
 *
 * @example
 * ```ts
 * import { loadAdultTable } from "equipoise/data";
 * const { table, testRows } = loadAdultTable(); // bundled: no download
 * table.rows; // 45222 complete rows (adult.data then adult.test)
 * testRows.reduce((sum, isTest) => sum + isTest, 0); // 15060 rows from adult.test
 * ```
 */
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
    metadata: adultMetadata(),
  };
}
