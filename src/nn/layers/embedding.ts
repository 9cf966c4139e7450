/**
 * Embedding lookup: inputs [N, T] hold token ids (as numbers), outputs [N, T, D].
 * It must be the first layer (token ids have no gradient).
 *
 * Per-example rules through the one-hot matrix Oᵢ ([T, V]): gᵢ = Oᵢᵀ δᵢ, and the
 * ghost norm ||gᵢ||² = ⟨OᵢOᵢᵀ, δᵢδᵢᵀ⟩ — OᵢOᵢᵀ[t, t'] = 1 exactly when tokens t and t'
 * are equal — never forms the V×D per-example table.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Random } from "../../common/rng.js";
import { matMulTransposeA, matMulTransposeB } from "../linalg.js";
import type { ForwardResult, Layer, LayerCache, ParameterSpec, PerExampleRules, Shape } from "./layer.js";

type EmbeddingConfig = { type: "embedding"; vocabularySize: number; dimension: number };

export class Embedding implements Layer {
  readonly outputShape: Shape;
  readonly parameters: readonly ParameterSpec[];

  constructor(
    readonly config: EmbeddingConfig,
    readonly inputShape: Shape,
  ) {
    if (inputShape.length !== 1) throw new Error(`embedding needs [tokens] inputs, got [${inputShape}]`);
    this.outputShape = [inputShape[0], config.dimension];
    this.parameters = [{ name: "table", shape: [config.vocabularySize, config.dimension] }];
  }

  /** N(0, 1), as torch.nn.Embedding. */
  initialParameters(random: Random): Float32Array[] {
    const table = new Float32Array(this.config.vocabularySize * this.config.dimension);
    random.fillNormal(table);
    return [table];
  }

  forward(input: tf.Tensor, params: readonly tf.Tensor[]): ForwardResult {
    const n = input.shape[0];
    const ids = tf.cast(tf.reshape(input, [-1]), "int32");
    const output = tf.reshape(tf.gather(params[0], ids), [n, ...this.outputShape]);
    return { output, cache: { ids } };
  }

  backward(): tf.Tensor {
    throw new Error("embedding must be the first layer: token ids have no gradient");
  }

  private oneHot(cache: LayerCache, n: number): tf.Tensor3D {
    const oneHot = tf.cast(tf.oneHot(cache.ids as tf.Tensor1D, this.config.vocabularySize), "float32");
    return tf.reshape(oneHot, [n, this.inputShape[0], -1]);
  }

  readonly perExample: PerExampleRules = {
    weightedGradients: (cache, gradOutput, weights) => {
      const n = gradOutput.shape[0];
      const delta = weights ? tf.mul(gradOutput, tf.reshape(weights, [-1, 1, 1])) : gradOutput;
      const flatOneHot = tf.reshape(this.oneHot(cache, n), [-1, this.config.vocabularySize]) as tf.Tensor2D;
      return [matMulTransposeA(flatOneHot, tf.reshape(delta, [-1, this.config.dimension]) as tf.Tensor2D)];
    },
    squaredNorms: (cache, gradOutput) => {
      const oneHot = this.oneHot(cache, gradOutput.shape[0]);
      const delta = gradOutput as tf.Tensor3D;
      return tf.sum(
        tf.mul(matMulTransposeB(oneHot, oneHot), matMulTransposeB(delta, delta)),
        [1, 2],
      ) as tf.Tensor1D;
    },
    perExampleGradients: (cache, gradOutput) => [
      matMulTransposeA(this.oneHot(cache, gradOutput.shape[0]), gradOutput as tf.Tensor3D),
    ],
  };
}
