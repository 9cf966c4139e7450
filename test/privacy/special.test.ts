import assert from "node:assert/strict";
import { test } from "node:test";
import {
  erfc,
  logErfc,
  logNormalCdf,
  normalCdf,
  upperIncompleteGammaRatio,
} from "../../src/privacy/analysis/special.js";

const close = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.abs(b);

test("erfc matches published values (Abramowitz & Stegun; DLMF) to ~1e-15", () => {
  // Published digits, parsed by Number().
  const table: [number, string][] = [
    [0.5, "0.4795001221869534623"],
    [1, "0.15729920705028513066"],
    [2, "0.0046777349810472658379"],
    [3, "2.2090496998585441373e-5"],
    [5, "1.5374597944280348502e-12"],
    [10, "2.088487583762544757e-45"],
    [-1, "1.8427007929497148693"],
  ];
  for (const [x, digits] of table)
    assert.ok(close(erfc(x), Number(digits), 5e-15), `erfc(${x}) = ${erfc(x)}`);
});

test("log erfc and log Φ stay finite and match the asymptotic series far in the tail", () => {
  // erfc(x) ~ e^{-x²}/(x√π)·(1 - 1/(2x²) + 3/(4x⁴) - 15/(8x⁶) + 105/(16x⁸))
  for (const x of [30, 100, 1000]) {
    const series =
      -x * x -
      Math.log(x * Math.sqrt(Math.PI)) +
      Math.log1p(-1 / (2 * x * x) + 3 / (4 * x ** 4) - 15 / (8 * x ** 6) + 105 / (16 * x ** 8));
    assert.ok(close(logErfc(x), series, 1e-14), `logErfc(${x})`);
  }
  assert.ok(close(logNormalCdf(-40), logErfc(40 / Math.SQRT2) + Math.log(0.5), 1e-15));
  assert.ok(close(normalCdf(1.959963984540054), 0.975, 1e-15));
});

test("regularised upper incomplete gamma matches closed forms", () => {
  // Q(1, x) = e^{-x}; Q(5, x) = e^{-x} Σ_{k<5} x^k/k!; Q(1/2, x) = erfc(√x).
  for (const x of [0.1, 2, 10]) {
    assert.ok(close(upperIncompleteGammaRatio(1, x), Math.exp(-x), 1e-13));
    const q5 = Math.exp(-x) * (1 + x + x ** 2 / 2 + x ** 3 / 6 + x ** 4 / 24);
    assert.ok(close(upperIncompleteGammaRatio(5, x), q5, 1e-12));
    assert.ok(close(upperIncompleteGammaRatio(0.5, x), erfc(Math.sqrt(x)), 1e-12));
  }
});
