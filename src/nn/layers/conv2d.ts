/**
 * 2-D convolution on NHWC inputs, kernel [k, k, Cin, Cout], stride and "same"/"valid"
 * padding (TensorFlow's conventions).
 *
 * Per-example rules work on the patch matrix Uᵢ ([P positions, K = k·k·Cin]) so that
 * the kernel gradient is gᵢ = Uᵢᵀ δᵢ. Its norm is computed either by the ghost-norm
 * identity ||Uᵢᵀδᵢ||² = ⟨UᵢUᵢᵀ, δᵢδᵢᵀ⟩ (Gram matrices over positions, cost ~P²(K+Cout))
 * or by materialising Uᵢᵀδᵢ (cost ~P·K·Cout), whichever is cheaper for the layer.
 * The weight gradient has no WASM kernel (Conv2DBackpropFilter), so the patch matrix
 * also gives the ordinary gradient: one matMul Uᵀ·Δ.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Random } from "../../common/rng.js";
import { matMulTransposeA, matMulTransposeB } from "../linalg.js";
import {
  type ForwardResult,
  type FusableActivation,
  type Layer,
  type LayerCache,
  type Padding,
  type ParameterSpec,
  type PerExampleRules,
  type Shape,
  uniformArray,
} from "./layer.js";

type Conv2dConfig = {
  type: "conv2d";
  filters: number;
  kernelSize: number;
  stride?: number;
  padding?: Padding;
};

/** "ghost" when the Gram-matrix norm is cheaper than materialising per-example kernel gradients. */
export function conv2dNormMethod(
  positions: number,
  patchSize: number,
  filters: number,
): "ghost" | "materialise" {
  return positions * (patchSize + filters) < patchSize * filters ? "ghost" : "materialise";
}

export class Conv2d implements Layer {
  readonly config: Conv2dConfig;
  readonly outputShape: Shape;
  readonly parameters: readonly ParameterSpec[];
  private readonly k: number;
  private readonly stride: number;
  private readonly padding: Padding;
  private readonly pads: [number, number, number, number];
  private readonly channels: number;

  constructor(
    config: Conv2dConfig,
    readonly inputShape: Shape,
  ) {
    if (inputShape.length !== 3)
      throw new Error(`conv2d needs [height, width, channels] inputs, got [${inputShape}]`);
    this.config = config;
    const [h, w, c] = inputShape;
    this.k = config.kernelSize;
    this.stride = config.stride ?? 1;
    this.padding = config.padding ?? "valid";
    this.channels = c;
    const [ho, top, bottom] = outputSize(h, this.k, this.stride, this.padding);
    const [wo, left, right] = outputSize(w, this.k, this.stride, this.padding);
    if (ho < 1 || wo < 1) throw new Error(`conv2d kernel ${this.k} does not fit a ${h}×${w} input`);
    this.pads = [top, bottom, left, right];
    this.outputShape = [ho, wo, config.filters];
    this.parameters = [
      { name: "kernel", shape: [this.k, this.k, c, config.filters] },
      { name: "bias", shape: [config.filters] },
    ];
  }

  initialParameters(random: Random): Float32Array[] {
    const fanIn = this.k * this.k * this.channels;
    const limit = 1 / Math.sqrt(fanIn);
    return [
      uniformArray(fanIn * this.config.filters, limit, random),
      uniformArray(this.config.filters, limit, random),
    ];
  }

  forward(input: tf.Tensor, params: readonly tf.Tensor[]): ForwardResult {
    return this.forwardWith(input, params, "linear");
  }

  forwardFused(input: tf.Tensor, params: readonly tf.Tensor[], activation: FusableActivation): ForwardResult {
    return this.forwardWith(input, params, activation);
  }

  private forwardWith(
    input: tf.Tensor,
    params: readonly tf.Tensor[],
    activation: FusableActivation | "linear",
  ): ForwardResult {
    const output = tf.fused.conv2d({
      x: input as tf.Tensor4D,
      filter: params[0] as tf.Tensor4D,
      strides: this.stride,
      pad: this.padding,
      bias: params[1],
      activation,
    });
    return { output, cache: { input } };
  }

  backward(_cache: LayerCache, gradOutput: tf.Tensor, params: readonly tf.Tensor[]): tf.Tensor {
    const n = gradOutput.shape[0];
    const [h, w, c] = this.inputShape;
    return tf.conv2dTranspose(
      gradOutput as tf.Tensor4D,
      params[0] as tf.Tensor4D,
      [n, h, w, c],
      this.stride,
      this.padding,
    );
  }

  /** Uᵢ for every example, [N, P, K], in the kernel's (row, column, channel) order; kept in the cache. */
  private patches(cache: LayerCache): tf.Tensor3D {
    if (!cache.patches) {
      cache.patches = tf.keep(
        tf.tidy(() => {
          const x = cache.input as tf.Tensor4D;
          const n = x.shape[0];
          const [top, bottom, left, right] = this.pads;
          const padded =
            top + bottom + left + right > 0
              ? tf.pad(x, [
                  [0, 0],
                  [top, bottom],
                  [left, right],
                  [0, 0],
                ])
              : x;
          const [ho, wo] = this.outputShape;
          const slices: tf.Tensor[] = [];
          for (let r = 0; r < this.k; r++) {
            for (let c = 0; c < this.k; c++) {
              slices.push(
                tf.stridedSlice(
                  padded,
                  [0, r, c, 0],
                  [n, r + (ho - 1) * this.stride + 1, c + (wo - 1) * this.stride + 1, this.channels],
                  [1, this.stride, this.stride, 1],
                ),
              );
            }
          }
          const stacked = slices.length === 1 ? slices[0] : tf.concat(slices, 3);
          return tf.reshape(stacked, [n, ho * wo, this.k * this.k * this.channels]);
        }),
      );
    }
    return cache.patches as tf.Tensor3D;
  }

  private deltas(gradOutput: tf.Tensor): tf.Tensor3D {
    const [ho, wo, f] = this.outputShape;
    return tf.reshape(gradOutput, [gradOutput.shape[0], ho * wo, f]);
  }

  readonly perExample: PerExampleRules = {
    weightedGradients: (cache, gradOutput, weights) => {
      const u = this.patches(cache);
      let delta = this.deltas(gradOutput);
      if (weights) delta = tf.mul(delta, tf.reshape(weights, [-1, 1, 1]));
      const [n, p, k] = u.shape;
      const kernel = matMulTransposeA(
        tf.reshape(u, [n * p, k]) as tf.Tensor2D,
        tf.reshape(delta, [n * p, -1]) as tf.Tensor2D,
      );
      return [tf.reshape(kernel, this.parameters[0].shape), tf.sum(delta, [0, 1])];
    },
    squaredNorms: (cache, gradOutput) => {
      const u = this.patches(cache);
      const delta = this.deltas(gradOutput);
      const [, p, k] = u.shape;
      const biasNorms = tf.sum(tf.square(tf.sum(delta, 1)), 1);
      let kernelNorms: tf.Tensor;
      if (conv2dNormMethod(p, k, this.config.filters) === "ghost") {
        kernelNorms = tf.sum(tf.mul(matMulTransposeB(u, u), matMulTransposeB(delta, delta)), [1, 2]);
      } else {
        kernelNorms = tf.sum(tf.square(matMulTransposeA(u, delta)), [1, 2]);
      }
      return tf.add(kernelNorms, biasNorms) as tf.Tensor1D;
    },
    perExampleGradients: (cache, gradOutput) => {
      const u = this.patches(cache);
      const delta = this.deltas(gradOutput);
      const n = u.shape[0];
      return [tf.reshape(matMulTransposeA(u, delta), [n, ...this.parameters[0].shape]), tf.sum(delta, 1)];
    },
    kroneckerFactors: (cache, gradOutput) => {
      const u = this.patches(cache);
      const delta = this.deltas(gradOutput);
      const [n, p, k] = u.shape;
      const flat = tf.concat([tf.reshape(u, [n * p, k]) as tf.Tensor2D, tf.ones([n * p, 1])], 1);
      const d = tf.reshape(delta, [n * p, -1]) as tf.Tensor2D;
      // KFC (Grosse & Martens 2016): A averaged over examples and positions, G summed over positions.
      return {
        activations: tf.div(matMulTransposeA(flat, flat), n * p),
        outputGradients: tf.div(matMulTransposeA(d, d), n),
      };
    },
  };
}

/** Output size and (before, after) padding along one axis, TensorFlow's rule. */
export function outputSize(
  size: number,
  kernel: number,
  stride: number,
  padding: Padding,
): [number, number, number] {
  if (padding === "valid") return [Math.floor((size - kernel) / stride) + 1, 0, 0];
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  return [out, Math.floor(total / 2), total - Math.floor(total / 2)];
}
