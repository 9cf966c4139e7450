/**
 * The utility of a subset of training rows, U(S): the score, on a set of utility rows
 * (a validation set, or test rows), of the model retrained on S alone. Data valuation
 * (TMC-Shapley, Banzhaf, leave-one-out, Data-OOB) is built on it. The model's own
 * objective is refitted with row weights (1 in S, 0 outside), warm-started from the
 * previous fit, which makes the many nearby fits of Monte-Carlo valuation cheap.
 */
import type { Examples } from "../data.js";
import type { ExplainableModel } from "../model.js";

/**
 * How a subset's utility is scored on the utility rows: accuracy or mean log-likelihood.
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type ExplainData, modelUtility, type UtilityScore } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const score: UtilityScore = "log-likelihood"; // smoother than accuracy on few utility rows
 * const utility = modelUtility(model, data.test, score);
 * ```
 */
export type UtilityScore = "accuracy" | "log-likelihood";

/**
 * U(S): the score on utility rows of the model refitted on the training rows S (as row weights).
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type ExplainData, modelUtility, type Utility } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const utility: Utility = modelUtility(model, data.test, "accuracy");
 * utility.full; // test accuracy of the model trained on every row; utility.empty: 0
 * const withoutRow0 = utility.evaluate(new Float64Array(utility.trainRows).fill(1).fill(0, 0, 1));
 * ```
 */
export interface Utility {
  readonly trainRows: number;
  /** U(S) for S given as row weights (0 = left out); warm-started from the last fit. */
  evaluate(weights: Float64Array): number;
  /** U of the empty set (0 for accuracy, as pyDVL's default score; log(½) for the log-likelihood). */
  readonly empty: number;
  /** U of the full training set. */
  readonly full: number;
}

/**
 * The utility of a training subset (weights) for data valuation: retrain `model`'s objective with row weights,
 * score on `rows` (accuracy or log-likelihood). Warm-starts from the last refit.
 *
 * @example
 * ```ts
 * import { type Examples, fitLogisticRegression, modelUtility } from "equipoise/explain";
 * declare const train: Examples; declare const test: Examples; // e.g. explainData(task).train and .test
 * const { model } = fitLogisticRegression(train, { C: 1 });
 * const utility = modelUtility(model, test, "accuracy");
 * const full = utility.evaluate(new Float64Array(train.rows).fill(1));
 * ```
 */
export function modelUtility(
  model: ExplainableModel,
  rows: Examples,
  score: UtilityScore = "accuracy",
): Utility {
  let last = model.parameters;
  const scoreOf = (m: ExplainableModel): number => {
    if (score === "log-likelihood") {
      const losses = m.losses(rows);
      let total = 0;
      for (let i = 0; i < rows.rows; i++) total -= losses[i];
      return total / rows.rows;
    }
    const probabilities = m.probabilities(rows);
    let correct = 0;
    for (let i = 0; i < rows.rows; i++) {
      let best = 0;
      for (let c = 1; c < m.classes; c++)
        if (probabilities[i * m.classes + c] > probabilities[i * m.classes + best]) best = c;
      if (best === rows.y[i]) correct++;
    }
    return correct / rows.rows;
  };
  return {
    trainRows: model.train.rows,
    empty: score === "accuracy" ? 0 : Math.log(0.5),
    full: scoreOf(model),
    evaluate(weights) {
      let any = false;
      for (let i = 0; i < weights.length && !any; i++) any = weights[i] !== 0;
      if (!any) return this.empty;
      const fitted = model.refit(weights, { start: last });
      last = fitted.parameters;
      return scoreOf(fitted);
    },
  };
}
