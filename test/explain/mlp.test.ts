import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import { influence, testLossQueries } from "../../src/explain/influence/influence.js";
import { leaveOneOut } from "../../src/explain/loo.js";
import { fitMlp, initialMlpParameters, MlpModel } from "../../src/explain/models/mlp.js";
import { spearman } from "../../src/explain/stats.js";
import { maxAbsDifference, smallProblem } from "./helpers.js";

describe("float64 MLP: derivatives against central finite differences", () => {
  for (const [outputs, activation] of [
    [1, "tanh"],
    [3, "tanh"],
    [2, "sigmoid"],
    [1, "relu"],
  ] as const) {
    it(`${outputs} output${outputs > 1 ? "s" : ""}, ${activation}`, () => {
      const n = 30;
      const train = smallProblem(n, 5, 3);
      if (outputs === 3) for (let i = 0; i < n; i++) train.y[i] = i % 3;
      const architecture = { inputs: 5, hidden: [4, 3], activation, outputs };
      const theta = initialMlpParameters(architecture, 1);
      const weights = Float64Array.from({ length: n }, (_, i) => 0.5 + (i % 3) * 0.5);
      const model = new MlpModel(architecture, train, theta, { l2: 0.3, weights });
      const p = model.parameterCount;
      const h = 1e-6;
      const shifted = (direction: Float64Array, step: number) =>
        Float64Array.from(theta, (t, j) => t + step * direction[j]);
      const unit = (j: number) => Float64Array.from({ length: p }, (_, k) => (k === j ? 1 : 0));
      // Gradient of F.
      const gradient = model.objectiveGradient();
      for (let j = 0; j < p; j += 3) {
        const numeric =
          (model.objectiveAt(shifted(unit(j), h), weights) -
            model.objectiveAt(shifted(unit(j), -h), weights)) /
          (2 * h);
        assert.ok(Math.abs(numeric - gradient[j]) < 1e-6 * (1 + Math.abs(gradient[j])), `∂F/∂θ${j}`);
      }
      // Hessian-vector products (R-operator) against differences of gradients.
      const random = createRandom(5);
      const v = Float64Array.from({ length: p }, () => random.normal());
      const Hv = model.hessianVectorProducts(v, 1);
      const up = new Float64Array(p);
      const down = new Float64Array(p);
      model.objectiveAt(shifted(v, h), weights, up);
      model.objectiveAt(shifted(v, -h), weights, down);
      const numericHv = up.map((g, j) => (g - down[j]) / (2 * h));
      assert.ok(maxAbsDifference(numericHv, Hv) < 1e-6 * (1 + Math.max(...Hv.map(Math.abs))));
      // Per-example loss gradients, removal gradients (= ∇F − ∇F₋ᵢ) and their products.
      const lossGradient = model.lossGradients(train, [4]);
      const single = (t: Float64Array) => model.withParameters(t).losses(train)[4];
      for (let j = 0; j < p; j += 5) {
        const numeric = (single(shifted(unit(j), h)) - single(shifted(unit(j), -h))) / (2 * h);
        assert.ok(Math.abs(numeric - lossGradient[j]) < 1e-6, `∂ℓ₄/∂θ${j}`);
      }
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
      for (let j = 0; j < p; j += 4) {
        const numeric = (functional(shifted(unit(j), h)) - functional(shifted(unit(j), -h))) / (2 * h);
        assert.ok(Math.abs(numeric - probabilityGradient[j]) < 1e-6, `∂P/∂θ${j}`);
      }
    });
  }
});

describe("float64 MLP trained to a stationary point", () => {
  const train = smallProblem(120, 5, 21);
  const test = smallProblem(20, 5, 22);
  const architecture = { inputs: 5, hidden: [6], activation: "tanh" as const, outputs: 1 };
  const fit = fitMlp(architecture, train, { l2: 120 * 0.05, seed: 1 });

  it("reaches the stationarity tolerance (L-BFGS, then Newton–CG)", () => {
    assert.ok(fit.converged, `‖∇F‖∞ = ${fit.gradientNorm}`);
    assert.ok(fit.model.stationarity().stationary);
  });

  it("influence by conjugate gradient ranks like true leave-one-out retraining (Spearman ≥ 0.99)", () => {
    const testRows = Int32Array.of(0, 1, 2, 3, 4);
    const trainRows = Int32Array.from({ length: 15 }, (_, i) => i * 8);
    const loo = leaveOneOut(fit.model, test, testRows, trainRows);
    assert.equal(loo.unconverged.length, 0);
    const cg = influence(fit.model, testLossQueries(fit.model, test, testRows), { method: "cg", trainRows });
    const ekfac = influence(fit.model, testLossQueries(fit.model, test, testRows), {
      method: "ekfac",
      trainRows,
    });
    const rho = spearman(cg.matrix, loo.matrix);
    assert.ok(rho >= 0.99, `Spearman ${rho}`);
    assert.ok(
      spearman(ekfac.matrix, loo.matrix) >= 0.8,
      `EK-FAC Spearman ${spearman(ekfac.matrix, loo.matrix)}`,
    );
  });
});
