import assert from "node:assert/strict";
import { before, test } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import type { SensitiveAttribute } from "../../src/data/types.js";
import {
  constraintValue,
  type NormalisationBasis,
  normalisedMembershipRisk,
  normaliseObjective,
  parseConstraint,
  parseObjectives,
  type TrialMetrics,
} from "../../src/explore/objectives.js";
import { studyMetrics } from "../../src/explore/sensitive-ldp.js";
import { explorerParameters, recipeOf } from "../../src/explore/space.js";
import { runTrial, type TrialData, type TrialSettings } from "../../src/explore/trial.js";
import { withMeasuredMetrics } from "../../src/explore/trial-interplay.js";
import { modelMetrics } from "../../src/fit/metrics.js";
import { privatiseAttribute } from "../../src/interplay/ldp.js";
import { syntheticTrialData } from "../helpers/trial-data.js";

const basis: NormalisationBasis = { majorityAccuracy: 0.75, referenceGaps: { dp: 0.2, eo: 0.2, eop: 0.2 } };
const metrics = (extra: Partial<TrialMetrics>): TrialMetrics => ({
  accuracy: 0.8,
  balancedAccuracy: 0.7,
  epsilon: 1,
  dpDifference: 0.1,
  eoDifference: 0.1,
  eopDifference: 0.1,
  ...extra,
});

test("privacy-cost-gap and mia are objectives and constraints, normalised into [0, 1]", () => {
  assert.deepEqual(parseObjectives("accuracy,epsilon,dp,privacy-cost-gap,mia"), [
    "accuracy",
    "epsilon",
    "dp",
    "privacy-cost-gap",
    "mia",
  ]);
  // g = gap / (1 − majority accuracy): 0.05 / 0.25.
  assert.equal(normaliseObjective("privacy-cost-gap", metrics({ privacyCostGap: 0.05 }), basis), 0.2);
  assert.equal(normaliseObjective("privacy-cost-gap", metrics({ privacyCostGap: 0.5 }), basis), 1);
  // m = 2·|AUC − 0.5|, symmetric, a missing AUC the worst.
  assert.equal(normalisedMembershipRisk(0.5), 0);
  assert.equal(normalisedMembershipRisk(0.75), 0.5);
  assert.equal(normalisedMembershipRisk(0.25), 0.5);
  assert.equal(normalisedMembershipRisk(1), 1);
  assert.equal(normalisedMembershipRisk(undefined), 1);
  assert.equal(normaliseObjective("mia", metrics({ membershipAuc: 0.6 }), basis), 0.19999999999999996);

  const gap = parseConstraint("privacy-cost-gap<=0.02");
  assert.ok(Math.abs(constraintValue(gap, metrics({ privacyCostGap: 0.05 })) - 0.03) < 1e-12);
  assert.ok(constraintValue(gap, metrics({ privacyCostGap: 0.01 })) < 0);
  const mia = parseConstraint("mia<=0.6");
  assert.ok(Math.abs(constraintValue(mia, metrics({ membershipAuc: 0.7 })) - 0.1) < 1e-12);
  // Never measured: counts as AUC 1, so the bound fails.
  assert.ok(constraintValue(mia, metrics({})) > 0);
  assert.throws(() => parseConstraint("privacy-cost-gaps<=0.1"), /unknown constraint metric/);
  assert.throws(() => parseConstraint("privacy-cost-gap<=2"), /must be in \[0, 1\]/);
  assert.throws(() => parseConstraint("mia<=-0.1"), /must be in \[0, 1\]/);
});

test("the interplay levers join the space only when asked, conditioned on DP where DP is a lever", () => {
  const profile = { trainRows: 2000, minorityShare: 0.4 };
  const names = (options: Parameters<typeof explorerParameters>[1]) =>
    explorerParameters(profile, options).map((p) => p.name);
  assert.ok(
    !names({ privacy: { kind: "private", epsilonLow: 0.1 }, classWeighting: false }).includes(
      "privateMethod",
    ),
  );
  const all = explorerParameters(profile, {
    privacy: { kind: "private", epsilonLow: 0.1 },
    classWeighting: false,
    interplayLevers: true,
  });
  const method = all.find((p) => p.name === "privateMethod");
  assert.ok(method && method.condition === undefined, "every trial is private: no condition on dp");
  const mixed = explorerParameters(profile, {
    privacy: { kind: "mixed", epsilonLow: 0.1 },
    classWeighting: false,
    interplayLevers: true,
  });
  assert.deepEqual(mixed.find((p) => p.name === "privateMethod")?.condition, {
    parameter: "dp",
    oneOf: [true],
  });
  assert.ok(
    !names({
      privacy: { kind: "selection", batches: [64], epochs: [1] },
      classWeighting: false,
      interplayLevers: true,
    }).includes("privateMethod"),
  );
  const base = { model: "logreg", lr: 0.5, epochs: 1, batch: 64, fairWeight: 0.01 };
  const f = recipeOf({ ...base, epsilon: 2, clip: 1, privateMethod: "dpsgd-f", groupClipGamma: 2 });
  assert.equal(f.privateMethod, "dpsgd-f");
  assert.equal(f.groupClipGamma, 2);
  const plain = recipeOf({ ...base, dp: false, privateMethod: "dpsgd-f", groupClipGamma: 2 });
  assert.equal(plain.privateMethod, "dp-sgd", "a non-private trial clips nothing");
});

let data: TrialData;
before(async () => {
  data = await syntheticTrialData();
});

const settings: TrialSettings = {
  delta: 1e-5,
  accountant: "rdp",
  fairness: "demographic_parity",
  noise: "seeded",
  measure: { privacyCost: true, membershipRisk: true },
};

test("a private trial stores its per-group cost against its matched model, and DPSGD-F keeps the trial's epsilon", () => {
  const config = { model: "logreg", epsilon: 1, clip: 0.5, lr: 0.5, epochs: 2, batch: 64, fairWeight: 0.01 };
  const plain = runTrial({ ...config, privateMethod: "dp-sgd" }, 11, data, settings);
  const grouped = runTrial({ ...config, privateMethod: "dpsgd-f", groupClipGamma: 2 }, 11, data, settings);
  assert.equal(grouped.recipe.privateMethod, "dpsgd-f");
  // The counts' noise is carved out of the same noise multiplier: the same ε.
  assert.equal(grouped.privacy?.trainingEpsilon, plain.privacy?.trainingEpsilon);
  // The gradient's σ is the planned one over √(1 − ρ), ρ = 0.05 spent on the counts.
  assert.ok(Math.abs(grouped.privacy!.noise - plain.privacy!.noise / Math.sqrt(0.95)) < 1e-9);
  for (const outcome of [plain, grouped]) {
    const cost = outcome.privacyCost;
    assert.ok(cost, "a private trial has a privacy cost");
    assert.match(cost.notCoveredByEpsilon, /NOT covered by epsilon/);
    assert.equal(cost.matched.test.epsilon, "Infinity", "the matched model is not private");
    // The matched model is one model: both trials (same seed, same recipe but DP) share it.
    for (const group of cost.test.groups) {
      const priv = outcome.test.perGroup.group[group.group];
      assert.equal(group.private.accuracy, priv.accuracy);
      assert.equal(group.accuracyCost, group.matched.accuracy - priv.accuracy);
    }
    const costs = cost.test.groups.map((g) => g.accuracyCost);
    assert.ok(Math.abs(cost.test.accuracyCostDisparity - (Math.max(...costs) - Math.min(...costs))) < 1e-12);
    const measured = withMeasuredMetrics(outcome.validation, outcome, "validation");
    assert.equal(measured.privacyCostGap, cost.validation.accuracyCostDisparity);
    assert.ok(
      outcome.membership && outcome.membership.validationAuc >= 0 && outcome.membership.validationAuc <= 1,
    );
  }
  assert.deepEqual(
    plain.privacyCost?.matched,
    grouped.privacyCost?.matched,
    "same recipe and seed: same matched model",
  );
  // A non-private trial costs no group anything and trains no matched model.
  const open = runTrial({ ...config, dp: false }, 11, data, settings);
  assert.equal(open.privacyCost, undefined);
  assert.equal(withMeasuredMetrics(open.validation, open, "validation").privacyCostGap, 0);
});

test("with locally private attributes the study's gaps are debiased, not the attenuated naive ones", () => {
  const rows = 20_000;
  const random = createRandom(3);
  const codes = new Int32Array(rows);
  const yTrue = new Float32Array(rows);
  const yPred = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    codes[i] = random.uniform() < 0.4 ? 1 : 0;
    yTrue[i] = random.uniform() < 0.5 ? 1 : 0;
    // Selection rates 0.6 and 0.3: a demographic parity difference of 0.3.
    yPred[i] = random.uniform() < (codes[i] === 1 ? 0.3 : 0.6) ? 1 : 0;
  }
  const truth: SensitiveAttribute = { name: "g", categories: ["a", "b"], codes };
  const reported = privatiseAttribute(truth, 1, createRandom(4));
  const exact = modelMetrics(yTrue, yPred, [truth], 0, 1).dpDifference;
  const naive = modelMetrics(yTrue, yPred, [reported], 0, 1).dpDifference;
  const debiased = studyMetrics(yTrue, yPred, [reported], 0, 1);
  assert.ok(naive < exact - 0.1, `randomized response attenuates the gap: ${naive} vs ${exact}`);
  assert.ok(Math.abs(debiased.dpDifference - exact) < 0.05, `${debiased.dpDifference} vs ${exact}`);
  const groups = debiased.perGroup.g;
  assert.ok(Math.abs(groups.a.selectionRate - 0.6) < 0.05 && Math.abs(groups.b.selectionRate - 0.3) < 0.05);
  // The true attribute is left as modelMetrics reads it.
  assert.deepEqual(studyMetrics(yTrue, yPred, [truth], 0, 1), modelMetrics(yTrue, yPred, [truth], 0, 1));
});
