/**
 * The trial page's "Train a model with this trial's recipe" control, at the API: the
 * request the page builds (web/src/dashboard/trial-model.ts, from the documents the
 * page reads) trains a model with the trial's recipe as a job, and the model then
 * appears in GET /api/models; the saved recipe is the trial's. A study whose data the
 * server does not have gets a reason, not a request. The study is an explorer-shaped
 * fixture on the bundled German credit data (no explorer run): the trial trained is
 * a private one with the fewest epochs, a few seconds of `train`.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { recipeOf } from "../../src/explore/trial-recipe.js";
import {
  datasetListSchema,
  modelListSchema,
  type RunningServer,
  startServer,
  studyViewSchema,
  type TrialDetail,
  trialDetailSchema,
} from "../../src/server/index.js";
import { trialModelName, trialModelPlan } from "../../web/src/dashboard/trial-model.js";
import { GERMAN_CREDIT_FIXTURE, writeExplorerStudy } from "./fixtures.js";
import { jobFinished, postJson, raw } from "./http.js";

const root = mkdtempSync(join(tmpdir(), "equipoise-trial-model-"));
const TRIALS = 8;
let server: RunningServer;

async function getJson(path: string): Promise<unknown> {
  const response = await raw(server.url, { path });
  assert.equal(response.status, 200, response.body);
  return JSON.parse(response.body);
}

/** What the trial page reads: the study, its trials, the server's data sets and models. */
async function pageDocuments(study: string) {
  const view = studyViewSchema.parse(await getJson(`/api/studies/${study}`));
  const details: TrialDetail[] = [];
  for (let n = 0; n < TRIALS; n++)
    details.push(trialDetailSchema.parse(await getJson(`/api/studies/${study}/trials/${n}`)));
  const { datasets } = datasetListSchema.parse(await getJson("/api/datasets"));
  const { models } = modelListSchema.parse(await getJson("/api/models"));
  return { view, details, datasets, models };
}

before(async () => {
  await writeExplorerStudy(join(root, "credit.db"), {
    trials: TRIALS,
    seed: 4,
    ...GERMAN_CREDIT_FIXTURE,
  });
  await writeExplorerStudy(join(root, "elsewhere.db"), {
    trials: 2,
    seed: 5,
    rows: { validation: 200, test: 300 },
  });
  server = await startServer({
    port: 0,
    workDir: join(root, "work"),
    webRoot: null,
    studies: [join(root, "credit.db"), join(root, "elsewhere.db")],
    pollMs: 100,
  });
});
after(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

describe("training a trial's recipe from the trial page", () => {
  test("the page's request trains a model that GET /api/models then lists, with the trial's recipe", async () => {
    const { view, details, datasets, models } = await pageDocuments("credit");
    const chosen = [...details]
      .filter((d) => d.state === "complete")
      // A private trial (DP-SGD and the penalty's held-out reference), with the fewest epochs.
      .sort(
        (a, b) =>
          Number(b.params.dp) - Number(a.params.dp) || Number(a.params.epochs) - Number(b.params.epochs),
      )[0];
    assert.ok(chosen && recipeOf(chosen.params).dp, "the fixture has a private trial");
    const name = trialModelName(
      view.name,
      chosen.number,
      models.map((m) => m.id),
    );
    assert.equal(name, `credit-trial-${chosen.number}`);
    const plan = trialModelPlan(view, chosen, datasets, name);
    assert.ok(plan.ok, plan.ok ? "" : plan.reason);
    assert.deepEqual(
      { dataset: plan.body.dataset, sensitive: plan.body.sensitive, positive: plan.body.positive },
      { dataset: "german-credit", sensitive: ["sex"], positive: "good" },
    );

    const started = await postJson(server.url, "/api/models", plan.body);
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const job = await jobFinished(server.url, String(started.json.id));
    assert.equal(job.state, "succeeded", job.error ?? "");
    const { models: after } = modelListSchema.parse(await getJson("/api/models"));
    assert.ok(
      after.some((m) => m.id === name),
      `${name} in ${after.map((m) => m.id).join(", ")}`,
    );

    // The saved recipe is the trial's (train's --json document is the job's result).
    const trial = recipeOf(chosen.params);
    const recipe = (job.result as { recipe: Record<string, unknown> }).recipe as {
      model: string;
      epochs: number;
      batchSize: number;
      seed: number;
      optimizer: { kind: string; learningRate: number; schedule: string };
      privacy?: { targetEpsilon?: number; clip: number; noiseSeed?: number };
      fairness: { method: string; weight?: number; attribute?: string };
    };
    assert.equal(recipe.model, trial.model);
    assert.equal(recipe.epochs, trial.epochs);
    assert.equal(recipe.batchSize, Math.min(trial.batch, 560));
    assert.equal(recipe.seed, chosen.retrain?.seed);
    assert.deepEqual(
      [recipe.optimizer.kind, recipe.optimizer.learningRate, recipe.optimizer.schedule],
      ["sgd", trial.lr, "constant"],
    );
    assert.equal(recipe.privacy?.targetEpsilon, trial.dp ? trial.targetEpsilon : undefined);
    assert.equal(recipe.privacy?.noiseSeed, undefined, "secure noise, not the trial's seeded noise");
    assert.deepEqual(
      [recipe.fairness.method, recipe.fairness.weight, recipe.fairness.attribute],
      ["penalty", trial.fairWeight, "sex"],
    );

    // The next default name does not collide with the saved model.
    assert.equal(
      trialModelName(
        view.name,
        chosen.number,
        after.map((m) => m.id),
      ),
      `credit-trial-${chosen.number}-2`,
    );
  });

  test("a study on data the server does not have gets the reason, not a request", async () => {
    const view = studyViewSchema.parse(await getJson("/api/studies/elsewhere"));
    const detail = trialDetailSchema.parse(await getJson("/api/studies/elsewhere/trials/0"));
    const { datasets } = datasetListSchema.parse(await getJson("/api/datasets"));
    const plan = trialModelPlan(view, detail, datasets, "elsewhere-trial-0");
    assert.equal(plan.ok, false);
    assert.match(plan.ok ? "" : plan.reason, /not one of this server's data sets/);
  });

  test("names are made safe for the server", () => {
    assert.equal(trialModelName("my study.v2", 3), "my-study-v2-trial-3");
    assert.equal(trialModelName("_x", 1), "m_x-trial-1");
    const long = trialModelName("a".repeat(100), 12345);
    assert.ok(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(long) && long.endsWith("-trial-12345"), long);
  });
});
