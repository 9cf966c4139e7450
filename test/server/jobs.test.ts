/**
 * Studies run as jobs from the API, end to end on the bundled German credit data:
 * created, followed over server-sent events to the end, resumed to a larger
 * budget, stopped in the middle (the study stays consistent: no worker left
 * behind, finished trials kept), and never two jobs on one study.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import {
  type JobDoc,
  jobDocSchema,
  type RunningServer,
  startServer,
  studyViewSchema,
} from "../../src/server/index.js";
import { jobFinished, postJson, raw, readEvents } from "./http.js";

const root = mkdtempSync(join(tmpdir(), "equipoise-jobs-"));
let server: RunningServer;

before(async () => {
  server = await startServer({ port: 0, workDir: root, webRoot: null, pollMs: 100, maxJobs: 2 });
});
after(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

const post = (path: string, body: unknown) => postJson(server.url, path, body);
const finished = (id: string, timeoutMs?: number) => jobFinished(server.url, id, timeoutMs);

const study = (name: string, budget: number) => ({
  name,
  dataset: "german-credit",
  sensitive: ["sex"],
  objectives: ["accuracy", "epsilon", "dp"],
  strategy: "random",
  budget,
  workers: 1,
});

describe("a study run from the API", () => {
  test("is created, runs to its budget, and is resumed to a larger one", async () => {
    const created = await post("/api/studies", study("german", 2));
    assert.equal(created.status, 202, JSON.stringify(created.json));
    const job = jobDocSchema.parse(created.json);
    assert.equal(job.studyId, "german");
    const twice = await post("/api/studies/german/resume", { budget: 5 });
    assert.equal(twice.status, 409, "one job per study");
    const done = await finished(job.id);
    assert.equal(done.state, "succeeded", done.error ?? "");
    assert.equal(done.progress.done, 2);
    let view = studyViewSchema.parse(
      JSON.parse((await raw(server.url, { path: "/api/studies/german" })).body),
    );
    assert.equal(view.counts.complete, 2);
    assert.equal(view.dataset?.name, "german-credit");
    assert.equal(view.activity.job, null);

    const resumed = await post("/api/studies/german/resume", { budget: 3 });
    assert.equal(resumed.status, 202, JSON.stringify(resumed.json));
    const again = await finished(String(resumed.json.id));
    assert.equal(again.state, "succeeded", again.error ?? "");
    view = studyViewSchema.parse(JSON.parse((await raw(server.url, { path: "/api/studies/german" })).body));
    assert.equal(view.counts.complete, 3);
    const smaller = await post("/api/studies/german/resume", { budget: 2 });
    assert.equal(smaller.status, 400);
    assert.match(smaller.json.error!, /already has 3 trials/);
  });

  test("is stopped in the middle and left consistent", async () => {
    const created = await post("/api/studies", study("stopped", 200));
    assert.equal(created.status, 202);
    const id = String(created.json.id);
    // Wait for the first finished trial.
    await readEvents(
      new URL(`/api/jobs/${id}/events`, server.url).href,
      (seen) => seen.some((e) => ((e.data as JobDoc).progress?.done ?? 0) >= 1),
      300_000,
    );
    const stopped = await post("/api/studies/stopped/stop", {});
    assert.equal(stopped.status, 200);
    assert.equal(jobDocSchema.parse(stopped.json).state, "cancelled");
    const db = new Database(join(server.folders.studies, "stopped.db"), { readonly: true });
    try {
      assert.equal(
        (db.prepare("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check,
        "ok",
      );
      assert.equal(
        (db.prepare("SELECT COUNT(*) AS n FROM workers").get() as { n: number }).n,
        0,
        "the job left the study",
      );
      const states = db.prepare("SELECT state, COUNT(*) AS n FROM trials GROUP BY state").all() as {
        state: string;
        n: number;
      }[];
      const complete = states.find((s) => s.state === "complete")?.n ?? 0;
      assert.ok(complete >= 1 && complete < 200, JSON.stringify(states));
    } finally {
      db.close();
    }
    const again = await post("/api/studies/stopped/stop", {});
    assert.equal(again.status, 409, "nothing left to stop");
  });
});

describe("a model trained and evaluated from the API", () => {
  test("is the model 'equipoise train' makes: private, accounted, listed, then evaluated", async () => {
    const created = await post("/api/models", {
      name: "private-logreg",
      dataset: "german-credit",
      sensitive: ["sex"],
      recipe: { dp: true, epsilon: 3, clip: 1, epochs: 2, batch: 64 },
    });
    assert.equal(created.status, 202, JSON.stringify(created.json));
    const trained = await finished(String(created.json.id));
    assert.equal(trained.state, "succeeded", trained.error ?? "");
    const summary = trained.result as { model: string; privacy: { epsilon: number; delta: number } };
    assert.ok(summary.privacy.epsilon > 0 && summary.privacy.epsilon <= 3, JSON.stringify(summary.privacy));
    const models = JSON.parse((await raw(server.url, { path: "/api/models" })).body) as {
      models: { id: string }[];
    };
    assert.deepEqual(
      models.models.map((m) => m.id),
      ["private-logreg"],
    );
    const again = await post("/api/models", {
      name: "private-logreg",
      dataset: "german-credit",
      sensitive: ["sex"],
    });
    assert.equal(again.status, 409, "a model is never overwritten");

    const evaluated = await post("/api/models/private-logreg/evaluate", {});
    assert.equal(evaluated.status, 202, JSON.stringify(evaluated.json));
    const evaluation = await finished(String(evaluated.json.id));
    assert.equal(evaluation.state, "succeeded", evaluation.error ?? "");
    const metrics = evaluation.result as { accuracy: number };
    assert.ok(metrics.accuracy > 0.5 && metrics.accuracy <= 1, JSON.stringify(evaluation.result));
  });

  test("refuses flags outside the recipe, dashed values and unknown models", async () => {
    const base = { name: "m", dataset: "german-credit", sensitive: ["sex"] };
    const out = await post("/api/models", { ...base, recipe: { out: "/tmp/elsewhere.json" } });
    assert.equal(out.status, 400);
    const dashed = await post("/api/models", { ...base, recipe: { model: "--out=/tmp/x" } });
    assert.equal(dashed.status, 400);
    const traversal = await post("/api/models", { ...base, name: "../m" });
    assert.equal(traversal.status, 400);
    const missing = await post("/api/models/nothing/evaluate", {});
    assert.equal(missing.status, 404);
    assert.equal((await post("/api/models/nothing/audit", {})).status, 404);
    assert.equal((await post("/api/models/nothing/audit", { shadows: 65 })).status, 400);
    const bad = await post("/api/models", { ...base, recipe: { epochs: -1 } });
    assert.equal(bad.status, 202, "the recipe's own checks run in the job");
    const failed = await finished(String(bad.json.id));
    assert.equal(failed.state, "failed");
    assert.match(failed.error ?? "", /--epochs/);
  });
});
