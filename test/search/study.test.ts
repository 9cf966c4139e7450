import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { newWorkerIdentity, optimize, Study } from "../../src/search/index.js";
import { problem, zdtDefinition } from "./fixtures/zdt-study.js";

const directory = mkdtempSync(join(tmpdir(), "equipoise-study-"));
after(() => rmSync(directory, { recursive: true, force: true }));
let fileCount = 0;
const newPath = () => join(directory, `study-${fileCount++}.db`);
const evaluateZdt = async (config: Record<string, unknown>) => problem.evaluate(config as never);

describe("Study and the runner", () => {
  it("stores every trial; failures are recorded and do not stop the study; resuming continues the numbering", async () => {
    const path = newPath();
    const definition = zdtDefinition();
    const study = await Study.open(path, {
      ...definition,
      objectives: [definition.objectives[0], { name: "acc", direction: "maximize" }],
    });
    const evaluate = async (config: Record<string, unknown>, trial: { number: number }) => {
      if (trial.number === 3) throw new Error("out of memory (simulated)");
      const [f1, f2] = problem.evaluate(config as never).objectives;
      return {
        objectives: [f1, trial.number === 5 ? Infinity : -f2],
        metrics: { note: `trial ${trial.number}` },
      };
    };
    const first = await optimize(study, evaluate, { budget: 6, concurrency: 3 });
    assert.deepEqual(first, { finished: 6, failed: 1, retried: 0 });
    const second = await optimize(study, evaluate, { budget: 10, concurrency: 2 });
    assert.equal(second.finished, 4);
    const trials = await study.trials();
    assert.deepEqual(
      trials.map((t) => t.number),
      [...Array(10).keys()],
    );
    assert.equal(trials[3].state, "failed");
    assert.equal(trials[3].error, "out of memory (simulated)");
    assert.equal(trials[5].objectives![1], Infinity);
    assert.deepEqual(trials[4].metrics, { note: "trial 4" });
    assert.equal(
      new Set(trials.map((t) => JSON.stringify(t.config))).size,
      10,
      "no configuration proposed twice",
    );
    for (const t of trials) assert.ok(t.durationMs !== null && t.durationMs >= 0 && t.seed >= 0);
    // acc is maximised: the Pareto set is computed on (f1, -acc) = (f1, f2).
    const pareto = (await study.paretoTrials()).map((t) => t.number);
    const complete = trials.filter((t) => t.state === "complete");
    for (const t of complete) {
      const dominated = complete.some(
        (o) =>
          o.objectives![0] <= t.objectives![0] &&
          o.objectives![1] >= t.objectives![1] &&
          (o.objectives![0] < t.objectives![0] || o.objectives![1] > t.objectives![1]),
      );
      assert.equal(pareto.includes(t.number), !dominated, `trial ${t.number}`);
    }
    assert.deepEqual(await study.store.workers(), [], "the runner left the study");
    await study.close();
  });

  it("rebuilds the strategy from the store: a study run in two sittings proposes what one sitting proposes", async () => {
    const once = await Study.open(newPath(), zdtDefinition());
    await optimize(once, evaluateZdt, { budget: 12 });
    const path = newPath();
    const twice = await Study.open(path, zdtDefinition());
    await optimize(twice, evaluateZdt, { budget: 5 });
    await twice.close();
    const resumed = await Study.open(path, zdtDefinition());
    await optimize(resumed, evaluateZdt, { budget: 12 });
    assert.deepEqual(
      (await resumed.trials()).map((t) => t.config),
      (await once.trials()).map((t) => t.config),
    );
    await once.close();
    await resumed.close();
  });

  it("leaves the trials of live workers alone, and fails a dead worker's trial after maxAttempts", async () => {
    const study = await Study.open(newPath(), zdtDefinition());
    const { store } = study;
    const elsewhere = { ...newWorkerIdentity(), host: "another-host" };
    await store.registerWorker(elsewhere, { staleAfterMs: 600_000 });
    const busy = (await store.claimTrial({
      workerId: elsewhere.id,
      budget: 10,
      staleAfterMs: 600_000,
      maxAttempts: 2,
      propose: () => ({ x0: 0.5, x1: 0.5, x2: 0.5, x3: 0.5 }),
    }))!;
    // Alive elsewhere: this runner leaves its trial alone (and counts it in the budget).
    await optimize(study, evaluateZdt, { budget: 4 });
    let trials = await study.trials();
    assert.deepEqual(
      trials.map((t) => t.state),
      ["running", "complete", "complete", "complete"],
    );
    assert.deepEqual(trials[0].config, busy.config);
    // Gone: with one attempt allowed the trial is failed, not retried.
    await store.unregisterWorker(elsewhere.id);
    const summary = await optimize(study, evaluateZdt, { budget: 5, maxAttempts: 1 });
    assert.equal(summary.retried, 0);
    trials = await study.trials();
    assert.equal(trials[0].state, "failed");
    assert.match(trials[0].error ?? "", /worker died/);
    assert.equal(trials.length, 5);
    await study.close();
  });
});
