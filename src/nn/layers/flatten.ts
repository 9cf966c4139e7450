/** Reshapes [N, ...shape] to [N, size]; the backward pass reshapes back. */
import * as tf from "@tensorflow/tfjs-core";
import { type ForwardResult, type Layer, type ParameterSpec, type Shape, sizeOf } from "./layer.js";

export class Flatten implements Layer {
  readonly config = { type: "flatten" } as const;
  readonly outputShape: Shape;
  readonly parameters: readonly ParameterSpec[] = [];

  constructor(readonly inputShape: Shape) {
    this.outputShape = [sizeOf(inputShape)];
  }

  initialParameters(): Float32Array[] {
    return [];
  }

  forward(input: tf.Tensor): ForwardResult {
    return { output: tf.reshape(input, [input.shape[0], this.outputShape[0]]), cache: {} };
  }

  backward(_cache: unknown, gradOutput: tf.Tensor): tf.Tensor {
    return tf.reshape(gradOutput, [gradOutput.shape[0], ...this.inputShape]);
  }
}
