/**
 * The engine's convolutional networks (src/nn: conv2d, max / average pooling, flatten,
 * dense, tanh / ReLU / sigmoid) in float64, with what influence functions need:
 *   F(θ) = Σᵢ wᵢ ℓ(f(xᵢ; θ), yᵢ) + ½ λ ‖θ‖²
 * (λ on every parameter, as the MLP: a mean-loss weight decay wd is λ = n·wd), with
 *   - per-example gradients by back-propagation;
 *   - exact Hessian-vector products by Pearlmutter's R-operator (1994), written once
 *     for three kinds of stage: a convolution (a dense layer is the 1×1 convolution of
 *     a 1×1 image) is bilinear in its input and its kernel, so its R-forward is
 *     B(Ra, W) + B(a, V) and its R-backward reuses the same two transposed products;
 *     an activation is elementwise (f′ and f″); pooling and flattening are linear
 *     maps of the input (max pooling with the routing of the forward pass, which is
 *     locally constant), so R commutes with them.
 * The layout is the engine's: inputs NHWC flattened row-major per example, a
 * convolution's kernel [k, k, Cin, Cout] then its bias [Cout], a dense kernel
 * [in × out] then its bias; TensorFlow's "same" padding; max pooling routes to the
 * first maximum of its window, average pooling divides by the cells inside the input.
 *
 * No Kronecker factors: K-FAC for convolutions (Grosse & Martens 2016) needs the
 * patch statistics of every layer, which are not built, so kfac / ekfac do not apply
 * (influence() names the methods that do).
 */
import { UserError } from "../../common/errors.js";
import { createRandom } from "../../common/rng.js";
import { minimize } from "../../math/lbfgs.js";
import { outputSize } from "../../nn/layers/conv2d.js";
import type { LayerConfig } from "../../nn/layers/layer.js";
import type { Examples } from "../data.js";
import { hessianFromProducts } from "../linalg.js";
import type { ExplainableModel, RefitOptions, Stationarity } from "../model.js";
import { maxAbs } from "../model.js";
import {
  addBias,
  averagePool,
  averagePoolTransposedAdd,
  biasGradientAdd,
  convolveAdd,
  convolveTransposedAdd,
  kernelGradientAdd,
  maxRoutes,
  type Window,
} from "./cnn-kernels.js";
import type { Activation } from "./mlp.js";

/**
 * The layer types a float64 network has rules for (a subset of the engine's LayerConfig).
 *
 * @example
 * ```ts
 * import type { NetworkLayer } from "equipoise/explain";
 * const layers: NetworkLayer[] = [
 *   { type: "conv2d", filters: 8, kernelSize: 3, padding: "same" },
 *   { type: "relu" },
 *   { type: "maxpool", poolSize: 2 },
 *   { type: "flatten" },
 *   { type: "dense", units: 1 },
 * ];
 * ```
 */
export type NetworkLayer = Extract<
  LayerConfig,
  { type: "conv2d" | "maxpool" | "avgpool" | "flatten" | "dense" | "relu" | "tanh" | "sigmoid" }
>;

/**
 * The layers of an explainable CNN and its per-example input shape.
 *
 * @example
 * ```ts
 * import { type CnnArchitecture, explainableArchitecture } from "equipoise/explain";
 * import type { nn } from "equipoise";
 * declare const model: nn.Sequential; // an engine CNN trained on 28 × 28 × 1 images (e.g. fitRecipe with "cnn")
 * const kind = explainableArchitecture(model.architecture);
 * if (kind.family === "cnn") {
 *   const architecture: CnnArchitecture = { inputShape: kind.inputShape, layers: kind.layers };
 * }
 * ```
 */
export interface CnnArchitecture {
  /** [height, width, channels] of one example. */
  inputShape: [number, number, number];
  /** The engine's layers, the last a dense layer with 1 unit (binary cross-entropy) or one per class. */
  layers: NetworkLayer[];
}

export interface CnnOptions {
  /** λ of ½λ‖θ‖² (sum form). */
  l2: number;
  weights?: Float64Array;
}

type Stage =
  | { kind: "affine"; window: Window; filters: number; offset: number; layer: "conv2d" | "dense" }
  | { kind: "activation"; activation: Activation }
  | { kind: "maxpool" | "avgpool"; window: Window }
  | { kind: "flatten" };

/** Rows per chunk of the passes. */
const CHUNK = 64;

/** ‖∇F‖∞ per training row below which a network counts as stationary (as the MLP). */
export const CNN_TOLERANCE_PER_ROW = 1e-9;

interface Layout {
  stages: Stage[];
  /** Values per example at the input of stage s (sizes[stages.length]: the logits). */
  sizes: number[];
  parameterCount: number;
  outputs: number;
}

/** The stages, shapes and parameter offsets of an architecture; a UserError names what does not fit. */
function layoutOf(architecture: CnnArchitecture): Layout {
  let shape: number[] = [...architecture.inputShape];
  const stages: Stage[] = [];
  const sizes = [shape.reduce((a, b) => a * b, 1)];
  let offset = 0;
  for (const layer of architecture.layers) {
    switch (layer.type) {
      case "conv2d": {
        if (shape.length !== 3) throw new UserError("conv2d after flatten: the network has no image left");
        const [h, w, c] = shape;
        const stride = layer.stride ?? 1;
        const padding = layer.padding ?? "valid";
        const [ho, top] = outputSize(h, layer.kernelSize, stride, padding);
        const [wo, left] = outputSize(w, layer.kernelSize, stride, padding);
        if (ho < 1 || wo < 1) throw new UserError(`conv2d kernel ${layer.kernelSize} does not fit ${h}×${w}`);
        const window = {
          height: h,
          width: w,
          channels: c,
          outHeight: ho,
          outWidth: wo,
          kernel: layer.kernelSize,
          stride,
          padTop: top,
          padLeft: left,
        };
        stages.push({ kind: "affine", window, filters: layer.filters, offset, layer: "conv2d" });
        offset += (layer.kernelSize * layer.kernelSize * c + 1) * layer.filters;
        shape = [ho, wo, layer.filters];
        break;
      }
      case "maxpool":
      case "avgpool": {
        if (shape.length !== 3)
          throw new UserError(`${layer.type} after flatten: the network has no image left`);
        const [h, w, c] = shape;
        const stride = layer.stride ?? layer.poolSize;
        const padding = layer.padding ?? "valid";
        const [ho, top] = outputSize(h, layer.poolSize, stride, padding);
        const [wo, left] = outputSize(w, layer.poolSize, stride, padding);
        if (ho < 1 || wo < 1)
          throw new UserError(`${layer.type} of size ${layer.poolSize} does not fit ${h}×${w}`);
        const window = {
          height: h,
          width: w,
          channels: c,
          outHeight: ho,
          outWidth: wo,
          kernel: layer.poolSize,
          stride,
          padTop: top,
          padLeft: left,
        };
        stages.push({ kind: layer.type, window });
        shape = [ho, wo, c];
        break;
      }
      case "flatten":
        stages.push({ kind: "flatten" });
        shape = [shape.reduce((a, b) => a * b, 1)];
        break;
      case "dense": {
        if (shape.length !== 1) throw new UserError("a dense layer needs a flatten layer before it");
        const inputs = shape[0];
        const window = {
          height: 1,
          width: 1,
          channels: inputs,
          outHeight: 1,
          outWidth: 1,
          kernel: 1,
          stride: 1,
          padTop: 0,
          padLeft: 0,
        };
        stages.push({ kind: "affine", window, filters: layer.units, offset, layer: "dense" });
        offset += (inputs + 1) * layer.units;
        shape = [layer.units];
        break;
      }
      case "relu":
      case "tanh":
      case "sigmoid":
        stages.push({ kind: "activation", activation: layer.type });
        break;
    }
    sizes.push(shape.reduce((a, b) => a * b, 1));
  }
  const last = stages[stages.length - 1];
  if (last?.kind !== "affine" || last.layer !== "dense")
    throw new UserError("the network does not end with a dense layer");
  return { stages, sizes, parameterCount: offset, outputs: last.filters };
}

export function cnnParameterCount(architecture: CnnArchitecture): number {
  return layoutOf(architecture).parameterCount;
}

export function describeCnn(architecture: CnnArchitecture): string {
  const parts = architecture.layers.map((layer) => {
    switch (layer.type) {
      case "conv2d":
        return `conv${layer.kernelSize}×${layer.kernelSize}:${layer.filters}`;
      case "maxpool":
      case "avgpool":
        return `${layer.type}${layer.poolSize}`;
      case "dense":
        return `dense:${layer.units}`;
      default:
        return layer.type;
    }
  });
  return `CNN ${architecture.inputShape.join("×")} ${parts.join("-")}`;
}

/** One chunk's forward pass: the values entering each stage, and the max-pool routings. */
interface Pass {
  rows: number;
  values: Float64Array[];
  routes: (Int32Array | undefined)[];
}

/**
 * An engine CNN as an explainable model: exact gradients and Hessian-vector products of its training objective.
 * Build one from a trained engine model with {@link explainableFromEngine}.
 *
 * @example
 * ```ts
 * import { type Examples, explainableFromEngine } from "equipoise/explain";
 * import type { nn } from "equipoise";
 * declare const model: nn.Sequential; // a trained engine CNN
 * declare const train: Examples; // its training rows as explain Examples
 * const explainable = explainableFromEngine(model.architecture, model.readParameters(), train, { weightDecay: 1e-4 });
 * console.log(explainable.stationarity());
 * ```
 */
export class CnnModel implements ExplainableModel {
  readonly family = "cnn" as const;
  readonly parameterCount: number;
  readonly weights: Float64Array;
  readonly l2: number;
  readonly classes: number;
  private readonly layout: Layout;

  constructor(
    readonly architecture: CnnArchitecture,
    readonly train: Examples,
    readonly parameters: Float64Array,
    options: CnnOptions,
  ) {
    this.layout = layoutOf(architecture);
    this.parameterCount = this.layout.parameterCount;
    if (parameters.length !== this.parameterCount) {
      throw new RangeError(
        `${describeCnn(architecture)} has ${this.parameterCount} parameters, got ${parameters.length}`,
      );
    }
    if (train.cols !== this.layout.sizes[0]) {
      throw new UserError(
        `the model takes ${architecture.inputShape.join("×")} = ${this.layout.sizes[0]} features, the data has ${train.cols}`,
      );
    }
    this.l2 = options.l2;
    this.weights = options.weights ?? new Float64Array(train.rows).fill(1);
    this.classes = Math.max(2, this.layout.outputs);
  }

  get description(): string {
    return `${describeCnn(this.architecture)}, L2 λ = ${this.l2.toPrecision(3)}`;
  }

  // ---- passes on one chunk ------------------------------------------------------------------

  private forward(examples: Examples, rows: ArrayLike<number>, theta = this.parameters): Pass {
    const n = rows.length;
    const cols = examples.cols;
    const input = new Float64Array(n * cols);
    for (let r = 0; r < n; r++)
      input.set(examples.X.subarray(rows[r] * cols, (rows[r] + 1) * cols), r * cols);
    const values: Float64Array[] = [input];
    const routes: (Int32Array | undefined)[] = [];
    this.layout.stages.forEach((stage, s) => {
      const a = values[s];
      const size = this.layout.sizes[s + 1];
      switch (stage.kind) {
        case "affine": {
          const out = new Float64Array(n * size);
          addBias(stage.window, stage.filters, n, theta, stage.offset, out);
          convolveAdd(stage.window, stage.filters, a, n, theta, stage.offset, out);
          values.push(out);
          break;
        }
        case "activation":
          values.push(activate(stage.activation, a));
          break;
        case "maxpool": {
          const route = maxRoutes(stage.window, a, n);
          routes[s] = route;
          values.push(Float64Array.from(route, (i) => a[i]));
          break;
        }
        case "avgpool":
          values.push(averagePool(stage.window, a, n));
          break;
        case "flatten":
          values.push(a);
          break;
      }
    });
    return { rows: n, values, routes };
  }

  /** The gradient entering each stage from the gradient at the logits; grads[0] is not computed. */
  private backward(pass: Pass, seeds: Float64Array, theta = this.parameters): Float64Array[] {
    const S = this.layout.stages.length;
    const grads: Float64Array[] = new Array(S + 1);
    grads[S] = seeds;
    for (let s = S - 1; s >= 1; s--) grads[s] = this.stageTransposed(pass, s, grads[s + 1], theta);
    return grads;
  }

  /** The transposed Jacobian of stage s (with respect to its input) applied to g. */
  private stageTransposed(pass: Pass, s: number, g: Float64Array, theta: Float64Array): Float64Array {
    const stage = this.layout.stages[s];
    const n = pass.rows;
    const out = new Float64Array(n * this.layout.sizes[s]);
    switch (stage.kind) {
      case "affine":
        convolveTransposedAdd(stage.window, stage.filters, g, n, theta, stage.offset, out);
        return out;
      case "activation": {
        const first = derivatives(stage.activation, pass.values[s], pass.values[s + 1]).first;
        for (let q = 0; q < out.length; q++) out[q] = first[q] * g[q];
        return out;
      }
      case "maxpool": {
        const route = pass.routes[s] as Int32Array;
        for (let q = 0; q < route.length; q++) out[route[q]] += g[q];
        return out;
      }
      case "avgpool":
        averagePoolTransposedAdd(stage.window, g, n, out);
        return out;
      case "flatten":
        return g;
    }
  }

  /** Adds the parameter gradient of every affine stage into `gradient`. */
  private accumulateGradient(pass: Pass, grads: Float64Array[], gradient: Float64Array): void {
    this.layout.stages.forEach((stage, s) => {
      if (stage.kind !== "affine") return;
      kernelGradientAdd(
        stage.window,
        stage.filters,
        pass.values[s],
        grads[s + 1],
        pass.rows,
        gradient,
        stage.offset,
      );
      biasGradientAdd(stage.window, stage.filters, grads[s + 1], pass.rows, gradient, stage.offset);
    });
  }

  private probabilitiesOf(logits: Float64Array, n: number): Float64Array {
    const K = this.layout.outputs;
    const out = new Float64Array(n * this.classes);
    for (let i = 0; i < n; i++) {
      if (K === 1) {
        const p = sigmoid(logits[i]);
        out[2 * i] = 1 - p;
        out[2 * i + 1] = p;
        continue;
      }
      let max = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < K; c++) max = Math.max(max, logits[i * K + c]);
      let total = 0;
      for (let c = 0; c < K; c++) total += out[i * K + c] = Math.exp(logits[i * K + c] - max);
      for (let c = 0; c < K; c++) out[i * K + c] /= total;
    }
    return out;
  }

  private logitsOf(pass: Pass): Float64Array {
    return pass.values[pass.values.length - 1];
  }

  /** ∂ℓᵢ/∂z at the logits, scaled per row: p − onehot(y) (softmax) or σ(z) − y (one logit). */
  private lossSeeds(pass: Pass, labels: ArrayLike<number>, scale?: ArrayLike<number>): Float64Array {
    const K = this.layout.outputs;
    const n = pass.rows;
    const probabilities = this.probabilitiesOf(this.logitsOf(pass), n);
    const seeds = new Float64Array(n * K);
    for (let i = 0; i < n; i++) {
      const c = scale ? scale[i] : 1;
      if (K === 1) seeds[i] = c * (probabilities[2 * i + 1] - labels[i]);
      else
        for (let k = 0; k < K; k++)
          seeds[i * K + k] = c * (probabilities[i * K + k] - (labels[i] === k ? 1 : 0));
    }
    return seeds;
  }

  private lossesOf(pass: Pass, labels: ArrayLike<number>): Float64Array {
    const K = this.layout.outputs;
    const logits = this.logitsOf(pass);
    const out = new Float64Array(pass.rows);
    for (let r = 0; r < pass.rows; r++) {
      if (K === 1) {
        const z = logits[r];
        out[r] = Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - labels[r] * z;
        continue;
      }
      let max = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < K; c++) max = Math.max(max, logits[r * K + c]);
      let total = 0;
      for (let c = 0; c < K; c++) total += Math.exp(logits[r * K + c] - max);
      out[r] = max + Math.log(total) - logits[r * K + labels[r]];
    }
    return out;
  }

  private chunksOf(rows: ArrayLike<number>): Int32Array[] {
    const out: Int32Array[] = [];
    for (let start = 0; start < rows.length; start += CHUNK) {
      out.push(Int32Array.from({ length: Math.min(CHUNK, rows.length - start) }, (_, i) => rows[start + i]));
    }
    return out;
  }

  private allRowsOf(examples: Examples): Int32Array {
    return Int32Array.from({ length: examples.rows }, (_, i) => i);
  }

  // ---- the seam ---------------------------------------------------------------------------

  /** F(θ) and, when given, ∇F(θ) into `gradient`, at any parameters and row weights. */
  objectiveAt(theta: Float64Array, weights: Float64Array, gradient?: Float64Array): number {
    gradient?.fill(0);
    let value = 0;
    for (const chunk of this.chunksOf(this.allRowsOf(this.train))) {
      const pass = this.forward(this.train, chunk, theta);
      const labels = Float64Array.from(chunk, (i) => this.train.y[i]);
      const w = Float64Array.from(chunk, (i) => weights[i]);
      const losses = this.lossesOf(pass, labels);
      for (let r = 0; r < chunk.length; r++) if (w[r] !== 0) value += w[r] * losses[r];
      if (gradient)
        this.accumulateGradient(pass, this.backward(pass, this.lossSeeds(pass, labels, w), theta), gradient);
    }
    let squares = 0;
    for (let j = 0; j < theta.length; j++) {
      squares += theta[j] * theta[j];
      if (gradient) gradient[j] += this.l2 * theta[j];
    }
    return value + 0.5 * this.l2 * squares;
  }

  objective(): number {
    return this.objectiveAt(this.parameters, this.weights);
  }

  objectiveGradient(): Float64Array {
    const gradient = new Float64Array(this.parameterCount);
    this.objectiveAt(this.parameters, this.weights, gradient);
    return gradient;
  }

  stationarity(): Stationarity {
    const gradientNorm = maxAbs(this.objectiveGradient());
    const tolerance = CNN_TOLERANCE_PER_ROW * this.train.rows * 100;
    return { gradientNorm, tolerance, stationary: gradientNorm <= tolerance };
  }

  regulariserDiagonal(): Float64Array {
    return new Float64Array(this.parameterCount).fill(this.l2);
  }

  /**
   * The R-operator over the stages (see the module comment), for `count` directions
   * sharing one forward and one backward pass per chunk; H·V = R∇ + λV.
   */
  hessianVectorProducts(vectors: Float64Array, count: number, rows?: ArrayLike<number>): Float64Array {
    const p = this.parameterCount;
    const { stages, outputs: K } = this.layout;
    const S = stages.length;
    const out = new Float64Array(count * p);
    const selected = rows ? Int32Array.from(rows) : this.allRowsOf(this.train);
    const scale = rows ? this.train.rows / Math.max(selected.length, 1) : 1;
    for (const chunk of this.chunksOf(selected)) {
      const n = chunk.length;
      const pass = this.forward(this.train, chunk);
      const labels = Float64Array.from(chunk, (i) => this.train.y[i]);
      const w = Float64Array.from(chunk, (i) => scale * this.weights[i]);
      const grads = this.backward(pass, this.lossSeeds(pass, labels, w));
      const probabilities = this.probabilitiesOf(this.logitsOf(pass), n);
      for (let k = 0; k < count; k++) {
        const v = vectors.subarray(k * p, (k + 1) * p);
        const hv = out.subarray(k * p, (k + 1) * p);
        // R-forward: Rv[s] is the directional derivative of the values entering stage s.
        const Rv: Float64Array[] = [new Float64Array(n * this.layout.sizes[0])];
        stages.forEach((stage, s) => {
          const ra = Rv[s];
          const size = this.layout.sizes[s + 1];
          switch (stage.kind) {
            case "affine": {
              const rz = new Float64Array(n * size);
              addBias(stage.window, stage.filters, n, v, stage.offset, rz);
              convolveAdd(stage.window, stage.filters, pass.values[s], n, v, stage.offset, rz);
              if (s > 0) convolveAdd(stage.window, stage.filters, ra, n, this.parameters, stage.offset, rz);
              Rv.push(rz);
              break;
            }
            case "activation": {
              const first = derivatives(stage.activation, pass.values[s], pass.values[s + 1]).first;
              Rv.push(ra.map((x, q) => first[q] * x));
              break;
            }
            case "maxpool":
              Rv.push(Float64Array.from(pass.routes[s] as Int32Array, (i) => ra[i]));
              break;
            case "avgpool":
              Rv.push(averagePool(stage.window, ra, n));
              break;
            case "flatten":
              Rv.push(ra);
              break;
          }
        });
        // R of the weighted loss gradient at the logits: ∇²_z ℓ · R z.
        const rz = Rv[S];
        let Rg: Float64Array = new Float64Array(n * K);
        for (let i = 0; i < n; i++) {
          if (K === 1) {
            const q = probabilities[2 * i + 1];
            Rg[i] = w[i] * q * (1 - q) * rz[i];
            continue;
          }
          let pr = 0;
          for (let c = 0; c < K; c++) pr += probabilities[i * K + c] * rz[i * K + c];
          for (let c = 0; c < K; c++) Rg[i * K + c] = w[i] * probabilities[i * K + c] * (rz[i * K + c] - pr);
        }
        // R-backward.
        for (let s = S - 1; s >= 0; s--) {
          const stage = stages[s];
          const g = grads[s + 1];
          if (stage.kind === "affine") {
            const { window, filters, offset } = stage;
            kernelGradientAdd(window, filters, pass.values[s], Rg, n, hv, offset);
            biasGradientAdd(window, filters, Rg, n, hv, offset);
            if (s === 0) break;
            kernelGradientAdd(window, filters, Rv[s], g, n, hv, offset);
            const next = new Float64Array(n * this.layout.sizes[s]);
            convolveTransposedAdd(window, filters, Rg, n, this.parameters, offset, next);
            convolveTransposedAdd(window, filters, g, n, v, offset, next);
            Rg = next;
          } else if (stage.kind === "activation") {
            const { first, second } = derivatives(stage.activation, pass.values[s], pass.values[s + 1]);
            const rzPrev = Rv[s];
            const next = new Float64Array(Rg.length);
            for (let q = 0; q < next.length; q++) next[q] = first[q] * Rg[q] + second[q] * rzPrev[q] * g[q];
            Rg = next;
          } else {
            if (s === 0) break;
            Rg = this.stageTransposed(pass, s, Rg, this.parameters);
          }
        }
      }
    }
    for (let q = 0; q < out.length; q++) out[q] += this.l2 * vectors[q];
    return out;
  }

  /** The explicit Hessian from p Hessian-vector products with unit vectors (small models only). */
  hessian(): Float64Array {
    return hessianFromProducts(this.parameterCount, (vectors, count) =>
      this.hessianVectorProducts(vectors, count),
    );
  }

  losses(examples: Examples): Float64Array {
    const out = new Float64Array(examples.rows);
    for (const chunk of this.chunksOf(this.allRowsOf(examples))) {
      const pass = this.forward(examples, chunk);
      out.set(
        this.lossesOf(
          pass,
          Float64Array.from(chunk, (i) => examples.y[i]),
        ),
        chunk[0],
      );
    }
    return out;
  }

  probabilities(examples: Examples): Float64Array {
    const out = new Float64Array(examples.rows * this.classes);
    for (const chunk of this.chunksOf(this.allRowsOf(examples))) {
      const pass = this.forward(examples, chunk);
      out.set(this.probabilitiesOf(this.logitsOf(pass), chunk.length), chunk[0] * this.classes);
    }
    return out;
  }

  /** Per-example parameter gradients [rows × p] of the seeds each row back-propagates. */
  private perExample(
    examples: Examples,
    rows: ArrayLike<number>,
    seedsOf: (pass: Pass, chunk: Int32Array) => Float64Array,
  ): Float64Array {
    const p = this.parameterCount;
    const out = new Float64Array(rows.length * p);
    let done = 0;
    for (const chunk of this.chunksOf(rows)) {
      const pass = this.forward(examples, chunk);
      const grads = this.backward(pass, seedsOf(pass, chunk));
      for (let r = 0; r < chunk.length; r++) {
        const target = out.subarray((done + r) * p, (done + r + 1) * p);
        this.layout.stages.forEach((stage, s) => {
          if (stage.kind !== "affine") return;
          const inSize = this.layout.sizes[s];
          const outSize = this.layout.sizes[s + 1];
          const a = pass.values[s].subarray(r * inSize, (r + 1) * inSize);
          const g = grads[s + 1].subarray(r * outSize, (r + 1) * outSize);
          kernelGradientAdd(stage.window, stage.filters, a, g, 1, target, stage.offset);
          biasGradientAdd(stage.window, stage.filters, g, 1, target, stage.offset);
        });
      }
      done += chunk.length;
    }
    return out;
  }

  lossGradients(examples: Examples, rows: ArrayLike<number>): Float64Array {
    return this.perExample(examples, rows, (pass, chunk) =>
      this.lossSeeds(
        pass,
        Float64Array.from(chunk, (i) => examples.y[i]),
      ),
    );
  }

  /** Σᵢ cᵢ ∇θ P(y = 1 | xᵢ); seeds p(1 − p) for one logit, p₁(e₁ − p) for softmax. */
  probabilityGradient(examples: Examples, coefficients: Float64Array): Float64Array {
    const K = this.layout.outputs;
    const gradient = new Float64Array(this.parameterCount);
    for (const chunk of this.chunksOf(this.allRowsOf(examples))) {
      const pass = this.forward(examples, chunk);
      const n = chunk.length;
      const probabilities = this.probabilitiesOf(this.logitsOf(pass), n);
      const seeds = new Float64Array(n * K);
      for (let i = 0; i < n; i++) {
        const c = coefficients[chunk[i]];
        if (K === 1) {
          const q = probabilities[2 * i + 1];
          seeds[i] = c * q * (1 - q);
        } else {
          const p1 = probabilities[i * K + 1];
          for (let k = 0; k < K; k++)
            seeds[i * K + k] = c * p1 * ((k === 1 ? 1 : 0) - probabilities[i * K + k]);
        }
      }
      this.accumulateGradient(pass, this.backward(pass, seeds), gradient);
    }
    return gradient;
  }

  removalGradients(rows: ArrayLike<number>): Float64Array {
    return this.perExample(this.train, rows, (pass, chunk) =>
      this.lossSeeds(
        pass,
        Float64Array.from(chunk, (i) => this.train.y[i]),
        Float64Array.from(chunk, (i) => this.weights[i]),
      ),
    );
  }

  /** rᵢ·vₖ, [count × rows], a chunk of removal gradients at a time. */
  removalGradientProducts(rows: ArrayLike<number>, vectors: Float64Array, count: number): Float64Array {
    const p = this.parameterCount;
    const out = new Float64Array(count * rows.length);
    for (let start = 0; start < rows.length; start += CHUNK) {
      const chunk = Int32Array.from(
        { length: Math.min(CHUNK, rows.length - start) },
        (_, i) => rows[start + i],
      );
      const r = this.removalGradients(chunk);
      for (let k = 0; k < count; k++) {
        const v = vectors.subarray(k * p, (k + 1) * p);
        for (let i = 0; i < chunk.length; i++) {
          let dot = 0;
          for (let j = 0; j < p; j++) dot += r[i * p + j] * v[j];
          out[k * rows.length + start + i] = dot;
        }
      }
    }
    return out;
  }

  withParameters(parameters: Float64Array): CnnModel {
    return new CnnModel(this.architecture, this.train, parameters, { l2: this.l2, weights: this.weights });
  }

  withWeights(weights: Float64Array): CnnModel {
    return new CnnModel(this.architecture, this.train, this.parameters, { l2: this.l2, weights });
  }

  refit(weights: Float64Array, options: RefitOptions = {}): CnnModel {
    return fitCnn(this.architecture, this.train, {
      l2: this.l2,
      weights,
      start: options.start ?? this.parameters,
      tolerance: options.tolerance,
      maxIterations: options.maxIterations,
    }).model;
  }
}

export interface CnnFitOptions extends CnnOptions, RefitOptions {
  /** Initial parameters when no start is given: PyTorch's U(±1/√fan_in), seeded. */
  seed?: number;
  /** Newton–CG steps after L-BFGS (default 8). */
  newtonSteps?: number;
}

export interface CnnFit {
  model: CnnModel;
  iterations: number;
  gradientNorm: number;
  converged: boolean;
}

/**
 * Trains to a stationary point: L-BFGS on the full-batch objective to within 1e4 of the
 * tolerance (default 1e-9 per training row), then Newton steps solved by conjugate
 * gradient with exact Hessian-vector products (as fitMlp, without the Kronecker
 * preconditioner, which convolutions lack).
 */
export function fitCnn(architecture: CnnArchitecture, train: Examples, options: CnnFitOptions): CnnFit {
  const weights = options.weights ?? new Float64Array(train.rows).fill(1);
  const tolerance = options.tolerance ?? CNN_TOLERANCE_PER_ROW * train.rows;
  const start = options.start
    ? Float64Array.from(options.start)
    : initialCnnParameters(architecture, options.seed ?? 0);
  let model = new CnnModel(architecture, train, start, { l2: options.l2, weights });
  let iterations = 0;
  if (options.start) {
    // A warm start (a refit without one row) is usually close: Newton first, L-BFGS only if it fails.
    const refined = newtonCg(model, tolerance, options.newtonSteps ?? 8);
    if (refined.converged) return refined;
    model = refined.model;
    iterations = refined.iterations;
  }
  const result = minimize(
    (theta, gradient) => model.objectiveAt(theta, weights, gradient),
    model.parameters,
    {
      maxIterations: options.maxIterations ?? 5000,
      gradientTolerance: tolerance * 1e4,
      functionTolerance: 0,
      memory: 20,
    },
  );
  const refined = newtonCg(model.withParameters(result.x), tolerance, options.newtonSteps ?? 8);
  return { ...refined, iterations: iterations + result.iterations + refined.iterations };
}

/** Inexact Newton (Eisenstat & Walker 1996) with CG on exact Hessian-vector products and step halving. */
function newtonCg(model: CnnModel, tolerance: number, maxSteps: number): CnnFit {
  let gradient = model.objectiveGradient();
  let norm = maxAbs(gradient);
  let value = model.objective();
  let steps = 0;
  while (norm > tolerance && steps < maxSteps) {
    steps++;
    const direction = conjugateGradient(model, gradient, Math.min(0.1, Math.sqrt(norm)) * 1e-3);
    if (!direction) break;
    let scale = 1;
    let accepted: CnnModel | undefined;
    for (let halvings = 0; halvings < 30 && !accepted; halvings++, scale /= 2) {
      const candidate = model.withParameters(model.parameters.map((t, j) => t - scale * direction[j]));
      const candidateValue = candidate.objective();
      if (candidateValue <= value + 1e-12 * Math.abs(value)) {
        accepted = candidate;
        value = candidateValue;
      }
    }
    if (!accepted) break;
    model = accepted;
    gradient = model.objectiveGradient();
    norm = maxAbs(gradient);
  }
  return { model, iterations: steps, gradientNorm: norm, converged: norm <= tolerance };
}

/** CG for H x = b; at negative curvature the iterate so far (truncated Newton), null at once. */
function conjugateGradient(model: CnnModel, b: Float64Array, relativeTolerance: number): Float64Array | null {
  const p = b.length;
  const x = new Float64Array(p);
  const r = Float64Array.from(b);
  const d = Float64Array.from(b);
  let rr = 0;
  for (let j = 0; j < p; j++) rr += r[j] * r[j];
  const target = relativeTolerance * relativeTolerance * rr;
  for (let iteration = 0; iteration < Math.max(1000, p); iteration++) {
    const Hd = model.hessianVectorProducts(d, 1);
    let curvature = 0;
    for (let j = 0; j < p; j++) curvature += d[j] * Hd[j];
    if (!(curvature > 0)) return iteration === 0 ? null : x;
    const alpha = rr / curvature;
    let next = 0;
    for (let j = 0; j < p; j++) {
      x[j] += alpha * d[j];
      r[j] -= alpha * Hd[j];
      next += r[j] * r[j];
    }
    if (next <= target) break;
    const beta = next / rr;
    rr = next;
    for (let j = 0; j < p; j++) d[j] = r[j] + beta * d[j];
  }
  return x;
}

/** PyTorch's default for conv and dense layers: kernel and bias U(−1/√fan_in, 1/√fan_in), seeded. */
export function initialCnnParameters(architecture: CnnArchitecture, seed: number): Float64Array {
  const { stages, parameterCount } = layoutOf(architecture);
  const random = createRandom(seed);
  const out = new Float64Array(parameterCount);
  for (const stage of stages) {
    if (stage.kind !== "affine") continue;
    const fanIn = stage.window.kernel * stage.window.kernel * stage.window.channels;
    const limit = 1 / Math.sqrt(fanIn);
    const size = (fanIn + 1) * stage.filters;
    for (let j = 0; j < size; j++) out[stage.offset + j] = (2 * random.uniform() - 1) * limit;
  }
  return out;
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

function activate(activation: Activation, z: Float64Array): Float64Array {
  switch (activation) {
    case "tanh":
      return z.map(Math.tanh);
    case "relu":
      return z.map((x) => Math.max(x, 0));
    case "sigmoid":
      return z.map(sigmoid);
  }
}

/** f′ and f″ at the pre-activations z (a = f(z)); ReLU's f″ is 0 away from its kink. */
function derivatives(
  activation: Activation,
  z: Float64Array,
  a: Float64Array,
): { first: Float64Array; second: Float64Array } {
  const first = new Float64Array(a.length);
  const second = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    if (activation === "tanh") {
      first[i] = 1 - a[i] * a[i];
      second[i] = -2 * a[i] * first[i];
    } else if (activation === "relu") {
      first[i] = z[i] > 0 ? 1 : 0;
    } else {
      first[i] = a[i] * (1 - a[i]);
      second[i] = first[i] * (1 - 2 * a[i]);
    }
  }
  return { first, second };
}
