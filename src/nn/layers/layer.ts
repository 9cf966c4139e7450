/**
 * What every layer provides. Shapes are per example (no batch dimension); tensors
 * carry the batch as their first axis. A layer owns, side by side, its forward pass,
 * its backward pass (gradient with respect to its input) and — if it has
 * parameters — its per-example rules (Opacus-style grad samplers).
 *
 * Tensors in a `LayerCache` are owned by whoever called `forward` (the Sequential
 * model), which disposes them after the backward pass.
 */
import type * as tf from "@tensorflow/tfjs-core";

/** A per-example shape, e.g. [104] or [28, 28, 1]. */
export type Shape = readonly number[];

/** A layer's trainable parameter: its name and shape. */
export interface ParameterSpec {
  /** e.g. "kernel", "bias". */
  name: string;
  /** The parameter's shape. */
  shape: number[];
}

/** What a layer's forward pass keeps for its backward pass. */
export type LayerCache = Record<string, tf.Tensor>;

/** A layer's output and its cache. */
export interface ForwardResult {
  output: tf.Tensor;
  cache: LayerCache;
}

/** Kronecker factors for K-FAC / EK-FAC: F ≈ A ⊗ G. */
export interface KroneckerFactors {
  /** E[ā āᵀ] over inputs ā (with a trailing 1 when the layer has a bias). */
  activations: tf.Tensor2D;
  /** E[δ δᵀ] over per-example output gradients. */
  outputGradients: tf.Tensor2D;
}

/**
 * Per-example gradient rules of a layer with parameters. `gradOutput` holds, for
 * every example i, the gradient of that example's own loss ℓᵢ with respect to the
 * layer's output, so the i-th slice of anything derived from it belongs to example i.
 */
export interface PerExampleRules {
  /** Σᵢ wᵢ gᵢ for each parameter (w undefined: plain sum), from one backward pass. */
  weightedGradients(cache: LayerCache, gradOutput: tf.Tensor, weights?: tf.Tensor1D): tf.Tensor[];
  /** ||gᵢ||² over this layer's parameters, shape [N]; avoids materialising gᵢ where cheaper. */
  squaredNorms(cache: LayerCache, gradOutput: tf.Tensor): tf.Tensor1D;
  /** gᵢ for each parameter, shape [N, ...parameterShape]. */
  perExampleGradients(cache: LayerCache, gradOutput: tf.Tensor): tf.Tensor[];
  /** Layers for which K-FAC is defined (Dense, Conv2d) provide their factors. */
  kroneckerFactors?(cache: LayerCache, gradOutput: tf.Tensor): KroneckerFactors;
}

/**
 * One layer of a {@link Sequential} model: its forward and backward passes and its per-example rules
 * (gradient norms, clipped sums) side by side.
 */
export interface Layer {
  /** The config the layer was built from. */
  readonly config: LayerConfig;
  /** Per-example input shape. */
  readonly inputShape: Shape;
  /** Per-example output shape. */
  readonly outputShape: Shape;
  /** The layer's trainable parameters (none for activations and pooling). */
  readonly parameters: readonly ParameterSpec[];
  /** Fresh parameter values (row-major, one array per ParameterSpec). */
  initialParameters(random: import("../../common/rng.js").Random): Float32Array[];
  /** `context` is given by training passes (dropout draws its masks there) and absent at inference. */
  forward(input: tf.Tensor, params: readonly tf.Tensor[], context?: ForwardContext): ForwardResult;
  /** Gradient with respect to the input (not needed for the first layer). */
  backward(cache: LayerCache, gradOutput: tf.Tensor, params: readonly tf.Tensor[]): tf.Tensor;
  readonly perExample?: PerExampleRules;
  /**
   * Optional fusion with a following activation (one kernel instead of three on
   * small models, where per-op overhead dominates). Returns the activated output
   * and this layer's own cache, as if `forward` had run; the activation layer
   * keeps the activated output as its cache.
   */
  forwardFused?(input: tf.Tensor, params: readonly tf.Tensor[], activation: FusableActivation): ForwardResult;
}

/** Activations a layer can fuse into its forward pass. */
export type FusableActivation = "relu" | "sigmoid";

/** What a training pass gives its layers: stochastic layers (dropout) act only here. */
export interface ForwardContext {
  training: true;
  /** The model's seeded stream for dropout masks (one draw order per model: deterministic). */
  random: import("../../common/rng.js").Random;
}

/** Convolution and pooling padding: keep the size, or only full windows. */
export type Padding = "same" | "valid";

/** A layer as an architecture lists it: dense, conv2d, pooling, flatten, activations, group norm, embedding, dropout, residual blocks. */
export type LayerConfig =
  | { type: "dense"; units: number }
  | { type: "conv2d"; filters: number; kernelSize: number; stride?: number; padding?: Padding }
  | { type: "maxpool"; poolSize: number; stride?: number; padding?: Padding }
  | { type: "avgpool"; poolSize: number; stride?: number; padding?: Padding }
  | { type: "flatten" }
  | { type: "relu" }
  | { type: "tanh" }
  | { type: "sigmoid" }
  | { type: "groupnorm"; groups: number; epsilon?: number }
  | { type: "embedding"; vocabularySize: number; dimension: number }
  | { type: "elu" }
  | { type: "dropout"; rate: number }
  | { type: "globalavgpool" }
  | { type: "residual"; body: LayerConfig[] };

export function sizeOf(shape: Shape): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** Glorot/Xavier-uniform style fan-in/fan-out initialisation values. */
export function uniformArray(
  size: number,
  limit: number,
  random: import("../../common/rng.js").Random,
): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (2 * random.uniform() - 1) * limit;
  return out;
}
