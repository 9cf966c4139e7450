import assert from "node:assert/strict";
import { test } from "node:test";
import { balancedClassWeights, meanClassWeight, rowWeights } from "../../src/explore/class-weights.js";

test("balanced class weights are scikit-learn's N/(K·n_c) scaled so that the largest is 1", () => {
  // 9 positives, 1 negative: scikit-learn gives 10/(2·1) = 5 and 10/(2·9) = 0.556.
  const labels = [0, 1, 1, 1, 1, 1, 1, 1, 1, 1];
  const weights = balancedClassWeights(labels, 2);
  const sklearn = [10 / (2 * 1), 10 / (2 * 9)];
  const expected = sklearn.map((w) => w / Math.max(...sklearn));
  for (const [c, w] of weights.entries()) assert.ok(Math.abs(w - expected[c]) < 1e-15, `class ${c}: ${w}`);
  // Each class then carries the same total weight.
  assert.ok(Math.abs(1 * weights[0] - 9 * weights[1]) < 1e-12);
  // Mean over the rows: K × the minority share.
  assert.ok(Math.abs(meanClassWeight(labels, weights) - 2 * 0.1) < 1e-12);
  assert.deepEqual([...rowWeights([1, 0], weights)], [Math.fround(1 / 9), 1]);
});

test("a class absent from the labels gets weight 1; no labels at all, every weight 1", () => {
  assert.deepEqual(balancedClassWeights([1, 1, 2], 3), [1, 0.5, 1]);
  assert.deepEqual(balancedClassWeights([], 2), [1, 1]);
  assert.equal(meanClassWeight([], [1, 1]), 1);
});
