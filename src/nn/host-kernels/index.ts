/**
 * WebAssembly kernels for dense networks on host memory (dense.wat): the matrix
 * products of a training step without a tensor engine's per-op dispatch. A
 * `DenseKernels` owns one memory and one instance, so two trainings in the same
 * thread (interleaved readings) never share buffers.
 */
import { DENSE_KERNELS_BASE64 } from "./dense-module.js";

interface DenseExports {
  gemm_nn(a: number, b: number, c: number, m: number, k: number, n: number, scratch: number): void;
  transpose(a: number, at: number, rows: number, cols: number): void;
  mask_positive(x: number, mask: number, length: number): void;
  add_column_sums(a: number, dst: number, m: number, n: number): void;
  broadcast_rows(row: number, c: number, m: number, n: number): void;
  relu(x: number, length: number): void;
  row_squared_norms(a: number, out: number, m: number, n: number): void;
  scale_rows(a: number, factors: number, m: number, n: number): void;
  adam(
    p: number,
    g: number,
    m: number,
    v: number,
    length: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    stepSize: number,
    correction2: number,
    epsilon: number,
    weightDecay: number,
  ): void;
}

/**
 * One Adam step's constants (train/optimizers.ts): p' = p − stepSize·m / (√(v / correction2) + ε),
 * with stepSize = η / (1 − β₁ᵗ) and correction2 = 1 − β₂ᵗ.
 *
 * @example
 * ```ts
 * import type { nn } from "equipoise";
 * const t = 1, learningRate = 0.001;
 * const step: nn.AdamStep = {
 *   beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0,
 *   stepSize: learningRate / (1 - 0.9 ** t), correction2: 1 - 0.999 ** t,
 * };
 * ```
 */
export interface AdamStep {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  stepSize: number;
  correction2: number;
}

let compiled: WebAssembly.Module | undefined;

function denseModule(): WebAssembly.Module {
  if (!compiled) {
    const binary = atob(DENSE_KERNELS_BASE64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    compiled = new WebAssembly.Module(bytes);
  }
  return compiled;
}

/**
 * Whether this JavaScript engine runs the kernels (WebAssembly with 128-bit SIMD:
 * Node ≥ 16.4, every current browser).
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * nn.hostKernelsAvailable(); // true in Node 20 and current browsers
 * ```
 */
export function hostKernelsAvailable(): boolean {
  try {
    denseModule();
    return true;
  } catch {
    return false;
  }
}

const PAGE_BYTES = 65536;

/**
 * A region of a kernel memory: its byte offset (what the kernels take) and a view of its
 * float32 values. Views are renewed when the memory grows (read `values` after any
 * `allocate`).
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * const kernels = new nn.DenseKernels();
 * const buffer: nn.HostBuffer = kernels.allocate(4);
 * buffer.values.set([1, -2, 3, -4]);
 * kernels.relu(buffer, buffer.length); // the kernels take the buffer, and read its offset
 * buffer.values; // [1, 0, 3, 0]
 * ```
 */
export interface HostBuffer {
  readonly offset: number;
  readonly length: number;
  readonly values: Float32Array;
}

/**
 * One instance of the dense kernels with its own memory and a bump allocator. Every
 * matrix is row-major float32; the products skip exact zeros of their left operand
 * (one-hot inputs and ReLU activations), which differs from IEEE arithmetic only when
 * the other factor is ±∞ or NaN.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * const kernels = new nn.DenseKernels();
 * const a = kernels.allocate(2 * 3), b = kernels.allocate(3 * 2), c = kernels.allocate(2 * 2);
 * a.values.set([1, 0, 2, 0, 1, 0]); // [[1, 0, 2], [0, 1, 0]]
 * b.values.set([1, 2, 3, 4, 5, 6]); // [[1, 2], [3, 4], [5, 6]]
 * kernels.gemmNN(a, b, c, 2, 3, 2); // c += a·b
 * c.values; // [11, 14, 3, 4]
 * ```
 */
export class DenseKernels {
  private readonly memory: WebAssembly.Memory;
  private readonly exports: DenseExports;
  private used = 16; // offset 0 stays unused: the kernels read pointer 0 as "none"
  private readonly buffers: { offset: number; length: number; view: Float32Array }[] = [];
  /** gemm_nn's list of a row's non-zero entries (8 bytes each). */
  private scratch: HostBuffer | undefined;
  private scratchEntries = 0;

  constructor() {
    this.memory = new WebAssembly.Memory({ initial: 1 });
    const instance = new WebAssembly.Instance(denseModule(), { env: { memory: this.memory } });
    this.exports = instance.exports as unknown as DenseExports;
  }

  /** A new zeroed region of `length` float32 values, 16-byte aligned. */
  allocate(length: number): HostBuffer {
    const offset = this.used;
    this.used += Math.ceil((length * 4) / 16) * 16;
    const needed = Math.ceil(this.used / PAGE_BYTES) - this.memory.buffer.byteLength / PAGE_BYTES;
    if (needed > 0) this.memory.grow(needed);
    const entry = { offset, length, view: new Float32Array(this.memory.buffer, offset, length) };
    this.buffers.push(entry);
    const buffers = this.buffers;
    const memory = this.memory;
    return {
      offset,
      length,
      get values() {
        if (entry.view.buffer !== memory.buffer) {
          for (const b of buffers) b.view = new Float32Array(memory.buffer, b.offset, b.length);
        }
        return entry.view;
      },
    };
  }

  /** C[m×n] += A[m×k]·B[k×n]. */
  gemmNN(a: HostBuffer, b: HostBuffer, c: HostBuffer, m: number, k: number, n: number): void {
    if (k > this.scratchEntries) {
      this.scratch = this.allocate(2 * k);
      this.scratchEntries = k;
    }
    this.exports.gemm_nn(a.offset, b.offset, c.offset, m, k, n, (this.scratch as HostBuffer).offset);
  }

  /** At[cols×rows] = A[rows×cols]ᵀ. */
  transpose(a: HostBuffer, at: HostBuffer, rows: number, cols: number): void {
    this.exports.transpose(a.offset, at.offset, rows, cols);
  }

  /** x ← x where mask > 0, else 0 (the derivative of a ReLU, read from its output). */
  maskPositive(x: HostBuffer, mask: HostBuffer, length: number): void {
    this.exports.mask_positive(x.offset, mask.offset, length);
  }

  /** dst[j] += Σᵢ A[i, j] over the m rows of A[m×n]. */
  addColumnSums(a: HostBuffer, dst: HostBuffer, m: number, n: number): void {
    this.exports.add_column_sums(a.offset, dst.offset, m, n);
  }

  /** Every row of C[m×n] set to `row`. */
  broadcastRows(row: HostBuffer, c: HostBuffer, m: number, n: number): void {
    this.exports.broadcast_rows(row.offset, c.offset, m, n);
  }

  /**
   * Adam's update of `length` parameters in place, with their gradient and moments:
   * bit for bit what train/optimizers.ts's `adamUpdate` computes (float64 per element).
   */
  adam(
    parameter: HostBuffer,
    gradient: HostBuffer,
    m: HostBuffer,
    v: HostBuffer,
    length: number,
    step: AdamStep,
  ): void {
    const { beta1, beta2, epsilon, weightDecay, stepSize, correction2 } = step;
    this.exports.adam(
      parameter.offset,
      gradient.offset,
      m.offset,
      v.offset,
      length,
      beta1,
      1 - beta1,
      beta2,
      1 - beta2,
      stepSize,
      correction2,
      epsilon,
      weightDecay,
    );
  }

  /** out[i] = Σⱼ A[i, j]² for the m rows of A[m×n]. */
  rowSquaredNorms(a: HostBuffer, out: HostBuffer, m: number, n: number): void {
    this.exports.row_squared_norms(a.offset, out.offset, m, n);
  }

  /** A[i, :] ← factors[i]·A[i, :] for the m rows of A[m×n]. */
  scaleRows(a: HostBuffer, factors: HostBuffer, m: number, n: number): void {
    this.exports.scale_rows(a.offset, factors.offset, m, n);
  }

  /** x ← max(x, 0) over the first `length` values. */
  relu(x: HostBuffer, length: number): void {
    this.exports.relu(x.offset, length);
  }
}
