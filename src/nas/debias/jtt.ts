/**
 * Just Train Twice (Liu, Haghgoo, Chen, Raghunathan, Koh, Sagawa, Liang & Finn, ICML
 * 2021): train an identification model by plain ERM for a few epochs T, collect the
 * training examples it misclassifies (the error set, rich in bias-conflicting
 * examples), and train the final model with those examples' loss upweighted by
 * λ_up. No group labels are needed. Defaults T = 1 epoch and λ_up = 20, between
 * the paper's settings (CelebA: T = 1, λ_up = 50; MultiNLI: T = 2, λ_up = 6).
 */
import type { Matrix } from "../../data/index.js";
import type { Sequential } from "../../nn/index.js";
import { predict } from "../../train/index.js";

export const JTT_EPOCHS = 1;
export const JTT_UPWEIGHT = 20;

/** Weight λ_up for each row the identification model misclassifies, 1 otherwise; and the error set's size. */
export function jttWeights(
  identification: Sequential,
  X: Matrix,
  y: Float32Array,
  upweight: number,
): { weights: Float32Array; errors: number } {
  if (!(upweight >= 1)) throw new RangeError(`JTT's upweight must be ≥ 1, got ${upweight}`);
  const { classes } = predict(identification, X);
  let errors = 0;
  const weights = Float32Array.from(classes, (predicted, i) => {
    if (predicted === y[i]) return 1;
    errors++;
    return upweight;
  });
  return { weights, errors };
}
