/**
 * Mislabelled and anomalous training rows (issue 12, item 6), ranked by a suspicion
 * score (higher = more suspicious):
 *   training-loss    ℓᵢ(θ̂), the loss of the row under the model trained with it;
 *   self-influence   rᵢᵀH⁻¹rᵢ (Koh & Liang 2017; Pruthi et al. 2020), how much the row
 *                    pulls the model towards itself;
 *   loo-loss         ℓᵢ(θ̂₋ᵢ), the loss of the row under the model trained without it
 *                    — for a logistic regression exactly, in closed form: removing
 *                    row i moves its own score by wᵢ(pᵢ − yᵢ)hᵢ/(1 − aᵢhᵢ), with
 *                    hᵢ = x̃ᵢᵀH⁻¹x̃ᵢ and aᵢ = wᵢpᵢ(1 − pᵢ) (Sherman–Morrison on the
 *                    Newton step, as the PRESS residuals of linear regression);
 *   cross-validated  the row's loss under a model trained on the other folds;
 *   out-of-fold      the loss under an ensemble of MLPs that never saw the row
 *                    (out-of-fold.ts; recommended, see there);
 *   knn-shapley / oob / any valuation: minus the value.
 * Which ranking to use is measured (docs/explain.md, bench/explain.bench.ts): on Adult
 * with 10 % of the labels flipped, see the recall of each at the top 10 %.
 */
import { UserError } from "../common/errors.js";
import { createRandom, permutation } from "../common/rng.js";
import { cholesky, choleskySolve } from "../math/linalg.js";
import type { Examples } from "./data.js";
import { solveInverseHvp } from "./influence/solvers.js";
import type { ExplainableModel } from "./model.js";
import { LogisticModel, logisticLoss, sigmoid } from "./models/logistic.js";

/**
 * Scores computed from the explained model itself (the engine-trained out-of-fold ensemble is out-of-fold.ts).
 *
 * @example
 * ```ts
 * import { MODEL_MISLABEL_SCORES } from "equipoise/explain";
 * MODEL_MISLABEL_SCORES; // ["loo-loss", "training-loss", "self-influence", "cross-validated"]
 * ```
 */
export const MODEL_MISLABEL_SCORES = [
  "loo-loss",
  "training-loss",
  "self-influence",
  "cross-validated",
] as const;
/**
 * A mislabel score computed from one model (see {@link mislabelScores}).
 *
 * @example
 * ```ts
 * import { type ExplainableModel, mislabelScores, type ModelMislabelScore } from "equipoise/explain";
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const score: ModelMislabelScore = "loo-loss";
 * const suspicion = mislabelScores(model, score); // one score per training row, higher = more suspicious
 * ```
 */
export type ModelMislabelScore = (typeof MODEL_MISLABEL_SCORES)[number];
/**
 * Every mislabel ranking: the out-of-fold ensemble (recommended) and the scores of one model.
 *
 * @example
 * ```ts
 * import { MISLABEL_SCORES } from "equipoise/explain";
 * MISLABEL_SCORES; // ["out-of-fold", "loo-loss", "training-loss", "self-influence", "cross-validated"]: `explain mislabels --score`
 * ```
 */
export const MISLABEL_SCORES = ["out-of-fold", ...MODEL_MISLABEL_SCORES] as const;
/**
 * One of {@link MISLABEL_SCORES}.
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type MislabelScore, suspicionScores, topIndices } from "equipoise/explain";
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const score: MislabelScore = "out-of-fold"; // the recommended ranking (trains engine models: initialise the backend)
 * topIndices(suspicionScores(model, score), 10); // the 10 most suspicious training rows
 * ```
 */
export type MislabelScore = (typeof MISLABEL_SCORES)[number];

/**
 * Suspicion of every training row under one score (higher = more suspicious).
 *
 * @example
 * ```ts
 * import { type ExplainData, fitLogisticRegression, flipLabels, mislabelScores, recallAtK } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * const { examples, flipped } = flipLabels(data.train, 0.1, 0);
 * const { model } = fitLogisticRegression(examples, { C: 1 });
 * const scores = mislabelScores(model, "self-influence");
 * recallAtK(scores, flipped, flipped.length); // share of the flipped rows found in the top scores
 * ```
 */
export function mislabelScores(
  model: ExplainableModel,
  score: MislabelScore,
  options: { folds?: number; seed?: number } = {},
): Float64Array {
  switch (score) {
    case "training-loss":
      return model.losses(model.train);
    case "self-influence":
      return selfInfluence(model);
    case "loo-loss":
      return leaveOneOutLosses(model);
    case "cross-validated":
      return crossValidatedLosses(model, options.folds ?? 5, options.seed ?? 0);
    default:
      throw new RangeError(`unknown mislabel score '${score as string}'`);
  }
}

const CHUNK = 512;

/**
 * rᵢᵀH⁻¹rᵢ for every training row: exact (Cholesky) when the Hessian fits, else EK-FAC.
 *
 * @example
 * ```ts
 * import { type LogisticModel, selfInfluence, topIndices } from "equipoise/explain";
 * declare const model: LogisticModel; // from fitLogisticRegression(data.train)
 * topIndices(selfInfluence(model), 10); // the ten rows the model bends most to fit
 * ```
 */
export function selfInfluence(model: ExplainableModel): Float64Array {
  const n = model.train.rows;
  const p = model.parameterCount;
  const out = new Float64Array(n);
  const exact = p <= 4096;
  const factor = exact ? cholesky(model.hessian(), p) : undefined;
  for (let start = 0; start < n; start += CHUNK) {
    const rows = Int32Array.from({ length: Math.min(CHUNK, n - start) }, (_, i) => start + i);
    const gradients = model.removalGradients(rows);
    const solved = factor
      ? solveRows(factor, gradients, rows.length, p)
      : solveInverseHvp(model, "ekfac", gradients, rows.length).solutions;
    for (let r = 0; r < rows.length; r++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += gradients[r * p + j] * solved[r * p + j];
      out[start + r] = s;
    }
  }
  return out;
}

function solveRows(
  factor: ReturnType<typeof cholesky>,
  rhs: Float64Array,
  count: number,
  p: number,
): Float64Array {
  const out = new Float64Array(count * p);
  for (let r = 0; r < count; r++)
    choleskySolve(factor, rhs.subarray(r * p, (r + 1) * p), out.subarray(r * p, (r + 1) * p));
  return out;
}

/**
 * ℓᵢ(θ̂₋ᵢ) for every training row (logistic regression: exact Newton step with the downdated Hessian).
 *
 * @example
 * ```ts
 * import { type LogisticModel, leaveOneOutLosses } from "equipoise/explain";
 * declare const model: LogisticModel; // from fitLogisticRegression; other families get a UserError
 * const losses = leaveOneOutLosses(model); // each row's loss under the model fitted without it
 * ```
 */
export function leaveOneOutLosses(model: ExplainableModel): Float64Array {
  if (!(model instanceof LogisticModel)) {
    throw new UserError(
      `loo-loss is computed in closed form for logistic regression; for a ${model.description} use training-loss or self-influence`,
    );
  }
  const n = model.train.rows;
  const p = model.parameterCount;
  const factor = cholesky(model.hessian(), p);
  const z = model.scores(model.train);
  const out = new Float64Array(n);
  for (let start = 0; start < n; start += CHUNK) {
    const rows = Int32Array.from({ length: Math.min(CHUNK, n - start) }, (_, i) => start + i);
    const features = model.removalGradients(rows);
    const coefficients = removalCoefficients(model, rows, z);
    for (let r = 0; r < rows.length; r++) {
      const i = rows[r];
      // removalGradients = c·x̃: recover x̃ to get h = x̃ᵀH⁻¹x̃ (c = 0 means the row has no pull: no change).
      const c = coefficients[r];
      if (c === 0) {
        out[i] = logisticLoss(z[i], model.train.y[i]);
        continue;
      }
      const x = features.subarray(r * p, (r + 1) * p).map((v) => v / c);
      const u = choleskySolve(factor, x);
      let h = 0;
      for (let j = 0; j < p; j++) h += x[j] * u[j];
      const q = sigmoid(z[i]);
      const a = model.weights[i] * q * (1 - q);
      const shift = (c * h) / (1 - a * h);
      out[i] = logisticLoss(z[i] + shift, model.train.y[i]);
    }
  }
  return out;
}

function removalCoefficients(model: LogisticModel, rows: Int32Array, z: Float64Array): Float64Array {
  return Float64Array.from(rows, (i) => model.weights[i] * (sigmoid(z[i]) - model.train.y[i]));
}

/**
 * The loss of each row under the model refitted on the other folds (seeded folds).
 *
 * @example
 * ```ts
 * import { crossValidatedLosses, type LogisticModel } from "equipoise/explain";
 * declare const model: LogisticModel; // from fitLogisticRegression(data.train)
 * const losses = crossValidatedLosses(model, 5, 0); // 5 seeded folds, each row scored by a refit without its fold
 * ```
 */
export function crossValidatedLosses(model: ExplainableModel, folds: number, seed: number): Float64Array {
  const n = model.train.rows;
  const order = permutation(n, createRandom(seed));
  const out = new Float64Array(n);
  for (let f = 0; f < folds; f++) {
    const weights = Float64Array.from(model.weights);
    const members: number[] = [];
    for (let k = f; k < n; k += folds) {
      weights[order[k]] = 0;
      members.push(order[k]);
    }
    const fitted = model.refit(weights);
    const losses = fitted.losses(model.train);
    for (const i of members) out[i] = losses[i];
  }
  return out;
}

/**
 * Labels with a seeded `fraction` of rows flipped (binary 0/1), and which rows.
 *
 * @example
 * ```ts
 * import { type ExplainData, flipLabels } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task) for german-credit (700 training rows)
 * const { examples, flipped } = flipLabels(data.train, 0.1, 0);
 * flipped.length; // 70 rows now carry the other label
 * ```
 */
export function flipLabels(
  examples: Examples,
  fraction: number,
  seed: number,
): { examples: Examples; flipped: Int32Array } {
  const count = Math.round(fraction * examples.rows);
  const flipped = permutation(examples.rows, createRandom(seed)).slice(0, count).sort();
  const y = Float64Array.from(examples.y);
  for (const i of flipped) y[i] = 1 - y[i];
  return { examples: { ...examples, y }, flipped };
}
