/**
 * Influence functions behind one interface (issue 12, item 2): the predicted change of
 * a differentiable measure m (a test loss, a fairness surrogate, …) when a training
 * row is removed and the model retrained,
 *   I(i) = m(θ̂₋ᵢ) − m(θ̂) ≈ ∇m(θ̂)ᵀ (H + λI)⁻¹ rᵢ,   rᵢ = ∇F(θ̂) − ∇F₋ᵢ(θ̂)
 * (Koh & Liang 2017; Cook & Weisberg 1982). Sign convention: the measure without the
 * example minus the measure with it, so for a test loss a positive value marks a
 * helpful training row (removing it raises the loss), a negative one a harmful row.
 *
 * Query batching: the inverse-Hessian products s = (H + λI)⁻¹∇m are computed once per
 * query, as one block, and every training row then costs one dot product per query
 * (rᵢ·s, without materialising rᵢ): many test points cost little more than one.
 */
import { UserError } from "../../common/errors.js";
import type { Examples } from "../data.js";
import { allRows } from "../data.js";
import type { ExplainableModel, Stationarity } from "../model.js";
import { INVERSE_METHODS, type SolverOptions, solveInverseHvp } from "./solvers.js";
import { type Checkpoint, tracIn } from "./tracin.js";

/**
 * The influence methods: the inverse-Hessian solvers (exact, cg, lissa, arnoldi, kfac, ekfac) and
 * tracin, gradient-similarity, which assume no stationary point.
 *
 * @example
 * ```ts
 * import { INFLUENCE_METHODS } from "equipoise/explain";
 * INFLUENCE_METHODS; // ["exact", "cg", "lissa", "arnoldi", "kfac", "ekfac", "tracin", "gradient-similarity"]
 * ```
 */
export const INFLUENCE_METHODS = [...INVERSE_METHODS, "tracin", "gradient-similarity"] as const;
/**
 * One of {@link INFLUENCE_METHODS}.
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type InfluenceMethod, methodsFor } from "equipoise/explain";
 * declare const model: ExplainableModel; // the model to explain
 * const method: InfluenceMethod = "ekfac";
 * methodsFor(model).includes(method); // false for a model without Kronecker layers
 * ```
 */
export type InfluenceMethod = (typeof INFLUENCE_METHODS)[number];

/**
 * The gradients ∇m of the measures to explain, one row per query.
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type ExplainData, type InfluenceQueries, influence, testLossQueries } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const queries: InfluenceQueries = testLossQueries(model, data.test, [0, 1]);
 * queries.labels; // ["test loss of row 0", "test loss of row 1"]
 * const result = influence(model, queries, { method: "exact" });
 * ```
 */
export interface InfluenceQueries {
  /** Row-major [count × p]. */
  gradients: Float64Array;
  count: number;
  /** What each query measures, e.g. "test loss of row 248". */
  labels: string[];
  /** The same gradients at other parameters (TracIn's checkpoints); fixed directions when absent. */
  at?: (model: ExplainableModel) => Float64Array;
}

/**
 * Settings of {@link influence}: the method, the training rows to score, and the solver's settings.
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type ExplainData, type InfluenceOptions, influence, testLossQueries } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: ExplainableModel; // e.g. fitMlp(...).model
 * const options: InfluenceOptions = { method: "lissa", damping: 0.01, lissaDepth: 1000, lissaRepeats: 4, seed: 0, trainRows: [0, 1, 2, 3] };
 * const result = influence(model, testLossQueries(model, data.test, [0]), options);
 * ```
 */
export interface InfluenceOptions extends SolverOptions {
  method: InfluenceMethod;
  /** Training rows to score (default all). */
  trainRows?: ArrayLike<number>;
  /** TracIn: parameters saved during training, with the learning rate of the steps that followed. */
  checkpoints?: readonly Checkpoint[];
  /**
   * Largest ‖∇F(θ̂)‖₂ relative to the median ‖rᵢ‖₂ at which the model counts as
   * stationary for influence (default 0.01: the non-stationary part of the Newton step
   * is then at most 1 % of a typical row's).
   */
  stationarityTolerance?: number;
}

/**
 * The influence matrix [queries × training rows], whether its numbers can be trusted, and why not.
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type ExplainData, type InfluenceResult, influence, testLossQueries } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const result: InfluenceResult = influence(model, testLossQueries(model, data.test, [0, 1]), { method: "exact" });
 * result.matrix[1 * result.trainRows.length + 5]; // I(test row 1, training row trainRows[5])
 * if (!result.trusted) console.warn(result.warnings.join("\n")); // e.g. not at a stationary point
 * ```
 */
export interface InfluenceResult {
  method: InfluenceMethod;
  trainRows: Int32Array;
  queries: number;
  labels: string[];
  /** Row-major [queries × trainRows]: I(query k, training row trainRows[i]). */
  matrix: Float64Array;
  stationarity: Stationarity & { relativeToRowGradients: number };
  /** False when a warning says the numbers should not be relied on. */
  trusted: boolean;
  warnings: string[];
  details: Record<string, number | string | boolean>;
  seconds: number;
}

/**
 * Which methods apply to which model family.
 *
 * @example
 * ```ts
 * import { type ExplainData, fitLogisticRegression, methodsFor } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * const { model } = fitLogisticRegression(data.train, { C: 1 });
 * methodsFor(model); // ["exact", "cg", "lissa", "arnoldi", "kfac", "ekfac", "tracin", "gradient-similarity"]
 * ```
 */
export function methodsFor(model: ExplainableModel): InfluenceMethod[] {
  const layered = model.kroneckerLayers !== undefined;
  return INFLUENCE_METHODS.filter((m) => layered || (m !== "kfac" && m !== "ekfac"));
}

/**
 * Influence functions (Koh & Liang 2017): the first-order effect on each query (e.g. a test row's
 * loss) of removing each training row, −∇m·H⁻¹∇ℓᵢ with the sign convention "without minus with".
 * Warns, and marks the result untrusted, when the model is not at a stationary point.
 *
 * @example
 * ```ts
 * import { data } from "equipoise";
 * import { explainData, fitLogisticRegression, influence, testLossQueries } from "equipoise/explain";
 * const task = await data.prepareTask({ data: "german-credit", sensitive: ["sex"] });
 * const { train, test } = explainData(task);
 * const { model } = fitLogisticRegression(train, { C: 1 });
 * const testRows = Int32Array.from([0, 1, 2]);
 * const result = influence(model, testLossQueries(model, test, testRows), { method: "exact" });
 * console.log(result.trusted, result.matrix.length);
 * ```
 */
export function influence(
  model: ExplainableModel,
  queries: InfluenceQueries,
  options: InfluenceOptions,
): InfluenceResult {
  const started = performance.now();
  const allowed = methodsFor(model);
  if (!allowed.includes(options.method)) {
    throw new UserError(
      `method '${options.method}' does not apply to a ${model.description}; methods that do: ${allowed.join(", ")}`,
    );
  }
  const trainRows = options.trainRows ? Int32Array.from(options.trainRows) : allRows(model.train.rows);
  const stationarity = measureStationarity(model, options.stationarityTolerance ?? 0.01);
  const warnings: string[] = [];
  const needsStationarity = options.method !== "tracin" && options.method !== "gradient-similarity";
  if (needsStationarity && !stationarity.stationary) {
    warnings.push(
      `the model is not at a stationary point (‖∇F‖∞ = ${stationarity.gradientNorm.toExponential(2)}, ${(100 * stationarity.relativeToRowGradients).toPrecision(2)} % of a typical row's gradient): influence functions assume one; retrain to convergence (or use tracin)`,
    );
  }
  let matrix: Float64Array;
  let details: Record<string, number | string | boolean> = {};
  if (options.method === "tracin" || options.method === "gradient-similarity") {
    const checkpoints =
      options.method === "tracin" ? options.checkpoints : [{ parameters: model.parameters, learningRate: 1 }];
    if (!checkpoints || checkpoints.length === 0) {
      throw new UserError(
        "tracin needs the checkpoints saved during training; this model has none (use gradient-similarity)",
      );
    }
    matrix = tracIn(model, queries, trainRows, checkpoints);
    details = { checkpoints: checkpoints.length };
  } else {
    const solved = solveInverseHvp(model, options.method, queries.gradients, queries.count, options);
    warnings.push(...solved.warnings);
    details = solved.details;
    matrix = model.removalGradientProducts(trainRows, solved.solutions, queries.count);
  }
  return {
    method: options.method,
    trainRows,
    queries: queries.count,
    labels: queries.labels,
    matrix,
    stationarity,
    trusted: warnings.length === 0,
    warnings,
    details,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * ∇ℓ(x_t, y_t) of test rows: the queries "loss of this test row".
 *
 * @example
 * ```ts
 * import { type ExplainData, influence, type LogisticModel, testLossQueries } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: LogisticModel; // from fitLogisticRegression(data.train)
 * const queries = testLossQueries(model, data.test, [0, 1, 2]); // ∇ℓ of three test rows
 * const { matrix } = influence(model, queries, { method: "cg" });
 * ```
 */
export function testLossQueries(
  model: ExplainableModel,
  test: Examples,
  rows: ArrayLike<number>,
): InfluenceQueries {
  return {
    gradients: model.lossGradients(test, rows),
    count: rows.length,
    labels: Array.from(rows, (row) => `test loss of row ${row}`),
    at: (other) => other.lossGradients(test, rows),
  };
}

/**
 * Stationarity as the family defines it, plus ‖∇F‖₂ relative to the median ‖rᵢ‖₂ (up to 2,000 rows sampled evenly).
 *
 * @example
 * ```ts
 * import { type ExplainData, fitLogisticRegression, measureStationarity } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * const { model } = fitLogisticRegression(data.train, { C: 1 });
 * measureStationarity(model, 1e-6).stationary; // true: influence functions apply at this minimum
 * ```
 */
export function measureStationarity(
  model: ExplainableModel,
  relativeTolerance: number,
): Stationarity & { relativeToRowGradients: number } {
  const base = model.stationarity();
  const gradient = model.objectiveGradient();
  let gradientNorm2 = 0;
  for (let j = 0; j < gradient.length; j++) gradientNorm2 += gradient[j] ** 2;
  const n = model.train.rows;
  const sample = Math.min(n, 2000);
  const rows = Int32Array.from({ length: sample }, (_, i) => Math.floor((i * n) / sample));
  const p = model.parameterCount;
  const removal = model.removalGradients(rows);
  const norms = new Float64Array(sample);
  for (let r = 0; r < sample; r++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += removal[r * p + j] ** 2;
    norms[r] = Math.sqrt(s);
  }
  norms.sort();
  const median = norms[Math.floor(sample / 2)] || 1;
  const relative = Math.sqrt(gradientNorm2) / median;
  return {
    ...base,
    stationary: base.stationary || relative <= relativeTolerance,
    relativeToRowGradients: relative,
  };
}
