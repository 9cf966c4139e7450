import assert from "node:assert/strict";
import { test } from "node:test";
import { type Column, cellText, readCsv } from "../../src/data/index.js";

const texts = (column: Column) =>
  Array.from({ length: column.kind === "numeric" ? column.values.length : column.codes.length }, (_, i) =>
    cellText(column, i),
  );

test("quoted fields keep separators, quotes and newlines", () => {
  const table = readCsv('id,name,score\n1,"Smith, J.",3.5\n2,"say ""hi""\nthere",-1e2\n');
  assert.equal(table.rows, 2);
  assert.deepEqual(texts(table.column("name")), ["Smith, J.", 'say "hi"\nthere']);
  const score = table.column("score");
  assert.equal(score.kind, "numeric");
  if (score.kind === "numeric") assert.deepEqual(Array.from(score.values), [3.5, -100]);
});

test("other separators, no header, configurable missing tokens, trimmed fields", () => {
  const table = readCsv("1; a\n2 ;MISSING\n; b\n", {
    delimiter: ";",
    header: false,
    columnNames: ["n", "s"],
    missing: ["", "MISSING"],
  });
  assert.deepEqual(table.names, ["n", "s"]);
  const n = table.column("n");
  assert.equal(n.kind, "numeric");
  if (n.kind === "numeric") {
    assert.deepEqual(Array.from(n.values.subarray(0, 2)), [1, 2]);
    assert.ok(Number.isNaN(n.values[2]));
  }
  assert.deepEqual(texts(table.column("s")), ["a", null, "b"]);
});

test("tab separators are detected; numeric-looking codes can be forced categorical", () => {
  const table = readCsv("zip\tv\n02139\t1\n10001\t2\n", { overrides: { zip: "categorical" } });
  assert.deepEqual(texts(table.column("zip")), ["02139", "10001"]);
  assert.equal(table.column("v").kind, "numeric");
});

test("a column with any non-numeric value is categorical", () => {
  const table = readCsv("v\n1\n2\nthree\n");
  assert.equal(table.column("v").kind, "categorical");
});

test("repeated header names are made unique as pandas does", () => {
  const table = readCsv("a,b,a,a\n1,2,3,4\n");
  assert.deepEqual(table.names, ["a", "b", "a.1", "a.2"]);
});

test("a row with the wrong number of fields names its line", () => {
  assert.throws(
    () => readCsv("a,b\n1,2\n3\n4,5\n", { source: "f.csv" }),
    /^DataError: f\.csv: line 3 has 1 fields, expected 2$/,
  );
  // A quoted newline earlier in the file still gives the right line, and comments and
  // blank lines are counted.
  assert.throws(
    () => readCsv('# note\na,b\n\n"x\ny",2\n1,2,3\n', { comments: "#" }),
    /line 6 has 3 fields, expected 2/,
  );
});

test("a value that breaks a numeric override names the column and the line", () => {
  assert.throws(
    () => readCsv("a\n1\nx\n", { overrides: { a: "numeric" } }),
    /column 'a' was declared numeric but has the value 'x' at line 3/,
  );
});
