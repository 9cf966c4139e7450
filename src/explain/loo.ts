/**
 * True leave-one-out retraining (issue 12, item 3): for each training row, the model
 * refitted to convergence without it, and the change of each test loss,
 *   LOO(i, t) = ℓ_t(θ̂₋ᵢ) − ℓ_t(θ̂),
 * the ground truth every influence approximation is validated against (same sign
 * convention as influence).
 */
import { UserError } from "../common/errors.js";
import { type Examples, selectExamples } from "./data.js";
import type { ExplainableModel, RefitResult } from "./model.js";

/**
 * Settings of {@link leaveOneOut}'s refits.
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type ExplainData, type LeaveOneOutOptions, leaveOneOut } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const options: LeaveOneOutOptions = { tolerance: 1e-10, maxIterations: 50, onRow: (done, total) => console.log(`${done}/${total}`) };
 * leaveOneOut(model, data.test, Int32Array.of(0, 1), Int32Array.of(0, 1, 2), options);
 * ```
 */
export interface LeaveOneOutOptions {
  /** ‖∇F₋ᵢ‖∞ to reach (default: the family's). */
  tolerance?: number;
  maxIterations?: number;
  /** Called after each row (progress). */
  onRow?: (done: number, total: number) => void;
}

/**
 * True leave-one-out effects [test rows × training rows] and how well each refit converged.
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type ExplainData, type LeaveOneOutResult, leaveOneOut } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const loo: LeaveOneOutResult = leaveOneOut(model, data.test, Int32Array.of(0), Int32Array.of(0, 1, 2));
 * loo.matrix; // [3 effects]: test row 0's loss without each training row minus with it
 * loo.unconverged; // [] when every refit reached the tolerance
 * ```
 */
export interface LeaveOneOutResult {
  trainRows: Int32Array;
  testRows: Int32Array;
  /** Row-major [testRows × trainRows]. */
  matrix: Float64Array;
  /** ‖∇F₋ᵢ‖∞ reached for every training row. */
  gradientNorms: Float64Array;
  iterations: Int32Array;
  /** Rows whose refit did not reach the tolerance (their numbers are less exact). */
  unconverged: number[];
  seconds: number;
}

/**
 * The refitted parameters without one row (the model's fast path when it has one).
 *
 * @example
 * ```ts
 * import { type LogisticModel, refitWithout } from "equipoise/explain";
 * declare const model: LogisticModel; // from fitLogisticRegression(data.train)
 * const refit = refitWithout(model, 17); // the model's parameters re-optimised without training row 17
 * ```
 */
export function refitWithout(
  model: ExplainableModel,
  row: number,
  options: LeaveOneOutOptions = {},
): RefitResult {
  if (row < 0 || row >= model.train.rows) throw new UserError(`training row ${row} is outside the split`);
  const refitOptions = { tolerance: options.tolerance, maxIterations: options.maxIterations };
  if (model.refitWithout) return model.refitWithout(row, refitOptions);
  const weights = Float64Array.from(model.weights);
  weights[row] = 0;
  const refitted = model.refit(weights, refitOptions);
  const stationarity = refitted.stationarity();
  return {
    parameters: refitted.parameters,
    gradientNorm: stationarity.gradientNorm,
    iterations: 0,
    converged: stationarity.stationary,
  };
}

/**
 * The ground truth influence estimates are checked against: for each training row, the model
 * refitted without it (warm-started) and the change of every test row's loss (without minus with).
 *
 * @example
 * ```ts
 * import { fitLogisticRegression, leaveOneOut } from "equipoise/explain";
 * const train = { rows: 4, cols: 1, X: Float64Array.of(0, 1, 2, 3), y: Float64Array.of(0, 0, 1, 1) };
 * const test = { rows: 2, cols: 1, X: Float64Array.of(0.5, 2.5), y: Float64Array.of(0, 1) };
 * const { model } = fitLogisticRegression(train, { C: 1 });
 * const loo = leaveOneOut(model, test, Int32Array.of(0, 1), Int32Array.of(0, 1, 2, 3));
 * loo.matrix[0]; // ≈ 0.2276: test row 0's loss rises by this when training row 0 is removed
 * ```
 */
export function leaveOneOut(
  model: ExplainableModel,
  test: Examples,
  testRows: Int32Array,
  trainRows: Int32Array,
  options: LeaveOneOutOptions = {},
): LeaveOneOutResult {
  const started = performance.now();
  const testSet = selectExamples(test, testRows);
  const base = model.losses(testSet);
  const matrix = new Float64Array(testRows.length * trainRows.length);
  const gradientNorms = new Float64Array(trainRows.length);
  const iterations = new Int32Array(trainRows.length);
  const unconverged: number[] = [];
  for (let r = 0; r < trainRows.length; r++) {
    const refit = refitWithout(model, trainRows[r], options);
    gradientNorms[r] = refit.gradientNorm;
    iterations[r] = refit.iterations;
    if (!refit.converged) unconverged.push(trainRows[r]);
    const losses = model.withParameters(refit.parameters).losses(testSet);
    for (let t = 0; t < testRows.length; t++) matrix[t * trainRows.length + r] = losses[t] - base[t];
    options.onRow?.(r + 1, trainRows.length);
  }
  return {
    trainRows,
    testRows,
    matrix,
    gradientNorms,
    iterations,
    unconverged,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * leaveOneOut with the training rows split across a runner's threads (one row per chunk, taken as threads free up).
 *
 * @example
 * ```ts
 * import { type Examples, type ExplainableModel, inProcessRunner, leaveOneOutParallel } from "equipoise/explain";
 * declare const model: ExplainableModel; // as for leaveOneOut, e.g. from fitLogisticRegression
 * declare const test: Examples; // as for leaveOneOut, e.g. explainData(task).test
 * declare const testRows: Int32Array; declare const trainRows: Int32Array; // as for leaveOneOut
 * // the CLI passes a worker-thread runner
 * const loo = await leaveOneOutParallel(model, test, testRows, trainRows, inProcessRunner);
 * ```
 */
export async function leaveOneOutParallel(
  model: ExplainableModel,
  test: Examples,
  testRows: Int32Array,
  trainRows: Int32Array,
  runner: import("./parallel/runner.js").ParallelRunner,
  options: Pick<LeaveOneOutOptions, "onRow"> = {},
): Promise<LeaveOneOutResult> {
  const started = performance.now();
  const { modelToTransfer } = await import("./models/transfer.js");
  const chunkSize = Math.max(1, Math.ceil(trainRows.length / (runner.threads * 8)));
  const chunks: Int32Array[] = [];
  for (let start = 0; start < trainRows.length; start += chunkSize)
    chunks.push(trainRows.slice(start, start + chunkSize));
  const parts = await runner.run("leave-one-out", { model: modelToTransfer(model), test, testRows }, chunks);
  const matrix = new Float64Array(testRows.length * trainRows.length);
  const gradientNorms = new Float64Array(trainRows.length);
  const iterations = new Int32Array(trainRows.length);
  const unconverged: number[] = [];
  let offset = 0;
  parts.forEach((part, c) => {
    const size = chunks[c].length;
    for (let t = 0; t < testRows.length; t++) {
      for (let r = 0; r < size; r++) matrix[t * trainRows.length + offset + r] = part.matrix[t * size + r];
    }
    gradientNorms.set(part.gradientNorms, offset);
    iterations.set(part.iterations, offset);
    for (let r = 0; r < size; r++) if (!part.converged[r]) unconverged.push(chunks[c][r]);
    offset += size;
  });
  options.onRow?.(trainRows.length, trainRows.length);
  return {
    trainRows,
    testRows,
    matrix,
    gradientNorms,
    iterations,
    unconverged,
    seconds: (performance.now() - started) / 1000,
  };
}
