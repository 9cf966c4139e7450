import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { prepareTask } from "../../src/data/index.js";
import { type MitigationMethod, runMitigation } from "../../src/fit/mitigate.js";
import { isOneLineError, runCli, sharedDatasets } from "../helpers/cli.js";

describe("mitigation lowers its target gap", () => {
  it("on the synthetic biased data (every method, dp; expgrad and threshold, eo)", async () => {
    const task = await prepareTask({ data: "synthetic" });
    const runs: [MitigationMethod, "dp" | "eo"][] = [
      ["reweighing", "dp"],
      ["expgrad", "dp"],
      ["threshold", "dp"],
      ["penalty", "dp"],
      ["expgrad", "eo"],
      ["threshold", "eo"],
    ];
    for (const [method, constraint] of runs) {
      const outcome = await runMitigation({
        train: task.train,
        test: task.test,
        method,
        constraint,
        model: "logreg",
        penaltyWeight: 5,
        engine: { epochs: 5, batchSize: 64, optimizer: { kind: "adam", learningRate: 0.02 } },
      });
      const key = constraint === "dp" ? "demographicParityDifference" : "equalizedOddsDifference";
      assert.ok(
        outcome.after[key] < 0.7 * outcome.before[key],
        `${method}/${constraint}: ${outcome.before[key]} → ${outcome.after[key]}`,
      );
    }
  });

  it("on Adult (sex): exponentiated gradient and the threshold optimiser meet the DP targets", async () => {
    const task = await prepareTask({ data: "adult", dataDir: sharedDatasets, sensitive: ["sex"] });
    const expgrad = await runMitigation({
      train: task.train,
      test: task.test,
      method: "expgrad",
      constraint: "dp",
      model: "logreg",
    });
    assert.ok(expgrad.after.demographicParityDifference <= 0.015, JSON.stringify(expgrad.after));
    assert.ok(expgrad.after.accuracy >= 0.825, JSON.stringify(expgrad.after));
    const threshold = await runMitigation({
      train: task.train,
      test: task.test,
      method: "threshold",
      constraint: "dp",
      model: "logreg",
    });
    assert.ok(threshold.after.demographicParityDifference <= 0.01, JSON.stringify(threshold.after));
    assert.ok(threshold.after.accuracy >= 0.823, JSON.stringify(threshold.after));
    const reweighing = await runMitigation({
      train: task.train,
      test: task.test,
      method: "reweighing",
      constraint: "dp",
      model: "logreg",
    });
    assert.ok(
      reweighing.after.demographicParityDifference < 0.7 * reweighing.before.demographicParityDifference,
    );
  });
});

describe("engine learners train through the recipe", () => {
  it("RecipeLearner.fit is fitRecipe with the reduction's weights, and warm-starts from another learner", async () => {
    const { initBackend } = await import("../../src/nn/index.js");
    const { RecipeLearner, fitRecipe } = await import("../../src/fit/index.js");
    const { predict } = await import("../../src/train/index.js");
    await initBackend("wasm");
    const task = await prepareTask({ data: "synthetic" });
    const weights = Float64Array.from(task.train.y, (_, i) => 0.5 + (i % 3));
    const recipe = { model: "mlp:4", epochs: 2, seed: 3 };
    const learner = new RecipeLearner(recipe);
    learner.fit(task.train.X, task.train.y, weights);
    const fitted = fitRecipe(recipe, {
      train: { ...task.train, sensitive: [] },
      numClasses: 2,
      inputShape: [task.train.X.cols],
      sampleWeights: weights,
    });
    assert.deepEqual(learner.model!.readParameters(), fitted.model.readParameters());
    assert.deepEqual(
      learner.predict(task.test.X),
      Float64Array.from(predict(fitted.model, task.test.X).classes),
    );
    const warm = new RecipeLearner({ ...recipe, epochs: 1 });
    warm.warmStartFrom(learner);
    warm.fit(task.train.X, task.train.y);
    const cold = new RecipeLearner({ ...recipe, epochs: 1 });
    cold.fit(task.train.X, task.train.y);
    assert.notDeepEqual(warm.model!.readParameters(), cold.model!.readParameters());
    for (const model of [learner.model!, fitted.model, warm.model!, cold.model!]) model.dispose();
  });

  it("reweighing with an MLP (an engine model) narrows the demographic parity gap", async () => {
    const task = await prepareTask({ data: "synthetic" });
    const outcome = await runMitigation({
      train: task.train,
      test: task.test,
      method: "reweighing",
      constraint: "dp",
      model: "mlp:8",
      engine: { epochs: 3, batchSize: 64, optimizer: { kind: "adam", learningRate: 0.02 } },
    });
    assert.ok(
      outcome.after.demographicParityDifference < 0.8 * outcome.before.demographicParityDifference,
      JSON.stringify(outcome),
    );
  });
});

describe("equipoise fairness mitigate", () => {
  it("prints before/after figures as JSON", () => {
    const result = runCli(
      ["fairness", "mitigate", "--data", "adult", "--sensitive", "sex", "--method", "threshold", "--json"],
      { env: { EQUIPOISE_DATA_DIR: sharedDatasets } },
    );
    assert.equal(result.code, 0, result.stderr);
    const doc = JSON.parse(result.stdout);
    assert.equal(doc.method, "threshold");
    assert.ok(doc.after.demographicParityDifference < doc.before.demographicParityDifference);
  });

  it("rejects an unknown method in one line", () => {
    const result = runCli(["fairness", "mitigate", "--data", "adult", "--method", "magic"]);
    assert.ok(isOneLineError(result), result.stderr);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--method must be one of reweighing, expgrad, penalty, threshold/);
  });
});
