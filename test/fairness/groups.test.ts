import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_CATEGORIES } from "../../src/common/limits.js";
import { MetricFrame, validateSensitiveAttributes } from "../../src/fairness/index.js";

describe("validateSensitiveAttributes: one check of sensitive columns for every command", () => {
  it("treats an empty value as missing, not as a group named '', and says how many rows it leaves out", () => {
    const checked = validateSensitiveAttributes(
      [
        { name: "sex", values: ["F", "", "M", " ", null, "M"] },
        { name: "age", values: [30, 40, 30, 40, 30, Number.NaN] },
      ],
      6,
    );
    assert.deepEqual(Array.from(checked.rows), [0, 2]);
    assert.deepEqual(checked.features[0].categories, ["F", "M"]);
    assert.deepEqual(Array.from(checked.features[0].codes), [0, 1]);
    assert.deepEqual(checked.features[1].categories, ["30", "40"]);
    assert.deepEqual(checked.warnings, [
      "'sex' has no value in 3 of 6 rows: they are left out",
      "'age' has no value in 1 of 6 rows: they are left out",
      "'age' has one group in these rows: every gap is 0 by construction",
    ]);
  });

  it(`refuses more than ${MAX_CATEGORIES} groups in a column, naming it and the count`, () => {
    const values = (groups: number) => Array.from({ length: 500 }, (_, i) => `g${i % groups}`);
    assert.equal(
      validateSensitiveAttributes([{ name: "id", values: values(MAX_CATEGORIES) }], 500).warnings.length,
      0,
    );
    assert.throws(
      () => validateSensitiveAttributes([{ name: "id", values: values(500) }], 500),
      /sensitive column 'id' has 500 distinct values; group it first \(at most 50\)/,
    );
  });

  it("warns when a column has one group in the rows at hand", () => {
    const checked = validateSensitiveAttributes([{ name: "sex", values: ["Male", "Male", "Male"] }], 3);
    assert.deepEqual(checked.warnings, ["'sex' has one group in these rows: every gap is 0 by construction"]);
  });

  it("reads a coded attribute's negative codes as missing, and orders numeric values numerically", () => {
    const checked = validateSensitiveAttributes(
      [
        { name: "race", categories: ["a", "b"], codes: [0, -1, 1, 1] },
        { name: "band", values: ["10", "9", "100", "9"] },
      ],
      4,
    );
    assert.deepEqual(Array.from(checked.rows), [0, 2, 3]);
    assert.deepEqual(checked.features[1].categories, ["9", "10", "100"]);
    assert.deepEqual(Array.from(checked.features[1].codes), [1, 2, 0]);
    assert.throws(
      () => validateSensitiveAttributes([{ name: "x", values: ["", ""] }], 2),
      /no row has a value/,
    );
  });

  it("a MetricFrame refuses an empty group value instead of reporting a group ''", () => {
    assert.throws(
      () =>
        new MetricFrame({
          metrics: ["selection_rate"],
          yTrue: [1, 0, 1],
          yPred: [1, 0, 0],
          sensitiveFeatures: [{ name: "sex", values: ["F", "", "M"] }],
        }),
      /sensitive feature 'sex' has no value at row 1: an empty value is missing, not a group/,
    );
  });
});
