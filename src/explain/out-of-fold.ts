/**
 * The mislabel score that ranks best in our measurements: the loss of each training
 * row's label under an ensemble of MLPs that never saw the row (out-of-fold). Flipped
 * labels sit where the rest of the data says otherwise; a model trained with the row
 * partly learns it (its training loss understates the conflict), a model trained
 * without it does not, and averaging the predicted probabilities of several fold
 * splits reduces the variance of each estimate. Chosen on flip seeds 1 and 2 of Adult
 * (10 % of labels flipped; 10 folds × 3 splits, 5 epochs of Adam: top-10 % recall
 * 0.653, against 0.634 for the logistic regression's training loss and 0.651 for a
 * logistic regression trained on the clean labels; measured with the engine's trainer
 * before this module moved to the recipe). The epochs were raised from 5 to 10 on the
 * same two seeds (mean recall 0.6507 → 0.6524; 3 epochs 0.6466, 20 epochs with 5 folds
 * 0.6490; 128-128 or 256 units, 6 splits, 5 or 20 folds: 0.6487–0.6522). Fresh seeds:
 * bench/explain.bench.ts, section mislabels.
 *
 * Training goes through the training recipe (src/fit) on the tensor engine: fast
 * float32 minibatch training, since these models need not be at a stationary point,
 * only predict well out of fold.
 */
import * as tf from "@tensorflow/tfjs-core";
import { createRandom, permutation } from "../common/rng.js";
import { fitRecipe } from "../fit/index.js";
import { labelTensor } from "../nn/losses.js";
import type { Examples } from "./data.js";

/**
 * Options of the out-of-fold loss: folds, repeats and the engine model trained in each fold.
 *
 * @example
 * ```ts
 * import { type ExplainData, type OutOfFoldOptions, outOfFoldLosses } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task); the tensor backend initialised
 * const options: OutOfFoldOptions = { folds: 5, repeats: 2, epochs: 5, spec: "mlp:32", seed: 0, onProgress: (done, total) => console.log(`${done}/${total} folds`) };
 * const { scores } = outOfFoldLosses(data.train, options); // higher = more likely mislabelled
 * ```
 */
export interface OutOfFoldOptions {
  /** Folds per split (default 10). */
  folds?: number;
  /** Independent fold splits averaged (default 3). */
  repeats?: number;
  /** Training epochs in each fold (default 10). */
  epochs?: number;
  /** Engine model spec (default mlp:64,64). */
  spec?: string;
  learningRate?: number;
  batchSize?: number;
  seed?: number;
  /** Called as folds finish: done and total. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Out-of-fold P(observed label) averaged over the repeats, and the loss −log of it (the score).
 *
 * @example
 * ```ts
 * import { type ExplainData, outOfFoldLosses } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task); the tensor backend initialised (the folds train engine models)
 * const { scores } = outOfFoldLosses(data.train, { folds: 10, repeats: 3, spec: "mlp:64,64" });
 * // scores[i] = −log P(observed label of row i) from models that never saw it: high = suspicious
 * ```
 */
export function outOfFoldLosses(
  train: Examples,
  options: OutOfFoldOptions = {},
): { scores: Float64Array; probabilities: Float64Array } {
  const folds = options.folds ?? 10;
  const repeats = options.repeats ?? 3;
  const n = train.rows;
  const cols = train.cols;
  const X = new Float32Array(train.X);
  const y = new Float32Array(train.y);
  const probability = new Float64Array(n);
  const total = folds * repeats;
  let done = 0;
  for (let repeat = 0; repeat < repeats; repeat++) {
    const order = permutation(n, createRandom((options.seed ?? 0) * 1000 + 11 + repeat));
    for (let f = 0; f < folds; f++) {
      const inFold = new Uint8Array(n);
      for (let k = f; k < n; k += folds) inFold[order[k]] = 1;
      const kept = n - inFold.reduce((a, b) => a + b, 0);
      const Xf = new Float32Array(kept * cols);
      const yf = new Float32Array(kept);
      for (let i = 0, r = 0; i < n; i++) {
        if (inFold[i]) continue;
        Xf.set(X.subarray(i * cols, (i + 1) * cols), r * cols);
        yf[r++] = y[i];
      }
      const { model } = fitRecipe(
        {
          model: options.spec ?? "mlp:64,64",
          epochs: options.epochs ?? 10,
          batchSize: options.batchSize ?? 256,
          seed: 100 * repeat + f + 1,
          optimizer: { kind: "adam", learningRate: options.learningRate ?? 1e-3, schedule: "constant" },
        },
        {
          train: { X: { rows: kept, cols, data: Xf }, y: yf, sensitive: [] },
          numClasses: 2,
          inputShape: [cols],
        },
      );
      try {
        const losses = tf.tidy(() =>
          model.losses(tf.tensor2d(X, [n, cols]), labelTensor("binary-cross-entropy", y)),
        );
        const values = losses.dataSync();
        losses.dispose();
        for (let i = 0; i < n; i++) if (inFold[i]) probability[i] += Math.exp(-values[i]) / repeats;
      } finally {
        model.dispose();
      }
      options.onProgress?.(++done, total);
    }
  }
  return { scores: probability.map((p) => -Math.log(p)), probabilities: probability };
}
