import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { isOneLineError, runCli } from "../helpers/cli.js";
import { fixtures } from "../helpers/shared.js";

const predictions = join(fixtures, "references", "adult_lr_predictions.csv");

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

describe("equipoise fairness metrics: sensitive columns are checked as every command checks them", () => {
  const directory = mkdtempSync(join(tmpdir(), "equipoise-fairness-"));
  after(() => rmSync(directory, { recursive: true, force: true }));
  const file = (name: string, lines: string[]) => {
    const path = join(directory, name);
    writeFileSync(path, `${lines.join("\n")}\n`);
    return path;
  };
  const metrics = (path: string, ...extra: string[]) =>
    runCli(["fairness", "metrics", "--predictions", path, "--y-true", "y", "--sensitive", "g", ...extra]);

  it("refuses a column with 500 groups, naming it and the count", () => {
    const rows = Array.from({ length: 500 }, (_, i) => `${i % 2},${(i >> 1) % 2},person${i}`);
    const result = metrics(file("ids.csv", ["y,yhat,g", ...rows]), "--y-pred", "yhat");
    assert.ok(isOneLineError(result), result.stderr);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /sensitive column 'g' has 500 distinct values; group it first \(at most 50\)/,
    );
  });

  it("leaves out rows with an empty value (not a group named '') and warns about a single group", () => {
    const path = file("empty.csv", ["y,yhat,g", "1,1,a", "0,1,", "1,0,a", "0,0,NA", "0,1,a"]);
    const result = metrics(path, "--y-pred", "yhat", "--json");
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.rows, 3);
    assert.deepEqual(
      report.analyses[0].groups.map((g: { label: string }) => g.label),
      ["a"],
    );
    assert.ok(
      report.warnings.includes("'g' has no value in 2 of 5 rows: they are left out"),
      report.warnings,
    );
    assert.ok(
      report.warnings.includes("'g' has one group in these rows: every gap is 0 by construction"),
      report.warnings,
    );
    const text = metrics(path, "--y-pred", "yhat");
    assert.match(text.stdout, /warning: 'g' has one group in these rows: every gap is 0 by construction/);
  });

  it("reports expectations over a randomised classifier's draws from --y-prob", () => {
    // a: P(ŷ=1) 0.9, 0.3, 0.5 → selection 1.7/3; b: 0.2, 0.6, 1 → selection 0.6.
    const path = file("prob.csv", ["y,p,g", "1,0.9,a", "0,0.3,a", "1,0.5,a", "0,0.2,b", "1,0.6,b", "0,1,b"]);
    const result = metrics(path, "--y-prob", "p", "--json");
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.predictionKind, "probability");
    close(report.analyses[0].measures.demographicParityDifference, 0.6 - 1.7 / 3);
    close(report.overall.accuracy, (0.9 + 0.7 + 0.5 + 0.8 + 0.6 + 0) / 6);
    const both = metrics(path, "--y-prob", "p", "--y-pred", "p");
    assert.ok(isOneLineError(both) && both.code === 2, both.stderr);
  });
});

describe("equipoise fairness mitigate: the constraint", () => {
  it("is parsed as the one fairness-constraint type, naming the choices the runner supports", () => {
    const result = runCli([
      "fairness",
      "mitigate",
      "--data",
      "synthetic",
      "--sensitive",
      "group",
      "--method",
      "expgrad",
      "--constraint",
      "eop",
    ]);
    assert.ok(isOneLineError(result), result.stderr);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /--constraint must be one of dp \(demographic parity\), eo \(equalized odds\), got 'eop'/,
    );
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
