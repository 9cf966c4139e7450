/**
 * Audits and explanations of a model as jobs, end to end on the bundled German credit
 * data: a private model trained from the API, then explained (one test prediction,
 * the fairness gap) and audited by jobs whose results are the capabilities' own
 * documents; malformed questions are refused before any job starts; the routes are
 * in the OpenAPI document.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { auditDocumentSchema } from "../../src/audit/document.js";
import { exampleExplanationSchema, fairnessExplanationSchema } from "../../src/explain/report/schema.js";
import { type RunningServer, startServer } from "../../src/server/index.js";
import { jobFinished, postJson, raw } from "./http.js";

const root = mkdtempSync(join(tmpdir(), "equipoise-insights-"));
let server: RunningServer;
const MODEL = "private-logreg";
const EPSILON = 3;
let results: Record<"example" | "fairness" | "audit", Promise<unknown>>;

const post = (path: string, body: unknown) => postJson(server.url, path, body);
const finished = (id: string, timeoutMs?: number) => jobFinished(server.url, id, timeoutMs);

/** Starts a job and waits for its success; returns its result. */
async function resultOf(path: string, body: unknown): Promise<unknown> {
  const started = await post(path, body);
  assert.equal(started.status, 202, JSON.stringify(started.json));
  const job = await finished(String(started.json.id));
  assert.equal(job.state, "succeeded", job.error ?? "");
  return job.result;
}

before(async () => {
  server = await startServer({ port: 0, workDir: root, webRoot: null, pollMs: 100, maxJobs: 3 });
  await resultOf("/api/models", {
    name: MODEL,
    dataset: "german-credit",
    sensitive: ["sex"],
    recipe: { dp: true, epsilon: EPSILON, clip: 1, epochs: 2, batch: 64 },
  });
  // The three jobs run side by side; each test reads its own.
  results = {
    example: resultOf(`/api/models/${MODEL}/explain`, {
      question: { kind: "example", row: 3, top: 3, refit: true },
    }),
    fairness: resultOf(`/api/models/${MODEL}/explain`, {
      question: { kind: "fairness", sensitive: "sex", top: 4, looRows: 0 },
    }),
    audit: resultOf(`/api/models/${MODEL}/audit`, { attacks: ["loss"], shadows: 0 }),
  };
  // A failure is reported by the test that reads it, not as an unhandled rejection here.
  for (const pending of Object.values(results)) pending.catch(() => {});
});
after(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

describe("explanations and audits of a saved model, as jobs", () => {
  test("one test prediction: the most helpful and harmful training rows, readable, and marked as not covered by ε", async () => {
    const doc = exampleExplanationSchema.parse(await results.example);
    assert.equal(doc.test.row, 3);
    assert.equal(doc.helpful.length, 3);
    assert.equal(doc.harmful.length, 3);
    assert.ok(doc.helpful.every((r) => r.influence >= doc.harmful[0].influence));
    assert.ok("sex" in doc.helpful[0].group, "each row names its group");
    assert.ok(
      doc.warnings.some((w) => /NOT covered by ε/.test(w)),
      "a DP model's explanation says it reads the training rows outside ε",
    );
  });

  test("the fairness gap: the rows and groups of rows behind it", async () => {
    const doc = fairnessExplanationSchema.parse(await results.fairness);
    assert.equal(doc.attribute, "sex");
    assert.equal(doc.harmful.length, 4);
    assert.equal(doc.looUnfairness, undefined, "looRows 0 skips leave-one-out unfairness");
  });

  test("the loss attack: an audit document whose accountant's ε is the model's", async () => {
    const doc = auditDocumentSchema.parse(await results.audit);
    assert.deepEqual(
      doc.attacks.map((a) => a.attack),
      ["loss"],
    );
    assert.ok(doc.verdict.accountantEpsilon > 0 && doc.verdict.accountantEpsilon <= EPSILON + 1e-9);
    assert.equal(doc.verdict.failed, false);
    assert.equal(doc.setup.shadows, 0, "shadows: 0 reaches the audit");
  });

  test("malformed questions are refused before a job starts; unknown models are 404", async () => {
    const before = JSON.parse((await raw(server.url, { path: "/api/jobs" })).body).jobs.length;
    const refused: unknown[] = [
      {},
      { question: { kind: "example", row: -1 } },
      { question: { kind: "example", row: 1.5 } },
      { question: { kind: "example", row: 1, out: "/tmp/x.json" } },
      { question: { kind: "fairness" } },
      { question: { kind: "fairness", sensitive: "sex", constraint: "parity" } },
      { question: { kind: "mislabels" } },
      { question: { kind: "example", row: 1 }, dataset: "../etc" },
    ];
    for (const body of refused) {
      const answer = await post(`/api/models/${MODEL}/explain`, body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(typeof answer.json.error, "string");
    }
    assert.equal((await post(`/api/models/${MODEL}/audit`, { attacks: ["guess"] })).status, 400);
    assert.equal(
      (await post("/api/models/nothing/explain", { question: { kind: "example", row: 0 } })).status,
      404,
    );
    const after = JSON.parse((await raw(server.url, { path: "/api/jobs" })).body).jobs.length;
    assert.equal(after, before, "no job was queued for a refused request");
  });

  test("the OpenAPI document describes the explanation route and its request", async () => {
    const doc = JSON.parse((await raw(server.url, { path: "/api/openapi.json" })).body);
    const operation = doc.paths["/api/models/{id}/explain"]?.post;
    assert.ok(operation, "POST /api/models/{id}/explain is described");
    assert.match(JSON.stringify(operation.requestBody), /ExplainModel/);
    const schema = JSON.stringify(doc.components.schemas.ExplainModel);
    for (const word of ["example", "fairness", "row", "sensitive", "refit"])
      assert.match(schema, new RegExp(word));
    assert.match(JSON.stringify(doc.components.schemas.AuditModel), /lira-offline/);
  });
});
