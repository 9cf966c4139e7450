/**
 * Data valuation by retraining (issue 12, item 4), each with a convergence check that
 * is reported, never assumed:
 *   - truncated Monte-Carlo Shapley (Ghorbani & Zou 2019): marginal contributions along
 *     random permutations, a permutation truncated once U(prefix) is within a
 *     tolerance of U(full);
 *   - Data Banzhaf with maximum sample reuse (Wang & Jia 2023): every sampled subset
 *     (each row in with probability ½) updates every row's value,
 *     φᵢ = mean U(S ∋ i) − mean U(S ∌ i);
 *   - leave-one-out: φᵢ = U(D) − U(D ∖ i).
 * Convergence: the standard error of every value (from the spread of its samples);
 * the run stops when the largest standard error is below `tolerance` × the mean
 * |value|, or when the budget is spent (then `converged` is false).
 */
import { createRandom, permutation } from "../../common/rng.js";
import type { Utility } from "./utility.js";

/**
 * Options of the Monte Carlo valuations (TMC-Shapley, Banzhaf).
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type ExplainData, type MonteCarloOptions, modelUtility, banzhafMsr } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const options: MonteCarloOptions = { budget: 2000, tolerance: 0.05, seed: 1, onProgress: (done, budget) => console.log(done, budget) };
 * const result = banzhafMsr(modelUtility(model, data.test, "accuracy"), options);
 * ```
 */
export interface MonteCarloOptions {
  /** Permutations (TMC) or subsets (Banzhaf) at most (default 200 / 2000). */
  budget?: number;
  /** Convergence: max standard error ≤ tolerance × mean |value| (default 0.05). */
  tolerance?: number;
  /** TMC: truncate a permutation when |U(prefix) − U(full)| ≤ this × |U(full)| (default 0.01). */
  truncation?: number;
  /** Seed of the permutations or subsets (default 0). */
  seed?: number;
  /** Called as samples are drawn: done and the budget. */
  onProgress?: (done: number, budget: number) => void;
}

/**
 * A value per training row with its standard error, and whether the estimate converged.
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type ExplainData, modelUtility, tmcShapley, type ValuationResult } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const result: ValuationResult = tmcShapley(modelUtility(model, data.test, "accuracy"), { budget: 200 });
 * result.values[0]; // training row 0's value, ± result.standardErrors[0]
 * result.converged; // false: raise the budget (result.relativeError says how far it got)
 * ```
 */
export interface ValuationResult {
  values: Float64Array;
  /** Standard error of each value (NaN where it has fewer than two samples). */
  standardErrors: Float64Array;
  samples: number;
  converged: boolean;
  /** The relative standard error reached (max SE / mean |value|). */
  relativeError: number;
  utilityEvaluations: number;
  seconds: number;
}

/** Running mean and variance (Welford). */
class Running {
  readonly count: Float64Array;
  readonly mean: Float64Array;
  readonly m2: Float64Array;
  constructor(n: number) {
    this.count = new Float64Array(n);
    this.mean = new Float64Array(n);
    this.m2 = new Float64Array(n);
  }
  add(i: number, x: number): void {
    const c = ++this.count[i];
    const delta = x - this.mean[i];
    this.mean[i] += delta / c;
    this.m2[i] += delta * (x - this.mean[i]);
  }
  standardError(i: number): number {
    const c = this.count[i];
    return c > 1 ? Math.sqrt(this.m2[i] / (c - 1) / c) : Number.NaN;
  }
}

function relativeError(values: Float64Array, errors: Float64Array): number {
  let maxError = 0;
  let meanAbs = 0;
  for (let i = 0; i < values.length; i++) {
    maxError = Math.max(maxError, Number.isNaN(errors[i]) ? Number.POSITIVE_INFINITY : errors[i]);
    meanAbs += Math.abs(values[i]);
  }
  meanAbs /= values.length;
  return meanAbs > 0 ? maxError / meanAbs : Number.POSITIVE_INFINITY;
}

/**
 * Truncated Monte-Carlo Shapley values (Ghorbani & Zou 2019) of the training rows under `utility`,
 * until the relative standard error reaches the tolerance or the budget of permutations is spent.
 *
 * @example
 * ```ts
 * import { type ExplainData, fitLogisticRegression, modelUtility, tmcShapley } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * const { model } = fitLogisticRegression(data.train, { C: 1 });
 * const result = tmcShapley(modelUtility(model, data.test, "accuracy"), { budget: 200, seed: 0 });
 * result.converged; // the relative standard error reached the tolerance within the budget
 * ```
 */
export function tmcShapley(utility: Utility, options: MonteCarloOptions = {}): ValuationResult {
  const started = performance.now();
  const n = utility.trainRows;
  const budget = options.budget ?? 200;
  const tolerance = options.tolerance ?? 0.05;
  const truncation = (options.truncation ?? 0.01) * Math.abs(utility.full);
  const random = createRandom(options.seed ?? 0);
  const stats = new Running(n);
  let evaluations = 0;
  let samples = 0;
  let reached = Number.POSITIVE_INFINITY;
  const errors = new Float64Array(n);
  for (; samples < budget; ) {
    const order = permutation(n, random);
    const weights = new Float64Array(n);
    let previous = utility.empty;
    let truncated = false;
    for (let k = 0; k < n; k++) {
      const row = order[k];
      let current: number;
      if (truncated) current = previous;
      else {
        weights[row] = 1;
        current = utility.evaluate(weights);
        evaluations++;
        if (Math.abs(utility.full - current) <= truncation) truncated = true;
      }
      stats.add(row, current - previous);
      previous = current;
    }
    samples++;
    options.onProgress?.(samples, budget);
    if (samples >= 3) {
      for (let i = 0; i < n; i++) errors[i] = stats.standardError(i);
      reached = relativeError(stats.mean, errors);
      if (reached <= tolerance) break;
    }
  }
  for (let i = 0; i < n; i++) errors[i] = stats.standardError(i);
  return {
    values: Float64Array.from(stats.mean),
    standardErrors: errors,
    samples,
    converged: reached <= tolerance,
    relativeError: reached,
    utilityEvaluations: evaluations,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * Data Banzhaf values by maximum sample reuse (Wang & Jia 2023).
 *
 * @example
 * ```ts
 * import { banzhafMsr, type ExplainData, type LogisticModel, modelUtility } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: LogisticModel; // from fitLogisticRegression(data.train)
 * const { values, standardErrors } = banzhafMsr(modelUtility(model, data.test, "accuracy"), { budget: 2000, seed: 0 });
 * ```
 */
export function banzhafMsr(utility: Utility, options: MonteCarloOptions = {}): ValuationResult {
  const started = performance.now();
  const n = utility.trainRows;
  const budget = options.budget ?? 2000;
  const tolerance = options.tolerance ?? 0.05;
  const random = createRandom(options.seed ?? 0);
  const inside = new Running(n);
  const outside = new Running(n);
  const values = new Float64Array(n);
  const errors = new Float64Array(n);
  let reached = Number.POSITIVE_INFINITY;
  let samples = 0;
  const update = () => {
    for (let i = 0; i < n; i++) {
      values[i] = inside.mean[i] - outside.mean[i];
      errors[i] = Math.hypot(inside.standardError(i), outside.standardError(i));
    }
    reached = relativeError(values, errors);
  };
  for (; samples < budget; ) {
    const weights = new Float64Array(n);
    for (let i = 0; i < n; i++) weights[i] = random.uniform() < 0.5 ? 1 : 0;
    const u = utility.evaluate(weights);
    for (let i = 0; i < n; i++) (weights[i] ? inside : outside).add(i, u);
    samples++;
    options.onProgress?.(samples, budget);
    if (samples % 50 === 0) {
      update();
      if (reached <= tolerance) break;
    }
  }
  update();
  return {
    values,
    standardErrors: errors,
    samples,
    converged: reached <= tolerance,
    relativeError: reached,
    utilityEvaluations: samples,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * φᵢ = U(D) − U(D ∖ i) for the listed rows (all by default); exact, no sampling.
 *
 * @example
 * ```ts
 * import { type ExplainData, type LogisticModel, leaveOneOutValues, modelUtility } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: LogisticModel; // from fitLogisticRegression(data.train)
 * const { values } = leaveOneOutValues(modelUtility(model, data.test, "accuracy"), [0, 1, 2]); // others NaN
 * ```
 */
export function leaveOneOutValues(
  utility: Utility,
  rows?: ArrayLike<number>,
  onProgress?: (done: number, total: number) => void,
): ValuationResult {
  const started = performance.now();
  const n = utility.trainRows;
  const listed = rows ?? Int32Array.from({ length: n }, (_, i) => i);
  const values = new Float64Array(n).fill(Number.NaN);
  const weights = new Float64Array(n).fill(1);
  for (let k = 0; k < listed.length; k++) {
    const row = listed[k];
    weights[row] = 0;
    values[row] = utility.full - utility.evaluate(weights);
    weights[row] = 1;
    onProgress?.(k + 1, listed.length);
  }
  return {
    values,
    standardErrors: new Float64Array(n),
    samples: listed.length,
    converged: true,
    relativeError: 0,
    utilityEvaluations: listed.length,
    seconds: (performance.now() - started) / 1000,
  };
}
