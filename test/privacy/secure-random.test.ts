import assert from "node:assert/strict";
import { test } from "node:test";
import { normalCdf } from "../../src/math/normal.js";
import { chiSquareTest, kolmogorovSmirnov } from "../../src/privacy/analysis/goodness-of-fit.js";
import { createSecureRandom } from "../../src/privacy/secure-random.js";

// Secure draws cannot be seeded, so these thresholds are strict (a false alarm has probability ~1e-6).

test("fillNormal draws standard normals (KS) across buffer refills, odd lengths included", () => {
  const random = createSecureRandom();
  const draws = new Float32Array(50_001);
  random.fillNormal(draws);
  assert.ok(kolmogorovSmirnov(draws, normalCdf).pValue > 1e-6);
  const single = Float64Array.from({ length: 5001 }, () => random.normal());
  assert.ok(kolmogorovSmirnov(single, normalCdf).pValue > 1e-6);
});

test("uniform and integer(n) are uniform (KS, chi-square)", () => {
  const random = createSecureRandom();
  const uniforms = Float64Array.from({ length: 20_000 }, () => random.uniform());
  assert.ok(uniforms.every((u) => u >= 0 && u < 1));
  assert.ok(kolmogorovSmirnov(uniforms, (x) => x).pValue > 1e-6);
  const counts = new Array(7).fill(0);
  for (let i = 0; i < 70_000; i++) counts[random.integer(7)]++;
  assert.ok(chiSquareTest(counts, new Array(7).fill(1 / 7)).pValue > 1e-6);
});
