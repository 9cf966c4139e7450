/**
 * Data-OOB (Kwon & Zou 2023): bag B models on bootstrap samples of the training rows;
 * the value of a row is the mean correctness of the models that did not see it (its
 * out-of-bag score), φᵢ = mean_{b: i ∉ bag b} 1[ŷ_b(xᵢ) = yᵢ]. Low values mark rows
 * the rest of the data contradicts (mislabelled or atypical). The bagged learner is
 * the explained model's own objective, refitted with bootstrap counts as row weights.
 */
import { createRandom } from "../../common/rng.js";
import type { ExplainableModel } from "../model.js";
import type { ValuationResult } from "./monte-carlo.js";

/**
 * Options of {@link dataOob}.
 *
 * @example
 * ```ts
 * import { dataOob, type ExplainableModel, type OobOptions } from "equipoise/explain";
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const options: OobOptions = { bags: 100, seed: 0, onProgress: (done, total) => console.log(`${done}/${total} bags`) };
 * const { values } = dataOob(model, options); // each row's out-of-bag accuracy
 * ```
 */
export interface OobOptions {
  /** Bootstrap models (default 100). */
  bags?: number;
  /** Seed of the bootstrap samples (default 0). */
  seed?: number;
  /** Called as bootstrap models finish: done and total. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Data-OOB values (Kwon & Zou 2023): each row's out-of-bag accuracy over bootstrap refits.
 *
 * @example
 * ```ts
 * import { dataOob, fitLogisticRegression } from "equipoise/explain";
 * const train = { rows: 4, cols: 1, X: Float64Array.of(0, 1, 2, 3), y: Float64Array.of(0, 0, 1, 1) };
 * const { model } = fitLogisticRegression(train, { C: 1 });
 * dataOob(model, { bags: 20, seed: 0 }).values; // each row's out-of-bag accuracy, in [0, 1]
 * ```
 */
export function dataOob(model: ExplainableModel, options: OobOptions = {}): ValuationResult {
  const started = performance.now();
  const train = model.train;
  const n = train.rows;
  const bags = options.bags ?? 100;
  const random = createRandom(options.seed ?? 0);
  const correct = new Float64Array(n);
  const seen = new Float64Array(n);
  for (let b = 0; b < bags; b++) {
    const weights = new Float64Array(n);
    // n draws with replacement; a row's weight is its count times its own objective weight.
    for (let k = 0; k < n; k++) {
      const row = random.integer(n);
      weights[row] += model.weights[row];
    }
    const fitted = model.refit(weights, { tolerance: 1e-6 * n });
    const probabilities = fitted.probabilities(train);
    for (let i = 0; i < n; i++) {
      if (weights[i] !== 0) continue;
      let best = 0;
      for (let c = 1; c < model.classes; c++)
        if (probabilities[i * model.classes + c] > probabilities[i * model.classes + best]) best = c;
      const hit = best === train.y[i] ? 1 : 0;
      correct[i] += hit;
      seen[i]++;
    }
    options.onProgress?.(b + 1, bags);
  }
  const values = new Float64Array(n);
  const errors = new Float64Array(n);
  let unseen = 0;
  for (let i = 0; i < n; i++) {
    if (seen[i] === 0) {
      values[i] = Number.NaN;
      errors[i] = Number.NaN;
      unseen++;
      continue;
    }
    const mean = correct[i] / seen[i];
    values[i] = mean;
    errors[i] = seen[i] > 1 ? Math.sqrt((mean * (1 - mean)) / (seen[i] - 1)) : Number.NaN;
  }
  return {
    values,
    standardErrors: errors,
    samples: bags,
    converged: unseen === 0,
    relativeError: Number.NaN,
    utilityEvaluations: bags,
    seconds: (performance.now() - started) / 1000,
  };
}
