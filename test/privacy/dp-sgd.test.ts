import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { UserError } from "../../src/common/errors.js";
import { buildModel, initBackend, labelTensor, type Sequential } from "../../src/nn/index.js";
import { RdpAccountant } from "../../src/privacy/accountants/rdp.js";
import { kolmogorovSmirnov } from "../../src/privacy/analysis/goodness-of-fit.js";
import { normalCdf } from "../../src/privacy/analysis/special.js";
import { dpSgdGradient } from "../../src/privacy/dp-sgd.js";
import { seededGaussianNoise } from "../../src/privacy/noise.js";
import { makePrivate } from "../../src/privacy/privacy-engine.js";
import type { GradientBatch, TrainingData } from "../../src/train/index.js";
import { separableData } from "../helpers/data.js";

before(async () => {
  await initBackend("cpu");
});

function batchOf(
  model: Sequential,
  train: TrainingData,
  rows: number[],
  expectedBatchSize: number,
): GradientBatch {
  const d = train.X.cols;
  const x = new Float32Array(rows.length * d);
  for (const [i, r] of rows.entries()) x.set(train.X.data.subarray(r * d, r * d + d), i * d);
  return {
    x: tf.tensor2d(x, [rows.length, d]),
    labels: labelTensor(
      model.architecture.loss,
      Float32Array.from(rows, (r) => train.y[r]),
    ),
    weightSum: rows.length,
    indices: Int32Array.from(rows),
    expectedBatchSize,
    datasetSize: train.X.rows,
  };
}

/** Σ min(1, C/||gᵢ||)·gᵢ / (qN) from materialised per-example gradients (flat clipping, reference). */
function referenceClippedMean(
  model: Sequential,
  batch: GradientBatch,
  clip: number,
  perLayer: boolean,
): Float32Array {
  const pass = model.backwardPass(batch.x, batch.labels);
  const perExample = pass.perExampleGradients().map((g) => g.arraySync() as unknown);
  pass.dispose();
  const specs = model.parameterSpecs();
  const n = batch.indices.length;
  const rows: number[][][] = perExample.map((g) => (g as unknown[]).map((row) => [row].flat(4) as number[]));
  const layers = [...new Set(specs.map((s) => s.layer))];
  const total = rows.reduce((s, r) => s + r[0].length, 0);
  const out = new Float32Array(total);
  for (let i = 0; i < n; i++) {
    const factor = new Map<number, number>();
    if (perLayer) {
      for (const layer of layers) {
        let sq = 0;
        specs.forEach((s, k) => {
          if (s.layer === layer) for (const v of rows[k][i]) sq += v * v;
        });
        factor.set(layer, Math.min(1, clip / Math.sqrt(layers.length) / Math.sqrt(sq)));
      }
    } else {
      let sq = 0;
      for (const r of rows) for (const v of r[i]) sq += v * v;
      for (const layer of layers) factor.set(layer, Math.min(1, clip / Math.sqrt(sq)));
    }
    let offset = 0;
    specs.forEach((s, k) => {
      const f = factor.get(s.layer)!;
      rows[k][i].forEach((v, j) => {
        out[offset + j] += (f * v) / batch.expectedBatchSize;
      });
      offset += rows[k][i].length;
    });
  }
  return out;
}

function flatten(tensors: tf.Tensor[]): Float32Array {
  const parts = tensors.map((t) => t.dataSync() as Float32Array);
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

for (const clipping of ["flat", "per-layer"] as const) {
  test(`noiseless DP-SGD gradient = clipped per-example sum / (qN) (${clipping} clipping)`, () => {
    const train = separableData(40, 5, 1);
    const model = buildModel("mlp:6,4", [5], 2, 3);
    const accountant = new RdpAccountant();
    const rows = [0, 3, 5, 8, 13, 21, 34];
    const q = 0.2;
    const computer = dpSgdGradient({
      clip: 0.05,
      noiseMultiplier: 0,
      sampleRate: q,
      dataSize: 40,
      clipping,
      noise: seededGaussianNoise(1),
      accountant,
    });
    const batch = batchOf(model, train, rows, q * 40);
    const result = computer.compute(model, batch);
    const got = flatten(result.gradients);
    const expected = referenceClippedMean(model, batch, 0.05, clipping === "per-layer");
    for (let j = 0; j < got.length; j++)
      assert.ok(Math.abs(got[j] - expected[j]) < 1e-6, `${j}: ${got[j]} vs ${expected[j]}`);
    // Clipping was active: the unclipped mean is far from it.
    const unclipped = referenceClippedMean(model, batch, Number.POSITIVE_INFINITY, false);
    assert.ok(unclipped.some((v, j) => Math.abs(v - got[j]) > 1e-3));
    assert.deepEqual(accountant.toJSON().history, [{ sampleRate: q, noise: 0, steps: 1 }]);
    tf.dispose([...result.gradients, result.lossSum, batch.x, batch.labels]);
    model.dispose();
  });
}

test("DP-SGD noise is N(0, (σC/qN)²) per coordinate (KS on gradient − noiseless gradient)", () => {
  const train = separableData(40, 5, 2);
  const model = buildModel("mlp:32,16", [5], 2, 4);
  const batch = batchOf(model, train, [1, 2, 3, 4, 5, 6, 7, 8], 8);
  const base = { clip: 0.7, sampleRate: 0.2, dataSize: 40, accountant: new RdpAccountant() };
  const clean = dpSgdGradient({ ...base, noiseMultiplier: 0, noise: seededGaussianNoise(1) }).compute(
    model,
    batch,
  );
  const noisy = dpSgdGradient({ ...base, noiseMultiplier: 1.3, noise: seededGaussianNoise(9) }).compute(
    model,
    batch,
  );
  const a = flatten(clean.gradients);
  const b = flatten(noisy.gradients);
  const scale = (1.3 * 0.7) / 8;
  const z = b.map((v, j) => (v - a[j]) / scale);
  assert.ok(z.length > 500);
  assert.ok(kolmogorovSmirnov(z, normalCdf).pValue > 0.01);
  tf.dispose([...clean.gradients, ...noisy.gradients, clean.lossSum, noisy.lossSum, batch.x, batch.labels]);
  model.dispose();
});

test("makePrivate: Poisson only, accountant = steps run, seeded runs reproducible and not for release, no tensor leak", () => {
  const train = separableData(300, 5, 3);
  const trainerOptions = { batchSize: 30, optimizer: { kind: "sgd" as const, learningRate: 0.5 }, seed: 7 };
  assert.throws(
    () =>
      makePrivate({
        model: buildModel("logreg", [5], 2, 1),
        trainerOptions: { ...trainerOptions, sampling: "shuffle" },
        dataSize: 300,
        noise: 1,
        clip: 1,
        epochs: 2,
      }),
    (e: unknown) => e instanceof UserError && /Poisson/.test(e.message),
  );
  const runs = [0, 1].map(() => {
    const model = buildModel("mlp:8", [5], 2, 1);
    const before = tf.memory().numTensors;
    const engine = makePrivate({
      model,
      trainerOptions,
      dataSize: 300,
      noise: 1.1,
      clip: 1,
      epochs: 2,
      seed: 5,
    });
    const { result, privacy } = engine.train(train);
    assert.equal(tf.memory().numTensors, before);
    assert.equal(result.sampling, "poisson");
    assert.equal(result.steps, engine.plannedSteps);
    assert.equal(privacy.steps, result.steps);
    assert.equal(privacy.suitableForRelease, false);
    const reference = new RdpAccountant();
    reference.step(0.1, 1.1, result.steps);
    assert.equal(privacy.epsilon, reference.epsilon(1e-5));
    const weights = model.readParameters();
    model.dispose();
    return weights;
  });
  assert.deepEqual(runs[0], runs[1]);
  const secure = makePrivate({
    model: buildModel("logreg", [5], 2, 1),
    trainerOptions,
    dataSize: 300,
    noise: 1,
    clip: 1,
    epochs: 1,
  });
  assert.equal(secure.suitableForRelease, true);
});

test("makePrivate with a target epsilon: calibrated noise, spent epsilon <= target after training", () => {
  const train = separableData(300, 5, 4);
  const model = buildModel("logreg", [5], 2, 1);
  const engine = makePrivate({
    model,
    trainerOptions: { batchSize: 30, optimizer: { kind: "sgd", learningRate: 0.5 }, seed: 1 },
    dataSize: 300,
    targetEpsilon: 2,
    clip: 1,
    epochs: 3,
    accountant: "prv",
  });
  const { privacy } = engine.train(train);
  assert.ok(privacy.epsilon <= 2 && privacy.epsilon > 1.98, `${privacy.epsilon}`);
  assert.equal(privacy.accountant, "prv");
  model.dispose();
});
