/**
 * A trained model's logits and φ on a set of rows, read from the tensor engine in
 * chunks (the logits are float32, as the model computes them; φ is then formed from
 * them in float64, signal.ts).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Matrix } from "../data/types.js";
import type { Sequential } from "../nn/index.js";
import { tidyValues } from "../nn/tidy.js";
import { logitScaledConfidence } from "./signal.js";

/**
 * A model's logits for some rows and φ, the logit-scaled confidence in the true label.
 *
 * @example
 * ```ts
 * import { type ModelSignals, modelSignals } from "equipoise/audit";
 * import type { PreparedTask } from "equipoise/data";
 * import type { nn } from "equipoise";
 * declare const model: nn.Sequential; declare const task: PreparedTask; // a trained model and its data
 * const signals: ModelSignals = modelSignals(model, task.test.X, task.test.y);
 * signals.phi; // φ of each row: the membership signal the attacks read
 * signals.logits; // row-major [rows, outputs]
 * ```
 */
export interface ModelSignals {
  /** Row-major [rows, outputs]. */
  logits: Float32Array;
  /** 1 for a binary model (one logit), the number of classes otherwise. */
  outputs: number;
  phi: Float64Array;
}

const CHUNK_ROWS = 8192;

/**
 * The model's logits for every row of X (in chunks, to bound memory).
 *
 * @example
 * ```ts
 * import { modelLogits } from "equipoise/audit";
 * import type { nn } from "equipoise";
 * import type { PreparedTask } from "equipoise/data";
 * declare const model: nn.Sequential; declare const task: PreparedTask; // a trained Sequential (see fitRecipe), its data
 * const logits = modelLogits(model, task.test.X); // row-major [rows, outputs], computed in chunks
 * ```
 */
export function modelLogits(model: Sequential, X: Matrix): Float32Array {
  const outputs = model.outputShape.reduce((a, b) => a * b, 1);
  const inputShape = model.architecture.inputShape;
  const out = new Float32Array(X.rows * outputs);
  for (let start = 0; start < X.rows; start += CHUNK_ROWS) {
    const rows = Math.min(CHUNK_ROWS, X.rows - start);
    const values = tidyValues(() => {
      const input = tf.tensor(X.data.subarray(start * X.cols, (start + rows) * X.cols), [
        rows,
        ...inputShape,
      ]);
      return model.predictLogits(input);
    });
    out.set(values, start * outputs);
  }
  return out;
}

/**
 * Logits and φ = log(p_y / (1 − p_y)) of every row, computed in float64 from the logits.
 *
 * @example
 * ```ts
 * import { modelSignals } from "equipoise/audit";
 * import type { nn } from "equipoise";
 * import type { PreparedTask } from "equipoise/data";
 * declare const model: nn.Sequential; declare const task: PreparedTask; // a trained Sequential (see fitRecipe), its data
 * const { phi } = modelSignals(model, task.train.X, task.train.y); // φ = log(p_y / (1 − p_y)) per row
 * ```
 */
export function modelSignals(model: Sequential, X: Matrix, y: ArrayLike<number>): ModelSignals {
  const outputs = model.outputShape.reduce((a, b) => a * b, 1);
  const logits = modelLogits(model, X);
  return { logits, outputs, phi: logitScaledConfidence(logits, y, outputs) };
}
