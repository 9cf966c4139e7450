import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeError } from "../../src/cli/main.js";
import { createRandom } from "../../src/common/rng.js";
import {
  demographicParity,
  exponentiatedGradient,
  WeightedLogisticRegression,
} from "../../src/fairness/index.js";
import { ConvergenceWarning, DataError, PrivacyBudgetError, UsageError, UserError } from "../../src/index.js";
import { calibrateNoise } from "../../src/privacy/calibration.js";

describe("one error hierarchy", () => {
  it("library users catch by type; the CLI maps usage errors to exit 2, other user errors to 1", () => {
    for (const [error, code] of [
      [new UsageError("u"), 2],
      [new DataError("d"), 1],
      [new PrivacyBudgetError("p"), 1],
      [new UserError("x"), 1],
    ] as const) {
      assert.ok(error instanceof UserError);
      assert.equal(describeError(error).exitCode, code);
    }
    assert.equal(describeError(new Error("boom")).line, "internal error: boom");
  });

  it("an unreachable target epsilon is a PrivacyBudgetError", () => {
    // One step at sampling rate 1 and δ = 1e-5: ε ≥ log-ish floor no noise can beat below 1e-6.
    assert.throws(
      () => calibrateNoise({ targetEpsilon: 1e-9, sampleRate: 1, steps: 1_000_000, delta: 1e-5 }),
      PrivacyBudgetError,
    );
  });

  it("exponentiated gradient that runs out of iterations returns a ConvergenceWarning, not an error", () => {
    const random = createRandom(3);
    const n = 400;
    const data = new Float32Array(n * 2);
    const y = new Float32Array(n);
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      codes[i] = random.uniform() < 0.5 ? 1 : 0;
      y[i] = random.uniform() < (codes[i] ? 0.7 : 0.2) ? 1 : 0;
      data[i * 2] = y[i] + random.normal();
      data[i * 2 + 1] = codes[i] + 0.5 * random.normal();
    }
    const input = {
      X: { rows: n, cols: 2, data },
      y,
      sensitiveFeatures: [{ name: "g", categories: ["a", "b"], codes }],
    };
    const fit = (maxIterations: number) =>
      exponentiatedGradient(() => new WeightedLogisticRegression(), input, {
        constraint: demographicParity(),
        maxIterations,
      });
    const stopped = fit(1);
    assert.ok(stopped.bestGap >= stopped.nu, "one iteration should not reach the gap");
    assert.equal(stopped.warnings.length, 1);
    assert.ok(stopped.warnings[0] instanceof ConvergenceWarning);
    assert.match(stopped.warnings[0].message, /duality gap/);
    const converged = fit(50);
    assert.ok(converged.bestGap < converged.nu);
    assert.equal(converged.warnings.length, 0);
  });
});
