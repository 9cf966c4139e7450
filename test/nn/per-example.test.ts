/**
 * Per-example gradient operations of every layer type, against tfjs autodiff run
 * one example at a time (on the cpu backend, an independent code path from the
 * engine's explicit backward passes on wasm) and against finite differences.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { createRandom } from "../../src/common/rng.js";
import { initBackend } from "../../src/nn/backend.js";
import { conv2dKernelGradientMethod } from "../../src/nn/layers/conv2d.js";
import { conv2dNormMethod } from "../../src/nn/layers/index.js";
import { labelTensor } from "../../src/nn/losses.js";
import { type Architecture, Sequential } from "../../src/nn/sequential.js";
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
  /** Smooth enough for finite differences at this step (no kink within reach). */
  fdStep: number;
  input(n: number, seed: number): Float32Array;
  /** For embeddings: integer inputs. */
  numClasses: number;
}

const gaussian = (shape: number[]) => (n: number, seed: number) => {
  const out = new Float32Array(n * shape.reduce((a, b) => a * b, 1));
  createRandom(seed).fillNormal(out);
  return out;
};

export const cases: Case[] = [
  {
    name: "dense + tanh, binary cross-entropy",
    architecture: {
      inputShape: [5],
      layers: [{ type: "dense", units: 4 }, { type: "tanh" }, { type: "dense", units: 1 }],
      loss: "binary-cross-entropy",
    },
    fdStep: 1e-2,
    input: gaussian([5]),
    numClasses: 2,
  },
  {
    name: "dense + relu (fused) + sigmoid, softmax cross-entropy",
    architecture: {
      inputShape: [6],
      layers: [
        { type: "dense", units: 7 },
        { type: "relu" },
        { type: "dense", units: 5 },
        { type: "sigmoid" },
        { type: "dense", units: 3 },
      ],
      loss: "softmax-cross-entropy",
    },
    fdStep: 1e-3,
    input: gaussian([6]),
    numClasses: 3,
  },
  {
    name: "conv2d (same, materialised norms) + relu + maxpool + flatten + dense",
    architecture: {
      inputShape: [6, 6, 2],
      layers: [
        { type: "conv2d", filters: 3, kernelSize: 3, padding: "same" },
        { type: "relu" },
        { type: "maxpool", poolSize: 2 },
        { type: "flatten" },
        { type: "dense", units: 1 },
      ],
      loss: "binary-cross-entropy",
    },
    fdStep: 1e-3,
    input: gaussian([6, 6, 2]),
    numClasses: 2,
  },
  {
    name: "conv2d (stride 2, valid, ghost norms) + tanh + avgpool, softmax",
    architecture: {
      inputShape: [5, 5, 3],
      layers: [
        { type: "conv2d", filters: 8, kernelSize: 3, stride: 2, padding: "valid" },
        { type: "tanh" },
        { type: "avgpool", poolSize: 2 },
        { type: "flatten" },
        { type: "dense", units: 3 },
      ],
      loss: "softmax-cross-entropy",
    },
    fdStep: 1e-2,
    input: gaussian([5, 5, 3]),
    numClasses: 3,
  },
  {
    name: "three convolutions (im2col kernel gradient, stride-1 input gradients, even kernel) + relu + maxpool",
    architecture: {
      inputShape: [8, 8, 1],
      layers: [
        { type: "conv2d", filters: 10, kernelSize: 3, padding: "same" },
        { type: "relu" },
        { type: "maxpool", poolSize: 2 },
        { type: "conv2d", filters: 4, kernelSize: 3, padding: "same" },
        { type: "tanh" },
        // A 2×2 "same" kernel pads only after the input: the input gradient's padding is asymmetric.
        { type: "conv2d", filters: 3, kernelSize: 2, padding: "same" },
        { type: "tanh" },
        { type: "maxpool", poolSize: 2 },
        { type: "flatten" },
        { type: "dense", units: 3 },
      ],
      loss: "softmax-cross-entropy",
    },
    fdStep: 3e-4,
    input: gaussian([8, 8, 1]),
    numClasses: 3,
  },
  {
    name: "strided convolutions (im2col with stride, ghost) + overlapping padded maxpool",
    architecture: {
      inputShape: [10, 10, 1],
      layers: [
        { type: "conv2d", filters: 12, kernelSize: 3, stride: 2, padding: "valid" },
        { type: "tanh" },
        { type: "maxpool", poolSize: 3, stride: 1, padding: "same" },
        { type: "conv2d", filters: 5, kernelSize: 3, stride: 2, padding: "same" },
        { type: "tanh" },
        { type: "flatten" },
        { type: "dense", units: 3 },
      ],
      loss: "softmax-cross-entropy",
    },
    fdStep: 1e-3,
    input: gaussian([10, 10, 1]),
    numClasses: 3,
  },
  {
    name: "groupnorm on images and on flat features",
    architecture: {
      inputShape: [4, 4, 4],
      layers: [
        { type: "conv2d", filters: 4, kernelSize: 2 },
        { type: "groupnorm", groups: 2 },
        { type: "tanh" },
        { type: "flatten" },
        { type: "dense", units: 8 },
        { type: "groupnorm", groups: 2 },
        { type: "sigmoid" },
        { type: "dense", units: 1 },
      ],
      loss: "binary-cross-entropy",
    },
    fdStep: 1e-2,
    input: gaussian([4, 4, 4]),
    numClasses: 2,
  },
  {
    name: "embedding (repeated tokens) + flatten + dense",
    architecture: {
      inputShape: [4],
      layers: [
        { type: "embedding", vocabularySize: 7, dimension: 3 },
        { type: "flatten" },
        { type: "dense", units: 1 },
      ],
      loss: "binary-cross-entropy",
    },
    fdStep: 1e-2,
    input: (n, seed) => {
      const random = createRandom(seed);
      return Float32Array.from({ length: n * 4 }, () => random.integer(5));
    },
    numClasses: 2,
  },
];

test("both conv2d norm methods and both kernel-gradient methods are exercised by the cases above", () => {
  assert.equal(conv2dNormMethod(36, 18, 3), "materialise");
  assert.equal(conv2dNormMethod(4, 27, 8), "ghost");
  assert.equal(conv2dNormMethod(4, 108, 5), "ghost");
  assert.equal(conv2dKernelGradientMethod(9, 10), "im2col");
  assert.equal(conv2dKernelGradientMethod(9, 12), "im2col");
  assert.equal(conv2dKernelGradientMethod(90, 4), "convolution");
});

function labelsFor(c: Case, n: number, seed: number): Float32Array | Int32Array {
  const random = createRandom(seed + 99);
  if (c.architecture.loss === "binary-cross-entropy")
    return Float32Array.from({ length: n }, () => random.integer(2));
  return Int32Array.from({ length: n }, () => random.integer(c.numClasses));
}

interface EngineResults {
  parameters: Float32Array[];
  perExample: Float32Array; // [N, P]
  squaredNorms: Float32Array;
  weightedSum: Float32Array;
  clippedSum: Float32Array;
  clipNorms: Float32Array;
  kronecker: { activations: Float32Array; outputGradients: Float32Array }[];
}

const N = 6;
const weights = Float32Array.from({ length: N }, (_, i) => 0.5 + 0.25 * i);

function engineResults(c: Case, seed: number): EngineResults {
  const model = new Sequential(c.architecture, { seed });
  const x = tf.tensor(c.input(N, seed), [N, ...c.architecture.inputShape]);
  const y = labelTensor(c.architecture.loss, labelsFor(c, N, seed));
  const w = tf.tensor1d(weights);
  const pass = model.backwardPass(x, y);
  const perExample = pass.flatPerExampleGradients();
  const norms = pass.squaredNorms();
  const weighted = pass.weightedGradients(w);
  const clipped = pass.clippedGradientSum(0.5);
  const factors = pass.kroneckerFactors();
  const results: EngineResults = {
    parameters: model.readParameters(),
    perExample: perExample.dataSync() as Float32Array,
    squaredNorms: norms.dataSync() as Float32Array,
    weightedSum: flatten(weighted.map((g) => g.dataSync() as Float32Array)),
    clippedSum: flatten(clipped.gradients.map((g) => g.dataSync() as Float32Array)),
    clipNorms: clipped.norms.dataSync() as Float32Array,
    kronecker: factors
      .filter((f) => f.factors !== null)
      .map((f) => ({
        activations: f.factors!.activations.dataSync() as Float32Array,
        outputGradients: f.factors!.outputGradients.dataSync() as Float32Array,
      })),
  };
  tf.dispose([x, y, w, perExample, norms, ...weighted, ...clipped.gradients, clipped.norms]);
  for (const f of factors) if (f.factors) tf.dispose([f.factors.activations, f.factors.outputGradients]);
  pass.dispose();
  model.dispose();
  return results;
}

describe("per-example gradients of every layer type", () => {
  before(async () => {
    await registerAutodiffGradients();
    await initBackend("wasm");
  });

  for (const c of cases) {
    test(c.name, async () => {
      const seed = 7;
      await tf.setBackend("wasm");
      const before = tf.memory().numTensors;
      const engine = engineResults(c, seed);
      assert.equal(tf.memory().numTensors, before, "the per-example operations leak no tensors");

      await initBackend("cpu");
      const model = new Sequential(c.architecture, engine.parameters);
      const x = tf.tensor(c.input(N, seed), [N, ...c.architecture.inputShape]);
      const y = labelTensor(c.architecture.loss, labelsFor(c, N, seed));
      const P = model.parameterCount;
      const reference = new Float32Array(N * P);
      for (let i = 0; i < N; i++) reference.set(autodiffExampleGradient(model, x, y, i), i * P);

      // materialised per-example gradients vs autodiff, one example at a time
      assert.ok(
        relativeError(engine.perExample, reference) < 1e-4,
        `per-example: ${relativeError(engine.perExample, reference)}`,
      );

      // norms without materialising vs norms of the autodiff gradients
      const refNorms = Array.from({ length: N }, (_, i) =>
        reference.subarray(i * P, (i + 1) * P).reduce((s, v) => s + v * v, 0),
      );
      assert.ok(
        relativeError(engine.squaredNorms, refNorms) < 1e-4,
        `norms: ${relativeError(engine.squaredNorms, refNorms)}`,
      );

      // Σ wᵢ gᵢ from the same pass
      const refWeighted = new Float64Array(P);
      const refClipped = new Float64Array(P);
      for (let i = 0; i < N; i++) {
        const factor = Math.min(1, 0.5 / Math.sqrt(refNorms[i]));
        for (let p = 0; p < P; p++) {
          refWeighted[p] += weights[i] * reference[i * P + p];
          refClipped[p] += factor * reference[i * P + p];
        }
      }
      assert.ok(
        relativeError(engine.weightedSum, refWeighted) < 1e-4,
        `weighted: ${relativeError(engine.weightedSum, refWeighted)}`,
      );
      assert.ok(
        relativeError(engine.clippedSum, refClipped) < 1e-4,
        `clipped: ${relativeError(engine.clippedSum, refClipped)}`,
      );
      assert.ok(relativeError(engine.clipNorms, refNorms.map(Math.sqrt)) < 1e-4);

      // Kronecker factors: A of a first dense layer from the raw inputs; G of the output layer
      // from the per-example bias gradients (for a dense layer, gᵢ(b) = δᵢ).
      const layers = c.architecture.layers;
      const xs = c.input(N, seed);
      if (layers[0].type === "dense") {
        const d = c.architecture.inputShape[0];
        const A = new Float64Array((d + 1) * (d + 1));
        for (let i = 0; i < N; i++) {
          const a = [...xs.subarray(i * d, (i + 1) * d), 1];
          for (let r = 0; r <= d; r++) for (let q = 0; q <= d; q++) A[r * (d + 1) + q] += (a[r] * a[q]) / N;
        }
        assert.ok(relativeError(engine.kronecker[0].activations, A) < 1e-5);
      }
      const last = layers[layers.length - 1];
      if (last.type === "dense") {
        const units = last.units;
        const G = new Float64Array(units * units);
        for (let i = 0; i < N; i++) {
          const delta = reference.subarray((i + 1) * P - units, (i + 1) * P);
          for (let r = 0; r < units; r++)
            for (let q = 0; q < units; q++) G[r * units + q] += (delta[r] * delta[q]) / N;
        }
        const factors = engine.kronecker[engine.kronecker.length - 1];
        assert.ok(
          relativeError(factors.outputGradients, G) < 1e-4,
          `G: ${relativeError(factors.outputGradients, G)}`,
        );
      }

      // the summed gradient vs central finite differences of the summed loss
      const coordinates = Array.from({ length: Math.min(P, 40) }, (_, k) =>
        Math.floor((k * P) / Math.min(P, 40)),
      );
      const fd = finiteDifferenceGradient(model, x, y, coordinates, c.fdStep);
      const analytic = coordinates.map((p) => {
        let s = 0;
        for (let i = 0; i < N; i++) s += reference[i * P + p];
        return s;
      });
      const engineSum = coordinates.map((p) => {
        let s = 0;
        for (let i = 0; i < N; i++) s += engine.perExample[i * P + p];
        return s;
      });
      assert.ok(relativeError(engineSum, fd) < 2e-2, `finite differences: ${relativeError(engineSum, fd)}`);
      assert.ok(relativeError(analytic, fd) < 2e-2);
      tf.dispose([x, y]);
      model.dispose();
      await initBackend("wasm");
    });
  }
});
