import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { createRandom } from "../../src/common/rng.js";
import { fairnessPenaltyGradient } from "../../src/fairness/penalty.js";
import { withReferencePenalty } from "../../src/fairness/reference-penalty.js";
import { architectureFor, buildModel, initBackend, Sequential } from "../../src/nn/index.js";
import { createAccountant, secureGaussianNoise } from "../../src/privacy/accounting.js";
import { dpSgdGradient, seededGaussianNoise } from "../../src/privacy/index.js";
import {
  hostKernelsSupport,
  meanGradient,
  type OptimizerConfig,
  type TrainingData,
  TrainingDivergedError,
  type TrainOptions,
  trainModel,
} from "../../src/train/index.js";

/** Adult-like rows: a few numeric columns and one-hot blocks (mostly zeros), binary or k-class labels. */
function tabularData(n: number, classes = 2, seed = 0): TrainingData {
  const random = createRandom(seed);
  const numeric = 4;
  const blocks = [5, 9, 3];
  const cols = numeric + blocks.reduce((a, b) => a + b, 0);
  const data = new Float32Array(n * cols);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let score = 0;
    for (let j = 0; j < numeric; j++) {
      const value = random.normal();
      data[i * cols + j] = value;
      score += value * (j % 2 === 0 ? 1 : -0.7);
    }
    let offset = numeric;
    for (const size of blocks) {
      const level = Math.floor(random.uniform() * size);
      data[i * cols + offset + level] = 1;
      score += (level / size - 0.5) * 1.5;
      offset += size;
    }
    score += 0.5 * random.normal();
    y[i] =
      classes === 2
        ? score > 0
          ? 1
          : 0
        : Math.min(classes - 1, Math.max(0, Math.floor(score + classes / 2)));
  }
  return { X: { rows: n, cols, data }, y };
}

function trained(spec: string, data: TrainingData, classes: number, options: TrainOptions) {
  const model = buildModel(spec, [data.X.cols], classes, 3);
  const result = trainModel(model, data, options);
  const parameters = model.readParameters();
  model.dispose();
  return { result, parameters };
}

/** DP-SGD (flat clipping) at rate q of `dataSize` rows, with a fresh RDP accountant. */
function privateGradient(sampleRate: number, dataSize: number, extra: { clipping?: "per-layer" } = {}) {
  return dpSgdGradient({
    clip: 1,
    noiseMultiplier: 1,
    sampleRate,
    dataSize,
    noise: secureGaussianNoise(),
    accountant: createAccountant("rdp"),
    ...extra,
  });
}

function maxRelativeDifference(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((values, k) => {
    let difference = 0;
    let norm = 0;
    for (let i = 0; i < values.length; i++) {
      difference = Math.max(difference, Math.abs(values[i] - b[k][i]));
      norm = Math.max(norm, Math.abs(b[k][i]));
    }
    worst = Math.max(worst, difference / Math.max(norm, 1e-12));
  });
  return worst;
}

describe("training on the host kernels", () => {
  before(async () => {
    await initBackend("wasm");
  });

  const optimizers: [string, OptimizerConfig][] = [
    ["Adam", { kind: "adam", learningRate: 0.01 }],
    [
      "Adam, weight decay, cosine",
      { kind: "adam", learningRate: 0.01, weightDecay: 1e-3, schedule: "cosine" },
    ],
    ["SGD", { kind: "sgd", learningRate: 0.2 }],
    [
      "SGD, Nesterov momentum, weight decay",
      { kind: "sgd", learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 },
    ],
  ];
  for (const [name, optimizer] of optimizers) {
    test(`follows the tensor engine's training to rounding: ${name}`, () => {
      const data = tabularData(400);
      for (const spec of ["logreg", "mlp:16,8"]) {
        const options: TrainOptions = { epochs: 3, batchSize: 32, optimizer, seed: 5 };
        const host = trained(spec, data, 2, { ...options, engine: "host-kernels" });
        const tensors = trained(spec, data, 2, { ...options, engine: "tensor-ops" });
        assert.equal(host.result.engine, "host-kernels");
        assert.equal(tensors.result.engine, "tensor-ops");
        assert.ok(maxRelativeDifference(host.parameters, tensors.parameters) < 1e-4, `${spec} parameters`);
        host.result.history.forEach((record, k) => {
          const reference = tensors.result.history[k].trainLoss as number;
          assert.ok(
            Math.abs((record.trainLoss as number) - reference) < 1e-5 * (1 + reference),
            `${spec} loss`,
          );
        });
        assert.equal(host.result.steps, tensors.result.steps);
      }
    });
  }

  test("softmax over several classes, sample weights, Poisson batches (empty ones too) and two dense layers without a ReLU between", () => {
    const data = tabularData(300, 4, 1);
    data.sampleWeights = Float32Array.from({ length: 300 }, (_, i) => 0.25 + (i % 4));
    const architecture = architectureFor("mlp:12", [data.X.cols], 4);
    // dense → dense (no ReLU) → ReLU → dense: the backward pass must not mask the first product
    architecture.layers.unshift({ type: "dense", units: 10 });
    for (const sampling of ["shuffle", "poisson"] as const) {
      const run = (engine: "host-kernels" | "tensor-ops") => {
        const model = new Sequential(architecture, { seed: 2 });
        const result = trainModel(model, data, {
          epochs: 3,
          batchSize: sampling === "poisson" ? 2 : 16, // q = 2/300: some Poisson batches are empty
          optimizer: { kind: "adam", learningRate: 0.02 },
          seed: 4,
          sampling,
          engine,
        });
        const parameters = model.readParameters();
        model.dispose();
        return { result, parameters };
      };
      const host = run("host-kernels");
      const tensors = run("tensor-ops");
      assert.ok(maxRelativeDifference(host.parameters, tensors.parameters) < 1e-4, sampling);
      assert.ok(
        Math.abs(
          (host.result.history[2].trainLoss as number) - (tensors.result.history[2].trainLoss as number),
        ) < 1e-5,
      );
    }
  });

  test("bit-identical with the same seed, and leaks no tensors with validation and early stopping", () => {
    const data = tabularData(200);
    const validation = tabularData(60, 2, 9);
    const before = tf.memory().numTensors;
    const run = () =>
      trained("mlp:8,8", data, 2, {
        epochs: 6,
        batchSize: 16,
        optimizer: { kind: "adam", learningRate: 0.05 },
        seed: 1,
        validation,
        earlyStopping: { patience: 1 },
      });
    const first = run();
    const second = run();
    first.parameters.forEach((values, k) => {
      assert.deepEqual(values, second.parameters[k]);
    });
    assert.equal(first.result.engine, "host-kernels");
    assert.equal(first.result.finalEpoch, second.result.finalEpoch);
    assert.equal(tf.memory().numTensors, before);
  });

  test("automatic engine: host kernels for dense ReLU networks with the mean gradient or DP-SGD, tensor ops otherwise", () => {
    const data = tabularData(64);
    const options: TrainOptions = {
      epochs: 1,
      batchSize: 16,
      optimizer: { kind: "sgd", learningRate: 0.1 },
      seed: 0,
    };
    assert.equal(trained("mlp:8", data, 2, options).result.engine, "host-kernels");
    assert.equal(trained("logreg", data, 2, options).result.engine, "host-kernels");
    const tanh = new Sequential(
      {
        inputShape: [data.X.cols],
        layers: [{ type: "dense", units: 8 }, { type: "tanh" }, { type: "dense", units: 1 }],
        loss: "binary-cross-entropy",
      },
      { seed: 0 },
    );
    assert.equal(trainModel(tanh, data, options).engine, "tensor-ops");
    const privateRun = trained("mlp:8", data, 2, {
      ...options,
      sampling: "poisson",
      gradientComputer: privateGradient(16 / 64, 64),
    });
    assert.equal(privateRun.result.engine, "host-kernels"); // DP-SGD, flat clipping
    const observed = trained("mlp:8", data, 2, {
      ...options,
      sampling: "poisson",
      gradientComputer: privateGradient(16 / 64, 64, { clipping: "per-layer" }),
    });
    assert.equal(observed.result.engine, "tensor-ops"); // per-layer clipping stays on tensor ops
    assert.throws(
      () =>
        trained("mlp:8", data, 2, {
          ...options,
          engine: "host-kernels",
          gradientComputer: { name: "custom", compute: meanGradient.compute },
        }),
      /the host kernels cannot compute the gradient custom \(it has no host rule\)/,
    );
    assert.equal(hostKernelsSupport(architectureFor("mlp:8", [6], 2)), undefined);
    assert.match(
      hostKernelsSupport(architectureFor("cnn:4,4", [8, 8, 1], 2)) ?? "",
      /input that is not flat/,
    );
    assert.throws(
      () => trainModel(tanh, data, { ...options, engine: "host-kernels" }),
      /host kernels cannot train this model: it has a tanh layer/,
    );
    tanh.dispose();
  });

  test("DP-SGD (flat clipping) follows the tensor engine's to rounding: same noise, same accounting, clipping active", () => {
    const data = tabularData(400);
    data.sampleWeights = Float32Array.from({ length: 400 }, (_, i) => 0.5 + (i % 2));
    for (const spec of ["logreg", "mlp:16,8"]) {
      const run = (engine: "host-kernels" | "tensor-ops") => {
        const accountant = createAccountant("rdp");
        const computer = dpSgdGradient({
          clip: 0.05, // below most per-example norms: the clipping decides the step
          noiseMultiplier: 0.8,
          sampleRate: 40 / 400,
          dataSize: 400,
          noise: seededGaussianNoise(11),
          accountant,
        });
        const model = buildModel(spec, [data.X.cols], 2, 3);
        const result = trainModel(model, data, {
          epochs: 3,
          batchSize: 40,
          sampling: "poisson",
          optimizer: { kind: "sgd", learningRate: 0.5, momentum: 0.5 },
          seed: 7,
          gradientComputer: computer,
          lossIsPrivate: true,
          engine,
        });
        const parameters = model.readParameters();
        model.dispose();
        return { result, parameters, epsilon: accountant.spent(1e-5), steps: computer.timings.steps };
      };
      const host = run("host-kernels");
      const tensors = run("tensor-ops");
      assert.equal(host.result.engine, "host-kernels");
      assert.equal(tensors.result.engine, "tensor-ops");
      assert.ok(maxRelativeDifference(host.parameters, tensors.parameters) < 1e-4, spec);
      assert.deepEqual(host.epsilon, tensors.epsilon);
      assert.equal(host.steps, tensors.result.steps);
      assert.equal(host.steps, host.result.steps);
      assert.equal(host.result.history[0].trainLoss, undefined);
    }
  });

  test("fairness penalties follow the tensor engine's to rounding: the batch penalty, and the reference penalty around DP-SGD", () => {
    const data = tabularData(400, 2, 3);
    data.sampleWeights = Float32Array.from({ length: 400 }, (_, i) => 0.5 + (i % 3));
    const groupOfRow = Int32Array.from({ length: 400 }, (_, i) =>
      data.X.data[i * data.X.cols + 4] === 1 ? 1 : 0,
    );
    const referenceData = tabularData(120, 2, 4);
    const reference = {
      X: referenceData.X,
      labels: referenceData.y,
      groupOf: Int32Array.from({ length: 120 }, (_, i) =>
        referenceData.X.data[i * referenceData.X.cols + 4] === 1 ? 1 : 0,
      ),
    };
    const computers = {
      batch: () =>
        fairnessPenaltyGradient({ constraint: "demographic_parity", weight: 2, groupOfRow, labels: data.y }),
      "reference around DP-SGD": () =>
        withReferencePenalty(
          dpSgdGradient({
            clip: 0.5,
            noiseMultiplier: 0.7,
            sampleRate: 40 / 400,
            dataSize: 400,
            noise: seededGaussianNoise(3),
            accountant: createAccountant("rdp"),
          }),
          { constraint: "equalized_odds", weight: 3, reference, groupOfRow, refreshEvery: 4 },
        ),
    };
    for (const [name, computer] of Object.entries(computers)) {
      const run = (engine: "host-kernels" | "tensor-ops") =>
        trained("mlp:12", data, 2, {
          epochs: 3,
          batchSize: 40,
          sampling: name === "batch" ? "shuffle" : "poisson",
          optimizer: { kind: "sgd", learningRate: 0.3 },
          seed: 2,
          gradientComputer: computer(),
          engine,
        });
      const host = run("host-kernels");
      const tensors = run("tensor-ops");
      assert.equal(host.result.engine, "host-kernels", name);
      assert.ok(maxRelativeDifference(host.parameters, tensors.parameters) < 1e-4, name);
      host.result.history.forEach((record, k) => {
        const reference = tensors.result.history[k].trainLoss as number;
        assert.ok(
          Math.abs((record.trainLoss as number) - reference) < 1e-5 * (1 + reference),
          `${name} loss`,
        );
      });
    }
  });

  test("DP-SGD on the host kernels refuses batches its accounting does not describe", () => {
    const data = tabularData(100);
    const computer = privateGradient(0.1, 100);
    assert.throws(
      () =>
        trained("mlp:4", data, 2, {
          epochs: 1,
          batchSize: 20,
          sampling: "poisson",
          optimizer: { kind: "sgd", learningRate: 0.1 },
          seed: 0,
          gradientComputer: computer,
          engine: "host-kernels",
        }),
      /set up for Poisson sampling at rate 0.1 of 100 examples, but the trainer's batches expect 20 of 100/,
    );
  });

  test("a diverging run stops with the trainer's message", () => {
    const data = tabularData(100);
    assert.throws(
      () =>
        trained("mlp:8", data, 2, {
          epochs: 3,
          batchSize: 10,
          optimizer: { kind: "sgd", learningRate: 1e30 },
          seed: 0,
          engine: "host-kernels",
        }),
      (error: unknown) => error instanceof TrainingDivergedError && error.epoch === 1,
    );
  });
});
