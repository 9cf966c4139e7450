import assert from "node:assert/strict";
import { test } from "node:test";
import { DataError } from "../../src/common/errors.js";
import { adultSource } from "../../src/data/datasets/adult.js";
import {
  ADULT_COLUMNS,
  buildTabularTask,
  type Column,
  encodeStrings,
  type PreparedTask,
  prepareTask,
  publicPreprocessor,
  Table,
  type TabularSource,
} from "../../src/data/index.js";

const ADULT_NUMERIC = new Set([
  "age",
  "fnlwgt",
  "education-num",
  "capital-gain",
  "capital-loss",
  "hours-per-week",
]);

test("public preprocessing: one-hot over the declared categories, (clip(x) − mid) / half-range, nothing from the rows", () => {
  const table = new Table([
    { kind: "numeric", name: "age", values: Float64Array.from([20, 60, 150, Number.NaN]) },
    encodeStrings("colour", ["red", "blue", "mauve", null]),
  ]);
  const declared = { age: { bounds: [0, 100] as const }, colour: { categories: ["red", "green", "blue"] } };
  const pre = publicPreprocessor(table, ["age", "colour"], declared);
  assert.deepEqual(pre.featureNames, ["age", "colour=blue", "colour=green", "colour=red"]);
  const X = pre.transform(table);
  // age: (20 − 50)/50, (60 − 50)/50, 150 clipped to 100 → 1, missing → 0 (the midpoint);
  // mauve is not declared and the last row is missing: all zeros.
  assert.deepEqual(
    Array.from(X.data),
    [-0.6, 0, 0, 1, 0.2, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0].map(Math.fround),
  );
  // Other rows, same declarations: the same preprocessor, to the byte.
  const other = new Table([
    { kind: "numeric", name: "age", values: Float64Array.from([1e300]) },
    encodeStrings("colour", ["green"]),
  ]);
  assert.equal(JSON.stringify(publicPreprocessor(other, ["age", "colour"], declared)), JSON.stringify(pre));
});

test("public preprocessing: a feature column without a declaration is one DataError naming it and how to declare it", () => {
  const table = new Table([
    { kind: "numeric", name: "income", values: Float64Array.from([1, 2]) },
    encodeStrings("city", ["Lyon", "Paris"]),
  ]);
  assert.throws(
    () => publicPreprocessor(table, ["income"], {}),
    (error: Error) =>
      error instanceof DataError &&
      error.message ===
        "numeric column 'income' has no declared bounds (public preprocessing uses only declared metadata): declare them with --bounds income=LO:HI or in a --schema file",
  );
  assert.throws(
    () => publicPreprocessor(table, ["city"], { income: { bounds: [0, 1] } }),
    /categorical column 'city' has no declared categories .*--categories city=A\|B\|C/,
  );
  assert.throws(
    () => publicPreprocessor(table, ["city"], { city: { bounds: [0, 1] } }),
    /holds text such as 'Lyon'/,
  );
});

/** A one-row table in Adult's columns. */
function adultRow(values: Record<string, string | number>, names: string[]): Table {
  const columns: Column[] = names.map((name) =>
    ADULT_NUMERIC.has(name)
      ? { kind: "numeric", name, values: Float64Array.from([values[name] as number]) }
      : encodeStrings(name, [String(values[name])]),
  );
  return new Table(columns);
}

const rare = {
  age: 1e6,
  workclass: "Private",
  fnlwgt: 1e12,
  education: "Masters",
  "education-num": 14,
  "marital-status": "Never-married",
  occupation: "Sales",
  relationship: "Not-in-family",
  race: "Other",
  sex: "Female",
  "capital-gain": -5e9,
  "capital-loss": 0,
  "hours-per-week": 168,
  "native-country": "Atlantis",
  income: ">50K",
  "race-binary": "non-White",
};

// Loaded once: reading Adult is the slow part of these tests.
const source = adultSource();
let adult: PreparedTask;
let fitted: PreparedTask;

test("neighbouring Adult tables (one added training row: a new country, extreme numbers): byte-identical public preprocessors", async () => {
  const { table, testRows } = source;
  const added = Table.concat([table, adultRow(rare, table.names)]);
  const addedTestRows = Uint8Array.from([...testRows!, 0]);
  adult = await buildTabularTask(source, { preprocessing: "public" });
  const neighbour = await buildTabularTask(
    { ...source, table: added, testRows: addedTestRows },
    { preprocessing: "public" },
  );
  assert.equal(neighbour.train.X.rows, adult.train.X.rows + 1);
  assert.equal(JSON.stringify(neighbour.preprocessor.toJSON()), JSON.stringify(adult.preprocessor.toJSON()));
  assert.deepEqual(neighbour.featureNames, adult.featureNames);
  assert.deepEqual(neighbour.preprocessing, adult.preprocessing);
  assert.notEqual(neighbour.fingerprint, adult.fingerprint);
  // Every declared value, and only declared ones: 6 numeric + 8 categorical columns from adult.names.
  assert.equal(adult.featureNames.length, 6 + 8 + 16 + 7 + 14 + 6 + 5 + 2 + 41);
  assert.equal(adult.preprocessing.mode, "public");
  assert.equal(adult.preprocessing.dataDependent, false);
  assert.equal(adult.preprocessing.notForRelease, null);
  // The added row: clipped to the bounds, its country an all-zero block; said in the warnings.
  const row = neighbour.train.X.rows - 1;
  const at = (name: string) =>
    neighbour.train.X.data[row * neighbour.train.X.cols + neighbour.featureNames.indexOf(name)];
  assert.deepEqual([at("age"), at("fnlwgt"), at("capital-gain"), at("hours-per-week")], [1, 1, -1, 1]);
  const country = neighbour.featureNames.filter((name) => name.startsWith("native-country="));
  assert.ok(country.every((name) => at(name) === 0));
  assert.ok(
    neighbour.warnings.some((w) =>
      /'native-country': 1 value\(s\) not among its 41 categories .*'Atlantis'/.test(w),
    ),
  );
  assert.ok(
    neighbour.warnings.some((w) =>
      /'fnlwgt': 1 value\(s\) outside the bounds \[1, 1500000\] were clipped/.test(w),
    ),
  );
  assert.deepEqual(adult.warnings, [], "the published Adult rows all lie within the declared metadata");

  // The same neighbours with today's fitted preprocessing differ: the check above can fail.
  fitted = await buildTabularTask(source, { preprocessing: "fit" });
  const fittedNeighbour = await buildTabularTask({ ...source, table: added, testRows: addedTestRows });
  assert.notEqual(
    JSON.stringify(fittedNeighbour.preprocessor.toJSON()),
    JSON.stringify(fitted.preprocessor.toJSON()),
  );
  assert.equal(fitted.preprocessing.dataDependent, true);
  assert.match(fitted.preprocessing.notForRelease ?? "", /exact statistics of the training rows/);
});

test("the one training row with native-country Holand-Netherlands: visible in a fitted preprocessor, not in a public one", async () => {
  const { table } = source;
  const testRows = source.testRows!;
  const country = table.column("native-country");
  assert.ok(country.kind === "categorical");
  const holland = country.categories.indexOf("Holand-Netherlands");
  const rows = Array.from(country.codes.keys()).filter((i) => country.codes[i] === holland);
  assert.equal(rows.length, 1);
  assert.equal(testRows[rows[0]], 0);
  const keep = Int32Array.from(Array.from(country.codes.keys()).filter((i) => i !== rows[0]));
  const without: TabularSource = {
    ...source,
    table: table.selectRows(keep),
    testRows: Uint8Array.from(keep, (i) => testRows[i]),
  };
  const fittedWithout = await buildTabularTask(without);
  assert.ok(fitted.featureNames.includes("native-country=Holand-Netherlands"));
  assert.ok(!fittedWithout.featureNames.includes("native-country=Holand-Netherlands"));
  const publicWithout = await buildTabularTask(without, { preprocessing: "public" });
  assert.equal(
    JSON.stringify(publicWithout.preprocessor.toJSON()),
    JSON.stringify(adult.preprocessor.toJSON()),
  );
});

test("declared metadata: the user's replaces the data set's per column; an unknown column is named", async () => {
  const task = await prepareTask({
    data: "synthetic",
    preprocessing: "public",
    metadata: { x1: { bounds: [-2, 2], source: "--bounds" }, segment: { categories: ["north", "south"] } },
  });
  const json = task.preprocessor.toJSON();
  assert.ok(json.kind === "tabular");
  assert.deepEqual(json.transforms[0], { kind: "standardise", column: "x1", mean: 0, sd: 2, clip: [-2, 2] });
  assert.deepEqual(task.declared.x1, { bounds: [-2, 2], source: "--bounds" });
  assert.deepEqual(task.featureNames.slice(4), ["segment=north", "segment=south"]);
  assert.ok(task.warnings.some((w) => /'segment': \d+ value\(s\) not among its 2 categories/.test(w)));
  assert.match(task.warnings.at(-1) ?? "", /describe the rows themselves: they are not covered by epsilon/);
  await assert.rejects(
    prepareTask({ data: "synthetic", metadata: { nope: { bounds: [0, 1] } } }),
    /unknown column in the declared metadata 'nope'/,
  );
});

test("--drop leaves columns out of the features; an unknown one is named", async () => {
  const task = await prepareTask({ data: "german-credit", drop: ["purpose", "duration"] });
  assert.ok(!task.featureNames.some((name) => name.startsWith("purpose") || name === "duration"));
  assert.equal(task.featureNames.length, 61 - 10 - 1);
  await assert.rejects(
    prepareTask({ data: "german-credit", drop: ["nope"] }),
    /unknown column to drop 'nope'/,
  );
});

test("ADULT_COLUMNS all have declarations", async () => {
  assert.deepEqual(Object.keys(adult.declared).sort(), [...ADULT_COLUMNS].sort());
});

test("a declared log1p transform: log(1 + clip(x)) scaled by the bounds' images, still nothing from the rows", () => {
  const table = new Table([
    { kind: "numeric", name: "gain", values: Float64Array.from([0, 99, 1e6, Number.NaN]) },
  ]);
  const declared = { gain: { bounds: [0, 99_999] as const, transform: "log1p" as const } };
  const pre = publicPreprocessor(table, ["gain"], declared);
  const high = Math.log1p(99_999);
  // mid = half = log(100000)/2: 0 → −1, 99 → 2·log(100)/log(100000) − 1 = −0.2, 1e6 clipped → 1.
  const expected = [-1, (Math.log1p(99) - high / 2) / (high / 2), 1, 0].map(Math.fround);
  const X = Array.from(pre.transform(table).data);
  for (const [i, x] of X.entries())
    assert.ok(Math.abs(x - expected[i]) < 1e-6, `row ${i}: ${x} vs ${expected[i]}`);
  // Without the transform, 99 lands at −0.998: the squash the transform undoes.
  const linear = publicPreprocessor(table, ["gain"], { gain: { bounds: [0, 99_999] } });
  assert.ok(Math.abs(linear.transform(table).data[1] + 0.998) < 1e-3);
  // The saved preprocessor says so, and reads back to the same encoding.
  const json = JSON.parse(JSON.stringify(pre));
  assert.equal(json.transforms[0].log1p, true);
});
