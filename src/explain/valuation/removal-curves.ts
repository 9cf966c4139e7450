/**
 * Removal curves (OpenDataVal's "point removal" experiment): remove the highest- or
 * the lowest-valued training rows in growing fractions, retrain, and measure. A good
 * valuation makes accuracy fall fastest when the highest values go and hold (or rise)
 * when the lowest go; a random order is the baseline.
 */
import { createRandom, permutation } from "../../common/rng.js";

/**
 * Scores after removing growing fractions of the training rows in one order (highest value first, lowest first, random).
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type ExplainData, modelUtility, type RemovalCurve, removalCurves } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * declare const values: Float64Array; // one value per training row (e.g. from tmcShapley)
 * const utility = modelUtility(model, data.test, "accuracy");
 * const [highestFirst]: RemovalCurve[] = removalCurves(values, (weights) => utility.evaluate(weights));
 * highestFirst.scores; // test accuracy after removing each fraction of the most valuable rows
 * ```
 */
export interface RemovalCurve {
  /** Which rows go first. */
  order: "highest-first" | "lowest-first" | "random";
  /** Fractions in [0, 1] of the training rows removed. */
  fractions: number[];
  /** The score after each removal (e.g. held-out accuracy). */
  scores: number[];
}

/**
 * The removal fractions of a curve by default: 0 to 30 % of the training rows.
 *
 * @example
 * ```ts
 * import { DEFAULT_FRACTIONS } from "equipoise/explain";
 * DEFAULT_FRACTIONS; // [0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3]: the fractions removalCurves uses unless given others
 * ```
 */
export const DEFAULT_FRACTIONS = [0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3];

/**
 * `evaluate(weights)` retrains with row weights (0 = removed) and returns the score
 * (e.g. accuracy on held-out rows). NaN values are removed last.
 *
 * @example
 * ```ts
 * import { type ExplainData, type LogisticModel, modelUtility, removalCurves } from "equipoise/explain";
 * declare const values: Float64Array; // one per training row (e.g. knnShapley)
 * declare const data: ExplainData; // explainData(task)
 * declare const model: LogisticModel; // from fitLogisticRegression(data.train)
 * const utility = modelUtility(model, data.test, "accuracy");
 * const curves = removalCurves(values, (weights) => utility.evaluate(weights), { seed: 0 });
 * // test accuracy as the highest-valued, lowest-valued and random rows are removed
 * ```
 */
export function removalCurves(
  values: Float64Array,
  evaluate: (weights: Float64Array) => number,
  options: { fractions?: number[]; seed?: number } = {},
): RemovalCurve[] {
  const n = values.length;
  const fractions = options.fractions ?? DEFAULT_FRACTIONS;
  const known = (v: number, fallback: number) => (Number.isNaN(v) ? fallback : v);
  const highest = Int32Array.from({ length: n }, (_, i) => i).sort(
    (a, b) =>
      known(values[b], Number.NEGATIVE_INFINITY) - known(values[a], Number.NEGATIVE_INFINITY) || a - b,
  );
  const lowest = Int32Array.from({ length: n }, (_, i) => i).sort(
    (a, b) =>
      known(values[a], Number.POSITIVE_INFINITY) - known(values[b], Number.POSITIVE_INFINITY) || a - b,
  );
  const random = permutation(n, createRandom(options.seed ?? 0));
  return (
    [
      ["highest-first", highest],
      ["lowest-first", lowest],
      ["random", random],
    ] as const
  ).map(([order, ranking]) => ({
    order,
    fractions,
    scores: fractions.map((fraction) => {
      const weights = new Float64Array(n).fill(1);
      for (const row of ranking.subarray(0, Math.round(fraction * n))) weights[row] = 0;
      return evaluate(weights);
    }),
  }));
}
