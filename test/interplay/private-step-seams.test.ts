/**
 * The two seams interplay adds to the private training path: a clipping observer that
 * cannot change the noise, the clipped sum or the accounting, and a companion release
 * accounted jointly with the gradient (one sampled Gaussian step at (σ⁻² + σ_c⁻²)^−½).
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { buildModel, initBackend, labelTensor } from "../../src/nn/index.js";
import { RdpAccountant } from "../../src/privacy/accountants/rdp.js";
import { kolmogorovSmirnov } from "../../src/privacy/analysis/goodness-of-fit.js";
import { normalCdf } from "../../src/privacy/analysis/special.js";
import { clipAndNoise, jointNoiseMultiplier } from "../../src/privacy/clip-and-noise.js";
import { type ClippingObservation, dpSgdGradient } from "../../src/privacy/dp-sgd.js";
import { seededGaussianNoise } from "../../src/privacy/noise.js";
import { makePrivate } from "../../src/privacy/privacy-engine.js";
import { separableData } from "../helpers/data.js";

before(async () => {
  await initBackend("cpu");
});

const data = separableData(200, 5, 3);
const groupOfRow = Int32Array.from({ length: 200 }, (_, i) => (i % 5 === 0 ? 1 : 0));

function train(observe: boolean) {
  const model = buildModel("mlp:8", [5], 2, 7);
  const observations: ClippingObservation[] = [];
  const engine = makePrivate({
    model,
    // An observed run trains on tensor ops (the observer reads the tensor path's backward
    // pass); the plain run is pinned there too, so that bit-for-bit equality tests the
    // observer and not the engines' rounding.
    trainerOptions: {
      batchSize: 40,
      optimizer: { kind: "sgd", learningRate: 0.5 },
      seed: 7,
      engine: "tensor-ops",
    },
    dataSize: 200,
    noise: 1.1,
    clip: 0.3,
    epochs: 2,
    seed: 5,
    ...(observe
      ? {
          observer: {
            groupCount: 2,
            groupsOf: (indices: Int32Array) => Int32Array.from(indices, (row) => groupOfRow[row]),
            observe: (o: ClippingObservation) => observations.push(o),
          },
        }
      : {}),
  });
  const { privacy } = engine.train(data);
  const parameters = model.readParameters();
  model.dispose();
  return { parameters, privacy, history: engine.accountant.toJSON().history, observations };
}

test("an observer sees every non-empty step and changes neither the model nor the accounting", () => {
  const plain = train(false);
  const observed = train(true);
  assert.deepEqual(observed.parameters, plain.parameters);
  assert.deepEqual(observed.history, plain.history);
  assert.equal(observed.privacy.epsilon, plain.privacy.epsilon);
  assert.equal(observed.observations.length, observed.history.at(-1)?.steps, "one observation per step");
  for (const o of observed.observations) {
    assert.equal(o.norms.length, o.indices.length);
    assert.ok(o.clipBounds.every((c) => c === Math.fround(0.3)));
    assert.ok(Math.abs(o.noiseStd - 1.1 * 0.3) < 1e-12);
    assert.equal(o.groupSumNorms.length, 2);
  }
});

test("the observation's norms and group sums equal those of materialised per-example gradients", () => {
  const model = buildModel("mlp:4", [5], 2, 2);
  const rows = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const x = tf.tensor2d(
    Float32Array.from(rows.flatMap((r) => Array.from(data.X.data.subarray(r * 5, r * 5 + 5)))),
    [rows.length, 5],
  );
  const labels = labelTensor(
    "binary-cross-entropy",
    Float32Array.from(rows, (r) => data.y[r]),
  );
  let seen: ClippingObservation | undefined;
  const computer = dpSgdGradient({
    clip: 0.05,
    noiseMultiplier: 1,
    sampleRate: 11 / 200,
    dataSize: 200,
    noise: seededGaussianNoise(1),
    accountant: new RdpAccountant(),
    observer: {
      groupCount: 2,
      groupsOf: (indices) => Int32Array.from(indices, (row) => groupOfRow[row]),
      observe: (o) => {
        seen = o;
      },
    },
  });
  const result = computer.compute(model, {
    x,
    labels,
    weightSum: rows.length,
    indices: Int32Array.from(rows),
    expectedBatchSize: 11,
    datasetSize: 200,
  });
  tf.dispose([...result.gradients, result.lossSum]);
  const pass = model.backwardPass(x, labels);
  const perExample = pass.flatPerExampleGradients().arraySync() as number[][];
  pass.dispose();
  tf.dispose([x, labels]);
  model.dispose();
  assert.ok(seen);
  const sums = [new Float64Array(perExample[0].length), new Float64Array(perExample[0].length)];
  perExample.forEach((g, i) => {
    const norm = Math.hypot(...g);
    assert.ok(Math.abs(seen!.norms[i] - norm) < 1e-5 * Math.max(1, norm));
    const factor = Math.min(1, 0.05 / norm);
    g.forEach((v, j) => {
      sums[groupOfRow[rows[i]]][j] += factor * v;
    });
  });
  sums.forEach((sum, g) => {
    const expected = Math.hypot(...sum);
    assert.ok(
      Math.abs(seen!.groupSumNorms[g] - expected) < 1e-5,
      `group ${g}: ${seen!.groupSumNorms[g]} vs ${expected}`,
    );
  });
});

test("a companion release gets N(0, σ_c²) and the step is accounted once at (σ⁻² + σ_c⁻²)^−½", () => {
  const accountant = new RdpAccountant();
  const step = clipAndNoise({
    clip: 2,
    noiseMultiplier: 1.5,
    companionNoiseMultiplier: 4,
    sampleRate: 0.1,
    dataSize: 100,
    noise: seededGaussianNoise(9),
    accountant,
  });
  const joint = jointNoiseMultiplier(1.5, 4);
  assert.ok(Math.abs(joint - 1 / Math.sqrt(1 / 2.25 + 1 / 16)) < 1e-15);
  assert.equal(step.accountedNoiseMultiplier, joint);
  const z: number[] = [];
  for (let k = 0; k < 20; k++) {
    const counts = new Float64Array(100).fill(3);
    step.privatise(new Float32Array(10), counts);
    for (const c of counts) z.push((c - 3) / 4);
  }
  assert.ok(kolmogorovSmirnov(z, normalCdf).pValue > 0.01);
  assert.deepEqual(accountant.toJSON().history, [{ sampleRate: 0.1, noise: joint, steps: 20 }]);
  // Joint accounting is never cheaper than the gradient alone, and never dearer than no companion noise at all.
  assert.ok(
    accountant.epsilon(1e-5) >
      (() => {
        const alone = new RdpAccountant();
        alone.step(0.1, 1.5, 20);
        return alone.epsilon(1e-5);
      })(),
  );
  assert.throws(() => step.privatise(new Float32Array(10)), /companion/);
  const without = clipAndNoise({
    clip: 1,
    noiseMultiplier: 1,
    sampleRate: 0.1,
    dataSize: 10,
    noise: seededGaussianNoise(1),
    accountant: new RdpAccountant(),
  });
  assert.throws(() => without.privatise(new Float32Array(2), new Float64Array(2)), /companion/);
});

test("makePrivate refuses a private gradient that accounts elsewhere or at another noise multiplier", () => {
  const model = buildModel("logreg", [5], 2, 1);
  for (const rogue of [
    (o: Parameters<typeof dpSgdGradient>[0]) => dpSgdGradient({ ...o, accountant: new RdpAccountant() }),
    (o: Parameters<typeof dpSgdGradient>[0]) =>
      dpSgdGradient({ ...o, noiseMultiplier: o.noiseMultiplier / 2 }),
  ]) {
    assert.throws(
      () =>
        makePrivate({
          model,
          trainerOptions: { batchSize: 20, optimizer: { kind: "sgd", learningRate: 0.1 }, seed: 1 },
          dataSize: 200,
          noise: 1,
          clip: 1,
          epochs: 1,
          seed: 1,
          gradient: { name: "rogue", create: rogue },
        }),
      /must account every step in the run's accountant/,
    );
  }
  model.dispose();
});

test("a private gradient's prior releases are recorded first and calibrated with", () => {
  const model = buildModel("logreg", [5], 2, 1);
  const common = {
    model,
    trainerOptions: { batchSize: 20, optimizer: { kind: "sgd" as const, learningRate: 0.1 }, seed: 1 },
    dataSize: 200,
    targetEpsilon: 2,
    clip: 1,
    epochs: 2,
    seed: 1,
  };
  const plain = makePrivate(common);
  const withRelease = makePrivate({
    ...common,
    gradient: {
      name: "counts first",
      priorReleases: [{ sampleRate: 1, noise: 20, count: 1 }],
      create: dpSgdGradient,
    },
  });
  assert.deepEqual(withRelease.accountant.toJSON().history[0], { sampleRate: 1, noise: 20, steps: 1 });
  assert.ok(withRelease.noise > plain.noise);
  const { privacy } = withRelease.train(data);
  assert.ok(privacy.epsilon <= 2 + 1e-9);
  model.dispose();
});
