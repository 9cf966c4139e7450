/**
 * The API over study files: what it lists and shows agrees with the explorer's own
 * summary, test metrics are given for Pareto trials only, numbers travel through the
 * shared JSON codec, the OpenAPI document describes every route, data sets upload
 * into the uploads folder only, and reading a study never changes its file.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { summariseStudy } from "../../src/explore/summary.js";
import { optimize, Study } from "../../src/search/index.js";
import {
  datasetDocSchema,
  datasetListSchema,
  type RunningServer,
  startServer,
  studyListSchema,
  studyViewSchema,
  trialDetailSchema,
} from "../../src/server/index.js";
import { problem, zdtDefinition } from "../search/fixtures/zdt-study.js";
import { writeExplorerStudy } from "./fixtures.js";
import { raw, readEvents } from "./http.js";

const root = mkdtempSync(join(tmpdir(), "equipoise-api-"));
const studyPath = join(root, "adult-fixture.db");
const genericPath = join(root, "zdt.db");
const webRoot = join(root, "web");
let server: RunningServer;
const sha = (path: string) =>
  existsSync(path) ? createHash("sha256").update(readFileSync(path)).digest("hex") : "-";

before(async () => {
  await writeExplorerStudy(studyPath, { trials: 24, seed: 3 });
  const zdt = await Study.open(genericPath, zdtDefinition());
  await optimize(zdt, async (config) => problem.evaluate(config), { budget: 6 });
  await zdt.close();
  mkdirSync(webRoot);
  writeFileSync(join(webRoot, "index.html"), "<!doctype html><title>test</title>");
  writeFileSync(join(webRoot, "dashboard.js"), "export {};");
  server = await startServer({
    port: 0,
    workDir: join(root, "work"),
    studies: [studyPath, genericPath],
    webRoot,
    pollMs: 100,
  });
});
after(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

const get = async (path: string) => {
  const response = await fetch(new URL(path, server.url));
  return { status: response.status, json: await response.json(), headers: response.headers };
};

describe("studies", () => {
  test("the list shows both studies with their progress", async () => {
    const { status, json } = await get("/api/studies");
    assert.equal(status, 200);
    const list = studyListSchema.parse(json);
    const byId = new Map(list.studies.map((s) => [s.id, s]));
    assert.deepEqual([...byId.keys()].sort(), ["adult-fixture", "zdt"]);
    assert.equal(byId.get("adult-fixture")!.counts!.complete, 24);
    assert.equal(byId.get("adult-fixture")!.kind, "explorer");
    assert.equal(byId.get("zdt")!.kind, "generic");
    assert.equal(byId.get("zdt")!.counts!.complete, 6);
  });

  test("a study's view agrees with the explorer's summary; test metrics for Pareto trials only", async () => {
    const before = [sha(studyPath), sha(`${studyPath}-wal`)];
    const { status, json } = await get("/api/studies/adult-fixture");
    assert.equal(status, 200);
    const view = studyViewSchema.parse(json);
    const study = await Study.openReadOnly(studyPath);
    const summary = summariseStudy(await study.snapshot());
    await study.close();
    const pareto = summary.pareto.map((i) => summary.decoded[i].record.number).sort((a, b) => a - b);
    assert.deepEqual(
      view.trials.filter((t) => t.onPareto).map((t) => t.number),
      pareto,
    );
    assert.ok(pareto.length > 0);
    for (const trial of view.trials) {
      assert.equal(
        trial.test !== null,
        trial.onPareto,
        `trial ${trial.number}: test metrics iff on the front`,
      );
      assert.ok(trial.validation);
    }
    assert.equal(view.hypervolume!.validation, summary.hypervolume.validation);
    assert.equal(view.hypervolumeHistory.length, 24);
    assert.equal(view.privacyNotes.length > 3, true);
    // A non-private trial's ε is Infinity in memory and "Infinity" on the wire.
    const nonPrivate = view.trials.find((t) => t.validation && !Number.isFinite(t.validation.epsilon));
    assert.ok(nonPrivate, "the fixture has non-private trials");
    const wire = (json as { trials: { number: number; validation: { epsilon: unknown } }[] }).trials.find(
      (t) => t.number === nonPrivate.number,
    );
    assert.equal(wire!.validation.epsilon, "Infinity");
    assert.deepEqual(
      [sha(studyPath), sha(`${studyPath}-wal`)],
      before,
      "reading must not change the study file",
    );
  });

  test("a trial: per-group intervals over every row, the cost of privacy against the reference", async () => {
    const { status, json } = await get("/api/studies/adult-fixture/trials/3");
    assert.equal(status, 200);
    const detail = trialDetailSchema.parse(json);
    assert.deepEqual(
      detail.splits.map((s) => s.split),
      ["validation", "test"],
    );
    for (const split of detail.splits) {
      const rows = split.split === "validation" ? 1500 : 3000;
      for (const attribute of ["sex", "race"]) {
        const groups = split.groups.filter((g) => g.attribute === attribute);
        assert.equal(
          groups.reduce((sum, g) => sum + g.count, 0),
          rows,
        );
        for (const g of groups) {
          assert.ok(g.accuracy.low <= g.accuracy.value && g.accuracy.value <= g.accuracy.high);
          assert.ok(g.tpr.n > 0, "the counts behind TPR are recovered");
          assert.equal(g.tpr.n + g.fpr.n, g.count);
        }
      }
      for (const row of split.costOfPrivacy) {
        assert.ok(Math.abs(row.difference - (row.reference.value - row.trial.value)) < 1e-12);
      }
    }
  });

  test("a generic study is shown with its raw objectives", async () => {
    const view = studyViewSchema.parse((await get("/api/studies/zdt")).json);
    assert.equal(view.kind, "generic");
    assert.deepEqual(
      view.objectives.map((o) => o.name),
      ["f1", "f2"],
    );
    assert.ok(view.trials.some((t) => t.onPareto));
    assert.equal(view.hypervolume, null);
  });

  test("unknown things are 404, malformed ids 400, each as one JSON line", async () => {
    for (const [path, status] of [
      ["/api/studies/nope", 404],
      ["/api/studies/adult-fixture/trials/999", 404],
      ["/api/studies/adult-fixture/trials/abc", 400],
      ["/api/studies/bad.name", 400],
      ["/api/jobs/nope", 404],
      ["/api/datasets/nope", 404],
      ["/api/nothing", 404],
    ] as const) {
      const response = await get(path);
      assert.equal(response.status, status, path);
      assert.equal(typeof response.json.error, "string");
      assert.ok(!response.json.error.includes("\n"));
    }
  });

  test("the HTML report downloads and carries its own offline policy", async () => {
    const response = await fetch(new URL("/api/studies/adult-fixture/report.html", server.url));
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    const html = await response.text();
    assert.match(html, /<!doctype html>/i);
    assert.match(html, /accuracy × privacy × fairness/);
  });

  test("live progress: the first event describes the study", async () => {
    const events = await readEvents(
      new URL("/api/studies/adult-fixture/events", server.url).href,
      (e) => e.length >= 1,
      20_000,
    );
    assert.equal(events[0].event, "progress");
    assert.equal((events[0].data as { counts: { complete: number } }).counts.complete, 24);
  });
});

describe("OpenAPI", () => {
  test("describes every route with schemas generated from the zod documents", async () => {
    const { json } = await get("/api/openapi.json");
    assert.equal(json.openapi, "3.1.0");
    for (const path of [
      "/api/studies",
      "/api/studies/{id}",
      "/api/studies/{id}/trials/{number}",
      "/api/studies/{id}/resume",
      "/api/studies/{id}/stop",
      "/api/studies/{id}/events",
      "/api/datasets",
      "/api/jobs/{id}/events",
    ]) {
      assert.ok(json.paths[path], `${path} is described`);
    }
    assert.ok(json.components.schemas.StudyView);
    assert.ok(json.components.schemas.CreateStudy.properties.budget);
    // Every reference points at a component that exists.
    const text = JSON.stringify(json);
    for (const [, name] of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      assert.ok(json.components.schemas[name], `component ${name} exists`);
    }
    const create = json.paths["/api/studies"].post;
    assert.equal(
      create.requestBody.content["application/json"].schema.$ref,
      "#/components/schemas/CreateStudy",
    );
  });
});

describe("data sets", () => {
  test("bundled data sets are listed with their task", async () => {
    const list = datasetListSchema.parse((await get("/api/datasets")).json);
    const adult = list.datasets.find((d) => d.id === "adult");
    assert.ok(adult);
    assert.equal(adult.defaults.target, "income");
    assert.ok(adult.choices.sensitive.includes("sex"));
    assert.ok(!list.datasets.some((d) => d.id === "compas"), "fetched data sets need a download first");
  });

  test("an upload is stored in the uploads folder with its columns, and listed", async () => {
    const lines = ["age,group,label"];
    for (let i = 0; i < 60; i++)
      lines.push(`${20 + (i % 40)},${i % 3 === 0 ? "a" : "b"},${i % 2 ? "yes" : "no"}`);
    const response = await fetch(new URL("/api/datasets?name=my%20data.csv", server.url), {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: lines.join("\n"),
    });
    assert.equal(response.status, 201);
    const doc = datasetDocSchema.parse(await response.json());
    assert.equal(doc.id, "my-data");
    assert.equal(doc.rows, 60);
    assert.deepEqual(
      doc.columns!.map((c) => [c.name, c.kind]),
      [
        ["age", "numeric"],
        ["group", "categorical"],
        ["label", "categorical"],
      ],
    );
    assert.ok(doc.choices.sensitive.includes("group"));
    assert.deepEqual(readdirSync(server.folders.uploads).sort(), ["my-data.csv", "my-data.json"]);
    const again = await fetch(new URL("/api/datasets?name=my%20data.csv", server.url), {
      method: "POST",
      body: lines.join("\n"),
    });
    assert.equal(
      datasetDocSchema.parse(await again.json()).id,
      "my-data-2",
      "a second upload of the same name gets its own id",
    );
  });

  test("a file that is not a table is refused and leaves nothing behind", async () => {
    const before = readdirSync(server.folders.uploads).sort();
    const response = await fetch(new URL("/api/datasets?name=broken.csv", server.url), {
      method: "POST",
      body: 'a,b\n1,"unterminated\n',
    });
    assert.equal(response.status, 422);
    assert.deepEqual(readdirSync(server.folders.uploads).sort(), before);
  });
});

describe("creating a study: mistakes are refused before any job starts", () => {
  const post = (body: unknown) =>
    raw(server.url, {
      method: "POST",
      path: "/api/studies",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const valid = {
    name: "x1",
    dataset: "german-credit",
    sensitive: ["sex"],
    objectives: ["accuracy", "epsilon", "dp"],
    budget: 2,
  };
  test("each bad field is named", async () => {
    for (const [change, pattern] of [
      [{ dataset: "nope" }, /data set 'nope' not found/],
      [{ sensitive: ["income"] }, /not a possible sensitive attribute/],
      [{ objectives: ["accuracy"] }, /body\.objectives/],
      [{ constraints: ["epsilon<0"] }, /body\.constraints/],
      [{ budget: 0 }, /body\.budget/],
      [{ name: "adult-fixture" }, /already exists/],
      [{ unknown: 1 }, /body/],
    ] as const) {
      const response = await post({ ...valid, ...change });
      assert.ok(
        response.status >= 400 && response.status < 500,
        `${JSON.stringify(change)} → ${response.status}`,
      );
      assert.match(JSON.parse(response.body).error, pattern);
    }
    const jobs = await get("/api/jobs");
    assert.deepEqual(jobs.json.jobs, []);
  });
});
