/**
 * One trial of the explorer: a configuration → a trained model → metrics on the
 * validation split (what the search sees) and on the test split (reported for the
 * Pareto trials only). Pure computation: no I/O, runs inside a worker thread.
 */
import type { Split } from "../data/index.js";
import { fairnessPenaltyGradient } from "../fairness/penalty.js";
import { withReferencePenalty } from "../fairness/reference-penalty.js";
import { buildModel } from "../nn/index.js";
import { makePrivate } from "../privacy/index.js";
import type { Configuration } from "../search/index.js";
import {
  type GradientComputer,
  meanGradient,
  predict,
  type TrainOptions,
  trainModel,
} from "../train/index.js";
import { type SplitMetrics, splitMetrics } from "./metrics.js";
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
  validation: SplitMetrics;
  test: SplitMetrics;
  /** Noise multiplier, sample rate and steps actually used (DP trials). */
  privacy: { noise: number; sampleRate: number; steps: number; delta: number; accountant: string } | null;
  trainSeconds: number;
}

export function runTrial(
  config: Configuration,
  seed: number,
  data: TrialData,
  settings: TrialSettings,
): TrialOutcome {
  const recipe = recipeOf(config);
  const model = buildModel(recipe.model, data.inputShape, data.numClasses, seed);
  try {
    const trainingData = { X: data.train.X, y: data.train.y };
    const options: TrainOptions = {
      epochs: recipe.epochs,
      batchSize: Math.min(recipe.batch, data.train.X.rows),
      optimizer: { kind: "sgd", learningRate: recipe.lr },
      seed,
    };
    const started = performance.now();
    let epsilon = Number.POSITIVE_INFINITY;
    let privacy: TrialOutcome["privacy"] = null;
    if (recipe.dp) {
      const engine = makePrivate({
        model,
        trainerOptions: options,
        dataSize: data.train.X.rows,
        noise: recipe.noise,
        clip: recipe.clip,
        delta: settings.delta,
        epochs: recipe.epochs,
        accountant: settings.accountant,
        // Seeded so that a study is reproducible and resumable; such runs are marked
        // not for release (retrain the chosen configuration with `train --dp`).
        seed,
      });
      trainModel(model, trainingData, {
        ...engine.trainOptions,
        gradientComputer: penalised(engine.gradientComputer, recipe, data, settings, true),
      });
      const spent = engine.privacySpent(settings.delta);
      epsilon = spent.epsilon;
      privacy = {
        noise: spent.noise,
        sampleRate: spent.sampleRate,
        steps: spent.steps,
        delta: settings.delta,
        accountant: settings.accountant,
      };
    } else {
      trainModel(model, trainingData, {
        ...options,
        gradientComputer: penalised(meanGradient, recipe, data, settings, false),
      });
    }
    const trainSeconds = (performance.now() - started) / 1000;
    const score = (split: Split) =>
      splitMetrics(split.y, predict(model, split.X).classes, split.sensitive, data.primary, epsilon);
    return { recipe, validation: score(data.validation), test: score(data.test), privacy, trainSeconds };
  } finally {
    model.dispose();
  }
}

/**
 * The fairness penalty on the primary sensitive attribute, if the recipe asks for
 * one. Private trials take the group statistics from the validation split so that
 * each per-example gradient depends on its own example only (see
 * fairness/reference-penalty.ts); non-private trials use the exact batch penalty.
 */
function penalised(
  inner: GradientComputer,
  recipe: TrialRecipe,
  data: TrialData,
  settings: TrialSettings,
  isPrivate: boolean,
): GradientComputer {
  if (!(recipe.fairWeight > 0)) return inner;
  const constraint = settings.fairness === "eo" ? "equalized_odds" : "demographic_parity";
  const groupOfRow = data.train.sensitive[data.primary].codes;
  if (!isPrivate) {
    return fairnessPenaltyGradient({
      constraint,
      weight: recipe.fairWeight,
      groupOfRow,
      labels: data.train.y,
    });
  }
  return withReferencePenalty(inner, {
    constraint,
    weight: recipe.fairWeight,
    reference: {
      X: data.validation.X,
      labels: data.validation.y,
      groupOf: data.validation.sensitive[data.primary].codes,
    },
    groupOfRow,
  });
}
