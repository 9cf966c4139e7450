import assert from "node:assert/strict";
import { test } from "node:test";
import { DataError } from "../../src/common/errors.js";
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

test("the common spellings of a missing value are missing, and an empty field always is", () => {
  const spellings = ["", "?", "NA", "N/A", "n/a", "#N/A", "<NA>", "null", "NULL", "None", "NaN", "nan", "-"];
  const text = `id,v,g\n${spellings.map((token, i) => `${i},${token},${token}`).join("\n")}\n99,2.5,x\n`;
  const table = readCsv(text);
  const v = table.column("v");
  assert.equal(v.kind, "numeric");
  if (v.kind === "numeric") {
    assert.ok(Array.from(v.values.subarray(0, spellings.length)).every(Number.isNaN));
    assert.equal(v.values[spellings.length], 2.5);
  }
  assert.deepEqual(texts(table.column("g")), [...spellings.map(() => null), "x"]);
  // A reader given its own list still treats "" as missing: never a group named "".
  const own = readCsv("g,y\n,1\na,0\n", { missing: ["MISSING"] });
  assert.deepEqual(texts(own.column("g")), [null, "a"]);
});

test("an infinite value in a numeric column is refused with its line and column", () => {
  for (const token of ["inf", "Infinity", "-inf", "+INF", "1e400", "-2e308"]) {
    assert.throws(
      () => readCsv(`a,b\n1,2\n3,${token}\n5,6\n`, { source: "f.csv" }),
      (error: Error) =>
        error instanceof DataError &&
        error.message.startsWith(`column 'b' has the non-finite value '${token}' at line 3`) &&
        !error.message.includes("\n"),
      token,
    );
  }
  // Declared numeric: the same refusal; a text column that happens to hold "inf" is just text.
  assert.throws(
    () => readCsv("a\n1\ninf\n", { overrides: { a: "numeric" } }),
    /non-finite value 'inf' at line 3/,
  );
  assert.equal(readCsv("a\nx\ninf\ny\n").column("a").kind, "categorical");
});

test("a mostly numeric column with stray tokens is categorical with a warning naming it and the tokens", () => {
  const rows = Array.from(
    { length: 40 },
    (_, i) => `${i},${i % 20 === 7 ? "n.a." : i * 1.5},${i % 2 ? "u" : "v"}`,
  );
  const warnings: string[] = [];
  const table = readCsv(`id,score,kind\n${rows.join("\n")}\n`, {
    source: "s.csv",
    onWarning: (message) => warnings.push(message),
  });
  assert.equal(table.column("score").kind, "categorical");
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0],
    /^s\.csv: column 'score' is 95\.0% numbers but also holds 'n\.a\.' \(first at line 9\): read as categorical/,
  );
  // A column of words is not "mostly numeric": no warning.
  assert.equal(table.column("kind").kind, "categorical");
});

test("a column forced numeric that holds text names the column and the line", () => {
  assert.throws(
    () => readCsv("a\n1\nabc\n", { overrides: { a: "numeric" } }),
    /column 'a' was declared numeric but has the value 'abc' at line 3/,
  );
});
