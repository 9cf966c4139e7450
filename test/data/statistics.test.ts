import assert from "node:assert/strict";
import { test } from "node:test";
import { DataError } from "../../src/common/errors.js";
import { createRandom } from "../../src/common/rng.js";
import { encodeStrings, firstNonFinite, meanAndSd, Preprocessor, Table } from "../../src/data/index.js";

/**
 * The exact mean and population sd, by rational arithmetic on BigInts: every double is
 * m·2^e exactly, so with the common denominator 2^1074 the sums Σx and Σx² are exact
 * integers; var = (nΣx² − (Σx)²) / n², and the square root is an integer square root
 * at 64 bits of precision. An independent method: no floating-point rounding at all.
 */
function exactMeanAndSd(values: number[]): { mean: number; sd: number } {
  const n = BigInt(values.length);
  const scaled = values.map(toScaledInteger); // x · 2^1074
  const sum = scaled.reduce((a, b) => a + b, 0n);
  const squares = scaled.reduce((a, b) => a + b * b, 0n);
  const meanNumerator = sum; // mean = sum / (n · 2^1074)
  const varianceNumerator = n * squares - sum * sum; // var = that / (n² · 2^2148)
  return {
    mean: ratioToNumber(meanNumerator, n << 1074n),
    sd: sqrtRatioToNumber(varianceNumerator, (n * n) << 2148n),
  };
}

function toScaledInteger(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  // x = mantissa · 2^(exponent − 1075) for normals, fraction · 2^(−1074) for subnormals.
  const mantissa = exponent === 0 ? fraction : fraction | (1n << 52n);
  const shift = exponent === 0 ? 0 : exponent - 1;
  const magnitude = mantissa << BigInt(shift);
  return negative ? -magnitude : magnitude;
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : (x < 0n ? -x : x).toString(2).length;
}

/** num/den to the nearest double (num, den > 0 or num = 0), via a 64-bit quotient. */
function ratioToNumber(num: bigint, den: bigint): number {
  if (num === 0n) return 0;
  const negative = num < 0n;
  const a = negative ? -num : num;
  const shift = 64 - (bitLength(a) - bitLength(den));
  const q = shift >= 0 ? (a << BigInt(shift)) / den : a / (den << BigInt(-shift));
  const value = Number(q) * 2 ** -shift;
  return negative ? -value : value;
}

function sqrtRatioToNumber(num: bigint, den: bigint): number {
  if (num === 0n) return 0;
  // sqrt(num/den) = sqrt(num · 4^k / den) / 2^k, k of either sign, with num·4^k/den of about 128 bits.
  const k = Math.ceil((128 - (bitLength(num) - bitLength(den))) / 2);
  const radicand = k >= 0 ? (num << BigInt(2 * k)) / den : num / (den << BigInt(-2 * k));
  let root = BigInt(Math.floor(Math.sqrt(Number(radicand))));
  for (let i = 0; i < 100; i++) {
    const next = (root + radicand / root) >> 1n;
    if (next === root || next === root + 1n) break;
    root = next;
  }
  while (root * root > radicand) root--;
  return Number(root) * 2 ** -k;
}

const relative = (a: number, b: number) =>
  a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));

test("mean and sd match exact rational arithmetic at 1e200, 1e-200, mixed magnitudes and near-constant data", () => {
  const random = createRandom(11);
  const cases: Record<string, number[]> = {
    huge: Array.from({ length: 500 }, () => 1e200 * (1 + random.normal())),
    tiny: Array.from({ length: 500 }, () => 1e-200 * (1 + random.normal())),
    // A value whose square overflows next to ordinary ones.
    mixed: [1e200, -3, 4.5, 1e-200, 7e199, -2e150, 0, 12],
    // Where x − mean itself overflows.
    extreme: [1.7e308, -1.7e308, 1e308, -5e307],
    // Cancellation: the sd is 1e-8 of the mean, where the one-pass formula loses every digit.
    nearConstant: Array.from({ length: 1000 }, () => 1e8 + random.normal()),
    ordinary: Array.from({ length: 1000 }, () => 40 + 12 * random.normal()),
  };
  for (const [name, values] of Object.entries(cases)) {
    const got = meanAndSd(Float64Array.from(values));
    const exact = exactMeanAndSd(values);
    assert.ok(Number.isFinite(got.sd) && got.sd > 0, `${name}: sd ${got.sd}`);
    assert.ok(relative(got.mean, exact.mean) < 1e-13, `${name}: mean ${got.mean} vs ${exact.mean}`);
    assert.ok(relative(got.sd, exact.sd) < 1e-12, `${name}: sd ${got.sd} vs ${exact.sd}`);
  }
  // The exact reference itself, on a case done by hand: mean 3, population variance 14/4.
  const byHand = exactMeanAndSd([1, 2, 3, 6]);
  assert.equal(byHand.mean, 3);
  assert.ok(relative(byHand.sd, Math.sqrt(3.5)) < 1e-15);
});

test("missing values are skipped; no value gives 0, 0; ±∞ is found by firstNonFinite", () => {
  assert.deepEqual(meanAndSd(Float64Array.from([Number.NaN, 2, Number.NaN, 4])), {
    count: 2,
    mean: 3,
    sd: 1,
  });
  assert.deepEqual(meanAndSd(Float64Array.from([Number.NaN])), { count: 0, mean: 0, sd: 0 });
  assert.equal(firstNonFinite(Float64Array.from([1, Number.NaN, -Infinity])), 2);
  assert.equal(firstNonFinite(Float64Array.from([1, Number.NaN])), -1);
});

test("a fitted preprocessor keeps a 1e200 feature (it used to be zeroed by an infinite sd) and refuses ±∞", () => {
  const table = new Table([
    { kind: "numeric", name: "x", values: Float64Array.from([1e200, 3e200, -1e200, 5e200]) },
    encodeStrings("c", ["a", "b", "a", "b"]),
  ]);
  const pre = Preprocessor.fit(table, ["x", "c"]);
  const X = pre.transform(table);
  const column = [0, 1, 2, 3].map((i) => X.data[i * 3]);
  // Standardised: mean 0, population sd 1, and not all zeros.
  const mean = column.reduce((a, b) => a + b, 0) / 4;
  const variance = column.reduce((a, b) => a + (b - mean) ** 2, 0) / 4;
  assert.ok(Math.abs(mean) < 1e-6 && Math.abs(variance - 1) < 1e-6, `${column}`);
  const infinite = new Table([{ kind: "numeric", name: "x", values: Float64Array.from([1, Infinity]) }]);
  assert.throws(
    () => Preprocessor.fit(infinite, ["x"]),
    (error: Error) =>
      error instanceof DataError &&
      /feature column 'x' has the non-finite value Infinity in training row 2/.test(error.message),
  );
});
