/**
 * TracIn-CP (Pruthi et al. 2020): the loss reduction on a test point that the training
 * steps on a training row caused, summed over checkpoints,
 *   TracIn(i, t) = Σ_c η_c ∇m(θ_c) · rᵢ(θ_c),
 * with rᵢ the row's weighted loss gradient (what a step on it applies). Positive values
 * mark proponents (training on the row lowered the test loss), in the same sign
 * convention as influence. With the final parameters only and η = 1 it is plain
 * gradient similarity (the "grad-dot" of Charpiat et al. 2019).
 */
import type { ExplainableModel } from "../model.js";
import type { InfluenceQueries } from "./influence.js";

/**
 * A training checkpoint for TracIn (Pruthi et al. 2020): its parameters and the learning rate that followed.
 *
 * @example
 * ```ts
 * import { type Checkpoint, type ExplainData, influence, parseModelSpec, testLossQueries, trainWithCheckpoints } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task); the tensor backend initialised
 * const trained = trainWithCheckpoints(data, parseModelSpec("logreg"), { epochs: 5, batchSize: 64, learningRate: 0.1, seed: 0 });
 * const checkpoints: Checkpoint[] = trained.checkpoints; // one per epoch, each with learningRate 0.1
 * influence(trained.model, testLossQueries(trained.model, data.test, [0]), { method: "tracin", checkpoints });
 * ```
 */
export interface Checkpoint {
  /** The model's parameters at the checkpoint. */
  parameters: Float64Array;
  /** The learning rate of the steps taken from this checkpoint to the next. */
  learningRate: number;
}

/**
 * At each checkpoint the queries are recomputed when they can be (`queries.at`), else reused.
 *
 * @example
 * ```ts
 * import { type CheckpointedModel, type ExplainData, tracIn, testLossQueries } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const { model, checkpoints }: CheckpointedModel; // from trainWithCheckpoints(data, ...)
 * const scores = tracIn(model, testLossQueries(model, data.test, [0]), Int32Array.of(0, 1, 2), checkpoints);
 * // Σ over checkpoints of ηₜ ∇ℓ(test) · ∇ℓ(train row): positive = the row helped that test row
 * ```
 */
export function tracIn(
  model: ExplainableModel,
  queries: InfluenceQueries,
  trainRows: Int32Array,
  checkpoints: readonly Checkpoint[],
): Float64Array {
  const out = new Float64Array(queries.count * trainRows.length);
  for (const checkpoint of checkpoints) {
    const at = model.withParameters(checkpoint.parameters);
    const gradients = queries.at ? queries.at(at) : queries.gradients;
    const products = at.removalGradientProducts(trainRows, gradients, queries.count);
    for (let k = 0; k < out.length; k++) out[k] += checkpoint.learningRate * products[k];
  }
  return out;
}
