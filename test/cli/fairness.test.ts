import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isOneLineError, runCli, sharedReferences } from "../helpers/cli.js";

const predictions = `${sharedReferences}/adult_lr_predictions.csv`;

// Fairlearn 0.9.0 on the same predictions (/work/shared/references/README.md).
const reference = {
  sex: {
    groups: {
      Female: [4913, 0.9261143903928354, 0.07938123346224303, 0.5242369838420108, 0.022497704315886134],
      Male: [10147, 0.8097959988173844, 0.263230511481226, 0.617881005408845, 0.10408338092518561],
    },
    dp: [0.183849278018983, 0.3015654720858779],
    eo: [0.09364402156683427, 0.2161507833037949],
  },
  race: {
    groups: {
      White: [12970, 0.841017733230532, 0.21634541249036238, 0.6104513064133017, 0.07810872734846908],
      "non-White": [2090, 0.8894736842105263, 0.12200956937799043, 0.536144578313253, 0.04379977246871445],
    },
    dp: [0.09433584311237195, 0.5639572754214311],
    eo: [0.07430672810004868, 0.5607538869927948],
  },
};

const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) <= 1e-12, `${actual} != ${expected}`);

describe("equipoise fairness metrics", () => {
  it("reproduces Fairlearn's values on the Adult reference predictions", () => {
    const args = [
      "fairness",
      "metrics",
      "--predictions",
      predictions,
      "--y-true",
      "y_true",
      "--y-pred",
      "y_pred",
    ];
    const result = runCli([...args, "--sensitive", "sex,race", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    close(report.overall.accuracy, 0.8477423638778221);
    assert.equal(report.analyses.length, 3);
    for (const analysis of report.analyses.slice(0, 2)) {
      const expected = reference[analysis.features[0] as "sex" | "race"];
      for (const group of analysis.groups) {
        const [count, acc, sel, tpr, fpr] = (expected.groups as Record<string, number[]>)[group.label];
        assert.equal(group.metrics.count, count);
        close(group.metrics.accuracy, acc);
        close(group.metrics.selection_rate, sel);
        close(group.metrics.true_positive_rate, tpr);
        close(group.metrics.false_positive_rate, fpr);
      }
      close(analysis.measures.demographicParityDifference, expected.dp[0]);
      close(analysis.measures.demographicParityRatio, expected.dp[1]);
      close(analysis.measures.equalizedOddsDifference, expected.eo[0]);
      close(analysis.measures.equalizedOddsRatio, expected.eo[1]);
    }
    assert.deepEqual(report.analyses[2].features, ["sex", "race"]);
    assert.equal(report.analyses[2].groups.length, 4);

    const text = runCli([...args, "--sensitive", "sex"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /demographic parity difference 0\.1838, ratio 0\.3016/);
  });

  it("names a missing column in one line", () => {
    const result = runCli([
      "fairness",
      "metrics",
      "--predictions",
      predictions,
      "--y-true",
      "y_true",
      "--y-pred",
      "nope",
      "--sensitive",
      "sex",
    ]);
    assert.ok(isOneLineError(result), result.stderr);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /no column 'nope'/);
  });
});

describe("equipoise fairness mitigate with an engine MLP", () => {
  for (const method of ["expgrad", "threshold", "reweighing"]) {
    it(`${method} lowers the demographic parity difference of an mlp:16 on synthetic data`, () => {
      const result = runCli([
        "fairness",
        "mitigate",
        "--data",
        "synthetic",
        "--sensitive",
        "group",
        "--model",
        "mlp:16",
        "--method",
        method,
        "--constraint",
        "dp",
        "--json",
      ]);
      assert.equal(result.code, 0, result.stderr);
      const output = JSON.parse(result.stdout);
      assert.equal(output.model, "mlp:16");
      assert.ok(
        output.after.demographicParityDifference < output.before.demographicParityDifference,
        `${method}: ${output.before.demographicParityDifference} → ${output.after.demographicParityDifference}`,
      );
    });
  }
});
