/** Where a square window — a convolution kernel or a pooling window — slides over an NHWC input. */
export interface WindowGeometry {
  batch: number;
  height: number;
  width: number;
  channels: number;
  outHeight: number;
  outWidth: number;
  /** Side of the square window. */
  window: number;
  stride: number;
  /** Rows/columns of padding before the input (zeros for a convolution, −∞ for max pooling). */
  padTop: number;
  padLeft: number;
}

export function windowGeometry(
  inputShape: readonly number[],
  outputShape: readonly number[],
  window: number,
  stride: number,
  padTop: number,
  padLeft: number,
): WindowGeometry {
  const [batch, height, width, channels] = inputShape;
  const [outHeight, outWidth] = outputShape;
  return { batch, height, width, channels, outHeight, outWidth, window, stride, padTop, padLeft };
}
