import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { UserError } from "../../src/common/errors.js";
import { createRandom } from "../../src/common/rng.js";
import type { Split } from "../../src/data/index.js";
import { fitRecipe, parseRecipe } from "../../src/fit/index.js";
import { characterise } from "../../src/nas/characterise.js";
import {
  fitDebiased,
  groupBalancingWeights,
  groupDroGradient,
  jttWeights,
  trainingGroups,
} from "../../src/nas/debias/index.js";
import { counterfactual, type NasTask } from "../../src/nas/tasks.js";
import { architectureFor, initBackend, Sequential } from "../../src/nn/index.js";

before(async () => {
  await initBackend("wasm");
});

/**
 * n rows of [signal, proxy=A, proxy=B]; y = 1 when signal > 0; the proxy agrees with
 * y (B for 1) on the aligned rows — a share `rho` of them — and disagrees elsewhere.
 */
function spuriousSplit(n: number, rho: number, seed: number): Split {
  const random = createRandom(seed);
  const data = new Float32Array(n * 3);
  const y = new Float32Array(n);
  const bias = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const signal = random.normal();
    y[i] = signal > 0 ? 1 : 0;
    bias[i] = random.uniform() < rho ? 0 : 1;
    const proxy = bias[i] === 0 ? y[i] : 1 - y[i];
    data[i * 3] = signal;
    data[i * 3 + 1 + proxy] = 1;
  }
  return {
    X: { rows: n, cols: 3, data },
    y,
    sensitive: [{ name: "bias", categories: ["aligned", "conflicting"], codes: bias }],
  };
}

const task: Pick<NasTask, "attribute" | "classNames" | "numClasses" | "probe" | "kind"> = {
  attribute: "bias",
  classNames: ["no", "yes"],
  numClasses: 2,
  kind: "biased",
  probe: { kind: "one-hot", column: "proxy", categories: ["A", "B"], firstFeature: 1 },
};

/** Logistic regression with logit w·x + b. */
function logreg(w: number[], b: number): Sequential {
  const model = new Sequential(architectureFor("logreg", [w.length], 2), { seed: 0 });
  const specs = model.parameterSpecs();
  model.setParameters(
    specs.map((spec) => (spec.shape.length === 2 ? tf.tensor(w, spec.shape) : tf.tensor([b], spec.shape))),
  );
  return model;
}

test("characterisation of a network that reads only the proxy: aligned 1, conflicting 0, every prediction flips", () => {
  const split = spuriousSplit(400, 0.5, 1);
  const model = logreg([0, -5, 5], 0);
  const c = characterise(model, split, task, { probeSeed: 0 });
  assert.equal(c.alignedAccuracy, 1);
  assert.equal(c.conflictingAccuracy, 0);
  assert.equal(c.biasGap, 1);
  assert.equal(c.worstGroupAccuracy, 0);
  assert.equal(c.flipRate, 1);
  assert.ok(Math.abs(c.accuracy - split.sensitive[0].codes.filter((b) => b === 0).length / 400) < 1e-12);
  model.dispose();
});

test("characterisation of a network that ignores the proxy: no gap beyond the groups' own accuracy, no flips", () => {
  const split = spuriousSplit(400, 0.5, 2);
  const model = logreg([10, 0, 0], 0);
  const c = characterise(model, split, task, { probeSeed: 0 });
  assert.equal(c.accuracy, 1);
  assert.equal(c.biasGap, 0);
  assert.equal(c.worstGroupAccuracy, 1);
  assert.equal(c.flipRate, 0);
  // Predictions equal labels: equalized odds difference 0.
  assert.equal(c.eoDifference, 0);
  model.dispose();
});

test("the one-hot probe swaps the proxy and nothing else", () => {
  const split = spuriousSplit(50, 0.9, 3);
  const swapped = counterfactual(task, split, 0)!;
  for (let i = 0; i < 50; i++) {
    assert.equal(swapped.X.data[i * 3], split.X.data[i * 3]);
    assert.equal(swapped.X.data[i * 3 + 1], split.X.data[i * 3 + 2]);
    assert.equal(swapped.X.data[i * 3 + 2], split.X.data[i * 3 + 1]);
  }
  assert.equal(counterfactual({ probe: { kind: "none", reason: "x" } }, split, 0), null);
});

test("group reweighting: every (label × attribute) group weighs N/G in total", () => {
  const split = spuriousSplit(300, 0.9, 4);
  const groups = trainingGroups(split, "bias", ["no", "yes"]);
  assert.equal(groups.count, 4);
  const weights = groupBalancingWeights(groups);
  const totals = new Float64Array(4);
  for (let i = 0; i < 300; i++) totals[groups.groupOfRow[i]] += weights[i];
  for (const total of totals) assert.ok(Math.abs(total - 300 / 4) < 1e-3, `${total}`);
});

test("JTT upweights exactly the identification model's errors", () => {
  const split = spuriousSplit(200, 0.8, 5);
  const model = logreg([0, -5, 5], 0); // errs on the conflicting rows
  const { weights, errors } = jttWeights(model, split.X, split.y, 20);
  const conflicting = split.sensitive[0].codes;
  assert.equal(errors, conflicting.filter((b) => b === 1).length);
  for (let i = 0; i < 200; i++) assert.equal(weights[i], conflicting[i] === 1 ? 20 : 1);
  model.dispose();
});

test("Group DRO step (Sagawa et al. 2020, Alg. 1): q ∝ exp(η·mean group loss), gradient Σ_g q_g ∇(mean loss of g) — closed form for logistic regression", () => {
  const split = spuriousSplit(64, 0.7, 6);
  const groups = trainingGroups(split, "bias", ["no", "yes"]);
  const w = [0.7, -0.3, 0.4];
  const b = 0.1;
  const model = logreg(w, b);
  const eta = 0.5;
  const computer = groupDroGradient(groups.groupOfRow, groups.count, eta);
  const indices = Int32Array.from({ length: 64 }, (_, i) => i);
  const x = tf.tensor2d(split.X.data, [64, 3]);
  const labels = tf.tensor1d(split.y);
  const result = computer.compute(model, {
    x,
    labels,
    weightSum: 64,
    indices,
    expectedBatchSize: 64,
    datasetSize: 64,
  });
  // Independent closed form: ℓ = softplus(z) − y·z, ∂ℓ/∂z = σ(z) − y.
  const losses: number[] = [];
  const residuals: number[] = [];
  for (let i = 0; i < 64; i++) {
    const row = Array.from(split.X.data.slice(i * 3, i * 3 + 3));
    const z = row.reduce((s, v, k) => s + v * w[k], b);
    losses.push(Math.log1p(Math.exp(z)) - split.y[i] * z);
    residuals.push(1 / (1 + Math.exp(-z)) - split.y[i]);
  }
  const sums = new Float64Array(4);
  const counts = new Float64Array(4);
  for (let i = 0; i < 64; i++) {
    sums[groups.groupOfRow[i]] += losses[i];
    counts[groups.groupOfRow[i]]++;
  }
  const logits = Array.from(sums, (s, g) => (counts[g] > 0 ? eta * (s / counts[g]) : 0));
  const top = Math.max(...logits);
  const unnormalised = logits.map((v) => Math.exp(v - top));
  const total = unnormalised.reduce((a, c) => a + c, 0);
  const q = unnormalised.map((v) => v / total);
  const got = computer.groupWeights();
  for (let g = 0; g < 4; g++) assert.ok(Math.abs(got[g] - q[g]) < 1e-5, `q[${g}] ${got[g]} vs ${q[g]}`);
  const expected = [0, 0, 0, 0];
  for (let i = 0; i < 64; i++) {
    const g = groups.groupOfRow[i];
    const factor = (q[g] / counts[g]) * residuals[i];
    for (let k = 0; k < 3; k++) expected[k] += factor * split.X.data[i * 3 + k];
    expected[3] += factor;
  }
  const gradients = result.gradients.flatMap((t) => Array.from(t.dataSync()));
  for (let k = 0; k < 4; k++)
    assert.ok(Math.abs(gradients[k] - expected[k]) < 1e-4, `∂${k}: ${gradients[k]} vs ${expected[k]}`);
  tf.dispose([x, labels, ...result.gradients, result.lossSum]);
  model.dispose();
});

test("every debiasing baseline trains any architecture through the recipe; a replaced objective is refused under DP", () => {
  const train = spuriousSplit(256, 0.95, 7);
  const data = { train, inputShape: [3], numClasses: 2, classNames: ["no", "yes"], attribute: "bias" };
  const recipe = parseRecipe({ model: "mlp:width=8", epochs: 2, batchSize: 64, seed: 0 });
  for (const method of ["none", "reweight", "group-dro", "lff", "jtt"] as const) {
    const fitted = fitDebiased(recipe, data, { method });
    assert.equal(fitted.debias.method, method);
    assert.equal(fitted.training.history.length, 2);
    if (method === "group-dro" || method === "lff")
      assert.match(fitted.training.gradient, new RegExp(method));
    fitted.model.dispose();
  }
  const privateRecipe = parseRecipe({
    model: "logreg",
    epochs: 1,
    batchSize: 64,
    privacy: { noiseMultiplier: 1, clip: 1, noiseSeed: 0 },
  });
  assert.throws(
    () => fitRecipe(privateRecipe, { train, inputShape: [3], numClasses: 2 }, { gradient: (g) => g }),
    UserError,
  );
});
