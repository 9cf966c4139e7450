import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { UserError } from "../../src/common/errors.js";
import { createRandom } from "../../src/common/rng.js";
import type { Examples } from "../../src/explain/data.js";
import { influence, methodsFor, testLossQueries } from "../../src/explain/influence/influence.js";
import { leaveOneOut } from "../../src/explain/loo.js";
import {
  type CnnArchitecture,
  CnnModel,
  fitCnn,
  initialCnnParameters,
} from "../../src/explain/models/cnn.js";
import { explainableArchitecture, explainableFromEngine } from "../../src/explain/models/convert.js";
import { modelFromTransfer, modelToTransfer } from "../../src/explain/models/transfer.js";
import { spearman } from "../../src/explain/stats.js";
import { buildModel, initBackend } from "../../src/nn/index.js";
import { maxAbsDifference } from "./helpers.js";

/** n images h×w×c; the label follows the mean brightness of the top-left quarter of channel 0, with noise. */
function images(n: number, h: number, w: number, c: number, seed: number, classes = 2): Examples {
  const random = createRandom(seed);
  const cols = h * w * c;
  const X = new Float64Array(n * cols);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < cols; j++) X[i * cols + j] = random.normal();
    let bright = 0;
    for (let r = 0; r < h / 2; r++) for (let q = 0; q < w / 2; q++) bright += X[i * cols + (r * w + q) * c];
    const score = bright / Math.sqrt((h * w) / 4) + 0.7 * random.normal();
    y[i] = classes === 2 ? (score > 0 ? 1 : 0) : Math.min(classes - 1, Math.max(0, Math.floor(score + 1.5)));
  }
  return { rows: n, cols, X, y };
}

/** Every stage kind: "same" and "valid" convolutions, stride 2, max and average pooling with padding. */
function tinyArchitecture(outputs: number, activation: "tanh" | "sigmoid"): CnnArchitecture {
  return {
    inputShape: [6, 6, 2],
    layers: [
      { type: "conv2d", filters: 3, kernelSize: 3, padding: "same" },
      { type: activation },
      { type: "maxpool", poolSize: 2 },
      { type: "conv2d", filters: 2, kernelSize: 2, stride: 1, padding: "valid" },
      { type: "tanh" },
      { type: "avgpool", poolSize: 2, stride: 1, padding: "same" },
      { type: "flatten" },
      { type: "dense", units: outputs },
    ],
  };
}

describe("float64 CNN: derivatives against central finite differences", () => {
  for (const [outputs, activation] of [
    [1, "tanh"],
    [3, "sigmoid"],
  ] as const) {
    it(`${outputs} output${outputs > 1 ? "s" : ""}, ${activation}`, () => {
      const n = 12;
      const train = images(n, 6, 6, 2, 3, Math.max(outputs, 2));
      const architecture = tinyArchitecture(outputs, activation);
      const theta = initialCnnParameters(architecture, 1).map((t) => 2 * t);
      const weights = Float64Array.from({ length: n }, (_, i) => 0.5 + (i % 3) * 0.5);
      const model = new CnnModel(architecture, train, theta, { l2: 0.3, weights });
      const p = model.parameterCount;
      assert.equal(p, (9 * 2 + 1) * 3 + (4 * 3 + 1) * 2 + (2 * 2 * 2 + 1) * outputs);
      const h = 1e-6;
      const shifted = (direction: Float64Array, step: number) =>
        Float64Array.from(theta, (t, j) => t + step * direction[j]);
      const unit = (j: number) => Float64Array.from({ length: p }, (_, k) => (k === j ? 1 : 0));
      const gradient = model.objectiveGradient();
      for (let j = 0; j < p; j++) {
        const numeric =
          (model.objectiveAt(shifted(unit(j), h), weights) -
            model.objectiveAt(shifted(unit(j), -h), weights)) /
          (2 * h);
        assert.ok(Math.abs(numeric - gradient[j]) < 1e-6 * (1 + Math.abs(gradient[j])), `∂F/∂θ${j}`);
      }
      // Hessian-vector products (R-operator) against differences of exact gradients.
      const random = createRandom(5);
      const v = Float64Array.from({ length: p }, () => random.normal());
      const Hv = model.hessianVectorProducts(v, 1);
      const up = new Float64Array(p);
      const down = new Float64Array(p);
      model.objectiveAt(shifted(v, h), weights, up);
      model.objectiveAt(shifted(v, -h), weights, down);
      const numericHv = up.map((g, j) => (g - down[j]) / (2 * h));
      const scale = 1 + Math.max(...Hv.map(Math.abs));
      assert.ok(
        maxAbsDifference(numericHv, Hv) < 1e-6 * scale,
        `H·v off by ${maxAbsDifference(numericHv, Hv)}`,
      );
      // The explicit Hessian is symmetric and agrees with the products.
      const H = model.hessian();
      const Hv2 = new Float64Array(p);
      for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) Hv2[i] += H[i * p + j] * v[j];
      assert.ok(maxAbsDifference(Hv2, Hv) < 1e-9 * scale);
      // Per-example loss gradients.
      const lossGradient = model.lossGradients(train, [4]);
      const single = (t: Float64Array) => model.withParameters(t).losses(train)[4];
      for (let j = 0; j < p; j += 2) {
        const numeric = (single(shifted(unit(j), h)) - single(shifted(unit(j), -h))) / (2 * h);
        assert.ok(Math.abs(numeric - lossGradient[j]) < 1e-6, `∂ℓ₄/∂θ${j}`);
      }
      // Removal gradients are ∇F − ∇F₋ᵢ; their products are their dot products.
      const removal = model.removalGradients([7]);
      const without = Float64Array.from(weights);
      without[7] = 0;
      const reduced = new Float64Array(p);
      model.objectiveAt(theta, without, reduced);
      assert.ok(
        maxAbsDifference(
          removal,
          gradient.map((g, j) => g - reduced[j]),
        ) < 1e-12,
      );
      const products = model.removalGradientProducts([7], v, 1);
      let direct = 0;
      for (let j = 0; j < p; j++) direct += removal[j] * v[j];
      assert.ok(Math.abs(products[0] - direct) < 1e-12 * (1 + Math.abs(direct)));
      // Gradient of a linear functional of P(y = 1).
      const coefficients = Float64Array.from({ length: n }, (_, i) => (i % 4) - 1.5);
      const probabilityGradient = model.probabilityGradient(train, coefficients);
      const functional = (t: Float64Array) => {
        const P = model.withParameters(t).probabilities(train);
        let s = 0;
        for (let i = 0; i < n; i++) s += coefficients[i] * P[i * model.classes + 1];
        return s;
      };
      for (let j = 0; j < p; j += 3) {
        const numeric = (functional(shifted(unit(j), h)) - functional(shifted(unit(j), -h))) / (2 * h);
        assert.ok(Math.abs(numeric - probabilityGradient[j]) < 1e-6, `∂P/∂θ${j}`);
      }
    });
  }
});

describe("the engine's CNN as an explainable model", () => {
  it("predicts what the engine predicts (layout, padding, pooling), and survives a thread transfer", async () => {
    await initBackend("cpu");
    const shape = [8, 8, 1] as const;
    const network = buildModel("cnn:2,3", shape, 2, 7);
    const data = images(10, 8, 8, 1, 9);
    const kind = explainableArchitecture(network.architecture);
    assert.equal(kind.family, "cnn");
    const model = explainableFromEngine(network.architecture, network.readParameters(), data, {
      weightDecay: 0.01,
    });
    assert.ok(model instanceof CnnModel);
    const logits = tf.tidy(() =>
      network.predictLogits(tf.tensor(Float32Array.from(data.X), [data.rows, ...shape])).dataSync(),
    );
    network.dispose();
    const ours = model.probabilities(data);
    for (let i = 0; i < data.rows; i++) {
      const engine = 1 / (1 + Math.exp(-logits[i]));
      assert.ok(Math.abs(ours[2 * i + 1] - engine) < 1e-5, `row ${i}: ${ours[2 * i + 1]} vs ${engine}`);
    }
    const rebuilt = modelFromTransfer(structuredClone(modelToTransfer(model)));
    assert.deepEqual(rebuilt.probabilities(data), ours);
  });

  it("refuses a layer it has no rules for, naming it", () => {
    const kind = explainableArchitecture({
      inputShape: [4, 4, 1],
      layers: [
        { type: "conv2d", filters: 2, kernelSize: 3 },
        { type: "groupnorm", groups: 1 },
        { type: "flatten" },
        { type: "dense", units: 1 },
      ],
      loss: "binary-cross-entropy",
    });
    assert.equal(kind.family, "unsupported");
    assert.match(kind.family === "unsupported" ? kind.reason : "", /groupnorm/);
  });
});

describe("influence on a CNN trained to a stationary point", () => {
  const architecture: CnnArchitecture = {
    inputShape: [4, 4, 1],
    layers: [
      { type: "conv2d", filters: 2, kernelSize: 2, padding: "valid" },
      { type: "tanh" },
      // Average pooling: max pooling makes F piecewise smooth, and on this problem its minimum
      // lies on a kink (L-BFGS and Newton stall at ‖∇F‖∞ ≈ 0.39), where influence functions do not apply.
      { type: "avgpool", poolSize: 3, stride: 1 },
      { type: "flatten" },
      { type: "dense", units: 1 },
    ],
  };
  const train = images(80, 4, 4, 1, 21);
  const test = images(10, 4, 4, 1, 22);
  const fit = fitCnn(architecture, train, { l2: 80 * 0.05, seed: 2 });

  it("reaches the stationarity tolerance", () => {
    assert.ok(fit.converged, `‖∇F‖∞ = ${fit.gradientNorm}`);
  });

  it("conjugate-gradient and exact influence rank like true leave-one-out retraining", () => {
    const testRows = Int32Array.of(0, 1, 2, 3);
    const trainRows = Int32Array.from({ length: 16 }, (_, i) => i * 5);
    const loo = leaveOneOut(fit.model, test, testRows, trainRows);
    assert.equal(loo.unconverged.length, 0);
    const queries = testLossQueries(fit.model, test, testRows);
    const cg = influence(fit.model, queries, { method: "cg", trainRows });
    const exact = influence(fit.model, queries, { method: "exact", trainRows });
    assert.ok(cg.trusted, cg.warnings.join("; "));
    const rho = spearman(cg.matrix, loo.matrix);
    assert.ok(rho >= 0.99, `CG Spearman ${rho}`);
    assert.ok(
      maxAbsDifference(cg.matrix, exact.matrix) < 1e-6 * (1 + Math.max(...exact.matrix.map(Math.abs))),
    );
    // Gradient similarity is TracIn at the final parameters with η = 1.
    const similarity = influence(fit.model, queries, { method: "gradient-similarity", trainRows });
    const tracin = influence(fit.model, queries, {
      method: "tracin",
      trainRows,
      checkpoints: [{ parameters: fit.model.parameters, learningRate: 1 }],
    });
    assert.deepEqual(similarity.matrix, tracin.matrix);
  });

  it("a method that does not apply says which do", () => {
    assert.ok(!methodsFor(fit.model).includes("ekfac"));
    assert.throws(
      () => influence(fit.model, testLossQueries(fit.model, test, [0]), { method: "ekfac" }),
      (error: unknown) =>
        error instanceof UserError &&
        /ekfac/.test(error.message) &&
        /cg/.test(error.message) &&
        /tracin/.test(error.message),
    );
  });
});
