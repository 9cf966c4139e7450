import assert from "node:assert/strict";
import { test } from "node:test";
import { type Split, splitValidation, stratifiedSplit } from "../../src/data/index.js";

const labels = Float32Array.from({ length: 1000 }, (_, i) => (i % 10 < 3 ? 1 : 0)); // 300 positives

test("stratified split: disjoint, complete, class shares kept, reproducible by seed", () => {
  const { train, test: held } = stratifiedSplit(labels, 0.3, 7);
  assert.equal(train.length + held.length, 1000);
  assert.equal(new Set([...train, ...held]).size, 1000);
  const positives = (indices: Int32Array) => indices.reduce((n, i) => n + labels[i], 0);
  assert.equal(held.length, 300);
  assert.equal(positives(held), 90); // round(300 * 0.3)
  assert.equal(positives(train), 210);
  assert.deepEqual(stratifiedSplit(labels, 0.3, 7), { train, test: held });
  assert.notDeepEqual(stratifiedSplit(labels, 0.3, 8).test, held);
});

test("splitValidation keeps X rows, labels and sensitive codes together", () => {
  const n = 50;
  const split: Split = {
    X: { rows: n, cols: 2, data: Float32Array.from({ length: 2 * n }, (_, k) => Math.floor(k / 2)) },
    y: Float32Array.from({ length: n }, (_, i) => i % 2),
    sensitive: [
      { name: "g", categories: ["a", "b"], codes: Int32Array.from({ length: n }, (_, i) => i % 2) },
    ],
  };
  const { train, validation } = splitValidation(split, 0.2, 1);
  assert.equal(validation.X.rows, 10);
  assert.equal(train.X.rows, 40);
  for (const part of [train, validation]) {
    for (let i = 0; i < part.X.rows; i++) {
      const original = part.X.data[2 * i];
      assert.equal(part.X.data[2 * i + 1], original);
      assert.equal(part.y[i], original % 2);
      assert.equal(part.sensitive[0].codes[i], original % 2);
    }
  }
  assert.equal(
    validation.y.reduce((a, b) => a + b, 0),
    5,
  );
});
