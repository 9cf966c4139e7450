import assert from "node:assert/strict";
import { test } from "node:test";
import { type Column, cellText, readArff } from "../../src/data/index.js";

const texts = (column: Column) =>
  Array.from({ length: column.kind === "numeric" ? column.values.length : column.codes.length }, (_, i) =>
    cellText(column, i),
  );

const SAMPLE = `% a comment
@RELATION 'test data'

@ATTRIBUTE width  NUMERIC
@attribute 'colour name' {red, 'dark blue', green}
@attribute note string
@attribute n integer
% another comment
@data
1.5, red, 'hello, world', 3
?, 'dark blue', "it's", ?
% a comment inside the data
-2,?,'?',7
`;

test("numeric, nominal, string, quoted values, comments and '?'", () => {
  const { relation, table } = readArff(SAMPLE);
  assert.equal(relation, "test data");
  assert.deepEqual(table.names, ["width", "colour name", "note", "n"]);
  const width = table.column("width");
  assert.equal(width.kind, "numeric");
  if (width.kind === "numeric") {
    assert.equal(width.values[0], 1.5);
    assert.ok(Number.isNaN(width.values[1]));
    assert.equal(width.values[2], -2);
  }
  const colour = table.column("colour name");
  assert.equal(colour.kind, "categorical");
  // Declared order is kept, including categories that never occur.
  if (colour.kind === "categorical") assert.deepEqual(colour.categories, ["red", "dark blue", "green"]);
  assert.deepEqual(texts(colour), ["red", "dark blue", null]);
  // A quoted '?' is the text "?", not a missing value.
  assert.deepEqual(texts(table.column("note")), ["hello, world", "it's", "?"]);
});

test("errors name the line: wrong field count, undeclared nominal value, bad number", () => {
  const head = "@relation r\n@attribute a numeric\n@attribute b {x,y}\n@data\n";
  assert.throws(() => readArff(`${head}1,x\n2\n`, "r.arff"), /r\.arff: line 6 has 1 fields, expected 2/);
  assert.throws(() => readArff(`${head}1,z\n`), /undeclared value 'z'/);
  assert.throws(() => readArff(`${head}one,x\n`), /numeric attribute 'a' has the value 'one'/);
  assert.throws(() => readArff("@relation r\n@attribute a numeric\n"), /no @data section/);
});

test("a number that overflows in a numeric attribute is refused with its line", () => {
  const head = "@relation r\n@attribute a numeric\n@data\n";
  assert.throws(
    () => readArff(`${head}1\n1e999\n`, "r.arff"),
    /r\.arff: line 5: numeric attribute 'a' has the non-finite value '1e999'/,
  );
});
