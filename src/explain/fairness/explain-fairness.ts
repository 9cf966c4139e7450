/**
 * The training examples behind an unfairness (issue 12, item 5), in one call:
 *   - the influence of every training row on a differentiable surrogate of the gap,
 *     computed on the training rows themselves (no test row is used to choose what
 *     to remove, so the test split measures the effect honestly);
 *   - the rows whose removal would reduce the gap most, one by one;
 *   - groups of rows described by feature patterns, with the predicted effect of
 *     removing each group (first order, then one Newton step) and the actual one
 *     (retrained);
 *   - a removal experiment: the given fraction of the most harmful rows removed in a
 *     few rounds (influence recomputed after each retraining — greedy, which on Adult
 *     removes more of the gap than one shot), against random and highest-loss removals
 *     of the same size, measured on all test rows and on each half of them;
 *   - leave-one-out unfairness on a sample of training rows.
 */
import { createRandom, permutation } from "../../common/rng.js";
import type { SensitiveAttribute } from "../../data/types.js";
import type { FairnessConstraint } from "../../fairness/constraint.js";
import type { Examples } from "../data.js";
import type { ColumnDescription } from "../features.js";
import { influence } from "../influence/influence.js";
import { type InverseMethod, solveInverseHvp } from "../influence/solvers.js";
import type { ExplainableModel } from "../model.js";
import { type LooUnfairness, looUnfairness } from "./loo-unfairness.js";
import { describePattern, jaccard, type PatternSearchOptions, searchPatterns } from "./patterns.js";
import {
  decisions,
  describeSurrogate,
  fairnessGap,
  type GapSurrogate,
  gapSurrogate,
  surrogateQuery,
  surrogateValue,
} from "./surrogate.js";

/**
 * Retrains the explained model with row weights (0 removes a row); default: its own refit.
 *
 * @example
 * ```ts
 * import { type ExplainData, explainFairness, fitLogisticRegression, type Retrain } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task) with a sensitive attribute
 * const retrain: Retrain = (weights) => fitLogisticRegression(data.train, { C: 1, weights }).model;
 * const model = retrain(new Float64Array(data.train.rows).fill(1));
 * const [trainGroups] = data.task.train.sensitive;
 * const [testGroups] = data.task.test.sensitive;
 * explainFairness(model, data.test, trainGroups, testGroups, data.columns, { retrain });
 * ```
 */
export type Retrain = (weights: Float64Array) => ExplainableModel;

/**
 * Options of {@link explainFairness}: the constraint, the inverse-Hessian method, and the sizes of the
 * removal experiment, pattern search and leave-one-out unfairness.
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type ExplainData, explainFairness, type FairnessExplanationOptions } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task) with a sensitive attribute
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const options: FairnessExplanationOptions = { constraint: "equalized_odds", method: "cg", top: 20, removalFraction: 0.02, rounds: 4, patterns: { maxPredicates: 2, count: 5 }, looRows: 200, seed: 0 };
 * const [trainGroups] = data.task.train.sensitive;
 * const [testGroups] = data.task.test.sensitive;
 * const explanation = explainFairness(model, data.test, trainGroups, testGroups, data.columns, options);
 * ```
 */
export interface FairnessExplanationOptions {
  /** The gap explained (default demographic parity). */
  constraint?: FairnessConstraint;
  /** How the inverse Hessian is applied (default: the model family's default). */
  method?: InverseMethod;
  /** λ in (H + λI)⁻¹ (default 0). */
  damping?: number;
  /** Individual rows listed on each side (default 10). */
  top?: number;
  /** Fraction of training rows removed in the removal experiment (default 0.01) and rounds (default 4). */
  removalFraction?: number;
  /** Rounds of the removal experiment (default 4). */
  rounds?: number;
  /** Random removals to compare with (default 3). */
  randomRepeats?: number;
  /** Pattern search: support bounds, predicates per pattern, how many to report and to refine by retraining. */
  patterns?: PatternSearchOptions & { count?: number; refine?: number };
  /** Training rows removed one at a time for leave-one-out unfairness (default 500; 0 skips it). */
  looRows?: number;
  seed?: number;
  retrain?: Retrain;
  /** Called with a line saying what is being computed. */
  onProgress?: (message: string) => void;
}

/**
 * A fairness gap measured on test, on each half of test, and on train, with the test accuracy.
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type ExplainData, type GapMeasurement, measureGaps } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task) with a sensitive attribute
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const gap: GapMeasurement = measureGaps(model, data.test, data.task.test.sensitive[0], data.task.train.sensitive[0], "demographic_parity");
 * gap.test; // the gap on the test split, in [0, 1]
 * gap.testHalves; // the same on the even and the odd test rows: how much of it is noise
 * ```
 */
export interface GapMeasurement {
  /** The gap (in [0, 1]) on the whole test split. */
  test: number;
  /** The gap on the even and on the odd test rows: each half held out from the other. */
  testHalves: [number, number];
  /** The gap on the training split. */
  train: number;
  /** Accuracy on the test split. */
  testAccuracy: number;
}

/**
 * The training rows and patterns behind a fairness gap, with predicted and retrained effects.
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type ExplainData, explainFairness, type FairnessExplanation } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task) with a sensitive attribute
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const [trainGroups] = data.task.train.sensitive;
 * const [testGroups] = data.task.test.sensitive;
 * const explanation: FairnessExplanation = explainFairness(model, data.test, trainGroups, testGroups, data.columns);
 * explanation.before.test - explanation.removal.after.test; // how much removing the harmful rows narrowed the gap
 * explanation.patterns.map((pattern) => pattern.description); // groups of training rows behind it
 * ```
 */
export interface FairnessExplanation {
  attribute: string;
  constraint: FairnessConstraint;
  surrogate: { description: string; higher: string; lower: string; value: number };
  method: string;
  before: GapMeasurement;
  /** Most negative first: removing these would reduce the gap most. */
  harmful: { row: number; influence: number }[];
  /** Most positive first: removing these would widen the gap. */
  protective: { row: number; influence: number }[];
  patterns: {
    description: string;
    rows: number;
    support: number;
    predictedFirstOrder: number;
    predictedNewton: number;
    actualSurrogateChange: number;
    gapAfter: GapMeasurement;
  }[];
  removal: {
    fraction: number;
    rows: number;
    rounds: number;
    removed: number[];
    after: GapMeasurement;
    random: { mean: GapMeasurement; sd: { test: number } };
    highestLoss: GapMeasurement;
  };
  looUnfairness?: Omit<LooUnfairness, "trainRows" | "flipsPerTrainRow" | "flipsPerTestRow"> & {
    trainRows: number;
    mostFlips: { row: number; flips: number }[];
  };
  warnings: string[];
  seconds: number;
}

/**
 * The examples behind an unfairness (`equipoise explain fairness`): the influence of every training
 * row on a smooth surrogate of the gap, the rows and feature patterns whose removal would reduce it
 * most, and a removal experiment against random and highest-loss removals, measured on test rows.
 *
 * @example
 * ```ts
 * import { describeColumns, type ExplainData, explainData, explainFairness, fitLogisticRegression } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task) for a PreparedTask with sensitive: ["sex"]
 * const { model } = fitLogisticRegression(data.train, { C: 1 });
 * const [trainSex] = data.task.train.sensitive;
 * const [testSex] = data.task.test.sensitive;
 * const explanation = explainFairness(model, data.test, trainSex, testSex, data.columns, { constraint: "demographic_parity" });
 * explanation.harmful.slice(0, 3); // the training rows whose removal would narrow the gap most
 * ```
 */
export function explainFairness(
  model: ExplainableModel,
  test: Examples,
  trainAttribute: SensitiveAttribute,
  testAttribute: SensitiveAttribute,
  columns: readonly ColumnDescription[],
  options: FairnessExplanationOptions = {},
): FairnessExplanation {
  const started = performance.now();
  const constraint = options.constraint ?? "demographic_parity";
  const method = options.method ?? "exact";
  const train = model.train;
  const n = train.rows;
  const retrain: Retrain = options.retrain ?? ((weights) => model.refit(weights));
  const progress = options.onProgress ?? (() => {});
  const warnings: string[] = [];

  const measure = (m: ExplainableModel): GapMeasurement =>
    measureGaps(m, test, testAttribute, trainAttribute, constraint);
  const surrogate = gapSurrogate(model, train, trainAttribute, constraint);
  progress("influence of every training row on the gap surrogate");
  const scores = surrogateInfluence(model, surrogate, method, options.damping, warnings);
  const before = measure(model);
  const top = options.top ?? 10;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b] || a - b);
  const harmful = Array.from(order.subarray(0, top), (row) => ({ row, influence: scores[row] }));
  const protective = Array.from(order.subarray(n - top).reverse(), (row) => ({
    row,
    influence: scores[row],
  }));

  progress("groups of rows described by feature patterns");
  const patternOptions = options.patterns ?? {};
  const wanted = patternOptions.count ?? 5;
  const candidates = wanted > 0 ? searchPatterns(columns, train, scores, patternOptions) : [];
  const refined = candidates.slice(0, patternOptions.refine ?? 20).map((pattern) => {
    const weights = Float64Array.from(model.weights);
    for (const row of pattern.rows) weights[row] = 0;
    const step = newtonStep(model, weights, method, options.damping);
    const predicted =
      surrogateValue(model.withParameters(step), train, surrogate) - surrogateValue(model, train, surrogate);
    return { pattern, weights, predicted };
  });
  refined.sort((a, b) => a.predicted - b.predicted);
  const chosen: typeof refined = [];
  for (const candidate of refined) {
    if (chosen.length >= wanted) break;
    if (chosen.some((c) => jaccard(c.pattern.rows, candidate.pattern.rows) > 0.5)) continue;
    chosen.push(candidate);
  }
  const baseSurrogate = surrogateValue(model, train, surrogate);
  const patterns = chosen.map(({ pattern, weights, predicted }) => {
    progress(`retraining without ${describePattern(pattern)}`);
    const after = retrain(weights);
    return {
      description: describePattern(pattern),
      rows: pattern.rows.length,
      support: pattern.rows.length / n,
      predictedFirstOrder: pattern.score,
      predictedNewton: predicted,
      actualSurrogateChange: surrogateValue(after, train, surrogate) - baseSurrogate,
      gapAfter: measure(after),
    };
  });

  const fraction = options.removalFraction ?? 0.01;
  const count = Math.max(1, Math.round(fraction * n));
  const rounds = Math.max(1, Math.min(options.rounds ?? 4, count));
  const removed = new Set<number>();
  let current = model;
  for (let round = 0; round < rounds; round++) {
    progress(`removal round ${round + 1} of ${rounds}`);
    const roundScores =
      round === 0
        ? scores
        : surrogateInfluence(
            current,
            gapSurrogate(current, train, trainAttribute, constraint),
            method,
            options.damping,
            warnings,
          );
    const take = Math.round(((round + 1) * count) / rounds) - removed.size;
    const ranked = Int32Array.from({ length: n }, (_, i) => i)
      .filter((i) => !removed.has(i))
      .sort((a, b) => roundScores[a] - roundScores[b] || a - b);
    for (const row of ranked.subarray(0, take)) removed.add(row);
    current = retrain(weightsWithout(model.weights, removed));
  }
  const after = measure(current);
  progress("random and highest-loss removals for comparison");
  const random = createRandom(options.seed ?? 0);
  const randomRuns: GapMeasurement[] = [];
  for (let r = 0; r < (options.randomRepeats ?? 3); r++) {
    randomRuns.push(
      measure(retrain(weightsWithout(model.weights, permutation(n, random).subarray(0, count)))),
    );
  }
  const losses = model.losses(train);
  const byLoss = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => losses[b] - losses[a] || a - b);
  const highestLoss = measure(retrain(weightsWithout(model.weights, byLoss.subarray(0, count))));

  let loo: FairnessExplanation["looUnfairness"];
  const looRows = Math.min(options.looRows ?? 500, n);
  if (looRows > 0) {
    progress(`leave-one-out unfairness over ${looRows} training rows`);
    const sample =
      looRows === n
        ? Int32Array.from({ length: n }, (_, i) => i)
        : permutation(n, createRandom((options.seed ?? 0) + 1))
            .slice(0, looRows)
            .sort();
    const result = looUnfairness(model, test, testAttribute, sample);
    const most = Array.from(result.trainRows.keys())
      .sort(
        (a, b) =>
          result.flipsPerTrainRow[b] - result.flipsPerTrainRow[a] ||
          result.trainRows[a] - result.trainRows[b],
      )
      .slice(0, top)
      .filter((k) => result.flipsPerTrainRow[k] > 0);
    loo = {
      trainRows: looRows,
      byGroup: result.byGroup,
      removalsThatFlip: result.removalsThatFlip,
      seconds: result.seconds,
      mostFlips: most.map((k) => ({ row: result.trainRows[k], flips: result.flipsPerTrainRow[k] })),
    };
  }
  return {
    attribute: trainAttribute.name,
    constraint,
    surrogate: {
      description: describeSurrogate(surrogate),
      higher: surrogate.higher,
      lower: surrogate.lower,
      value: baseSurrogate,
    },
    method,
    before,
    harmful,
    protective,
    patterns,
    removal: {
      fraction,
      rows: count,
      rounds,
      removed: [...removed].sort((a, b) => a - b),
      after,
      random: { mean: meanMeasurement(randomRuns), sd: { test: sd(randomRuns.map((m) => m.test)) } },
      highestLoss,
    },
    ...(loo ? { looUnfairness: loo } : {}),
    warnings: [...new Set(warnings)],
    seconds: (performance.now() - started) / 1000,
  };
}

/** Influence of every training row on the surrogate (predicted change when removed). */
function surrogateInfluence(
  model: ExplainableModel,
  surrogate: GapSurrogate,
  method: InverseMethod,
  damping: number | undefined,
  warnings: string[],
): Float64Array {
  const result = influence(model, surrogateQuery(model, model.train, surrogate), { method, damping });
  warnings.push(...result.warnings);
  return result.matrix;
}

/** θ̂ + H₋ₛ⁻¹ r_S: one Newton step of the objective with weights `weights` from θ̂. */
function newtonStep(
  model: ExplainableModel,
  weights: Float64Array,
  method: InverseMethod,
  damping?: number,
): Float64Array {
  const reduced = model.withWeights(weights);
  const gradient = reduced.objectiveGradient();
  const solved = solveInverseHvp(
    reduced,
    method === "exact" || method === "cg" ? method : "cg",
    gradient,
    1,
    { damping },
  );
  return model.parameters.map((t, j) => t - solved.solutions[j]);
}

function weightsWithout(weights: Float64Array, rows: Iterable<number>): Float64Array {
  const out = Float64Array.from(weights);
  for (const row of rows) out[row] = 0;
  return out;
}

/**
 * Measures a model's fairness gap (for the constraint) at its hard decisions on test, on the even and odd
 * test halves, and on train.
 *
 * @example
 * ```ts
 * import { data } from "equipoise";
 * import { explainData, fitLogisticRegression, measureGaps } from "equipoise/explain";
 * const task = await data.prepareTask({ data: "german-credit", sensitive: ["sex"] });
 * const { train, test } = explainData(task);
 * const { model } = fitLogisticRegression(train, { C: 1 });
 * const gaps = measureGaps(model, test, task.test.sensitive[0], task.train.sensitive[0], "demographic_parity");
 * console.log(gaps.test, gaps.testHalves);
 * ```
 */
export function measureGaps(
  model: ExplainableModel,
  test: Examples,
  testAttribute: SensitiveAttribute,
  trainAttribute: SensitiveAttribute,
  constraint: FairnessConstraint,
): GapMeasurement {
  const predicted = decisions(model, test);
  const halves = [0, 1].map((parity) => {
    const rows = Int32Array.from({ length: test.rows }, (_, i) => i).filter((i) => i % 2 === parity);
    return fairnessGap(
      constraint,
      Array.from(rows, (i) => test.y[i]),
      Array.from(rows, (i) => predicted[i]),
      { ...testAttribute, codes: Int32Array.from(rows, (i) => testAttribute.codes[i]) },
    );
  }) as [number, number];
  let correct = 0;
  for (let i = 0; i < test.rows; i++) if (predicted[i] === test.y[i]) correct++;
  return {
    test: fairnessGap(constraint, test.y, predicted, testAttribute),
    testHalves: halves,
    train: fairnessGap(constraint, model.train.y, decisions(model, model.train), trainAttribute),
    testAccuracy: correct / test.rows,
  };
}

function meanMeasurement(runs: GapMeasurement[]): GapMeasurement {
  const mean = (f: (m: GapMeasurement) => number) =>
    runs.reduce((s, m) => s + f(m), 0) / Math.max(runs.length, 1);
  return {
    test: mean((m) => m.test),
    testHalves: [mean((m) => m.testHalves[0]), mean((m) => m.testHalves[1])],
    train: mean((m) => m.train),
    testAccuracy: mean((m) => m.testAccuracy),
  };
}

function sd(values: number[]): number {
  if (values.length < 2) return 0;
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1));
}
