import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { prepareTask } from "../../src/data/index.js";
import { type MitigationMethod, runMitigation } from "../../src/fairness/training.js";
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
