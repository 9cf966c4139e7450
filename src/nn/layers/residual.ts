/**
 * A residual block (He et al. 2016): y = f(x) + s(x), where f is a stack of layers
 * (the body) and s the shortcut — the identity when f keeps the shape, else a
 * projection: a dense layer on flat inputs, a 1×1 convolution with the body's
 * stride on images ("option B" of He et al.).
 *
 * The block is one layer of the model: its parameters are those of the body's
 * layers then the projection's, in order, and its per-example rules are theirs,
 * applied to the output gradients of each inner layer. Those are found by running
 * the body's backward pass from the block's output gradient (δ for the projection),
 * once per pass: they are kept in the block's cache next to the inner layers'
 * caches, under a prefix per inner layer, so that everything the block keeps is
 * owned, and disposed, like any layer's cache.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Random } from "../../common/rng.js";
import type {
  ForwardContext,
  ForwardResult,
  Layer,
  LayerCache,
  LayerConfig,
  ParameterSpec,
  PerExampleRules,
  Shape,
} from "./layer.js";

type ResidualConfig = { type: "residual"; body: LayerConfig[] };
export type LayerFactory = (config: LayerConfig, inputShape: Shape) => Layer;

const GRADIENT = "grad:";

/** The inner layer `part`'s cache, stored in the block's cache under `part:` keys. */
function innerCache(outer: LayerCache, part: number): LayerCache {
  const prefix = `${part}:`;
  return new Proxy({} as LayerCache, {
    get: (_, key) => (typeof key === "string" ? outer[prefix + key] : undefined),
    set: (_, key, value) => {
      outer[prefix + String(key)] = value;
      return true;
    },
    has: (_, key) => typeof key === "string" && prefix + key in outer,
    ownKeys: () => Object.keys(outer).flatMap((k) => (k.startsWith(prefix) ? [k.slice(prefix.length)] : [])),
    getOwnPropertyDescriptor: (_, key) =>
      typeof key === "string" && prefix + key in outer
        ? { value: outer[prefix + key], enumerable: true, configurable: true, writable: true }
        : undefined,
  });
}

export class Residual implements Layer {
  readonly outputShape: Shape;
  readonly parameters: readonly ParameterSpec[];
  /** The body's layers, then the projection (if any). */
  private readonly parts: readonly Layer[];
  private readonly bodyLength: number;
  /** Index in `parts` of each part's first parameter tensor. */
  private readonly offsets: readonly number[];
  /** The (model-owned) parameters each training pass ran with, by its cache; never in the cache, which its owner disposes. */
  private readonly forwardParams = new WeakMap<LayerCache, readonly tf.Tensor[]>();

  constructor(
    readonly config: ResidualConfig,
    readonly inputShape: Shape,
    create: LayerFactory,
  ) {
    if (config.body.length === 0) throw new Error("a residual block needs at least one layer in its body");
    const body: Layer[] = [];
    let shape = inputShape;
    for (const inner of config.body) {
      const layer = create(inner, shape);
      body.push(layer);
      shape = layer.outputShape;
    }
    this.outputShape = shape;
    const projection = sameShape(inputShape, shape)
      ? null
      : create(projectionFor(inputShape, shape), inputShape);
    if (projection && !sameShape(projection.outputShape, shape)) {
      throw new Error(
        `residual block: no projection maps [${inputShape}] to the body's output [${shape}] (use a stride that divides the input)`,
      );
    }
    this.parts = projection ? [...body, projection] : body;
    this.bodyLength = body.length;
    const offsets: number[] = [];
    let count = 0;
    for (const part of this.parts) {
      offsets.push(count);
      count += part.parameters.length;
    }
    this.offsets = offsets;
    this.parameters = this.parts.flatMap((part, k) =>
      part.parameters.map((p) => ({ name: `${k}.${p.name}`, shape: p.shape })),
    );
  }

  initialParameters(random: Random): Float32Array[] {
    return this.parts.flatMap((part) => part.initialParameters(random));
  }

  private paramsOf(params: readonly tf.Tensor[], part: number): readonly tf.Tensor[] {
    return params.slice(this.offsets[part], this.offsets[part] + this.parts[part].parameters.length);
  }

  forward(input: tf.Tensor, params: readonly tf.Tensor[], context?: ForwardContext): ForwardResult {
    const cache: LayerCache = {};
    let x = input;
    for (let k = 0; k < this.bodyLength; k++) {
      const result = this.parts[k].forward(x, this.paramsOf(params, k), context);
      Object.assign(innerCache(cache, k), result.cache);
      x = result.output;
    }
    let shortcut = input;
    if (this.parts.length > this.bodyLength) {
      const k = this.bodyLength;
      const result = this.parts[k].forward(input, this.paramsOf(params, k), context);
      Object.assign(innerCache(cache, k), result.cache);
      shortcut = result.output;
    }
    this.forwardParams.set(cache, params);
    return { output: tf.add(x, shortcut), cache };
  }

  /**
   * The output gradient of every part, [body..., projection]: computed once per pass
   * from the block's output gradient and kept in the cache (owned by the pass).
   */
  private innerGradients(
    cache: LayerCache,
    gradOutput: tf.Tensor,
    params: readonly tf.Tensor[],
  ): tf.Tensor[] {
    const grads: tf.Tensor[] = [];
    if (cache[`${GRADIENT}0`] === undefined) {
      let grad = gradOutput;
      for (let k = this.bodyLength - 1; k >= 0; k--) {
        cache[`${GRADIENT}${k}`] = tf.keep(k === this.bodyLength - 1 ? tf.clone(grad) : grad);
        if (k > 0) grad = this.parts[k].backward(innerCache(cache, k), grad, this.paramsOf(params, k));
      }
    }
    for (let k = 0; k < this.bodyLength; k++) grads.push(cache[`${GRADIENT}${k}`]);
    if (this.parts.length > this.bodyLength) grads.push(gradOutput);
    return grads;
  }

  backward(cache: LayerCache, gradOutput: tf.Tensor, params: readonly tf.Tensor[]): tf.Tensor {
    const grads = this.innerGradients(cache, gradOutput, params);
    const throughBody = this.parts[0].backward(innerCache(cache, 0), grads[0], this.paramsOf(params, 0));
    const k = this.bodyLength;
    const throughShortcut =
      this.parts.length > k
        ? this.parts[k].backward(innerCache(cache, k), gradOutput, this.paramsOf(params, k))
        : gradOutput;
    return tf.add(throughBody, throughShortcut);
  }

  /** `fn` over the parts that have parameters, with their caches and output gradients. */
  private eachParametric<T>(
    cache: LayerCache,
    gradOutput: tf.Tensor,
    fn: (rules: PerExampleRules, inner: LayerCache, grad: tf.Tensor) => T,
  ): T[] {
    // The per-example rules receive no parameters, but the body's backward pass needs
    // them: the model's backward pass has already run it unless this block is the
    // first layer with parameters, and then the parameters of the forward pass are used.
    const params = this.forwardParams.get(cache);
    if (!params) throw new Error("residual block: per-example rules on a cache from no forward pass");
    const grads = this.innerGradients(cache, gradOutput, params);
    const out: T[] = [];
    this.parts.forEach((part, k) => {
      if (part.perExample) out.push(fn(part.perExample, innerCache(cache, k), grads[k]));
    });
    return out;
  }

  readonly perExample: PerExampleRules = {
    weightedGradients: (cache, gradOutput, weights) =>
      this.eachParametric(cache, gradOutput, (rules, inner, grad) =>
        rules.weightedGradients(inner, grad, weights),
      ).flat(),
    squaredNorms: (cache, gradOutput) => {
      const parts = this.eachParametric(cache, gradOutput, (rules, inner, grad) =>
        rules.squaredNorms(inner, grad),
      );
      return (parts.length === 1 ? parts[0] : tf.addN(parts)) as tf.Tensor1D;
    },
    perExampleGradients: (cache, gradOutput) =>
      this.eachParametric(cache, gradOutput, (rules, inner, grad) =>
        rules.perExampleGradients(inner, grad),
      ).flat(),
  };
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Dense to the body's width on flat inputs; a 1×1 convolution with the body's stride on images. */
function projectionFor(input: Shape, output: Shape): LayerConfig {
  if (input.length === 1 && output.length === 1) return { type: "dense", units: output[0] };
  if (input.length === 3 && output.length === 3) {
    const stride = Math.max(1, Math.round(input[0] / output[0]));
    return { type: "conv2d", filters: output[2], kernelSize: 1, stride, padding: "same" };
  }
  throw new Error(`residual block: a shortcut cannot map [${input}] to [${output}]`);
}
