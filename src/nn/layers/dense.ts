/**
 * Fully connected layer z = a·W + b on inputs of shape [N, in].
 *
 * Per-example rules (Goodfellow 2015; "ghost norm" of Li et al. 2022): for a
 * non-sequential input, gᵢ(W) = aᵢ δᵢᵀ is rank one, so ||gᵢ(W)||² = ||aᵢ||²·||δᵢ||²
 * and ||gᵢ(b)||² = ||δᵢ||² — the norm costs O(N·(in+out)) instead of O(N·in·out).
 * Σ wᵢ gᵢ = Aᵀ·diag(w)·Δ is one matrix product on the activations and output
 * gradients kept from the single backward pass (book-keeping, Bu et al. 2023).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Random } from "../../common/rng.js";
import { matMulTransposeA, matMulTransposeB } from "../linalg.js";
import {
  type ForwardResult,
  type FusableActivation,
  type KroneckerFactors,
  type Layer,
  type LayerCache,
  type ParameterSpec,
  type PerExampleRules,
  type Shape,
  uniformArray,
} from "./layer.js";

export class Dense implements Layer {
  readonly config: { type: "dense"; units: number };
  readonly outputShape: Shape;
  readonly parameters: readonly ParameterSpec[];
  private readonly inputs: number;

  constructor(
    config: { type: "dense"; units: number },
    readonly inputShape: Shape,
  ) {
    if (inputShape.length !== 1) {
      throw new Error(`dense needs a flat input, got shape [${inputShape.join(", ")}]; add a flatten layer`);
    }
    this.config = config;
    this.inputs = inputShape[0];
    this.outputShape = [config.units];
    this.parameters = [
      { name: "kernel", shape: [this.inputs, config.units] },
      { name: "bias", shape: [config.units] },
    ];
  }

  /** PyTorch's default: U(-1/√fan_in, 1/√fan_in) for kernel and bias. */
  initialParameters(random: Random): Float32Array[] {
    const limit = 1 / Math.sqrt(this.inputs);
    return [
      uniformArray(this.inputs * this.config.units, limit, random),
      uniformArray(this.config.units, limit, random),
    ];
  }

  forward(input: tf.Tensor, params: readonly tf.Tensor[]): ForwardResult {
    const output = tf.fused.matMul({ a: input as tf.Tensor2D, b: params[0] as tf.Tensor2D, bias: params[1] });
    return { output, cache: { input } };
  }

  forwardFused(input: tf.Tensor, params: readonly tf.Tensor[], activation: FusableActivation): ForwardResult {
    const output = tf.fused.matMul({
      a: input as tf.Tensor2D,
      b: params[0] as tf.Tensor2D,
      bias: params[1],
      activation,
    });
    return { output, cache: { input } };
  }

  backward(_cache: LayerCache, gradOutput: tf.Tensor, params: readonly tf.Tensor[]): tf.Tensor {
    return matMulTransposeB(gradOutput, params[0]);
  }

  readonly perExample: PerExampleRules = {
    weightedGradients(cache, gradOutput, weights) {
      const delta = (weights ? tf.mul(gradOutput, tf.reshape(weights, [-1, 1])) : gradOutput) as tf.Tensor2D;
      return [matMulTransposeA(cache.input, delta), tf.sum(delta, 0)];
    },
    squaredNorms(cache, gradOutput) {
      const inputNorms = tf.sum(tf.square(cache.input), 1);
      const deltaNorms = tf.sum(tf.square(gradOutput), 1);
      return tf.mul(tf.add(inputNorms, 1), deltaNorms) as tf.Tensor1D;
    },
    perExampleGradients(cache, gradOutput) {
      const kernel = tf.mul(tf.expandDims(cache.input, 2), tf.expandDims(gradOutput, 1));
      return [kernel, tf.clone(gradOutput)];
    },
    kroneckerFactors(cache, gradOutput): KroneckerFactors {
      const n = cache.input.shape[0];
      const augmented = tf.concat([cache.input as tf.Tensor2D, tf.ones([n, 1])], 1);
      return {
        activations: tf.div(matMulTransposeA(augmented, augmented), n),
        outputGradients: tf.div(matMulTransposeA(gradOutput, gradOutput), n),
      };
    },
  };
}
