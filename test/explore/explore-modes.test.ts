/**
 * The explorer's modes end to end on small data: private selection (random number of
 * trials, every trial private, the selection's ε reported for each), class-balanced
 * training with balanced accuracy as an objective, and the study's preprocessing mode.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { explore } from "../../src/explore/explorer.js";
import { parseObjectives } from "../../src/explore/objectives.js";
import { privacyNotes } from "../../src/explore/privacy-notes.js";
import type { TrialPrivacy } from "../../src/explore/trial.js";
import { writeLoanCsv } from "./csv-fixture.js";

const dir = mkdtempSync(join(tmpdir(), "equipoise-explore-modes-"));

test("private selection: K trials drawn once, all private and random, each reporting the selection's ε (≤ the total asked)", async () => {
  const notes: string[] = [];
  const result = await explore({
    request: { data: "synthetic", synthetic: { rows: 1500 } },
    sensitive: "group",
    objectives: parseObjectives(undefined),
    constraints: [],
    budget: 2,
    workers: 1,
    seed: 0,
    privateSelection: { epsilon: 8 },
    onEvent: (event) => {
      if (event.kind === "note") notes.push(event.text);
    },
  });
  const { summary } = result;
  assert.equal(result.strategy, "random");
  const plan = summary.metadata.privateSelection;
  assert.ok(plan, "the plan is stored in the study");
  assert.ok(Number.isInteger(plan.trials) && plan.trials >= 1);
  assert.equal(summary.records.length, plan.trials);
  assert.ok(plan.epsilon <= 8 && plan.epsilon > 8 * 0.97, `${plan.epsilon}`);
  // The synthetic data set declares every column: public preprocessing, nothing to count.
  assert.equal(summary.metadata.preprocessing?.mode, "public");
  for (const trial of summary.decoded) {
    assert.equal(trial.validation.epsilon, plan.epsilon);
    assert.equal(trial.test.epsilon, plan.epsilon);
    assert.ok(trial.privacy && (trial.privacy as TrialPrivacy).trainingEpsilon < plan.epsilon);
    // Trained with the secure generator: nothing stops its release.
    assert.equal((trial.privacy as TrialPrivacy | null)?.notForRelease, null);
    const candidate: { noise: number } | undefined = plan.candidates.find(
      (c) => c.batch === trial.recipe.batch && c.epochs === trial.recipe.epochs,
    );
    assert.ok(candidate, "each trial trains with one of the calibrated (batch, epochs) pairs");
    assert.equal((trial.privacy as TrialPrivacy | null)?.noise, candidate.noise);
  }
  assert.ok(summary.selected === null || summary.decoded.some((t) => t.record.number === summary.selected));
  const text = privacyNotes(summary.metadata).join(" ");
  assert.match(text, /selection/i);
});

test("private selection refuses an adaptive strategy in one line", async () => {
  await assert.rejects(
    explore({
      request: { data: "synthetic", synthetic: { rows: 500 } },
      sensitive: "group",
      objectives: parseObjectives(undefined),
      constraints: [],
      strategy: "bo",
      budget: 2,
      workers: 1,
      seed: 0,
      privateSelection: { epsilon: 8 },
    }),
    (error: Error) => /random/.test(error.message) && !error.message.includes("\n"),
  );
});

test("balanced accuracy as an objective: class weighting becomes a lever and balanced trials run", async () => {
  const result = await explore({
    request: { data: "synthetic", synthetic: { rows: 1500 } },
    sensitive: "group",
    objectives: parseObjectives("balanced-accuracy,epsilon,dp"),
    constraints: [],
    strategy: "random",
    budget: 6,
    workers: 2,
    seed: 5,
  });
  const { summary } = result;
  assert.ok(summary.metadata.classWeights, "the study records the class weights it trains with");
  const levers = new Set(summary.records.map((t) => t.config.classWeight));
  assert.deepEqual([...levers].sort(), ["balanced", "none"]);
  for (const trial of summary.decoded) {
    assert.ok(trial.validation.balancedAccuracy > 0 && trial.validation.balancedAccuracy <= 1);
    // Every trial private (ε is an objective), at about its target ε.
    const target = (trial.privacy as TrialPrivacy | null)?.targetEpsilon ?? Number.NaN;
    assert.ok(trial.validation.epsilon <= target * 1.0001 && trial.validation.epsilon > target * 0.9);
  }
});

test("a user CSV without declarations: the study's preprocessing is fitted, and every private trial says it is not for release", async () => {
  const csv = join(dir, "loans.csv");
  writeLoanCsv(csv, 300);
  const result = await explore({
    request: { data: csv, target: "approved", sensitive: ["group"], positive: "yes" },
    objectives: parseObjectives(undefined),
    constraints: [],
    strategy: "random",
    budget: 2,
    workers: 1,
    seed: 1,
  });
  const { summary } = result;
  assert.equal(summary.metadata.preprocessing?.mode, "fit");
  for (const trial of summary.decoded)
    assert.match((trial.privacy as TrialPrivacy | null)?.notForRelease ?? "", /preprocess/i);

  // With bounds for the numeric columns (the group column is undeclared): a private fit, counted in ε.
  const bounded = await explore({
    request: {
      data: csv,
      target: "approved",
      sensitive: ["group"],
      positive: "yes",
      metadata: {
        age: { bounds: [18, 100] },
        hours: { bounds: [0, 80] },
        debt: { bounds: [0, 5000], transform: "log1p" },
      },
    },
    objectives: parseObjectives(undefined),
    constraints: [],
    strategy: "random",
    budget: 2,
    workers: 1,
    seed: 1,
  });
  const preprocessing = bounded.summary.metadata.preprocessing;
  assert.ok(preprocessing?.mode === "private" || preprocessing?.mode === "public", preprocessing?.mode);
  if (preprocessing?.mode === "private") {
    assert.ok(preprocessing.releases.length > 0);
    assert.equal(preprocessing.noise, "seeded");
  }
});
