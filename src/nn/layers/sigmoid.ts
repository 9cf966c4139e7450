/** 1 / (1 + e^−x); ∂y/∂x = y(1 − y), from the kept output. */
import * as tf from "@tensorflow/tfjs-core";
import type { ForwardResult, Layer, LayerCache, ParameterSpec, Shape } from "./layer.js";

export class Sigmoid implements Layer {
  readonly config = { type: "sigmoid" } as const;
  readonly outputShape: Shape;
  readonly parameters: readonly ParameterSpec[] = [];

  constructor(readonly inputShape: Shape) {
    this.outputShape = inputShape;
  }

  initialParameters(): Float32Array[] {
    return [];
  }

  forward(input: tf.Tensor): ForwardResult {
    const output = tf.sigmoid(input);
    return { output, cache: { output } };
  }

  backward(cache: LayerCache, gradOutput: tf.Tensor): tf.Tensor {
    return tf.mul(gradOutput, tf.mul(cache.output, tf.sub(1, cache.output)));
  }
}
