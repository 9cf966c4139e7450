import assert from "node:assert/strict";
import { test } from "node:test";
import { erfc } from "../../src/math/normal.js";
import {
  logAbsBinomial,
  logAddExp,
  logGamma,
  logSubExp,
  upperIncompleteGammaRatio,
} from "../../src/privacy/analysis/special.js";

const close = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.abs(b);

test("regularised upper incomplete gamma matches closed forms", () => {
  // Q(1, x) = e^{-x}; Q(5, x) = e^{-x} Σ_{k<5} x^k/k!; Q(1/2, x) = erfc(√x).
  for (const x of [0.1, 2, 10]) {
    assert.ok(close(upperIncompleteGammaRatio(1, x), Math.exp(-x), 1e-13));
    const q5 = Math.exp(-x) * (1 + x + x ** 2 / 2 + x ** 3 / 6 + x ** 4 / 24);
    assert.ok(close(upperIncompleteGammaRatio(5, x), q5, 1e-12));
    assert.ok(close(upperIncompleteGammaRatio(0.5, x), erfc(Math.sqrt(x)), 1e-12));
  }
});

test("log-space arithmetic: logAddExp, logSubExp, log binomials and log Γ against closed forms", () => {
  assert.ok(close(logAddExp(Math.log(3), Math.log(5)), Math.log(8), 1e-15));
  assert.equal(logAddExp(Number.NEGATIVE_INFINITY, 2), 2);
  assert.ok(close(logAddExp(1000, 1000), 1000 + Math.LN2, 1e-15));
  assert.ok(close(logSubExp(Math.log(8), Math.log(5)), Math.log(3), 1e-15));
  assert.equal(logSubExp(4, 4), Number.NEGATIVE_INFINITY);
  assert.throws(() => logSubExp(1, 2), /non-negative/);
  // C(10, 3) = 120; C(2.5, 3) = 2.5·1.5·0.5/6 = 0.3125; C(0.5, 2) = -0.125.
  assert.ok(close(logAbsBinomial(10, 3).log, Math.log(120), 1e-15));
  assert.ok(close(logAbsBinomial(2.5, 3).log, Math.log(0.3125), 1e-15));
  assert.deepEqual(
    { sign: logAbsBinomial(0.5, 2).sign, ok: close(logAbsBinomial(0.5, 2).log, Math.log(0.125), 1e-15) },
    { sign: -1, ok: true },
  );
  // Γ(n) = (n-1)!, Γ(1/2) = √π.
  assert.ok(close(logGamma(10), Math.log(362880), 1e-14));
  assert.ok(close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-14));
});
