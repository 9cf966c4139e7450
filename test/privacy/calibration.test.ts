import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/common/errors.js";
import { calibrateNoise, epsilonForNoise, stepsForEpochs } from "../../src/privacy/calibration.js";

const isOneLineUserError = (pattern: RegExp) => (error: unknown) =>
  error instanceof UserError && pattern.test(error.message) && !error.message.includes("\n");

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

test("a small target is met within 1% of itself, not within an absolute 0.01 it would swallow", () => {
  const request = { targetEpsilon: 0.004, delta: 1e-5, sampleRate: 0.01, steps: 1000 };
  const { noise, epsilon } = calibrateNoise(request);
  assert.ok(epsilon <= 0.004 && epsilon >= 0.004 * 0.99, `${epsilon}`);
  assert.ok(epsilonForNoise(noise * 0.95, request) > 0.004);
});

test("epochs form: steps = round(epochs / q)", () => {
  assert.equal(stepsForEpochs(10, 256 / 30162), 10 * Math.round(30162 / 256));
  assert.equal(stepsForEpochs(3, 1 / 118), 354);
});

test("an unreachable target gives one clear user error naming the floor", () => {
  // With δ = 1e-5 the widest RDP order (4096) cannot certify less than ≈ 5.4e-4.
  assert.throws(
    () => calibrateNoise({ targetEpsilon: 1e-4, delta: 1e-5, sampleRate: 0.01, steps: 100 }),
    isOneLineUserError(
      /cannot be reached with any noise multiplier up to 1000000: epsilon stays at 0\.000536 or more/,
    ),
  );
});

test("edges terminate with a number or one clear line: large δ with PRV, huge targets, bad inputs", () => {
  const large = calibrateNoise({
    targetEpsilon: 1,
    delta: 0.5,
    sampleRate: 0.01,
    steps: 200,
    accountant: "prv",
  });
  assert.ok(large.epsilon <= 1 && large.epsilon > 0.98 && large.noise > 0.1, JSON.stringify(large));
  const huge = calibrateNoise({ targetEpsilon: 1e6, delta: 1e-5, sampleRate: 0.01, steps: 1000 });
  assert.ok(huge.epsilon <= 1e6 && huge.noise > 0 && huge.noise < 0.1, JSON.stringify(huge));
  const trivial = calibrateNoise({ targetEpsilon: 1e300, delta: 1e-5, sampleRate: 0.01, steps: 10 });
  assert.equal(trivial.noise, 1e-4);
  assert.match(trivial.warnings?.[0] ?? "", /smallest noise multiplier searched/);
  const cases: [Parameters<typeof calibrateNoise>[0], RegExp][] = [
    [{ targetEpsilon: 0, delta: 1e-5, sampleRate: 0.01, steps: 10 }, /target epsilon must be/],
    [{ targetEpsilon: 1, delta: 1, sampleRate: 0.01, steps: 10 }, /delta must be in \(0, 1\)/],
    [{ targetEpsilon: 1, delta: 1e-5, sampleRate: 0, steps: 10 }, /sample rate must be in/],
    [{ targetEpsilon: 1, delta: 1e-5, sampleRate: 0.1, steps: 2.5 }, /steps must be a whole number/],
  ];
  for (const [request, message] of cases)
    assert.throws(() => calibrateNoise(request), isOneLineUserError(message));
});
