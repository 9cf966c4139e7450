/**
 * The transposed patch matrix of a 2-D convolution (im2col), built in plain JS on
 * the input's values. Row (r, c, channel) matches the kernel's layout
 * [k, k, Cin, Cout] flattened; column (n, y, x) matches the output gradients
 * [N, H', W', Cout] flattened, so the kernel gradient is one matrix product
 * patchesᵀ · δ with no transposed operand.
 */
import type { WindowGeometry } from "./window.js";

/**
 * [k·k·Cin, N·H'·W'] row-major; zeros where a patch reaches into the padding. With
 * `onesRow`, a last row of ones (so that the same product also yields Σ δ, the bias
 * gradient).
 */
export function transposedPatches(
  input: Float32Array,
  g: WindowGeometry,
  options: { onesRow?: boolean } = {},
): Float32Array {
  const { batch, height, width, channels, outHeight, outWidth, window: kernel, stride, padTop, padLeft } = g;
  const columns = batch * outHeight * outWidth;
  const patchRows = kernel * kernel * channels;
  const out = new Float32Array((patchRows + (options.onesRow ? 1 : 0)) * columns);
  if (options.onesRow) out.fill(1, patchRows * columns);
  let row = 0;
  for (let r = 0; r < kernel; r++) {
    for (let c = 0; c < kernel; c++) {
      for (let ch = 0; ch < channels; ch++, row++) {
        let at = row * columns;
        for (let n = 0; n < batch; n++) {
          const image = n * height * width * channels + ch;
          for (let y = 0; y < outHeight; y++) {
            const iy = y * stride - padTop + r;
            if (iy < 0 || iy >= height) {
              at += outWidth; // stays zero
              continue;
            }
            const line = image + iy * width * channels;
            for (let x = 0; x < outWidth; x++, at++) {
              const ix = x * stride - padLeft + c;
              if (ix >= 0 && ix < width) out[at] = input[line + ix * channels];
            }
          }
        }
      }
    }
  }
  return out;
}
