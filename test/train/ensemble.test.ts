import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { createRandom } from "../../src/common/rng.js";
import { buildModel, initBackend } from "../../src/nn/index.js";
import { clipAndNoise, createAccountant, makePrivate, privateNoiseSource } from "../../src/privacy/index.js";
import { type TrainingData, trainEnsemble, trainModel } from "../../src/train/index.js";
import { relativeError } from "../nn/gradient-check.js";

function data(n: number, d: number, classes: number, seed: number): TrainingData {
  const random = createRandom(seed);
  const X = new Float32Array(n * d);
  random.fillNormal(X);
  const y = Float32Array.from(
    { length: n },
    (_, i) => (X[i * d] + X[i * d + 1] > 0 ? 1 : 0) + (classes > 2 && X[i * d + 2] > 0.5 ? 1 : 0),
  );
  return { X: { rows: n, cols: d, data: X }, y };
}

function subsetOf(rows: number[], source: TrainingData): TrainingData {
  const d = source.X.cols;
  const X = new Float32Array(rows.length * d);
  rows.forEach((r, i) => {
    X.set(source.X.data.subarray(r * d, r * d + d), i * d);
  });
  return { X: { rows: rows.length, cols: d, data: X }, y: Float32Array.from(rows, (r) => source.y[r]) };
}

before(async () => {
  await initBackend("wasm");
});

for (const [spec, classes] of [
  ["mlp:6,5", 2],
  ["mlp:4", 3],
] as const) {
  test(`K ${spec} models trained at once equal the same models trained one by one (${classes} classes)`, () => {
    const train = data(150, 5, classes, 1);
    const subsetA = Int32Array.from({ length: 100 }, (_, i) => i);
    const subsetB = Int32Array.from({ length: 70 }, (_, i) => 149 - 2 * i);
    const members = [
      { seed: 1, learningRate: 0.1 },
      { seed: 2, learningRate: 0.3, subset: subsetA },
      { seed: 3, learningRate: 0.05, subset: subsetB },
    ];
    const before = tf.memory().numTensors;
    const ensemble = trainEnsemble(spec, classes, train, members, { epochs: 3, batchSize: 16 });
    members.forEach((member, k) => {
      const model = buildModel(spec, [5], classes, member.seed);
      const own = member.subset ? subsetOf(Array.from(member.subset), train) : train;
      trainModel(model, own, {
        epochs: 3,
        batchSize: 16,
        optimizer: { kind: "sgd", learningRate: member.learningRate },
        seed: member.seed,
      });
      const alone = model.readParameters();
      const together = ensemble.models[k].readParameters();
      alone.forEach((values, p) => {
        assert.ok(
          relativeError(together[p], values) < 1e-5,
          `member ${k} parameter ${p}: ${relativeError(together[p], values)}`,
        );
      });
      // ... and the members really differ from one another.
      if (k > 0) assert.ok(relativeError(together[0], ensemble.models[0].readParameters()[0]) > 1e-2);
      model.dispose();
    });
    for (const model of ensemble.models) model.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
}

/** The clip-and-noise step makePrivate sets up for a seeded run with these settings. */
function privateStep(clip: number, noise: number, batchSize: number, dataSize: number, seed: number) {
  return clipAndNoise({
    clip,
    noiseMultiplier: noise,
    sampleRate: Math.min(1, batchSize / dataSize),
    dataSize,
    noise: privateNoiseSource(seed),
    accountant: createAccountant("rdp"),
  });
}

test("members with their own batch sizes, epochs and DP-SGD equal trainModel / makePrivate alone", () => {
  const train = data(120, 4, 2, 7);
  const spec = "mlp:5,3";
  const plans = [
    { seed: 11, learningRate: 0.2, batchSize: 16, epochs: 2 },
    { seed: 12, learningRate: 0.5, batchSize: 40, epochs: 3, dp: { clip: 0.3, noise: 1.1 } },
    { seed: 13, learningRate: 1.0, batchSize: 10, epochs: 1, dp: { clip: 2.0, noise: 0.7 } },
    { seed: 14, learningRate: 0.1, batchSize: 64, epochs: 4 },
  ];
  const privateSteps = plans.map((plan) =>
    plan.dp ? privateStep(plan.dp.clip, plan.dp.noise, plan.batchSize, train.X.rows, plan.seed) : null,
  );
  const before = tf.memory().numTensors;
  const ensemble = trainEnsemble(
    spec,
    2,
    train,
    plans.map((plan, k) => ({
      seed: plan.seed,
      learningRate: plan.learningRate,
      batchSize: plan.batchSize,
      epochs: plan.epochs,
      ...(privateSteps[k] ? { privacy: privateSteps[k] } : {}),
    })),
    { epochs: 1, batchSize: 1 },
  );
  plans.forEach((plan, k) => {
    const model = buildModel(spec, [4], 2, plan.seed);
    const options = {
      epochs: plan.epochs,
      batchSize: plan.batchSize,
      optimizer: { kind: "sgd" as const, learningRate: plan.learningRate },
      seed: plan.seed,
    };
    let steps: number;
    if (plan.dp) {
      const engine = makePrivate({
        model,
        trainerOptions: options,
        dataSize: train.X.rows,
        ...plan.dp,
        epochs: plan.epochs,
        seed: plan.seed,
      });
      steps = engine.train(train).result.steps;
      // The same (q, σ, steps) history, hence the same ε.
      assert.deepEqual(privateSteps[k]!.accountant.history, engine.accountant.history);
      assert.equal(privateSteps[k]!.steps, steps);
      assert.equal(ensemble.privacy[k]?.steps, steps);
      assert.equal(ensemble.privacy[k]?.sampleRate, engine.sampleRate);
    } else {
      steps = trainModel(model, train, options).steps;
      assert.equal(ensemble.privacy[k], null);
    }
    assert.equal(ensemble.memberSteps[k], steps);
    const alone = model.readParameters();
    const together = ensemble.models[k].readParameters();
    alone.forEach((values, p) => {
      const error = relativeError(together[p], values);
      assert.ok(error < 1e-5, `member ${k} parameter ${p}: ${error}`);
    });
    model.dispose();
  });
  assert.equal(ensemble.steps, Math.max(...ensemble.memberSteps));
  for (const model of ensemble.models) model.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test("an ensemble member's noise really matters: another noise stream gives other weights", () => {
  const train = data(80, 4, 2, 3);
  const member = (noiseSeed: number) => ({
    seed: 5,
    learningRate: 0.5,
    privacy: privateStep(1, 1, 16, 80, noiseSeed),
  });
  const a = trainEnsemble("logreg", 2, train, [member(1)], { epochs: 2, batchSize: 16 });
  const b = trainEnsemble("logreg", 2, train, [member(2)], { epochs: 2, batchSize: 16 });
  assert.ok(relativeError(a.models[0].readParameters()[0], b.models[0].readParameters()[0]) > 1e-2);
  for (const model of [...a.models, ...b.models]) model.dispose();
});
