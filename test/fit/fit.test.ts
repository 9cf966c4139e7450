import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { UserError } from "../../src/common/errors.js";
import { prepareTask, type Split } from "../../src/data/index.js";
import { fairnessPenaltyGradient } from "../../src/fairness/penalty.js";
import {
  balancedClassWeights,
  evaluateFit,
  type FitData,
  type FitProgress,
  fitRecipe,
  PUBLIC_QUANTITIES,
  parseRecipe,
} from "../../src/fit/index.js";
import { buildModel, initBackend, Sequential } from "../../src/nn/index.js";
import { RdpAccountant } from "../../src/privacy/accountants/rdp.js";
import { evaluateModel, trainModel } from "../../src/train/index.js";

let data: FitData;
let test_: Split;
before(async () => {
  await initBackend("wasm");
  const task = await prepareTask({ data: "synthetic" });
  data = { train: task.train, numClasses: 2, inputShape: [task.train.X.cols] };
  test_ = task.test;
});

const sameWeights = (a: Float32Array[], b: Float32Array[]) =>
  a.forEach((values, p) => {
    assert.deepEqual(Buffer.from(values.buffer), Buffer.from(b[p].buffer), `parameter ${p}`);
  });

test("fitRecipe trains what the recipe says: the same weights as the trainer run by hand", () => {
  const recipe = parseRecipe({
    model: "mlp:5",
    optimizer: { kind: "sgd", learningRate: 0.3, momentum: 0.5, schedule: "cosine" },
    epochs: 2,
    batchSize: 64,
    seed: 4,
    fairness: { method: "penalty", constraint: "dp", weight: 3 },
  });
  const start = tf.memory().numTensors;
  const fitted = fitRecipe(recipe, data);
  const model = buildModel("mlp:5", data.inputShape, 2, 4);
  const result = trainModel(model, data.train, {
    epochs: 2,
    batchSize: 64,
    optimizer: { kind: "sgd", learningRate: 0.3, momentum: 0.5, weightDecay: 0, schedule: "cosine" },
    seed: 4,
    sampling: "shuffle",
    gradientComputer: fairnessPenaltyGradient({
      constraint: "demographic_parity",
      weight: 3,
      groupOfRow: data.train.sensitive[0].codes,
      labels: data.train.y,
    }),
  });
  sameWeights(fitted.model.readParameters(), model.readParameters());
  assert.equal(fitted.training.steps, result.steps);
  assert.equal(fitted.training.history.length, 2);
  assert.equal(fitted.training.history[1].trainLoss, result.history[1].trainLoss);
  assert.deepEqual(fitted.fairness, {
    method: "penalty",
    constraint: "demographic_parity",
    weight: 3,
    attribute: "group",
    statistics: "batch",
  });
  assert.equal(fitted.privacy, undefined);
  model.dispose();
  fitted.model.dispose();
  assert.equal(tf.memory().numTensors, start);
});

test("a private recipe always comes back with its privacy report, and without its training loss", () => {
  const progress: FitProgress[] = [];
  const recipe = {
    model: "logreg",
    optimizer: { kind: "sgd" as const, learningRate: 0.5 },
    epochs: 2,
    batchSize: 140,
    privacy: { noiseMultiplier: 1.1, clip: 1, noiseSeed: 3 },
  };
  const fitted = fitRecipe(recipe, data, { onProgress: (p) => progress.push(p) });
  const privacy = fitted.privacy!;
  // q = 140/2800 = 0.05, round(1/q) = 20 steps per epoch: an independent accountant agrees.
  const reference = new RdpAccountant();
  reference.step(0.05, 1.1, 40);
  assert.equal(privacy.steps, 40);
  assert.equal(privacy.epsilon, reference.epsilon(1e-5));
  assert.equal(privacy.noiseSource, "seeded");
  assert.equal(privacy.suitableForRelease, false);
  assert.deepEqual(privacy.publicQuantities, PUBLIC_QUANTITIES);
  assert.equal(privacy.trainRows, 2800);
  for (const record of fitted.training.history) assert.equal("trainLoss" in record, false);
  assert.ok(progress.length >= 2);
  for (const p of progress) assert.equal(p.trainLoss, undefined);
  // Seeded noise and sampling: reproducible.
  const again = fitRecipe(recipe, data);
  sameWeights(again.model.readParameters(), fitted.model.readParameters());
  // Without a seed the noise is secure (and the run differs).
  const secure = fitRecipe({ ...recipe, privacy: { noiseMultiplier: 1.1, clip: 1 } }, data);
  assert.equal(secure.privacy?.noiseSource, "secure");
  assert.equal(secure.privacy?.suitableForRelease, true);
  for (const m of [fitted.model, again.model, secure.model]) m.dispose();
});

test("progress reports steps out of the run's total, even when epochs are shorter than a batch-event interval", () => {
  const progress: FitProgress[] = [];
  const fitted = fitRecipe({ epochs: 3, batchSize: 1000 }, data, { onProgress: (p) => progress.push(p) });
  // 2800 rows in batches of 1000: 3 batches per epoch, 9 steps.
  assert.deepEqual(
    progress.map((p) => [p.epoch, p.step, p.totalSteps]),
    [
      [1, 3, 9],
      [2, 6, 9],
      [3, 9, 9],
    ],
  );
  assert.ok(progress.every((p) => typeof p.trainLoss === "number"));
  fitted.model.dispose();
});

test("DP + fairness penalty: the reference split is held out of training and labelled as not covered", () => {
  const recipe = {
    model: "logreg",
    optimizer: { kind: "sgd" as const, learningRate: 0.5 },
    epochs: 1,
    batchSize: 64,
    seed: 2,
    privacy: { noiseMultiplier: 1, clip: 1, noiseSeed: 1 },
    fairness: { method: "penalty" as const, constraint: "eo" as const, weight: 5, referenceFraction: 0.2 },
  };
  const carved = fitRecipe(recipe, data);
  // Stratified: round(0.2 × 2800) = 560 reference rows, the other 2240 trained on.
  assert.equal(carved.training.trainRows, 2240);
  assert.equal(carved.privacy?.trainRows, 2240);
  assert.equal(carved.privacy?.sampleRate, 64 / 2240);
  assert.deepEqual(carved.fairness && "reference" in carved.fairness && carved.fairness.reference, {
    rows: 560,
    fraction: 0.2,
    seed: 2,
    coveredByEpsilon: false,
    note: carved.privacy?.notCoveredByEpsilon[0].replace("fairness reference split: ", ""),
  });
  // A reference split given by the caller (the explorer's validation split) is used as is.
  const given = fitRecipe(recipe, { ...data, reference: test_ });
  assert.equal(given.training.trainRows, 2800);
  assert.equal(given.fairness && "reference" in given.fairness && given.fairness.reference?.rows, 1200);
  carved.model.dispose();
  given.model.dispose();
});

test("class weighting: scikit-learn's balanced weights, scaled to a largest weight of 1 under DP", () => {
  const y = Float32Array.from([0, 0, 0, 1]);
  assert.deepEqual(Array.from(balancedClassWeights(y, 2, false)), [4 / 6, 4 / 2]);
  assert.deepEqual(Array.from(balancedClassWeights(y, 2, true)), [1 / 3, 1]);
  // The fit trains on exactly those weights.
  const weights = balancedClassWeights(data.train.y, 2, false);
  const fitted = fitRecipe({ classWeighting: "balanced", epochs: 1 }, data);
  const model = buildModel("logreg", data.inputShape, 2, 0);
  trainModel(
    model,
    { ...data.train, sampleWeights: Float32Array.from(data.train.y, (label) => weights[label]) },
    {
      epochs: 1,
      batchSize: 128,
      optimizer: { kind: "adam", learningRate: 0.01, weightDecay: 0, schedule: "cosine" },
      seed: 0,
      sampling: "shuffle",
    },
  );
  sameWeights(fitted.model.readParameters(), model.readParameters());
  // Private and balanced: the class counts are labelled as not covered.
  const dp = fitRecipe(
    { classWeighting: "balanced", epochs: 1, privacy: { noiseMultiplier: 1, clip: 1, noiseSeed: 1 } },
    data,
  );
  assert.match(dp.privacy!.notCoveredByEpsilon.join(" "), /class frequencies/);
  for (const m of [fitted.model, model, dp.model]) m.dispose();
});

test("reweighing (Kamiran–Calders) narrows the test demographic parity gap of the synthetic biased data", () => {
  const recipe = {
    optimizer: { kind: "sgd" as const, learningRate: 0.2, schedule: "constant" as const },
    batchSize: 64,
  };
  const plain = fitRecipe(recipe, data);
  const fair = fitRecipe({ ...recipe, fairness: { method: "reweighing" } }, data);
  const gap = (fitted: typeof plain) => evaluateFit(fitted.model, test_, { numClasses: 2 }).dpDifference;
  const before = gap(plain);
  const after = gap(fair);
  assert.ok(before > 0.05 && after < 0.8 * before, `gap ${before} → ${after}`);
  assert.deepEqual(fair.fairness, { method: "reweighing", attribute: "group" });
  plain.model.dispose();
  fair.model.dispose();
});

test("divergence stops the run with one clear error: non-private (loss) and private (parameters)", () => {
  const start = tf.memory().numTensors;
  assert.throws(
    () => fitRecipe({ optimizer: { kind: "sgd", learningRate: 1e308 }, epochs: 3 }, data),
    (e: unknown) =>
      e instanceof UserError &&
      e.message === "training diverged: the loss is not finite at epoch 1 (learning rate 1e+308 too large?)",
  );
  assert.throws(
    () =>
      fitRecipe(
        { epochs: 3, privacy: { noiseMultiplier: 1, clip: 1e308, noiseSeed: 1 }, batchSize: 280 },
        data,
      ),
    (e: unknown) =>
      e instanceof UserError &&
      /^training diverged: the parameters are not finite at epoch 1 \(learning rate 0\.01 or clipping norm 1e\+308 too large\?\)$/.test(
        e.message,
      ),
  );
  assert.equal(tf.memory().numTensors, start);
});

test("evaluateFit: the shared metrics agree with the trainer's own evaluation; mismatches and NaN scores are refused", () => {
  const fitted = fitRecipe({ epochs: 2 }, data);
  const evaluation = evaluateFit(fitted.model, test_, { numClasses: 2 });
  const reference = evaluateModel(fitted.model, test_);
  assert.equal(evaluation.accuracy, reference.accuracy);
  assert.ok(Math.abs(evaluation.loss - reference.loss) < 1e-9);
  for (const group of reference.groups) {
    const mine = evaluation.perGroup[group.attribute][group.group];
    assert.equal(mine.count, group.count);
    assert.ok(Math.abs(mine.accuracy - group.accuracy) < 1e-12);
  }
  // Demographic parity difference by hand from the selection rates.
  const rates = Object.values(evaluation.perGroup.group).map((g) => g.selectionRate);
  assert.ok(Math.abs(evaluation.dpDifference - (Math.max(...rates) - Math.min(...rates))) < 1e-12);
  assert.equal(evaluation.epsilon, Number.POSITIVE_INFINITY);
  assert.equal(
    evaluation.fairness?.analyses[0].measures.demographicParityDifference,
    evaluation.dpDifference,
  );
  assert.throws(
    () => evaluateFit(fitted.model, test_, { numClasses: 3 }),
    /model\/data mismatch: the model predicts 2 classes, the data's target has 3/,
  );
  const huge = new Sequential(
    fitted.model.architecture,
    fitted.model.readParameters().map((p) => p.map((_, i) => (i % 2 ? -3e38 : 3e38))),
  );
  assert.throws(
    () => evaluateFit(huge, test_, { numClasses: 2 }),
    /the model gives non-finite scores \(NaN or infinite\) on \d+ of 1200 rows/,
  );
  huge.dispose();
  fitted.model.dispose();
});

test("fitRecipe refuses what it cannot train in one line", () => {
  const cases: [Parameters<typeof fitRecipe>[0], FitData, RegExp][] = [
    [
      { fairness: { method: "penalty", constraint: "dp" } },
      { ...data, numClasses: 3 },
      /needs a binary target/,
    ],
    [
      { fairness: { method: "reweighing", attribute: "sex" } },
      data,
      /'sex' is not a sensitive attribute of the data \(known: group\)/,
    ],
    [
      { fairness: { method: "reweighing" } },
      { ...data, train: { ...data.train, sensitive: [] } },
      /needs a sensitive attribute/,
    ],
    [
      { batchSize: 5000, privacy: { noiseMultiplier: 1, clip: 1 } },
      data,
      /batch size 5000 is larger than the 2800/,
    ],
    [{ epochs: 0 }, data, /recipe: epochs must be a whole number ≥ 1, got 0/],
  ];
  for (const [recipe, fitData, message] of cases) {
    assert.throws(
      () => fitRecipe(recipe, fitData),
      (e: unknown) => e instanceof UserError && message.test(e.message),
      JSON.stringify(recipe),
    );
  }
});
