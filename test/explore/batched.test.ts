import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { createRandom } from "../../src/common/rng.js";
import { batchPenaltyRule, referencePenaltyRule, runTrialBatch } from "../../src/explore/batched.js";
import { runTrial, type TrialData, type TrialOutcome } from "../../src/explore/trial.js";
import { loadTrialData } from "../../src/explore/trial-data.js";
import { fairnessPenaltyGradient, withReferencePenalty } from "../../src/fairness/training.js";
import { buildModel, initBackend } from "../../src/nn/index.js";
import { createAccountant, makePrivate } from "../../src/privacy/index.js";
import { trainEnsemble, trainModel } from "../../src/train/index.js";
import { relativeError } from "../nn/gradient-check.js";

let data: TrialData;
before(async () => {
  await initBackend("wasm");
  data = await loadTrialData({
    request: { data: "synthetic" },
    validationFraction: 0.2,
    splitSeed: 0,
    primarySensitive: "group",
  });
});

for (const constraint of ["demographic_parity", "equalized_odds"] as const) {
  test(`penalised members (${constraint}) equal the fairness strategies trained alone`, () => {
    const spec = "mlp:6";
    const train = { X: data.train.X, y: data.train.y };
    const groupOfRow = data.train.sensitive[data.primary].codes;
    const reference = {
      X: data.validation.X,
      labels: data.validation.y,
      groupOf: data.validation.sensitive[data.primary].codes,
    };
    const plans = [
      { seed: 21, lr: 0.5, batch: 128, epochs: 2, weight: 5 },
      { seed: 22, lr: 1.0, batch: 200, epochs: 1, weight: 20, dp: { clip: 0.5, noise: 0.8 } },
      { seed: 23, lr: 0.3, batch: 96, epochs: 2, weight: 0, dp: { clip: 1.5, noise: 1.5 } },
    ];
    const accountants = plans.map(() => createAccountant("rdp"));
    const start = tf.memory().numTensors;
    const ensemble = trainEnsemble(
      spec,
      2,
      train,
      plans.map((plan, k) => ({
        seed: plan.seed,
        learningRate: plan.lr,
        batchSize: plan.batch,
        epochs: plan.epochs,
        ...(plan.dp
          ? {
              privacy: {
                ...plan.dp,
                random: createRandom(plan.seed ^ 0x5eed_d9),
                onStep: (q: number, s: number) => accountants[k].step(q, s),
              },
            }
          : {}),
        ...(plan.weight > 0
          ? {
              outputGradients: plan.dp
                ? referencePenaltyRule({ constraint, weight: plan.weight, groupOfRow, reference })
                : batchPenaltyRule({ constraint, weight: plan.weight, groupOfRow, labels: train.y }),
            }
          : {}),
      })),
      { epochs: 1, batchSize: 1 },
    );
    plans.forEach((plan, k) => {
      const model = buildModel(spec, data.inputShape, 2, plan.seed);
      const options = {
        epochs: plan.epochs,
        batchSize: plan.batch,
        optimizer: { kind: "sgd" as const, learningRate: plan.lr },
        seed: plan.seed,
      };
      if (plan.dp) {
        const engine = makePrivate({
          model,
          trainerOptions: options,
          dataSize: train.X.rows,
          ...plan.dp,
          epochs: plan.epochs,
          seed: plan.seed,
        });
        const computer =
          plan.weight > 0
            ? withReferencePenalty(engine.gradientComputer, {
                constraint,
                weight: plan.weight,
                reference,
                groupOfRow,
              })
            : engine.gradientComputer;
        trainModel(model, train, { ...engine.trainOptions, gradientComputer: computer });
        assert.deepEqual(accountants[k].history, engine.accountant.history);
      } else {
        trainModel(model, train, {
          ...options,
          gradientComputer: fairnessPenaltyGradient({
            constraint,
            weight: plan.weight,
            groupOfRow,
            labels: train.y,
          }),
        });
      }
      const alone = model.readParameters();
      const together = ensemble.models[k].readParameters();
      alone.forEach((values, p) => {
        const error = relativeError(together[p], values);
        assert.ok(error < 1e-5, `member ${k} parameter ${p}: ${error}`);
      });
      model.dispose();
    });
    // The penalty moves the weights: without it member 0 ends elsewhere.
    const unpenalised = trainEnsemble(
      spec,
      2,
      train,
      [{ seed: 21, learningRate: 0.5, batchSize: 128, epochs: 2 }],
      {
        epochs: 1,
        batchSize: 1,
      },
    );
    assert.ok(
      relativeError(unpenalised.models[0].readParameters()[0], ensemble.models[0].readParameters()[0]) > 1e-3,
    );
    for (const model of [...ensemble.models, ...unpenalised.models]) model.dispose();
    assert.equal(tf.memory().numTensors, start);
  });
}

test("runTrialBatch gives each trial the outcome runTrial gives it alone", () => {
  const settings = { delta: 1e-5, accountant: "rdp" as const, fairness: "dp" as const };
  const base = { model: "mlp", width: 8, depth: 1, epochs: 2 };
  const jobs = [
    { config: { ...base, dp: false, lr: 0.3, batch: 128, fairWeight: 0.01 }, seed: 101 },
    { config: { ...base, dp: false, lr: 0.8, batch: 64, epochs: 1, fairWeight: 10 }, seed: 102 },
    {
      config: { ...base, dp: true, noise: 1.2, clip: 0.8, lr: 0.5, batch: 256, fairWeight: 0.01 },
      seed: 103,
    },
    { config: { ...base, dp: true, noise: 0.9, clip: 2, lr: 1.5, batch: 100, fairWeight: 30 }, seed: 104 },
    // Invalid for DP-SGD: fails alone, and so it must fail in the batch — alone.
    { config: { ...base, dp: true, noise: 0, clip: 1, lr: 0.5, batch: 64, fairWeight: 0.01 }, seed: 105 },
  ];
  const batched = runTrialBatch(jobs, data, settings);
  jobs.forEach((job, k) => {
    let alone: TrialOutcome | Error;
    try {
      alone = runTrial(job.config, job.seed, data, settings);
    } catch (error) {
      alone = error as Error;
    }
    const together = batched[k];
    if (alone instanceof Error) {
      assert.ok(together instanceof Error, `job ${k} should fail as it does alone`);
      assert.equal(together.message, alone.message);
      return;
    }
    assert.ok(!(together instanceof Error), `job ${k}: ${together instanceof Error ? together.message : ""}`);
    assert.deepEqual(together.recipe, alone.recipe);
    assert.deepEqual(together.privacy, alone.privacy);
    assert.equal(together.validation.epsilon, alone.validation.epsilon);
    for (const split of ["validation", "test"] as const) {
      const rows = data[split].X.rows;
      // Float rounding may flip a prediction or two near the boundary.
      assert.ok(Math.abs(together[split].accuracy - alone[split].accuracy) <= 3 / rows, `job ${k} ${split}`);
      assert.ok(
        Math.abs(together[split].dpDifference - alone[split].dpDifference) <= 0.01,
        `job ${k} ${split} gap`,
      );
    }
  });
  assert.ok(Number.isFinite((batched[2] as TrialOutcome).validation.epsilon));
});

test("runTrialBatch refuses trials of different model specs", () => {
  const settings = { delta: 1e-5, accountant: "rdp" as const, fairness: "dp" as const };
  const common = { dp: false, lr: 0.1, epochs: 1, batch: 64, fairWeight: 0.01 };
  assert.throws(
    () =>
      runTrialBatch(
        [
          { config: { model: "logreg", ...common }, seed: 1 },
          { config: { model: "mlp", width: 8, depth: 1, ...common }, seed: 2 },
        ],
        data,
        settings,
      ),
    /share one model spec/,
  );
});

test("explore with batched trials: every trial completes and logistic-regression trials share ensembles", async () => {
  const { explore } = await import("../../src/explore/explorer.js");
  const { parseObjectives } = await import("../../src/explore/objectives.js");
  const notes: string[] = [];
  const result = await explore({
    request: { data: "synthetic" },
    sensitive: "group",
    objectives: parseObjectives(undefined),
    constraints: [],
    strategy: "random",
    budget: 10,
    workers: 1,
    seed: 3,
    batchTrials: 5,
    onEvent: (event) => {
      if (event.kind === "note") notes.push(event.text);
    },
  });
  assert.equal(result.summary.decoded.length, 10);
  const logreg = result.summary.decoded.filter((t) => t.record.config.model === "logreg").length;
  const line = notes.find((n) => n.startsWith("batched trials"));
  assert.ok(line, notes.join("\n"));
  const [, trials, ensembles] = line.match(/(\d+) trials trained in (\d+) ensembles/)!.map(Number);
  // Only logistic-regression trials are batched, and at least two of them were queued together.
  assert.ok(trials <= logreg && ensembles >= 1 && trials >= 2, `${line}; ${logreg} logreg trials`);
});
