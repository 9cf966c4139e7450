import assert from "node:assert/strict";
import { test } from "node:test";
import { explorerParameters } from "../../src/explore/space.js";
import {
  interplayParameters,
  normalisedPrivacyCostGap,
  privateFairStatisticsNoise,
  STATISTICS_EPSILON_SHARE,
} from "../../src/interplay/explorer-levers.js";
import { createAccountant } from "../../src/privacy/accounting.js";
import { SearchSpace } from "../../src/search/index.js";

test("the normaliser measures the gap in units of the majority predictor's error, clamped to [0, 1]", () => {
  assert.ok(Math.abs(normalisedPrivacyCostGap(0.02, 0.76) - 0.02 / 0.24) < 1e-15);
  assert.equal(normalisedPrivacyCostGap(0.5, 0.76), 1);
  assert.equal(normalisedPrivacyCostGap(0, 1), 0);
  assert.equal(normalisedPrivacyCostGap(0.1, 1), 1);
});

// The explorer's space when DP is a lever (ε not an objective): it has the "dp" parameter.
const defaultParameters = explorerParameters(
  { trainRows: 30_000, minorityShare: 0.25 },
  { privacy: { kind: "mixed", epsilonLow: 0.1 }, classWeighting: false },
);

test("the interplay parameters join the default space: γ only under DPSGD-F, the allowed violation only under private fair learning, both only under DP", () => {
  // The space validates that every condition names an earlier parameter and a possible value.
  assert.doesNotThrow(() => new SearchSpace([...defaultParameters, ...interplayParameters]));
  assert.throws(() => new SearchSpace([...defaultParameters, ...[...interplayParameters].reverse()]));
  const names = interplayParameters.map((p) => p.name);
  assert.deepEqual(names, ["privateMethod", "groupClipGamma", "fairBound"]);
  assert.deepEqual(interplayParameters[0].condition, { parameter: "dp", oneOf: [true] });
  assert.deepEqual(interplayParameters[1].condition, { parameter: "privateMethod", oneOf: ["dpsgd-f"] });
  assert.deepEqual(interplayParameters[2].condition, {
    parameter: "privateMethod",
    oneOf: ["dp-fair-reductions"],
  });
});

test("the private fair statistics' noise: 10·√(1 + T) at large targets, a quarter of the target at small ones", () => {
  const rounds = 5;
  const statisticsEpsilon = (noise: number) => {
    const accountant = createAccountant("rdp");
    accountant.step(1, noise, 1 + rounds);
    return accountant.epsilon(1e-5);
  };
  const floor = 10 * Math.sqrt(1 + rounds);
  assert.equal(
    privateFairStatisticsNoise({ rounds, targetEpsilon: 8, delta: 1e-5, accountant: "rdp" }),
    floor,
  );
  // The floor's cost, by a fresh accountant: one Gaussian release at σ = 10, 0.375 (RDP).
  assert.ok(Math.abs(statisticsEpsilon(floor) - 0.375) < 0.001, `${statisticsEpsilon(floor)}`);
  // Where a quarter of the target is above the floor's cost, the floor rules.
  assert.equal(
    privateFairStatisticsNoise({ rounds, targetEpsilon: 1.6, delta: 1e-5, accountant: "rdp" }),
    floor,
  );
  let previous = floor;
  for (const target of [1, 0.5, 0.2, 0.1]) {
    const noise = privateFairStatisticsNoise({
      rounds,
      targetEpsilon: target,
      delta: 1e-5,
      accountant: "rdp",
    });
    assert.ok(noise > previous, `smaller targets, more noise (${target})`);
    previous = noise;
    const spent = statisticsEpsilon(noise);
    const share = STATISTICS_EPSILON_SHARE * target;
    assert.ok(spent <= share && spent >= share - Math.min(0.01, 0.01 * share), `${target}: ${spent}`);
  }
});
