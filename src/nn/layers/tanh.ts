/** tanh(x); ∂y/∂x = 1 − y², from the kept output. */
import * as tf from "@tensorflow/tfjs-core";
import type { ForwardResult, Layer, LayerCache, ParameterSpec, Shape } from "./layer.js";

export class Tanh implements Layer {
  readonly config = { type: "tanh" } as const;
  readonly outputShape: Shape;
  readonly parameters: readonly ParameterSpec[] = [];

  constructor(readonly inputShape: Shape) {
    this.outputShape = inputShape;
  }

  initialParameters(): Float32Array[] {
    return [];
  }

  forward(input: tf.Tensor): ForwardResult {
    const output = tf.tanh(input);
    return { output, cache: { output } };
  }

  backward(cache: LayerCache, gradOutput: tf.Tensor): tf.Tensor {
    return tf.mul(gradOutput, tf.sub(1, tf.square(cache.output)));
  }
}
