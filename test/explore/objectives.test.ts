import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../../src/common/errors.js";
import {
  constraintValue,
  normalisedBalancedError,
  normalisedError,
  normalisedPrivacy,
  normalisedUnfairness,
  normaliseObjective,
  parseConstraint,
  parseObjectives,
  type TrialMetrics,
} from "../../src/explore/objectives.js";

const metrics = (overrides: Partial<TrialMetrics>): TrialMetrics => ({
  accuracy: 0.85,
  balancedAccuracy: 0.75,
  epsilon: 1,
  dpDifference: 0.1,
  eoDifference: 0.1,
  eopDifference: 0.1,
  ...overrides,
});

test("privacy normalisation follows DESIGN.md: 0.1 → 0, 1 → 1/3, 100 → 1, ∞ → 1", () => {
  assert.equal(normalisedPrivacy(0.1), 0);
  assert.ok(Math.abs(normalisedPrivacy(1) - 1 / 3) < 1e-15);
  assert.equal(normalisedPrivacy(100), 1);
  assert.equal(normalisedPrivacy(1e9), 1);
  assert.equal(normalisedPrivacy(Number.POSITIVE_INFINITY), 1);
  assert.equal(normalisedPrivacy(0.01), 0);
});

test("error normalisation: majority-class accuracy → 1, perfect → 0, worse than majority capped at 1", () => {
  assert.equal(normalisedError(0.75, 0.75), 1);
  assert.equal(normalisedError(1, 0.75), 0);
  assert.equal(normalisedError(0.5, 0.75), 1);
  assert.ok(Math.abs(normalisedError(0.85, 0.75) - 0.6) < 1e-12);
});

test("balanced-accuracy normalisation: the constant predictor's 0.5 → 1, perfect → 0, unknown → 1", () => {
  assert.equal(normalisedBalancedError(0.5), 1);
  assert.equal(normalisedBalancedError(0.4), 1);
  assert.equal(normalisedBalancedError(1), 0);
  assert.ok(Math.abs(normalisedBalancedError(0.8) - 0.4) < 1e-12);
  assert.equal(normalisedBalancedError(Number.NaN), 1);
  // A majority-class predictor on labels 89 % positive: accuracy 0.89, balanced accuracy 0.5.
  const basis = { majorityAccuracy: 0.89, referenceGaps: { dp: 0.1, eo: 0.1, eop: 0.1 } };
  const constant = metrics({ accuracy: 0.89, balancedAccuracy: 0.5 });
  assert.equal(normaliseObjective("balanced-accuracy", constant, basis), 1);
  assert.equal(normaliseObjective("accuracy", constant, basis), 1);
  const useful = metrics({ accuracy: 0.88, balancedAccuracy: 0.7 });
  assert.ok(Math.abs(normaliseObjective("balanced-accuracy", useful, basis) - 0.6) < 1e-12);
  assert.equal(normaliseObjective("accuracy", useful, basis), 1, "below majority accuracy: nothing");
});

test("unfairness normalisation: the reference gap → 1, zero gap → 0, larger gaps capped", () => {
  assert.equal(normalisedUnfairness(0.18, 0.18), 1);
  assert.equal(normalisedUnfairness(0, 0.18), 0);
  assert.equal(normalisedUnfairness(0.36, 0.18), 1);
  assert.ok(Math.abs(normalisedUnfairness(0.045, 0.18) - 0.25) < 1e-12);
});

test("objectives are parsed and unknown names rejected by name", () => {
  assert.deepEqual(parseObjectives("accuracy,epsilon,dp"), ["accuracy", "epsilon", "dp"]);
  assert.deepEqual(parseObjectives("balanced-accuracy,epsilon,dp"), ["balanced-accuracy", "epsilon", "dp"]);
  assert.throws(
    () => parseObjectives("accuracy,latency"),
    (e: Error) => e instanceof UsageError && /latency/.test(e.message),
  );
  assert.throws(() => parseObjectives("accuracy"), UsageError);
});

test("constraints: value ≤ 0 exactly when the bound holds, finite for a non-private model", () => {
  const eps8 = parseConstraint("epsilon<=8");
  assert.ok(constraintValue(eps8, metrics({ epsilon: 3 })) < 0);
  assert.ok(constraintValue(eps8, metrics({ epsilon: 9 })) > 0);
  assert.ok(Number.isFinite(constraintValue(eps8, metrics({ epsilon: Number.POSITIVE_INFINITY }))));
  assert.ok(constraintValue(eps8, metrics({ epsilon: Number.POSITIVE_INFINITY })) > 0);
  const acc = parseConstraint("accuracy>=0.8");
  assert.ok(constraintValue(acc, metrics({ accuracy: 0.85 })) < 0);
  assert.ok(constraintValue(acc, metrics({ accuracy: 0.75 })) > 0);
  const balanced = parseConstraint("balanced-accuracy>=0.7");
  assert.ok(constraintValue(balanced, metrics({ balancedAccuracy: 0.75 })) < 0);
  assert.ok(constraintValue(balanced, metrics({ balancedAccuracy: 0.6 })) > 0);
  assert.throws(() => parseConstraint("latency<=3"), /latency/);
  assert.throws(() => parseConstraint("epsilon<8"), UsageError);
});
