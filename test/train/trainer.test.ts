import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { createRandom } from "../../src/common/rng.js";
import { buildModel, initBackend, labelTensor } from "../../src/nn/index.js";
import {
  createOptimizer,
  evaluateModel,
  type GradientComputer,
  learningRateAt,
  meanGradient,
  parametersAreFinite,
  poissonBatches,
  type TrainingData,
  TrainingDivergedError,
  type TrainingEvent,
  trainModel,
} from "../../src/train/index.js";
import { registerAutodiffGradients } from "../nn/autodiff-gradients.js";
import { autodiffExampleGradient, relativeError } from "../nn/gradient-check.js";

/** Linearly separable-ish binary data: y = [x·β + noise > 0]. */
function syntheticData(n: number, d: number, seed: number, noise = 0.3): TrainingData {
  const random = createRandom(seed);
  const data = new Float32Array(n * d);
  random.fillNormal(data);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += data[i * d + j] * (j % 3 === 0 ? 1 : -0.5);
    y[i] = s + noise * random.normal() > 0 ? 1 : 0;
  }
  return { X: { rows: n, cols: d, data }, y };
}

describe("trainer", () => {
  before(async () => {
    await registerAutodiffGradients();
    await initBackend("wasm");
  });

  test("the same seed gives bit-identical weights; another seed does not", () => {
    const data = syntheticData(300, 6, 1);
    const run = (seed: number) => {
      const model = buildModel("mlp:8", [6], 2, seed);
      trainModel(model, data, {
        epochs: 2,
        batchSize: 32,
        optimizer: { kind: "adam", learningRate: 0.01 },
        seed,
      });
      const weights = model.readParameters();
      model.dispose();
      return weights;
    };
    const a = run(3);
    const b = run(3);
    const c = run(4);
    a.forEach((w, k) => {
      assert.deepEqual(Buffer.from(w.buffer), Buffer.from(b[k].buffer));
    });
    assert.notDeepEqual(a[0], c[0]);
  });

  test("training loops leak no tensors (sgd+momentum, adam, poisson, weights, validation, early stopping)", () => {
    const data = syntheticData(200, 5, 2);
    data.sampleWeights = Float32Array.from({ length: 200 }, (_, i) => 0.5 + (i % 3));
    const validation = syntheticData(50, 5, 3);
    const before = tf.memory().numTensors;
    for (const optimizer of [
      { kind: "sgd", learningRate: 0.1, momentum: 0.9, weightDecay: 1e-3, nesterov: true } as const,
      { kind: "adam", learningRate: 0.01, weightDecay: 1e-3 } as const,
    ]) {
      for (const sampling of ["shuffle", "poisson"] as const) {
        const model = buildModel("mlp:4,4", [5], 2, 0);
        trainModel(model, data, {
          epochs: 3,
          batchSize: 16,
          optimizer,
          seed: 1,
          sampling,
          validation,
          earlyStopping: { patience: 1 },
        });
        model.dispose();
      }
    }
    assert.equal(tf.memory().numTensors, before);
  });

  test("learns a separable problem", () => {
    const data = syntheticData(2000, 8, 5, 0.1);
    const test = syntheticData(1000, 8, 6, 0.1);
    const model = buildModel("logreg", [8], 2, 0);
    const result = trainModel(model, data, {
      epochs: 5,
      batchSize: 64,
      optimizer: { kind: "sgd", learningRate: 0.5 },
      seed: 0,
    });
    assert.ok(result.history[4].trainLoss! < result.history[0].trainLoss!);
    assert.ok(evaluateModel(model, test).accuracy > 0.95);
    model.dispose();
  });

  test("softmax models with more than two classes learn too", () => {
    const random = createRandom(9);
    const n = 900;
    const X = new Float32Array(n * 2);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 3;
      X[2 * i] = Math.cos((2 * Math.PI * y[i]) / 3) * 2 + 0.3 * random.normal();
      X[2 * i + 1] = Math.sin((2 * Math.PI * y[i]) / 3) * 2 + 0.3 * random.normal();
    }
    const data = { X: { rows: n, cols: 2, data: X }, y };
    const model = buildModel("mlp:8", [2], 3, 0);
    trainModel(model, data, {
      epochs: 10,
      batchSize: 32,
      optimizer: { kind: "adam", learningRate: 0.05 },
      seed: 0,
    });
    assert.ok(evaluateModel(model, data).accuracy > 0.97);
    model.dispose();
  });

  test("meanGradient is (1/B) Σ wᵢ ∇ℓᵢ, against autodiff", () => {
    const data = syntheticData(7, 4, 8);
    const model = buildModel("mlp:3", [4], 2, 1);
    const weights = Float32Array.from([1, 0, 2, 0.5, 3, 1, 0.25]);
    const x = tf.tensor(data.X.data, [7, 4]);
    const labels = labelTensor(model.architecture.loss, data.y);
    const sampleWeights = tf.tensor1d(weights);
    const result = meanGradient.compute(model, {
      x,
      labels,
      sampleWeights,
      weightSum: weights.reduce((a, b) => a + b, 0),
      indices: Int32Array.from([0, 1, 2, 3, 4, 5, 6]),
      expectedBatchSize: 7,
      datasetSize: 7,
    });
    const got = Float32Array.from(result.gradients.flatMap((g) => Array.from(g.dataSync())));
    const expected = new Float64Array(got.length);
    for (let i = 0; i < 7; i++) {
      const g = autodiffExampleGradient(model, x, labels, i);
      for (let p = 0; p < g.length; p++) expected[p] += (weights[i] * g[p]) / 7;
    }
    assert.ok(relativeError(got, expected) < 1e-4);
    const losses = model.losses(x, labels).dataSync();
    const lossSum = Array.from(losses).reduce((s, l, i) => s + weights[i] * l, 0);
    assert.ok(Math.abs(result.lossSum.dataSync()[0] - lossSum) < 1e-4 * lossSum);
    tf.dispose([x, labels, sampleWeights, result.lossSum, ...result.gradients]);
    model.dispose();
  });

  test("a plug-in gradient computer sees every training index once per shuffled epoch", () => {
    const data = syntheticData(103, 3, 4);
    const seen: number[] = [];
    const zero: GradientComputer = {
      name: "zero",
      compute(model, batch) {
        seen.push(...batch.indices);
        assert.equal(batch.x.shape[0], batch.indices.length);
        return {
          gradients: model.parameters().map((p) => tf.zerosLike(p)),
          lossSum: tf.scalar(0),
          count: batch.indices.length,
        };
      },
    };
    const model = buildModel("logreg", [3], 2, 0);
    const initial = model.readParameters();
    trainModel(model, data, {
      epochs: 2,
      batchSize: 10,
      optimizer: { kind: "sgd", learningRate: 1 },
      seed: 0,
      gradientComputer: zero,
    });
    assert.deepEqual(model.readParameters(), initial);
    assert.equal(seen.length, 206);
    assert.deepEqual(
      [...new Set(seen.slice(0, 103))].sort((a, b) => a - b),
      Array.from({ length: 103 }, (_, i) => i),
    );
    model.dispose();
  });

  test("early stopping stops when validation loss stops improving and restores the best epoch", () => {
    const data = syntheticData(400, 5, 10, 0.1);
    const flipped = syntheticData(200, 5, 11, 0.1);
    // Validation labels disagree with the training signal: its loss rises as the model learns.
    flipped.y = flipped.y.map((v) => 1 - v);
    const model = buildModel("logreg", [5], 2, 0);
    const perEpoch: Float32Array[][] = [];
    const result = trainModel(model, data, {
      epochs: 20,
      batchSize: 20,
      optimizer: { kind: "sgd", learningRate: 0.5 },
      seed: 0,
      validation: flipped,
      earlyStopping: { patience: 2 },
      onProgress: (event) => {
        if (event.kind === "epoch") perEpoch.push(model.readParameters());
      },
    });
    assert.ok(result.stoppedEarly);
    assert.equal(result.history.length, 3);
    assert.equal(result.finalEpoch, 1);
    assert.deepEqual(model.readParameters(), perEpoch[0]);
    model.dispose();
  });

  test("Poisson batches include each example with probability q", () => {
    const sampler = poissonBatches(1000, 50, createRandom(1));
    assert.equal(sampler.batchesPerEpoch, 20);
    const counts = new Float64Array(1000);
    let batches = 0;
    const sizes: number[] = [];
    for (let e = 0; e < 50; e++) {
      for (const batch of sampler.epoch()) {
        batches++;
        sizes.push(batch.length);
        for (const i of batch) counts[i]++;
        for (let k = 1; k < batch.length; k++) assert.ok(batch[k] > batch[k - 1]);
      }
    }
    const meanSize = sizes.reduce((a, b) => a + b, 0) / batches;
    // mean of 1000 batch sizes ~ Binomial(1000, 0.05): sd of the mean ≈ 0.22
    assert.ok(Math.abs(meanSize - 50) < 1.5, `mean batch size ${meanSize}`);
    const variance = sizes.reduce((s, v) => s + (v - meanSize) ** 2, 0) / (batches - 1);
    assert.ok(Math.abs(variance - 47.5) < 10, `batch size variance ${variance}`);
    const inclusion = counts.map((c) => c / batches);
    const meanInclusion = inclusion.reduce((a, b) => a + b, 0) / 1000;
    assert.ok(Math.abs(meanInclusion - 0.05) < 0.002);
  });

  test("optimizers follow PyTorch's update rules (hand-computed reference)", () => {
    const p0 = [0.5, -1.0];
    const grads = [
      [0.1, -0.2],
      [0.3, 0.05],
      [-0.2, 0.4],
    ];
    const run = (config: Parameters<typeof createOptimizer>[0]) => {
      const optimizer = createOptimizer(config);
      let params: tf.Tensor[] = [tf.tensor1d(p0)];
      for (const g of grads) {
        const gt = tf.tensor1d(g);
        const next = optimizer.step(params, [gt]);
        tf.dispose([...params, gt]);
        params = next;
      }
      const out = Array.from(params[0].dataSync());
      tf.dispose(params);
      optimizer.dispose();
      return out;
    };
    // SGD, momentum 0.9, weight decay 0.1, lr 0.1
    const sgd = p0.map((p, k) => {
      let v = 0;
      let x = p;
      for (const g of grads) {
        const gd = g[k] + 0.1 * x;
        v = 0.9 * v + gd;
        x -= 0.1 * v;
      }
      return x;
    });
    assert.ok(
      relativeError(run({ kind: "sgd", learningRate: 0.1, momentum: 0.9, weightDecay: 0.1 }), sgd) < 1e-6,
    );
    const adam = p0.map((p, k) => {
      let m = 0;
      let v = 0;
      let x = p;
      grads.forEach((g, t) => {
        m = 0.9 * m + 0.1 * g[k];
        v = 0.999 * v + 0.001 * g[k] ** 2;
        const mh = m / (1 - 0.9 ** (t + 1));
        const vh = v / (1 - 0.999 ** (t + 1));
        x -= (0.01 * mh) / (Math.sqrt(vh) + 1e-8);
      });
      return x;
    });
    assert.ok(relativeError(run({ kind: "adam", learningRate: 0.01 }), adam) < 1e-5);
  });

  test("Adam's host-memory update and its tensor-op update follow the same reference, weight decay and schedule included", () => {
    const config = {
      kind: "adam",
      learningRate: 0.05,
      beta1: 0.8,
      beta2: 0.99,
      weightDecay: 0.1,
      schedule: "cosine",
    } as const;
    const random = createRandom(7);
    const steps = 6;
    const p0 = Array.from({ length: 5 }, () => random.normal());
    const grads = Array.from({ length: steps }, () => p0.map(() => random.normal()));
    const reference = p0.map((p, k) => {
      let [m, v, x] = [0, 0, p];
      grads.forEach((g, t) => {
        const lr = (0.05 * (1 + Math.cos((Math.PI * t) / steps))) / 2;
        const gd = g[k] + 0.1 * x;
        m = 0.8 * m + 0.2 * gd;
        v = 0.99 * v + 0.01 * gd ** 2;
        x -= (lr * (m / (1 - 0.8 ** (t + 1)))) / (Math.sqrt(v / (1 - 0.99 ** (t + 1))) + 1e-8);
      });
      return x;
    });
    for (const path of ["host-memory", "tensor-ops"] as const) {
      const optimizer = createOptimizer(config, steps, path);
      let params: tf.Tensor[] = [tf.tensor1d(p0)];
      for (const g of grads) {
        const gt = tf.tensor1d(g);
        const next = optimizer.step(params, [gt]);
        tf.dispose([...params, gt]);
        params = next;
      }
      const out = Array.from(params[0].dataSync());
      tf.dispose(params);
      optimizer.dispose();
      assert.ok(relativeError(out, reference) < 1e-5, `${path}: ${out} vs ${reference}`);
    }
  });

  test("a cosine schedule anneals η as η(1 + cos(πt/T))/2 (hand-computed reference)", () => {
    const grads = [0.4, -0.1, 0.3, 0.2];
    const optimizer = createOptimizer({ kind: "sgd", learningRate: 0.5, schedule: "cosine" }, grads.length);
    let params: tf.Tensor[] = [tf.tensor1d([1])];
    let expected = 1;
    grads.forEach((g, t) => {
      const gt = tf.tensor1d([g]);
      const next = optimizer.step(params, [gt]);
      tf.dispose([...params, gt]);
      params = next;
      expected -= ((0.5 * (1 + Math.cos((Math.PI * t) / grads.length))) / 2) * g;
    });
    assert.ok(Math.abs(params[0].dataSync()[0] - expected) < 1e-6);
    tf.dispose(params);
    optimizer.dispose();
    assert.equal(learningRateAt({ kind: "adam", learningRate: 0.5 }, 3, 4), 0.5);
    assert.throws(
      () => createOptimizer({ kind: "adam", learningRate: 0.1, schedule: "cosine" }),
      /needs the number of steps/,
    );
  });

  test("a private loss is neither recorded nor reported; epoch events carry the batches per epoch", () => {
    const data = syntheticData(120, 3, 7);
    const events: TrainingEvent[] = [];
    const model = buildModel("logreg", [3], 2, 0);
    const result = trainModel(model, data, {
      epochs: 2,
      batchSize: 50,
      optimizer: { kind: "sgd", learningRate: 0.1 },
      seed: 0,
      lossIsPrivate: true,
      onProgress: (event) => events.push(event),
    });
    for (const record of result.history) assert.equal("trainLoss" in record, false);
    assert.deepEqual(
      events.map((e) =>
        e.kind === "epoch" ? [e.record.epoch, e.batchesPerEpoch, "trainLoss" in e.record] : [],
      ),
      [
        [1, 3, false],
        [2, 3, false],
      ],
    );
    model.dispose();
  });

  test("training stops at the end of the epoch whose loss or parameters stop being finite", () => {
    const data = syntheticData(200, 4, 8);
    const before = tf.memory().numTensors;
    const diverge = (options: { lossIsPrivate?: boolean; divergenceHint?: string }) => {
      const model = buildModel("mlp:4", [4], 2, 0);
      const epochs: number[] = [];
      try {
        trainModel(model, data, {
          epochs: 5,
          batchSize: 20,
          optimizer: { kind: "sgd", learningRate: 1e30 },
          seed: 0,
          ...options,
          onProgress: (event) => {
            if (event.kind === "epoch") epochs.push(event.record.epoch);
          },
        });
        return { error: undefined, epochs };
      } catch (error) {
        return { error: error as Error, epochs };
      } finally {
        model.dispose();
      }
    };
    const plain = diverge({});
    assert.ok(plain.error instanceof TrainingDivergedError);
    assert.equal(
      plain.error.message,
      "training diverged: the loss is not finite at epoch 1 (learning rate 1e+30 too large?)",
    );
    assert.deepEqual(plain.epochs, []);
    const hidden = diverge({ lossIsPrivate: true, divergenceHint: "clip too large?" });
    assert.equal(
      hidden.error?.message,
      "training diverged: the parameters are not finite at epoch 1 (clip too large?)",
    );
    assert.equal(tf.memory().numTensors, before);
    const model = buildModel("logreg", [4], 2, 0);
    assert.equal(parametersAreFinite(model), true);
    model.setParameters(model.parameters().map((p) => tf.fill(p.shape, Number.NaN)));
    assert.equal(parametersAreFinite(model), false);
    model.dispose();
  });
});
