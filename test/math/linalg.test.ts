import assert from "node:assert/strict";
import { test } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import {
  cholesky,
  choleskyInverse,
  choleskyLogDeterminant,
  choleskySolve,
  matmul,
  solveLower,
  solveLowerTransposed,
} from "../../src/math/linalg.js";

function randomSpd(n: number, seed: number): Float64Array {
  const random = createRandom(seed);
  const b = new Float64Array(n * n);
  random.fillNormal(b);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += b[i * n + k] * b[j * n + k];
      a[i * n + j] = s + (i === j ? 0.5 : 0);
    }
  return a;
}

/** Determinant by Gaussian elimination with partial pivoting: an independent second method. */
function logDetByElimination(a: Float64Array, n: number): number {
  const m = Float64Array.from(a);
  let logDet = 0;
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]) > Math.abs(m[pivot * n + c])) pivot = r;
    if (pivot !== c)
      for (let k = 0; k < n; k++) [m[c * n + k], m[pivot * n + k]] = [m[pivot * n + k], m[c * n + k]];
    const d = m[c * n + c];
    logDet += Math.log(Math.abs(d));
    for (let r = c + 1; r < n; r++) {
      const f = m[r * n + c] / d;
      for (let k = c; k < n; k++) m[r * n + k] -= f * m[c * n + k];
    }
  }
  return logDet;
}

test("cholesky reconstructs A = L Lᵀ and L is lower triangular", () => {
  const n = 12;
  const a = randomSpd(n, 1);
  const { L, jitter } = cholesky(a, n);
  assert.equal(jitter, 0);
  const Lt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Lt[i * n + j] = L[j * n + i];
  const product = matmul(L, Lt, n, n, n);
  for (let i = 0; i < n * n; i++) assert.ok(Math.abs(product[i] - a[i]) < 1e-9 * (1 + Math.abs(a[i])));
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(L[i * n + j], 0);
});

test("solves and log-determinant agree with elimination and residuals", () => {
  const n = 15;
  const a = randomSpd(n, 2);
  const factor = cholesky(a, n);
  const random = createRandom(3);
  const b = new Float64Array(n);
  random.fillNormal(b);
  const x = choleskySolve(factor, b);
  const ax = matmul(a, x, n, n, 1);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(ax[i] - b[i]) < 1e-8);
  assert.ok(Math.abs(choleskyLogDeterminant(factor) - logDetByElimination(a, n)) < 1e-8);

  const z = solveLower(factor.L, n, b);
  const lz = matmul(factor.L, z, n, n, 1);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(lz[i] - b[i]) < 1e-9);
  const w = solveLowerTransposed(factor.L, n, b);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += factor.L[k * n + i] * w[k];
    assert.ok(Math.abs(s - b[i]) < 1e-9);
  }

  const inverse = choleskyInverse(factor);
  const identity = matmul(a, inverse, n, n, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) assert.ok(Math.abs(identity[i * n + j] - (i === j ? 1 : 0)) < 1e-8);
});

test("adds jitter for a singular PSD matrix and rejects an indefinite one", () => {
  // Rank-one matrix v vᵀ: positive semi-definite, singular.
  const n = 5;
  const v = [1, 2, 3, 4, 5];
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = v[i] * v[j];
  const factor = cholesky(a, n);
  assert.ok(factor.jitter > 0 && factor.jitter < 1e-2);
  const indefinite = Float64Array.from([1, 0, 0, -1]);
  assert.throws(() => cholesky(indefinite, 2), /not positive definite/);
});
