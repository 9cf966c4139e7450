import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createRandom, shuffleInPlace } from "../../src/common/rng.js";
import { prepareTask, type Split } from "../../src/data/index.js";
import { explore } from "../../src/explore/explorer.js";
import { parseObjectives } from "../../src/explore/objectives.js";
import { Study } from "../../src/search/index.js";
import { isOneLineError, runCli } from "../helpers/cli.js";
import { writeLoanCsv } from "./csv-fixture.js";

const dir = mkdtempSync(join(tmpdir(), "equipoise-explore-"));

test("explore on synthetic data: a Pareto front scored on test, a resumable study and a report", async () => {
  const study = join(dir, "synthetic.db");
  const args = [
    "explore",
    "--data",
    "synthetic",
    "--sensitive",
    "group",
    "--strategy",
    "random",
    "--workers",
    "2",
    "--study",
    study,
    "--json",
  ];
  const first = runCli([...args, "--budget", "4"]);
  assert.equal(first.code, 0, first.stderr);
  const result = JSON.parse(first.stdout);
  assert.equal(result.trials.complete, 4);
  assert.ok(result.pareto.length >= 1);
  assert.ok(result.hypervolume.test >= 0 && result.hypervolume.test <= 1);
  for (const trial of result.pareto) {
    assert.equal(trial.objectives.validation.length, 3);
    assert.ok(trial.test.accuracy > 0.5, "a Pareto trial should beat chance on test");
    // ε is an objective: every trial is private, at the ε its noise was calibrated to (target ε ≤ 100).
    assert.equal(trial.params.dp, undefined);
    assert.ok(
      typeof trial.test.epsilon === "number" && trial.test.epsilon <= 100 * 1.01,
      `${trial.test.epsilon}`,
    );
  }

  const before = await Study.openReadOnly(study);
  const firstTrials = (await before.trials()).map((t) => JSON.stringify([t.number, t.config, t.objectives]));
  await before.close();
  const resumed = runCli([...args, "--budget", "6"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming the study: 4 trials already finished/);
  const after = await Study.openReadOnly(study);
  const trials = await after.trials();
  await after.close();
  assert.deepEqual(trials.map((t) => t.number).sort(), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(
    trials.slice(0, 4).map((t) => JSON.stringify([t.number, t.config, t.objectives])),
    firstTrials,
  );

  const html = join(dir, "report.html");
  const report = runCli(["report", "--study", study, "--out", html]);
  assert.equal(report.code, 0, report.stderr);
  const page = readFileSync(html, "utf8");
  assert.match(page, /synthetic: accuracy × privacy × fairness/);
  assert.doesNotMatch(page, /https?:\/\//);
  const json = join(dir, "report.json");
  assert.equal(runCli(["report", "--study", study, "--out", json]).code, 0);
  const data = JSON.parse(readFileSync(json, "utf8"));
  assert.equal(data.trials.length, 6);
  assert.ok(data.privacyNotes.some((note: string) => /validation split/.test(note)));
  // The facts of each run are stored with its trials, outside the definition compared on resume.
  assert.equal(data.settings.workers, 2);
  assert.equal(typeof data.settings.backend, "string");
  assert.deepEqual(
    data.settings.runs.map((run: { workers: number; trials: number }) => [run.workers, run.trials]),
    [
      [2, 4],
      [2, 2],
    ],
  );
  assert.match(page, /2 workers, 1 trial per batch/);

  const otherData = runCli([
    "explore",
    "--data",
    "german-credit",
    "--sensitive",
    "sex",
    "--strategy",
    "random",
    "--study",
    study,
    "--budget",
    "7",
  ]);
  assert.ok(isOneLineError(otherData), otherData.stderr);
  assert.match(otherData.stderr, /data set 'synthetic', not 'german-credit'/);
});

test("explore refuses unknown objectives, strategies and constraints in one line", () => {
  for (const extra of [
    ["--objectives", "accuracy,latency"],
    ["--strategy", "grid"],
    ["--constraint", "speed<=3"],
    ["--constraint", "epsilon<8"],
  ]) {
    const result = runCli(["explore", "--data", "synthetic", "--budget", "1", ...extra]);
    assert.equal(result.code, 2, `${extra.join(" ")}: ${result.stderr}`);
    assert.ok(isOneLineError(result), result.stderr);
  }
  const unknownAttribute = runCli([
    "explore",
    "--data",
    "synthetic",
    "--sensitive",
    "colour",
    "--budget",
    "1",
  ]);
  assert.ok(isOneLineError(unknownAttribute), unknownAttribute.stderr);
  assert.match(unknownAttribute.stderr, /colour/);
});

test("an impossible constraint is reported at the end: nothing feasible, no front", () => {
  const result = runCli([
    "explore",
    "--data",
    "synthetic",
    "--sensitive",
    "group",
    "--strategy",
    "random",
    "--workers",
    "1",
    "--budget",
    "2",
    "--constraint",
    "accuracy>=0.999",
    "--json",
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /nothing is feasible/);
  const output = JSON.parse(result.stdout);
  assert.equal(output.trials.feasible, 0);
  assert.deepEqual(output.pareto, []);
  assert.equal(output.hypervolume.test, 0);
});

test("a crashing trial is recorded with its error and the study goes on", async () => {
  // An accountant that does not exist makes every private trial fail inside its worker;
  // the non-private ones must still complete (ε is not an objective: DP is a lever).
  const result = await explore({
    request: { data: "synthetic" },
    sensitive: "group",
    objectives: parseObjectives("accuracy,dp"),
    constraints: [],
    strategy: "random",
    budget: 6,
    workers: 1,
    seed: 3,
    accountant: "bogus" as "rdp",
  });
  const { records } = result.summary;
  assert.equal(records.length, 6);
  const failed = records.filter((t) => t.state === "failed");
  const complete = records.filter((t) => t.state === "complete");
  assert.ok(failed.length > 0 && complete.length > 0, `failed ${failed.length}, complete ${complete.length}`);
  for (const trial of failed) {
    assert.equal(trial.config.dp, true);
    assert.match(trial.error ?? "", /accountant/i);
  }
});

test("the search is blind to the test split: permuted test labels and groups give the same proposals", async () => {
  const csv = join(dir, "loans.csv");
  writeLoanCsv(csv);
  const request = { data: csv, target: "approved", sensitive: ["group"], positive: "yes" };
  const task = await prepareTask(request);
  const random = createRandom(11);
  const permuted = <T extends Float32Array | Int32Array>(values: T): T => {
    const order = Array.from(values, (_, i) => i);
    shuffleInPlace(order, random);
    return values.map((_, i) => values[order[i]]) as T;
  };
  const test: Split = {
    X: task.test.X,
    y: permuted(task.test.y),
    sensitive: task.test.sensitive.map((s) => ({ ...s, codes: permuted(s.codes) })),
  };
  assert.notDeepEqual(test.y, task.test.y);
  // GP-BO, one worker: after its 10 Sobol' points every proposal depends on the
  // objective values it was told, so any leak of test metrics changes the sequence.
  const run = (data: typeof task) =>
    explore({
      request,
      task: data,
      objectives: parseObjectives(undefined),
      constraints: [],
      strategy: "bo",
      budget: 13,
      workers: 1,
      seed: 2,
    });
  const original = await run(task);
  const shuffled = await run({ ...task, test });
  const proposals = (result: typeof original) => result.summary.records.map((r) => r.config);
  assert.deepEqual(proposals(shuffled), proposals(original));
  const testAccuracies = (result: typeof original) => result.summary.decoded.map((d) => d.test.accuracy);
  assert.notDeepEqual(testAccuracies(shuffled), testAccuracies(original), "the test split did change");
});
