/**
 * A stack of layers with explicit forward and backward passes and the per-example
 * gradient operations built on them. The model owns its parameter tensors; a
 * `BatchPass` owns the activations and output gradients of one backward pass, from
 * which norms, weighted sums, materialised per-example gradients and Kronecker
 * factors are all derived without a second backward pass.
 */
import * as tf from "@tensorflow/tfjs-core";
import { createRandom, type Random } from "../common/rng.js";
import {
  createLayer,
  type KroneckerFactors,
  type Layer,
  type LayerCache,
  type LayerConfig,
} from "./layers/index.js";
import { type LossKind, lossGradient, perExampleLosses, predictedClasses } from "./losses.js";
import { tidyKeep } from "./tidy.js";

/**
 * A model's layers, per-example input shape and loss.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * const architecture: nn.Architecture = {
 *   inputShape: [104],
 *   layers: [{ type: "dense", units: 64 }, { type: "relu" }, { type: "dense", units: 1 }],
 *   loss: "binary-cross-entropy",
 * }; // what architectureFor("mlp:64", [104], 2) returns
 * const model = new nn.Sequential(architecture, { seed: 0 });
 * ```
 */
export interface Architecture {
  /** Per-example input shape, e.g. [104] or [28, 28, 1]. */
  inputShape: number[];
  /** The layers, input first. */
  layers: LayerConfig[];
  /** The training loss. */
  loss: LossKind;
}

/**
 * Options of a backward pass: per-example loss weights, and whether it is a training pass.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * import * as tf from "@tensorflow/tfjs-core";
 * declare const model: nn.Sequential; // e.g. nn.buildModel("mlp:64", [104], 2, 0)
 * declare const x: tf.Tensor; declare const labels: tf.Tensor1D; // a batch
 * const options: nn.BackwardOptions = { lossWeights: 0.5, training: false }; // inference-time gradients of ½ ℓᵢ
 * const pass = model.backwardPass(x, labels, options);
 * const norms = pass.norms(); // per-example gradient norms, shape [N]
 * pass.dispose();
 * ```
 */
export interface BackwardOptions {
  /**
   * Multiplies each example's loss: the pass then differentiates Σ wᵢ ℓᵢ and the
   * per-example quantities are those of wᵢ ℓᵢ. A number scales every example.
   */
  lossWeights?: tf.Tensor1D | number;
  /**
   * A training pass (default): stochastic layers (dropout) draw their masks. False
   * gives the gradients of the inference-time function (influence functions, audits).
   */
  training?: boolean;
}

/**
 * A stack of layers with explicit backward passes and per-example gradient rules (for DP-SGD).
 * Build one from an architecture and a seed (or given parameters); it owns its parameter tensors until `dispose()`.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * await nn.initBackend("wasm");
 * const model = new nn.Sequential(nn.architectureFor("mlp:16", [12], 2), { seed: 0 });
 * console.log(model.parameterCount); // (12+1)·16 + (16+1)·1 = 225
 * model.dispose();
 * ```
 */
export class Sequential {
  /** The architecture the model was built from. */
  readonly architecture: Architecture;
  /** The layers, input first. */
  readonly layers: readonly Layer[];
  /** Per-example output shape. */
  readonly outputShape: readonly number[];
  private params: tf.Tensor[][];
  /** Dropout masks' stream, seeded by the model's seed (0 when built from given parameters). */
  private readonly trainingRandom: Random;

  /** `parameters`: one array per ParameterSpec of every layer in order; seeded initialisation when omitted. */
  constructor(architecture: Architecture, parameters: Float32Array[] | { seed: number }) {
    this.architecture = architecture;
    const layers: Layer[] = [];
    let shape: readonly number[] = architecture.inputShape;
    for (const config of architecture.layers) {
      const layer = createLayer(config, shape);
      layers.push(layer);
      shape = layer.outputShape;
    }
    this.layers = layers;
    this.outputShape = shape;
    let values: Float32Array[];
    this.trainingRandom = createRandom(
      ((Array.isArray(parameters) ? 0 : parameters.seed) ^ 0x5eed_d70b) >>> 0,
    );
    if (Array.isArray(parameters)) {
      values = parameters;
    } else {
      const random = createRandom(parameters.seed);
      values = layers.flatMap((layer) => layer.initialParameters(random));
    }
    const specs = this.parameterSpecs();
    if (values.length !== specs.length) {
      throw new Error(`the model has ${specs.length} parameter tensors, got ${values.length}`);
    }
    let k = 0;
    this.params = layers.map((layer) =>
      layer.parameters.map((spec) => {
        const data = values[k++];
        if (data.length !== sizeOfShape(spec.shape)) {
          throw new Error(
            `parameter ${spec.name} of shape [${spec.shape}] needs ${sizeOfShape(spec.shape)} values, got ${data.length}`,
          );
        }
        return tf.tensor(data, spec.shape, "float32");
      }),
    );
  }

  /** Layer index, name and shape of every parameter tensor, in order. */
  parameterSpecs(): { layer: number; name: string; shape: number[] }[] {
    return this.layers.flatMap((layer, index) => layer.parameters.map((p) => ({ layer: index, ...p })));
  }

  /** The number of trainable parameters. */
  get parameterCount(): number {
    return this.parameterSpecs().reduce((total, spec) => total + sizeOfShape(spec.shape), 0);
  }

  /** The parameter tensors (owned by the model; do not dispose). */
  parameters(): tf.Tensor[] {
    return this.params.flat();
  }

  /** Replaces the parameters; the model takes ownership of `values` and disposes the old tensors. */
  setParameters(values: readonly tf.Tensor[]): void {
    let k = 0;
    const next = this.params.map((group) => group.map(() => values[k++]));
    if (k !== values.length) throw new Error(`expected ${k} parameter tensors, got ${values.length}`);
    const old = this.params.flat();
    this.params = next;
    for (const tensor of old) if (!values.includes(tensor)) tensor.dispose();
  }

  /** Parameter values copied out of the backend. */
  readParameters(): Float32Array[] {
    return this.parameters().map((p) => p.dataSync() as Float32Array);
  }

  /** Logits for a batch (no caches kept). */
  predictLogits(input: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.runForward(input, false).output);
  }

  /** Predicted class per example. */
  predictClasses(input: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => predictedClasses(this.architecture.loss, this.predictLogits(input)));
  }

  /**
   * Logits as a differentiable function of given parameter tensors (same order as
   * `parameters()`): for autodiff references and the naive per-example baseline.
   */
  logitsWith(input: tf.Tensor, parameters: readonly tf.Tensor[]): tf.Tensor {
    const saved = this.params;
    let k = 0;
    this.params = this.params.map((group) => group.map(() => parameters[k++]));
    try {
      return this.runForward(input, false).output;
    } finally {
      this.params = saved;
    }
  }

  /** Per-example losses without a backward pass. */
  losses(input: tf.Tensor, labels: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => perExampleLosses(this.architecture.loss, this.predictLogits(input), labels));
  }

  /** One forward and backward pass over a batch; dispose the result when done. */
  backwardPass(input: tf.Tensor, labels: tf.Tensor, options: BackwardOptions = {}): BatchPass {
    const kept = tidyKeep(() => {
      const { output: logits, caches } = this.runForward(input, true, options.training ?? true);
      let grad = lossGradient(this.architecture.loss, logits, labels);
      const weights = options.lossWeights;
      if (weights !== undefined) {
        grad =
          typeof weights === "number" ? tf.mul(grad, weights) : tf.mul(grad, tf.reshape(weights, [-1, 1]));
      }
      const firstParametric = this.layers.findIndex((layer) => layer.parameters.length > 0);
      const gradOutputs: (tf.Tensor | null)[] = this.layers.map(() => null);
      for (let i = this.layers.length - 1; i >= Math.max(firstParametric, 0); i--) {
        if (this.layers[i].perExample) gradOutputs[i] = grad;
        if (i > firstParametric) grad = this.layers[i].backward(caches[i], grad, this.params[i]);
      }
      return { logits, caches, gradOutputs };
    });
    return new BatchPass(this, input, kept.logits, labels, kept.caches, kept.gradOutputs);
  }

  /**
   * Materialised per-example gradients, [chunk, parameterCount] at a time (for
   * influence functions, TracIn): `visit` receives each chunk's gradients and the
   * index of its first example; the tensor is disposed after `visit` returns.
   */
  forEachGradientChunk(
    input: tf.Tensor,
    labels: tf.Tensor,
    chunkSize: number,
    visit: (gradients: tf.Tensor2D, start: number) => void,
  ): void {
    const n = input.shape[0];
    for (let start = 0; start < n; start += chunkSize) {
      const size = Math.min(chunkSize, n - start);
      const x = tf.slice(input, start, size);
      const y = tf.slice(labels, start, size);
      const pass = this.backwardPass(x, y);
      const gradients = pass.flatPerExampleGradients();
      try {
        visit(gradients, start);
      } finally {
        gradients.dispose();
        pass.dispose();
        tf.dispose([x, y]);
      }
    }
  }

  /** Internal: parameters of layer i (for BatchPass). */
  layerParameters(i: number): readonly tf.Tensor[] {
    return this.params[i];
  }

  /** Frees the parameter tensors; the model cannot be used afterwards. */
  dispose(): void {
    for (const tensor of this.params.flat()) tensor.dispose();
    this.params = this.params.map(() => []);
  }

  private runForward(
    input: tf.Tensor,
    keepCaches: boolean,
    training = false,
  ): { output: tf.Tensor; caches: LayerCache[] } {
    const caches: LayerCache[] = [];
    const context = training ? { training: true as const, random: this.trainingRandom } : undefined;
    let x = input;
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i];
      const next = this.layers[i + 1]?.config.type;
      if (layer.forwardFused && (next === "relu" || next === "sigmoid")) {
        const result = layer.forwardFused(x, this.params[i], next);
        x = result.output;
        if (keepCaches) caches.push(result.cache, { output: x });
        i++;
        continue;
      }
      const result = layer.forward(x, this.params[i], context);
      x = result.output;
      if (keepCaches) caches.push(result.cache);
    }
    return { output: x, caches };
  }
}

/**
 * The state of one backward pass: per layer, the cached inputs and the per-example
 * output gradients. Every operation below reuses them; none runs a second backward.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * import * as tf from "@tensorflow/tfjs-core";
 * await nn.initBackend("wasm"); // tensors need a backend
 * const model = nn.buildModel("mlp:8", [3], 2, 0);
 * const pass = model.backwardPass(tf.tensor2d([1, 2, 3, 0, 0, 0], [2, 3]), nn.labelTensor("binary-cross-entropy", Float32Array.of(1, 0)));
 * pass.norms(); // per-example gradient norms, from the same backward pass as
 * pass.clippedGradientSum(1); // the DP-SGD sum of gradients clipped to norm 1
 * ```
 */
export class BatchPass {
  constructor(
    private readonly model: Sequential,
    private readonly input: tf.Tensor,
    readonly logits: tf.Tensor,
    private readonly labels: tf.Tensor,
    private readonly caches: LayerCache[],
    private readonly gradOutputs: (tf.Tensor | null)[],
  ) {}

  /** Examples in the batch. */
  get batchSize(): number {
    return this.logits.shape[0];
  }

  /** Per-example (unweighted) losses, shape [N]. */
  losses(): tf.Tensor1D {
    return perExampleLosses(this.model.architecture.loss, this.logits, this.labels);
  }

  /** Σᵢ wᵢ gᵢ for every parameter tensor of the model (w omitted: plain sum). */
  weightedGradients(weights?: tf.Tensor1D): tf.Tensor[] {
    return tf.tidy(() =>
      this.forEachParametric((layer, i) =>
        layer.perExample!.weightedGradients(this.caches[i], this.gradOutputs[i]!, weights),
      ).flat(),
    );
  }

  /** ||gᵢ||² over all parameters, shape [N]. */
  squaredNorms(): tf.Tensor1D {
    return tf.tidy(() => {
      const parts = this.forEachParametric((layer, i) =>
        layer.perExample!.squaredNorms(this.caches[i], this.gradOutputs[i]!),
      );
      return (parts.length === 1 ? parts[0] : tf.addN(parts)) as tf.Tensor1D;
    });
  }

  /** ||gᵢ|| for every example, shape [N]. */
  norms(): tf.Tensor1D {
    return tf.tidy(() => tf.sqrt(this.squaredNorms()));
  }

  /**
   * Σᵢ min(1, C/||gᵢ||)·gᵢ: the clipped sum of DP-SGD (without noise), from the
   * same pass. Returns the gradients and the per-example norms before clipping.
   */
  clippedGradientSum(clipNorm: number): { gradients: tf.Tensor[]; norms: tf.Tensor1D } {
    const norms = this.norms();
    const factors = tf.tidy(() => tf.minimum(1, tf.div(clipNorm, tf.add(norms, 1e-6))) as tf.Tensor1D);
    const gradients = this.weightedGradients(factors);
    factors.dispose();
    return { gradients, norms };
  }

  /** gᵢ for every parameter tensor, shape [N, ...parameterShape]. */
  perExampleGradients(): tf.Tensor[] {
    return tf.tidy(() =>
      this.forEachParametric((layer, i) =>
        layer.perExample!.perExampleGradients(this.caches[i], this.gradOutputs[i]!),
      ).flat(),
    );
  }

  /** gᵢ flattened in parameter order, shape [N, parameterCount]. */
  flatPerExampleGradients(): tf.Tensor2D {
    return tf.tidy(() => {
      const n = this.batchSize;
      return tf.concat(
        this.perExampleGradients().map((g) => tf.reshape(g, [n, -1])),
        1,
      ) as tf.Tensor2D;
    });
  }

  /** Kronecker factors of every layer with parameters (null where K-FAC is not defined). */
  kroneckerFactors(): { layer: number; factors: KroneckerFactors | null }[] {
    const out: { layer: number; factors: KroneckerFactors | null }[] = [];
    this.model.layers.forEach((layer, i) => {
      if (!layer.perExample) return;
      const rules = layer.perExample;
      out.push({
        layer: i,
        factors: rules.kroneckerFactors
          ? tidyKeep(() => rules.kroneckerFactors!(this.caches[i], this.gradOutputs[i]!))
          : null,
      });
    });
    return out;
  }

  /** Frees the pass's cached tensors. */
  dispose(): void {
    this.logits.dispose();
    // The caller owns the input batch; the first layer's cache refers to it.
    for (const cache of this.caches)
      for (const tensor of Object.values(cache)) if (tensor !== this.input) tensor.dispose();
    for (const tensor of this.gradOutputs) tensor?.dispose();
  }

  private forEachParametric<T>(fn: (layer: Layer, index: number) => T): T[] {
    const out: T[] = [];
    this.model.layers.forEach((layer, i) => {
      if (layer.perExample) out.push(fn(layer, i));
    });
    return out;
  }
}

function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
