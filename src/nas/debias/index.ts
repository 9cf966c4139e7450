/**
 * The debiasing baselines that architecture search is compared with, each trainable
 * for any architecture through the training recipe (fit/):
 *  - reweight: group-balancing sample weights (recipe sample weights);
 *  - group-dro: Group DRO's online objective (the recipe's gradient replaced);
 *  - lff: Learning from Failure, with its auxiliary biased network (gradient replaced);
 *  - jtt: Just Train Twice, two fits (the second with sample weights).
 * reweight and group-dro read group labels of the training rows; lff and jtt do not.
 * All are non-private: the recipe refuses a replaced gradient under DP.
 */
import type { Split } from "../../data/index.js";
import { type FitOptions, type FitResult, fitRecipe, optimizerConfig, type Recipe } from "../../fit/index.js";
import { GROUP_DRO_STEP_SIZE, groupDroGradient } from "./group-dro.js";
import { groupBalancingWeights, trainingGroups } from "./groups.js";
import { JTT_EPOCHS, JTT_UPWEIGHT, jttWeights } from "./jtt.js";
import { LFF_EMA, LFF_Q, learningFromFailure } from "./lff.js";

export { GROUP_DRO_STEP_SIZE, groupDroGradient } from "./group-dro.js";
export { groupBalancingWeights, type TrainingGroups, trainingGroups } from "./groups.js";
export { JTT_EPOCHS, JTT_UPWEIGHT, jttWeights } from "./jtt.js";
export { LFF_EMA, LFF_Q, learningFromFailure } from "./lff.js";

/**
 * The debiasing baselines: group reweighting, Group DRO (Sagawa et al. 2020), Learning from Failure
 * (Nam et al. 2020) and Just Train Twice (Liu et al. 2021).
 *
 * @example
 * ```ts
 * import { DEBIAS_METHODS } from "equipoise/nas";
 * DEBIAS_METHODS; // ["none", "reweight", "group-dro", "lff", "jtt"]: the values of DebiasSettings.method
 * ```
 */
export const DEBIAS_METHODS = ["none", "reweight", "group-dro", "lff", "jtt"] as const;
/**
 * One of {@link DEBIAS_METHODS}, or "none".
 *
 * @example
 * ```ts
 * import { type DebiasMethod, evaluateArchitecture, loadNasTask } from "equipoise/nas";
 * const task = await loadNasTask("german-credit:sex");
 * const method: DebiasMethod = "jtt"; // Just Train Twice: reads no group labels
 * const evaluation = evaluateArchitecture(task, "mlp:32", { seeds: [0, 1, 2], debias: { method } });
 * ```
 */
export type DebiasMethod = (typeof DEBIAS_METHODS)[number];

/**
 * A debiasing method and its settings.
 *
 * @example
 * ```ts
 * import { type DebiasSettings, loadNasTask, runArchitecture } from "equipoise/nas";
 * const task = await loadNasTask("adult:sex");
 * const debias: DebiasSettings = { method: "group-dro", groupDroStepSize: 0.01 }; // 0.01 is the default step
 * const run = runArchitecture(task, "mlp:64,64", { seed: 0, debias });
 * run.debias; // { method: "group-dro", stepSize: 0.01, groups: ... }: the settings as they ran
 * ```
 */
export interface DebiasSettings {
  method: DebiasMethod;
  groupDroStepSize?: number;
  lffQ?: number;
  jttEpochs?: number;
  jttUpweight?: number;
}

/**
 * What a debiasing method trains on: the training split, shapes, and the attribute whose groups it uses.
 *
 * @example
 * ```ts
 * import { fit } from "equipoise";
 * import { type DebiasData, fitDebiased, loadNasTask } from "equipoise/nas";
 * const task = await loadNasTask("adult:sex");
 * const data: DebiasData = { train: task.train, inputShape: task.inputShape, numClasses: task.numClasses, classNames: task.classNames, attribute: task.attribute };
 * const fitted = fitDebiased(fit.parseRecipe({ model: "mlp:64,64", epochs: 3, batchSize: 256 }), data, { method: "reweight" });
 * ```
 */
export interface DebiasData {
  train: Split;
  inputShape: readonly number[];
  numClasses: number;
  classNames: readonly string[];
  /** The attribute whose (label × value) groups reweight and group-dro use. */
  attribute: string;
}

/**
 * A fit trained with a debiasing method (what {@link fitDebiased} returns): the fitted model and how the method ran.
 *
 * @example
 * ```ts
 * import type { fit } from "equipoise";
 * import { type DebiasData, type DebiasedFit, fitDebiased } from "equipoise/nas";
 * declare const recipe: fit.Recipe; // a non-private recipe
 * declare const data: DebiasData; // the task's training split, shapes and attribute
 * const fitted: DebiasedFit = fitDebiased(recipe, data, { method: "jtt", jttEpochs: 1, jttUpweight: 20 });
 * fitted.debias; // { method: "jtt", identificationEpochs: 1, upweight: 20, errorSet: ... }: JTT's error-set size
 * fitted.model.dispose();
 * ```
 */
export interface DebiasedFit extends FitResult {
  /** The method and its settings as they ran, with what it measured on the way (JTT's error set). */
  debias: Record<string, unknown> & { method: DebiasMethod };
}

/**
 * Trains a (non-private) recipe with a debiasing method, through the recipe's sample weights or its
 * gradient seam.
 *
 * @example
 * ```ts
 * import { fit } from "equipoise";
 * import { fitDebiased, loadNasTask } from "equipoise/nas";
 * const task = await loadNasTask("adult:sex");
 * const recipe = fit.parseRecipe({ model: "mlp:64,64", epochs: 3, batchSize: 256 });
 * const data = { train: task.train, inputShape: task.inputShape, numClasses: task.numClasses, classNames: task.classNames, attribute: task.attribute };
 * const fitted = fitDebiased(recipe, data, { method: "group-dro" }); // fitted.model, fitted.debias
 * ```
 */
export function fitDebiased(
  recipe: Recipe,
  data: DebiasData,
  settings: DebiasSettings,
  options: Pick<FitOptions, "onProgress"> = {},
): DebiasedFit {
  const fitData = { train: data.train, inputShape: data.inputShape, numClasses: data.numClasses };
  switch (settings.method) {
    case "none":
      return { ...fitRecipe(recipe, fitData, options), debias: { method: "none" } };
    case "reweight": {
      const groups = trainingGroups(data.train, data.attribute, data.classNames);
      const fitted = fitRecipe(recipe, { ...fitData, sampleWeights: groupBalancingWeights(groups) }, options);
      return { ...fitted, debias: { method: "reweight", groups: groups.count } };
    }
    case "group-dro": {
      const groups = trainingGroups(data.train, data.attribute, data.classNames);
      const stepSize = settings.groupDroStepSize ?? GROUP_DRO_STEP_SIZE;
      const computer = groupDroGradient(groups.groupOfRow, groups.count, stepSize);
      const fitted = fitRecipe(recipe, fitData, { ...options, gradient: () => computer });
      return { ...fitted, debias: { method: "group-dro", stepSize, groups: groups.count } };
    }
    case "lff": {
      const q = settings.lffQ ?? LFF_Q;
      const batchesPerEpoch = Math.ceil(data.train.X.rows / recipe.batchSize);
      const computer = learningFromFailure({
        labels: data.train.y,
        numClasses: data.numClasses,
        optimizer: optimizerConfig(recipe.optimizer),
        totalSteps: recipe.epochs * batchesPerEpoch,
        seed: recipe.seed + 1,
        q,
      });
      try {
        const fitted = fitRecipe(recipe, fitData, { ...options, gradient: () => computer });
        return { ...fitted, debias: { method: "lff", q, ema: LFF_EMA } };
      } finally {
        computer.dispose();
      }
    }
    case "jtt": {
      const epochs = settings.jttEpochs ?? JTT_EPOCHS;
      const upweight = settings.jttUpweight ?? JTT_UPWEIGHT;
      const identification = fitRecipe({ ...recipe, epochs }, fitData);
      let found: { weights: Float32Array; errors: number };
      try {
        found = jttWeights(identification.model, data.train.X, data.train.y, upweight);
      } finally {
        identification.model.dispose();
      }
      const fitted = fitRecipe(recipe, { ...fitData, sampleWeights: found.weights }, options);
      return {
        ...fitted,
        debias: { method: "jtt", identificationEpochs: epochs, upweight, errorSet: found.errors },
      };
    }
  }
}
