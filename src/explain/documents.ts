/**
 * One function per `equipoise explain` result: from prepared data and a model to the
 * typed JSON document of report/schema.ts. The commands only parse options, call one
 * of these and print; the report and the dashboard read the same documents.
 */
import { DataError, UserError } from "../common/errors.js";
import type { FairnessConstraint } from "../fairness/constraint.js";
import { checkRows, selectExamples } from "./data.js";
import { explainFairness, type FairnessExplanationOptions } from "./fairness/explain-fairness.js";
import { type InfluenceMethod, influence, testLossQueries } from "./influence/influence.js";
import type { SolverOptions } from "./influence/solvers.js";
import type { Checkpoint } from "./influence/tracin.js";
import { leaveOneOut, leaveOneOutParallel } from "./loo.js";
import { flipLabels, type MislabelScore, MODEL_MISLABEL_SCORES, mislabelScores } from "./mislabels.js";
import type { ExplainableModel } from "./model.js";
import { outOfFoldLosses } from "./out-of-fold.js";
import type { ParallelRunner } from "./parallel/runner.js";
import { describeRow, type ExplainData, modelInfo } from "./prepare.js";
import type {
  ExampleExplanation,
  FairnessExplanationDocument,
  InfluenceMatrixDocument,
  MislabelsDocument,
  ValuesDocument,
} from "./report/schema.js";
import { recallAtK, topIndices } from "./stats.js";
import { knnShapleyParallel } from "./valuation/knn-shapley.js";
import {
  banzhafMsr,
  leaveOneOutValues,
  type MonteCarloOptions,
  tmcShapley,
  type ValuationResult,
} from "./valuation/monte-carlo.js";
import { dataOob } from "./valuation/oob.js";
import { removalCurves } from "./valuation/removal-curves.js";
import { modelUtility, type UtilityScore } from "./valuation/utility.js";

const header = (data: ExplainData, model: ExplainableModel | undefined) => ({
  format: "equipoise-explanation" as const,
  version: 1 as const,
  data: data.task.name,
  ...(model ? { model: modelInfo(model) } : {}),
});

function toMatrix(flat: Float64Array, rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from(flat.subarray(r * cols, (r + 1) * cols)));
}

/**
 * What {@link influenceDocument} computes: the influence method, the test rows, optionally the training rows
 * (default all) and, for TracIn, the training checkpoints; plus the inverse-Hessian solver's options.
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type ExplainData, type InfluenceRequest, influenceDocument } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const request: InfluenceRequest = { method: "cg", testRows: [0, 1, 2], trainRows: [0, 1, 2, 3, 4], damping: 0.001 };
 * const doc = influenceDocument(data, model, request);
 * doc.influence[0][4]; // loss of test row 0 without training row 4 minus with it
 * ```
 */
export interface InfluenceRequest extends SolverOptions {
  method: InfluenceMethod;
  testRows: readonly number[];
  trainRows?: readonly number[];
  checkpoints?: readonly Checkpoint[];
}

/**
 * The influence matrix of training rows on test losses.
 *
 * @example
 * ```ts
 * import { type ExplainData, fitLogisticRegression, influenceDocument } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * const { model } = fitLogisticRegression(data.train, { C: 1 });
 * const doc = influenceDocument(data, model, { method: "exact", testRows: [0, 1, 2] });
 * // the `equipoise explain influence --json` document: the matrix, its method and whether to trust it
 * ```
 */
export function influenceDocument(
  data: ExplainData,
  model: ExplainableModel,
  request: InfluenceRequest,
): InfluenceMatrixDocument {
  const testRows = checkRows(request.testRows, data.test.rows, "--test-rows");
  const trainRows = request.trainRows
    ? checkRows(request.trainRows, data.train.rows, "--train-rows")
    : undefined;
  const result = influence(model, testLossQueries(model, data.test, testRows), { ...request, trainRows });
  return {
    ...header(data, model),
    kind: "influence",
    method: request.method,
    trusted: result.trusted,
    testRows: Array.from(testRows),
    trainRows: Array.from(result.trainRows),
    influence: toMatrix(result.matrix, testRows.length, result.trainRows.length),
    details: result.details,
    warnings: result.warnings,
    seconds: result.seconds,
  };
}

/**
 * True leave-one-out retraining, in the influence matrix's layout.
 *
 * @example
 * ```ts
 * import { type ExplainData, inProcessRunner, type LogisticModel, looDocument } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: LogisticModel; // from fitLogisticRegression(data.train)
 * const doc = await looDocument(data, model, { testRows: [0, 1], trainRows: [0, 1, 2, 3], runner: inProcessRunner });
 * // true retraining effects, in influenceDocument's layout, to check an estimate against
 * ```
 */
export async function looDocument(
  data: ExplainData,
  model: ExplainableModel,
  request: {
    testRows: readonly number[];
    trainRows: readonly number[];
    runner?: ParallelRunner;
    onRow?: (done: number, total: number) => void;
  },
): Promise<InfluenceMatrixDocument> {
  const testRows = checkRows(request.testRows, data.test.rows, "--test-rows");
  const trainRows = checkRows(request.trainRows, data.train.rows, "--train-rows");
  const warnings = stationarityWarnings(model);
  const result =
    request.runner && request.runner.threads > 1 && trainRows.length > 1
      ? await leaveOneOutParallel(model, data.test, testRows, trainRows, request.runner)
      : leaveOneOut(model, data.test, testRows, trainRows, { onRow: request.onRow });
  if (result.unconverged.length > 0) {
    warnings.push(
      `${result.unconverged.length} leave-one-out refits did not reach the tolerance (worst ‖∇F‖∞ = ${Math.max(...result.gradientNorms).toExponential(2)}): rows ${result.unconverged.slice(0, 10).join(", ")}`,
    );
  }
  return {
    ...header(data, model),
    kind: "loo",
    method: "leave-one-out retraining",
    trusted: warnings.length === 0,
    testRows: Array.from(testRows),
    trainRows: Array.from(trainRows),
    influence: toMatrix(result.matrix, testRows.length, trainRows.length),
    details: {
      maxGradientNorm: Math.max(...result.gradientNorms),
      maxIterations: Math.max(...result.iterations),
    },
    warnings,
    seconds: result.seconds,
  };
}

function stationarityWarnings(model: ExplainableModel): string[] {
  const s = model.stationarity();
  return s.stationary
    ? []
    : [
        `the model is not at a stationary point of its objective (‖∇F‖∞ = ${s.gradientNorm.toExponential(2)}); leave-one-out differences then mix the removal with further training`,
      ];
}

/**
 * The most helpful and most harmful training rows for one test row.
 *
 * @example
 * ```ts
 * import { type ExplainData, exampleDocument, type LogisticModel } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: LogisticModel; // from fitLogisticRegression(data.train)
 * const doc = exampleDocument(data, model, { testRow: 0, method: "exact", top: 5 });
 * // the test row as a person reads it, with its five most helpful and most harmful training rows
 * ```
 */
export function exampleDocument(
  data: ExplainData,
  model: ExplainableModel,
  request: SolverOptions & {
    testRow: number;
    method: InfluenceMethod;
    top: number;
    checkpoints?: readonly Checkpoint[];
  },
): ExampleExplanation {
  const [testRow] = checkRows([request.testRow], data.test.rows, "--example");
  const result = influence(model, testLossQueries(model, data.test, [testRow]), request);
  const scores = result.matrix;
  const top = Math.min(request.top, data.train.rows);
  const helpful = topIndices(scores, top);
  const harmful = topIndices(
    scores.map((v) => -v),
    top,
  );
  const single = selectExamples(data.test, [testRow]);
  const probability = model.probabilities(single)[1];
  return {
    ...header(data, model),
    kind: "example",
    method: request.method,
    trusted: result.trusted,
    test: {
      ...describeRow(data, "test", testRow),
      prediction: data.task.classNames[probability > 0.5 ? 1 : 0],
      probability,
      loss: model.losses(single)[0],
    },
    helpful: Array.from(helpful, (row) => ({ ...describeRow(data, "train", row), influence: scores[row] })),
    harmful: Array.from(harmful, (row) => ({ ...describeRow(data, "train", row), influence: scores[row] })),
    warnings: result.warnings,
    seconds: result.seconds,
  };
}

/**
 * The data-valuation methods of `equipoise explain values`: KNN-Shapley, TMC-Shapley, Banzhaf, leave-one-out, Data-OOB.
 *
 * @example
 * ```ts
 * import { VALUATION_METHODS } from "equipoise/explain";
 * VALUATION_METHODS; // ["knn-shapley", "tmc", "banzhaf", "loo", "oob"]: what `explain values --method` accepts
 * ```
 */
export const VALUATION_METHODS = ["knn-shapley", "tmc", "banzhaf", "loo", "oob"] as const;
/**
 * One of {@link VALUATION_METHODS}.
 *
 * @example
 * ```ts
 * import { type ValuationMethod, valuesDocument, type ExplainData } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * const method: ValuationMethod = "knn-shapley"; // the one method that needs no model
 * const doc = await valuesDocument(data, undefined, { method });
 * ```
 */
export type ValuationMethod = (typeof VALUATION_METHODS)[number];

/**
 * What {@link valuesDocument} computes: the method and its options (Monte Carlo budget, K, bags, utility rows).
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type ExplainData, type ValuesRequest, valuesDocument } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const request: ValuesRequest = { method: "tmc", budget: 200, tolerance: 0.05, seed: 0, utility: "accuracy", testRows: [0, 1, 2, 3], curves: true };
 * const doc = await valuesDocument(data, model, request);
 * doc.convergence.converged; // false when the budget ran out first
 * ```
 */
export interface ValuesRequest extends MonteCarloOptions {
  method: ValuationMethod;
  /** K of KNN-Shapley (default 10). */
  k?: number;
  /** Utility rows (test split positions); default all test rows. */
  testRows?: readonly number[];
  /** Training rows to value (LOO only; default all). */
  trainRows?: readonly number[];
  utility?: UtilityScore;
  bags?: number;
  /** Removal curves, measured on the test rows not used for valuation (or all, said so). */
  curves?: boolean;
  runner?: ParallelRunner;
  /** Called as work is done: units done so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * One value per training row. Retraining methods need the model whose objective they refit.
 *
 * @example
 * ```ts
 * import { type ExplainData, valuesDocument } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task); KNN-Shapley needs no model
 * const doc = await valuesDocument(data, undefined, { method: "knn-shapley", k: 10 });
 * // one value per training row; tmc, banzhaf, loo and oob need the model they refit
 * ```
 */
export async function valuesDocument(
  data: ExplainData,
  model: ExplainableModel | undefined,
  request: ValuesRequest,
): Promise<ValuesDocument> {
  const started = performance.now();
  const testRows = request.testRows
    ? checkRows(request.testRows, data.test.rows, "--test-rows")
    : Int32Array.from({ length: data.test.rows }, (_, i) => i);
  const utilityRows = selectExamples(data.test, testRows);
  const warnings: string[] = [];
  let result: ValuationResult;
  let utility = `fraction of the ${request.k ?? 10} nearest training rows that share the test row's label`;
  if (request.method === "knn-shapley") {
    const { inProcessRunner } = await import("./parallel/runner.js");
    const values = await knnShapleyParallel(
      data.train,
      data.test,
      request.k ?? 10,
      request.runner ?? inProcessRunner,
      testRows,
    );
    result = {
      values,
      standardErrors: new Float64Array(values.length),
      samples: testRows.length,
      converged: true,
      relativeError: 0,
      utilityEvaluations: 0,
      seconds: (performance.now() - started) / 1000,
    };
  } else {
    if (!model) throw new UserError(`--method ${request.method} retrains a model: give --model-spec`);
    const score = request.utility ?? "accuracy";
    utility = `${score} on ${testRows.length} test rows of ${model.description} retrained on the subset`;
    const u = modelUtility(model, utilityRows, score);
    switch (request.method) {
      case "tmc":
        result = tmcShapley(u, request);
        break;
      case "banzhaf":
        result = banzhafMsr(u, request);
        break;
      case "loo": {
        const rows = request.trainRows
          ? checkRows(request.trainRows, data.train.rows, "--train-rows")
          : undefined;
        result = leaveOneOutValues(u, rows, request.onProgress);
        break;
      }
      case "oob":
        result = dataOob(model, { bags: request.bags, seed: request.seed, onProgress: request.onProgress });
        utility = `out-of-bag accuracy of ${request.bags ?? 100} bootstrap refits of ${model.description}`;
        break;
    }
    if (!result.converged) {
      warnings.push(
        request.method === "oob"
          ? "some rows were in every bootstrap sample and have no value; add bags"
          : `not converged after ${result.samples} samples (relative standard error ${result.relativeError.toPrecision(3)}); raise --budget`,
      );
    }
  }
  const values = result.values;
  const known = Array.from(values.keys()).filter((i) => !Number.isNaN(values[i]));
  if (known.length === 0) throw new DataError("no training row received a value");
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let negative = 0;
  for (const i of known) {
    sum += values[i];
    min = Math.min(min, values[i]);
    max = Math.max(max, values[i]);
    if (values[i] < 0) negative++;
  }
  const masked = values.map((v) => (Number.isNaN(v) ? Number.NEGATIVE_INFINITY : v));
  const document: ValuesDocument = {
    ...header(data, request.method === "knn-shapley" ? undefined : model),
    kind: "values",
    method: request.method,
    utility,
    values: Array.from(values, (v) => (Number.isNaN(v) ? null : v)),
    ...(request.method === "knn-shapley"
      ? {}
      : { standardErrors: Array.from(result.standardErrors, (v) => (Number.isNaN(v) ? null : v)) }),
    summary: {
      sum,
      min,
      max,
      negativeFraction: negative / known.length,
      highest: Array.from(topIndices(masked, 10)),
      lowest: Array.from(
        topIndices(
          values.map((v) => (Number.isNaN(v) ? Number.NEGATIVE_INFINITY : -v)),
          10,
        ),
      ),
    },
    convergence: {
      converged: result.converged,
      samples: result.samples,
      relativeError: Number.isFinite(result.relativeError) ? result.relativeError : null,
    },
    warnings,
    seconds: (performance.now() - started) / 1000,
  };
  if (request.curves && model) {
    const held = Int32Array.from({ length: data.test.rows }, (_, i) => i).filter(
      (i) => !testRows.includes(i),
    );
    const curveRows = held.length > 0 ? held : testRows;
    const curveSet = selectExamples(data.test, curveRows);
    const evaluate = modelUtility(model, curveSet, "accuracy");
    document.removalCurves = removalCurves(values, (weights) => evaluate.evaluate(weights), {
      seed: request.seed,
    });
    document.curveRows =
      held.length > 0
        ? `${held.length} test rows not used for valuation`
        : "the same test rows as the valuation (no held-out rows left: optimistic)";
  }
  return document;
}

/**
 * The training rows and patterns behind a fairness gap of `model` on the test split, as the
 * `equipoise explain fairness` document.
 *
 * @throws `UserError` when `request.attribute` is not a sensitive attribute of the data.
 * @example
 * ```ts
 * import { data } from "equipoise";
 * import { explainData, fairnessDocument, fitLogisticRegression } from "equipoise/explain";
 * const task = await data.prepareTask({ data: "german-credit", sensitive: ["sex"] });
 * const explainable = explainData(task);
 * const { model } = fitLogisticRegression(explainable.train, { C: 1 });
 * const doc = fairnessDocument(explainable, model, { attribute: "sex", constraint: "demographic_parity" });
 * console.log(doc.harmful.length, "rows widen the gap");
 * ```
 */
export function fairnessDocument(
  data: ExplainData,
  model: ExplainableModel,
  request: FairnessExplanationOptions & { attribute: string; constraint: FairnessConstraint },
): FairnessExplanationDocument {
  const index = data.task.train.sensitive.findIndex((a) => a.name === request.attribute);
  if (index < 0) {
    const known = data.task.train.sensitive.map((a) => a.name).join(", ") || "none";
    throw new UserError(
      `--sensitive '${request.attribute}' is not a sensitive attribute of ${data.task.name} (known: ${known})`,
    );
  }
  const result = explainFairness(
    model,
    data.test,
    data.task.train.sensitive[index],
    data.task.test.sensitive[index],
    data.columns,
    request,
  );
  return {
    ...header(data, model),
    kind: "fairness",
    attribute: result.attribute,
    constraint: result.constraint,
    method: result.method,
    surrogate: result.surrogate,
    before: result.before,
    harmful: result.harmful.map((h) => ({ ...describeRow(data, "train", h.row), influence: h.influence })),
    protective: result.protective.map((h) => ({
      ...describeRow(data, "train", h.row),
      influence: h.influence,
    })),
    patterns: result.patterns,
    removal: result.removal,
    ...(result.looUnfairness ? { looUnfairness: result.looUnfairness } : {}),
    warnings: result.warnings,
    seconds: result.seconds,
  };
}

/**
 * Suspicion scores of every training row of `model.train` (higher = more suspicious).
 *
 * @example
 * ```ts
 * import { type LogisticModel, suspicionScores, topIndices } from "equipoise/explain";
 * declare const model: LogisticModel; // from fitLogisticRegression(data.train)
 * const scores = suspicionScores(model, "self-influence");
 * topIndices(scores, 20); // the 20 training rows to check for a wrong label first
 * ```
 */
export function suspicionScores(
  model: ExplainableModel,
  score: MislabelScore,
  onProgress?: (done: number, total: number) => void,
): Float64Array {
  return score === "out-of-fold"
    ? outOfFoldLosses(model.train, { onProgress }).scores
    : mislabelScores(model, score);
}

/**
 * What {@link mislabelsDocument} computes: the suspicion score, how many rows to list, and an optional check.
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type ExplainData, fitLogisticRegression, type MislabelsRequest, mislabelsDocument } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: ExplainableModel; // fitLogisticRegression(data.train, { C: 1 }).model
 * const request: MislabelsRequest = { score: "loo-loss", top: 20, check: { fraction: 0.1, seeds: [1, 2] }, refitOn: (train) => fitLogisticRegression(train, { C: 1 }).model };
 * const doc = mislabelsDocument(data, model, request);
 * doc.check?.recallAtFlipped; // each score's recall of the flipped labels
 * ```
 */
export interface MislabelsRequest {
  /** The suspicion score that ranks the training rows. */
  score: MislabelScore;
  /** How many of the most suspicious rows to list. */
  top: number;
  /** Also flip this fraction of labels at random (seeds 1, 2, …) and measure each score's recall. */
  check?: { fraction: number; seeds: number[] };
  /** Retrains the explained model's objective on other labels (for the check). */
  refitOn?: (train: import("./data.js").Examples) => ExplainableModel;
  /** Called with a line saying what is being computed. */
  onProgress?: (message: string) => void;
}

/**
 * The training rows most likely mislabelled, ranked by a suspicion score, as the `equipoise explain mislabels`
 * document; with `check` and `refitOn`, also the measured recall of every score on randomly flipped labels.
 *
 * @example
 * ```ts
 * import { data } from "equipoise";
 * import { explainData, fitLogisticRegression, mislabelsDocument } from "equipoise/explain";
 * const task = await data.prepareTask({ data: "german-credit", sensitive: ["sex"] });
 * const explainable = explainData(task);
 * const { model } = fitLogisticRegression(explainable.train, { C: 1 });
 * const doc = mislabelsDocument(explainable, model, { score: "loo-loss", top: 10 });
 * console.log(doc.suspects.map((s) => s.row));
 * ```
 */
export function mislabelsDocument(
  data: ExplainData,
  model: ExplainableModel,
  request: MislabelsRequest,
): MislabelsDocument {
  const started = performance.now();
  request.onProgress?.(`scoring ${data.train.rows} training rows by ${request.score}`);
  const scores = suspicionScores(model, request.score);
  const top = topIndices(scores, Math.min(request.top, data.train.rows));
  let check: MislabelsDocument["check"];
  if (request.check && request.refitOn) {
    const recall: Record<string, number[]> = {};
    for (const seed of request.check.seeds) {
      const { examples, flipped } = flipLabels(data.train, request.check.fraction, seed);
      const noisy = request.refitOn(examples);
      for (const score of ["out-of-fold", ...MODEL_MISLABEL_SCORES] as const) {
        request.onProgress?.(`check, flip seed ${seed}: ${score}`);
        (recall[score] ??= []).push(recallAtK(suspicionScores(noisy, score), flipped, flipped.length));
      }
    }
    check = {
      flipped: request.check.fraction,
      seeds: request.check.seeds,
      recallAtFlipped: Object.fromEntries(
        Object.entries(recall).map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / v.length]),
      ),
    };
  }
  return {
    ...header(data, model),
    kind: "mislabels",
    score: request.score,
    suspects: Array.from(top, (row, k) => ({
      ...describeRow(data, "train", row),
      score: scores[row],
      rank: k + 1,
    })),
    ...(check ? { check } : {}),
    warnings: stationarityWarnings(model),
    seconds: (performance.now() - started) / 1000,
  };
}
