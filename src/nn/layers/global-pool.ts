/**
 * Global average pooling (Lin et al. 2014, "Network in Network"): [H, W, C] → [C],
 * the mean of each channel over positions. The backward pass spreads each channel's
 * gradient evenly, δ / (H·W), over the positions.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { ForwardResult, Layer, ParameterSpec, Shape } from "./layer.js";

export class GlobalAveragePool implements Layer {
  readonly config = { type: "globalavgpool" } as const;
  readonly outputShape: Shape;
  readonly parameters: readonly ParameterSpec[] = [];

  constructor(readonly inputShape: Shape) {
    if (inputShape.length !== 3) {
      throw new Error(`globalavgpool needs [height, width, channels] inputs, got [${inputShape}]`);
    }
    this.outputShape = [inputShape[2]];
  }

  initialParameters(): Float32Array[] {
    return [];
  }

  forward(input: tf.Tensor): ForwardResult {
    return { output: tf.mean(input, [1, 2]), cache: {} };
  }

  backward(_cache: unknown, gradOutput: tf.Tensor): tf.Tensor {
    const [h, w, c] = this.inputShape;
    const spread = tf.div(tf.reshape(gradOutput, [-1, 1, 1, c]), h * w);
    return tf.mul(spread, tf.ones([1, h, w, c]));
  }
}
