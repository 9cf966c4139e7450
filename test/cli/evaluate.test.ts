import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import { encodeFloat32 } from "../../src/nn/serialize.js";
import { isOneLineError, runCli, sharedDatasets } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "equipoise-evaluate-"));
const modelPath = join(dir, "german.json");
const german = ["--data-dir", sharedDatasets];
let trainedTestAccuracy: number;

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
    "--json",
  ]);
  assert.equal(trained.code, 0, trained.stderr);
  trainedTestAccuracy = JSON.parse(trained.stdout).test.accuracy;
});

interface Analysis {
  features: string[];
  groups: { label: string; metrics: Record<string, number> }[];
  measures: Record<string, number>;
}

test("evaluate --json: the accuracy train reported, fairness measures per sensitive attribute", () => {
  const result = runCli(["evaluate", "--model", modelPath, ...german, "--json"]);
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout);
  assert.equal(summary.preprocessor, "saved");
  assert.equal(typeof trainedTestAccuracy, "number");
  assert.equal(summary.accuracy, trainedTestAccuracy);
  assert.equal(summary.privacy, null);
  assert.equal(summary.epsilon, "Infinity");
  assert.equal(summary.recipe.epochs, 10);
  assert.equal(summary.recipe.batchSize, 32);
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
  // The shared metrics and the full report describe the same predictions.
  for (const [attribute, groups] of Object.entries(
    summary.perGroup as Record<string, Record<string, { accuracy: number; count: number }>>,
  )) {
    const analysis = analyses.find((a) => a.features.length === 1 && a.features[0] === attribute)!;
    for (const [group, metrics] of Object.entries(groups)) {
      const row = analysis.groups.find((g) => g.label === group)!;
      assert.ok(Math.abs(row.metrics.accuracy - metrics.accuracy) < 1e-12, `${attribute}=${group}`);
      assert.equal(row.metrics.count, metrics.count);
    }
  }
  assert.equal(summary.dpDifference, analyses[0].measures.demographicParityDifference);
  assert.ok(Math.abs(summary.fairness.overall.accuracy - summary.accuracy) < 1e-12);
});

test("evaluate prints the group table, the gaps and the privacy status", () => {
  const result = runCli(["evaluate", "--model", modelPath, ...german]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /By sex:/);
  assert.match(result.stdout, /demographic parity difference [\d.]+, ratio/);
  assert.match(result.stdout, /privacy: none recorded/);
});

test("evaluate encodes the data with the saved preprocessor: another split seed works, a missing column is one line", () => {
  const otherSplit = runCli(["evaluate", "--model", modelPath, ...german, "--split-seed", "3", "--json"]);
  assert.equal(otherSplit.code, 0, otherSplit.stderr);
  const summary = JSON.parse(otherSplit.stdout);
  assert.equal(summary.preprocessor, "saved");
  assert.equal(summary.count, 300);

  const saved = JSON.parse(readFileSync(modelPath, "utf8"));
  const transform = saved.preprocessor.transforms.find((t: { kind: string }) => t.kind === "standardise");
  const column = transform.column;
  transform.column = "no-such-column";
  const renamed = join(dir, "renamed.json");
  writeFileSync(renamed, JSON.stringify(saved));
  const result = runCli(["evaluate", "--model", renamed, ...german]);
  assert.ok(isOneLineError(result), result.stderr);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /preprocessor\/data mismatch: feature column 'no-such-column' of the saved preprocessor is not in german-credit/,
  );
  transform.column = column;

  delete saved.preprocessor;
  const bare = join(dir, "bare.json");
  writeFileSync(bare, JSON.stringify(saved));
  const refitted = runCli(["evaluate", "--model", bare, ...german, "--json"]);
  assert.equal(refitted.code, 0, refitted.stderr);
  assert.equal(JSON.parse(refitted.stdout).preprocessor, "refitted");
  assert.match(refitted.stderr, /no saved preprocessor/);
  // Without a saved preprocessor, data of another shape is caught by the feature count.
  const mismatch = runCli(["evaluate", "--model", bare, "--data", "synthetic"]);
  assert.ok(isOneLineError(mismatch), mismatch.stderr);
  assert.match(mismatch.stderr, /model\/data mismatch: the model takes \d+ features, synthetic gives \d+/);
});

test("evaluate refuses a model with huge weights (non-finite scores) in one line, without hanging", () => {
  const saved = JSON.parse(readFileSync(modelPath, "utf8"));
  for (const weight of saved.weights) {
    const size = weight.shape.reduce((a: number, b: number) => a * b, 1);
    // Finite float32 weights whose products overflow: logits of ±∞ and NaN.
    weight.data = encodeFloat32(Float32Array.from({ length: size }, (_, i) => (i % 2 === 0 ? 3e38 : -3e38)));
  }
  const huge = join(dir, "huge.json");
  writeFileSync(huge, JSON.stringify(saved));
  const result = runCli(["evaluate", "--model", huge, ...german], { timeoutMs: 120_000 });
  assert.ok(isOneLineError(result), result.stderr);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /the model gives non-finite scores \(NaN or infinite\) on \d+ of 300 rows/);
});

test("evaluate refuses a binary model on a target with three classes in one line", () => {
  const rows = (classes: number) =>
    `x1,x2,label\n${Array.from({ length: 60 }, (_, i) => `${i % 7},${(i * 3) % 5},c${i % classes}`).join("\n")}\n`;
  const binary = join(dir, "binary.csv");
  const three = join(dir, "three.csv");
  writeFileSync(binary, rows(2));
  writeFileSync(three, rows(3));
  const model = join(dir, "binary.json");
  const trained = runCli(["train", "--data", binary, "--target", "label", "--epochs", "1", "--out", model]);
  assert.equal(trained.code, 0, trained.stderr);
  const result = runCli(["evaluate", "--model", model, "--data", three, "--target", "label"]);
  assert.ok(isOneLineError(result), result.stderr);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /model\/data mismatch: the model predicts 2 classes, the data's target has 3/);
});
