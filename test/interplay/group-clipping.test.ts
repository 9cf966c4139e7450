import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { GroupClippingRecorder } from "../../src/interplay/clipping-stats.js";
import {
  groupAwareClipping,
  groupClipBounds,
  splitNoiseMultiplier,
} from "../../src/interplay/group-clipping.js";
import { buildModel, initBackend, labelTensor } from "../../src/nn/index.js";
import { RdpAccountant } from "../../src/privacy/accountants/rdp.js";
import { jointNoiseMultiplier } from "../../src/privacy/clip-and-noise.js";
import type { GaussianNoise } from "../../src/privacy/noise.js";
import { makePrivate } from "../../src/privacy/privacy-engine.js";
import { separableData } from "../helpers/data.js";

before(async () => {
  await initBackend("cpu");
});

const data = separableData(200, 5, 3);
const groupOfRow = Int32Array.from({ length: 200 }, (_, i) => (i % 5 === 0 ? 1 : 0));

test("the bounds follow the relative clipping of each group, capped; no clipping leaves C₀(1 + γ)", () => {
  // Group 0: 10 of 100 clipped (0.1); group 1: 6 of 20 (0.3); overall 16/120.
  const bounds = groupClipBounds(2, [10, 6], [100, 20], 0.5, 3);
  const overall = 16 / 120;
  assert.ok(Math.abs(bounds[0] - 2 * (1 + 0.5 * (0.1 / overall))) < 1e-12);
  assert.ok(Math.abs(bounds[1] - 2 * (1 + 0.5 * Math.min(3, 0.3 / overall))) < 1e-12);
  assert.ok(bounds[1] > bounds[0]);
  const capped = groupClipBounds(1, [0, 10], [1000, 10], 1, 3);
  assert.equal(capped[1], 4);
  assert.deepEqual(Array.from(groupClipBounds(1, [0, 0], [5, 5], 2, 3)), [3, 3]);
  // Noisy counts may be negative: clamped, never a bound below C₀.
  for (const c of groupClipBounds(1, [-3, 2], [-1, 4], 1, 3)) assert.ok(c >= 1);
});

test("the split of the noise is accounted at exactly the planned multiplier", () => {
  for (const planned of [0.3, 1, 4.2]) {
    for (const share of [0.01, 0.05, 0.5]) {
      const { gradient, counts } = splitNoiseMultiplier(planned, share);
      assert.ok(Math.abs(jointNoiseMultiplier(gradient, counts) - planned) <= 1e-14 * planned);
      assert.ok(gradient > planned && counts > planned);
    }
  }
  assert.throws(() => splitNoiseMultiplier(1, 0), /share/);
  assert.throws(() => splitNoiseMultiplier(0, 0.1), /positive noise/);
});

test("training with group-aware clipping spends exactly the ε of DP-SGD at the planned noise", () => {
  const run = (withGroups: boolean) => {
    const model = buildModel("mlp:8", [5], 2, 7);
    const engine = makePrivate({
      model,
      trainerOptions: { batchSize: 40, optimizer: { kind: "sgd", learningRate: 0.5 }, seed: 7 },
      dataSize: 200,
      targetEpsilon: 3,
      clip: 0.3,
      epochs: 3,
      seed: 5,
      ...(withGroups ? { gradient: groupAwareClipping({ groupOfRow, groupCount: 2 }) } : {}),
    });
    const { privacy } = engine.train(data);
    model.dispose();
    return { privacy, noise: engine.noise, history: engine.accountant.toJSON().history };
  };
  const plain = run(false);
  const grouped = run(true);
  assert.equal(grouped.noise, plain.noise);
  assert.deepEqual(
    grouped.history.map((h) => h.steps),
    plain.history.map((h) => h.steps),
  );
  for (const h of grouped.history) assert.ok(Math.abs(h.noise - plain.noise) <= 1e-12 * plain.noise);
  assert.ok(Math.abs(grouped.privacy.epsilon - plain.privacy.epsilon) < 1e-9);
  assert.ok(grouped.privacy.epsilon <= 3 + 1e-9);
});

/** A noise source that records what it was asked for and adds nothing. */
function recordingNoise(): GaussianNoise & {
  calls: { length: number; std: number; sensitivity?: number }[];
} {
  const calls: { length: number; std: number; sensitivity?: number }[] = [];
  return {
    kind: "seeded",
    calls,
    add(target, std, sensitivity) {
      calls.push({ length: target.length, std, ...(sensitivity !== undefined ? { sensitivity } : {}) });
    },
  };
}

test("each example is clipped to its group's bound, the sum's noise is σ·C_max and the counts are released with sensitivity 1", () => {
  const model = buildModel("mlp:4", [5], 2, 2);
  const rows = Array.from({ length: 30 }, (_, i) => i);
  const x = tf.tensor2d(
    Float32Array.from(rows.flatMap((r) => Array.from(data.X.data.subarray(r * 5, r * 5 + 5)))),
    [rows.length, 5],
  );
  const labels = labelTensor(
    "binary-cross-entropy",
    Float32Array.from(rows, (r) => data.y[r]),
  );
  const pass = model.backwardPass(x, labels);
  const perExample = pass.flatPerExampleGradients().arraySync() as number[][];
  pass.dispose();
  const norms = perExample.map((g) => Math.hypot(...g));
  const base = [...norms].sort((a, b) => a - b)[15]; // half the examples are clipped at C₀
  const factory = groupAwareClipping({ groupOfRow, groupCount: 2, gamma: 1, countShare: 0.1 });
  const noise = recordingNoise();
  const recorder = new GroupClippingRecorder(groupOfRow, ["a", "b"], 2);
  const computer = factory.create({
    clip: base,
    noiseMultiplier: 1.2,
    sampleRate: 30 / 200,
    dataSize: 200,
    noise,
    accountant: new RdpAccountant(),
    observer: recorder,
  });
  const batch = {
    x,
    labels,
    weightSum: rows.length,
    indices: Int32Array.from(rows),
    expectedBatchSize: 30,
    datasetSize: 200,
  };
  const split = splitNoiseMultiplier(1.2, 0.1);
  const released: Float32Array[] = [];
  for (let s = 0; s < 2; s++) {
    const result = computer.compute(model, batch);
    released.push(Float32Array.from(result.gradients.flatMap((g) => Array.from(g.dataSync()))));
    tf.dispose([...result.gradients, result.lossSum]);
  }
  // Step 1 clips everyone at C₀; step 2 at the bounds from step 1's (noise-free here) counts.
  const clippedCounts = [0, 0];
  const examples = [0, 0];
  rows.forEach((r, i) => {
    examples[groupOfRow[r]]++;
    if (norms[i] > base) clippedCounts[groupOfRow[r]]++;
  });
  const secondBounds = groupClipBounds(base, clippedCounts, examples, 1, 3);
  assert.deepEqual(factory.trace.bounds[0], [base, base]);
  factory.trace.bounds[1].forEach((b, g) => {
    assert.ok(Math.abs(b - secondBounds[g]) < 1e-9 * b);
  });
  const largest = Math.max(...secondBounds);
  [[base, base], Array.from(secondBounds)].forEach((bounds, s) => {
    const expected = new Float64Array(perExample[0].length);
    perExample.forEach((g, i) => {
      const factor = Math.min(1, bounds[groupOfRow[rows[i]]] / norms[i]);
      g.forEach((v, j) => {
        expected[j] += (factor * v) / 30;
      });
    });
    expected.forEach((v, j) => {
      assert.ok(Math.abs(released[s][j] - v) < 1e-5, `step ${s + 1}, coordinate ${j}`);
    });
  });
  // Noise: the gradient at σ·C₀ on sums scaled to C₀ (= σ·C_max after rescaling), the 4 counts at σ_c.
  assert.equal(noise.calls.length, 4);
  assert.deepEqual(noise.calls[2], {
    length: model.parameterCount,
    std: split.gradient * base,
    sensitivity: base,
  });
  assert.deepEqual(noise.calls[3], { length: 4, std: split.counts, sensitivity: 1 });
  // The observer saw the group bounds and the noise on the unscaled sum.
  const epoch = recorder.summary()[0];
  assert.equal(epoch.steps, 2);
  assert.ok(Math.abs(epoch.groups[1].meanClipBound - (base + secondBounds[1]) / 2) < 1e-5 * largest);
  tf.dispose([x, labels]);
  model.dispose();
});

test("bad settings are refused before training", () => {
  assert.throws(() => groupAwareClipping({ groupOfRow, groupCount: 2, gamma: -1 }), /γ/);
  assert.throws(() => groupAwareClipping({ groupOfRow, groupCount: 2, countShare: 1 }), /share/);
  assert.throws(() => groupAwareClipping({ groupOfRow, groupCount: 0 }), /at least one group/);
});
