import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { assemble, moduleText, WASM_SOURCES } from "../../scripts/build-wasm.mjs";
import { createRandom } from "../../src/common/rng.js";
import { DENSE_KERNELS_BASE64 } from "../../src/nn/host-kernels/dense-module.js";
import { DenseKernels, type HostBuffer } from "../../src/nn/index.js";
import { adamUpdate } from "../../src/train/optimizers.js";

/** A matrix with roughly `zeros` of its entries exactly 0 (as one-hot inputs and ReLU outputs are). */
function sparseMatrix(rows: number, cols: number, zeros: number, seed: number): Float32Array {
  const random = createRandom(seed);
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < values.length; i++) values[i] = random.uniform() < zeros ? 0 : random.uniform() * 2 - 1;
  return values;
}

/** C = A·B in float64, the reference. */
function product(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) c[i * n + j] += a[i * k + p] * b[p * n + j];
  return c;
}

function filled(kernels: DenseKernels, values: ArrayLike<number>): HostBuffer {
  const buffer = kernels.allocate(values.length);
  buffer.values.set(values);
  return buffer;
}

describe("host kernels (WebAssembly, dense layers)", () => {
  test("the committed module is the assembly of dense.wat", async () => {
    for (const source of WASM_SOURCES) {
      const expected = moduleText(source, await assemble(source.wat));
      assert.equal(
        readFileSync(source.module, "utf8"),
        expected,
        `${source.module} is stale: run npm run build:wasm`,
      );
    }
    assert.ok(DENSE_KERNELS_BASE64.length > 100);
  });

  test("gemm_nn matches a float64 product on every block shape (16-wide, 4-wide, single columns) and density", () => {
    const kernels = new DenseKernels();
    const shapes: [number, number, number][] = [
      [1, 1, 1],
      [3, 5, 1],
      [7, 13, 3],
      [5, 104, 64],
      [9, 17, 21],
      [128, 64, 64],
      [4, 3, 37],
    ];
    for (const [m, k, n] of shapes) {
      for (const zeros of [0, 0.5, 0.95, 1]) {
        const a = sparseMatrix(m, k, zeros, m * 1000 + k);
        const b = sparseMatrix(k, n, 0, n);
        const start = sparseMatrix(m, n, 0, 7);
        const A = filled(kernels, a);
        const B = filled(kernels, b);
        const C = filled(kernels, start);
        kernels.gemmNN(A, B, C, m, k, n);
        const expected = product(a, b, m, k, n);
        const got = C.values;
        for (let i = 0; i < m * n; i++) {
          assert.ok(
            Math.abs(got[i] - (expected[i] + start[i])) <= 1e-5 * (1 + k),
            `[${m}×${k}×${n}] entry ${i} at ${zeros} zeros`,
          );
        }
      }
    }
  });

  test("transpose, bias rows, column sums, ReLU and its mask", () => {
    const kernels = new DenseKernels();
    const a = filled(kernels, [1, -2, 3, -4, 5, -6]); // 2×3
    const at = kernels.allocate(6);
    kernels.transpose(a, at, 2, 3);
    assert.deepEqual([...at.values], [1, -4, -2, 5, 3, -6]);
    const sums = filled(kernels, [10, 20, 30]);
    kernels.addColumnSums(a, sums, 2, 3);
    assert.deepEqual([...sums.values], [7, 23, 27]);
    const rows = kernels.allocate(6);
    kernels.broadcastRows(filled(kernels, [1, 2, 3]), rows, 2, 3);
    assert.deepEqual([...rows.values], [1, 2, 3, 1, 2, 3]);
    const wide = filled(kernels, [-1, 0, 2, -3, 4, -0.5, 6]);
    kernels.relu(wide, 7);
    assert.deepEqual([...wide.values], [0, 0, 2, 0, 4, 0, 6]);
    const gradient = filled(kernels, [1, 1, 1, 1, 1, 1, 1]);
    kernels.maskPositive(gradient, wide, 7);
    assert.deepEqual([...gradient.values], [0, 0, 1, 0, 1, 0, 1]);
  });

  test("Adam's kernel is bit for bit adamUpdate, odd lengths and weight decay included", () => {
    const kernels = new DenseKernels();
    for (const length of [1, 2, 7, 64]) {
      const random = createRandom(length);
      const parameter = Float32Array.from({ length }, () => random.uniform() - 0.5);
      const m = Float32Array.from({ length }, () => (random.uniform() - 0.5) * 1e-2);
      const v = Float32Array.from({ length }, () => random.uniform() * 1e-4);
      const p = filled(kernels, parameter);
      const mm = filled(kernels, m);
      const vv = filled(kernels, v);
      for (let t = 1; t <= 5; t++) {
        const gradient = Float32Array.from({ length }, () => random.uniform() - 0.5);
        const hyper = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-3, learningRate: 0.01, t };
        const expected = adamUpdate(parameter, gradient, m, v, hyper);
        parameter.set(expected);
        kernels.adam(p, filled(kernels, gradient), mm, vv, length, {
          ...hyper,
          stepSize: hyper.learningRate / (1 - hyper.beta1 ** t),
          correction2: 1 - hyper.beta2 ** t,
        });
        assert.deepEqual([...p.values], [...parameter], `parameters, length ${length}, step ${t}`);
        assert.deepEqual([...mm.values], [...m]);
        assert.deepEqual([...vv.values], [...v]);
      }
    }
  });

  test("buffers stay readable after the memory grows", () => {
    const kernels = new DenseKernels();
    const first = filled(kernels, [1, 2, 3]);
    kernels.allocate(1_000_000); // grows the memory: old views detach
    assert.deepEqual([...first.values], [1, 2, 3]);
  });
});
