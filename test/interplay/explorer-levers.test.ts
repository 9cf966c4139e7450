import assert from "node:assert/strict";
import { test } from "node:test";
import { explorerParameters } from "../../src/explore/space.js";
import { interplayParameters, normalisedPrivacyCostGap } from "../../src/interplay/explorer-levers.js";
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

test("the interplay parameters join the default space: γ only under DPSGD-F, DPSGD-F only under DP", () => {
  // The space validates that every condition names an earlier parameter and a possible value.
  assert.doesNotThrow(() => new SearchSpace([...defaultParameters, ...interplayParameters]));
  assert.throws(() => new SearchSpace([...defaultParameters, ...[...interplayParameters].reverse()]));
  const names = interplayParameters.map((p) => p.name);
  assert.deepEqual(names, ["privateMethod", "groupClipGamma"]);
  assert.deepEqual(interplayParameters[0].condition, { parameter: "dp", oneOf: [true] });
  assert.deepEqual(interplayParameters[1].condition, { parameter: "privateMethod", oneOf: ["dpsgd-f"] });
});
