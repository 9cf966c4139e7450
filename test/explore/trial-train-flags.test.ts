/**
 * A trial's `train` flags (explore/trial-train-flags.ts) against the trial's own recipe:
 * the flags go through the very path a dashboard-trained model takes — `flagArguments`
 * (the server's train job) → `parseCommandLine(train)` → `readRecipe` — and the Recipe
 * that comes out must agree with `trialRecipe(...)` on everything that defines the
 * recipe. A mapping that forgot a flag would fall back to train's defaults (Adam, a
 * cosine schedule, batch 128, seed 0, δ 1e-5, no penalty), which every configuration
 * below differs from, so agreement cannot come by accident.
 *
 * Fields that legitimately differ, and are therefore not compared:
 *  - privacy.noiseSeed: the trial's DP noise and sampling are seeded by its seed; a
 *    model the dashboard trains draws them from the secure generator (no --dp-seed),
 *    as a model meant for auditing or release should;
 *  - classWeighting: the trial's class weights travel in its fit data (from the
 *    validation split's frequencies), train's in its recipe (from the training rows'):
 *    what must agree is the step each class takes, learning rate × class weight,
 *    compared below on the same labels;
 *  - fairness.referenceFraction: train holds out that share of its training split as
 *    the penalty's reference set under DP; the trial uses the validation split;
 *  - the data itself (the whole training split against the training part minus the
 *    explorer's validation split), which no recipe field records.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseCommandLine } from "../../src/cli/command.js";
import { train } from "../../src/cli/commands/train.js";
import { readRecipe } from "../../src/cli/recipe-options.js";
import { balancedClassWeights, meanClassWeight } from "../../src/explore/class-weights.js";
import { type TrialData, type TrialSettings, trialRecipe } from "../../src/explore/trial.js";
import {
  penaltyTargetOf,
  type StudyTrainSettings,
  trialTrainFlags,
} from "../../src/explore/trial-train-flags.js";
import { balancedClassWeights as trainClassWeights } from "../../src/fit/plan.js";
import type { Recipe } from "../../src/fit/recipe.js";
import type { Configuration } from "../../src/search/index.js";
import { flagArguments } from "../../src/server/jobs/model-jobs.js";

const TRAIN_ROWS = 1200;
/** Labels 90 % negative: the balanced weights are far from 1, so a wrong learning rate shows. */
const labels = Float32Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 1 : 0));
const explorerWeights = balancedClassWeights(labels, 2);
const classWeights = { weights: explorerWeights, mean: meanClassWeight(labels, explorerWeights) };

/** The fields of TrialData that trialRecipe reads (rows of the training part, the primary attribute's name). */
const data = {
  train: {
    X: { rows: TRAIN_ROWS, cols: 4 },
    sensitive: [
      { name: "race", categories: ["a", "b"], codes: new Int32Array(TRAIN_ROWS) },
      { name: "sex", categories: ["F", "M"], codes: new Int32Array(TRAIN_ROWS) },
    ],
  },
  primary: 1,
  numClasses: 2,
  inputShape: [4],
} as unknown as TrialData;

interface Case {
  name: string;
  config: Configuration;
  objectives: string[];
  delta: number;
  accountant: "rdp" | "prv";
}

const cases: Case[] = [
  {
    name: "logistic regression, non-private, no penalty",
    config: { model: "logreg", dp: false, lr: 0.7, epochs: 4, batch: 48, fairWeight: 0 },
    objectives: ["accuracy", "epsilon"],
    delta: 1e-5,
    accountant: "rdp",
  },
  {
    name: "logistic regression, private, demographic parity penalty",
    config: { model: "logreg", clip: 0.8, epsilon: 2.5, lr: 0.3, epochs: 3, batch: 96, fairWeight: 0.5 },
    objectives: ["accuracy", "epsilon", "dp"],
    delta: 1e-6,
    accountant: "prv",
  },
  {
    name: "MLP of depth 1, private, no penalty",
    config: {
      model: "mlp",
      width: 32,
      depth: 1,
      clip: 2,
      epsilon: 7,
      lr: 1.2,
      epochs: 2,
      batch: 64,
      fairWeight: 0,
    },
    objectives: ["accuracy", "epsilon"],
    delta: 1e-5,
    accountant: "rdp",
  },
  {
    name: "MLP of depth 2, non-private, equalized odds penalty (eop objective)",
    config: { model: "mlp", width: 17, depth: 2, dp: false, lr: 0.05, epochs: 6, batch: 33, fairWeight: 3 },
    objectives: ["accuracy", "eop"],
    delta: 1e-5,
    accountant: "rdp",
  },
  {
    name: "MLP of depth 2, private, equalized odds penalty, batch above the training rows",
    config: {
      model: "mlp",
      width: 8,
      depth: 2,
      clip: 1,
      epsilon: 1,
      lr: 0.2,
      epochs: 1,
      batch: 5000,
      fairWeight: 12,
    },
    objectives: ["accuracy", "epsilon", "eo"],
    delta: 1e-5,
    accountant: "rdp",
  },
  {
    name: "logistic regression, private, class-balanced",
    config: {
      model: "logreg",
      clip: 1.5,
      epsilon: 4,
      lr: 0.4,
      epochs: 3,
      batch: 80,
      fairWeight: 0,
      classWeight: "balanced",
    },
    objectives: ["accuracy", "epsilon", "balanced-accuracy"],
    delta: 1e-5,
    accountant: "rdp",
  },
  {
    name: "MLP of depth 1, non-private, class-balanced, demographic parity penalty",
    config: {
      model: "mlp",
      width: 24,
      depth: 1,
      dp: false,
      lr: 0.9,
      epochs: 2,
      batch: 50,
      fairWeight: 1.5,
      classWeight: "balanced",
    },
    objectives: ["balanced-accuracy", "dp"],
    delta: 1e-5,
    accountant: "rdp",
  },
];

/** The recipe `equipoise train` builds from the flags, through the server job's argv. */
function trainRecipeOf(flags: Record<string, boolean | number | string>): Recipe {
  const argv = ["--data=german-credit", "--sensitive=race,sex", ...flagArguments(flags)];
  const { options } = parseCommandLine(train, argv);
  return readRecipe(options as Record<string, unknown>);
}

/** Everything that defines a recipe, except the learning rate (compared per class) and the fields the module comment lists. */
function comparable(recipe: Recipe) {
  return {
    model: recipe.model,
    optimizer: {
      kind: recipe.optimizer.kind,
      schedule: recipe.optimizer.schedule,
      momentum: recipe.optimizer.momentum,
      weightDecay: recipe.optimizer.weightDecay,
    },
    epochs: recipe.epochs,
    batchSize: recipe.batchSize,
    seed: recipe.seed,
    sampling: recipe.sampling,
    privacy: recipe.privacy
      ? {
          clip: recipe.privacy.clip,
          delta: recipe.privacy.delta,
          accountant: recipe.privacy.accountant,
          targetEpsilon: recipe.privacy.targetEpsilon,
          noiseMultiplier: recipe.privacy.noiseMultiplier,
          clipping: recipe.privacy.clipping,
        }
      : null,
    fairness:
      recipe.fairness.method === "penalty"
        ? {
            method: recipe.fairness.method,
            constraint: recipe.fairness.constraint,
            weight: recipe.fairness.weight,
            attribute: recipe.fairness.attribute,
          }
        : { method: recipe.fairness.method },
  };
}

describe("a trial's train flags", () => {
  for (const [index, c] of cases.entries()) {
    test(`make the trial's recipe: ${c.name}`, () => {
      const seed = 1000 + 37 * index;
      const settings: TrialSettings = {
        delta: c.delta,
        accountant: c.accountant,
        fairness: penaltyTargetOf(c.objectives),
        noise: "seeded",
        classWeights,
      };
      const study: StudyTrainSettings = {
        delta: c.delta,
        accountant: c.accountant,
        fairness: penaltyTargetOf(c.objectives),
        primarySensitive: "sex",
        trainRows: TRAIN_ROWS,
        classWeightMean: classWeights.mean,
      };
      const expected = trialRecipe(c.config, seed, data, settings);
      const result = trialTrainFlags(c.config, seed, study);
      assert.ok(result.ok, result.ok ? "" : result.reason);
      const actual = trainRecipeOf(result.flags);
      assert.deepEqual(comparable(actual), comparable(expected));

      // The step each class takes: the learning rate times the class's weight.
      const balanced = c.config.classWeight === "balanced";
      const trialWeights = balanced ? explorerWeights : [1, 1];
      const trainWeights = balanced
        ? Array.from(trainClassWeights(labels, 2, actual.privacy !== undefined))
        : [1, 1];
      assert.equal(actual.classWeighting, balanced ? "balanced" : "none");
      for (const label of [0, 1]) {
        const trialStep = expected.optimizer.learningRate * trialWeights[label];
        const trainStep = actual.optimizer.learningRate * trainWeights[label];
        assert.ok(
          Math.abs(trialStep - trainStep) <= 1e-12 * trialStep,
          `class ${label}: the trial steps ${trialStep}, train ${trainStep}`,
        );
      }
      // The differences that do exist are said.
      if (actual.privacy) {
        assert.equal(actual.privacy.noiseSeed, undefined, "a dashboard model's noise is secure");
        assert.equal(expected.privacy?.noiseSeed, seed);
        assert.ok(result.differences.some((d) => d.includes("secure generator")));
      }
      assert.ok(result.differences.some((d) => d.includes("whole training split")));
    });
  }

  test("are refused, with the reason, for what train cannot express", () => {
    const study: StudyTrainSettings = {
      delta: 1e-5,
      accountant: "rdp",
      fairness: "demographic_parity",
      primarySensitive: "sex",
    };
    const base = { model: "logreg", clip: 1, epsilon: 2, lr: 0.1, epochs: 2, batch: 64, fairWeight: 0 };
    const reasonOf = (config: Configuration, settings = study) => {
      const result = trialTrainFlags(config, 3, settings);
      assert.equal(result.ok, false, JSON.stringify(result));
      return result.ok ? "" : result.reason;
    };
    assert.match(reasonOf({ ...base, privateMethod: "dpsgd-f", groupClipGamma: 1 }), /group-aware clipping/);
    assert.match(reasonOf({ ...base, privateMethod: "dp-fair-reductions", fairBound: 0.05 }), /private fair/);
    assert.match(reasonOf(base, { ...study, privateSelection: true }), /private selection/);
    assert.match(reasonOf({ ...base, classWeight: "balanced" }), /class weights/);
    // A non-private trial of a private selection's study has no selected noise: it is expressible.
    assert.equal(trialTrainFlags({ ...base, dp: false }, 3, { ...study, privateSelection: true }).ok, true);
    // Plain DP-SGD chosen by the interplay lever is plain DP-SGD.
    assert.equal(trialTrainFlags({ ...base, privateMethod: "dp-sgd" }, 3, study).ok, true);
  });
});
