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

/**
 * A per-example shape, e.g. [104] or [28, 28, 1].
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * const image: nn.Shape = [28, 28, 1]; // per example: the batch axis is not part of it
 * const tabular: nn.Shape = [104];
 * nn.createLayer({ type: "flatten" }, image).outputShape; // [784]
 * tabular.length; // 1
 * ```
 */
export type Shape = readonly number[];

/**
 * A layer's trainable parameter: its name and shape.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * await nn.initBackend("wasm"); // tensors need a backend
 * const dense = nn.createLayer({ type: "dense", units: 8 }, [4]);
 * const specs: readonly nn.ParameterSpec[] = dense.parameters;
 * specs.map((p) => `${p.name} [${p.shape}]`); // ["kernel [4,8]", "bias [8]"]
 * ```
 */
export interface ParameterSpec {
  /** e.g. "kernel", "bias". */
  name: string;
  /** The parameter's shape. */
  shape: number[];
}

/**
 * What a layer's forward pass keeps for its backward pass.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * import * as tf from "@tensorflow/tfjs-core";
 * await nn.initBackend("wasm");
 * const layer = nn.createLayer({ type: "relu" }, [3]);
 * const { cache }: { cache: nn.LayerCache } = layer.forward(tf.tensor2d([[1, -2, 3]]), []);
 * const gradInput = layer.backward(cache, tf.ones([1, 3]), []); // the cache feeds the backward pass
 * Object.values(cache).forEach((t) => t.dispose());
 * gradInput.dispose();
 * ```
 */
export type LayerCache = Record<string, tf.Tensor>;

/**
 * A layer's output and its cache.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * import * as tf from "@tensorflow/tfjs-core";
 * await nn.initBackend("wasm");
 * const layer = nn.createLayer({ type: "relu" }, [3]);
 * const result: nn.ForwardResult = layer.forward(tf.tensor2d([[1, -2, 3]]), []);
 * result.output.shape; // [1, 3]: the batch axis first, then the layer's outputShape
 * ```
 */
export interface ForwardResult {
  output: tf.Tensor;
  cache: LayerCache;
}

/**
 * Kronecker factors for K-FAC / EK-FAC: F ≈ A ⊗ G.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * import * as tf from "@tensorflow/tfjs-core";
 * declare const model: nn.Sequential; // a model with Dense or Conv2d layers
 * declare const x: tf.Tensor; declare const labels: tf.Tensor1D; // a batch
 * const pass = model.backwardPass(x, labels, { training: false });
 * const factors: (nn.KroneckerFactors | null)[] = pass.kroneckerFactors().map((k) => k.factors);
 * factors[0]?.activations.shape; // [inputs (+1 with a bias), inputs (+1)]: A of F ≈ A ⊗ G
 * pass.dispose();
 * ```
 */
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
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * await nn.initBackend("wasm");
 * const dense = nn.createLayer({ type: "dense", units: 8 }, [4]);
 * const rules: nn.PerExampleRules | undefined = dense.perExample; // undefined for layers without parameters
 * rules?.kroneckerFactors !== undefined; // true: Dense provides K-FAC factors
 * ```
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
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * await nn.initBackend("wasm");
 * const model = nn.buildModel("mlp:8", [4], 2, 0);
 * const layers: readonly nn.Layer[] = model.layers;
 * layers.map((l) => `${l.config.type} → [${l.outputShape}]`); // ["dense → [8]", "relu → [8]", "dense → [1]"]
 * model.dispose();
 * ```
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

/**
 * Activations a layer can fuse into its forward pass.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * import * as tf from "@tensorflow/tfjs-core";
 * await nn.initBackend("wasm");
 * const model = nn.buildModel("mlp:8", [4], 2, 0);
 * const activation: nn.FusableActivation = "relu"; // or "sigmoid"
 * const fused = model.layers[0].forwardFused?.(tf.ones([2, 4]), model.layerParameters(0), activation);
 * fused?.output.shape; // [2, 8]: the dense layer and its ReLU in one kernel
 * ```
 */
export type FusableActivation = "relu" | "sigmoid";

/**
 * What a training pass gives its layers: stochastic layers (dropout) act only here.
 *
 * @example
 * ```ts
 * import { createRandom, nn } from "equipoise";
 * import * as tf from "@tensorflow/tfjs-core";
 * await nn.initBackend("wasm");
 * const context: nn.ForwardContext = { training: true, random: createRandom(0) }; // dropout draws its masks here
 * const dropout = nn.createLayer({ type: "dropout", rate: 0.5 }, [4]);
 * const { output } = dropout.forward(tf.ones([2, 4]), [], context); // without a context: inference, no dropout
 * output.shape; // [2, 4]
 * ```
 */
export interface ForwardContext {
  training: true;
  /** The model's seeded stream for dropout masks (one draw order per model: deterministic). */
  random: import("../../common/rng.js").Random;
}

/**
 * Convolution and pooling padding: keep the size, or only full windows.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * await nn.initBackend("wasm");
 * const padding: nn.Padding = "valid"; // "same" keeps the size
 * const conv = nn.createLayer({ type: "conv2d", filters: 4, kernelSize: 3, padding }, [28, 28, 1]);
 * conv.outputShape; // [26, 26, 4]
 * ```
 */
export type Padding = "same" | "valid";

/**
 * A layer as an architecture lists it: dense, conv2d, pooling, flatten, activations, group norm, embedding, dropout, residual blocks.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * const layers: nn.LayerConfig[] = [
 *   { type: "conv2d", filters: 16, kernelSize: 3, padding: "same" },
 *   { type: "relu" },
 *   { type: "maxpool", poolSize: 2 },
 *   { type: "flatten" },
 *   { type: "dense", units: 10 },
 * ];
 * const model = new nn.Sequential({ inputShape: [28, 28, 1], layers, loss: "softmax-cross-entropy" }, { seed: 0 });
 * ```
 */
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
