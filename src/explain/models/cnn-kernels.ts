/**
 * Convolution and pooling kernels on NHWC float64 for the explanation CNN (cnn.ts): a
 * dense layer is the 1×1 convolution of a 1×1 image. One loop nest visits every
 * (example, output cell, kernel cell) whose input cell lies inside the image; the
 * padding contributes zeros (−∞ for max pooling) and is skipped.
 */

/** A convolution over NHWC, or a dense layer as a 1×1 convolution of a 1×1 image. */
export interface Window {
  height: number;
  width: number;
  channels: number;
  outHeight: number;
  outWidth: number;
  kernel: number;
  stride: number;
  padTop: number;
  padLeft: number;
}

function forEachTap(
  w: Window,
  visit: (inputCell: number, outputCell: number, kernelCell: number) => void,
): void {
  for (let oy = 0; oy < w.outHeight; oy++) {
    for (let ox = 0; ox < w.outWidth; ox++) {
      for (let ky = 0; ky < w.kernel; ky++) {
        const iy = oy * w.stride + ky - w.padTop;
        if (iy < 0 || iy >= w.height) continue;
        for (let kx = 0; kx < w.kernel; kx++) {
          const ix = ox * w.stride + kx - w.padLeft;
          if (ix < 0 || ix >= w.width) continue;
          visit(iy * w.width + ix, oy * w.outWidth + ox, ky * w.kernel + kx);
        }
      }
    }
  }
}

/** Cached tap lists per window (input cell, output cell, kernel cell), so the hot loops are flat. */
const tapCache = new WeakMap<Window, Int32Array>();

function tapsOf(w: Window): Int32Array {
  const cached = tapCache.get(w);
  if (cached) return cached;
  const list: number[] = [];
  forEachTap(w, (i, o, k) => list.push(i, o, k));
  const taps = Int32Array.from(list);
  tapCache.set(w, taps);
  return taps;
}

export function addBias(
  w: Window,
  filters: number,
  n: number,
  theta: Float64Array,
  offset: number,
  out: Float64Array,
): void {
  const bias = offset + w.kernel * w.kernel * w.channels * filters;
  const cells = n * w.outHeight * w.outWidth;
  for (let c = 0; c < cells; c++) for (let f = 0; f < filters; f++) out[c * filters + f] += theta[bias + f];
}

/** out += conv(input, kernel) (no bias). */
export function convolveAdd(
  w: Window,
  filters: number,
  input: Float64Array,
  n: number,
  theta: Float64Array,
  offset: number,
  out: Float64Array,
): void {
  const taps = tapsOf(w);
  const C = w.channels;
  const inSize = w.height * w.width * C;
  const outSize = w.outHeight * w.outWidth * filters;
  for (let r = 0; r < n; r++) {
    for (let t = 0; t < taps.length; t += 3) {
      const a = r * inSize + taps[t] * C;
      const o = r * outSize + taps[t + 1] * filters;
      const k = offset + taps[t + 2] * C * filters;
      for (let c = 0; c < C; c++) {
        const x = input[a + c];
        if (x === 0) continue;
        const kc = k + c * filters;
        for (let f = 0; f < filters; f++) out[o + f] += x * theta[kc + f];
      }
    }
  }
}

/** dIn += the transposed convolution of dOut with the kernel. */
export function convolveTransposedAdd(
  w: Window,
  filters: number,
  dOut: Float64Array,
  n: number,
  theta: Float64Array,
  offset: number,
  dIn: Float64Array,
): void {
  const taps = tapsOf(w);
  const C = w.channels;
  const inSize = w.height * w.width * C;
  const outSize = w.outHeight * w.outWidth * filters;
  for (let r = 0; r < n; r++) {
    for (let t = 0; t < taps.length; t += 3) {
      const a = r * inSize + taps[t] * C;
      const o = r * outSize + taps[t + 1] * filters;
      const k = offset + taps[t + 2] * C * filters;
      for (let c = 0; c < C; c++) {
        const kc = k + c * filters;
        let sum = 0;
        for (let f = 0; f < filters; f++) sum += dOut[o + f] * theta[kc + f];
        dIn[a + c] += sum;
      }
    }
  }
}

/** gradient[kernel] += Σ over examples and taps of input ⊗ dOut. */
export function kernelGradientAdd(
  w: Window,
  filters: number,
  input: Float64Array,
  dOut: Float64Array,
  n: number,
  gradient: Float64Array,
  offset: number,
): void {
  const taps = tapsOf(w);
  const C = w.channels;
  const inSize = w.height * w.width * C;
  const outSize = w.outHeight * w.outWidth * filters;
  for (let r = 0; r < n; r++) {
    for (let t = 0; t < taps.length; t += 3) {
      const a = r * inSize + taps[t] * C;
      const o = r * outSize + taps[t + 1] * filters;
      const k = offset + taps[t + 2] * C * filters;
      for (let c = 0; c < C; c++) {
        const x = input[a + c];
        if (x === 0) continue;
        const kc = k + c * filters;
        for (let f = 0; f < filters; f++) gradient[kc + f] += x * dOut[o + f];
      }
    }
  }
}

export function biasGradientAdd(
  w: Window,
  filters: number,
  dOut: Float64Array,
  n: number,
  gradient: Float64Array,
  offset: number,
): void {
  const bias = offset + w.kernel * w.kernel * w.channels * filters;
  const cells = n * w.outHeight * w.outWidth;
  for (let c = 0; c < cells; c++)
    for (let f = 0; f < filters; f++) gradient[bias + f] += dOut[c * filters + f];
}

/** For every output value, the index of the input it copies: the first maximum of its window. */
export function maxRoutes(w: Window, input: Float64Array, n: number): Int32Array {
  const C = w.channels;
  const inSize = w.height * w.width * C;
  const cells = w.outHeight * w.outWidth;
  const route = new Int32Array(n * cells * C).fill(-1);
  const taps = tapsOf(w);
  for (let r = 0; r < n; r++) {
    // Taps are ordered by output cell, then kernel row and column: the first maximum wins.
    for (let t = 0; t < taps.length; t += 3) {
      const a = r * inSize + taps[t] * C;
      const o = (r * cells + taps[t + 1]) * C;
      for (let c = 0; c < C; c++) {
        const best = route[o + c];
        if (best < 0 || input[a + c] > input[best]) route[o + c] = a + c;
      }
    }
  }
  return route;
}

/** The mean over each window's cells inside the input (TensorFlow's average pooling). */
export function averagePool(w: Window, input: Float64Array, n: number): Float64Array {
  const C = w.channels;
  const inSize = w.height * w.width * C;
  const cells = w.outHeight * w.outWidth;
  const out = new Float64Array(n * cells * C);
  const counts = windowCounts(w);
  const taps = tapsOf(w);
  for (let r = 0; r < n; r++) {
    for (let t = 0; t < taps.length; t += 3) {
      const a = r * inSize + taps[t] * C;
      const o = (r * cells + taps[t + 1]) * C;
      const scale = 1 / counts[taps[t + 1]];
      for (let c = 0; c < C; c++) out[o + c] += scale * input[a + c];
    }
  }
  return out;
}

export function averagePoolTransposedAdd(w: Window, dOut: Float64Array, n: number, dIn: Float64Array): void {
  const C = w.channels;
  const inSize = w.height * w.width * C;
  const cells = w.outHeight * w.outWidth;
  const counts = windowCounts(w);
  const taps = tapsOf(w);
  for (let r = 0; r < n; r++) {
    for (let t = 0; t < taps.length; t += 3) {
      const a = r * inSize + taps[t] * C;
      const o = (r * cells + taps[t + 1]) * C;
      const scale = 1 / counts[taps[t + 1]];
      for (let c = 0; c < C; c++) dIn[a + c] += scale * dOut[o + c];
    }
  }
}

function windowCounts(w: Window): Int32Array {
  const counts = new Int32Array(w.outHeight * w.outWidth);
  const taps = tapsOf(w);
  for (let t = 0; t < taps.length; t += 3) counts[taps[t + 1]]++;
  return counts;
}
