import assert from "node:assert/strict";
import { test } from "node:test";
import { DataError } from "../../src/common/errors.js";
import { germanCreditSource } from "../../src/data/datasets/german-credit.js";
import {
  ADULT_BOUNDS,
  adultMetadata,
  COMPAS_METADATA,
  categoryCounts,
  type DatasetMetadata,
  GERMAN_CREDIT_BOUNDS,
  generateSynthetic,
  loadAdultTable,
  loadGermanCreditTable,
  mergeMetadata,
  parseAdultNames,
  parseSchemaDocument,
  SYNTHETIC_METADATA,
  type Table,
} from "../../src/data/index.js";

test("a --schema document: categories and bounds per column, checked with one clear line per mistake", () => {
  const metadata = parseSchemaDocument(
    {
      columns: {
        age: { bounds: [17, 90] },
        gain: { bounds: [0, 99_999], transform: "log1p" },
        sex: { categories: ["F", "M"] },
      },
    },
    "s.json",
  );
  assert.deepEqual(metadata, {
    age: { bounds: [17, 90], source: "s.json" },
    gain: { bounds: [0, 99_999], transform: "log1p", source: "s.json" },
    sex: { categories: ["F", "M"], source: "s.json" },
  });
  const cases: [unknown, RegExp][] = [
    [{ columns: { age: { bound: [1, 2] } } }, /^s\.json: columns\.age: unrecognized key.*"bound"/],
    [{ columns: { age: { bounds: [1] } } }, /^s\.json: columns\.age\.bounds/],
    [
      { columns: { age: { bounds: [5, 1] } } },
      /column 'age' needs finite bounds with lower < upper, got \[5, 1\]/,
    ],
    [{ columns: { age: { bounds: [0, 1], categories: ["a"] } } }, /declares both categories and bounds/],
    [{ columns: { age: {} } }, /declares neither categories nor bounds/],
    [{ columns: { sex: { categories: ["F", "F"] } } }, /declares the category 'F' twice/],
    [
      { columns: { gain: { bounds: [-5, 5], transform: "log1p" } } },
      /transform log1p, which needs bounds with lower > -1/,
    ],
    [{ columns: { sex: { categories: ["F"], transform: "log1p" } } }, /transform log1p, which needs bounds/],
    [{ columns: { gain: { bounds: [0, 5], transform: "sqrt" } } }, /^s\.json: columns\.gain\.transform/],
    [{ columns: { sex: { categories: [] } } }, /^s\.json: columns\.sex\.categories/],
    [{ column: {} }, /^s\.json: /],
    [[1, 2], /^s\.json: /],
  ];
  for (const [document, message] of cases) {
    assert.throws(
      () => parseSchemaDocument(document, "s.json"),
      (error: Error) =>
        error instanceof DataError && message.test(error.message) && !error.message.includes("\n"),
      JSON.stringify(document),
    );
  }
});

test("merging: a later layer replaces a column's whole declaration", () => {
  const registry: DatasetMetadata = { a: { bounds: [0, 1] }, b: { categories: ["x"] } };
  assert.deepEqual(mergeMetadata(registry, { a: { categories: ["p", "q"] } }), {
    a: { categories: ["p", "q"] },
    b: { categories: ["x"] },
  });
});

/** Every value of every declared column of `table` is declared (categories) or within bounds. */
function undeclaredValues(table: Table, metadata: DatasetMetadata): string[] {
  const problems: string[] = [];
  for (const column of table.columns) {
    const declared = metadata[column.name];
    if (!declared) {
      problems.push(`${column.name}: no declaration`);
    } else if (column.kind === "categorical") {
      const counts = categoryCounts(column);
      const outside = column.categories.filter(
        (c, code) => counts[code] > 0 && !declared.categories?.includes(c),
      );
      if (outside.length > 0) problems.push(`${column.name}: ${outside.join(", ")}`);
    } else {
      const [lo, hi] = declared.bounds ?? [Number.NaN, Number.NaN];
      const outside = Array.from(column.values).filter((v) => !Number.isNaN(v) && !(v >= lo && v <= hi));
      if (outside.length > 0)
        problems.push(`${column.name}: ${outside.length} values outside [${lo}, ${hi}]`);
    }
  }
  return problems;
}

test("Adult: adult.names declares every category (Holand-Netherlands too) and the bounds hold every published value", () => {
  const names = parseAdultNames(
    "| a comment: not: this\nage: continuous.\nsex: Female, Male.\n>50K, <=50K.\n",
  );
  assert.deepEqual(names, { sex: ["Female", "Male"] });
  const metadata = adultMetadata();
  assert.equal(metadata["native-country"].categories?.length, 41);
  assert.ok(metadata["native-country"].categories?.includes("Holand-Netherlands"));
  assert.deepEqual(metadata.age.bounds, [17, 90]);
  assert.deepEqual(Object.keys(ADULT_BOUNDS).sort(), [
    "age",
    "capital-gain",
    "capital-loss",
    "education-num",
    "fnlwgt",
    "hours-per-week",
  ]);
  assert.deepEqual(undeclaredValues(loadAdultTable().table, metadata), []);
});

test("German credit: the ARFF header's nominal lists and the code-table bounds hold every row", () => {
  const table = loadGermanCreditTable();
  const metadata = germanCreditSource().metadata!;
  assert.deepEqual(metadata.purpose.categories?.length, 11); // 'vacation' is declared though no row has it
  assert.deepEqual(metadata.installment_commitment.bounds, [1, 4]);
  assert.deepEqual(Object.keys(GERMAN_CREDIT_BOUNDS).length, 7);
  assert.deepEqual(undeclaredValues(table, metadata), []);
});

test("synthetic and COMPAS declarations cover their columns", () => {
  const synthetic = generateSynthetic({ rows: 2000, seed: 1 });
  const problems = undeclaredValues(synthetic, SYNTHETIC_METADATA);
  // ±4 standard deviations: at 2,000 rows, nothing (or next to nothing) is outside.
  assert.ok(problems.length <= 1, problems.join("; "));
  assert.deepEqual(COMPAS_METADATA.race.categories, [
    "African-American",
    "Asian",
    "Caucasian",
    "Hispanic",
    "Native American",
    "Other",
  ]);
});
