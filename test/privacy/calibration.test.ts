import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/common/errors.js";
import { calibrateNoise, epsilonForNoise, stepsForEpochs } from "../../src/privacy/calibration.js";

test("calibrated noise reaches the target: epsilon <= target, within 0.01, and it is the smallest such noise", () => {
  for (const accountant of ["rdp", "prv"] as const) {
    for (const targetEpsilon of [0.5, 3]) {
      const request = { targetEpsilon, delta: 1e-5, sampleRate: 0.01, steps: 500, accountant };
      const { noise, epsilon } = calibrateNoise(request);
      assert.ok(
        epsilon <= targetEpsilon && targetEpsilon - epsilon <= 0.01,
        `${accountant} ${targetEpsilon}: ${epsilon}`,
      );
      assert.equal(epsilon, epsilonForNoise(noise, request));
      // 1% less noise overshoots the target.
      assert.ok(epsilonForNoise(noise * 0.99, request) > targetEpsilon);
    }
  }
});

test("epochs form: steps = round(epochs / q)", () => {
  assert.equal(stepsForEpochs(10, 256 / 30162), 10 * Math.round(30162 / 256));
  assert.equal(stepsForEpochs(3, 1 / 118), 354);
});

test("an unreachable target gives one clear user error", () => {
  assert.throws(
    () => calibrateNoise({ targetEpsilon: 0.01, delta: 1e-5, sampleRate: 0.01, steps: 100 }),
    (error: unknown) =>
      error instanceof UserError && /cannot be reached/.test(error.message) && !error.message.includes("\n"),
  );
});
