import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeStrings, MISSING_CODE, mapCategories, Table, toCategorical } from "../../src/data/index.js";

function sample(): Table {
  return new Table([
    { kind: "numeric", name: "x", values: Float64Array.from([1, Number.NaN, 3, 4]) },
    encodeStrings("c", ["a", "b", null, "a"]),
  ]);
}

test("selectRows keeps order and dictionaries; completeRows skips missing values", () => {
  const table = sample();
  assert.deepEqual(Array.from(table.completeRows()), [0, 3]);
  assert.deepEqual(Array.from(table.completeRows(["c"])), [0, 1, 3]);
  const picked = table.selectRows([3, 0]);
  const c = picked.column("c");
  assert.equal(c.kind, "categorical");
  if (c.kind === "categorical")
    assert.deepEqual(
      Array.from(c.codes, (k) => c.categories[k]),
      ["a", "a"],
    );
});

test("concat merges categorical dictionaries by value", () => {
  const a = new Table([encodeStrings("c", ["x", "y"])]);
  const b = new Table([encodeStrings("c", ["y", "z", null])]);
  const c = toCategorical(Table.concat([a, b]).column("c"));
  assert.deepEqual(
    Array.from(c.codes, (k) => (k === MISSING_CODE ? null : c.categories[k])),
    ["x", "y", "y", "z", null],
  );
  assert.deepEqual(c.categories, ["x", "y", "z"]);
});

test("mapCategories merges categories that map to the same value and keeps missing values", () => {
  const column = encodeStrings("r", ["White", "Black", null, "Asian", "White"]);
  const mapped = mapCategories("rb", column, (v) => (v === "White" ? "White" : "non-White"));
  assert.deepEqual(mapped.categories, ["White", "non-White"]);
  assert.deepEqual(Array.from(mapped.codes), [0, 1, MISSING_CODE, 1, 0]);
});

test("an unknown column is a one-line error naming it and listing the columns", () => {
  assert.throws(() => sample().column("zz", "target column"), /unknown target column 'zz'; columns: x, c$/);
});
