/**
 * A parameter-free element-wise activation y = f(x) whose derivative is a function
 * of the output alone, so the backward pass keeps only y (no copy of the input).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { ForwardResult, Layer, LayerCache, LayerConfig, ParameterSpec, Shape } from "./layer.js";

export type ActivationType = "relu" | "sigmoid" | "tanh" | "elu";

export interface ActivationLayer<T extends ActivationType> extends Layer {
  readonly config: Extract<LayerConfig, { type: T }>;
}

export type ActivationClass<T extends ActivationType> = new (inputShape: Shape) => ActivationLayer<T>;

export function elementwiseActivation<T extends ActivationType>(
  type: T,
  forward: (input: tf.Tensor) => tf.Tensor,
  derivativeFromOutput: (output: tf.Tensor) => tf.Tensor,
): ActivationClass<T> {
  return class implements ActivationLayer<T> {
    // The three activation configs are exactly { type }: the cast only names which one.
    readonly config = { type } as Extract<LayerConfig, { type: T }>;
    readonly outputShape: Shape;
    readonly parameters: readonly ParameterSpec[] = [];

    constructor(readonly inputShape: Shape) {
      this.outputShape = inputShape;
    }

    initialParameters(): Float32Array[] {
      return [];
    }

    forward(input: tf.Tensor): ForwardResult {
      const output = forward(input);
      return { output, cache: { output } };
    }

    backward(cache: LayerCache, gradOutput: tf.Tensor): tf.Tensor {
      return tf.mul(gradOutput, derivativeFromOutput(cache.output));
    }
  };
}
