/** Fixed-point encoding into Z_{2^32}: exact modular sums, unbiased rounding, no overflow at the extremes. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import {
  addInto,
  decode,
  encode,
  fixedPointFor,
  subtractInto,
  toSigned,
} from "../../src/federated/secagg/ring.js";

test("the sum of encodings, decoded, is the exact integer sum divided by the scale", () => {
  const random = createRandom(1);
  const fixedPoint = fixedPointFor(2, 50);
  const vectors = Array.from({ length: 50 }, () =>
    Float64Array.from({ length: 64 }, () => 4 * random.uniform() - 2),
  );
  const encoded = vectors.map((v) => encode(v, fixedPoint, random));
  const sum = new Uint32Array(64);
  for (const e of encoded) addInto(sum, e);
  const integerSum = new Float64Array(64);
  for (const e of encoded) {
    const signed = toSigned(e);
    for (let i = 0; i < signed.length; i++) integerSum[i] += signed[i];
  }
  const decoded = decode(sum, fixedPoint);
  for (let i = 0; i < decoded.length; i++) assert.equal(decoded[i], integerSum[i] / fixedPoint.scale);
  // And within the rounding error of the real sum: |error| < summands / scale per coordinate.
  vectors[0].forEach((_, i) => {
    const real = vectors.reduce((s, v) => s + v[i], 0);
    assert.ok(Math.abs(decoded[i] - real) < 50 / fixedPoint.scale);
  });
});

test("the largest summands at ±bound do not wrap around", () => {
  const fixedPoint = fixedPointFor(1, 100);
  const random = createRandom(2);
  for (const sign of [1, -1]) {
    const sum = new Uint32Array(1);
    for (let k = 0; k < 100; k++) addInto(sum, encode([sign * 5], fixedPoint, random)); // clipped to ±1
    const value = decode(sum, fixedPoint)[0];
    assert.ok(Math.abs(value - sign * 100) <= 100 / fixedPoint.scale, `${value}`);
  }
});

test("stochastic rounding is unbiased", () => {
  const fixedPoint = { bound: 10, scale: 1 };
  const random = createRandom(3);
  const n = 20000;
  let total = 0;
  for (let i = 0; i < n; i++) total += toSigned(encode([0.3], fixedPoint, random))[0];
  // Bernoulli(0.3) per draw: sd √(0.21/n).
  assert.ok(Math.abs(total / n - 0.3) < 5 * Math.sqrt(0.21 / n));
});

test("subtracting what was added restores the vector, modulo 2^32", () => {
  const a = Uint32Array.from([0, 1, 2 ** 32 - 1, 123456789]);
  const b = Uint32Array.from([2 ** 32 - 1, 2 ** 31, 5, 987654321]);
  const c = new Uint32Array(a);
  addInto(c, b);
  subtractInto(c, b);
  assert.deepEqual(c, a);
});
