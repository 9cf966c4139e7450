/**
 * The base-learner contract of the reductions (Fairlearn's estimator conventions:
 * fit with sample weights, predict), and a fast full-batch weighted logistic
 * regression that meets it: scikit-learn's LogisticRegression objective
 *   Σ w_i log(1 + exp(−s_i z_i)) + ‖β‖² / (2C)   (intercept not penalised, C = 1),
 * divided by Σ w_i as sklearn's lbfgs path does, minimised by L-BFGS from src/math.
 * Warm start: a learner can start from another's coefficients, which makes the many
 * nearby fits of exponentiated gradient cheap.
 */
import { minimize } from "../math/lbfgs.js";
import type { Vector } from "./metrics.js";

/**
 * A dense row-major matrix: element (i, j) is data[i * cols + j].
 *
 * @example
 * ```ts
 * import { type FeatureMatrix, WeightedLogisticRegression } from "equipoise/fairness";
 * const X: FeatureMatrix = { rows: 3, cols: 2, data: [1, 0.5, 2, 0.1, 3, 0.9] }; // row-major: row 1 is [2, 0.1]
 * const model = new WeightedLogisticRegression();
 * model.fit(X, [0, 1, 1]);
 * ```
 */
export interface FeatureMatrix {
  rows: number;
  cols: number;
  data: ArrayLike<number>;
}

/**
 * A binary classifier trained with sample weights: what the reductions fit at every step.
 *
 * @example
 * ```ts
 * import { type FeatureMatrix, type WeightedLearner, exponentiatedGradient } from "equipoise/fairness";
 * declare const X: FeatureMatrix; // the training features
 * declare const y: number[]; // 0/1 labels of the rows of X
 * declare const sex: { name: string; values: string[] }; // the sensitive feature of the same rows
 * // any classifier with weighted fit, predictProba and predict can be the reductions' learner
 * declare function createMyLearner(): WeightedLearner;
 * const result = exponentiatedGradient(createMyLearner, { X, y, sensitiveFeatures: [sex] }, { constraint: "demographic_parity" });
 * ```
 */
export interface WeightedLearner {
  /**
   * Fits on the rows of X with 0/1 labels and optional weights (from the solution given to `warmStartFrom`, if any).
   */
  fit(X: FeatureMatrix, y: Vector, sampleWeight?: Vector): void;
  /** Probability of label 1 per row. */
  predictProba(X: FeatureMatrix): Float64Array;
  /** Hard 0/1 predictions. */
  predict(X: FeatureMatrix): Float64Array;
  /** Start the next fit from this learner's solution (optional). */
  warmStartFrom?(previous: WeightedLearner): void;
}

/**
 * Makes a fresh, unfitted learner.
 *
 * @example
 * ```ts
 * import { type LearnerFactory, WeightedLogisticRegression } from "equipoise/fairness";
 * const createLearner: LearnerFactory = () => new WeightedLogisticRegression({ C: 0.5 });
 * // passed to exponentiatedGradient, which fits a fresh learner at every step
 * ```
 */
export type LearnerFactory = () => WeightedLearner;

/**
 * Predicts one label for every row (the reductions' answer when all reduced labels agree).
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const always = new fairness.ConstantLearner(1);
 * always.predict({ rows: 3, cols: 2, data: new Float64Array(6) }); // Float64Array [1, 1, 1]
 * ```
 */
export class ConstantLearner implements WeightedLearner {
  constructor(readonly label: number) {}
  fit(): void {}
  predictProba(X: FeatureMatrix): Float64Array {
    return new Float64Array(X.rows).fill(this.label);
  }
  predict(X: FeatureMatrix): Float64Array {
    return this.predictProba(X);
  }
}

/**
 * Settings of {@link WeightedLogisticRegression} (scikit-learn's names).
 *
 * @example
 * ```ts
 * import { type LogisticRegressionOptions, WeightedLogisticRegression } from "equipoise/fairness";
 * const options: LogisticRegressionOptions = { C: 10, maxIterations: 500, tolerance: 1e-6, functionTolerance: 0 };
 * const model = new WeightedLogisticRegression(options); // weaker regularisation, fit to a tighter gradient
 * ```
 */
export interface LogisticRegressionOptions {
  /** Inverse L2 strength, as in scikit-learn (default 1). */
  C?: number;
  maxIterations?: number;
  /** Infinity norm of the (normalised) gradient at which to stop (default 1e-4, sklearn's tol). */
  tolerance?: number;
  /**
   * Also stop when one iteration lowers the objective by less than this relative amount
   * (default 1e-10; 0 leaves only the gradient test, for fits that must reach `tolerance`).
   */
  functionTolerance?: number;
}

/**
 * The logistic function 1 / (1 + e^−z), computed without overflow for large |z|.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * fairness.sigmoid(0); // 0.5
 * fairness.sigmoid(-800); // 0, without overflow
 * ```
 */
export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/**
 * Rows in compressed sparse form. One-hot encoded tables (Adult: ~14 non-zeros in 104
 * columns) make every pass of the optimiser several times cheaper this way.
 */
interface SparseRows {
  rowStart: Int32Array;
  column: Int32Array;
  value: Float64Array;
}

const sparseCache = new WeakMap<FeatureMatrix, SparseRows>();

function sparseRowsOf(X: FeatureMatrix): SparseRows {
  const cached = sparseCache.get(X);
  if (cached) return cached;
  const { rows, cols, data } = X;
  let nonZeros = 0;
  for (let k = 0; k < rows * cols; k++) if (data[k] !== 0) nonZeros++;
  const rowStart = new Int32Array(rows + 1);
  const column = new Int32Array(nonZeros);
  const value = new Float64Array(nonZeros);
  let p = 0;
  for (let i = 0; i < rows; i++) {
    rowStart[i] = p;
    for (let j = 0; j < cols; j++) {
      const v = data[i * cols + j];
      if (v !== 0) {
        column[p] = j;
        value[p++] = v;
      }
    }
  }
  rowStart[rows] = p;
  const sparse = { rowStart, column, value };
  sparseCache.set(X, sparse);
  return sparse;
}

function linearScores(X: FeatureMatrix, params: Float64Array): Float64Array {
  const { rowStart, column, value } = sparseRowsOf(X);
  const b = params[X.cols];
  const out = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    let z = b;
    for (let p = rowStart[i]; p < rowStart[i + 1]; p++) z += value[p] * params[column[p]];
    out[i] = z;
  }
  return out;
}

/**
 * The normalised objective and its gradient at params = [β; b].
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const X = { rows: 4, cols: 1, data: [0, 1, 2, 3] };
 * const params = new Float64Array(2); // [β; b] = 0
 * const grad = new Float64Array(2);
 * fairness.logisticObjective(X, [0, 0, 1, 1], undefined, 1, params, grad); // log 2 ≈ 0.6931; grad = [−0.5, 0]
 * ```
 */
export function logisticObjective(
  X: FeatureMatrix,
  y: Vector,
  sampleWeight: Vector | undefined,
  C: number,
  params: Float64Array,
  grad: Float64Array,
): number {
  const { rows, cols } = X;
  const { rowStart, column, value } = sparseRowsOf(X);
  grad.fill(0);
  let loss = 0;
  let totalWeight = 0;
  const b = params[cols];
  let gradB = 0;
  for (let i = 0; i < rows; i++) {
    const w = sampleWeight ? sampleWeight[i] : 1;
    totalWeight += w;
    if (w === 0) continue;
    const start = rowStart[i];
    const end = rowStart[i + 1];
    let z = b;
    for (let p = start; p < end; p++) z += value[p] * params[column[p]];
    const label = y[i] === 1 ? 1 : 0;
    // One exp and one log1p per row: softplus(z) = max(z, 0) + log1p(e^−|z|), σ(z) from the same e^−|z|.
    const e = Math.exp(-Math.abs(z));
    loss += w * (Math.max(z, 0) + Math.log1p(e) - label * z);
    const probability = z >= 0 ? 1 / (1 + e) : e / (1 + e);
    const residual = w * (probability - label);
    for (let p = start; p < end; p++) grad[column[p]] += residual * value[p];
    gradB += residual;
  }
  let penalty = 0;
  for (let j = 0; j < cols; j++) {
    penalty += params[j] * params[j];
    grad[j] += params[j] / C;
  }
  grad[cols] = gradB;
  const scale = 1 / totalWeight;
  for (let j = 0; j <= cols; j++) grad[j] *= scale;
  return (loss + penalty / (2 * C)) * scale;
}

/**
 * Logistic regression with sample weights and scikit-learn's objective (Σ wᵢ log-loss + ‖β‖²/(2C),
 * intercept not penalised), fitted by L-BFGS: the reductions' default learner.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const X = { rows: 4, cols: 1, data: [0, 1, 2, 3] };
 * const model = new fairness.WeightedLogisticRegression({ C: 1 });
 * model.fit(X, [0, 0, 1, 1], [1, 1, 1, 2]); // the last row counts twice
 * model.predictProba(X); // P(y = 1) per row, increasing with x
 * ```
 */
export class WeightedLogisticRegression implements WeightedLearner {
  /** [β; intercept] after fit. */
  params: Float64Array | null = null;
  iterations = 0;
  private start: Float64Array | null = null;
  private readonly C: number;
  private readonly maxIterations: number;
  private readonly tolerance: number;
  private readonly functionTolerance: number | undefined;

  constructor(options: LogisticRegressionOptions = {}) {
    this.C = options.C ?? 1;
    this.maxIterations = options.maxIterations ?? 200;
    this.tolerance = options.tolerance ?? 1e-4;
    this.functionTolerance = options.functionTolerance;
  }

  warmStartFrom(previous: WeightedLearner): void {
    if (previous instanceof WeightedLogisticRegression && previous.params) this.start = previous.params;
  }

  fit(X: FeatureMatrix, y: Vector, sampleWeight?: Vector): void {
    const x0 =
      this.start && this.start.length === X.cols + 1
        ? Float64Array.from(this.start)
        : new Float64Array(X.cols + 1);
    const result = minimize(
      (params, grad) => logisticObjective(X, y, sampleWeight, this.C, params, grad),
      x0,
      {
        maxIterations: this.maxIterations,
        gradientTolerance: this.tolerance,
        functionTolerance: this.functionTolerance,
      },
    );
    this.params = result.x;
    this.iterations = result.iterations;
  }

  /** The linear score β·x + b of every row. */
  decisionFunction(X: FeatureMatrix): Float64Array {
    if (!this.params) throw new Error("the logistic regression is not fitted");
    return linearScores(X, this.params);
  }

  predictProba(X: FeatureMatrix): Float64Array {
    return this.decisionFunction(X).map(sigmoid);
  }

  predict(X: FeatureMatrix): Float64Array {
    // sklearn predicts 1 when the decision function is > 0.
    return this.decisionFunction(X).map((z) => (z > 0 ? 1 : 0));
  }
}
