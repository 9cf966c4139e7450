/**
 * One trial of the explorer: a configuration → its training recipe → `fitRecipe` →
 * metrics on the validation split (what the search sees) and on the test split
 * (reported for the Pareto trials only). Pure computation: no I/O, runs inside a
 * worker thread.
 */
import type { Split } from "../data/index.js";
import { CONSTRAINT_SHORT_NAMES } from "../fairness/constraint.js";
import { fitRecipe } from "../fit/fit.js";
import { type ModelMetrics, modelMetrics } from "../fit/metrics.js";
import type { FitData } from "../fit/plan.js";
import { parseRecipe, type Recipe } from "../fit/recipe.js";
import type { Sequential } from "../nn/index.js";
import type { Configuration } from "../search/index.js";
import { predict } from "../train/index.js";
import { recipeOf, type TrialRecipe } from "./space.js";

/** The data every trial of a study trains and scores on (identical in every worker). */
export interface TrialData {
  train: Split;
  validation: Split;
  test: Split;
  numClasses: number;
  inputShape: number[];
  /** Index of the sensitive attribute whose gaps are objectives. */
  primary: number;
}

export interface TrialSettings {
  delta: number;
  accountant: "rdp" | "prv";
  /** Which fairness gap the penalty targets. */
  fairness: "dp" | "eo";
}

export interface TrialOutcome {
  recipe: TrialRecipe;
  validation: ModelMetrics;
  test: ModelMetrics;
  /** Noise multiplier, sample rate and steps actually used (DP trials). */
  privacy: { noise: number; sampleRate: number; steps: number; delta: number; accountant: string } | null;
  trainSeconds: number;
}

/**
 * The training recipe of a trial: plain SGD at the configuration's constant learning
 * rate (the search space's range of rates was chosen for it),
 * DP-SGD with seeded noise (so that a study is reproducible and resumable; such runs
 * are marked not for release — retrain the chosen configuration with `train --dp`),
 * the fairness penalty on the primary attribute when its weight is not negligible.
 */
export function trialRecipe(
  config: Configuration,
  seed: number,
  data: TrialData,
  settings: TrialSettings,
): Recipe {
  const trial = recipeOf(config);
  return parseRecipe(
    {
      model: trial.model,
      optimizer: { kind: "sgd", learningRate: trial.lr, schedule: "constant" },
      epochs: trial.epochs,
      batchSize: Math.min(trial.batch, data.train.X.rows),
      seed,
      ...(trial.dp
        ? {
            privacy: {
              noiseMultiplier: trial.noise,
              clip: trial.clip,
              delta: settings.delta,
              accountant: settings.accountant,
              noiseSeed: seed,
            },
          }
        : {}),
      fairness:
        trial.fairWeight > 0
          ? {
              method: "penalty",
              constraint: CONSTRAINT_SHORT_NAMES[settings.fairness],
              weight: trial.fairWeight,
              attribute: data.train.sensitive[data.primary].name,
            }
          : { method: "none" },
    },
    "trial",
  );
}

/** The data of a trial's fit: under DP the validation split is the penalty's reference set. */
export function trialFitData(data: TrialData): FitData {
  return {
    train: data.train,
    reference: data.validation,
    numClasses: data.numClasses,
    inputShape: data.inputShape,
  };
}

export function runTrial(
  config: Configuration,
  seed: number,
  data: TrialData,
  settings: TrialSettings,
): TrialOutcome {
  const fitted = fitRecipe(trialRecipe(config, seed, data, settings), trialFitData(data));
  try {
    return trialOutcome(recipeOf(config), fitted, data, fitted.training.seconds);
  } finally {
    fitted.model.dispose();
  }
}

/** A fitted trial's outcome: its metrics on the validation and test splits and its privacy. */
export function trialOutcome(
  recipe: TrialRecipe,
  fitted: {
    model: Sequential;
    privacy?: {
      epsilon: number;
      noise: number;
      sampleRate: number;
      steps: number;
      delta: number;
      accountant: string;
    };
  },
  data: TrialData,
  trainSeconds: number,
): TrialOutcome {
  const epsilon = fitted.privacy?.epsilon ?? Number.POSITIVE_INFINITY;
  const score = (split: Split) =>
    modelMetrics(split.y, predict(fitted.model, split.X).classes, split.sensitive, data.primary, epsilon);
  const privacy = fitted.privacy
    ? {
        noise: fitted.privacy.noise,
        sampleRate: fitted.privacy.sampleRate,
        steps: fitted.privacy.steps,
        delta: fitted.privacy.delta,
        accountant: fitted.privacy.accountant,
      }
    : null;
  return { recipe, validation: score(data.validation), test: score(data.test), privacy, trainSeconds };
}
