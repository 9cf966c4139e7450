/**
 * The contract every study store must honour (src/search/store/types.ts), as one
 * suite run against each implementation: SQLite now (store-sqlite.test.ts), and a
 * PostgreSQL store later with the same suite and a different factory.
 *
 * Processes: the tests that need several processes start the worker fixture
 * (fixtures/study-worker.ts), which opens the location through `Study.open`, so a
 * location string must be all a process needs to reach the study.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { UserError } from "../../src/common/errors.js";
import {
  type ClaimRequest,
  type ClaimView,
  type OpenStudyOptions,
  optimize,
  Study,
  type StudyStore,
  type TrialClaim,
  trialSeed,
  type WorkerIdentity,
} from "../../src/search/index.js";
import { zdt1 } from "../../src/search/problems.js";
import { problem, zdtDefinition } from "./fixtures/zdt-study.js";

export interface StoreFactory {
  /** A location for a new, empty study (a fresh file path; a fresh database schema's URL). */
  newLocation(): Promise<string>;
  /** Opens a location as `openStudyStore` would. */
  open(location: string, options: OpenStudyOptions): Promise<StudyStore>;
  /** Marks the stored study as written by a future schema version (to test the refusal). */
  setSchemaVersion(location: string, version: number): Promise<void>;
  /** The schema version this build writes. */
  currentVersion: number;
}

const workerScript = fileURLToPath(new URL("./fixtures/study-worker.ts", import.meta.url));

export function startStudyWorker(
  location: string,
  budget: number,
  delayMs: number,
  strategy = "random",
  options: { concurrency?: number; barrier?: string } = {},
): ChildProcess {
  const args = [location, String(budget), String(delayMs), strategy, String(options.concurrency ?? 2)];
  if (options.barrier) args.push(options.barrier);
  return spawn(process.execPath, ["--import", "tsx", workerScript, ...args], {
    stdio: ["ignore", options.barrier ? "pipe" : "ignore", "inherit"],
  });
}

/** Resolves when the worker started with a barrier says it is ready. */
function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = "";
    child.stdout!.on("data", (chunk) => {
      text += chunk;
      if (text.includes("ready")) resolve();
    });
    child.on("exit", () => reject(new Error("the worker exited before it was ready")));
  });
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` (which may throw while the study does not exist yet) until it returns true. */
async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch {
      // not there yet
    }
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const far = { staleAfterMs: 600_000 };
let identities = 0;
function identity(host = hostname(), pid = process.pid): WorkerIdentity {
  return { id: `${host}:${pid}:test-${identities++}`, host, pid };
}

/** A pid that no process has: a child that has exited (pids are not reused that fast). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await exited(child);
  return child.pid!;
}

/** Proposals numbered in order, so that duplicates and losses are visible. */
function counterProposer(seen: ClaimView[] = []): ClaimRequest["propose"] {
  return (view) => {
    seen.push(view);
    return { x0: view.number / 1000, x1: 0.5, x2: 0.5, x3: 0.5 };
  };
}

function claimRequest(workerId: string, budget: number, extra: Partial<ClaimRequest> = {}): ClaimRequest {
  return { workerId, budget, staleAfterMs: 600_000, maxAttempts: 2, propose: counterProposer(), ...extra };
}

async function complete(store: StudyStore, claim: TrialClaim, workerId: string, f1 = 0.5) {
  return store.finishTrial(claim.id, workerId, {
    state: "complete",
    objectives: [f1, 1 - f1],
    startedAt: Date.now(),
  });
}

export function studyStoreContract(name: string, makeStore: StoreFactory): void {
  const { open } = makeStore;
  const create = async (strategy = "random") => {
    const location = await makeStore.newLocation();
    return { location, store: await open(location, { definition: zdtDefinition(strategy) }) };
  };

  describe(`study store contract: ${name}`, () => {
    it("creates a study, reopens it with the same definition, and names the first difference of another", async () => {
      const { location, store } = await create();
      assert.equal(store.readOnly, false);
      await store.close();
      const again = await open(location, { definition: zdtDefinition() });
      assert.deepEqual((await again.definition()).metadata, { problem: problem.name });
      assert.deepEqual(await again.metadata(), { problem: problem.name });
      await again.close();
      const refused = async (definition: ReturnType<typeof zdtDefinition>, message: RegExp) =>
        assert.rejects(
          open(location, { definition }),
          (e: unknown) => e instanceof UserError && message.test(e.message),
        );
      await refused(
        { ...zdtDefinition(), space: zdt1(5).space },
        /different search space: space.parameters has 4 entries in the study, 5 asked/,
      );
      await refused(
        {
          ...zdtDefinition(),
          objectives: [
            { name: "f1", direction: "minimize" },
            { name: "f2", direction: "maximize" },
          ],
        },
        /different objectives: objectives\[1\].direction is "minimize" in the study, "maximize" asked/,
      );
      await refused(
        { ...zdtDefinition(), metadata: { problem: "other" } },
        /different metadata: metadata.problem is "ZDT1 \(4 variables\)" in the study, "other" asked/,
      );
      await refused(zdtDefinition("nsga2"), /different strategy: strategy is "random" in the study, "nsga2"/);
      await refused({ ...zdtDefinition(), seed: 2 }, /different seed/);
    });

    it("a worker that leaves while its heartbeats are in flight leaves no row behind", async () => {
      const { store } = await create();
      for (let round = 0; round < 5; round++) {
        const worker = identity();
        await store.registerWorker(worker, far);
        // The timer's beats and the departure race for connections, as at the end of a run.
        const beats = Array.from({ length: 4 }, () => store.heartbeat(worker.id));
        await store.unregisterWorker(worker.id);
        await Promise.allSettled(beats);
        const left = (await store.workers()).map((w) => w.id);
        assert.ok(!left.includes(worker.id), `round ${round}: ${worker.id} is still listed`);
      }
      await store.close();
    });

    it("opens read-only: reads the definition and the trials, refuses every write, and refuses a missing study", async () => {
      const { location, store } = await create();
      const worker = identity();
      await store.registerWorker(worker, far);
      const claim = (await store.claimTrial(claimRequest(worker.id, 1)))!;
      await complete(store, claim, worker.id, 0.25);
      await store.close();

      const reader = await open(location, { readOnly: true });
      assert.equal(reader.readOnly, true);
      assert.equal((await reader.definition()).strategy, "random");
      const [trial] = await reader.trials();
      assert.deepEqual(trial.objectives, [0.25, 0.75]);
      await assert.rejects(reader.registerWorker(identity(), far), /read-only/);
      await assert.rejects(reader.claimTrial(claimRequest(worker.id, 5)), /read-only/);
      await assert.rejects(
        reader.finishTrial(claim.id, worker.id, { state: "failed", startedAt: 0 }),
        /read-only/,
      );
      await assert.rejects(reader.heartbeat(worker.id), /read-only/);
      await reader.close();
      const reopened = await open(location, { readOnly: true });
      assert.equal((await reopened.trials()).length, 1, "a read-only open changed nothing");
      await reopened.close();

      const missing = await makeStore.newLocation();
      await assert.rejects(
        open(missing, { readOnly: true }),
        (e: unknown) => e instanceof UserError && /not found/.test(e.message),
      );
    });

    it("records its schema version and refuses a study written by a newer schema", async () => {
      const { location, store } = await create();
      assert.equal(await store.schemaVersion(), makeStore.currentVersion);
      await store.close();
      await makeStore.setSchemaVersion(location, makeStore.currentVersion + 1);
      for (const options of [{ definition: zdtDefinition() }, { readOnly: true as const }]) {
        await assert.rejects(
          open(location, options),
          (e: unknown) =>
            e instanceof UserError &&
            new RegExp(`newer Equipoise \\(schema version ${makeStore.currentVersion + 1}`).test(e.message),
        );
      }
    });

    it("claims from many lanes on two connections: exactly the budget, numbers 0..n-1, nothing lost or duplicated", async () => {
      const { location, store } = await create();
      const other = await open(location, { definition: zdtDefinition() });
      const budget = 23;
      const claimed: TrialClaim[] = [];
      const lane = async (s: StudyStore, worker: WorkerIdentity, lanePause: number) => {
        for (;;) {
          const claim = await s.claimTrial(claimRequest(worker.id, budget));
          if (!claim) return;
          claimed.push(claim);
          await sleep(lanePause);
          assert.ok(await complete(s, claim, worker.id, claim.number / budget));
        }
      };
      const a = identity();
      const b = identity();
      await store.registerWorker(a, far);
      await other.registerWorker(b, far);
      await Promise.all([
        lane(store, a, 3),
        lane(store, a, 1),
        lane(store, a, 0),
        lane(other, b, 2),
        lane(other, b, 0),
      ]);
      assert.equal(claimed.length, budget);
      const numbers = claimed.map((c) => c.number).sort((x, y) => x - y);
      assert.deepEqual(numbers, [...Array(budget).keys()]);
      for (const c of claimed) {
        assert.equal(
          c.seed,
          trialSeed(1, c.number),
          "the seed is a function of the study seed and the number",
        );
        assert.equal(c.config.x0, c.number / 1000, "each trial keeps the configuration proposed for it");
      }
      const trials = await other.trials();
      assert.deepEqual(
        trials.map((t) => [t.number, t.state]),
        numbers.map((n) => [n, "complete"]),
      );
      assert.equal(await store.claimTrial(claimRequest(a.id, budget)), null, "the budget is spent");
      await store.close();
      await other.close();
    });

    it("stores only proposals made from a view of every earlier trial, with every trial complete before the claim, across connections", async (t) => {
      const { location, store } = await create();
      const stores = [
        store,
        await open(location, { definition: zdtDefinition() }),
        await open(location, { definition: zdtDefinition() }),
      ];
      const budget = 30;
      // Every proposal, kept by its index, which the configuration carries.
      const views: ClaimView[] = [];
      const propose: ClaimRequest["propose"] = (view) => {
        views.push(view);
        return { x0: 0.5, x1: (views.length - 1) / 1000, x2: 0.5, x3: 0.5 };
      };
      const claims: { claim: TrialClaim; completeBefore: number[] }[] = [];
      const lane = async (s: StudyStore, worker: WorkerIdentity, pause: number) => {
        for (;;) {
          const completeBefore = (await s.trials(["complete"])).map((trial) => trial.number);
          const claim = await s.claimTrial(claimRequest(worker.id, budget, { propose }));
          if (!claim) return;
          claims.push({ claim, completeBefore });
          await sleep(pause);
          assert.ok(await complete(s, claim, worker.id));
        }
      };
      const lanes = stores.flatMap(async (s, k) => {
        const worker = identity();
        await s.registerWorker(worker, far);
        await Promise.all([lane(s, worker, k), lane(s, worker, 0)]);
      });
      await Promise.all(lanes);
      assert.deepEqual(
        claims.map((c) => c.claim.number).sort((a, b) => a - b),
        [...Array(budget).keys()],
        "exactly the budget, numbers 0..n-1",
      );
      for (const { claim, completeBefore } of claims) {
        const view = views[Math.round(Number(claim.config.x1) * 1000)];
        assert.equal(view.number, claim.number, "the stored proposal was made for this number");
        const seen = [...view.running, ...view.complete].map((trial) => trial.number).sort((a, b) => a - b);
        assert.deepEqual(
          seen,
          [...Array(claim.number).keys()],
          `trial ${claim.number}'s view missed a trial`,
        );
        const complete = new Set(view.complete.map((trial) => trial.number));
        for (const number of completeBefore)
          assert.ok(complete.has(number), `trial ${number} was complete before the claim of ${claim.number}`);
      }
      t.diagnostic(`${views.length - budget} proposal(s) discarded after a conflict`);
      for (const s of stores) await s.close();
    });

    it("gives propose the complete trials and the running ones, and lists trials by state", async () => {
      const { store } = await create();
      const worker = identity();
      await store.registerWorker(worker, far);
      const views: ClaimView[] = [];
      const request = claimRequest(worker.id, 10, { propose: counterProposer(views) });
      const first = (await store.claimTrial(request))!;
      const second = (await store.claimTrial(request))!;
      await complete(store, first, worker.id);
      await store.finishTrial(second.id, worker.id, {
        state: "failed",
        error: "boom",
        startedAt: Date.now(),
      });
      const third = (await store.claimTrial(request))!;
      await store.claimTrial(request);
      assert.deepEqual(
        views.map((v) => [v.number, v.complete.map((t) => t.number), v.running.map((t) => t.number)]),
        [
          [0, [], []],
          [1, [], [0]],
          [2, [0], []],
          [3, [0], [2]],
        ],
      );
      assert.deepEqual(
        (await store.trials(["running"])).map((t) => t.number),
        [third.number, 3],
      );
      assert.deepEqual(
        (await store.trials(["failed"])).map((t) => [t.number, t.error]),
        [[1, "boom"]],
      );
      assert.deepEqual(
        (await store.trials(["complete", "failed"])).map((t) => t.number),
        [0, 1],
      );
      assert.equal((await store.trials()).length, 4);
      await store.close();
    });

    it("counts failed and pruned trials in the budget, keeps non-finite objectives, and stores metrics with the shared codec", async () => {
      const { location, store } = await create();
      const worker = identity();
      await store.registerWorker(worker, far);
      const request = claimRequest(worker.id, 3);
      const a = (await store.claimTrial(request))!;
      const b = (await store.claimTrial(request))!;
      const c = (await store.claimTrial(request))!;
      assert.equal(await store.claimTrial(request), null);
      await store.finishTrial(a.id, worker.id, {
        state: "complete",
        objectives: [0.5, Number.POSITIVE_INFINITY],
        constraints: [-1],
        metrics: { epsilon: Number.POSITIVE_INFINITY, rate: Number.NaN, note: "x" },
        startedAt: Date.now() - 5,
      });
      await store.finishTrial(b.id, worker.id, {
        state: "pruned",
        error: "stopped early",
        startedAt: Date.now(),
      });
      await store.finishTrial(c.id, worker.id, {
        state: "failed",
        error: "out of memory",
        startedAt: Date.now(),
      });
      await store.close();
      const reader = await open(location, { readOnly: true });
      const [stored] = await reader.trials(["complete"]);
      assert.deepEqual(stored.objectives, [0.5, Number.POSITIVE_INFINITY]);
      assert.deepEqual(stored.constraints, [-1]);
      assert.deepEqual(stored.metrics, { epsilon: "Infinity", rate: null, note: "x" });
      assert.ok(stored.durationMs !== null && stored.durationMs >= 0);
      assert.deepEqual(
        (await reader.trials()).map((t) => t.state),
        ["complete", "pruned", "failed"],
      );
      await reader.close();
    });

    it("retries a dead worker's trial with the same number, parameters and seed, and fails it once out of attempts", async () => {
      const { store } = await create();
      // A worker on another host whose heartbeat stops, and one on this host that leaves.
      const remote = identity("another-host", 4242);
      const local = identity();
      const survivor = identity();
      await store.registerWorker(remote, far);
      await store.registerWorker(local, far);
      await store.registerWorker(survivor, far);
      const lost = (await store.claimTrial(claimRequest(remote.id, 10)))!;
      const abandoned = (await store.claimTrial(claimRequest(local.id, 10)))!;

      // Alive by the policy: the survivor gets a new trial, not theirs.
      const fresh = (await store.claimTrial(claimRequest(survivor.id, 10)))!;
      assert.equal(fresh.number, 2);
      await complete(store, fresh, survivor.id);

      // The remote worker's heartbeat is now older than a short timeout: its trial is retried.
      await sleep(400);
      await store.heartbeat(survivor.id);
      await store.heartbeat(local.id);
      const retry = (await store.claimTrial(claimRequest(survivor.id, 10, { staleAfterMs: 250 })))!;
      assert.deepEqual(
        [retry.number, retry.config, retry.seed, retry.attempts],
        [lost.number, lost.config, lost.seed, 2],
      );
      assert.equal(
        await complete(store, lost, remote.id),
        null,
        "the dead worker's late result is discarded",
      );
      assert.ok(await complete(store, retry, survivor.id, 0.125));
      const [stored] = (await store.trials()).filter((t) => t.number === lost.number);
      assert.deepEqual(
        [stored.state, stored.workerId, stored.objectives],
        ["complete", survivor.id, [0.125, 0.875]],
      );

      // A worker that unregistered is dead at once; with one attempt allowed, its trial fails.
      await store.unregisterWorker(local.id);
      const next = (await store.claimTrial(claimRequest(survivor.id, 10, { maxAttempts: 1 })))!;
      assert.equal(next.number, 3, "a new trial, not a retry");
      const [failed] = (await store.trials()).filter((t) => t.number === abandoned.number);
      assert.equal(failed.state, "failed");
      assert.match(failed.error ?? "", /worker died/);
      await store.close();
    });

    it("records the budget a run sets, for workers that join later", async () => {
      const { location, store } = await create();
      assert.equal(await store.budget(), null);
      await store.setBudget(40);
      await store.setBudget(60);
      assert.equal(await store.budget(), 60);
      await assert.rejects(store.setBudget(-1), UserError);
      await store.close();
      const reader = await open(location, { readOnly: true });
      assert.equal(await reader.budget(), 60);
      await assert.rejects(reader.setBudget(10), /read-only/);
      await reader.close();
    });

    it("imports trials exactly as given into an empty study, in one transaction; retries imported running trials", async () => {
      const source = await create();
      const worker = identity("another-host", 4242);
      await source.store.registerWorker(worker, far);
      const request = claimRequest(worker.id, 4);
      const claims = [];
      for (let i = 0; i < 4; i++) claims.push((await source.store.claimTrial(request))!);
      await source.store.finishTrial(claims[0].id, worker.id, {
        state: "complete",
        objectives: [0.25, Number.POSITIVE_INFINITY],
        metrics: { epsilon: Number.POSITIVE_INFINITY, note: "x" },
        startedAt: Date.now(),
      });
      await source.store.finishTrial(claims[1].id, worker.id, {
        state: "failed",
        error: "boom",
        startedAt: Date.now(),
      });
      await source.store.finishTrial(claims[3].id, worker.id, {
        state: "pruned",
        startedAt: Date.now(),
      });
      const trials = await source.store.trials();
      await source.store.close();

      const target = await create();
      await target.store.importTrials(trials);
      const copied = await target.store.trials();
      const withoutIds = (list: typeof trials) => list.map(({ id: _, ...rest }) => rest);
      assert.deepEqual(withoutIds(copied), withoutIds(trials), "every field but the store's id is kept");
      await assert.rejects(
        target.store.importTrials(trials),
        (e: unknown) => e instanceof UserError && /already has 4 trials/.test(e.message),
      );
      // The imported running trial's worker is no member here: it is retried, then the budget is spent.
      const me = identity();
      await target.store.registerWorker(me, far);
      const retry = (await target.store.claimTrial(claimRequest(me.id, 4)))!;
      assert.deepEqual([retry.number, retry.attempts, retry.config], [2, 2, trials[2].config]);
      assert.equal(await target.store.claimTrial(claimRequest(me.id, 4)), null);
      await target.store.close();

      const bad = await create();
      const gap = trials.filter((t) => t.number !== 1);
      await assert.rejects(bad.store.importTrials(gap), /numbered 0\.\.n-1/);
      assert.equal((await bad.store.trials()).length, 0, "a refused import writes nothing");
      await bad.store.close();
    });

    it("removes the rows of dead workers: this host's at once, other hosts' after the heartbeat timeout", async () => {
      const { store } = await create();
      const gone = identity(hostname(), await deadPid());
      const remote = identity("another-host", 4242);
      const me = identity();
      await store.registerWorker(gone, far);
      await store.registerWorker(remote, far);
      assert.deepEqual(
        (await store.workers()).map((w) => w.id).sort(),
        [remote.id].sort(),
        "the dead pid is gone",
      );
      await store.registerWorker(me, far);
      assert.deepEqual((await store.workers()).map((w) => w.id).sort(), [me.id, remote.id].sort());
      await sleep(400);
      await store.heartbeat(me.id);
      await store.registerWorker(me, { staleAfterMs: 250 });
      assert.deepEqual(
        (await store.workers()).map((w) => w.id),
        [me.id],
      );
      await store.unregisterWorker(me.id);
      assert.deepEqual(await store.workers(), []);
      await store.close();
    });

    it("several processes creating and sharing one study: budget exact, no trial lost or duplicated", async () => {
      const location = await makeStore.newLocation(); // not created: both processes race to create it
      const barrier = join(mkdtempSync(join(tmpdir(), "equipoise-barrier-")), "go");
      const budget = 24;
      const workers = [
        startStudyWorker(location, budget, 40, "nsga2", { barrier }),
        startStudyWorker(location, budget, 40, "nsga2", { barrier }),
      ];
      const ends = Promise.all(workers.map(exited));
      await Promise.all(workers.map(ready));
      writeFileSync(barrier, "");
      await ends;
      assert.deepEqual(
        (await ends).map((e) => e.code),
        [0, 0],
      );
      const reader = await open(location, { readOnly: true });
      const trials = await reader.trials();
      assert.deepEqual(
        trials.map((t) => t.number),
        [...Array(budget).keys()],
      );
      assert.ok(trials.every((t) => t.state === "complete" && t.attempts === 1));
      assert.equal(new Set(trials.map((t) => t.workerId!.split(":")[1])).size, 2, "both processes evaluated");
      assert.deepEqual(await reader.workers(), [], "both processes left the study");
      await reader.close();
    });

    it("a process killed with SIGKILL loses no finished trial; the next run retries its running trials", async () => {
      const location = await makeStore.newLocation();
      const budget = 10;
      const child = startStudyWorker(location, budget, 300);
      const read = async () => {
        const reader = await open(location, { readOnly: true });
        try {
          return await reader.trials();
        } finally {
          await reader.close();
        }
      };
      await waitFor(async () => {
        const trials = await read();
        return trials.some((t) => t.state === "complete") && trials.some((t) => t.state === "running");
      }, "a complete and a running trial");
      child.kill("SIGKILL");
      await exited(child);
      const before = await read();
      const running = before.filter((t) => t.state === "running");
      assert.ok(running.length > 0, JSON.stringify(before.map((t) => t.state)));

      const study = await Study.open(location, zdtDefinition());
      const summary = await optimize(study, async (config) => problem.evaluate(config), { budget });
      await study.close();
      const after = await read();
      assert.deepEqual(
        after.map((t) => t.number),
        [...Array(budget).keys()],
      );
      assert.ok(after.every((t) => t.state === "complete"));
      assert.equal(summary.retried, running.length);
      for (const t of running) {
        assert.deepEqual(after[t.number].config, t.config, "same parameters on retry");
        assert.equal(after[t.number].seed, t.seed);
        assert.equal(after[t.number].attempts, 2);
      }
      for (const t of before.filter((t) => t.state === "complete"))
        assert.deepEqual(after[t.number].config, t.config);
      const reader = await open(location, { readOnly: true });
      assert.deepEqual(await reader.workers(), [], "the killed process's row was removed, the runner left");
      await reader.close();
    });

    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      it(`a process stopped with ${signal} leaves the study (no row in workers) and still ends by the signal`, async () => {
        const location = await makeStore.newLocation();
        const child = startStudyWorker(location, 50, 60_000);
        const reader = async () => open(location, { readOnly: true });
        await waitFor(async () => {
          const r = await reader();
          try {
            return (await r.workers()).length === 1 && (await r.trials(["running"])).length > 0;
          } finally {
            await r.close();
          }
        }, "the worker to register and claim");
        child.kill(signal);
        const end = await exited(child);
        assert.equal(end.signal, signal);
        const r = await reader();
        assert.deepEqual(await r.workers(), []);
        // Its running trials are retriable at once, without waiting for a heartbeat timeout.
        await r.close();
        const store = await open(location, { definition: zdtDefinition() });
        const me = identity();
        await store.registerWorker(me, far);
        const claim = (await store.claimTrial(claimRequest(me.id, 50)))!;
        assert.equal(claim.attempts, 2);
        await store.close();
      });
    }
  });
}
