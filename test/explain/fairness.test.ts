import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import type { SensitiveAttribute } from "../../src/data/types.js";
import type { Examples } from "../../src/explain/data.js";
import { explainFairness } from "../../src/explain/fairness/explain-fairness.js";
import { looUnfairness } from "../../src/explain/fairness/loo-unfairness.js";
import { searchPatterns } from "../../src/explain/fairness/patterns.js";
import {
  decisions,
  fairnessGap,
  gapSurrogate,
  surrogateQuery,
  surrogateValue,
} from "../../src/explain/fairness/surrogate.js";
import { describeColumns } from "../../src/explain/features.js";
import { influence } from "../../src/explain/influence/influence.js";
import { refitWithout } from "../../src/explain/loo.js";
import { fitLogisticRegression } from "../../src/explain/models/logistic.js";
import { adultData } from "./helpers.js";

/**
 * Columns: x (numeric), g (group, one-hot), job (3 categories, one-hot). Group 1 gets
 * positive labels more often; rows with job = c and group 1 are labelled positive
 * regardless of x: a planted pocket of rows behind the gap.
 */
function biased(n: number, seed: number): { examples: Examples; attribute: SensitiveAttribute } {
  const random = createRandom(seed);
  const cols = 6;
  const X = new Float64Array(n * cols);
  const y = new Float64Array(n);
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const x = random.normal();
    const group = random.integer(2);
    const job = random.integer(3);
    X[i * cols] = x;
    X[i * cols + 1 + group] = 1;
    X[i * cols + 3 + job] = 1;
    codes[i] = group;
    y[i] = job === 2 && group === 1 ? 1 : x + 0.3 * group + 0.5 * random.normal() > 0.3 ? 1 : 0;
  }
  return { examples: { rows: n, cols, X, y }, attribute: { name: "g", categories: ["a", "b"], codes } };
}

const featureNames = ["x", "g=a", "g=b", "job=a", "job=b", "job=c"];
const preprocessor = {
  format: "equipoise-preprocessor",
  version: 1,
  kind: "tabular",
  transforms: [
    { kind: "standardise", column: "x", mean: 0, sd: 1 },
    { kind: "one-hot", column: "g", categories: ["a", "b"] },
    { kind: "one-hot", column: "job", categories: ["a", "b", "c"] },
  ],
};

describe("fairness surrogates", () => {
  const { examples, attribute } = biased(600, 1);
  const model = fitLogisticRegression(examples, { C: 1 }).model;

  it("compare the groups that define the hard gap, with probabilities in place of decisions", () => {
    const surrogate = gapSurrogate(model, examples, attribute, "demographic_parity");
    assert.equal(surrogate.higher, "b");
    assert.equal(surrogate.lower, "a");
    const P = model.probabilities(examples);
    const mean = (g: number) => {
      let s = 0;
      let c = 0;
      for (let i = 0; i < examples.rows; i++) {
        if (attribute.codes[i] !== g) continue;
        s += P[2 * i + 1];
        c++;
      }
      return s / c;
    };
    assert.ok(Math.abs(surrogateValue(model, examples, surrogate) - (mean(1) - mean(0))) < 1e-12);
    assert.ok(fairnessGap("demographic_parity", examples.y, decisions(model, examples), attribute) > 0.1);
    const odds = gapSurrogate(model, examples, attribute, "equalized_odds");
    assert.ok(odds.labelClass === 0 || odds.labelClass === 1);
  });

  it("influence on the surrogate predicts the retrained change of removing a row", () => {
    const surrogate = gapSurrogate(model, examples, attribute, "demographic_parity");
    const rows = [0, 10, 20, 30, 40];
    const predicted = influence(model, surrogateQuery(model, examples, surrogate), {
      method: "exact",
      trainRows: rows,
    });
    const before = surrogateValue(model, examples, surrogate);
    rows.forEach((row, k) => {
      const actual =
        surrogateValue(model.withParameters(refitWithout(model, row).parameters), examples, surrogate) -
        before;
      assert.ok(
        Math.abs(actual - predicted.matrix[k]) < 0.05 * Math.abs(actual) + 1e-7,
        `row ${row}: ${actual} vs ${predicted.matrix[k]}`,
      );
    });
  });

  it("find the planted group of rows behind the gap", () => {
    const surrogate = gapSurrogate(model, examples, attribute, "demographic_parity");
    const scores = influence(model, surrogateQuery(model, examples, surrogate), { method: "exact" }).matrix;
    const columns = describeColumns(featureNames, preprocessor);
    const found = searchPatterns(columns, examples, scores, { minSupport: 0.02, maxSupport: 0.3 });
    const text = found
      .slice(0, 3)
      .map((p) => p.predicates.map((q) => `${q.column}${q.op}${q.value}`).join("&"));
    assert.ok(
      text.some((t) => t.includes("job=c")),
      text.join(" | "),
    );
  });

  it("leave-one-out unfairness: the screened count equals re-scoring every test row", () => {
    const test = biased(300, 2);
    const rows = Int32Array.from({ length: 40 }, (_, i) => i * 15);
    const screened = looUnfairness(model, test.examples, test.attribute, rows);
    const base = decisions(model, test.examples);
    rows.forEach((row, r) => {
      const after = decisions(model.withParameters(refitWithout(model, row).parameters), test.examples);
      let flips = 0;
      for (let t = 0; t < after.length; t++) if (after[t] !== base[t]) flips++;
      assert.equal(screened.flipsPerTrainRow[r], flips, `row ${row}`);
    });
  });
});

describe("the training rows behind the gap on Adult (sex, demographic parity)", () => {
  it("removing 1 % of the rows most harmful to the surrogate narrows the gap at least as much as the reference (0.184 → 0.157)", async () => {
    const data = await adultData();
    const model = fitLogisticRegression(data.train, { C: 1 }).model;
    const sex = (split: typeof data.task.train) => split.sensitive.find((a) => a.name === "sex")!;
    const result = explainFairness(
      model,
      data.test,
      sex(data.task.train),
      sex(data.task.test),
      data.columns,
      {
        patterns: { count: 0 },
        looRows: 0,
        randomRepeats: 1,
      },
    );
    assert.equal(result.before.test.toFixed(3), "0.184");
    const reduction = (after: number, before: number) => before - after;
    assert.ok(result.removal.after.test <= 0.157, `all test rows: ${result.removal.after.test}`);
    for (const half of [0, 1]) {
      const r = reduction(result.removal.after.testHalves[half], result.before.testHalves[half]);
      assert.ok(r >= 0.027, `half ${half}: reduction ${r}`);
    }
    assert.ok(Math.abs(result.removal.random.mean.test - result.before.test) < 0.005);
  });
});
