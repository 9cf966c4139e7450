import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UserError } from "../../src/common/errors.js";
import { createRandom } from "../../src/common/rng.js";
import { influence, testLossQueries } from "../../src/explain/influence/influence.js";
import { solveInverseHvp } from "../../src/explain/influence/solvers.js";
import type { ExplainableModel } from "../../src/explain/model.js";
import { fitLogisticRegression, LogisticModel } from "../../src/explain/models/logistic.js";
import { fitMlp, MlpModel } from "../../src/explain/models/mlp.js";
import { maxAbsDifference, smallProblem } from "./helpers.js";

const train = smallProblem(250, 6, 7);
const test = smallProblem(30, 6, 8);
const model = fitLogisticRegression(train, { C: 0.5 }).model;
const testRows = [0, 3, 7, 11];
const queries = () => testLossQueries(model, test, testRows);

function relative(a: Float64Array, b: Float64Array): number {
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  return maxAbsDifference(a, b) / scale;
}

describe("influence functions", () => {
  it("predict the derivative of retraining: finite differences of refits with the row down-weighted", () => {
    // I(i) = d/dε [ℓ_t(θ̂(wᵢ = 1 − ε)) − ℓ_t(θ̂)] at ε = 0 exactly (a strongly convex objective).
    const exact = influence(model, queries(), { method: "exact", trainRows: [5, 42, 199] });
    const base = model.losses(test);
    [5, 42, 199].forEach((row, r) => {
      const eps = 1e-4;
      const weights = new Float64Array(train.rows).fill(1);
      weights[row] = 1 - eps;
      const refit = model.refit(weights);
      const losses = refit.losses(test);
      testRows.forEach((t, k) => {
        const numeric = (losses[t] - base[t]) / eps;
        const predicted = exact.matrix[k * 3 + r];
        assert.ok(
          Math.abs(numeric - predicted) < 1e-3 * Math.abs(predicted) + 1e-9,
          `row ${row}, test ${t}: ${numeric} vs ${predicted}`,
        );
      });
    });
  });

  it("agree across exact, conjugate gradient, full-rank Arnoldi and converged LiSSA", () => {
    const exact = influence(model, queries(), { method: "exact" });
    const cg = influence(model, queries(), { method: "cg", cgTolerance: 1e-12 });
    const arnoldi = influence(model, queries(), { method: "arnoldi", arnoldiIterations: 7, arnoldiRank: 7 });
    const lissa = influence(model, queries(), {
      method: "lissa",
      lissaDepth: 4000,
      lissaBatchSize: 250,
      seed: 1,
    });
    assert.ok(relative(cg.matrix, exact.matrix) < 1e-8, `cg ${relative(cg.matrix, exact.matrix)}`);
    assert.ok(
      relative(arnoldi.matrix, exact.matrix) < 1e-8,
      `arnoldi ${relative(arnoldi.matrix, exact.matrix)}`,
    );
    // Full-batch "mini-batches" (250 of 250 rows drawn with replacement): the series converges near H⁻¹.
    assert.ok(relative(lissa.matrix, exact.matrix) < 0.05, `lissa ${relative(lissa.matrix, exact.matrix)}`);
    assert.ok(exact.trusted && cg.trusted);
  });

  it("batch queries: many test points give the same numbers as one at a time", () => {
    for (const method of ["exact", "cg", "ekfac"] as const) {
      const together = influence(model, queries(), { method, cgTolerance: 1e-12 });
      testRows.forEach((t, k) => {
        const alone = influence(model, testLossQueries(model, test, [t]), { method, cgTolerance: 1e-12 });
        const row = together.matrix.subarray(k * train.rows, (k + 1) * train.rows);
        assert.ok(relative(row, alone.matrix) < 1e-9, method);
      });
    }
  });

  it("EK-FAC is exact where its factorisation is: a linear softmax model on one training row", () => {
    const one = { rows: 1, cols: 4, X: Float64Array.of(0.3, -1.2, 0.5, 2), y: Float64Array.of(1) };
    const architecture = { inputs: 4, hidden: [], activation: "tanh" as const, outputs: 3 };
    const linear = new MlpModel(
      architecture,
      one,
      Float64Array.from({ length: 15 }, (_, i) => Math.sin(i)),
      { l2: 0.3 },
    );
    const q = Float64Array.from({ length: 15 }, (_, i) => Math.cos(i));
    const exact = solveInverseHvp(linear, "exact", q, 1).solutions;
    const ekfac = solveInverseHvp(linear, "ekfac", q, 1).solutions;
    assert.ok(maxAbsDifference(exact, ekfac) < 1e-10 * (1 + Math.max(...exact.map(Math.abs))));
  });

  it("say when they cannot be trusted: far from a stationary point", () => {
    const unfitted = new LogisticModel(train, new Float64Array(7), { C: 0.5 });
    const result = influence(unfitted, testLossQueries(unfitted, test, [0]), { method: "exact" });
    assert.equal(result.trusted, false);
    assert.match(result.warnings[0], /not at a stationary point \(‖∇F‖∞ = [0-9.e+-]+/);
  });

  it("say when they cannot be trusted: negative curvature met by conjugate gradient", () => {
    // A quadratic with Hessian diag(1, −1): the seam's minimum needed by the solver.
    const saddle = {
      parameterCount: 2,
      hessianVectorProducts: (v: Float64Array, count: number) =>
        Float64Array.from({ length: 2 * count }, (_, k) => (k % 2 === 0 ? v[k] : -v[k])),
    } as unknown as ExplainableModel;
    const solved = solveInverseHvp(saddle, "cg", Float64Array.of(1, 1), 1);
    assert.match(solved.warnings[0], /negative curvature/);
  });

  it("refuse an explicit Hessian beyond the memory limit and name the methods that fit", () => {
    assert.throws(
      () => influence(model, queries(), { method: "exact", memoryLimitBytes: 100 }),
      (error: unknown) => error instanceof UserError && /--method cg .* or ekfac/.test(error.message),
    );
  });

  it("TracIn sums gradient similarity over checkpoints, weighted by the learning rate", () => {
    const random = createRandom(3);
    const other = Float64Array.from(model.parameters, (t) => t + 0.1 * random.normal());
    const similarity = influence(model, queries(), { method: "gradient-similarity" });
    const atOther = influence(
      model.withParameters(other),
      testLossQueries(model.withParameters(other), test, testRows),
      {
        method: "gradient-similarity",
      },
    );
    const tracin = influence(model, queries(), {
      method: "tracin",
      checkpoints: [
        { parameters: model.parameters, learningRate: 0.5 },
        { parameters: other, learningRate: 0.25 },
      ],
    });
    const expected = similarity.matrix.map((v, k) => 0.5 * v + 0.25 * atOther.matrix[k]);
    assert.ok(relative(tracin.matrix, expected) < 1e-12);
  });
});

describe("influence on an MLP (tanh, weight decay) trained to a stationary point", () => {
  it("CG with exact Hessian-vector products tracks leave-one-out retraining", () => {
    const small = smallProblem(120, 5, 21);
    const architecture = { inputs: 5, hidden: [6], activation: "tanh" as const, outputs: 1 };
    const fit = fitMlp(architecture, small, { l2: 120 * 0.05, seed: 1 });
    assert.ok(fit.converged, `gradient norm ${fit.gradientNorm}`);
    const queriesMlp = testLossQueries(
      fit.model,
      test.cols === 6 ? smallProblem(20, 5, 22) : test,
      [0, 1, 2, 3],
    );
    const trainRows = [0, 10, 20, 30, 40, 50, 60, 70];
    const cg = influence(fit.model, queriesMlp, { method: "cg", trainRows, cgTolerance: 1e-10 });
    const exact = influence(fit.model, queriesMlp, { method: "exact", trainRows });
    assert.ok(relative(cg.matrix, exact.matrix) < 1e-6);
    assert.ok(cg.trusted, cg.warnings.join("; "));
  });
});
