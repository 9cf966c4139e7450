/**
 * L2-regularised logistic regression with scikit-learn's objective, the exact ground
 * truth of the explanations (issue 12, item 3):
 *   F(θ) = Σᵢ wᵢ [softplus(zᵢ) − yᵢ zᵢ] + ‖β‖² / (2C),   zᵢ = β·xᵢ + b,   θ = [β; b],
 * the intercept b unpenalised. Newton's method with a Cholesky solve of the explicit
 * Hessian H = Σᵢ wᵢ pᵢ(1 − pᵢ) x̃ᵢx̃ᵢᵀ + diag(1/C, …, 1/C, 0) (x̃ = [x; 1]) reaches
 * ‖∇F‖∞ ≤ 1e-10 in float64 in a handful of iterations; a backtracking line search on
 * F keeps it monotone from any start.
 */
import { UserError } from "../../common/errors.js";
import { cholesky, choleskySolve } from "../../math/linalg.js";
import { type Examples, sparseRowsOf } from "../data.js";
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
 * ‖∇F‖∞ at which Newton stops: the definition of "exact".
 *
 * @example
 * ```ts
 * import { type ExplainData, fitLogisticRegression, LOGISTIC_TOLERANCE } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * LOGISTIC_TOLERANCE; // 1e-10
 * const fit = fitLogisticRegression(data.train); // Newton until ‖∇F‖∞ ≤ 1e-10 unless options.tolerance says otherwise
 * ```
 */
export const LOGISTIC_TOLERANCE = 1e-10;

/**
 * The objective of {@link LogisticModel}: L2 strength C and row weights.
 *
 * @example
 * ```ts
 * import { type Examples, LogisticModel, type LogisticOptions } from "equipoise/explain";
 * declare const train: Examples; // the training rows (p − 1 feature columns)
 * declare const theta: Float64Array; // coefficients then intercept, e.g. from scikit-learn
 * const options: LogisticOptions = { C: 0.5 }; // the objective those parameters minimise
 * const model = new LogisticModel(train, theta, options);
 * model.stationarity().stationary; // whether θ is the optimum of that objective
 * ```
 */
export interface LogisticOptions {
  /** Inverse regularisation strength, as scikit-learn's C (default 1). */
  C?: number;
  /** Objective weight per training row (default all 1). */
  weights?: Float64Array;
}

/**
 * Settings of {@link fitLogisticRegression}.
 *
 * @example
 * ```ts
 * import { type ExplainData, fitLogisticRegression, type LogisticFitOptions } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * const options: LogisticFitOptions = { C: 1, tolerance: 1e-12, maxIterations: 50 };
 * const { model, converged } = fitLogisticRegression(data.train, options);
 * ```
 */
export interface LogisticFitOptions extends LogisticOptions, RefitOptions {}

/**
 * softplus(z) − y·z without overflow: max(z, 0) + log1p(e^−|z|) − y·z.
 *
 * @example
 * ```ts
 * import { logisticLoss } from "equipoise/explain";
 * logisticLoss(0, 1); // 0.6931471805599453 = log 2
 * logisticLoss(800, 0); // 800, without overflow
 * ```
 */
export function logisticLoss(z: number, y: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - y * z;
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * L2 logistic regression with scikit-learn's objective (Σ wᵢ log-loss + ‖β‖²/(2C)) as an
 * {@link ExplainableModel}, with an explicit Hessian and fast warm-started leave-one-out refits.
 *
 * @example
 * ```ts
 * import { fitLogisticRegression } from "equipoise/explain";
 * const train = { rows: 4, cols: 1, X: Float64Array.of(0, 1, 2, 3), y: Float64Array.of(0, 0, 1, 1) };
 * const { model } = fitLogisticRegression(train, { C: 1 }); // a LogisticModel
 * model.parameters; // Float64Array [β, b] ≈ [0.958, -1.437]
 * model.scores(train); // zᵢ = β·xᵢ + b
 * ```
 */
export class LogisticModel implements ExplainableModel {
  readonly family = "logistic-regression" as const;
  readonly classes = 2;
  readonly parameterCount: number;
  readonly weights: Float64Array;
  readonly C: number;
  private cachedScores: Float64Array | undefined;
  private cachedCurvatures: Float64Array | undefined;

  constructor(
    readonly train: Examples,
    readonly parameters: Float64Array,
    options: LogisticOptions = {},
  ) {
    this.parameterCount = train.cols + 1;
    if (parameters.length !== this.parameterCount) {
      throw new RangeError(
        `logistic regression on ${train.cols} features has ${this.parameterCount} parameters, got ${parameters.length}`,
      );
    }
    this.C = options.C ?? 1;
    if (!(this.C > 0) || !Number.isFinite(this.C))
      throw new UserError(`C must be a positive number, got ${this.C}`);
    this.weights = options.weights ?? new Float64Array(train.rows).fill(1);
    if (this.weights.length !== train.rows) {
      throw new RangeError(`${train.rows} training rows but ${this.weights.length} weights`);
    }
    for (let i = 0; i < train.rows; i++) {
      const label = train.y[i];
      if (label !== 0 && label !== 1)
        throw new UserError(`logistic regression needs 0/1 labels; training row ${i} has ${label}`);
    }
  }

  get description(): string {
    return `logistic regression (C = ${this.C})`;
  }

  /** zᵢ for every row of `examples`. */
  scores(examples: Examples): Float64Array {
    if (examples === this.train && this.cachedScores) return this.cachedScores;
    const out = linearScores(examples, this.parameters);
    if (examples === this.train) this.cachedScores = out;
    return out;
  }

  objective(): number {
    return logisticObjective(this.train, this.weights, this.C, this.parameters, undefined);
  }

  objectiveGradient(): Float64Array {
    const gradient = new Float64Array(this.parameterCount);
    logisticObjective(this.train, this.weights, this.C, this.parameters, gradient);
    return gradient;
  }

  /** ‖∇F‖∞ at the parameters against the logistic tolerance. */
  stationarity(): Stationarity {
    const gradientNorm = maxAbs(this.objectiveGradient());
    return {
      gradientNorm,
      tolerance: LOGISTIC_TOLERANCE * 100,
      stationary: gradientNorm <= LOGISTIC_TOLERANCE * 100,
    };
  }

  /** The curvature weights wᵢ pᵢ (1 − pᵢ) of the Hessian's data term. */
  curvatures(): Float64Array {
    if (this.cachedCurvatures) return this.cachedCurvatures;
    const z = this.scores(this.train);
    const out = new Float64Array(this.train.rows);
    for (let i = 0; i < out.length; i++) {
      const p = sigmoid(z[i]);
      out[i] = this.weights[i] * p * (1 - p);
    }
    this.cachedCurvatures = out;
    return out;
  }

  hessian(): Float64Array {
    return logisticHessian(this.train, this.curvatures(), this.C);
  }

  hessianVectorProducts(vectors: Float64Array, count: number, rows?: ArrayLike<number>): Float64Array {
    const p = this.parameterCount;
    const { rowStart, column, value } = sparseRowsOf(this.train);
    const curvature = this.curvatures();
    const n = rows ? rows.length : this.train.rows;
    const scale = rows ? this.train.rows / Math.max(rows.length, 1) : 1;
    // Parameter-major copies ([p × count]) keep the inner loops over the block contiguous.
    const V = transpose(vectors, count, p);
    const HV = new Float64Array(p * count);
    const dots = new Float64Array(count);
    const biasRow = (p - 1) * count;
    for (let r = 0; r < n; r++) {
      const i = rows ? rows[r] : r;
      const start = rowStart[i];
      const end = rowStart[i + 1];
      for (let k = 0; k < count; k++) dots[k] = V[biasRow + k];
      for (let q = start; q < end; q++) {
        const x = value[q];
        const row = column[q] * count;
        for (let k = 0; k < count; k++) dots[k] += x * V[row + k];
      }
      const c = scale * curvature[i];
      for (let k = 0; k < count; k++) dots[k] *= c;
      for (let q = start; q < end; q++) {
        const x = value[q];
        const row = column[q] * count;
        for (let k = 0; k < count; k++) HV[row + k] += x * dots[k];
      }
      for (let k = 0; k < count; k++) HV[biasRow + k] += dots[k];
    }
    const out = transpose(HV, p, count);
    for (let k = 0; k < count; k++) {
      for (let j = 0; j < p - 1; j++) out[k * p + j] += vectors[k * p + j] / this.C;
    }
    return out;
  }

  regulariserDiagonal(): Float64Array {
    const out = new Float64Array(this.parameterCount).fill(1 / this.C);
    out[this.parameterCount - 1] = 0;
    return out;
  }

  losses(examples: Examples): Float64Array {
    const z = this.scores(examples);
    return z.map((zi, i) => logisticLoss(zi, examples.y[i]));
  }

  probabilities(examples: Examples): Float64Array {
    const z = this.scores(examples);
    const out = new Float64Array(examples.rows * 2);
    for (let i = 0; i < examples.rows; i++) {
      const p = sigmoid(z[i]);
      out[2 * i] = 1 - p;
      out[2 * i + 1] = p;
    }
    return out;
  }

  lossGradients(examples: Examples, rows: ArrayLike<number>): Float64Array {
    const z = this.scores(examples);
    const coefficients = new Float64Array(rows.length);
    for (let r = 0; r < rows.length; r++) coefficients[r] = sigmoid(z[rows[r]]) - examples.y[rows[r]];
    return scaledFeatureRows(examples, rows, coefficients, this.parameterCount);
  }

  probabilityGradient(examples: Examples, coefficients: Float64Array): Float64Array {
    const z = this.scores(examples);
    const { rowStart, column, value } = sparseRowsOf(examples);
    const p = this.parameterCount;
    const out = new Float64Array(p);
    for (let i = 0; i < examples.rows; i++) {
      const c = coefficients[i];
      if (c === 0) continue;
      const probability = sigmoid(z[i]);
      const s = c * probability * (1 - probability);
      for (let q = rowStart[i]; q < rowStart[i + 1]; q++) out[column[q]] += s * value[q];
      out[p - 1] += s;
    }
    return out;
  }

  /** wᵢ (pᵢ − yᵢ): rᵢ = this times x̃ᵢ. */
  private removalCoefficients(rows: ArrayLike<number>): Float64Array {
    const z = this.scores(this.train);
    const out = new Float64Array(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const i = rows[r];
      out[r] = this.weights[i] * (sigmoid(z[i]) - this.train.y[i]);
    }
    return out;
  }

  removalGradients(rows: ArrayLike<number>): Float64Array {
    return scaledFeatureRows(this.train, rows, this.removalCoefficients(rows), this.parameterCount);
  }

  removalGradientProducts(rows: ArrayLike<number>, vectors: Float64Array, count: number): Float64Array {
    const coefficients = this.removalCoefficients(rows);
    const { rowStart, column, value } = sparseRowsOf(this.train);
    const p = this.parameterCount;
    const V = transpose(vectors, count, p);
    const out = new Float64Array(count * rows.length);
    const dots = new Float64Array(count);
    const biasRow = (p - 1) * count;
    for (let r = 0; r < rows.length; r++) {
      const i = rows[r];
      for (let k = 0; k < count; k++) dots[k] = V[biasRow + k];
      for (let q = rowStart[i]; q < rowStart[i + 1]; q++) {
        const x = value[q];
        const row = column[q] * count;
        for (let k = 0; k < count; k++) dots[k] += x * V[row + k];
      }
      const c = coefficients[r];
      for (let k = 0; k < count; k++) out[k * rows.length + r] = c * dots[k];
    }
    return out;
  }

  withParameters(parameters: Float64Array): LogisticModel {
    return new LogisticModel(this.train, parameters, { C: this.C, weights: this.weights });
  }

  withWeights(weights: Float64Array): LogisticModel {
    return new LogisticModel(this.train, this.parameters, { C: this.C, weights });
  }

  private factor: ReturnType<typeof cholesky> | undefined;

  /** One dense layer with one output: K-FAC's input factor is then the data term's own structure. */
  get kroneckerLayers(): readonly KroneckerLayer[] {
    return [{ offset: 0, inputs: this.train.cols, outputs: 1 }];
  }

  /** Inputs x̃ᵢ and the one pseudo-gradient √(pᵢ(1 − pᵢ)): the logit curvature of the log-loss. */
  kroneckerStatistics(rows: ArrayLike<number>): KroneckerStatistics[] {
    const z = this.scores(this.train);
    const ones = new Float64Array(rows.length).fill(1);
    const gradients = new Float64Array(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const q = sigmoid(z[rows[r]]);
      gradients[r] = Math.sqrt(q * (1 - q));
    }
    return [
      {
        layer: this.kroneckerLayers[0],
        inputs: scaledFeatureRows(this.train, rows, ones, this.parameterCount),
        gradients,
        pseudoLabels: 1,
      },
    ];
  }

  /**
   * True leave-one-out retraining: Newton's method on F₋ᵢ from θ̂ with the Hessian
   * of F at θ̂ downdated by row i's own term (Sherman–Morrison),
   *   H₋ᵢ⁻¹v = H⁻¹v + aᵢ (x̃ᵢ·H⁻¹v) / (1 − aᵢ x̃ᵢ·H⁻¹x̃ᵢ) · H⁻¹x̃ᵢ,  aᵢ = wᵢpᵢ(1 − pᵢ),
   * which is the exact Hessian of F₋ᵢ at the start. Keeping it (a chord method) costs
   * O(p²) per step instead of a refactorisation; every step still evaluates the exact
   * gradient of F₋ᵢ, and the loop ends only when ‖∇F₋ᵢ‖∞ ≤ tolerance (1e-10), so the
   * answer is the converged optimum. Steps shrink the gradient by about ‖Δθ‖·L/μ each
   * (three or four steps on Adult); if one does not at least halve it, full Newton
   * steps finish the job.
   */
  refitWithout(row: number, options: RefitOptions = {}): RefitResult {
    const tolerance = options.tolerance ?? LOGISTIC_TOLERANCE;
    const maxIterations = options.maxIterations ?? 50;
    const p = this.parameterCount;
    this.factor ??= cholesky(this.hessian(), p);
    const factor = this.factor;
    const x = scaledFeatureRows(this.train, [row], Float64Array.of(1), p);
    const u = choleskySolve(factor, x);
    let h = 0;
    for (let j = 0; j < p; j++) h += x[j] * u[j];
    const curvature = this.curvatures()[row];
    const denominator = 1 - curvature * h;
    const weights = Float64Array.from(this.weights);
    weights[row] = 0;
    const theta = Float64Array.from(options.start ?? this.parameters);
    const gradient = new Float64Array(p);
    logisticGradient(this.train, weights, this.C, theta, gradient);
    let norm = maxAbs(gradient);
    let iterations = 0;
    const step = new Float64Array(p);
    while (norm > tolerance && iterations < maxIterations) {
      iterations++;
      choleskySolve(factor, gradient, step);
      let xs = 0;
      for (let j = 0; j < p; j++) xs += x[j] * step[j];
      const correction = (curvature * xs) / denominator;
      for (let j = 0; j < p; j++) theta[j] -= step[j] + correction * u[j];
      logisticGradient(this.train, weights, this.C, theta, gradient);
      const next = maxAbs(gradient);
      if (!(next <= norm / 2) && next > tolerance) {
        const finished = fitLogisticRegression(this.train, { C: this.C, weights, start: theta, tolerance });
        return {
          parameters: finished.model.parameters,
          gradientNorm: finished.gradientNorm,
          iterations: iterations + finished.iterations,
          converged: finished.converged,
        };
      }
      norm = next;
    }
    return { parameters: theta, gradientNorm: norm, iterations, converged: norm <= tolerance };
  }

  refit(weights: Float64Array, options: RefitOptions = {}): LogisticModel {
    return fitLogisticRegression(this.train, {
      C: this.C,
      weights,
      start: options.start ?? this.parameters,
      tolerance: options.tolerance,
      maxIterations: options.maxIterations,
    }).model;
  }
}

/**
 * A fitted logistic regression and how its Newton iterations ended.
 *
 * @example
 * ```ts
 * import { type ExplainData, fitLogisticRegression, type LogisticFit } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * const fit: LogisticFit = fitLogisticRegression(data.train, { C: 1 });
 * fit.converged; // true when ‖∇F‖∞ ≤ 1e-10 (fit.gradientNorm) within the iterations
 * fit.model; // the LogisticModel to explain
 * ```
 */
export interface LogisticFit {
  model: LogisticModel;
  iterations: number;
  gradientNorm: number;
  converged: boolean;
}

/**
 * Newton's method to ‖∇F‖∞ ≤ tolerance (default 1e-10). Each step solves H d = ∇F by
 * Cholesky and halves the step until F does not increase (it never needs to near the
 * optimum, where the full step converges quadratically).
 *
 * @example
 * ```ts
 * import { data } from "equipoise";
 * import { explainData, fitLogisticRegression } from "equipoise/explain";
 * const { train } = explainData(await data.prepareTask({ data: "german-credit", sensitive: ["sex"] }));
 * const fit = fitLogisticRegression(train, { C: 1 }); // scikit-learn's objective
 * console.log(fit.converged, fit.model.stationarity().gradientNorm);
 * ```
 */
export function fitLogisticRegression(train: Examples, options: LogisticFitOptions = {}): LogisticFit {
  const p = train.cols + 1;
  const C = options.C ?? 1;
  const weights = options.weights ?? new Float64Array(train.rows).fill(1);
  const tolerance = options.tolerance ?? LOGISTIC_TOLERANCE;
  const maxIterations = options.maxIterations ?? 100;
  let theta = options.start ? Float64Array.from(options.start) : new Float64Array(p);
  const gradient = new Float64Array(p);
  let value = logisticObjective(train, weights, C, theta, gradient);
  let iterations = 0;
  while (maxAbs(gradient) > tolerance && iterations < maxIterations) {
    iterations++;
    const z = linearScores(train, theta);
    const curvature = new Float64Array(train.rows);
    for (let i = 0; i < train.rows; i++) {
      const q = sigmoid(z[i]);
      curvature[i] = weights[i] * q * (1 - q);
    }
    const step = choleskySolve(cholesky(logisticHessian(train, curvature, C), p), gradient);
    let scale = 1;
    let next = theta;
    const nextGradient = new Float64Array(p);
    let nextValue = Number.POSITIVE_INFINITY;
    for (let halvings = 0; halvings < 40; halvings++) {
      next = theta.map((t, j) => t - scale * step[j]);
      nextValue = logisticObjective(train, weights, C, next, nextGradient);
      // Near the optimum F changes by less than its rounding error: accept the full step then.
      if (nextValue <= value + 1e-12 * Math.abs(value)) break;
      scale /= 2;
    }
    if (!(nextValue <= value + 1e-12 * Math.abs(value))) break;
    theta = next;
    value = nextValue;
    gradient.set(nextGradient);
  }
  const gradientNorm = maxAbs(gradient);
  return {
    model: new LogisticModel(train, theta, { C, weights }),
    iterations,
    gradientNorm,
    converged: gradientNorm <= tolerance,
  };
}

/**
 * zᵢ = β·xᵢ + b for every row.
 *
 * @example
 * ```ts
 * import { linearScores } from "equipoise/explain";
 * const examples = { rows: 2, cols: 1, X: Float64Array.of(0, 2), y: Float64Array.of(0, 1) };
 * linearScores(examples, Float64Array.of(0.5, -1)); // Float64Array [-1, 0]: β = 0.5, b = −1
 * ```
 */
export function linearScores(examples: Examples, theta: Float64Array): Float64Array {
  const { rowStart, column, value } = sparseRowsOf(examples);
  const b = theta[examples.cols];
  const out = new Float64Array(examples.rows);
  for (let i = 0; i < examples.rows; i++) {
    let z = b;
    for (let q = rowStart[i]; q < rowStart[i + 1]; q++) z += value[q] * theta[column[q]];
    out[i] = z;
  }
  return out;
}

/**
 * F(θ); writes ∇F(θ) into `gradient` when given.
 *
 * @example
 * ```ts
 * import { type Examples, logisticObjective } from "equipoise/explain";
 * declare const train: Examples; declare const weights: Float64Array; // the rows and their weights
 * declare const theta: Float64Array; // the parameters (cols + 1, the intercept last)
 * const gradient = new Float64Array(theta.length);
 * const value = logisticObjective(train, weights, 1, theta, gradient); // F(θ), and ∇F(θ) in gradient
 * ```
 */
export function logisticObjective(
  train: Examples,
  weights: Float64Array,
  C: number,
  theta: Float64Array,
  gradient: Float64Array | undefined,
): number {
  const { rowStart, column, value } = sparseRowsOf(train);
  const p = train.cols + 1;
  const b = theta[p - 1];
  gradient?.fill(0);
  let loss = 0;
  let gradientBias = 0;
  for (let i = 0; i < train.rows; i++) {
    const w = weights[i];
    if (w === 0) continue;
    const start = rowStart[i];
    const end = rowStart[i + 1];
    let z = b;
    for (let q = start; q < end; q++) z += value[q] * theta[column[q]];
    const y = train.y[i];
    loss += w * logisticLoss(z, y);
    if (gradient) {
      const residual = w * (sigmoid(z) - y);
      for (let q = start; q < end; q++) gradient[column[q]] += residual * value[q];
      gradientBias += residual;
    }
  }
  let penalty = 0;
  for (let j = 0; j < p - 1; j++) penalty += theta[j] * theta[j];
  if (gradient) {
    for (let j = 0; j < p - 1; j++) gradient[j] += theta[j] / C;
    gradient[p - 1] = gradientBias;
  }
  return loss + penalty / (2 * C);
}

/**
 * ∇F(θ) only (no loss: one exp per row instead of an exp and a log1p), into `gradient`.
 *
 * @example
 * ```ts
 * import { type Examples, logisticGradient } from "equipoise/explain";
 * declare const train: Examples; declare const weights: Float64Array; // the rows and their weights
 * declare const theta: Float64Array; // the parameters (cols + 1, the intercept last)
 * const gradient = new Float64Array(train.cols + 1);
 * logisticGradient(train, weights, 1, theta, gradient); // ∇F(θ) only, cheaper than logisticObjective
 * ```
 */
export function logisticGradient(
  train: Examples,
  weights: Float64Array,
  C: number,
  theta: Float64Array,
  gradient: Float64Array,
): void {
  const { rowStart, column, value } = sparseRowsOf(train);
  const p = train.cols + 1;
  const b = theta[p - 1];
  gradient.fill(0);
  let gradientBias = 0;
  for (let i = 0; i < train.rows; i++) {
    const w = weights[i];
    if (w === 0) continue;
    const start = rowStart[i];
    const end = rowStart[i + 1];
    let z = b;
    for (let q = start; q < end; q++) z += value[q] * theta[column[q]];
    const residual = w * (sigmoid(z) - train.y[i]);
    for (let q = start; q < end; q++) gradient[column[q]] += residual * value[q];
    gradientBias += residual;
  }
  for (let j = 0; j < p - 1; j++) gradient[j] += theta[j] / C;
  gradient[p - 1] = gradientBias;
}

/**
 * Σᵢ cᵢ x̃ᵢx̃ᵢᵀ + diag(1/C, …, 1/C, 0), accumulated over the non-zeros of each row.
 *
 * @example
 * ```ts
 * import { type Examples, logisticHessian } from "equipoise/explain";
 * declare const train: Examples; // the training rows
 * declare const curvature: Float64Array; // wᵢ pᵢ(1 − pᵢ) of each row at θ (LogisticModel.curvatures())
 * const H = logisticHessian(train, curvature, 1); // row-major (cols + 1) × (cols + 1)
 * ```
 */
export function logisticHessian(train: Examples, curvature: Float64Array, C: number): Float64Array {
  const p = train.cols + 1;
  const { rowStart, column, value } = sparseRowsOf(train);
  const H = new Float64Array(p * p);
  const bias = p - 1;
  for (let i = 0; i < train.rows; i++) {
    const c = curvature[i];
    if (c === 0) continue;
    const start = rowStart[i];
    const end = rowStart[i + 1];
    for (let a = start; a < end; a++) {
      const ca = c * value[a];
      const row = column[a] * p;
      // Lower triangle only (columns are ascending within a row); mirrored below.
      for (let q = start; q <= a; q++) H[row + column[q]] += ca * value[q];
      H[bias * p + column[a]] += ca;
    }
    H[bias * p + bias] += c;
  }
  for (let j = 0; j < p - 1; j++) H[j * p + j] += 1 / C;
  for (let r = 0; r < p; r++) for (let c = 0; c < r; c++) H[c * p + r] = H[r * p + c];
  return H;
}

/** Rows cᵣ x̃_{rows[r]} as a dense [rows × p] matrix. */
function scaledFeatureRows(
  examples: Examples,
  rows: ArrayLike<number>,
  coefficients: Float64Array,
  p: number,
): Float64Array {
  const { rowStart, column, value } = sparseRowsOf(examples);
  const out = new Float64Array(rows.length * p);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    const base = r * p;
    const c = coefficients[r];
    for (let q = rowStart[i]; q < rowStart[i + 1]; q++) out[base + column[q]] = c * value[q];
    out[base + p - 1] = c;
  }
  return out;
}

/** The transpose of a row-major [rows × cols] matrix. */
function transpose(matrix: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = matrix[i * cols + j];
  return out;
}
