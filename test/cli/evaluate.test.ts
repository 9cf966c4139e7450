import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import { isOneLineError, runCli, sharedDatasets } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "equipoise-evaluate-"));
const modelPath = join(dir, "german.json");
const german = ["--data-dir", sharedDatasets];

before(() => {
  const trained = runCli([
    "train",
    "--data",
    "german-credit",
    ...german,
    "--epochs",
    "10",
    "--batch",
    "32",
    "--lr",
    "0.05",
    "--out",
    modelPath,
  ]);
  assert.equal(trained.code, 0, trained.stderr);
});

interface Analysis {
  features: string[];
  groups: { label: string; metrics: Record<string, number> }[];
  measures: Record<string, number>;
}

test("evaluate --json: accuracy, fairness measures per sensitive attribute, the saved preprocessor verified", () => {
  const result = runCli(["evaluate", "--model", modelPath, ...german, "--json"]);
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout);
  assert.equal(summary.preprocessor, "verified");
  assert.equal(summary.privacy, null);
  assert.equal(summary.epsilon, "Infinity");
  const analyses: Analysis[] = summary.fairness.analyses;
  assert.deepEqual(
    analyses.map((a) => a.features.join(",")),
    ["sex", "age-group", "sex,age-group"],
  );
  for (const analysis of analyses) {
    for (const name of [
      "demographicParityDifference",
      "demographicParityRatio",
      "equalizedOddsDifference",
      "equalizedOddsRatio",
      "equalOpportunityDifference",
      "predictiveParityDifference",
    ]) {
      assert.equal(typeof analysis.measures[name], "number", name);
    }
  }
  // Two code paths agree: the trainer's per-group accuracy and the MetricFrame's.
  for (const group of summary.groups) {
    const analysis = analyses.find((a) => a.features.length === 1 && a.features[0] === group.attribute)!;
    const row = analysis.groups.find((g) => g.label === group.group)!;
    assert.ok(Math.abs(row.metrics.accuracy - group.accuracy) < 1e-12, `${group.attribute}=${group.group}`);
    assert.equal(row.metrics.count, group.count);
  }
  assert.ok(Math.abs(summary.fairness.overall.accuracy - summary.accuracy) < 1e-12);
});

test("evaluate prints the group table, the gaps and the privacy status", () => {
  const result = runCli(["evaluate", "--model", modelPath, ...german]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /By sex:/);
  assert.match(result.stdout, /demographic parity difference [\d.]+, ratio/);
  assert.match(result.stdout, /privacy: none recorded/);
});

test("evaluate refuses data whose re-fitted preprocessor differs from the saved one", () => {
  const otherSplit = runCli(["evaluate", "--model", modelPath, ...german, "--split-seed", "3"]);
  assert.ok(isOneLineError(otherSplit), otherSplit.stderr);
  assert.equal(otherSplit.code, 1);
  assert.match(
    otherSplit.stderr,
    /saved preprocessor does not match german-credit with split seed 3: column '\w+'/,
  );

  const saved = JSON.parse(readFileSync(modelPath, "utf8"));
  const standardised = saved.preprocessor.transforms.find((t: { kind: string }) => t.kind === "standardise");
  standardised.mean += 1;
  const tampered = join(dir, "tampered.json");
  writeFileSync(tampered, JSON.stringify(saved));
  const result = runCli(["evaluate", "--model", tampered, ...german]);
  assert.ok(isOneLineError(result), result.stderr);
  assert.match(result.stderr, new RegExp(`column '${standardised.column}' was standardised with mean`));

  delete saved.preprocessor;
  const bare = join(dir, "bare.json");
  writeFileSync(bare, JSON.stringify(saved));
  const unchecked = runCli(["evaluate", "--model", bare, ...german, "--json"]);
  assert.equal(unchecked.code, 0, unchecked.stderr);
  assert.equal(JSON.parse(unchecked.stdout).preprocessor, "absent");
  assert.match(unchecked.stderr, /no saved preprocessor/);
});
