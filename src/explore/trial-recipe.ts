/**
 * A trial's training recipe as the explorer's configuration encodes it (model, DP,
 * target ε, clip, learning rate, epochs, batch, fairness weight, class weighting and the
 * interplay levers). Light: type imports only, so the dashboard's bundle can decode a
 * trial (trial-train-flags.ts) without the search space or the study stores.
 */
import type { ExplorerPrivateMethod } from "../interplay/explorer-levers.js";
import type { Configuration } from "../search/space.js";

/**
 * A trial's training recipe, read from a configuration of the explorer's space.
 *
 * @example
 * ```ts
 * import { recipeOf, type TrialRecipe } from "equipoise/explore";
 * const recipe: TrialRecipe = recipeOf({ model: "mlp", width: 32, depth: 2, clip: 1, epsilon: 2, lr: 0.1, epochs: 3, batch: 64 });
 * recipe.model; // "mlp:32,32"
 * recipe.targetEpsilon; // 2: the ε its noise multiplier is calibrated to
 * ```
 */
export interface TrialRecipe {
  model: string;
  dp: boolean;
  /** The ε the noise multiplier is calibrated to (a private trial of the default mode); null otherwise. */
  targetEpsilon: number | null;
  clip: number;
  /** Learning rate per unit of mean example weight (see the module comment). */
  lr: number;
  epochs: number;
  batch: number;
  fairWeight: number;
  classWeight: "none" | "balanced";
  /**
   * Plain DP-SGD, group-aware clipping (DPSGD-F) or private fair learning (the interplay
   * levers); "dp-sgd" for non-private trials too.
   */
  privateMethod: ExplorerPrivateMethod;
  /** DPSGD-F's γ (0 otherwise). */
  groupClipGamma: number;
  /** The private fair method's allowed violation of each constraint (0 otherwise). */
  fairBound: number;
}

/**
 * A private trial is one with a clipping norm: `dp` is a parameter only in the mixed space.
 *
 * @example
 * ```ts
 * import { recipeOf } from "equipoise/explore";
 * const recipe = recipeOf({ model: "mlp", width: 32, depth: 2, clip: 1, epsilon: 2, lr: 0.1, epochs: 3, batch: 64 });
 * recipe.model; // "mlp:32,32"
 * recipe.dp; // true: a clipping norm makes the trial private, at targetEpsilon 2
 * ```
 */
export function recipeOf(config: Configuration): TrialRecipe {
  const model =
    config.model === "mlp"
      ? `mlp:${Array(Number(config.depth ?? 1))
          .fill(Number(config.width ?? 64))
          .join(",")}`
      : "logreg";
  const dp = config.dp === true || (config.dp === undefined && config.clip !== undefined);
  const privateMethod: ExplorerPrivateMethod =
    dp && (config.privateMethod === "dpsgd-f" || config.privateMethod === "dp-fair-reductions")
      ? config.privateMethod
      : "dp-sgd";
  // The private fair method is the trial's fairness mitigation and sets its rows' weights
  // itself: the penalty and class weighting do not apply, and the recipe says so.
  const reductions = privateMethod === "dp-fair-reductions";
  return {
    model,
    dp,
    targetEpsilon: dp && config.epsilon !== undefined ? Number(config.epsilon) : null,
    clip: Number(config.clip ?? 1),
    lr: Number(config.lr),
    epochs: Number(config.epochs),
    batch: Number(config.batch),
    fairWeight: reductions ? 0 : Number(config.fairWeight ?? 0),
    classWeight: !reductions && config.classWeight === "balanced" ? "balanced" : "none",
    privateMethod,
    groupClipGamma: privateMethod === "dpsgd-f" ? Number(config.groupClipGamma ?? 1) : 0,
    fairBound: reductions ? Number(config.fairBound) : 0,
  };
}
