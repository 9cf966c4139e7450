import assert from "node:assert/strict";
import { test } from "node:test";
import { erfc, logExpectedPositivePart, logNormalCdf, normalCdf, normalPdf } from "../../src/math/normal.js";

// Reference values: published double-precision values (as scipy.special.erfc / ndtr / log_ndtr give).
const ERFC: [number, number][] = [
  [0.1, 0.887537083981715],
  [1.5, 0.033894853524689274],
  [2.5, 0.000406952017444959],
  [5, 1.5374597944280349e-12],
  [-1, 1.8427007929497148],
];

test("erfc and Φ match high-precision references", () => {
  for (const [x, expected] of ERFC)
    assert.ok(Math.abs(erfc(x) / expected - 1) < 1e-14, `erfc(${x}) = ${erfc(x)}`);
  assert.ok(Math.abs(normalCdf(-1) - 0.15865525393145707) < 1e-16);
  assert.ok(Math.abs(normalCdf(1.96) - 0.9750021048517795) < 1e-15);
  assert.ok(Math.abs(normalCdf(-5) / 2.866515718791939e-7 - 1) < 1e-13);
  assert.ok(Math.abs(logNormalCdf(-40) - -804.6084420137538) < 1e-10);
  assert.ok(Math.abs(logNormalCdf(3) - Math.log(0.9986501019683699)) < 1e-15);
});

test("log ψ(z) = log(φ(z) + zΦ(z)) is continuous across branches and matches quadrature", () => {
  // ψ(z) = ∫_{-∞}^{z} Φ(t) dt; compare with a trapezoid rule on a fine grid.
  for (const z of [-8, -3, -1.5, 0, 2]) {
    let integral = 0;
    const h = 1e-4;
    for (let i = 0; i < 200000; i++) {
      const t = z - 20 + i * h;
      integral += 0.5 * h * (normalCdf(t) + normalCdf(t + h));
    }
    assert.ok(Math.abs(Math.exp(logExpectedPositivePart(z)) / integral - 1) < 1e-6, `z = ${z}`);
  }
  const below = logExpectedPositivePart(-2 - 1e-9);
  const above = logExpectedPositivePart(-2 + 1e-9);
  assert.ok(Math.abs(above - below) < 1e-8);
  // Far tail: ψ(z) ≈ φ(z)/z² (1 − 3/z² + …).
  const z = -30;
  const asymptotic = Math.log(normalPdf(z) / (z * z)) + Math.log1p(-3 / (z * z) + 15 / z ** 4);
  assert.ok(Math.abs(logExpectedPositivePart(z) - asymptotic) < 1e-5);
});
