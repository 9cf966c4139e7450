import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeStrings, Preprocessor, Table } from "../../src/data/index.js";

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
