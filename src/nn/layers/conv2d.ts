/**
 * 2-D convolution on NHWC inputs, kernel [k, k, Cin, Cout], stride and "same"/"valid"
 * padding (TensorFlow's conventions).
 *
 * Gradients avoid the WASM backend's slow paths (no Conv2DBackpropFilter kernel; a
 * slow conv2dTranspose; transposed and batched matMuls ~10× slower than plain ones):
 * - input gradient, stride 1: a convolution of δ with the kernel rotated by 180°
 *   (4 ms instead of 39 ms for the 14×14×16→32 layer of the small CNN, batch 64);
 * - summed kernel gradient Σᵢ Uᵢᵀδᵢ (Uᵢ: patch matrix [positions, k·k·Cin]):
 *   when k·k·Cin ≤ Cout (e.g. a first layer on grey images) the transposed patch
 *   matrix is built in JS (im2col) and multiplied by δ; otherwise it is a convolution
 *   of the input laid out as [Cin, H, W, N] ("examples as channels") with δ laid out
 *   as a filter [H', W', N, Cout], dilated by the stride;
 * - per-example kernel gradients gᵢ: the same layout through depthwiseConv2d, whose
 *   channel multiplier keeps the examples apart.
 * A channel (or row) of ones next to the input makes the bias gradient come out of
 * the same product. Per-example norms use those gᵢ or, when cheaper, the ghost-norm
 * identity ||Uᵢᵀδᵢ||² = ⟨UᵢUᵢᵀ, δᵢδᵢᵀ⟩ (Gram matrices over positions, ~P²(K+Cout)).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Random } from "../../common/rng.js";
import { matMulTransposeA, matMulTransposeB } from "../linalg.js";
import { transposedPatches } from "./im2col.js";
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
import { windowGeometry } from "./window.js";

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

/** "im2col" when the patch matrix is no larger than the output gradients, else "convolution". */
export function conv2dKernelGradientMethod(patchSize: number, filters: number): "im2col" | "convolution" {
  return patchSize <= filters ? "im2col" : "convolution";
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
    if (this.stride === 1) {
      // Full correlation of δ with the kernel rotated by 180° and its channels swapped.
      const [top, bottom, left, right] = this.pads;
      const edge = this.k - 1;
      const flipped = tf.transpose(tf.reverse(params[0], [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
      return tf.conv2d(gradOutput as tf.Tensor4D, flipped, 1, [
        [0, 0],
        [edge - top, edge - bottom],
        [edge - left, edge - right],
        [0, 0],
      ]);
    }
    return tf.conv2dTranspose(
      gradOutput as tf.Tensor4D,
      params[0] as tf.Tensor4D,
      [n, h, w, c],
      this.stride,
      this.padding,
    );
  }

  /**
   * The padded input as [Cin + 1, H + pads, W + pads, N]: examples become channels,
   * and a last channel of ones makes the bias gradient Σ δ come out of the same
   * convolution as the kernel gradient. Kept in the cache.
   */
  private examplesAsChannels(cache: LayerCache): tf.Tensor4D {
    if (!cache.examplesAsChannels) {
      cache.examplesAsChannels = tf.keep(
        tf.tidy(() => {
          const x = tf.transpose(this.paddedInput(cache.input as tf.Tensor4D), [3, 1, 2, 0]);
          const [, rows, cols, n] = x.shape;
          return tf.concat([x, tf.ones([1, rows, cols, n])], 0);
        }),
      );
    }
    return cache.examplesAsChannels as tf.Tensor4D;
  }

  private paddedInput(x: tf.Tensor4D): tf.Tensor4D {
    const [top, bottom, left, right] = this.pads;
    if (top + bottom + left + right === 0) return x;
    return tf.pad(x, [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ]);
  }

  /**
   * Σ over positions of input patch ⊗ δ, as [Cin + 1, k, k, N·Cout] with `perExample`
   * (depthwise: channel n·Cout + f belongs to example n) or [Cin + 1, k, k, Cout]
   * summed over examples; the last input channel holds the bias gradient (at every
   * kernel position). Output gradients act as a filter [H', W', N, Cout] dilated by
   * the stride; rows and columns beyond k (left over by a stride) are cut off.
   */
  private kernelGradientConvolution(x: tf.Tensor4D, gradOutput: tf.Tensor, perExample: boolean): tf.Tensor4D {
    const filter = tf.transpose(gradOutput, [1, 2, 0, 3]) as tf.Tensor4D;
    const dilation = this.stride;
    const out = perExample
      ? tf.depthwiseConv2d(x, filter, 1, "valid", "NHWC", dilation)
      : tf.conv2d(x, filter, 1, "valid", "NHWC", dilation);
    const [channels, rows, cols, outChannels] = out.shape;
    return rows === this.k && cols === this.k
      ? out
      : tf.slice(out, [0, 0, 0, 0], [channels, this.k, this.k, outChannels]);
  }

  /** [Uᵀ; 1ᵀ] for the whole batch, [k·k·Cin + 1, N·H'·W'], built in JS; kept in the cache. */
  private transposedPatches(cache: LayerCache): tf.Tensor2D {
    if (!cache.transposedPatches) {
      const [n, , , c] = cache.input.shape;
      const [ho, wo] = this.outputShape;
      const values = transposedPatches(
        cache.input.dataSync() as Float32Array,
        windowGeometry(cache.input.shape, this.outputShape, this.k, this.stride, this.pads[0], this.pads[2]),
        { onesRow: true },
      );
      cache.transposedPatches = tf.keep(tf.tensor2d(values, [this.k * this.k * c + 1, n * ho * wo]));
    }
    return cache.transposedPatches as tf.Tensor2D;
  }

  /** Σᵢ wᵢ gᵢ (w undefined: plain sum) for kernel [k, k, Cin, Cout] and bias [Cout]. */
  private summedGradients(cache: LayerCache, gradOutput: tf.Tensor, weights?: tf.Tensor1D): tf.Tensor[] {
    const { filters } = this.config;
    const patchSize = this.k * this.k * this.channels;
    if (conv2dKernelGradientMethod(patchSize, filters) === "im2col") {
      const n = gradOutput.shape[0];
      let delta = tf.reshape(gradOutput, [n, -1]);
      if (weights) delta = tf.mul(delta, tf.reshape(weights, [-1, 1]));
      const both = tf.matMul(this.transposedPatches(cache), tf.reshape(delta, [-1, filters]) as tf.Tensor2D);
      return [
        tf.reshape(tf.slice(both, [0, 0], [patchSize, filters]), this.parameters[0].shape),
        tf.reshape(tf.slice(both, [patchSize, 0], [1, filters]), [filters]),
      ];
    }
    let x = this.examplesAsChannels(cache);
    // Weighting the examples' input channels weights each example's whole gradient.
    if (weights) x = tf.mul(x, weights);
    const both = this.kernelGradientConvolution(x, gradOutput, false);
    const c = this.channels;
    return [
      tf.transpose(tf.slice(both, [0, 0, 0, 0], [c, this.k, this.k, filters]), [1, 2, 0, 3]),
      tf.reshape(tf.slice(both, [c, 0, 0, 0], [1, 1, 1, filters]), [filters]),
    ];
  }

  /** gᵢ(kernel) as [Cin·k·k, N, Cout] (rows in (channel, row, column) order) and gᵢ(bias) as [N, Cout]. */
  private perExampleGradientsByChannel(
    cache: LayerCache,
    gradOutput: tf.Tensor,
  ): { kernel: tf.Tensor3D; bias: tf.Tensor2D } {
    const n = gradOutput.shape[0];
    const { filters } = this.config;
    const c = this.channels;
    const both = this.kernelGradientConvolution(this.examplesAsChannels(cache), gradOutput, true);
    const channelsOut = n * filters;
    return {
      kernel: tf.reshape(tf.slice(both, [0, 0, 0, 0], [c, this.k, this.k, channelsOut]), [-1, n, filters]),
      bias: tf.reshape(tf.slice(both, [c, 0, 0, 0], [1, 1, 1, channelsOut]), [n, filters]),
    };
  }

  /** Uᵢ for every example, [N, P, K], in the kernel's (row, column, channel) order; kept in the cache. */
  private patches(cache: LayerCache): tf.Tensor3D {
    if (!cache.patches) {
      cache.patches = tf.keep(
        tf.tidy(() => {
          const x = cache.input as tf.Tensor4D;
          const n = x.shape[0];
          const padded = this.paddedInput(x);
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
    weightedGradients: (cache, gradOutput, weights) => this.summedGradients(cache, gradOutput, weights),
    squaredNorms: (cache, gradOutput) => {
      const [ho, wo] = this.outputShape;
      const patchSize = this.k * this.k * this.channels;
      if (conv2dNormMethod(ho * wo, patchSize, this.config.filters) === "ghost") {
        const u = this.patches(cache);
        const delta = this.deltas(gradOutput);
        const biasNorms = tf.sum(tf.square(tf.sum(delta, 1)), 1);
        const kernelNorms = tf.sum(tf.mul(matMulTransposeB(u, u), matMulTransposeB(delta, delta)), [1, 2]);
        return tf.add(kernelNorms, biasNorms) as tf.Tensor1D;
      }
      const { kernel, bias } = this.perExampleGradientsByChannel(cache, gradOutput);
      return tf.add(tf.sum(tf.square(kernel), [0, 2]), tf.sum(tf.square(bias), 1)) as tf.Tensor1D;
    },
    perExampleGradients: (cache, gradOutput) => {
      const n = gradOutput.shape[0];
      const { kernel, bias } = this.perExampleGradientsByChannel(cache, gradOutput);
      const byChannel = tf.reshape(kernel, [this.channels, this.k, this.k, n, this.config.filters]);
      return [tf.transpose(byChannel, [3, 1, 2, 0, 4]), bias];
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
