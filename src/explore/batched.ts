/**
 * Several explorer trials that share a model spec, fitted together by `fitRecipes`
 * (one K-models ensemble): each trial's recipe is exactly the one `runTrial` fits
 * alone, so the outcomes are those of `runTrial` up to float rounding, at the
 * per-op cost of about one trial.
 */
import { fitRecipes } from "../fit/ensemble.js";
import type { FitResult } from "../fit/fit.js";
import type { Recipe } from "../fit/recipe.js";
import type { Configuration } from "../search/index.js";
import { recipeOf } from "./space.js";
import {
  runTrial,
  type TrialData,
  type TrialOutcome,
  type TrialSettings,
  trialFitData,
  trialOutcome,
  trialRecipe,
  withMeasurements,
} from "./trial.js";

/**
 * One trial of a batch: its configuration and seed.
 *
 * @example
 * ```ts
 * import { runTrialBatch, type TrialData, type TrialJob, type TrialSettings } from "equipoise/explore";
 * declare const data: TrialData; // the study's splits (see TrialData)
 * declare const settings: TrialSettings; // the study's δ, accountant, noise source...
 * const jobs: TrialJob[] = [
 *   { config: { model: "logreg", clip: 1, epsilon: 2, lr: 0.1, epochs: 3, batch: 64, fairWeight: 0 }, seed: 1 },
 *   { config: { model: "logreg", clip: 1, epsilon: 8, lr: 0.3, epochs: 2, batch: 128, fairWeight: 0.5 }, seed: 2 },
 * ];
 * const outcomes = runTrialBatch(jobs, data, settings); // one TrialOutcome (or Error) per job, in order
 * ```
 */
export interface TrialJob {
  config: Configuration;
  seed: number;
}

/**
 * The key trials must share to be trained together (their model spec), or null for
 * trials better trained alone. On the WASM backend the batched matMul [K, B, d]·[K,
 * d, h] is ~10× slower per member than XNNPACK's 2-D one (BENCHMARKS.md, "Batched
 * trials"), so only models whose products are negligible next to the per-op
 * overhead gain: logistic regression (one dense layer, one output). MLP trials run
 * alone, and so do class-balanced ones. `runTrialBatch` itself takes any shared MLP spec.
 *
 * @example
 * ```ts
 * import { batchKey } from "equipoise/explore";
 * batchKey({ model: "logreg", epochs: 3, batch: 64, lr: 0.1 }); // "logreg": may share an ensemble
 * batchKey({ model: "mlp", width: 16, depth: 2 }); // null: trained alone
 * ```
 */
export function batchKey(config: Configuration): string | null {
  const recipe = recipeOf(config);
  // A class-balanced trial trains on its own row weights, and a DPSGD-F trial on its own
  // private gradient, which one ensemble cannot hold.
  return recipe.model === "logreg" && canShareEnsemble(recipe) ? recipe.model : null;
}

/** Row weights and a private gradient of its own (DPSGD-F) keep a trial out of an ensemble. */
function canShareEnsemble(recipe: ReturnType<typeof recipeOf>): boolean {
  return recipe.classWeight === "none" && recipe.privateMethod === "dp-sgd";
}

/**
 * Outcomes of `jobs` (in order), trained as one ensemble when they share a model
 * spec. `trainSeconds` of each is the ensemble's time divided by the number of
 * members (its share of the cost). A job whose recipe is invalid runs alone through
 * `runTrial`, so it fails as it would alone; if the ensemble itself fails, every job
 * is rerun alone so each gets its own error.
 *
 * @example
 * ```ts
 * import { runTrialBatch, type TrialData, type TrialSettings } from "equipoise/explore";
 * import type { Configuration } from "equipoise/search";
 * declare const configs: Configuration[]; // logreg configurations of the explorer's space
 * declare const data: TrialData; // as runTrial takes it
 * declare const settings: TrialSettings;
 * const jobs = configs.map((config, k) => ({ config, seed: 100 + k }));
 * const outcomes = runTrialBatch(jobs, data, settings); // one TrialOutcome or Error per job, in order
 * ```
 */
export function runTrialBatch(
  jobs: readonly TrialJob[],
  data: TrialData,
  settings: TrialSettings,
): (TrialOutcome | Error)[] {
  const alone = (job: TrialJob): TrialOutcome | Error => {
    try {
      return runTrial(job.config, job.seed, data, settings);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  };
  const recipes = jobs.map((job): Recipe | null => {
    try {
      return trialRecipe(job.config, job.seed, data, settings);
    } catch {
      return null;
    }
  });
  const together = recipes.flatMap((recipe, k) =>
    recipe && canShareEnsemble(recipeOf(jobs[k].config)) ? [k] : [],
  );
  if (together.length <= 1) return jobs.map(alone);
  if (new Set(together.map((k) => recipes[k]!.model)).size > 1)
    throw new RangeError("runTrialBatch: the trials of a batch must share one model spec");
  let fitted: FitResult[];
  const fitData = trialFitData(data, settings, jobs[together[0]].config);
  try {
    fitted = fitRecipes(
      together.map((k) => recipes[k]!),
      fitData,
    );
  } catch {
    return jobs.map(alone);
  }
  const outcomes = new Map<number, TrialOutcome>();
  try {
    together.forEach((k, i) => {
      const outcome = trialOutcome(
        recipeOf(jobs[k].config),
        fitted[i],
        data,
        settings,
        fitted[i].training.seconds,
      );
      outcomes.set(
        k,
        withMeasurements(outcome, recipes[k]!, fitData, fitted[i].model, data, settings, jobs[k].seed),
      );
    });
  } finally {
    for (const result of fitted) result.model.dispose();
  }
  return jobs.map((job, k) => outcomes.get(k) ?? alone(job));
}
