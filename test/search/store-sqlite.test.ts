import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { UserError } from "../../src/common/errors.js";
import { type ClaimView, openStudyStore, optimize, Study } from "../../src/search/index.js";
import { SCHEMA_VERSION } from "../../src/search/store/sqlite-schema.js";
import { problem, zdtDefinition } from "./fixtures/zdt-study.js";
import { studyStoreContract } from "./store-contract.js";

const directory = mkdtempSync(join(tmpdir(), "equipoise-store-"));
// Readable by the unprivileged user the permission tests run as.
chmodSync(directory, 0o755);
after(() => {
  chmodTree(directory);
  rmSync(directory, { recursive: true, force: true });
});
let count = 0;
const newPath = (name = "study") => join(directory, `${name}-${count++}.db`);

function chmodTree(path: string) {
  try {
    chmodSync(path, 0o755);
    for (const entry of readdirSync(path, { withFileTypes: true }))
      if (entry.isDirectory()) chmodTree(join(path, entry.name));
  } catch {
    // already gone
  }
}

studyStoreContract("SQLite", {
  newLocation: async () => newPath(),
  open: openStudyStore,
  currentVersion: SCHEMA_VERSION,
  async setSchemaVersion(location, version) {
    const db = new Database(location);
    db.prepare("UPDATE schema_version SET version = ?").run(version);
    db.close();
  },
});

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
const isOneLine = (e: unknown) => e instanceof UserError && !e.message.includes("\n");

/** The study layout Equipoise 0.1 wrote (schema version 1: no version table). */
const VERSION_1 = `
CREATE TABLE IF NOT EXISTS study (id INTEGER PRIMARY KEY CHECK (id = 1), format INTEGER NOT NULL, space TEXT NOT NULL,
  objectives TEXT NOT NULL, constraints TEXT NOT NULL, strategy TEXT NOT NULL, seed INTEGER NOT NULL,
  strategy_options TEXT NOT NULL, metadata TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS trials (id INTEGER PRIMARY KEY AUTOINCREMENT, number INTEGER NOT NULL UNIQUE,
  params TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('running', 'complete', 'failed', 'pruned')),
  objectives TEXT, constraints TEXT, metrics TEXT, seed INTEGER NOT NULL, error TEXT, worker_id TEXT,
  attempts INTEGER NOT NULL DEFAULT 1, started_at REAL, finished_at REAL, duration_ms REAL);
CREATE INDEX IF NOT EXISTS trials_state ON trials (state);
CREATE TABLE IF NOT EXISTS workers (id TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, heartbeat_at REAL NOT NULL);
`;

function writeVersion1Study(path: string, trials: number) {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.exec(VERSION_1);
  const definition = zdtDefinition();
  db.prepare("INSERT INTO study VALUES (1, 1, ?, ?, '[]', 'random', 1, '{}', ?, 0)").run(
    JSON.stringify(problem.space.toJSON()),
    JSON.stringify(definition.objectives),
    JSON.stringify(definition.metadata),
  );
  for (let n = 0; n < trials; n++) {
    db.prepare(
      `INSERT INTO trials (number, params, state, objectives, seed, worker_id, started_at, finished_at, duration_ms)
       VALUES (?, ?, 'complete', ?, ?, 'old-host:1:x', 0, 1, 1)`,
    ).run(n, JSON.stringify({ x0: n / 10, x1: 0, x2: 0, x3: 0 }), JSON.stringify([n / 10, "NaN"]), n);
  }
  db.close();
}

describe("SQLite study files", () => {
  it("refuses, in one line and without changing a byte, files that are not studies", async () => {
    const foreign = join(directory, "foreign");
    mkdirSync(foreign);
    const cases: [string, () => void, RegExp][] = [
      [
        "customers.sqlite",
        () => {
          const db = new Database(join(foreign, "customers.sqlite"));
          db.exec("CREATE TABLE customers (id INTEGER, name TEXT); INSERT INTO customers VALUES (1, 'Ada');");
          db.close();
        },
        /not an Equipoise study \(it has the tables customers\)/,
      ],
      [
        "lookalike.sqlite",
        () => {
          const db = new Database(join(foreign, "lookalike.sqlite"));
          db.exec(
            "CREATE TABLE study (id INTEGER, title TEXT); CREATE TABLE trials (x); CREATE TABLE workers (y);",
          );
          db.close();
        },
        /not an Equipoise study/,
      ],
      [
        "no-tables.sqlite",
        () => {
          const db = new Database(join(foreign, "no-tables.sqlite"));
          db.pragma("user_version = 7"); // a valid SQLite file with no table
          db.close();
        },
        /not an Equipoise study \(it is an SQLite database without tables\)/,
      ],
      [
        "empty.db",
        () => writeFileSync(join(foreign, "empty.db"), ""),
        /is an empty file, not an Equipoise study/,
      ],
      [
        "notes.txt",
        () => writeFileSync(join(foreign, "notes.txt"), "trial,accuracy\n0,0.8\n".repeat(20)),
        /not an Equipoise study \(not an SQLite database\)/,
      ],
    ];
    for (const [, make] of cases) make();
    const listing = readdirSync(foreign).sort();
    const sums = Object.fromEntries(listing.map((f) => [f, sha256(join(foreign, f))]));
    for (const [name, , message] of cases) {
      const path = join(foreign, name);
      for (const options of [{ definition: zdtDefinition() }, { readOnly: true as const }]) {
        await assert.rejects(
          openStudyStore(path, options),
          (e: unknown) => isOneLine(e) && message.test((e as Error).message),
          `${name} (${options.readOnly ? "read-only" : "create-or-open"})`,
        );
      }
      await assert.rejects(Study.open(path, zdtDefinition()), message);
    }
    assert.deepEqual(readdirSync(foreign).sort(), listing, "no file was added beside them");
    for (const f of listing) assert.equal(sha256(join(foreign, f)), sums[f], `${f} is byte-identical`);
  });

  it("migrates a version-1 study (Equipoise 0.1) in place, keeping its trials; reads it read-only as it is", async () => {
    const path = newPath("v1");
    writeVersion1Study(path, 3);
    const before = sha256(path);
    const reader = await openStudyStore(path, { readOnly: true });
    assert.equal(await reader.schemaVersion(), 1);
    const trials = await reader.trials();
    assert.equal(trials.length, 3);
    assert.ok(Number.isNaN(trials[1].objectives![1]), "the legacy 'NaN' marker is still read");
    assert.equal(await reader.budget(), null, "a version-1 study has no budget column, read as none");
    await reader.close();
    assert.equal(sha256(path), before, "reading did not migrate");

    const study = await Study.open(path, zdtDefinition());
    assert.equal(await study.store.schemaVersion(), SCHEMA_VERSION);
    await optimize(study, async (config) => problem.evaluate(config), { budget: 5 });
    assert.deepEqual(
      (await study.trials()).map((t) => [t.number, t.state]),
      [0, 1, 2, 3, 4].map((n) => [n, "complete"]),
    );
    await study.close();
  });

  it("keeps a study in memory with ':memory:', which cannot be opened read-only", async () => {
    const study = await Study.open(":memory:", zdtDefinition());
    await optimize(study, async (config) => problem.evaluate(config), { budget: 3, concurrency: 2 });
    assert.equal((await study.trials(["complete"])).length, 3);
    await study.close();
    await assert.rejects(openStudyStore(":memory:", { readOnly: true }), /in-memory study/);
  });

  it("refuses a directory that does not exist, in one line", async () => {
    await assert.rejects(
      openStudyStore(join(directory, "missing", "s.db"), { definition: zdtDefinition() }),
      (e: unknown) => isOneLine(e) && /directory .* does not exist/.test((e as Error).message),
    );
  });
});

/**
 * Permissions: root ignores them, so when the tests run as root the opening is done
 * by a child process running as the unprivileged user `nobody` (uid 65534).
 */
const openScript = fileURLToPath(new URL("./fixtures/open-study.ts", import.meta.url));
const asRoot = process.getuid?.() === 0;
function openAsUser(mode: "read" | "write", location: string) {
  const result = spawnSync(process.execPath, ["--import", "tsx", openScript, mode, location], {
    encoding: "utf8",
    ...(asRoot ? { uid: 65534, gid: 65534, env: { ...process.env, HOME: tmpdir() } } : {}),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr.trim() };
}

describe("SQLite studies without write permission", { skip: process.platform === "win32" }, () => {
  async function studyWithTrials(folder: string): Promise<string> {
    mkdirSync(folder, { recursive: true });
    const path = join(folder, "study.db");
    const study = await Study.open(path, zdtDefinition());
    await optimize(study, async (config) => problem.evaluate(config), { budget: 4 });
    await study.close();
    return path;
  }

  it("reads a study in a read-only directory without creating or changing any file; refuses to write, in one line", async () => {
    const folder = join(directory, "read-only-directory");
    const path = await studyWithTrials(folder);
    const listing = readdirSync(folder).sort();
    assert.deepEqual(listing, ["study.db"], "a closed study is one file");
    const before = sha256(path);
    chmodSync(path, 0o444);
    chmodSync(folder, 0o555);
    try {
      const read = openAsUser("read", path);
      assert.equal(read.code, 0, read.stderr);
      assert.deepEqual(JSON.parse(read.stdout), { trials: 4, version: SCHEMA_VERSION });
      const write = openAsUser("write", path);
      assert.equal(write.code, 1);
      assert.match(write.stderr, /read-only/);
      assert.equal(write.stderr.split("\n").length, 1, write.stderr);
    } finally {
      chmodSync(folder, 0o755);
    }
    assert.deepEqual(readdirSync(folder).sort(), listing);
    assert.equal(sha256(path), before);
  });

  it("reads a read-only study file in a writable directory; refuses to add trials to it", async () => {
    const folder = join(directory, "read-only-file");
    const path = await studyWithTrials(folder);
    chmodSync(folder, 0o777);
    const before = sha256(path);
    chmodSync(path, 0o444);
    const read = openAsUser("read", path);
    assert.equal(read.code, 0, read.stderr);
    assert.deepEqual(JSON.parse(read.stdout), { trials: 4, version: SCHEMA_VERSION });
    const write = openAsUser("write", path);
    assert.equal(write.code, 1);
    assert.match(write.stderr, /read-only/);
    assert.equal(write.stderr.split("\n").length, 1, write.stderr);
    assert.equal(sha256(path), before);
  });
});

describe("SQLite claims propose outside the write lock", () => {
  it("a claim overtaken while it proposes proposes again from a fresh view; after three conflicts it proposes under the write lock", async () => {
    const path = newPath("overtaken");
    const store = await openStudyStore(path, { definition: zdtDefinition() });
    const other = await openStudyStore(path, { definition: zdtDefinition() });
    // Waits for no lock: a claim that finds the file locked fails at once.
    const prober = await openStudyStore(path, { definition: zdtDefinition(), timeoutMs: 0 });
    const worker = { id: "here:1:a", host: "here", pid: 1 };
    const rival = { id: "here:1:b", host: "here", pid: 1 };
    for (const [s, w] of [
      [store, worker],
      [other, rival],
      [prober, { id: "here:1:c", host: "here", pid: 1 }],
    ] as const)
      await s.registerWorker(w, { staleAfterMs: 600_000 });
    const request = (workerId: string) => ({
      workerId,
      budget: 10,
      staleAfterMs: 600_000,
      maxAttempts: 2,
      propose: (view: ClaimView) => ({ x0: view.number / 1000, x1: 0.5, x2: 0.5, x3: 0.5 }),
    });
    const views: ClaimView[] = [];
    const others: Promise<string>[] = [];
    const claim = await store.claimTrial({
      ...request(worker.id),
      propose: (view) => {
        views.push(view);
        // better-sqlite3 is synchronous: the other connection's claim runs whole, here and now.
        const rivalStore = views.length <= 3 ? other : prober;
        const rivalId = views.length <= 3 ? rival.id : "here:1:c";
        others.push(
          rivalStore.claimTrial(request(rivalId)).then(
            (c) => `claimed ${c?.number}`,
            (error: Error) => (/locked/.test(error.message) ? "locked" : error.message),
          ),
        );
        return { x0: view.number / 1000, x1: 0.5, x2: 0.5, x3: 0.5 };
      },
    });
    assert.deepEqual(await Promise.all(others), ["claimed 0", "claimed 1", "claimed 2", "locked"]);
    assert.deepEqual(
      views.map((v) => [v.number, v.running.map((t) => t.number)]),
      [
        [0, []],
        [1, [0]],
        [2, [0, 1]],
        [3, [0, 1, 2]],
      ],
      "each proposal sees the trials claimed before it",
    );
    assert.deepEqual([claim?.number, claim?.config.x0], [3, 0.003]);
    assert.deepEqual(
      (await other.trials()).map((t) => [t.number, t.workerId]),
      [
        [0, rival.id],
        [1, rival.id],
        [2, rival.id],
        [3, worker.id],
      ],
    );
    for (const s of [store, other, prober]) await s.close();
  });
});
