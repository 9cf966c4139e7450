/**
 * The layers architecture search builds with — residual blocks (identity and
 * projection shortcuts, as the first parametric layer and after others), ELU,
 * global average pooling, dropout — checked like every layer: per-example
 * gradients, their norms and weighted sums against tfjs autodiff run one example at
 * a time on the cpu backend, and the summed gradient against finite differences.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { createRandom } from "../../src/common/rng.js";
import { initBackend } from "../../src/nn/backend.js";
import { labelTensor } from "../../src/nn/losses.js";
import { type Architecture, Sequential } from "../../src/nn/sequential.js";
import { modelFromJSON, modelToJSON } from "../../src/nn/serialize.js";
import { registerAutodiffGradients } from "./autodiff-gradients.js";
import {
  autodiffExampleGradient,
  finiteDifferenceGradient,
  flatten,
  relativeError,
} from "./gradient-check.js";

interface Case {
  name: string;
  architecture: Architecture;
  fdStep: number;
  numClasses: number;
}

const cases: Case[] = [
  {
    name: "MLP residual blocks: identity shortcut first, then a dense projection; layer norm, tanh, ELU",
    architecture: {
      inputShape: [5],
      layers: [
        {
          type: "residual",
          body: [{ type: "dense", units: 5 }, { type: "groupnorm", groups: 1 }, { type: "tanh" }],
        },
        { type: "residual", body: [{ type: "dense", units: 3 }, { type: "elu" }] },
        { type: "dense", units: 1 },
      ],
      loss: "binary-cross-entropy",
    },
    fdStep: 1e-2,
    numClasses: 2,
  },
  {
    name: "CNN: convolution, then a strided residual block (1×1 projection), an identity block, global average pooling",
    architecture: {
      inputShape: [6, 6, 2],
      layers: [
        { type: "conv2d", filters: 3, kernelSize: 3, padding: "same" },
        { type: "tanh" },
        {
          type: "residual",
          body: [
            { type: "conv2d", filters: 4, kernelSize: 3, stride: 2, padding: "same" },
            { type: "groupnorm", groups: 2 },
            { type: "tanh" },
          ],
        },
        {
          type: "residual",
          body: [{ type: "conv2d", filters: 4, kernelSize: 3, padding: "same" }, { type: "elu" }],
        },
        { type: "globalavgpool" },
        { type: "dense", units: 3 },
      ],
      loss: "softmax-cross-entropy",
    },
    fdStep: 1e-2,
    numClasses: 3,
  },
];

const N = 5;
const weights = Float32Array.from({ length: N }, (_, i) => 0.5 + 0.3 * i);

function inputs(c: Pick<Case, "architecture">, seed: number, rows = N): Float32Array {
  const out = new Float32Array(rows * c.architecture.inputShape.reduce((a, b) => a * b, 1));
  createRandom(seed).fillNormal(out);
  return out;
}

function labels(c: Case, seed: number) {
  const random = createRandom(seed + 1);
  return c.numClasses === 2
    ? Float32Array.from({ length: N }, () => random.integer(2))
    : Int32Array.from({ length: N }, () => random.integer(c.numClasses));
}

describe("per-example gradients of residual blocks, ELU and global pooling", () => {
  before(async () => {
    await registerAutodiffGradients();
    await initBackend("wasm");
  });

  for (const c of cases) {
    test(c.name, async () => {
      const seed = 3;
      await initBackend("wasm");
      const before = tf.memory().numTensors;
      const model = new Sequential(c.architecture, { seed });
      const x = tf.tensor(inputs(c, seed), [N, ...c.architecture.inputShape]);
      const y = labelTensor(c.architecture.loss, labels(c, seed));
      const w = tf.tensor1d(weights);
      const pass = model.backwardPass(x, y);
      const perExampleTensor = pass.flatPerExampleGradients();
      const normsTensor = pass.squaredNorms();
      const weightedTensors = pass.weightedGradients(w);
      const perExample = perExampleTensor.dataSync() as Float32Array;
      const norms = normsTensor.dataSync() as Float32Array;
      const weighted = flatten(weightedTensors.map((g) => g.dataSync() as Float32Array));
      const parameters = model.readParameters();
      tf.dispose([perExampleTensor, normsTensor, ...weightedTensors, x, y, w]);
      pass.dispose();
      model.dispose();
      assert.equal(tf.memory().numTensors, before, "the block's caches and inner gradients are all disposed");

      await initBackend("cpu");
      const reference = new Sequential(c.architecture, parameters);
      const xr = tf.tensor(inputs(c, seed), [N, ...c.architecture.inputShape]);
      const yr = labelTensor(c.architecture.loss, labels(c, seed));
      const P = reference.parameterCount;
      const expected = new Float32Array(N * P);
      for (let i = 0; i < N; i++) expected.set(autodiffExampleGradient(reference, xr, yr, i), i * P);
      assert.ok(
        relativeError(perExample, expected) < 1e-4,
        `per-example: ${relativeError(perExample, expected)}`,
      );
      const expectedNorms = Array.from({ length: N }, (_, i) =>
        expected.subarray(i * P, (i + 1) * P).reduce((s, v) => s + v * v, 0),
      );
      assert.ok(relativeError(norms, expectedNorms) < 1e-4, `norms: ${relativeError(norms, expectedNorms)}`);
      const expectedWeighted = new Float64Array(P);
      for (let i = 0; i < N; i++)
        for (let p = 0; p < P; p++) expectedWeighted[p] += weights[i] * expected[i * P + p];
      assert.ok(relativeError(weighted, expectedWeighted) < 1e-4);

      const coordinates = Array.from({ length: Math.min(P, 30) }, (_, k) =>
        Math.floor((k * P) / Math.min(P, 30)),
      );
      const fd = finiteDifferenceGradient(reference, xr, yr, coordinates, c.fdStep);
      const summed = coordinates.map((p) => {
        let s = 0;
        for (let i = 0; i < N; i++) s += perExample[i * P + p];
        return s;
      });
      assert.ok(relativeError(summed, fd) < 2e-2, `finite differences: ${relativeError(summed, fd)}`);
      tf.dispose([xr, yr]);
      reference.dispose();
      await initBackend("wasm");
    });
  }
});

describe("dropout", () => {
  const architecture: Architecture = {
    inputShape: [40],
    layers: [
      { type: "dense", units: 200 },
      { type: "dropout", rate: 0.25 },
      { type: "dense", units: 1 },
    ],
    loss: "binary-cross-entropy",
  };

  test("inference is the identity; a training pass drops about the rate and rescales the rest", async () => {
    await initBackend("wasm");
    const model = new Sequential(architecture, { seed: 1 });
    const x = tf.tensor(inputs({ architecture }, 1, 8), [8, 40]);
    const noDropout = new Sequential(
      { ...architecture, layers: [architecture.layers[0], architecture.layers[2]] },
      model.readParameters(),
    );
    const a = model.predictLogits(x);
    const b = noDropout.predictLogits(x);
    assert.deepEqual(a.dataSync(), b.dataSync());
    const layer = model.layers[1];
    const hidden = tf.ones([50, 200]);
    const random = createRandom(5);
    const { output } = layer.forward(hidden, [], { training: true, random });
    const values = output.dataSync();
    const dropped = values.filter((v) => v === 0).length / values.length;
    assert.ok(Math.abs(dropped - 0.25) < 0.02, `dropped ${dropped}`);
    assert.ok(values.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6));
    tf.dispose([a, b, x, hidden, output]);
    model.dispose();
    noDropout.dispose();
  });

  test("per-example gradients of a training pass are those of each example's own masked network", async () => {
    await initBackend("wasm");
    const model = new Sequential(architecture, { seed: 2 });
    const x = tf.tensor(inputs({ architecture }, 2, 4), [4, 40]);
    const y = labelTensor("binary-cross-entropy", Float32Array.from([1, 0, 1, 1]));
    const pass = model.backwardPass(x, y);
    const full = pass.perExampleGradients();
    // Example 0's gradient from a batch holding example 0 alone, with the same mask row:
    // the same seed replays the same stream, and example 0's mask is drawn first.
    const alone = new Sequential(architecture, { seed: 2 });
    const single = alone.backwardPass(tf.slice(x, 0, 1), tf.slice(y, 0, 1));
    const singleGrads = single.perExampleGradients();
    for (let k = 0; k < full.length; k++) {
      const first = tf.slice(full[k], 0, 1).dataSync();
      assert.ok(relativeError(first, singleGrads[k].dataSync()) < 1e-5);
    }
    const norms = pass.squaredNorms().dataSync();
    const ownNorms = Array.from({ length: 4 }, (_, i) =>
      full.reduce((s, g) => s + tf.sum(tf.square(tf.slice(g, i, 1))).dataSync()[0], 0),
    );
    assert.ok(relativeError(norms, ownNorms) < 1e-4);
    tf.dispose([...full, ...singleGrads, x, y]);
    pass.dispose();
    single.dispose();
    model.dispose();
    alone.dispose();
  });

  test("training passes with the same seed draw the same masks; a model file round-trips every new layer", async () => {
    await initBackend("wasm");
    const nested: Architecture = {
      inputShape: [4, 4, 1],
      layers: [
        {
          type: "residual",
          body: [{ type: "conv2d", filters: 2, kernelSize: 3, padding: "same" }, { type: "elu" }],
        },
        { type: "globalavgpool" },
        { type: "dropout", rate: 0.5 },
        { type: "dense", units: 1 },
      ],
      loss: "binary-cross-entropy",
    };
    const x = tf.tensor(inputs({ architecture: nested }, 4, 3), [3, 4, 4, 1]);
    const y = labelTensor("binary-cross-entropy", Float32Array.from([1, 0, 1]));
    const gradientsOf = (model: Sequential) => {
      const pass = model.backwardPass(x, y);
      const values = flatten(pass.weightedGradients().map((g) => g.dataSync() as Float32Array));
      pass.dispose();
      return values;
    };
    const one = new Sequential(nested, { seed: 9 });
    const two = new Sequential(nested, { seed: 9 });
    assert.deepEqual(gradientsOf(one), gradientsOf(two));
    const saved = modelFromJSON(JSON.parse(JSON.stringify(modelToJSON(one))), "round trip");
    assert.deepEqual(saved.model.architecture, nested);
    assert.deepEqual(saved.model.readParameters(), one.readParameters());
    tf.dispose([x, y]);
    for (const m of [one, two, saved.model]) m.dispose();
  });
});
