/** max(0, x). The backward pass needs only the output: ∂y/∂x = 1 where y > 0. */
import * as tf from "@tensorflow/tfjs-core";
import type { ForwardResult, Layer, LayerCache, ParameterSpec, Shape } from "./layer.js";

export class ReLU implements Layer {
  readonly config = { type: "relu" } as const;
  readonly outputShape: Shape;
  readonly parameters: readonly ParameterSpec[] = [];

  constructor(readonly inputShape: Shape) {
    this.outputShape = inputShape;
  }

  initialParameters(): Float32Array[] {
    return [];
  }

  forward(input: tf.Tensor): ForwardResult {
    const output = tf.relu(input);
    return { output, cache: { output } };
  }

  backward(cache: LayerCache, gradOutput: tf.Tensor): tf.Tensor {
    return tf.mul(gradOutput, tf.step(cache.output));
  }
}
