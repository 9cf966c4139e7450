import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "equipoise-train-cost-"));
const args = [
  "train",
  "--data",
  "german-credit",
  "--dp",
  "--epsilon",
  "1",
  "--clip",
  "1",
  "--epochs",
  "2",
  "--batch",
  "64",
  "--optimizer",
  "sgd",
  "--lr",
  "0.5",
];

test("train --dp reports the per-group cost against its matched model, labelled as not covered by ε, and does not save it", () => {
  const out = join(dir, "private.json");
  const run = runCli([...args, "--out", out, "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const summary = JSON.parse(run.stdout);
  const { privacyCost } = summary;
  assert.ok(privacyCost, "a private run with a sensitive attribute has a privacy cost");
  assert.match(privacyCost.notCoveredByEpsilon, /NOT covered by ε/);
  assert.equal(privacyCost.matchedRecipe.privacy, undefined, "the matched model is not private");
  assert.equal(privacyCost.matchedRecipe.seed, summary.recipe.seed);
  assert.equal(privacyCost.matchedRecipe.epochs, summary.recipe.epochs);
  const groups = privacyCost.cost.groups;
  assert.equal(
    groups.reduce((s: number, g: { count: number }) => s + g.count, 0),
    summary.testRows,
  );
  // The private side is the printed test evaluation, group by group.
  const attribute = privacyCost.cost.attribute;
  for (const group of groups) {
    assert.equal(group.private.accuracy, summary.test.perGroup[attribute][group.group].accuracy);
    assert.ok(Math.abs(group.accuracyCost - (group.matched.accuracy - group.private.accuracy)) < 1e-12);
  }
  const saved = readFileSync(out, "utf8");
  assert.doesNotMatch(saved, /privacyCost|matchedRecipe/);

  const text = runCli([...args, "--out", join(dir, "text.json")]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /cost of privacy by '.+' \(test\).*NOT covered by ε/);
  const skipped = runCli([...args, "--out", join(dir, "skipped.json"), "--json", "--skip-privacy-cost"]);
  assert.equal(JSON.parse(skipped.stdout).privacyCost, undefined);
});
