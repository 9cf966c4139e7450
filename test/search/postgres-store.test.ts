/**
 * The PostgreSQL study store against a real server (test/helpers/postgres.ts): the
 * contract every store honours (store-contract.ts, the same suite as SQLite's), then
 * what only a server store meets: locations, logins and TLS; many studies in one
 * database; foreign schemas; a server that goes away mid-study; and several worker
 * processes, one killed with SIGKILL mid-trial.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { UserError } from "../../src/common/errors.js";
import {
  type ClaimView,
  openStudyStore,
  optimize,
  Study,
  type StudyStore,
  type TrialRecord,
} from "../../src/search/index.js";
import { zdt1 } from "../../src/search/problems.js";
import { isWorkerAlive } from "../../src/search/store/liveness.js";
import { parsePostgresLocation } from "../../src/search/store/postgres-location.js";
import { POSTGRES_SCHEMA_VERSION } from "../../src/search/store/postgres-schema.js";
import { needsOwnPostgres, needsPostgres, ownPostgres, testPostgres } from "../helpers/postgres.js";
import { problem, zdtDefinition } from "./fixtures/zdt-study.js";
import { studyStoreContract } from "./store-contract.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Another worker's connection, from another process (a claim's `propose` is
 * synchronous, so nothing in this process runs while it does): "claim" counts and
 * inserts a trial as a claim does, for a live worker on another host; "probe" tries
 * the study's row lock without waiting. Prints what happened.
 */
const otherConnection = `
import pg from "pg";
const [url, schema, mode] = process.argv.slice(1);
const s = '"' + schema + '"';
const client = new pg.Client({ connectionString: url });
await client.connect();
await client.query("BEGIN");
if (mode === "probe") {
  try {
    await client.query("SELECT id FROM " + s + ".studies FOR UPDATE NOWAIT");
    console.log("free");
  } catch (error) {
    console.log(error.code === "55P03" ? "locked" : error.message);
  }
} else {
  const { rows } = await client.query(
    "UPDATE " + s + ".studies SET trial_count = trial_count + 1 RETURNING id, trial_count - 1 AS number");
  const now = "extract(epoch FROM clock_timestamp()) * 1000";
  await client.query("INSERT INTO " + s + ".workers (study_id, id, host, pid, heartbeat_at) VALUES ($1, 'other', 'another-host', 1, " + now + ") ON CONFLICT (study_id, id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at", [rows[0].id]);
  await client.query("INSERT INTO " + s + ".trials (study_id, number, params, state, seed, worker_id, attempts, started_at) VALUES ($1, $2, '{}', 'running', 0, 'other', 1, " + now + ")", [rows[0].id, rows[0].number]);
  console.log("claimed");
}
await client.query("COMMIT");
await client.end();
`;

function fromAnotherConnection(url: string, schema: string, mode: "claim" | "probe"): string {
  // A claim that proposed under the study's lock would make "claim" wait for it: a deadlock, ended by the timeout.
  const result = spawnSync(
    process.execPath,
    ["--input-type=module", "-e", otherConnection, url, schema, mode],
    {
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  return `${result.stdout.trim()}${result.stderr.trim() ? ` (${result.stderr.trim()})` : ""}`;
}

const workerScript = fileURLToPath(new URL("./fixtures/shared-study-worker.ts", import.meta.url));

interface Worker {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  end: Promise<number | null>;
}

function startWorker(location: string, budget: number, delayMs: number, timeoutMs?: number): Worker {
  const args = [location, String(budget), String(delayMs), ...(timeoutMs ? [String(timeoutMs)] : [])];
  const child = spawn(process.execPath, ["--import", "tsx", workerScript, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const worker: Worker = { child, stdout: "", stderr: "", end: Promise.resolve(null) };
  child.stdout!.on("data", (chunk) => {
    worker.stdout += chunk;
  });
  child.stderr!.on("data", (chunk) => {
    worker.stderr += chunk;
  });
  worker.end = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  return worker;
}

/** A user error in one line that does not show `secret`. */
function oneLine(pattern: RegExp, secret?: string) {
  return (e: unknown) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${(e as Error)?.stack ?? e}`);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes("\n"), e.message);
    if (secret) assert.ok(!e.message.includes(secret), `the message shows the password: ${e.message}`);
    return true;
  };
}

async function readOnly<T>(location: string, f: (store: StudyStore) => Promise<T>): Promise<T> {
  const store = await openStudyStore(location, { readOnly: true });
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

describe("PostgreSQL study store", needsPostgres(), () => {
  studyStoreContract("PostgreSQL", {
    newLocation: async () => (await testPostgres()).newLocation(),
    open: openStudyStore,
    currentVersion: POSTGRES_SCHEMA_VERSION,
    async setSchemaVersion(location, version) {
      const server = await testPostgres();
      await server.query(`UPDATE "${server.schemaOf(location)}".schema_version SET version = $1`, [version]);
    },
  });

  describe("locations, logins and TLS", () => {
    it("refuses a wrong location in one line that never shows the password", async () => {
      const server = await testPostgres();
      const url = new URL(server.newLocation("s"));
      const password = decodeURIComponent(url.password);
      const variant = (change: (u: URL) => void) => {
        const copy = new URL(url.href);
        change(copy);
        return copy.href;
      };
      const cases: [string, RegExp][] = [
        [variant((u) => (u.port = "1")), /cannot reach PostgreSQL at .*127\.0\.0\.1:1\/.*connection refused/],
        [variant((u) => (u.password = "wrong-password")), /refused the login of user 'equipoise'/],
        [variant((u) => (u.pathname = "/no_such_db")), /database 'no_such_db' does not exist/],
        [variant((u) => u.searchParams.delete("study")), /names no study: add \?study=NAME/],
        [variant((u) => u.searchParams.set("studdy", "x")), /unknown parameter 'studdy'/],
        [variant((u) => u.searchParams.set("sslmode", "prefer")), /sslmode=prefer .* not supported/],
        [
          variant((u) => u.searchParams.set("sslmode", "verify-ca")),
          /verify-ca needs the certificate authority/,
        ],
        [
          variant((u) => u.searchParams.set("sslrootcert", "/no/such/ca.pem")),
          /cannot read sslrootcert file/,
        ],
        [variant((u) => u.searchParams.set("schema", "Bad-Name")), /schema 'Bad-Name' .* not valid/],
        [
          variant((u) => u.searchParams.set("synchronous_commit", "local")),
          /synchronous_commit in .* must be on or off, got 'local'/,
        ],
        [
          `${server.baseUrl.replace(/127\.0\.0\.1:\d+/, "127.0.0.1:99999")}?study=x`,
          /cannot read the PostgreSQL location/,
        ],
      ];
      for (const [location, message] of cases) {
        for (const options of [{ definition: zdtDefinition() }, { readOnly: true as const }]) {
          await assert.rejects(openStudyStore(location, options), oneLine(message, password), location);
        }
      }
    });

    it("connects over TLS with sslmode=verify-full and the server's CA; refuses a server it cannot verify", async (t) => {
      const server = await testPostgres();
      if (!server.tlsCaFile) return t.skip("openssl was not available to make the test certificate");
      const tag = `tls${process.pid}`;
      const location = server.newLocation("tls", {
        sslmode: "verify-full",
        sslrootcert: server.tlsCaFile,
        application_name: tag,
      });
      const store = await openStudyStore(location, { definition: zdtDefinition() });
      const [row] = await server.query<{ ssl: boolean }>(
        "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = $1",
        [tag],
      );
      assert.equal(row?.ssl, true, "the store's connection is encrypted");
      await store.close();
      // Without the CA, the system's authorities do not know the test certificate.
      const unverifiable = server.newLocation("tls", { sslmode: "verify-full" });
      await assert.rejects(
        openStudyStore(unverifiable, { readOnly: true }),
        oneLine(/TLS connection to .* failed/),
      );
      // require: encrypted, not verified (libpq's meaning).
      const required = await openStudyStore(server.newLocation("tls", { sslmode: "require" }), {
        definition: zdtDefinition(),
      });
      await required.close();
    });

    it("passes synchronous_commit=off to the server's sessions", async () => {
      const server = await testPostgres();
      const location = server.newLocation("async", { synchronous_commit: "off" });
      assert.equal(parsePostgresLocation(location).connection.options, "-c synchronous_commit=off");
      const study = await Study.open(location, zdtDefinition());
      await optimize(study, async (config) => problem.evaluate(config), { budget: 2 });
      assert.equal((await study.trials()).length, 2);
      await study.close();
    });

    it("reaches a server through its Unix socket (host=DIRECTORY)", async (t) => {
      const server = await testPostgres();
      if (!server.socketDir) return t.skip("the server's socket directory is not known");
      const url = new URL(server.newLocation("socket"));
      const location = `postgres://equipoise@/studies?${new URLSearchParams({
        host: server.socketDir,
        port: url.port,
        study: "socket",
        schema: url.searchParams.get("schema")!,
      })}`;
      const store = await openStudyStore(location, { definition: zdtDefinition() });
      assert.match(store.location, /^postgres:\/\/equipoise@\/studies\?study=socket/);
      await store.close();
    });
  });

  describe("many studies in one database", () => {
    it("keeps studies apart by name; refuses a name that exists with another space, naming the difference", async () => {
      const server = await testPostgres();
      const alpha = server.newLocation("alpha");
      const beta = alpha.replace("study=alpha", "study=beta");
      const wide = { ...zdtDefinition(), space: zdt1(5).space };
      const a = await Study.open(alpha, zdtDefinition());
      const b = await Study.open(beta, wide);
      await optimize(a, async (config) => problem.evaluate(config), { budget: 3 });
      await optimize(b, async (config) => zdt1(5).evaluate(config), { budget: 2 });
      assert.equal((await a.trials()).length, 3);
      assert.equal((await b.trials()).length, 2);
      assert.deepEqual(
        (await b.trials()).map((t) => t.number),
        [0, 1],
        "each study numbers its own trials",
      );
      await a.close();
      await b.close();
      await assert.rejects(
        openStudyStore(alpha, { definition: wide }),
        oneLine(
          /study postgres:\/\/equipoise@127\.0\.0\.1:\d+\/studies\?study=alpha&schema=\w+ was created with a different search space: space\.parameters has 4 entries in the study, 5 asked/,
        ),
      );
      await assert.rejects(
        openStudyStore(alpha.replace("study=alpha", "study=gamma"), { readOnly: true }),
        oneLine(/study not found: .*study=gamma.*its studies: alpha, beta/),
      );
    });

    it("refuses a schema that holds other tables, and leaves it untouched", async () => {
      const server = await testPostgres();
      const schema = `foreign_${process.pid}`;
      await server.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.customers (id int, name text);
        INSERT INTO ${schema}.customers VALUES (1, 'Ada'); CREATE TABLE ${schema}.trials (x int);`);
      const location = `${server.baseUrl}?study=s&schema=${schema}`;
      for (const options of [{ definition: zdtDefinition() }, { readOnly: true as const }]) {
        await assert.rejects(
          openStudyStore(location, options),
          oneLine(
            new RegExp(
              `schema ${schema} .* is not an Equipoise study store \\(it has the tables customers, trials`,
            ),
          ),
        );
      }
      const tables = await server.query<{ name: string }>(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1",
        [schema],
      );
      assert.deepEqual(
        tables.map((r) => r.name),
        ["customers", "trials"],
      );
      assert.deepEqual(await server.query(`SELECT * FROM ${schema}.customers`), [{ id: 1, name: "Ada" }]);
    });
  });

  describe("claims that propose outside the study's lock", () => {
    it("a claim overtaken while it proposes proposes again from a fresh view; after three conflicts it proposes under the study's lock", async () => {
      const server = await testPostgres();
      const location = server.newLocation("overtaken");
      const schema = server.schemaOf(location);
      const store = await openStudyStore(location, { definition: zdtDefinition() });
      const worker = { id: `${hostname()}:${process.pid}:overtaken`, host: hostname(), pid: process.pid };
      await store.registerWorker(worker, { staleAfterMs: 600_000 });
      const views: ClaimView[] = [];
      const others: string[] = [];
      const claim = await store.claimTrial({
        workerId: worker.id,
        budget: 10,
        staleAfterMs: 600_000,
        maxAttempts: 2,
        propose: (view) => {
          views.push(view);
          others.push(fromAnotherConnection(server.baseUrl, schema, views.length <= 3 ? "claim" : "probe"));
          return { x0: view.number / 1000, x1: 0.5, x2: 0.5, x3: 0.5 };
        },
      });
      assert.deepEqual(others, ["claimed", "claimed", "claimed", "locked"]);
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
        (await store.trials()).map((t) => [t.number, t.workerId]),
        [
          [0, "other"],
          [1, "other"],
          [2, "other"],
          [3, worker.id],
        ],
      );
      await store.close();
    });
  });

  describe("a server that goes away mid-study", needsOwnPostgres(), () => {
    const evaluate = async (config: Record<string, unknown>) => {
      await sleep(100);
      return problem.evaluate(config as never);
    };
    const waitForComplete = async (location: string, n: number) => {
      for (;;) {
        try {
          if ((await readOnly(location, (s) => s.trials(["complete"]))).length >= n) return;
        } catch {
          // not created yet
        }
        await sleep(50);
      }
    };

    it("workers retry with back-off and finish the study when it returns", async () => {
      const server = await ownPostgres();
      const location = server.newLocation("outage");
      const study = await Study.open(location, zdtDefinition());
      const budget = 12;
      const run = optimize(study, evaluate, { budget, concurrency: 2, heartbeatMs: 100 });
      await waitForComplete(location, 3);
      const before = await readOnly(location, (s) => s.trials(["complete"]));
      server.stop("immediate");
      await sleep(1500);
      server.start();
      const summary = await run;
      await study.close();
      const after = await readOnly(location, (s) => s.trials());
      assert.deepEqual(
        after.map((t) => [t.number, t.state]),
        [...Array(budget).keys()].map((n) => [n, "complete"]),
      );
      assert.equal(summary.finished, budget);
      for (const t of before)
        assert.deepEqual(after[t.number].objectives, t.objectives, "kept across the crash");
    });

    it("a worker stops with one line once the server stays away; nothing is half-written, and the study resumes", async () => {
      const server = await ownPostgres();
      const location = server.newLocation("gone");
      const password = decodeURIComponent(new URL(location).password);
      const budget = 10;
      const worker = startWorker(location, budget, 100, 2_000);
      await waitForComplete(location, 3);
      server.stop("immediate");
      let code: number | null;
      try {
        code = await worker.end;
      } finally {
        server.start();
      }
      assert.equal(code, 1);
      const message = worker.stderr.trim();
      assert.match(
        message,
        /^lost the connection to the study's database at .* could not reconnect within 2 s/,
      );
      assert.equal(message.split("\n").length, 1, message);
      assert.ok(!message.includes(password), "the message shows the password");
      const stored = await readOnly(location, (s) => s.trials());
      for (const t of stored) {
        if (t.state === "complete")
          assert.ok(t.objectives && t.finishedAt !== null, `trial ${t.number} complete`);
        else {
          assert.equal(t.state, "running", `trial ${t.number}`);
          assert.equal(t.objectives, null, `trial ${t.number} has no half-written result`);
        }
      }
      // A new worker takes the study over: the stranded trial is retried, the budget is met.
      const next = await Study.open(location, zdtDefinition());
      const summary = await optimize(next, evaluate, { budget });
      await next.close();
      const final = await readOnly(location, (s) => s.trials());
      assert.deepEqual(
        final.map((t) => [t.number, t.state]),
        [...Array(budget).keys()].map((n) => [n, "complete"]),
      );
      assert.equal(summary.retried, stored.filter((t) => t.state === "running").length);
    });
  });

  describe("several worker processes", () => {
    it("4 processes, one killed with SIGKILL mid-trial: exactly the budget, nothing run twice, the killed trial redone", async () => {
      const server = await testPostgres();
      const location = server.newLocation("four-workers");
      const budget = 24;
      // The victim's trials take 20 s, the others' 1 s: it is surely mid-trial when the
      // signal arrives, however long the loaded machine takes between our look and the kill
      // (and 24 trials keep the others busy while a slow-starting victim makes its first claim).
      const workers = Array.from({ length: 4 }, (_, i) =>
        startWorker(location, budget, i === 0 ? 20_000 : 1000),
      );
      const read = async <T>(f: (store: Awaited<ReturnType<typeof openStudyStore>>) => Promise<T>) => {
        const store = await openStudyStore(location, { readOnly: true });
        try {
          return await f(store);
        } finally {
          await store.close();
        }
      };
      // Once all four have joined, kill the victim while it runs a trial.
      let victim: Worker | undefined;
      let lost: TrialRecord | undefined;
      const deadline = Date.now() + 120_000;
      while (!victim && Date.now() < deadline) {
        await sleep(100);
        try {
          if ((await read((s) => s.workers())).length < 4) continue;
          const running = await read((s) => s.trials(["running"]));
          for (const trial of running) {
            const owner = workers[0];
            if (trial.workerId?.split(":")[1] === String(owner.child.pid)) {
              owner.child.kill("SIGKILL");
              victim = owner;
              lost = trial;
              break;
            }
          }
        } catch {
          // the study does not exist yet
        }
      }
      assert.ok(victim && lost, "a worker was killed while running a trial");
      const survivors = workers.filter((w) => w !== victim);
      const codes = await Promise.all(survivors.map((w) => w.end));
      assert.deepEqual(codes, [0, 0, 0], survivors.map((w) => w.stderr).join("\n"));

      const trials = await read((s) => s.trials());
      assert.deepEqual(
        trials.map((t) => t.number),
        [...Array(budget).keys()],
        "exactly the budget, numbered 0..n-1",
      );
      assert.ok(
        trials.every((t) => t.state === "complete"),
        JSON.stringify(trials.map((t) => t.state)),
      );
      // The trials the victim was running when it died (nothing else kills a worker here)
      // were started a second time, by a survivor, with the same parameters and seed.
      const redone = trials.filter((t) => t.attempts > 1);
      assert.ok(redone.length >= 1, "the victim was killed mid-trial");
      const victimPid = String(victim.child.pid);
      for (const t of redone) {
        assert.equal(t.attempts, 2);
        assert.notEqual(t.workerId!.split(":")[1], victimPid);
      }
      const seen = trials[lost.number];
      if (seen.attempts === 2)
        assert.deepEqual([seen.config, seen.seed], [lost.config, lost.seed], "same parameters and seed");
      else assert.equal(seen.workerId, lost.workerId, "the victim finished it before the signal arrived");

      // Every trial was finished by exactly one process: the survivors' own lists are
      // disjoint, and each stored trial's worker is the one that reported it.
      const finishedBy = new Map<number, string>();
      for (const w of survivors) {
        const { finished } = JSON.parse(w.stdout.trim().split("\n").at(-1)!) as { finished: number[] };
        for (const n of finished) {
          assert.ok(!finishedBy.has(n), `trial ${n} finished twice`);
          finishedBy.set(n, String(w.child.pid));
        }
      }
      for (const t of trials) {
        const pid = t.workerId!.split(":")[1];
        if (pid === String(victim.child.pid)) assert.ok(!finishedBy.has(t.number));
        else assert.equal(finishedBy.get(t.number), pid, `trial ${t.number}`);
      }
      for (const t of redone) assert.ok(finishedBy.has(t.number), `a survivor redid trial ${t.number}`);
      assert.ok(new Set(finishedBy.values()).size >= 2, "the survivors shared the work");
      // The survivors left; the victim's row may remain until a later claim or departure
      // prunes it (pruning is throttled), but it is never taken for a live worker.
      const left = await read((s) => s.workers());
      assert.deepEqual(
        left.map((w) => w.pid).filter((pid) => pid !== victim.child.pid),
        [],
        "the survivors left the study",
      );
      for (const w of left) assert.ok(!isWorkerAlive(w, Date.now(), { staleAfterMs: 60_000 }), w.id);
    });
  });
});
