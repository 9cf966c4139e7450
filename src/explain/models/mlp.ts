/**
 * A multilayer perceptron in float64 with everything influence functions need:
 *   F(θ) = Σᵢ wᵢ ℓ(f(xᵢ; θ), yᵢ) + ½ λ ‖θ‖²
 * (λ on every parameter, biases included, as PyTorch's weight decay: a mean-loss
 * weight decay wd corresponds to λ = n·wd), with
 *   - per-example gradients by back-propagation;
 *   - exact Hessian-vector products by Pearlmutter's R-operator (1994): a forward pass
 *     in the direction v, then the back-propagation differentiated along it, so
 *     H·v costs a few passes and is exact to rounding (no finite differences);
 *   - per-layer Kronecker statistics for K-FAC / EK-FAC.
 * The parameter layout is the engine's (src/nn): for each dense layer, the kernel
 * [in × out] row-major, then the bias [out]. One logit uses the binary cross-entropy,
 * several the softmax cross-entropy, as the engine does.
 *
 * Leave-one-out keeps λ fixed (the objective without the row, not re-normalised), as
 * scikit-learn's C is for logistic regression.
 */
import { UserError } from "../../common/errors.js";
import { minimize } from "../../math/lbfgs.js";
import { type Examples, sparseRowsOf } from "../data.js";
import { type KroneckerPreconditioner, kroneckerPreconditioner } from "../influence/kronecker.js";
import { hessianFromProducts } from "../linalg.js";
import {
  type ExplainableModel,
  type KroneckerLayer,
  type KroneckerStatistics,
  maxAbs,
  type RefitOptions,
  type RefitResult,
  type Stationarity,
} from "../model.js";

/**
 * The hidden activation of an explainable MLP.
 *
 * @example
 * ```ts
 * import { type Activation, parseModelSpec } from "equipoise/explain";
 * const activation: Activation = "relu";
 * parseModelSpec("mlp:64,64", { activation }); // { family: "mlp", hidden: [64, 64], activation: "relu", ... }
 * ```
 */
export type Activation = "tanh" | "relu" | "sigmoid";

/**
 * The layers of an explainable MLP.
 *
 * @example
 * ```ts
 * import { type MlpArchitecture, mlpParameterCount } from "equipoise/explain";
 * const architecture: MlpArchitecture = { inputs: 10, hidden: [8], activation: "tanh", outputs: 1 };
 * mlpParameterCount(architecture); // 97 = (10 + 1)·8 + (8 + 1)·1
 * ```
 */
export interface MlpArchitecture {
  /** Input features. */
  inputs: number;
  /** Hidden layer widths. */
  hidden: number[];
  /** The activation of every hidden layer. */
  activation: Activation;
  /** 1: one logit with the binary cross-entropy; ≥ 2: softmax cross-entropy. */
  outputs: number;
}

/**
 * The MLP's training objective: L2 strength and row weights.
 *
 * @example
 * ```ts
 * import { type Examples, MlpModel, type MlpOptions } from "equipoise/explain";
 * declare const train: Examples; // 10 feature columns
 * declare const parameters: Float64Array; // 97 trained parameters of a 10-8-1 tanh MLP
 * const options: MlpOptions = { l2: 0.01 * train.rows }; // ½λ‖θ‖² with λ = n × weight decay 0.01
 * const model = new MlpModel({ inputs: 10, hidden: [8], activation: "tanh", outputs: 1 }, train, parameters, options);
 * ```
 */
export interface MlpOptions {
  /** λ of ½λ‖θ‖² (sum form). */
  l2: number;
  /** Row weights of the objective (default 1). */
  weights?: Float64Array;
}

/** Rows per chunk of the forward and backward passes (bounds memory, keeps data in cache). */
const CHUNK = 256;

/**
 * ‖∇F‖∞ per training row below which an MLP counts as stationary (‖∇F‖∞ ≤ this × n).
 *
 * @example
 * ```ts
 * import { MLP_TOLERANCE_PER_ROW } from "equipoise/explain";
 * MLP_TOLERANCE_PER_ROW; // 1e-9: fitMlp stops at ‖∇F‖∞ ≤ 1e-9 × rows unless given a tolerance
 * const tolerance = MLP_TOLERANCE_PER_ROW * 5000; // 5e-6 for 5,000 training rows
 * ```
 */
export const MLP_TOLERANCE_PER_ROW = 1e-9;

/**
 * The number of parameters (weights and biases) of an MLP.
 *
 * @example
 * ```ts
 * import { mlpParameterCount } from "equipoise/explain";
 * mlpParameterCount({ inputs: 10, hidden: [8], activation: "tanh", outputs: 1 }); // (10+1)·8 + (8+1)·1 = 97
 * ```
 */
export function mlpParameterCount(architecture: MlpArchitecture): number {
  const widths = [architecture.inputs, ...architecture.hidden, architecture.outputs];
  let count = 0;
  for (let l = 1; l < widths.length; l++) count += (widths[l - 1] + 1) * widths[l];
  return count;
}

/**
 * An MLP in words, e.g. `MLP 10-8-2 (tanh)` (a single logit shown as 2 outputs).
 *
 * @example
 * ```ts
 * import { describeMlp } from "equipoise/explain";
 * describeMlp({ inputs: 10, hidden: [8], activation: "tanh", outputs: 1 }); // "MLP 10-8-2 (tanh)"
 * ```
 */
export function describeMlp(architecture: MlpArchitecture): string {
  const widths = [architecture.inputs, ...architecture.hidden, Math.max(architecture.outputs, 2)];
  return `MLP ${widths.join("-")} (${architecture.activation})`;
}

/** The values of one chunk's forward pass: pre-activations and activations per layer. */
interface Pass {
  rows: number;
  /** The examples and row indices the pass ran on (the first layer reads their sparse rows). */
  examples: Examples;
  rowIndices: ArrayLike<number>;
  /** a[0] is the input (dense copy), a[l] = f(z[l]) for hidden layers; z[L] are the logits. */
  a: Float64Array[];
  z: Float64Array[];
}

/**
 * A dense MLP (tanh, ReLU or sigmoid) with weight decay as an {@link ExplainableModel}, with exact
 * Hessian-vector products and Kronecker factors for K-FAC/EK-FAC.
 *
 * @example
 * ```ts
 * import { type Examples, fitMlp, initialMlpParameters, MlpModel } from "equipoise/explain";
 * declare const train: Examples; // with 2 columns
 * const architecture = { inputs: 2, hidden: [3], activation: "tanh" as const, outputs: 1 };
 * const model = new MlpModel(architecture, train, initialMlpParameters(architecture, 0), { l2: 1e-2 });
 * model.objective(); // F(θ) at the initial parameters; fitMlp minimises it
 * ```
 */
export class MlpModel implements ExplainableModel {
  readonly family = "mlp" as const;
  readonly parameterCount: number;
  readonly weights: Float64Array;
  readonly l2: number;
  readonly classes: number;
  readonly kroneckerLayers: readonly KroneckerLayer[];
  private readonly widths: number[];

  constructor(
    readonly architecture: MlpArchitecture,
    readonly train: Examples,
    readonly parameters: Float64Array,
    options: MlpOptions,
  ) {
    this.widths = [architecture.inputs, ...architecture.hidden, architecture.outputs];
    this.parameterCount = mlpParameterCount(architecture);
    if (parameters.length !== this.parameterCount) {
      throw new RangeError(
        `${describeMlp(architecture)} has ${this.parameterCount} parameters, got ${parameters.length}`,
      );
    }
    if (train.cols !== architecture.inputs) {
      throw new UserError(`the model takes ${architecture.inputs} features, the data has ${train.cols}`);
    }
    this.l2 = options.l2;
    this.weights = options.weights ?? new Float64Array(train.rows).fill(1);
    this.classes = Math.max(2, architecture.outputs);
    const layers: KroneckerLayer[] = [];
    let offset = 0;
    for (let l = 1; l < this.widths.length; l++) {
      layers.push({ offset, inputs: this.widths[l - 1], outputs: this.widths[l] });
      offset += (this.widths[l - 1] + 1) * this.widths[l];
    }
    this.kroneckerLayers = layers;
  }

  get description(): string {
    return `${describeMlp(this.architecture)}, L2 λ = ${this.l2.toPrecision(3)}`;
  }

  // ---- forward and backward on one chunk -------------------------------------------------

  private forward(examples: Examples, rows: ArrayLike<number>, theta = this.parameters): Pass {
    const L = this.kroneckerLayers.length;
    const n = rows.length;
    const cols = examples.cols;
    const input = new Float64Array(n * cols);
    for (let r = 0; r < n; r++)
      input.set(examples.X.subarray(rows[r] * cols, (rows[r] + 1) * cols), r * cols);
    const a: Float64Array[] = [input];
    const z: Float64Array[] = [input];
    for (let l = 1; l <= L; l++) {
      const { offset, inputs, outputs } = this.kroneckerLayers[l - 1];
      const out = new Float64Array(n * outputs);
      if (l === 1) sparseAffine(examples, rows, theta, offset, outputs, out);
      else affine(a[l - 1], n, inputs, theta, offset, outputs, out);
      z.push(out);
      a.push(l === L ? out : this.activate(out));
    }
    return { rows: n, examples, rowIndices: rows, a, z };
  }

  private activate(z: Float64Array): Float64Array {
    const out = new Float64Array(z.length);
    switch (this.architecture.activation) {
      case "tanh":
        for (let i = 0; i < z.length; i++) out[i] = Math.tanh(z[i]);
        break;
      case "relu":
        for (let i = 0; i < z.length; i++) out[i] = Math.max(z[i], 0);
        break;
      case "sigmoid":
        for (let i = 0; i < z.length; i++) out[i] = sigmoid(z[i]);
        break;
    }
    return out;
  }

  /** f'(z) and f''(z) from the activation a = f(z) (and z). */
  private derivatives(a: Float64Array, z: Float64Array): { first: Float64Array; second: Float64Array } {
    const first = new Float64Array(a.length);
    const second = new Float64Array(a.length);
    switch (this.architecture.activation) {
      case "tanh":
        for (let i = 0; i < a.length; i++) {
          first[i] = 1 - a[i] * a[i];
          second[i] = -2 * a[i] * first[i];
        }
        break;
      case "relu":
        for (let i = 0; i < a.length; i++) first[i] = z[i] > 0 ? 1 : 0;
        break;
      case "sigmoid":
        for (let i = 0; i < a.length; i++) {
          first[i] = a[i] * (1 - a[i]);
          second[i] = first[i] * (1 - 2 * a[i]);
        }
        break;
    }
    return { first, second };
  }

  /** Class probabilities [rows × classes] from the logits. */
  private probabilitiesOf(logits: Float64Array, n: number): Float64Array {
    const K = this.architecture.outputs;
    const out = new Float64Array(n * this.classes);
    if (K === 1) {
      for (let i = 0; i < n; i++) {
        const p = sigmoid(logits[i]);
        out[2 * i] = 1 - p;
        out[2 * i + 1] = p;
      }
      return out;
    }
    for (let i = 0; i < n; i++) {
      let max = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < K; c++) max = Math.max(max, logits[i * K + c]);
      let total = 0;
      for (let c = 0; c < K; c++) total += out[i * K + c] = Math.exp(logits[i * K + c] - max);
      for (let c = 0; c < K; c++) out[i * K + c] /= total;
    }
    return out;
  }

  /** ∂ℓᵢ/∂z (logits) per row: p − onehot(y) (softmax) or σ(z) − y (one logit). */
  private lossSeeds(pass: Pass, labels: Float64Array, scale: Float64Array | undefined): Float64Array {
    const K = this.architecture.outputs;
    const n = pass.rows;
    const logits = pass.z[pass.z.length - 1];
    const seeds = new Float64Array(n * K);
    const probabilities = this.probabilitiesOf(logits, n);
    for (let i = 0; i < n; i++) {
      const s = scale ? scale[i] : 1;
      if (K === 1) seeds[i] = s * (probabilities[2 * i + 1] - labels[i]);
      else
        for (let c = 0; c < K; c++)
          seeds[i * K + c] = s * (probabilities[i * K + c] - (labels[i] === c ? 1 : 0));
    }
    return seeds;
  }

  /**
   * Back-propagates output seeds: returns δ_l (gradient w.r.t. each layer's
   * pre-activations), l = 1 … L, for the chunk.
   */
  private backward(pass: Pass, seeds: Float64Array, theta = this.parameters): Float64Array[] {
    const L = this.kroneckerLayers.length;
    const n = pass.rows;
    const deltas: Float64Array[] = new Array(L + 1);
    deltas[L] = seeds;
    for (let l = L; l > 1; l--) {
      const { offset, inputs, outputs } = this.kroneckerLayers[l - 1];
      const e = new Float64Array(n * inputs);
      affineTransposed(deltas[l], n, outputs, theta, offset, inputs, e);
      const { first } = this.derivatives(pass.a[l - 1], pass.z[l - 1]);
      for (let k = 0; k < e.length; k++) e[k] *= first[k];
      deltas[l - 1] = e;
    }
    return deltas;
  }

  /** Adds Σᵢ (āᵢ ⊗ δᵢ) of every layer into `gradient` (parameter layout). */
  private accumulateGradient(pass: Pass, deltas: Float64Array[], gradient: Float64Array): void {
    const n = pass.rows;
    this.kroneckerLayers.forEach((layer, index) => {
      const l = index + 1;
      if (l === 1)
        sparseOuterAccumulate(
          pass.examples,
          pass.rowIndices,
          deltas[1],
          layer.outputs,
          gradient,
          layer.offset,
        );
      else outerAccumulate(pass.a[l - 1], deltas[l], n, layer.inputs, layer.outputs, gradient, layer.offset);
    });
  }

  private chunks(rows: number): Int32Array[] {
    const out: Int32Array[] = [];
    for (let start = 0; start < rows; start += CHUNK) {
      out.push(Int32Array.from({ length: Math.min(CHUNK, rows - start) }, (_, i) => start + i));
    }
    return out;
  }

  // ---- the seam ---------------------------------------------------------------------------

  /** F(θ) and, when given, ∇F(θ) into `gradient`, at any parameters and row weights. */
  objectiveAt(theta: Float64Array, weights: Float64Array, gradient?: Float64Array): number {
    gradient?.fill(0);
    let value = 0;
    for (const rows of this.chunks(this.train.rows)) {
      const pass = this.forward(this.train, rows, theta);
      const losses = this.lossesOf(pass, rows, this.train.y);
      const w = Float64Array.from(rows, (i) => weights[i]);
      for (let r = 0; r < rows.length; r++) if (w[r] !== 0) value += w[r] * losses[r];
      if (gradient) {
        const labels = Float64Array.from(rows, (i) => this.train.y[i]);
        const deltas = this.backward(pass, this.lossSeeds(pass, labels, w), theta);
        this.accumulateGradient(pass, deltas, gradient);
      }
    }
    let squares = 0;
    for (let j = 0; j < theta.length; j++) {
      squares += theta[j] * theta[j];
      if (gradient) gradient[j] += this.l2 * theta[j];
    }
    return value + 0.5 * this.l2 * squares;
  }

  private lossesOf(pass: Pass, rows: ArrayLike<number>, y: Float64Array): Float64Array {
    const K = this.architecture.outputs;
    const logits = pass.z[pass.z.length - 1];
    const out = new Float64Array(pass.rows);
    for (let r = 0; r < pass.rows; r++) {
      const label = y[rows[r]];
      if (K === 1) {
        const z = logits[r];
        out[r] = Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - label * z;
      } else {
        let max = Number.NEGATIVE_INFINITY;
        for (let c = 0; c < K; c++) max = Math.max(max, logits[r * K + c]);
        let total = 0;
        for (let c = 0; c < K; c++) total += Math.exp(logits[r * K + c] - max);
        out[r] = max + Math.log(total) - logits[r * K + label];
      }
    }
    return out;
  }

  objective(): number {
    return this.objectiveAt(this.parameters, this.weights);
  }

  objectiveGradient(): Float64Array {
    const gradient = new Float64Array(this.parameterCount);
    this.objectiveAt(this.parameters, this.weights, gradient);
    return gradient;
  }

  /** ‖∇F‖∞ at the parameters against 100 × the fitting tolerance (1e-9 per training row): 1e-7 per row. */
  stationarity(): Stationarity {
    const gradientNorm = maxAbs(this.objectiveGradient());
    const tolerance = MLP_TOLERANCE_PER_ROW * this.train.rows * 100;
    return { gradientNorm, tolerance, stationary: gradientNorm <= tolerance };
  }

  regulariserDiagonal(): Float64Array {
    return new Float64Array(this.parameterCount).fill(this.l2);
  }

  /**
   * Pearlmutter's R-operator, for `count` directions at once (the forward pass and the
   * activation derivatives are shared): for each direction V,
   *   R z_l = R a_{l−1} W_l + a_{l−1} V_W + V_b,   R a_l = f'(z_l) ⊙ R z_l,
   *   R δ_L = ∇²_z ℓ · R z_L,
   *   R δ_{l−1} = (R δ_l W_lᵀ + δ_l V_Wᵀ) ⊙ f'(z_{l−1}) + (δ_l W_lᵀ) ⊙ f''(z_{l−1}) ⊙ R z_{l−1},
   *   R ∇W_l = R a_{l−1}ᵀ δ_l + a_{l−1}ᵀ R δ_l,   R ∇b_l = Σ R δ_l,
   * and H·V = R ∇ + λ V.
   */
  hessianVectorProducts(vectors: Float64Array, count: number, rows?: ArrayLike<number>): Float64Array {
    const p = this.parameterCount;
    const L = this.kroneckerLayers.length;
    const K = this.architecture.outputs;
    const out = new Float64Array(count * p);
    const selected = rows ? Int32Array.from(rows) : null;
    const total = selected ? selected.length : this.train.rows;
    const scale = selected ? this.train.rows / Math.max(total, 1) : 1;
    for (let start = 0; start < total; start += CHUNK) {
      const size = Math.min(CHUNK, total - start);
      const chunk = Int32Array.from({ length: size }, (_, i) => (selected ? selected[start + i] : start + i));
      const pass = this.forward(this.train, chunk);
      const w = Float64Array.from(chunk, (i) => scale * this.weights[i]);
      const labels = Float64Array.from(chunk, (i) => this.train.y[i]);
      const deltas = this.backward(pass, this.lossSeeds(pass, labels, w));
      const derivatives: { first: Float64Array; second: Float64Array }[] = [];
      for (let l = 1; l < L; l++) derivatives[l] = this.derivatives(pass.a[l], pass.z[l]);
      // e_l = δ_l W_lᵀ (the gradient at a_{l−1}), shared by every direction.
      const backGradients: Float64Array[] = [];
      for (let l = 2; l <= L; l++) {
        const { offset, inputs, outputs } = this.kroneckerLayers[l - 1];
        backGradients[l] = new Float64Array(size * inputs);
        affineTransposed(deltas[l], size, outputs, this.parameters, offset, inputs, backGradients[l]);
      }
      const probabilities = this.probabilitiesOf(pass.z[L], size);
      for (let k = 0; k < count; k++) {
        const v = vectors.subarray(k * p, (k + 1) * p);
        const hv = out.subarray(k * p, (k + 1) * p);
        // R-forward.
        const Rz: Float64Array[] = [new Float64Array(0)];
        const Ra: Float64Array[] = [new Float64Array(0)];
        for (let l = 1; l <= L; l++) {
          const { offset, inputs, outputs } = this.kroneckerLayers[l - 1];
          const rz = new Float64Array(size * outputs);
          if (l === 1) sparseAffine(this.train, chunk, v, offset, outputs, rz);
          else {
            affine(pass.a[l - 1], size, inputs, v, offset, outputs, rz);
            affineAdd(Ra[l - 1], size, inputs, this.parameters, offset, outputs, rz);
          }
          Rz.push(rz);
          if (l < L) {
            const first = derivatives[l].first;
            const ra = new Float64Array(rz.length);
            for (let q = 0; q < rz.length; q++) ra[q] = first[q] * rz[q];
            Ra.push(ra);
          }
        }
        // R of the loss gradient at the logits: ∇²_z ℓ · R z_L, weighted.
        const rdL = new Float64Array(size * K);
        const rzL = Rz[L];
        for (let i = 0; i < size; i++) {
          if (K === 1) {
            const q = probabilities[2 * i + 1];
            rdL[i] = w[i] * q * (1 - q) * rzL[i];
          } else {
            let pr = 0;
            for (let c = 0; c < K; c++) pr += probabilities[i * K + c] * rzL[i * K + c];
            for (let c = 0; c < K; c++)
              rdL[i * K + c] = w[i] * probabilities[i * K + c] * (rzL[i * K + c] - pr);
          }
        }
        // R-backward.
        let rd = rdL;
        for (let l = L; l >= 1; l--) {
          const { offset, inputs, outputs } = this.kroneckerLayers[l - 1];
          if (l === 1) sparseOuterAccumulate(this.train, chunk, rd, outputs, hv, offset);
          else outerAccumulate(pass.a[l - 1], rd, size, inputs, outputs, hv, offset);
          if (l > 1) {
            outerAccumulateKernel(Ra[l - 1], deltas[l], size, inputs, outputs, hv, offset);
            const re = new Float64Array(size * inputs);
            affineTransposed(rd, size, outputs, this.parameters, offset, inputs, re);
            affineTransposedAdd(deltas[l], size, outputs, v, offset, inputs, re);
            const e = backGradients[l];
            const { first, second } = derivatives[l - 1];
            const rzPrev = Rz[l - 1];
            const next = new Float64Array(size * inputs);
            for (let q = 0; q < next.length; q++) next[q] = re[q] * first[q] + e[q] * second[q] * rzPrev[q];
            rd = next;
          }
        }
      }
    }
    for (let k = 0; k < count; k++) {
      for (let j = 0; j < p; j++) out[k * p + j] += this.l2 * vectors[k * p + j];
    }
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
    this.forEachChunk(examples, (pass, rows, start) => out.set(this.lossesOf(pass, rows, examples.y), start));
    return out;
  }

  probabilities(examples: Examples): Float64Array {
    const out = new Float64Array(examples.rows * this.classes);
    this.forEachChunk(examples, (pass, _rows, start) =>
      out.set(this.probabilitiesOf(pass.z[pass.z.length - 1], pass.rows), start * this.classes),
    );
    return out;
  }

  private forEachChunk(
    examples: Examples,
    visit: (pass: Pass, rows: Int32Array, start: number) => void,
  ): void {
    for (let start = 0; start < examples.rows; start += CHUNK) {
      const rows = Int32Array.from({ length: Math.min(CHUNK, examples.rows - start) }, (_, i) => start + i);
      visit(this.forward(examples, rows), rows, start);
    }
  }

  /** Per-example gradients of Σ over seeds, materialised [rows × p]. */
  private perExample(
    examples: Examples,
    rows: ArrayLike<number>,
    seedsOf: (pass: Pass, chunk: Int32Array) => Float64Array,
  ): Float64Array {
    const p = this.parameterCount;
    const out = new Float64Array(rows.length * p);
    for (let start = 0; start < rows.length; start += CHUNK) {
      const chunk = Int32Array.from(
        { length: Math.min(CHUNK, rows.length - start) },
        (_, i) => rows[start + i],
      );
      const pass = this.forward(examples, chunk);
      const deltas = this.backward(pass, seedsOf(pass, chunk));
      for (let r = 0; r < chunk.length; r++) {
        const target = out.subarray((start + r) * p, (start + r + 1) * p);
        this.kroneckerLayers.forEach((layer, index) => {
          const l = index + 1;
          const a = pass.a[l - 1];
          const d = deltas[l];
          const { inputs, outputs, offset } = layer;
          for (let i = 0; i < inputs; i++) {
            const ai = a[r * inputs + i];
            if (ai === 0) continue;
            const row = offset + i * outputs;
            for (let j = 0; j < outputs; j++) target[row + j] = ai * d[r * outputs + j];
          }
          for (let j = 0; j < outputs; j++) target[offset + inputs * outputs + j] = d[r * outputs + j];
        });
      }
    }
    return out;
  }

  lossGradients(examples: Examples, rows: ArrayLike<number>): Float64Array {
    return this.perExample(examples, rows, (pass, chunk) =>
      this.lossSeeds(
        pass,
        Float64Array.from(chunk, (i) => examples.y[i]),
        undefined,
      ),
    );
  }

  /** Seeds ∂P(y = 1)/∂z: p(1 − p) for one logit; p₁(e₁ − p) for softmax (class 1 = positive). */
  private probabilitySeeds(
    pass: Pass,
    coefficients: Float64Array | undefined,
    chunk: Int32Array,
  ): Float64Array {
    const K = this.architecture.outputs;
    const n = pass.rows;
    const probabilities = this.probabilitiesOf(pass.z[pass.z.length - 1], n);
    const seeds = new Float64Array(n * K);
    for (let i = 0; i < n; i++) {
      const c = coefficients ? coefficients[chunk[i]] : 1;
      if (K === 1) {
        const q = probabilities[2 * i + 1];
        seeds[i] = c * q * (1 - q);
      } else {
        const p1 = probabilities[i * K + 1];
        for (let k = 0; k < K; k++)
          seeds[i * K + k] = c * p1 * ((k === 1 ? 1 : 0) - probabilities[i * K + k]);
      }
    }
    return seeds;
  }

  probabilityGradient(examples: Examples, coefficients: Float64Array): Float64Array {
    const gradient = new Float64Array(this.parameterCount);
    this.forEachChunk(examples, (pass, rows) => {
      const deltas = this.backward(pass, this.probabilitySeeds(pass, coefficients, rows));
      this.accumulateGradient(pass, deltas, gradient);
    });
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

  /**
   * rᵢ·v without materialising rᵢ: rᵢ = Σ_l āᵢ,ₗ₋₁ ⊗ δᵢ,ₗ, so rᵢ·v = Σ_l (āᵢ,ₗ₋₁ V_l)·δᵢ,ₗ,
   * one affine map of the kept activations per layer and vector.
   */
  removalGradientProducts(rows: ArrayLike<number>, vectors: Float64Array, count: number): Float64Array {
    const p = this.parameterCount;
    const out = new Float64Array(count * rows.length);
    for (let start = 0; start < rows.length; start += CHUNK) {
      const chunk = Int32Array.from(
        { length: Math.min(CHUNK, rows.length - start) },
        (_, i) => rows[start + i],
      );
      const pass = this.forward(this.train, chunk);
      const deltas = this.backward(
        pass,
        this.lossSeeds(
          pass,
          Float64Array.from(chunk, (i) => this.train.y[i]),
          Float64Array.from(chunk, (i) => this.weights[i]),
        ),
      );
      for (let k = 0; k < count; k++) {
        const v = vectors.subarray(k * p, (k + 1) * p);
        const dots = new Float64Array(chunk.length);
        this.kroneckerLayers.forEach((layer, index) => {
          const l = index + 1;
          const mapped = new Float64Array(chunk.length * layer.outputs);
          if (l === 1) sparseAffine(this.train, chunk, v, layer.offset, layer.outputs, mapped);
          else affine(pass.a[l - 1], chunk.length, layer.inputs, v, layer.offset, layer.outputs, mapped);
          const d = deltas[l];
          for (let q = 0; q < mapped.length; q++) dots[Math.floor(q / layer.outputs)] += mapped[q] * d[q];
        });
        out.set(dots, k * rows.length + start);
      }
    }
    return out;
  }

  kroneckerStatistics(rows: ArrayLike<number>): KroneckerStatistics[] {
    const K = this.architecture.outputs;
    const n = rows.length;
    const pass = this.forward(this.train, rows);
    const probabilities = this.probabilitiesOf(pass.z[pass.z.length - 1], n);
    const pseudoLabels = K === 1 ? 1 : K;
    // Per pseudo-label c, the seed √p_c (e_c − p) (softmax) or √(p(1 − p)) (one logit).
    const perLabel: Float64Array[][] = [];
    for (let c = 0; c < pseudoLabels; c++) {
      const seeds = new Float64Array(n * K);
      for (let i = 0; i < n; i++) {
        if (K === 1) {
          const q = probabilities[2 * i + 1];
          seeds[i] = Math.sqrt(q * (1 - q));
        } else {
          const root = Math.sqrt(probabilities[i * K + c]);
          for (let k = 0; k < K; k++)
            seeds[i * K + k] = root * ((k === c ? 1 : 0) - probabilities[i * K + k]);
        }
      }
      perLabel.push(this.backward(pass, seeds));
    }
    return this.kroneckerLayers.map((layer, index) => {
      const l = index + 1;
      const din = layer.inputs + 1;
      const inputs = new Float64Array(n * din);
      const a = pass.a[l - 1];
      for (let r = 0; r < n; r++) {
        inputs.set(a.subarray(r * layer.inputs, (r + 1) * layer.inputs), r * din);
        inputs[r * din + layer.inputs] = 1;
      }
      const gradients = new Float64Array(n * pseudoLabels * layer.outputs);
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < pseudoLabels; c++) {
          gradients.set(
            perLabel[c][l].subarray(r * layer.outputs, (r + 1) * layer.outputs),
            (r * pseudoLabels + c) * layer.outputs,
          );
        }
      }
      return { layer, inputs, gradients, pseudoLabels };
    });
  }

  withParameters(parameters: Float64Array): MlpModel {
    return new MlpModel(this.architecture, this.train, parameters, { l2: this.l2, weights: this.weights });
  }

  withWeights(weights: Float64Array): MlpModel {
    return new MlpModel(this.architecture, this.train, this.parameters, { l2: this.l2, weights });
  }

  /** Leave-one-out: Newton from θ̂ on the objective without the row (fitMlp's warm start). */
  refitWithout(row: number, options: RefitOptions = {}): RefitResult {
    const weights = Float64Array.from(this.weights);
    weights[row] = 0;
    const fit = fitMlp(this.architecture, this.train, {
      l2: this.l2,
      weights,
      start: options.start ?? this.parameters,
      tolerance: options.tolerance,
      maxIterations: options.maxIterations,
    });
    return {
      parameters: fit.model.parameters,
      gradientNorm: fit.gradientNorm,
      iterations: fit.iterations,
      converged: fit.converged,
    };
  }

  refit(weights: Float64Array, options: RefitOptions = {}): MlpModel {
    return fitMlp(this.architecture, this.train, {
      l2: this.l2,
      weights,
      start: options.start ?? this.parameters,
      tolerance: options.tolerance,
      maxIterations: options.maxIterations,
    }).model;
  }
}

/**
 * Settings of {@link fitMlp}: the objective (L2 strength, row weights), the stop rule, the seed and the Newton steps.
 *
 * @example
 * ```ts
 * import { type ExplainData, fitMlp, type MlpFitOptions } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * const options: MlpFitOptions = { l2: 0.01 * data.train.rows, seed: 1, newtonSteps: 5, maxIterations: 2000 };
 * const { model, converged } = fitMlp({ inputs: data.train.cols, hidden: [16], activation: "tanh", outputs: 1 }, data.train, options);
 * ```
 */
export interface MlpFitOptions extends MlpOptions, RefitOptions {
  /** Initial parameters when no start is given: PyTorch's U(±1/√fan_in), seeded. */
  seed?: number;
  /** Newton–CG steps after L-BFGS, to reach the tolerance quadratically (default 5). */
  newtonSteps?: number;
}

/**
 * The result of {@link fitMlp}: the model, iterations taken, final ‖∇F‖∞ and whether it reached the tolerance.
 *
 * @example
 * ```ts
 * import { type ExplainData, fitMlp, type MlpFit } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * const fit: MlpFit = fitMlp({ inputs: data.train.cols, hidden: [16], activation: "tanh", outputs: 1 }, data.train, { l2: 1 });
 * fit.converged; // if false, fit.gradientNorm is above the tolerance and influence results are flagged untrusted
 * fit.model.description; // e.g. "MLP 20-16-2 (tanh), L2 λ = 1.00"
 * ```
 */
export interface MlpFit {
  model: MlpModel;
  iterations: number;
  gradientNorm: number;
  converged: boolean;
}

/**
 * Trains to a stationary point: L-BFGS on the full-batch objective until ‖∇F‖∞ is
 * within 1e4 of the tolerance, then Newton steps (newtonRefine) until ‖∇F‖∞ ≤
 * tolerance (default 1e-9 per training row). L-BFGS alone stalls far above that
 * (measured on Adult, 5,000 rows, 104-64-64-2 tanh: ‖∇F‖∞ = 1.4e-5 after 879
 * iterations against a tolerance of 5e-6), while Newton converges quadratically.
 *
 * @example
 * ```ts
 * import { type ExplainData, fitMlp } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * const architecture = { inputs: data.train.cols, hidden: [16], activation: "tanh" as const, outputs: 1 };
 * const { model, converged } = fitMlp(architecture, data.train, { l2: 1e-2, seed: 0 });
 * // converged: ‖∇F‖∞ reached the tolerance, so influence functions apply
 * ```
 */
export function fitMlp(architecture: MlpArchitecture, train: Examples, options: MlpFitOptions): MlpFit {
  const p = mlpParameterCount(architecture);
  const weights = options.weights ?? new Float64Array(train.rows).fill(1);
  const tolerance = options.tolerance ?? MLP_TOLERANCE_PER_ROW * train.rows;
  const start = options.start
    ? Float64Array.from(options.start)
    : initialMlpParameters(architecture, options.seed ?? 0);
  if (start.length !== p) throw new RangeError(`expected ${p} parameters, got ${start.length}`);
  let model = new MlpModel(architecture, train, start, { l2: options.l2, weights });
  let iterations = 0;
  if (options.start) {
    // A warm start (a refit) is usually close: Newton first, L-BFGS only if it fails.
    const refined = newtonRefine(model, tolerance, options.newtonSteps ?? 8);
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
  const refined = newtonRefine(model.withParameters(result.x), tolerance, options.newtonSteps ?? 8);
  return { ...refined, iterations: iterations + result.iterations + refined.iterations };
}

/**
 * Newton's method from the model's parameters: each step solves H d = ∇F by conjugate
 * gradient with exact Hessian-vector products, preconditioned by EK-FAC (which cuts
 * the iterations several-fold), to a relative residual of min(0.1, ‖∇F‖) (inexact
 * Newton, Eisenstat & Walker 1996), then halves the step until F decreases. At
 * negative curvature the CG iterate reached so far is used (truncated Newton).
 *
 * @example
 * ```ts
 * import { type MlpModel, newtonRefine } from "equipoise/explain";
 * declare const model: MlpModel; // near a minimum (e.g. after L-BFGS)
 * const { model: refined, converged } = newtonRefine(model, 1e-8, 5);
 * ```
 */
export function newtonRefine(model: MlpModel, tolerance: number, maxSteps: number): MlpFit {
  let gradient = model.objectiveGradient();
  let norm = maxAbs(gradient);
  let value = model.objective();
  let steps = 0;
  while (norm > tolerance && steps < maxSteps) {
    steps++;
    const preconditioner = kroneckerPreconditioner(model, true, 0);
    const direction = preconditionedCg(
      model,
      gradient,
      preconditioner,
      Math.min(0.1, Math.sqrt(norm)) * 1e-3,
    );
    if (!direction) break;
    let scale = 1;
    let accepted: MlpModel | undefined;
    for (let halvings = 0; halvings < 30; halvings++) {
      const candidate = model.withParameters(model.parameters.map((t, j) => t - scale * direction[j]));
      const candidateValue = candidate.objective();
      if (candidateValue <= value + 1e-12 * Math.abs(value)) {
        accepted = candidate;
        value = candidateValue;
        break;
      }
      scale /= 2;
    }
    if (!accepted) break;
    model = accepted;
    gradient = model.objectiveGradient();
    norm = maxAbs(gradient);
  }
  return { model, iterations: steps, gradientNorm: norm, converged: norm <= tolerance };
}

/** Preconditioned CG for H x = b; null when no descent direction was found (negative curvature at once). */
function preconditionedCg(
  model: MlpModel,
  b: Float64Array,
  preconditioner: KroneckerPreconditioner,
  relativeTolerance: number,
): Float64Array | null {
  const p = b.length;
  const x = new Float64Array(p);
  const r = Float64Array.from(b);
  const z = new Float64Array(p);
  preconditioner.apply(r, z);
  const d = Float64Array.from(z);
  let rz = 0;
  let bb = 0;
  for (let j = 0; j < p; j++) {
    rz += r[j] * z[j];
    bb += b[j] * b[j];
  }
  const target = relativeTolerance * relativeTolerance * bb;
  for (let iteration = 0; iteration < 1000; iteration++) {
    const Hd = model.hessianVectorProducts(d, 1);
    let curvature = 0;
    for (let j = 0; j < p; j++) curvature += d[j] * Hd[j];
    if (!(curvature > 0)) return iteration === 0 ? null : x;
    const alpha = rz / curvature;
    let rr = 0;
    for (let j = 0; j < p; j++) {
      x[j] += alpha * d[j];
      r[j] -= alpha * Hd[j];
      rr += r[j] * r[j];
    }
    if (rr <= target) break;
    preconditioner.apply(r, z);
    let next = 0;
    for (let j = 0; j < p; j++) next += r[j] * z[j];
    const beta = next / rz;
    rz = next;
    for (let j = 0; j < p; j++) d[j] = z[j] + beta * d[j];
  }
  return x;
}

/**
 * PyTorch's default for a dense layer: kernel and bias U(−1/√fan_in, 1/√fan_in), seeded.
 *
 * @example
 * ```ts
 * import { initialMlpParameters } from "equipoise/explain";
 * initialMlpParameters({ inputs: 2, hidden: [3], activation: "tanh", outputs: 1 }, 0).length; // 13 = 2·3 + 3 + 3·1 + 1
 * ```
 */
export function initialMlpParameters(architecture: MlpArchitecture, seed: number): Float64Array {
  // A small seeded generator of its own keeps this module free of engine imports.
  let state = (seed ^ 0x9e3779b9) >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const widths = [architecture.inputs, ...architecture.hidden, architecture.outputs];
  const out = new Float64Array(mlpParameterCount(architecture));
  let offset = 0;
  for (let l = 1; l < widths.length; l++) {
    const limit = 1 / Math.sqrt(widths[l - 1]);
    const size = (widths[l - 1] + 1) * widths[l];
    for (let j = 0; j < size; j++) out[offset + j] = (2 * uniform() - 1) * limit;
    offset += size;
  }
  return out;
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

// ---- dense kernels on row-major float64 -----------------------------------------------------
// Inner loops run over contiguous rows, four rows of the other operand at a time: V8
// then keeps four multipliers in registers and streams one output row, measured 4×
// faster than one row at a time (1.5 against 0.35 GMAC/s for 256 × 64 × 64).

/** out = A W + b for A [n × inputs], W = theta[offset…] [inputs × outputs], b after W. */
function affine(
  A: Float64Array,
  n: number,
  inputs: number,
  theta: Float64Array,
  offset: number,
  outputs: number,
  out: Float64Array,
): void {
  const biasOffset = offset + inputs * outputs;
  for (let i = 0; i < n; i++) out.set(theta.subarray(biasOffset, biasOffset + outputs), i * outputs);
  affineAdd(A, n, inputs, theta, offset, outputs, out);
}

/** out += A W. */
function affineAdd(
  A: Float64Array,
  n: number,
  inputs: number,
  theta: Float64Array,
  offset: number,
  outputs: number,
  out: Float64Array,
): void {
  const body = inputs - (inputs % 4);
  for (let i = 0; i < n; i++) {
    const o = i * outputs;
    const a = i * inputs;
    for (let k = 0; k < body; k += 4) {
      const a0 = A[a + k];
      const a1 = A[a + k + 1];
      const a2 = A[a + k + 2];
      const a3 = A[a + k + 3];
      if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0) continue;
      const w0 = offset + k * outputs;
      const w1 = w0 + outputs;
      const w2 = w1 + outputs;
      const w3 = w2 + outputs;
      for (let j = 0; j < outputs; j++) {
        out[o + j] += a0 * theta[w0 + j] + a1 * theta[w1 + j] + a2 * theta[w2 + j] + a3 * theta[w3 + j];
      }
    }
    for (let k = body; k < inputs; k++) {
      const ak = A[a + k];
      if (ak === 0) continue;
      const w = offset + k * outputs;
      for (let j = 0; j < outputs; j++) out[o + j] += ak * theta[w + j];
    }
  }
}

/** The first layer on the data's sparse rows: out = X W + b. */
function sparseAffine(
  examples: Examples,
  rows: ArrayLike<number>,
  theta: Float64Array,
  offset: number,
  outputs: number,
  out: Float64Array,
): void {
  const { rowStart, column, value } = sparseRowsOf(examples);
  const biasOffset = offset + examples.cols * outputs;
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    const o = r * outputs;
    for (let j = 0; j < outputs; j++) out[o + j] = theta[biasOffset + j];
    for (let q = rowStart[i]; q < rowStart[i + 1]; q++) {
      const x = value[q];
      const w = offset + column[q] * outputs;
      for (let j = 0; j < outputs; j++) out[o + j] += x * theta[w + j];
    }
  }
}

/** out = D Wᵀ for D [n × outputs]: out[i, k] = Σ_j D[i, j] W[k, j]. */
function affineTransposed(
  D: Float64Array,
  n: number,
  outputs: number,
  theta: Float64Array,
  offset: number,
  inputs: number,
  out: Float64Array,
): void {
  out.fill(0);
  affineTransposedAdd(D, n, outputs, theta, offset, inputs, out);
}

/** out += D Wᵀ, through Wᵀ so that the inner loop streams rows. */
function affineTransposedAdd(
  D: Float64Array,
  n: number,
  outputs: number,
  theta: Float64Array,
  offset: number,
  inputs: number,
  out: Float64Array,
): void {
  const Wt = new Float64Array(outputs * inputs);
  for (let k = 0; k < inputs; k++)
    for (let j = 0; j < outputs; j++) Wt[j * inputs + k] = theta[offset + k * outputs + j];
  affineAdd(D, n, outputs, Wt, 0, inputs, out);
}

/** gradient[kernel] += Aᵀ D and gradient[bias] += Σ rows of D. */
function outerAccumulate(
  A: Float64Array,
  D: Float64Array,
  n: number,
  inputs: number,
  outputs: number,
  gradient: Float64Array,
  offset: number,
): void {
  outerAccumulateKernel(A, D, n, inputs, outputs, gradient, offset);
  const biasOffset = offset + inputs * outputs;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < outputs; j++) gradient[biasOffset + j] += D[i * outputs + j];
}

/** gradient[kernel] += Aᵀ D, four examples at a time. */
function outerAccumulateKernel(
  A: Float64Array,
  D: Float64Array,
  n: number,
  inputs: number,
  outputs: number,
  gradient: Float64Array,
  offset: number,
): void {
  const body = n - (n % 4);
  for (let i = 0; i < body; i += 4) {
    const d0 = i * outputs;
    const d1 = d0 + outputs;
    const d2 = d1 + outputs;
    const d3 = d2 + outputs;
    for (let k = 0; k < inputs; k++) {
      const a0 = A[i * inputs + k];
      const a1 = A[(i + 1) * inputs + k];
      const a2 = A[(i + 2) * inputs + k];
      const a3 = A[(i + 3) * inputs + k];
      if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0) continue;
      const g = offset + k * outputs;
      for (let j = 0; j < outputs; j++) {
        gradient[g + j] += a0 * D[d0 + j] + a1 * D[d1 + j] + a2 * D[d2 + j] + a3 * D[d3 + j];
      }
    }
  }
  for (let i = body; i < n; i++) {
    const d = i * outputs;
    for (let k = 0; k < inputs; k++) {
      const a = A[i * inputs + k];
      if (a === 0) continue;
      const g = offset + k * outputs;
      for (let j = 0; j < outputs; j++) gradient[g + j] += a * D[d + j];
    }
  }
}

/** The first layer's kernel gradient from the data's sparse rows: gradient += Xᵀ D (+ bias). */
function sparseOuterAccumulate(
  examples: Examples,
  rows: ArrayLike<number>,
  D: Float64Array,
  outputs: number,
  gradient: Float64Array,
  offset: number,
): void {
  const { rowStart, column, value } = sparseRowsOf(examples);
  const biasOffset = offset + examples.cols * outputs;
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    const d = r * outputs;
    for (let q = rowStart[i]; q < rowStart[i + 1]; q++) {
      const x = value[q];
      const g = offset + column[q] * outputs;
      for (let j = 0; j < outputs; j++) gradient[g + j] += x * D[d + j];
    }
    for (let j = 0; j < outputs; j++) gradient[biasOffset + j] += D[d + j];
  }
}
