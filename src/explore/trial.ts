/**
 * One trial of the explorer: a configuration → a trained model → metrics on the
 * validation split (what the search sees) and on the test split (reported for the
 * Pareto trials only). Pure computation: no I/O, runs inside a worker thread.
 */
import type { Split } from "../data/index.js";
import { buildModel } from "../nn/index.js";
import { predict, trainModel } from "../train/index.js";
import { splitMetrics, type SplitMetrics } from "./metrics.js";
import { recipeOf, type TrialRecipe } from "./space.js";
import { trainingPlan } from "./training-plan.js";
import type { Configuration } from "../search/index.js";

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

export function runTrial(config: Configuration, seed: number, data: TrialData, settings: TrialSettings): TrialOutcome {
  const recipe = recipeOf(config);
  const model = buildModel(recipe.model, data.inputShape, data.numClasses, seed);
  try {
    const plan = trainingPlan(recipe, data, settings);
    const started = performance.now();
    const result = trainModel(model, { X: data.train.X, y: data.train.y }, {
      epochs: recipe.epochs,
      batchSize: recipe.batch,
      optimizer: { kind: "sgd", learningRate: recipe.lr, momentum: 0 },
      seed,
      sampling: plan.sampling,
      gradientComputer: plan.gradientComputer,
    });
    const trainSeconds = (performance.now() - started) / 1000;
    const epsilon = plan.epsilon(result.steps);
    const score = (split: Split) =>
      splitMetrics(split.y, predict(model, split.X).classes, split.sensitive, data.primary, epsilon);
    return {
      recipe,
      validation: score(data.validation),
      test: score(data.test),
      privacy: plan.privacy ? { ...plan.privacy, steps: result.steps } : null,
      trainSeconds,
    };
  } finally {
    model.dispose();
  }
}
