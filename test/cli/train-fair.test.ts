import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isOneLineError, runCli } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "equipoise-train-fair-"));

/** Trains on the biased synthetic data (2,800 train / 1,200 test rows, sensitive 'group'). */
function trainSynthetic(name: string, extra: string[]) {
  const out = join(dir, name);
  const result = runCli([
    "train",
    "--data",
    "synthetic",
    "--epochs",
    "10",
    "--batch",
    "64",
    "--optimizer",
    "sgd",
    "--lr-schedule",
    "constant",
    "--out",
    out,
    "--json",
    ...extra,
  ]);
  assert.equal(result.code, 0, result.stderr);
  return { summary: JSON.parse(result.stdout), saved: JSON.parse(readFileSync(out, "utf8")) };
}

const measuresOf = (summary: { test: { fairness: { analyses: { measures: Record<string, number> }[] } } }) =>
  summary.test.fairness.analyses[0].measures;

test("train --fair dp (no DP): the batch penalty narrows the test demographic parity gap", () => {
  const plain = trainSynthetic("plain.json", ["--lr", "0.2", "--fair", "dp", "--fair-weight", "0"]);
  const fair = trainSynthetic("fair.json", ["--lr", "0.2", "--fair", "dp", "--fair-weight", "5"]);
  const before = measuresOf(plain.summary).demographicParityDifference;
  const after = measuresOf(fair.summary).demographicParityDifference;
  assert.ok(before > 0.05, `unpenalised gap ${before}`);
  assert.ok(after < 0.7 * before, `gap ${before} → ${after}`);
  assert.ok(fair.summary.test.accuracy > 0.7, `accuracy ${fair.summary.test.accuracy}`);
  assert.deepEqual(fair.summary.fairness, {
    method: "penalty",
    constraint: "demographic_parity",
    weight: 5,
    attribute: "group",
    statistics: "batch",
  });
  assert.deepEqual(fair.saved.metadata.fairness, fair.summary.fairness);
  assert.equal(fair.summary.trainRows, 2800);
  assert.equal(fair.summary.epsilon, "Infinity");
  // The report's measures follow from its own group table (Fairlearn's definitions).
  const analysis = fair.summary.test.fairness.analyses[0];
  const rates = analysis.groups.map((g: { metrics: Record<string, number> }) => g.metrics.selection_rate);
  assert.ok(Math.abs(Math.max(...rates) - Math.min(...rates) - after) < 1e-12);
  // The shared model metrics: the gap on the mitigated attribute, from the same predictions.
  assert.equal(fair.summary.test.dpDifference, after);
  assert.equal(fair.saved.metadata.test.dpDifference, after);
  assert.deepEqual(Object.keys(fair.saved.metadata.test.perGroup), ["group"]);
});

test("train --dp --fair eo: reference split held out and not covered by epsilon; the penalty narrows the gap", () => {
  const args = ["--lr", "0.5", "--dp", "--noise", "0.8", "--clip", "1", "--dp-seed", "1", "--fair", "eo"];
  const plain = trainSynthetic("dp-plain.json", [...args, "--fair-weight", "0"]);
  const fair = trainSynthetic("dp-fair.json", [...args, "--fair-weight", "5"]);
  const before = measuresOf(plain.summary).equalizedOddsDifference;
  const after = measuresOf(fair.summary).equalizedOddsDifference;
  assert.ok(after < 0.8 * before, `gap ${before} → ${after}`);
  const fairness = fair.summary.fairness;
  assert.equal(fairness.method, "penalty");
  assert.equal(fairness.statistics, "reference");
  assert.equal(fairness.constraint, "equalized_odds");
  assert.equal(fairness.attribute, "group");
  assert.equal(fairness.reference.coveredByEpsilon, false);
  assert.equal(fairness.reference.rows, 280);
  assert.equal(fairness.reference.fraction, 0.1);
  assert.match(fair.summary.privacy.notCoveredByEpsilon[0], /fairness reference split: .*280 rows/);
  assert.deepEqual(fair.saved.metadata.fairness, fairness);
  // The model trains on, and the accountant's q counts, the other 90% only.
  assert.equal(fair.summary.trainRows, 2520);
  assert.equal(fair.summary.privacy.sampleRate, 64 / 2520);
  assert.equal(fair.summary.privacy.trainRows, 2520);
  assert.equal(fair.summary.epsilon, plain.summary.epsilon);
  assert.match(fair.summary.training.gradient, /dp-sgd.*reference-penalty\(equalized_odds/);
});

// That reweighing narrows the gap is checked in process by test/fit/fit.test.ts.
test("train --mitigation reweighing: recorded in the summary and the model file", () => {
  const fair = trainSynthetic("rw-fair.json", ["--lr", "0.2", "--epochs", "1", "--mitigation", "reweighing"]);
  assert.deepEqual(fair.summary.fairness, { method: "reweighing", attribute: "group" });
  assert.deepEqual(fair.saved.recipe.fairness, { method: "reweighing" });
  assert.deepEqual(fair.saved.metadata.fairness, fair.summary.fairness);
});

test("train --fair bad input: one clear line each", () => {
  const base = ["train", "--data", "synthetic", "--out", join(dir, "bad.json")];
  // The recipe's rules are checked fast by test/fit/recipe.test.ts; these check the command end to end.
  const cases: [string[], RegExp, number][] = [
    [["--fair", "parity"], /--fair must be one of dp .*, eo .*, got 'parity'/, 2],
    [["--fair-weight", "2"], /--fair-weight needs --fair/, 2],
  ];
  for (const [args, message, code] of cases) {
    const result = runCli([...base, ...args]);
    assert.ok(isOneLineError(result), `${args.join(" ")}: ${result.stderr}`);
    assert.equal(result.code, code);
    assert.match(result.stderr, message);
  }
  const csv = join(dir, "no-groups.csv");
  writeFileSync(csv, `x,label\n${Array.from({ length: 40 }, (_, i) => `${i},${i % 2}`).join("\n")}\n`);
  const noGroups = runCli([
    "train",
    "--data",
    csv,
    "--target",
    "label",
    "--fair",
    "dp",
    "--out",
    join(dir, "g.json"),
  ]);
  assert.ok(isOneLineError(noGroups), noGroups.stderr);
  assert.equal(noGroups.code, 1);
  assert.match(noGroups.stderr, /the fairness mitigation needs a sensitive attribute/);
});
