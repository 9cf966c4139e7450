import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRandom, permutation } from "../../src/common/rng.js";
import { influence, testLossQueries } from "../../src/explain/influence/influence.js";
import { leaveOneOut, leaveOneOutParallel } from "../../src/explain/loo.js";
import { fitLogisticRegression, LogisticModel } from "../../src/explain/models/logistic.js";
import { createThreadRunner } from "../../src/explain/parallel/node-threads.js";
import { pearson, spearman } from "../../src/explain/stats.js";
import { adultData, maxAbsDifference, smallProblem } from "./helpers.js";

describe("exact logistic regression", () => {
  it("has the gradient and Hessian of its objective (central finite differences)", () => {
    const train = smallProblem(60, 5, 1);
    const weights = Float64Array.from({ length: 60 }, (_, i) => 0.5 + (i % 3) * 0.5);
    const random = createRandom(2);
    const theta = Float64Array.from({ length: 6 }, () => random.normal());
    const model = new LogisticModel(train, theta, { C: 0.7, weights });
    const h = 1e-6;
    const gradient = model.objectiveGradient();
    const H = model.hessian();
    for (let j = 0; j < 6; j++) {
      const up = Float64Array.from(theta);
      const down = Float64Array.from(theta);
      up[j] += h;
      down[j] -= h;
      const numeric =
        (model.withParameters(up).objective() - model.withParameters(down).objective()) / (2 * h);
      assert.ok(Math.abs(numeric - gradient[j]) < 1e-6 * (1 + Math.abs(gradient[j])), `gradient ${j}`);
      const column = model
        .withParameters(up)
        .objectiveGradient()
        .map((g, k) => (g - model.withParameters(down).objectiveGradient()[k]) / (2 * h));
      assert.ok(maxAbsDifference(column, H.subarray(j * 6, (j + 1) * 6)) < 1e-5, `Hessian column ${j}`);
    }
    const v = Float64Array.from({ length: 12 }, () => random.normal());
    const Hv = model.hessianVectorProducts(v, 2);
    for (let k = 0; k < 2; k++) {
      for (let i = 0; i < 6; i++) {
        let expected = 0;
        for (let j = 0; j < 6; j++) expected += H[i * 6 + j] * v[k * 6 + j];
        assert.ok(Math.abs(expected - Hv[k * 6 + i]) < 1e-10 * (1 + Math.abs(expected)));
      }
    }
  });

  it("reaches ‖∇F‖∞ ≤ 1e-10 by Newton's method", () => {
    const fit = fitLogisticRegression(smallProblem(300, 6, 3), { C: 2 });
    assert.ok(fit.converged && fit.gradientNorm <= 1e-10, `gradient norm ${fit.gradientNorm}`);
    assert.ok(fit.iterations < 20);
  });

  it("refits without one row to the same optimum as a fresh fit (Sherman–Morrison warm start)", () => {
    const train = smallProblem(200, 5, 4);
    const model = fitLogisticRegression(train).model;
    for (const row of [0, 17, 199]) {
      const fast = model.refitWithout(row);
      const weights = new Float64Array(200).fill(1);
      weights[row] = 0;
      const fresh = fitLogisticRegression(train, { weights });
      assert.ok(fast.converged && fast.gradientNorm <= 1e-10);
      assert.ok(maxAbsDifference(fast.parameters, fresh.model.parameters) < 1e-9);
    }
  });
});

describe("leave-one-out on worker threads", () => {
  it("gives the same matrix as in this thread", async () => {
    const train = smallProblem(150, 5, 9);
    const test = smallProblem(20, 5, 10);
    const model = fitLogisticRegression(train).model;
    const trainRows = Int32Array.from({ length: 12 }, (_, i) => i * 7);
    const testRows = Int32Array.of(0, 4, 9);
    const runner = createThreadRunner(2);
    try {
      const parallel = await leaveOneOutParallel(model, test, testRows, trainRows, runner);
      const serial = leaveOneOut(model, test, testRows, trainRows);
      assert.ok(maxAbsDifference(parallel.matrix, serial.matrix) < 1e-15);
      assert.equal(parallel.unconverged.length, 0);
    } finally {
      await runner.close();
    }
  });
});

describe("Adult, logistic regression with C = 1 (the issue's published checks)", () => {
  it("matches scikit-learn: intercept, objective, test accuracy", async () => {
    const data = await adultData();
    const fit = fitLogisticRegression(data.train, { C: 1 });
    assert.ok(fit.converged);
    assert.ok(
      Math.abs(fit.model.parameters[104] - -3.1605799643567916) < 1e-9,
      `intercept ${fit.model.parameters[104]}`,
    );
    assert.ok(
      Math.abs(fit.model.objective() - 9773.032780176005) < 1e-8,
      `objective ${fit.model.objective()}`,
    );
    const z = fit.model.scores(data.test);
    let correct = 0;
    for (let i = 0; i < data.test.rows; i++) if ((z[i] > 0 ? 1 : 0) === data.test.y[i]) correct++;
    assert.equal((correct / data.test.rows).toFixed(6), "0.847742");
  });

  it("reproduces the published leave-one-out and influence pairs", async () => {
    const data = await adultData();
    const model = fitLogisticRegression(data.train, { C: 1 }).model;
    const loo = leaveOneOut(model, data.test, Int32Array.of(248, 41), Int32Array.of(9511, 175));
    const exact = influence(model, testLossQueries(model, data.test, [248, 41]), {
      method: "exact",
      trainRows: [9511, 175],
    });
    // [test 248: train 9511, 175; test 41: train 9511, 175]
    assert.equal(loo.matrix[0].toPrecision(6), "0.0192854");
    assert.equal(exact.matrix[0].toPrecision(6), "0.0190682");
    assert.equal(loo.matrix[3].toExponential(4), "7.2174e-5");
    assert.equal(exact.matrix[3].toExponential(4), "7.1355e-5");
    assert.ok(exact.trusted && exact.warnings.length === 0);
  });

  it("exact influence agrees with true leave-one-out retraining (Spearman and Pearson ≥ 0.999)", async () => {
    const data = await adultData();
    const model = fitLogisticRegression(data.train, { C: 1 }).model;
    const random = createRandom(12);
    const trainRows = permutation(data.train.rows, random).slice(0, 40);
    const testRows = permutation(data.test.rows, random).slice(0, 20);
    const loo = leaveOneOut(model, data.test, testRows, trainRows);
    assert.equal(loo.unconverged.length, 0);
    const exact = influence(model, testLossQueries(model, data.test, testRows), {
      method: "exact",
      trainRows,
    });
    assert.ok(spearman(exact.matrix, loo.matrix) >= 0.999, `Spearman ${spearman(exact.matrix, loo.matrix)}`);
    assert.ok(pearson(exact.matrix, loo.matrix) >= 0.999, `Pearson ${pearson(exact.matrix, loo.matrix)}`);
  });
});
