import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DataError } from "../../src/common/errors.js";
import { encodeStrings, MAX_FEATURE_VALUES, Preprocessor, prepareTask, Table } from "../../src/data/index.js";

function table(x: number[], colour: (string | null)[]): Table {
  return new Table([
    { kind: "numeric", name: "x", values: Float64Array.from(x) },
    encodeStrings("colour", colour),
  ]);
}

test("standardises with the training mean and population sd; one-hot over sorted training categories", () => {
  const train = table([1, 2, 3, 6], ["red", "blue", "red", "green"]);
  const pre = Preprocessor.fit(train, ["x", "colour"]);
  assert.deepEqual(pre.featureNames, ["x", "colour=blue", "colour=green", "colour=red"]);
  const mean = 3;
  const sd = Math.sqrt(((1 - 3) ** 2 + (2 - 3) ** 2 + 0 + (6 - 3) ** 2) / 4); // by hand: sqrt(14/4)
  const X = pre.transform(train);
  assert.equal(X.rows, 4);
  assert.equal(X.cols, 4);
  const expected = [
    [(1 - mean) / sd, 0, 0, 1],
    [(2 - mean) / sd, 1, 0, 0],
    [0, 0, 0, 1],
    [(6 - mean) / sd, 0, 1, 0],
  ];
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++)
      assert.ok(Math.abs(X.data[i * 4 + j] - expected[i][j]) < 1e-6, `X[${i}][${j}]`);
  }
});

test("test data uses the training statistics; unseen or missing categories give all zeros", () => {
  const pre = Preprocessor.fit(table([0, 10], ["a", "b"]), ["x", "colour"]);
  // The test table's dictionary is in another order and has a category never seen in training.
  const X = pre.transform(table([5, Number.NaN, 20], ["c", "b", null]));
  assert.deepEqual(Array.from(X.data), [0, 0, 0, 0, 0, 1, 3, 0, 0]);
});

test("a constant column gets sd 1 rather than a division by zero", () => {
  const pre = Preprocessor.fit(table([4, 4, 4], ["a", "a", "a"]), ["x"]);
  assert.deepEqual(Array.from(pre.transform(table([4, 5, 3], ["a", "a", "a"])).data), [0, 1, -1]);
});

test("JSON round trip gives the same features; a foreign document is refused", () => {
  const train = table([1, 2, 7], ["p", "q", "p"]);
  const pre = Preprocessor.fit(train, ["colour", "x"]);
  const revived = Preprocessor.fromJSON(JSON.parse(JSON.stringify(pre)));
  assert.deepEqual(revived.featureNames, pre.featureNames);
  assert.deepEqual(revived.transform(train).data, pre.transform(train).data);
  assert.throws(() => Preprocessor.fromJSON({ kind: "tabular" }), /not an Equipoise preprocessor/);
});

test("image preprocessing scales bytes to [0, 1]", () => {
  const pre = Preprocessor.forImages([1, 2, 1]);
  const X = pre.transformImages(Uint8Array.from([0, 255, 51, 102]), 2);
  assert.deepEqual(Array.from(X.data), [0, 1, 0.2, 0.4].map(Math.fround));
  assert.equal(Preprocessor.fromJSON(pre.toJSON()).numFeatures, 2);
});

test("a categorical feature with more than 1,000 levels is refused with its name and width, before X is built", async () => {
  const ids = Array.from({ length: 1500 }, (_, i) => `ID-${i}`);
  const wide = new Table([
    encodeStrings("customer", ids),
    encodeStrings(
      "colour",
      ids.map((_, i) => (i % 2 ? "a" : "b")),
    ),
  ]);
  assert.throws(
    () => Preprocessor.fit(wide, ["colour", "customer"]),
    (error: Error) =>
      error instanceof DataError &&
      /categorical column 'customer' has 1500 distinct values in the training rows; one-hot encoding allows at most 1000 .*--drop customer/.test(
        error.message,
      ),
  );
  // Through a user file, as a user meets it; --drop makes it go away.
  const dir = mkdtempSync(join(tmpdir(), "equipoise-wide-"));
  const path = join(dir, "wide.csv");
  writeFileSync(path, `customer,x,y\n${ids.map((id, i) => `${id},${i},${i % 2}`).join("\n")}\n`);
  await assert.rejects(
    prepareTask({ data: path, target: "y" }),
    /categorical column 'customer' has 10\d\d distinct values/,
  );
  const dropped = await prepareTask({ data: path, target: "y", drop: ["customer"] });
  assert.deepEqual(dropped.featureNames, ["x"]);
});

test("a feature matrix above the size limit is refused with its dimensions instead of a typed-array crash", () => {
  const rows = 300_000;
  const codes = new Int32Array(rows);
  const table = new Table([{ kind: "categorical", name: "c", categories: ["k0"], codes }]);
  const categories = Array.from({ length: 1000 }, (_, i) => `k${i}`);
  const pre = Preprocessor.fromTransforms([{ kind: "one-hot", column: "c", categories }]);
  assert.ok(rows * 1000 > MAX_FEATURE_VALUES);
  assert.throws(
    () => pre.transform(table),
    /the feature matrix would hold 300000 rows x 1000 features = 300000000 values, more than the 268435456 allowed/,
  );
});

test("clip bounds: applied before standardising, kept through JSON, damaged ones refused", () => {
  const pre = Preprocessor.fromTransforms([
    { kind: "standardise", column: "x", mean: 5, sd: 5, clip: [0, 10] },
  ]);
  const X = pre.transform(table([-100, 5, 7.5, 1e300], ["a", "a", "a", "a"]));
  assert.deepEqual(Array.from(X.data), [-1, 0, 0.5, 1]);
  assert.deepEqual(Preprocessor.fromJSON(JSON.parse(JSON.stringify(pre))).toJSON(), pre.toJSON());
  assert.throws(
    () => Preprocessor.fromTransforms([{ kind: "standardise", column: "x", mean: 0, sd: 1, clip: [3, 1] }]),
    /\('x'\) needs clip bounds \[lower, upper\] with lower < upper/,
  );
});
