/**
 * The one seam explanations need from a model (issue 12, item 1): the training
 * objective it minimised, F(θ) = Σᵢ wᵢ ℓ(xᵢ, yᵢ; θ) + R(θ) over its training rows,
 * at its parameters θ̂, with
 *   - per-example gradients (of losses, and of predicted probabilities for
 *     differentiable measures such as fairness surrogates);
 *   - exact Hessian-vector products of F, and the explicit Hessian for small models;
 *   - the removal gradient of a training row, rᵢ = ∇F(θ̂) − ∇F₋ᵢ(θ̂): what removing
 *     row i takes away from the gradient (wᵢ∇ℓᵢ for a separable objective, plus a
 *     coupling term when a fairness penalty ties rows together), so that one Newton
 *     step of the objective without row i moves θ̂ by H⁻¹rᵢ;
 *   - refitting the same objective with other row weights (0 removes a row), the
 *     ground truth every approximation is checked against.
 * Implementations: logistic regression (exact, scikit-learn's objective), the MLP and
 * the CNN (conv2d, pooling, dense), all in float64 (models/); the engine's models and the fairness reductions' learner
 * are converted to them (models/from-engine.ts, models/from-learner.ts).
 */
import type { Examples } from "./data.js";

/**
 * The model families that can be explained: logistic regression, dense MLPs and small CNNs.
 *
 * @example
 * ```ts
 * import type { ExplainableModel, ModelFamily } from "equipoise/explain";
 * declare const model: ExplainableModel; // any explainable model
 * const family: ModelFamily = model.family; // "logistic-regression", "mlp" or "cnn"
 * if (family !== "logistic-regression") console.log("influence approximations need a stationary point: check model.stationarity()");
 * ```
 */
export type ModelFamily = "logistic-regression" | "mlp" | "cnn";

/**
 * Settings of a refit with other row weights.
 *
 * @example
 * ```ts
 * import type { ExplainableModel, RefitOptions } from "equipoise/explain";
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const weights = Float64Array.from(model.weights);
 * weights[17] = 0; // remove training row 17
 * const options: RefitOptions = { tolerance: 1e-10, maxIterations: 100 }; // warm-started at the model's parameters
 * const without17 = model.refit(weights, options);
 * ```
 */
export interface RefitOptions {
  /** Start from these parameters (default: the model's own, a warm start). */
  start?: Float64Array;
  /** Stop when ‖∇F‖∞ ≤ this (default: the family's own; 1e-10 for logistic regression). */
  tolerance?: number;
  maxIterations?: number;
}

/**
 * A refit's parameters and how well it converged.
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type RefitResult, refitWithout } from "equipoise/explain";
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const refit: RefitResult = refitWithout(model, 17);
 * refit.converged; // true when ‖∇F‖∞ reached the tolerance (refit.gradientNorm)
 * const without17 = model.withParameters(refit.parameters);
 * ```
 */
export interface RefitResult {
  parameters: Float64Array;
  /** ‖∇F‖∞ of the refitted objective at `parameters`. */
  gradientNorm: number;
  iterations: number;
  converged: boolean;
}

/**
 * How close the parameters are to a stationary point of the model's objective.
 *
 * @example
 * ```ts
 * import type { ExplainableModel, Stationarity } from "equipoise/explain";
 * declare const model: ExplainableModel; // e.g. fitMlp(...).model
 * const stationarity: Stationarity = model.stationarity();
 * if (!stationarity.stationary) console.warn(`‖∇F‖∞ = ${stationarity.gradientNorm} > ${stationarity.tolerance}: refit first`);
 * ```
 */
export interface Stationarity {
  /** ‖∇F(θ̂)‖∞. */
  gradientNorm: number;
  /** The tolerance the family uses to call a point stationary. */
  tolerance: number;
  stationary: boolean;
}

/**
 * A dense layer of a layered model, for K-FAC / EK-FAC (Martens & Grosse 2015; George et al. 2018).
 *
 * @example
 * ```ts
 * import { fitMlp, type KroneckerLayer } from "equipoise/explain";
 * import type { Examples } from "equipoise/explain";
 * declare const train: Examples; // 2 feature columns
 * const { model } = fitMlp({ inputs: 2, hidden: [3], activation: "tanh", outputs: 1 }, train, { l2: 0.3 });
 * const layers: readonly KroneckerLayer[] = model.kroneckerLayers;
 * // [{ offset: 0, inputs: 2, outputs: 3 }, { offset: 9, inputs: 3, outputs: 1 }]
 * ```
 */
export interface KroneckerLayer {
  /** Offset of the layer's parameters in θ: kernel [in × out] row-major, then bias [out]. */
  offset: number;
  inputs: number;
  outputs: number;
}

/**
 * Per-example quantities of one dense layer over a batch: the layer's inputs ā (with a
 * trailing 1 for the bias) and, for every example and every "pseudo-label" r, the
 * gradient of the loss with respect to the layer's pre-activations. Σ_r δ_r δ_rᵀ is the
 * example's exact contribution to the Gauss–Newton (true Fisher) matrix of the layer:
 * the pseudo-gradients are √p_c (e_c − p) back-propagated for each class c, so that
 * Σ_c p_c (e_c − p)(e_c − p)ᵀ = diag(p) − ppᵀ, the Hessian of the cross-entropy in the
 * logits; no label sampling, no sampling noise.
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type KroneckerStatistics } from "equipoise/explain";
 * declare const mlp: ExplainableModel; // a layered model, e.g. fitMlp(...).model
 * const statistics: KroneckerStatistics[] = mlp.kroneckerStatistics?.([0, 1, 2]) ?? [];
 * statistics[0].inputs; // [3 rows × (inputs + 1)] of the first dense layer
 * statistics[0].gradients; // [3 rows × pseudoLabels × outputs]
 * ```
 */
export interface KroneckerStatistics {
  layer: KroneckerLayer;
  /** [rows × (inputs + 1)]. */
  inputs: Float64Array;
  /** [rows × pseudoLabels × outputs]. */
  gradients: Float64Array;
  pseudoLabels: number;
}

/**
 * A trained model in float64 with its full objective: what influence, leave-one-out and valuation
 * need (losses, gradients, Hessian-vector products, refits).
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type ExplainData, fitLogisticRegression } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * const model: ExplainableModel = fitLogisticRegression(data.train, { C: 1 }).model;
 * model.description; // "logistic regression (C = 1)"
 * model.losses(data.test); // per-example test losses at θ̂
 * model.hessian(); // the explicit p × p Hessian of the objective (small models)
 * ```
 */
export interface ExplainableModel {
  readonly family: ModelFamily;
  /** For people: "logistic regression (C = 1)", "MLP 104-64-64-2 (tanh, weight decay 0.01)". */
  readonly description: string;
  readonly parameterCount: number;
  /** θ̂ (do not modify). */
  readonly parameters: Float64Array;
  /** The rows the objective sums over. */
  readonly train: Examples;
  /** wᵢ of every training row (1 when unweighted; reweighing gives others). */
  readonly weights: Float64Array;
  readonly classes: number;

  /** F(θ̂). */
  objective(): number;
  /** ∇F(θ̂). */
  objectiveGradient(): Float64Array;
  /** Whether the parameters are a stationary point of the training objective (influence functions assume one). */
  stationarity(): Stationarity;
  /**
   * H·vₖ for `count` vectors stored row-major in `vectors` ([count × p]); exact. With
   * `rows`, the data term is estimated from those rows only, scaled by n / |rows| (the
   * mini-batch Hessian of stochastic solvers such as LiSSA).
   */
  hessianVectorProducts(vectors: Float64Array, count: number, rows?: ArrayLike<number>): Float64Array;
  /** The diagonal of ∇²R: the regulariser is R(θ) = ½ Σⱼ dⱼ θⱼ². */
  regulariserDiagonal(): Float64Array;
  /** The explicit Hessian of F, row-major p × p. */
  hessian(): Float64Array;

  /** Per-example losses at θ̂ (unweighted). */
  losses(examples: Examples): Float64Array;
  /** Predicted class probabilities, row-major [rows × classes]. */
  probabilities(examples: Examples): Float64Array;
  /** ∇θ ℓ(xᵢ, yᵢ) (unweighted) of the listed rows, row-major [rows × p]. */
  lossGradients(examples: Examples, rows: ArrayLike<number>): Float64Array;
  /** Σᵢ cᵢ ∇θ P(y = 1 | xᵢ): the gradient of a linear functional of the predicted probabilities. */
  probabilityGradient(examples: Examples, coefficients: Float64Array): Float64Array;
  /** rᵢ = ∇F(θ̂) − ∇F₋ᵢ(θ̂) of the listed training rows, row-major [rows × p]. */
  removalGradients(rows: ArrayLike<number>): Float64Array;
  /**
   * rᵢ·vₖ for every listed row i and every vector k, row-major [count × rows]:
   * influences of many rows without materialising their gradients.
   */
  removalGradientProducts(rows: ArrayLike<number>, vectors: Float64Array, count: number): Float64Array;

  /** The same model at other parameters (same objective). */
  withParameters(parameters: Float64Array): ExplainableModel;
  /** The same parameters under the objective with other row weights (0 removes a row). */
  withWeights(weights: Float64Array): ExplainableModel;
  /** Minimises the same objective with row weights `weights` (0 removes a row). */
  refit(weights: Float64Array, options?: RefitOptions): ExplainableModel;

  /**
   * The parameters minimising the objective without training row `row` (weight 0):
   * a fast path for true leave-one-out retraining (logistic regression: Newton steps
   * warm-started at θ̂ with the Hessian downdated by Sherman–Morrison). When absent,
   * `refit` with that row's weight set to 0 is used.
   */
  refitWithout?(row: number, options?: RefitOptions): RefitResult;

  /** Dense layers, in order, when the model is layered (K-FAC, EK-FAC). */
  readonly kroneckerLayers?: readonly KroneckerLayer[];
  /** Per-example layer statistics of the listed training rows (K-FAC, EK-FAC). */
  kroneckerStatistics?(rows: ArrayLike<number>): KroneckerStatistics[];
}

/**
 * A float64 vector as plain numbers, for messages.
 *
 * @example
 * ```ts
 * import { maxAbs } from "equipoise/explain";
 * maxAbs([1, -3, 2]); // 3, the ‖·‖∞ of a gradient
 * ```
 */
export function maxAbs(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (a > max || Number.isNaN(a)) max = a;
  }
  return max;
}
