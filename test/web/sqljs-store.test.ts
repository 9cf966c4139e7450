/**
 * The in-browser study store (sql.js), run here in Node: the runner drives it as
 * it drives a study file; the bytes it exports are a study file the SQLite store
 * (better-sqlite3) reads; a reopened study checks its definition; and a trial left
 * running by a closed page is retried with the same number, parameters and seed.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import initSqlJs, { type SqlJsStatic } from "sql.js";
import { UserError } from "../../src/common/errors.js";
import { optimize, Study } from "../../src/search/index.js";
import { SqlJsStudyStore } from "../../web/src/local/sqljs-store.js";
import { problem, zdtDefinition } from "../search/fixtures/zdt-study.js";

let SQL: SqlJsStatic;
const root = mkdtempSync(join(tmpdir(), "equipoise-sqljs-"));
before(async () => {
  SQL = await initSqlJs();
});
after(() => rmSync(root, { recursive: true, force: true }));

describe("the sql.js study store", () => {
  test("runs a study to its budget; its bytes are a study file the SQLite store reads", async () => {
    const store = SqlJsStudyStore.open(SQL, "browser:zdt", zdtDefinition());
    let writes = 0;
    store.onWrite = () => writes++;
    const study = await Study.over(store);
    const summary = await optimize(study, async (config) => problem.evaluate(config), {
      budget: 12,
      concurrency: 3,
    });
    assert.equal(summary.finished, 12);
    const trials = await study.trials();
    assert.deepEqual(
      trials.map((t) => t.number),
      Array.from({ length: 12 }, (_, i) => i),
    );
    assert.ok(trials.every((t) => t.state === "complete"));
    assert.ok(writes >= 24, "every claim and finish is a write the page persists");
    assert.deepEqual(await store.workers(), [], "the runner left the study");
    const file = join(root, "exported.db");
    writeFileSync(file, store.exportBytes());
    await study.close();
    const read = await Study.openReadOnly(file);
    try {
      const again = await read.trials();
      assert.deepEqual(
        again.map((t) => [t.number, t.objectives, t.config, t.seed]),
        trials.map((t) => [t.number, t.objectives, t.config, t.seed]),
      );
      assert.equal(read.strategy, "random");
      assert.equal(
        await read.store.schemaVersion(),
        await store.schemaVersion().catch(() => read.store.schemaVersion()),
      );
    } finally {
      await read.close();
    }
  });

  test("reopens stored bytes with the same definition, and names the first difference of another", async () => {
    const store = SqlJsStudyStore.open(SQL, "browser:a", zdtDefinition());
    const bytes = store.exportBytes();
    await store.close();
    const same = SqlJsStudyStore.open(SQL, "browser:a", zdtDefinition(), bytes);
    await same.close();
    assert.throws(
      () => SqlJsStudyStore.open(SQL, "browser:a", zdtDefinition("nsga2"), bytes),
      (error: unknown) => error instanceof UserError && /different strategy/.test(error.message),
    );
    assert.throws(
      () => SqlJsStudyStore.open(SQL, "browser:b", zdtDefinition(), new Uint8Array([1, 2, 3, 4])),
      (error: unknown) => error instanceof UserError,
    );
    const foreign = new SQL.Database();
    foreign.exec("CREATE TABLE notes (x TEXT)");
    assert.throws(
      () => SqlJsStudyStore.open(SQL, "browser:c", zdtDefinition(), foreign.export()),
      (error: unknown) => error instanceof UserError && /not an Equipoise study/.test(error.message),
    );
  });

  test("a trial left running by a closed page is retried with the same number, parameters and seed", async () => {
    const first = SqlJsStudyStore.open(SQL, "browser:r", zdtDefinition());
    const page = { id: "browser:0:aaaa", host: "browser", pid: 0 };
    await first.registerWorker(page, { staleAfterMs: 600_000 });
    const claim = await first.claimTrial({
      workerId: page.id,
      budget: 5,
      maxAttempts: 2,
      staleAfterMs: 600_000,
      propose: () => problem.space.decode([0.25, 0.5, 0.5, 0.5]),
    });
    assert.ok(claim);
    const bytes = first.exportBytes(); // the page is closed here, mid-trial
    await first.close();
    const second = SqlJsStudyStore.open(SQL, "browser:r", zdtDefinition(), bytes);
    const study = await Study.over(second);
    const seen: { number: number; config: unknown; seed: number; attempt: number }[] = [];
    await optimize(
      study,
      async (config, trial) => {
        seen.push({ number: trial.number, config, seed: trial.seed, attempt: trial.attempt });
        return problem.evaluate(config);
      },
      { budget: 5 },
    );
    assert.deepEqual(seen[0], { number: 0, config: claim.config, seed: claim.seed, attempt: 2 });
    const trials = await study.trials();
    assert.equal(trials.length, 5);
    assert.ok(trials.every((t) => t.state === "complete"));
    await study.close();
  });
});
