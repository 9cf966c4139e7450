import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import type { Examples } from "../../src/explain/data.js";
import { createThreadRunner } from "../../src/explain/parallel/node-threads.js";
import { numpySquaredDistance } from "../../src/explain/valuation/distances.js";
import { knnShapley, knnShapleyParallel } from "../../src/explain/valuation/knn-shapley.js";
import { fixtures } from "../helpers/shared.js";
import { adultData, maxAbsDifference } from "./helpers.js";

/** Rows with 3 numeric columns (few distinct values, so exact ties occur), a 3-way and a 2-way one-hot block. */
function tiedData(n: number, seed: number): Examples {
  const random = createRandom(seed);
  const cols = 8;
  const X = new Float64Array(n * cols);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 3; j++) X[i * cols + j] = (random.integer(4) - 1.5) * 0.7;
    X[i * cols + 3 + random.integer(3)] = 1;
    X[i * cols + 6 + random.integer(2)] = 1;
    y[i] = random.integer(2);
  }
  return { rows: n, cols, X, y };
}

/** The straightforward algorithm: every distance in NumPy order, a full stable sort, the recursion. */
function straightforward(train: Examples, test: Examples, k: number): Float64Array {
  const n = train.rows;
  const values = new Float64Array(n);
  for (let t = 0; t < test.rows; t++) {
    const d = Array.from({ length: n }, (_, i) =>
      numpySquaredDistance(train.X, i * train.cols, test.X, t * test.cols, train.cols),
    );
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => d[a] - d[b] || a - b);
    const match = order.map((i) => (train.y[i] === test.y[t] ? 1 : 0));
    const s = new Float64Array(n);
    s[n - 1] = match[n - 1] / n;
    for (let i = n - 2; i >= 0; i--)
      s[i] = s[i + 1] + ((match[i] - match[i + 1]) / k) * (Math.min(k, i + 1) / (i + 1));
    for (let rank = 0; rank < n; rank++) values[order[rank]] += s[rank] / test.rows;
  }
  return values;
}

/** Shapley values by enumerating every subset, for the KNN utility U(S) = (1/K) Σ_{k ≤ min(K,|S|)} 1[y_(k) = y_t]. */
function bruteForceShapley(train: Examples, test: Examples, k: number): Float64Array {
  const n = train.rows;
  const factorial = (m: number): number => (m <= 1 ? 1 : m * factorial(m - 1));
  const utility = (mask: number): number => {
    let total = 0;
    for (let t = 0; t < test.rows; t++) {
      const members = Array.from({ length: n }, (_, i) => i).filter((i) => mask & (1 << i));
      const d = (i: number) =>
        numpySquaredDistance(train.X, i * train.cols, test.X, t * test.cols, train.cols);
      members.sort((a, b) => d(a) - d(b) || a - b);
      let u = 0;
      for (let j = 0; j < Math.min(k, members.length); j++) if (train.y[members[j]] === test.y[t]) u++;
      total += u / k;
    }
    return total / test.rows;
  };
  const values = new Float64Array(n);
  for (let mask = 0; mask < 1 << n; mask++) {
    const size = mask
      .toString(2)
      .split("")
      .filter((c) => c === "1").length;
    for (let i = 0; i < n; i++) {
      if (mask & (1 << i)) continue;
      const weight = (factorial(size) * factorial(n - size - 1)) / factorial(n);
      values[i] += weight * (utility(mask | (1 << i)) - utility(mask));
    }
  }
  return values;
}

describe("exact KNN-Shapley", () => {
  it("is the Shapley value of the KNN utility (every subset enumerated)", () => {
    const train = tiedData(7, 1);
    const test = tiedData(3, 2);
    for (const k of [1, 3]) {
      assert.ok(
        maxAbsDifference(knnShapley(train, test, k), bruteForceShapley(train, test, k)) < 1e-12,
        `K = ${k}`,
      );
    }
  });

  it("equals the straightforward algorithm bit for bit in the ranking, with exact ties and one-hot blocks", () => {
    const train = tiedData(400, 3);
    const test = tiedData(40, 4);
    assert.ok(maxAbsDifference(knnShapley(train, test, 5), straightforward(train, test, 5)) < 1e-15);
  });

  it("is efficient: the values sum to the utility of the full training set", () => {
    const train = tiedData(300, 5);
    const test = tiedData(25, 6);
    const values = knnShapley(train, test, 10);
    let utility = 0;
    for (let t = 0; t < test.rows; t++) {
      const d = Array.from({ length: train.rows }, (_, i) =>
        numpySquaredDistance(train.X, i * 8, test.X, t * 8, 8),
      );
      const order = Array.from({ length: train.rows }, (_, i) => i).sort((a, b) => d[a] - d[b] || a - b);
      utility += order.slice(0, 10).filter((i) => train.y[i] === test.y[t]).length / 10 / test.rows;
    }
    assert.ok(Math.abs(values.reduce((a, b) => a + b, 0) - utility) < 1e-12);
  });

  it("gives the same values on worker threads", async () => {
    const train = tiedData(500, 7);
    const test = tiedData(60, 8);
    const runner = createThreadRunner(2);
    try {
      const parallel = await knnShapleyParallel(train, test, 10, runner);
      assert.ok(maxAbsDifference(parallel, knnShapley(train, test, 10)) < 1e-15);
    } finally {
      await runner.close();
    }
  });
});

describe("KNN-Shapley on Adult, K = 10 (reference: NumPy, test/fixtures/explain/make_fixtures.py)", () => {
  const reference = JSON.parse(readFileSync(join(fixtures, "explain", "knn-shapley-adult.json"), "utf8"));
  const check = (values: Float64Array, expected: typeof reference.all) => {
    expected.sampleRows.forEach((row: number, k: number) => {
      assert.ok(
        Math.abs(values[row] - expected.sampleValues[k]) <= 1e-12,
        `row ${row}: ${values[row]} vs ${expected.sampleValues[k]}`,
      );
    });
  };

  it("the first 200 test rows: equal to the reference to 1e-12", async () => {
    const data = await adultData();
    const values = knnShapley(
      data.train,
      data.test,
      10,
      Int32Array.from({ length: 200 }, (_, i) => i),
    );
    check(values, reference.first200);
  });

  it("every training row against all 15,060 test rows: the issue's published checks", async () => {
    const data = await adultData();
    const runner = createThreadRunner(2);
    let values: Float64Array;
    try {
      values = await knnShapleyParallel(data.train, data.test, 10, runner);
    } finally {
      await runner.close();
    }
    check(values, reference.all);
    let sum = 0;
    let negative = 0;
    for (const v of values) {
      sum += v;
      if (v < 0) negative++;
    }
    assert.equal(sum.toFixed(6), "0.789920");
    assert.equal(Math.min(...values).toExponential(3), "-5.025e-4");
    assert.equal(Math.max(...values).toExponential(3), "1.053e-4");
    assert.equal(((100 * negative) / values.length).toFixed(2), "15.22");
    const order = Array.from(values.keys()).sort((a, b) => values[b] - values[a] || a - b);
    assert.deepEqual(order.slice(0, 5), [4670, 23999, 8942, 26782, 11511]);
    assert.deepEqual(order.slice(-5).reverse(), [1341, 10917, 8219, 17180, 21568]);
  });
});
