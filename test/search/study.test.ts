import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { UserError } from "../../src/common/errors.js";
import { optimize, Study, type StudyDefinition } from "../../src/search/index.js";
import { zdt1 } from "../../src/search/problems.js";

const directory = mkdtempSync(join(tmpdir(), "equipoise-study-"));
after(() => rmSync(directory, { recursive: true, force: true }));
let fileCount = 0;
const newPath = () => join(directory, `study-${fileCount++}.db`);

const problem = zdt1(4);
const definition: StudyDefinition = {
  space: problem.space,
  objectives: [
    { name: "f1", direction: "minimize" },
    { name: "f2", direction: "minimize" },
  ],
  strategy: "random",
  seed: 1,
  metadata: { problem: problem.name },
};
const workerScript = fileURLToPath(new URL("./fixtures/study-worker.ts", import.meta.url));

function startWorker(path: string, budget: number, delayMs: number, strategy = "random"): ChildProcess {
  return spawn(
    process.execPath,
    ["--import", "tsx", workerScript, path, String(budget), String(delayMs), strategy],
    {
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on("exit", (code) => resolve(code)));
}

function rows(
  path: string,
): { number: number; state: string; params: string; attempts: number; worker_id: string }[] {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .prepare("SELECT number, state, params, attempts, worker_id FROM trials ORDER BY number")
      .all() as never;
  } finally {
    db.close();
  }
}

describe("Study", () => {
  it("reopening with a different space, objectives or metadata names the difference", () => {
    const path = newPath();
    Study.open(path, definition).close();
    Study.open(path, definition).close(); // same definition: fine
    const changedSpace = { ...definition, space: zdt1(5).space };
    assert.throws(
      () => Study.open(path, changedSpace),
      (e: unknown) =>
        e instanceof UserError &&
        /different search space: space.parameters has 4 entries in the study, 5 asked/.test(e.message),
    );
    const flipped = {
      ...definition,
      objectives: [definition.objectives[0], { name: "f2", direction: "maximize" as const }],
    };
    assert.throws(
      () => Study.open(path, flipped),
      /different objectives: objectives\[1\].direction is "minimize" in the study, "maximize" asked/,
    );
    assert.throws(
      () => Study.open(path, { ...definition, metadata: { problem: "other" } }),
      /different metadata: metadata.problem is "ZDT1 \(4 variables\)" in the study, "other" asked/,
    );
    assert.throws(() => Study.open(path, { ...definition, strategy: "nsga2" }), /different strategy/);
  });

  it("stores every trial; failures are recorded and do not stop the study; resuming continues the numbering", async () => {
    const path = newPath();
    const study = Study.open(path, {
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
    const trials = study.trials();
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
    const pareto = study.paretoTrials().map((t) => t.number);
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
    study.close();
  });

  it("a worker killed with SIGKILL loses no finished trial; restarting retries its running trials with the same parameters", async () => {
    const path = newPath();
    const budget = 10;
    const child = startWorker(path, budget, 300);
    let before: ReturnType<typeof rows> = [];
    for (let i = 0; i < 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      try {
        before = rows(path);
      } catch {
        continue; // not created yet
      }
      if (
        before.filter((r) => r.state === "complete").length >= 3 &&
        before.some((r) => r.state === "running")
      )
        break;
    }
    child.kill("SIGKILL");
    await exited(child);
    before = rows(path);
    const running = before.filter((r) => r.state === "running");
    assert.ok(running.length > 0 && before.some((r) => r.state === "complete"), JSON.stringify(before));

    const study = Study.open(path, definition);
    const summary = await optimize(study, async (config) => problem.evaluate(config), { budget });
    study.close();
    const afterRows = rows(path);
    assert.deepEqual(
      afterRows.map((r) => r.number),
      [...Array(budget).keys()],
    );
    assert.ok(afterRows.every((r) => r.state === "complete"));
    assert.equal(summary.retried, running.length);
    for (const r of running) {
      const now = afterRows[r.number];
      assert.equal(now.params, r.params, "same parameters on retry");
      assert.equal(now.attempts, 2);
    }
    for (const r of before.filter((r) => r.state === "complete"))
      assert.equal(afterRows[r.number].params, r.params);
  });

  it("two processes on one study: no trial number used twice, total = budget", async () => {
    const path = newPath();
    Study.open(path, { ...definition, strategy: "nsga2" }).close(); // create first so both workers reopen the same definition
    const budget = 24;
    const workers = [startWorker(path, budget, 20, "nsga2"), startWorker(path, budget, 20, "nsga2")];
    assert.deepEqual(await Promise.all(workers.map(exited)), [0, 0]);
    const all = rows(path);
    assert.deepEqual(
      all.map((r) => r.number),
      [...Array(budget).keys()],
    );
    assert.ok(all.every((r) => r.state === "complete"));
    const pids = new Set(all.map((r) => r.worker_id.split(":")[1]));
    assert.equal(pids.size, 2, "both processes evaluated trials");
  });
});
