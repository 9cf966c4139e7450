import assert from "node:assert/strict";
import { test } from "node:test";
import { createRandom, permutation } from "../../src/common/rng.js";
import { normalCdf } from "../../src/math/normal.js";
import { kolmogorovSmirnov } from "../../src/privacy/analysis/goodness-of-fit.js";

test("the same seed gives the same stream; nearby seeds give different ones", () => {
  const a = createRandom(42);
  const b = createRandom(42);
  const c = createRandom(43);
  const first = Array.from({ length: 8 }, () => a.uint32());
  assert.deepEqual(
    first,
    Array.from({ length: 8 }, () => b.uint32()),
  );
  assert.notDeepEqual(
    first,
    Array.from({ length: 8 }, () => c.uint32()),
  );
});

test("uniform draws are in [0, 1) and pass a Kolmogorov–Smirnov test", () => {
  const random = createRandom(7);
  const samples = Float64Array.from({ length: 20_000 }, () => random.uniform());
  assert.ok(samples.every((u) => u >= 0 && u < 1));
  assert.ok(kolmogorovSmirnov(samples, (x) => Math.min(1, Math.max(0, x))).pValue > 0.01);
});

for (const [label, length] of [
  ["even", 20_000],
  ["odd", 20_001],
] as const) {
  test(`bulk normals (${label} length) are standard normal: Kolmogorov–Smirnov, variance, independence`, () => {
    const out = new Float64Array(length);
    createRandom(11).fillNormal(out);
    assert.ok(out.every(Number.isFinite));
    const result = kolmogorovSmirnov(out, normalCdf);
    assert.ok(result.pValue > 0.01, `KS statistic ${result.statistic}, p ${result.pValue}`);
    // KS is weak against a small change of scale; the variance is not (its standard error is √(2/n) ≈ 0.01).
    let squares = 0;
    for (const v of out) squares += v * v;
    assert.ok(Math.abs(squares / length - 1) < 0.04, `variance ${squares / length}`);
    // Consecutive pairs are independent: their correlation is near zero.
    let product = 0;
    for (let i = 0; i + 1 < length; i += 2) product += out[i] * out[i + 1];
    assert.ok(Math.abs(product / (length / 2)) < 0.05);
  });
}

test("single normals (polar method) are standard normal by Kolmogorov–Smirnov", () => {
  const random = createRandom(5);
  const samples = Float64Array.from({ length: 20_000 }, () => random.normal());
  assert.ok(kolmogorovSmirnov(samples, normalCdf).pValue > 0.01);
});

test("integer(n) is uniform over 0..n-1 and a permutation holds each index once", () => {
  const random = createRandom(3);
  const counts = new Array(6).fill(0);
  for (let i = 0; i < 60_000; i++) counts[random.integer(6)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 400, `counts ${counts}`);
  const p = permutation(1000, random);
  assert.deepEqual(
    Array.from(p).sort((x, y) => x - y),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.throws(() => random.integer(0), RangeError);
});
