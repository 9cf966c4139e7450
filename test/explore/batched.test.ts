import assert from "node:assert/strict";
import { before, test } from "node:test";
import { runTrialBatch } from "../../src/explore/batched.js";
import { runTrial, type TrialData, type TrialOutcome, type TrialSettings } from "../../src/explore/trial.js";
import { syntheticTrialData } from "../helpers/trial-data.js";

let data: TrialData;
before(async () => {
  data = await syntheticTrialData();
});

test("runTrialBatch gives each trial the outcome runTrial gives it alone", () => {
  const settings: TrialSettings = {
    delta: 1e-5,
    accountant: "rdp",
    fairness: "demographic_parity",
    noise: "seeded",
  };
  const base = { model: "mlp", width: 8, depth: 1, epochs: 2 };
  const jobs = [
    { config: { ...base, dp: false, lr: 0.3, batch: 128, fairWeight: 0.01 }, seed: 101 },
    { config: { ...base, dp: false, lr: 0.8, batch: 64, epochs: 1, fairWeight: 10 }, seed: 102 },
    {
      config: { ...base, dp: true, epsilon: 2, clip: 0.8, lr: 0.5, batch: 256, fairWeight: 0.01 },
      seed: 103,
    },
    { config: { ...base, dp: true, epsilon: 8, clip: 2, lr: 1.5, batch: 100, fairWeight: 30 }, seed: 104 },
    // Invalid for DP-SGD: fails alone, and so it must fail in the batch — alone.
    { config: { ...base, dp: true, epsilon: 0, clip: 1, lr: 0.5, batch: 64, fairWeight: 0.01 }, seed: 105 },
  ];
  const batched = runTrialBatch(jobs, data, settings);
  jobs.forEach((job, k) => {
    let alone: TrialOutcome | Error;
    try {
      alone = runTrial(job.config, job.seed, data, settings);
    } catch (error) {
      alone = error as Error;
    }
    const together = batched[k];
    if (alone instanceof Error) {
      assert.ok(together instanceof Error, `job ${k} should fail as it does alone`);
      assert.equal(together.message, alone.message);
      return;
    }
    assert.ok(!(together instanceof Error), `job ${k}: ${together instanceof Error ? together.message : ""}`);
    assert.deepEqual(together.recipe, alone.recipe);
    assert.deepEqual(together.privacy, alone.privacy);
    assert.equal(together.validation.epsilon, alone.validation.epsilon);
    for (const split of ["validation", "test"] as const) {
      const rows = data[split].X.rows;
      // Float rounding may flip a prediction or two near the boundary.
      assert.ok(Math.abs(together[split].accuracy - alone[split].accuracy) <= 3 / rows, `job ${k} ${split}`);
      assert.ok(
        Math.abs(together[split].dpDifference - alone[split].dpDifference) <= 0.01,
        `job ${k} ${split} gap`,
      );
    }
  });
  assert.ok(Number.isFinite((batched[2] as TrialOutcome).validation.epsilon));
});

test("runTrialBatch refuses trials of different model specs", () => {
  const settings: TrialSettings = {
    delta: 1e-5,
    accountant: "rdp",
    fairness: "demographic_parity",
    noise: "seeded",
  };
  const common = { dp: false, lr: 0.1, epochs: 1, batch: 64, fairWeight: 0.01 };
  assert.throws(
    () =>
      runTrialBatch(
        [
          { config: { model: "logreg", ...common }, seed: 1 },
          { config: { model: "mlp", width: 8, depth: 1, ...common }, seed: 2 },
        ],
        data,
        settings,
      ),
    /share one model spec/,
  );
});

test("explore with batched trials: every trial completes and logistic-regression trials share ensembles", async () => {
  const { explore } = await import("../../src/explore/explorer.js");
  const { parseObjectives } = await import("../../src/explore/objectives.js");
  const notes: string[] = [];
  const result = await explore({
    request: { data: "synthetic" },
    sensitive: "group",
    objectives: parseObjectives(undefined),
    constraints: [],
    strategy: "random",
    budget: 10,
    workers: 1,
    seed: 3,
    batchTrials: 5,
    onEvent: (event) => {
      if (event.kind === "note") notes.push(event.text);
    },
  });
  assert.equal(result.summary.decoded.length, 10);
  const logreg = result.summary.decoded.filter((t) => t.record.config.model === "logreg").length;
  const line = notes.find((n) => n.startsWith("batched trials"));
  assert.ok(line, notes.join("\n"));
  const [, trials, ensembles] = line.match(/(\d+) trials trained in (\d+) ensembles/)!.map(Number);
  // Only logistic-regression trials are batched, and at least two of them were queued together.
  assert.ok(trials <= logreg && ensembles >= 1 && trials >= 2, `${line}; ${logreg} logreg trials`);
});
