import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { refitWithout } from "../../src/explain/loo.js";
import { flipLabels, mislabelScores } from "../../src/explain/mislabels.js";
import { fitLogisticRegression } from "../../src/explain/models/logistic.js";
import { outOfFoldLosses } from "../../src/explain/out-of-fold.js";
import { recallAtK } from "../../src/explain/stats.js";
import { initBackend } from "../../src/nn/index.js";
import { smallProblem } from "./helpers.js";

describe("mislabel scores", () => {
  const clean = smallProblem(300, 5, 41);
  const { examples: train, flipped } = flipLabels(clean, 0.1, 1);
  const model = fitLogisticRegression(train, { C: 1 }).model;

  it("flip exactly the stated share of labels, reproducibly", () => {
    assert.equal(flipped.length, 30);
    for (const i of flipped) assert.equal(train.y[i], 1 - clean.y[i]);
    assert.deepEqual(flipLabels(clean, 0.1, 1).flipped, flipped);
  });

  it("loo-loss is the row's loss under the model refitted without it (Newton step vs converged refit)", () => {
    const scores = mislabelScores(model, "loo-loss");
    for (const row of [0, 5, flipped[0], flipped[1]]) {
      const refit = model.withParameters(refitWithout(model, row).parameters);
      const exact = refit.losses(train)[row];
      assert.ok(
        Math.abs(scores[row] - exact) < 1e-3 * exact + 1e-6,
        `row ${row}: ${scores[row]} vs ${exact}`,
      );
    }
  });

  it("self-influence is rᵢᵀH⁻¹rᵢ and training loss is ℓᵢ", () => {
    const self = mislabelScores(model, "self-influence");
    const losses = mislabelScores(model, "training-loss");
    assert.ok(self.every((v) => v >= 0));
    assert.deepEqual(losses, model.losses(train));
  });

  it("every score finds flipped labels far better than chance (10 %)", async () => {
    for (const score of ["loo-loss", "training-loss", "cross-validated"] as const) {
      const recall = recallAtK(mislabelScores(model, score), flipped, flipped.length);
      assert.ok(recall > 0.4, `${score}: ${recall}`);
    }
    await initBackend();
    const oof = outOfFoldLosses(train, { folds: 5, repeats: 1, epochs: 20, learningRate: 1e-2 });
    const recall = recallAtK(oof.scores, flipped, flipped.length);
    assert.ok(recall > 0.4, `out-of-fold: ${recall}`);
  });
});
