/**
 * The JS max-pool gradient against tfjs' own MaxPoolGrad kernel on the cpu backend,
 * on data full of exact ties (where "first maximum" matters), with overlapping and
 * padded windows.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { createRandom } from "../../src/common/rng.js";
import { initBackend } from "../../src/nn/backend.js";
import { outputSize } from "../../src/nn/layers/conv2d.js";
import { maxPoolGradient } from "../../src/nn/layers/pool.js";

const settings: { poolSize: number; stride: number; padding: "same" | "valid" }[] = [
  { poolSize: 2, stride: 2, padding: "valid" },
  { poolSize: 3, stride: 1, padding: "same" },
  { poolSize: 3, stride: 2, padding: "same" },
  { poolSize: 2, stride: 3, padding: "valid" },
];

for (const { poolSize, stride, padding } of settings) {
  test(`max-pool gradient matches tfjs MaxPoolGrad (size ${poolSize}, stride ${stride}, ${padding}, ties)`, async () => {
    await initBackend("cpu");
    const [n, h, w, c] = [3, 7, 8, 2];
    const random = createRandom(poolSize * 10 + stride);
    // Small integers: most windows hold repeated values, so the tie rule is tested.
    const input = Float32Array.from({ length: n * h * w * c }, () => random.integer(3));
    const [ho, top] = outputSize(h, poolSize, stride, padding);
    const [wo, left] = outputSize(w, poolSize, stride, padding);
    const gradOutput = Float32Array.from({ length: n * ho * wo * c }, () => random.normal());
    const ours = maxPoolGradient(input, gradOutput, {
      batch: n,
      height: h,
      width: w,
      channels: c,
      outHeight: ho,
      outWidth: wo,
      window: poolSize,
      stride,
      padTop: top,
      padLeft: left,
    });
    const reference = tf.tidy(() => {
      const x = tf.tensor4d(input, [n, h, w, c]);
      const y = tf.maxPool(x, poolSize, stride, padding);
      assert.deepEqual(y.shape, [n, ho, wo, c]);
      const grad = tf
        .engine()
        .runKernel(
          "MaxPoolGrad",
          { dy: tf.tensor4d(gradOutput, [n, ho, wo, c]), input: x, output: y },
          { filterSize: poolSize, strides: stride, pad: padding },
        ) as tf.Tensor;
      return grad.dataSync() as Float32Array;
    });
    let worst = 0;
    for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - reference[i]));
    assert.ok(worst < 1e-6, `largest difference ${worst}`);
  });
}
