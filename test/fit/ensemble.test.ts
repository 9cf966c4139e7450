import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { prepareTask, type Split, splitValidation } from "../../src/data/index.js";
import {
  ensembleKey,
  type FitData,
  fitRecipe,
  fitRecipes,
  planFit,
  type RecipeInput,
} from "../../src/fit/index.js";
import { initBackend } from "../../src/nn/index.js";
import { relativeError } from "../nn/gradient-check.js";

let train: Split;
let reference: Split;
before(async () => {
  await initBackend("wasm");
  const task = await prepareTask({ data: "synthetic" });
  ({ train, validation: reference } = splitValidation(task.train, 0.2, 0));
});

const sgd = (learningRate: number, schedule: "constant" | "cosine" = "constant") => ({
  kind: "sgd" as const,
  learningRate,
  schedule,
});

function assertSameFits(recipes: RecipeInput[], data: FitData, batched: boolean[]) {
  const start = tf.memory().numTensors;
  const together = fitRecipes(recipes, data);
  recipes.forEach((recipe, k) => {
    const alone = fitRecipe(recipe, data);
    const mine = together[k];
    assert.equal(
      mine.training.gradient.startsWith("ensemble("),
      batched[k],
      `recipe ${k}: ${mine.training.gradient}`,
    );
    assert.deepEqual(mine.recipe, alone.recipe);
    assert.equal(mine.training.steps, alone.training.steps, `recipe ${k} steps`);
    assert.equal(mine.training.trainRows, alone.training.trainRows);
    assert.equal(mine.training.sampleRate, alone.training.sampleRate);
    assert.deepEqual(mine.fairness, alone.fairness);
    if (alone.privacy) {
      // Same (q, σ, steps) history in the accountant, hence the same ε.
      assert.equal(mine.privacy?.epsilon, alone.privacy.epsilon);
      assert.equal(mine.privacy?.steps, alone.privacy.steps);
      assert.deepEqual(mine.privacy?.notCoveredByEpsilon, alone.privacy.notCoveredByEpsilon);
    } else {
      assert.equal(mine.privacy, undefined);
    }
    const a = alone.model.readParameters();
    const b = mine.model.readParameters();
    a.forEach((values, p) => {
      const error = relativeError(b[p], values);
      assert.ok(error < 1e-5, `recipe ${k} parameter ${p}: ${error}`);
    });
    alone.model.dispose();
  });
  for (const result of together) result.model.dispose();
  assert.equal(tf.memory().numTensors, start);
}

for (const constraint of ["dp", "eo"] as const) {
  test(`fitRecipes: an MLP ensemble (plain, ${constraint} penalties, DP-SGD, schedules) equals fitRecipe one by one`, () => {
    const data: FitData = { train, reference, numClasses: 2, inputShape: [train.X.cols] };
    const penalty = (weight: number) => ({ method: "penalty" as const, constraint, weight });
    const recipes: RecipeInput[] = [
      { model: "mlp:6", optimizer: sgd(0.5), batchSize: 128, epochs: 2, seed: 21, fairness: penalty(5) },
      {
        model: "mlp:6",
        optimizer: sgd(1.0),
        batchSize: 200,
        epochs: 1,
        seed: 22,
        privacy: { noiseMultiplier: 0.8, clip: 0.5, noiseSeed: 22 },
        fairness: penalty(20),
      },
      {
        model: "mlp:6",
        optimizer: sgd(0.3, "cosine"),
        batchSize: 96,
        epochs: 2,
        seed: 23,
        privacy: { noiseMultiplier: 1.5, clip: 1.5, noiseSeed: 23 },
      },
      { model: "mlp:6", optimizer: sgd(0.2, "cosine"), batchSize: 64, epochs: 1, seed: 24 },
      // Adam is not what the ensemble runs: fitted alone, in its place in the list.
      { model: "mlp:6", epochs: 1, seed: 25 },
    ];
    assertSameFits(recipes, data, [true, true, true, true, false]);
  });
}

test("fitRecipes: private penalised recipes carve their own reference split (ensemble subsets)", () => {
  const data: FitData = { train, numClasses: 2, inputShape: [train.X.cols] };
  const recipes: RecipeInput[] = [31, 32].map((seed) => ({
    model: "logreg",
    optimizer: sgd(0.5),
    batchSize: 64,
    epochs: 1,
    seed,
    privacy: { noiseMultiplier: 1, clip: 1, noiseSeed: seed },
    fairness: { method: "penalty", constraint: "dp", weight: 10 },
  }));
  const plans = recipes.map((recipe) => planFit(recipe, data));
  // Different seeds hold out different rows.
  assert.notDeepEqual(plans[0].rows, plans[1].rows);
  assert.equal(ensembleKey(plans[0], data), "logreg");
  assertSameFits(recipes, data, [true, true]);
});

test("ensembleKey: what the ensemble cannot reproduce is fitted alone", () => {
  const data: FitData = { train, numClasses: 2, inputShape: [train.X.cols] };
  const key = (recipe: RecipeInput) => ensembleKey(planFit(recipe, data), data);
  assert.equal(key({ model: "mlp:4,4", optimizer: sgd(0.1) }), "mlp:4,4");
  assert.equal(key({ model: "mlp:4", optimizer: { kind: "sgd", learningRate: 0.1, momentum: 0.9 } }), null);
  assert.equal(key({ model: "mlp:4" }), null); // Adam
  assert.equal(key({ model: "logreg", optimizer: sgd(0.1), classWeighting: "balanced" }), null);
  assert.equal(key({ model: "logreg", optimizer: sgd(0.1), sampling: "poisson" }), null);
  assert.equal(
    key({
      model: "logreg",
      optimizer: sgd(0.1),
      privacy: { noiseMultiplier: 1, clip: 1, clipping: "per-layer" },
    }),
    null,
  );
});
