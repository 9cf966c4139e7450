/**
 * Inverted dropout (Srivastava et al. 2014): in a training pass each value is kept
 * with probability 1 − p and scaled by 1/(1 − p), so that inference is the identity.
 * The mask is drawn per example and value from the model's seeded stream and kept
 * for the backward pass, which scales the output gradient by the same mask: one
 * example's mask never touches another's gradient, so per-example gradients (and
 * DP-SGD's clipping) stay well defined.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { ForwardContext, ForwardResult, Layer, LayerCache, ParameterSpec, Shape } from "./layer.js";

type DropoutConfig = { type: "dropout"; rate: number };

export class Dropout implements Layer {
  readonly outputShape: Shape;
  readonly parameters: readonly ParameterSpec[] = [];

  constructor(
    readonly config: DropoutConfig,
    readonly inputShape: Shape,
  ) {
    if (!(config.rate >= 0 && config.rate < 1)) {
      throw new Error(`dropout rate must be in [0, 1), got ${config.rate}`);
    }
    this.outputShape = inputShape;
  }

  initialParameters(): Float32Array[] {
    return [];
  }

  forward(input: tf.Tensor, _params: readonly tf.Tensor[], context?: ForwardContext): ForwardResult {
    const { rate } = this.config;
    if (!context?.training || rate === 0) return { output: tf.clone(input), cache: {} };
    const values = new Float32Array(input.size);
    const scale = 1 / (1 - rate);
    for (let i = 0; i < values.length; i++) values[i] = context.random.uniform() < rate ? 0 : scale;
    const mask = tf.tensor(values, input.shape);
    return { output: tf.mul(input, mask), cache: { mask } };
  }

  backward(cache: LayerCache, gradOutput: tf.Tensor): tf.Tensor {
    return cache.mask ? tf.mul(gradOutput, cache.mask) : tf.clone(gradOutput);
  }
}
