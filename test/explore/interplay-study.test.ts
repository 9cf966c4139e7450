import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { normaliseObjective } from "../../src/explore/objectives.js";
import { summariseStudy } from "../../src/explore/summary.js";
import { Study } from "../../src/search/index.js";
import { isOneLineError, runCli } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "equipoise-explore-interplay-"));

test("explore with the interplay levers: privacy-cost-gap and mia objectives, stored costs, and the report's section", async () => {
  const study = join(dir, "interplay.db");
  const run = runCli([
    "explore",
    "--data",
    "synthetic",
    "--sensitive",
    "group",
    "--strategy",
    "random",
    "--workers",
    "2",
    "--budget",
    "5",
    "--interplay-levers",
    "--objectives",
    "accuracy,epsilon,dp,privacy-cost-gap,mia",
    "--constraint",
    "privacy-cost-gap<=0.5",
    "--study",
    study,
    "--json",
  ]);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.ok(result.privacyNotes.some((note: string) => /matched model.*NOT covered by ε/s.test(note)));
  assert.ok(result.privacyNotes.some((note: string) => /membership risk.*NOT covered by ε/s.test(note)));

  const opened = await Study.openReadOnly(study);
  const summary = summariseStudy(await opened.snapshot(), study);
  await opened.close();
  assert.equal(summary.decoded.length, 5);
  const methods = new Set(summary.decoded.map((t) => t.recipe.privateMethod));
  assert.ok([...methods].every((m) => m === "dp-sgd" || m === "dpsgd-f" || m === "dp-fair-reductions"));
  const basis = summary.metadata.reference.basis.validation;
  for (const trial of summary.decoded) {
    // Every trial is private (ε is an objective): each stored its cost and its attack AUC.
    assert.ok(trial.privacyCost, `trial ${trial.record.number} has no privacy cost`);
    assert.ok(trial.membership);
    // The stored objectives are the normalisation of the stored figures.
    const k = summary.objectives.indexOf("privacy-cost-gap");
    const m = summary.objectives.indexOf("mia");
    assert.equal(
      trial.record.objectives![k],
      normaliseObjective("privacy-cost-gap", trial.validation, basis),
    );
    assert.equal(trial.record.objectives![m], normaliseObjective("mia", trial.validation, basis));
    assert.equal(trial.record.constraints![0], trial.validation.privacyCostGap - 0.5);
  }

  const html = join(dir, "interplay.html");
  const report = runCli(["report", "--study", study, "--out", html]);
  assert.equal(report.code, 0, report.stderr);
  const page = readFileSync(html, "utf8");
  assert.match(page, /Cost of privacy by group/);
  for (const i of summary.pareto) {
    const number = summary.decoded[i].record.number;
    assert.match(page, new RegExp(`<tr data-trial="${number}"><td rowspan="2">${number}</td>`));
  }
});

test("interplay options refuse what they cannot honour, in one line", () => {
  const base = ["explore", "--data", "synthetic", "--sensitive", "group", "--budget", "2", "--workers", "1"];
  const selection = runCli([
    ...base,
    "--private-selection",
    "--epsilon",
    "3",
    "--objectives",
    "accuracy,dp,mia",
  ]);
  assert.equal(selection.code, 2);
  assert.ok(isOneLineError(selection), selection.stderr);
  assert.match(selection.stderr, /'mia' is computed without noise/);
  const levers = runCli([...base, "--private-selection", "--epsilon", "3", "--interplay-levers"]);
  assert.equal(levers.code, 2);
  assert.match(levers.stderr, /drop --interplay-levers/);
  const ldp = runCli([...base, "--sensitive-ldp", "0"]);
  assert.notEqual(ldp.code, 0);
  assert.ok(isOneLineError(ldp), ldp.stderr);
  assert.match(ldp.stderr, /sensitive-ldp/);
});

test("a study made with --sensitive-ldp stores debiased figures and is resumed only with the same setting", async () => {
  const study = join(dir, "ldp.db");
  const args = [
    "explore",
    "--data",
    "synthetic",
    "--sensitive",
    "group",
    "--strategy",
    "random",
    "--workers",
    "1",
  ];
  const first = runCli([...args, "--budget", "2", "--sensitive-ldp", "2", "--study", study]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /reported under ε = 2 local DP/);
  const opened = await Study.openReadOnly(study);
  const metadata = opened.metadata as { sensitiveLdp?: { epsilon: number } };
  await opened.close();
  assert.equal(metadata.sensitiveLdp?.epsilon, 2);
  const other = runCli([...args, "--budget", "3", "--study", study]);
  assert.equal(other.code, 1);
  assert.ok(isOneLineError(other), other.stderr);
  assert.match(other.stderr, /made with --sensitive-ldp 2/);
});
