/**
 * Group normalisation (Wu & He 2018) over the last (channel) axis: statistics per
 * example and group of channels, so — unlike batch norm — one example's output never
 * depends on another's, which keeps per-example gradients (and DP-SGD) well defined.
 * Input [N, C] or [N, H, W, C]; scale γ and shift β per channel.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { ForwardResult, Layer, LayerCache, ParameterSpec, PerExampleRules, Shape } from "./layer.js";

type GroupNormConfig = { type: "groupnorm"; groups: number; epsilon?: number };

export class GroupNorm implements Layer {
  readonly outputShape: Shape;
  readonly parameters: readonly ParameterSpec[];
  private readonly channels: number;
  private readonly positions: number;

  constructor(
    readonly config: GroupNormConfig,
    readonly inputShape: Shape,
  ) {
    this.channels = inputShape[inputShape.length - 1];
    this.positions = inputShape.slice(0, -1).reduce((a, b) => a * b, 1);
    if (this.channels % config.groups !== 0) {
      throw new Error(`groupnorm: ${this.channels} channels cannot be split into ${config.groups} groups`);
    }
    this.outputShape = inputShape;
    this.parameters = [
      { name: "scale", shape: [this.channels] },
      { name: "shift", shape: [this.channels] },
    ];
  }

  initialParameters(): Float32Array[] {
    return [new Float32Array(this.channels).fill(1), new Float32Array(this.channels)];
  }

  private grouped(t: tf.Tensor): tf.Tensor4D {
    const g = this.config.groups;
    return tf.reshape(t, [t.shape[0], this.positions, g, this.channels / g]);
  }

  forward(input: tf.Tensor, params: readonly tf.Tensor[]): ForwardResult {
    const x = this.grouped(input);
    const { mean, variance } = tf.moments(x, [1, 3], true);
    const inverseStd = tf.rsqrt(tf.add(variance, this.config.epsilon ?? 1e-5));
    const normalised = tf.reshape(tf.mul(tf.sub(x, mean), inverseStd), input.shape);
    const output = tf.add(tf.mul(normalised, params[0]), params[1]);
    return { output, cache: { normalised, inverseStd } };
  }

  backward(cache: LayerCache, gradOutput: tf.Tensor, params: readonly tf.Tensor[]): tf.Tensor {
    // dx = σ⁻¹ (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), means over each example's group.
    const dNormalised = this.grouped(tf.mul(gradOutput, params[0]));
    const normalised = this.grouped(cache.normalised);
    const centred = tf.sub(dNormalised, tf.mean(dNormalised, [1, 3], true));
    const projected = tf.mul(normalised, tf.mean(tf.mul(dNormalised, normalised), [1, 3], true));
    return tf.reshape(tf.mul(tf.sub(centred, projected), cache.inverseStd), gradOutput.shape);
  }

  /** Per-example [N, C] gradients of scale and shift: sums over positions. */
  private exampleGradients(cache: LayerCache, gradOutput: tf.Tensor): [tf.Tensor2D, tf.Tensor2D] {
    const n = gradOutput.shape[0];
    const dy = tf.reshape(gradOutput, [n, this.positions, this.channels]);
    const normalised = tf.reshape(cache.normalised, [n, this.positions, this.channels]);
    return [tf.sum(tf.mul(dy, normalised), 1) as tf.Tensor2D, tf.sum(dy, 1) as tf.Tensor2D];
  }

  readonly perExample: PerExampleRules = {
    weightedGradients: (cache, gradOutput, weights) =>
      this.exampleGradients(cache, gradOutput).map((g) =>
        tf.sum(weights ? tf.mul(g, tf.reshape(weights, [-1, 1])) : g, 0),
      ),
    squaredNorms: (cache, gradOutput) => {
      const [scale, shift] = this.exampleGradients(cache, gradOutput);
      return tf.add(tf.sum(tf.square(scale), 1), tf.sum(tf.square(shift), 1)) as tf.Tensor1D;
    },
    perExampleGradients: (cache, gradOutput) => this.exampleGradients(cache, gradOutput),
  };
}
