/**
 * Studies beyond one machine (issue 17): what the study stores cost and where many
 * workers saturate. Four parts, each runnable alone with --part NAME:
 *
 * - overhead: the store's own time per trial (claim + finish, one worker, a trivial
 *   proposal, explorer-sized metrics) on an empty study (300 trials) and at 10,000
 *   trials (9,900 imported, then 100 claimed and finished), SQLite vs PostgreSQL on
 *   loopback with fsync on, with and without synchronous commit.
 * - latency: claim and finish latency with 1 and with 32 simulated workers (4
 *   processes x 8 connections) claiming back to back on one PostgreSQL study.
 * - workers: a 40-trial Adult study (sensitive sex, default objectives and strategy)
 *   run by worker layouts P×T (P `equipoise worker` processes of T trial threads each;
 *   default 1×1, 2×1, 4×1, 2×2, 1×4; --layouts 4x1,2x2) against PostgreSQL
 *   and against an SQLite file: wall time, trials per minute, test hypervolume.
 * - compare (with --baseline DIR, a checkout of another commit with its node_modules):
 *   the "at 10,000" overhead of this checkout's stores and of the baseline's, trials
 *   alternating between the two on the same server, so that the machine's load weighs
 *   on both alike; also the SQL statements each trial sends (PostgreSQL).
 * - bo: the BO proposal (one `ask`) against the number of observations: after a new
 *   observation (the GPs' hyper-parameters are refitted, warm-started), with 32 pending
 *   trials (as with 32 busy workers), and the acquisition step alone on fitted GPs —
 *   the step a claim holds the study's lock for.
 *
 *   node --import tsx bench/store.bench.ts [--part overhead|latency|workers|bo] [--seeds 2] [--layouts 1x1,4x1]
 *   node --import tsx bench/store.bench.ts --part compare --baseline /tmp/base [--trials 200]
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import pg from "pg";
import { openStudyStore, type StudyStore, type TrialRecord } from "../src/search/index.js";
import { dtlz2 } from "../src/search/problems.js";
import { BayesianOptimization } from "../src/search/strategies/bo.js";
import { RandomSearch } from "../src/search/strategies/random.js";
import { startPostgresCluster, type TestPostgres } from "../test/helpers/postgres.js";
import { writeResults } from "./machine.js";
import { benchDefinition, benchMetrics } from "./store-study.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const argument = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const parts = argument("part") ? [argument("part")!] : ["overhead", "latency", "workers", "bo"];
const seeds = Number(argument("seeds") ?? 2);
const scratch = mkdtempSync(join(tmpdir(), "equipoise-store-bench-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

let server: TestPostgres | undefined;
const postgres = async () => {
  server ??= await startPostgresCluster({ durable: true, maxConnections: 150 });
  return server;
};
let files = 0;
const sqliteLocation = () => join(scratch, `study-${files++}.db`);

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

const results: Record<string, unknown> = {};

// ---- overhead --------------------------------------------------------------------------

/** Claims and finishes `count` trials one after another; the time of each (claim + finish), ms. */
async function timeTrials(store: StudyStore, budget: number, count: number): Promise<number[]> {
  const worker = { id: `${hostname()}:${process.pid}:bench`, host: hostname(), pid: process.pid };
  await store.registerWorker(worker, { staleAfterMs: 600_000 });
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const claim = await store.claimTrial({
      workerId: worker.id,
      budget,
      staleAfterMs: 600_000,
      maxAttempts: 2,
      propose: (view) => ({ x0: (view.number % 997) / 997, x1: 0.5, x2: 0.5, x3: 0.5 }),
    });
    if (!claim) throw new Error("the budget ran out early");
    await store.finishTrial(claim.id, worker.id, {
      state: "complete",
      objectives: [Number(claim.config.x0), 0.5],
      metrics: benchMetrics(i),
      startedAt: Date.now(),
    });
    times.push(performance.now() - start);
  }
  await store.unregisterWorker(worker.id);
  return times;
}

/**
 * Trials timed on an empty study, and at the end of a 10,000-trial study (the others
 * imported). Small, because the SQLite store reads every complete trial per claim
 * (seconds each at 10,000 on the shared machine).
 */
const EMPTY_TRIALS = 300;
const LAST_TRIALS = 100;

/** Finished trials as a worker would have left them, for the "at 10,000" measurement. */
function finishedTrials(count: number): TrialRecord[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, n) => ({
    id: n,
    number: n,
    config: { x0: (n % 997) / 997, x1: 0.5, x2: 0.5, x3: 0.5 },
    state: "complete" as const,
    objectives: [(n % 997) / 997, 0.5],
    constraints: null,
    metrics: JSON.parse(JSON.stringify(benchMetrics(n), (_k, v) => (v === Infinity ? "Infinity" : v))),
    seed: n,
    error: null,
    workerId: "earlier:1:x",
    attempts: 1,
    startedAt: now,
    finishedAt: now,
    durationMs: 1000,
  }));
}

async function overhead() {
  const rows = [];
  // PostgreSQL twice: with the server's durable default (each commit waits for its log
  // to reach the disk) and with synchronous_commit=off (see postgres-location.ts).
  for (const kind of ["sqlite", "postgres", "postgres, synchronous_commit=off"] as const) {
    const location = async () =>
      kind === "sqlite"
        ? sqliteLocation()
        : kind === "postgres"
          ? (await postgres()).newLocation("bench")
          : (await postgres()).newLocation("bench", { synchronous_commit: "off" });
    const empty = await openStudyStore(await location(), { definition: benchDefinition() });
    const first = await timeTrials(empty, EMPTY_TRIALS, EMPTY_TRIALS);
    await empty.close();
    const big = await openStudyStore(await location(), { definition: benchDefinition() });
    let start = performance.now();
    await big.importTrials(finishedTrials(10_000 - LAST_TRIALS));
    const importMs = performance.now() - start;
    start = performance.now();
    const last = await timeTrials(big, 10_000, LAST_TRIALS);
    await big.close();
    const row = {
      store: kind,
      emptyStudy: {
        meanMs: round(mean(first)),
        medianMs: round(quantile(first, 0.5)),
        p95Ms: round(quantile(first, 0.95)),
      },
      at10000: {
        meanMs: round(mean(last)),
        medianMs: round(quantile(last, 0.5)),
        p95Ms: round(quantile(last, 0.95)),
        firstClaimMs: round(last[0]),
      },
      importMs: Math.round(importMs),
    };
    rows.push(row);
    console.log(
      `${kind}: claim + finish ${row.emptyStudy.meanMs} ms mean (median ${row.emptyStudy.medianMs}) on an empty study; ${row.at10000.meanMs} ms mean (median ${row.at10000.medianMs}, p95 ${row.at10000.p95Ms}, first ${row.at10000.firstClaimMs}) at ${10_000 - LAST_TRIALS}–10,000 trials; import of ${10_000 - LAST_TRIALS} trials ${row.importMs} ms`,
    );
  }
  results.overhead = rows;
}

// ---- compare ---------------------------------------------------------------------------

async function compare() {
  const baseline = argument("baseline");
  if (!baseline)
    throw new Error("--part compare needs --baseline DIR (a checkout of the commit to compare with)");
  const trials = Number(argument("trials") ?? 200);
  const older = (await import(pathToFileURL(resolve(baseline, "src/search/index.ts")).href)) as {
    openStudyStore: typeof openStudyStore;
  };
  // Every statement any store of this process sends (both checkouts load this same pg).
  let statements = 0;
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    statements++;
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  const rows = [];
  for (const kind of ["postgres", "postgres, synchronous_commit=off", "sqlite"] as const) {
    // The old SQLite store takes seconds per trial at 10,000: fewer trials there.
    const count = kind === "sqlite" ? Math.min(trials, 20) : trials;
    const location = async () =>
      kind === "sqlite"
        ? sqliteLocation()
        : (await postgres()).newLocation(
            "compare",
            kind === "postgres" ? undefined : { synchronous_commit: "off" },
          );
    const sides = [];
    for (const [name, open] of [
      ["baseline", older.openStudyStore],
      ["this checkout", openStudyStore],
    ] as const) {
      const store = await open(await location(), { definition: benchDefinition() });
      await store.importTrials(finishedTrials(10_000));
      const worker = { id: `${hostname()}:${process.pid}:${name}`, host: hostname(), pid: process.pid };
      await store.registerWorker(worker, { staleAfterMs: 600_000 });
      sides.push({ name, store, worker, times: [] as number[], statements: [] as number[] });
    }
    // One trial first on each side: a worker's first claim reads the whole study.
    for (let i = 0; i <= count; i++) {
      for (const side of i % 2 === 0 ? sides : [...sides].reverse()) {
        const before = statements;
        const start = performance.now();
        const claim = await side.store.claimTrial({
          workerId: side.worker.id,
          budget: 10_000 + count + 1,
          staleAfterMs: 600_000,
          maxAttempts: 2,
          propose: (view) => ({ x0: (view.number % 997) / 997, x1: 0.5, x2: 0.5, x3: 0.5 }),
        });
        if (!claim) throw new Error("the budget ran out early");
        await side.store.finishTrial(claim.id, side.worker.id, {
          state: "complete",
          objectives: [Number(claim.config.x0), 0.5],
          metrics: benchMetrics(i),
          startedAt: Date.now(),
        });
        if (i === 0) continue;
        side.times.push(performance.now() - start);
        side.statements.push(statements - before);
      }
    }
    for (const side of sides) {
      await side.store.close();
      const row = {
        store: kind,
        code: side.name,
        trials: count,
        meanMs: round(mean(side.times)),
        medianMs: round(quantile(side.times, 0.5)),
        p95Ms: round(quantile(side.times, 0.95)),
        statementsPerTrial: kind === "sqlite" ? null : quantile(side.statements, 0.5),
      };
      rows.push(row);
      console.log(
        `${kind}, ${side.name}: claim + finish at 10,000 trials ${row.meanMs} ms mean (median ${row.medianMs}, p95 ${row.p95Ms}) over ${count} trials${row.statementsPerTrial === null ? "" : `, ${row.statementsPerTrial} statements per trial`}`,
      );
    }
  }
  results.compare = { baseline, rows };
}

// ---- latency ---------------------------------------------------------------------------

function runLoad(location: string, processes: number, lanes: number, budget: number) {
  const script = join(root, "bench", "store-load-worker.ts");
  const children = Array.from({ length: processes }, () =>
    spawnCollect(process.execPath, ["--import", "tsx", script, location, String(lanes), String(budget)]),
  );
  return Promise.all(children);
}

function spawnCollect(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.on("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${args.join(" ")} exited ${code}`)),
    );
  });
}

async function latency() {
  const rows = [];
  for (const [processes, lanes, budget] of [
    [1, 1, 500],
    [4, 8, 3200],
  ]) {
    const location = (await postgres()).newLocation("latency");
    const store = await openStudyStore(location, { definition: benchDefinition() });
    await store.close();
    const start = performance.now();
    const outputs = await runLoad(location, processes, lanes, budget);
    const seconds = (performance.now() - start) / 1000;
    const claims: number[] = [];
    const finishes: number[] = [];
    let proposals = 0;
    for (const out of outputs) {
      const parsed = JSON.parse(out.trim().split("\n").at(-1)!) as {
        claims: number[];
        finishes: number[];
        proposals: number;
      };
      claims.push(...parsed.claims);
      finishes.push(...parsed.finishes);
      proposals += parsed.proposals;
    }
    const check = await openStudyStore(location, { readOnly: true });
    const trials = await check.trials();
    await check.close();
    const numbers = new Set(trials.map((t) => t.number));
    if (trials.length !== budget || numbers.size !== budget)
      throw new Error(`expected ${budget} distinct trials`);
    const row = {
      workers: processes * lanes,
      trials: budget,
      trialsPerSecond: round(budget / seconds, 1),
      claimMs: {
        p50: round(quantile(claims, 0.5)),
        p95: round(quantile(claims, 0.95)),
        p99: round(quantile(claims, 0.99)),
        max: round(Math.max(...claims)),
      },
      finishMs: { p50: round(quantile(finishes, 0.5)), p95: round(quantile(finishes, 0.95)) },
      // Proposals overtaken by another worker's claim and made again (store/claim.ts).
      proposalsThrownAway: proposals - budget,
    };
    rows.push(row);
    console.log(
      `${row.workers} simulated workers: claim p50 ${row.claimMs.p50} ms, p95 ${row.claimMs.p95}, p99 ${row.claimMs.p99}, max ${row.claimMs.max}; finish p50 ${row.finishMs.p50} ms; ${row.trialsPerSecond} trials/s in all (${budget} trials, none lost or repeated; ${row.proposalsThrownAway} proposals thrown away after a conflict)`,
    );
  }
  results.latency = rows;
}

// ---- workers ---------------------------------------------------------------------------

const built = existsSync(join(root, "dist", "cli", "main.js"));
function cli(args: string[]): string[] {
  return built
    ? [join(root, "bin", "equipoise.js"), ...args]
    : ["--import", "tsx", join(root, "src", "cli", "entry.ts"), ...args];
}

function runCli(args: string[]): string {
  const result = spawnSync(process.execPath, cli(args), { cwd: root, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`equipoise ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on("exit", (code) => resolve(code)));
}

async function workers() {
  const rows = [];
  // Layouts of W workers: `count` processes of `threads` trial threads each (--layouts 4x1,2x2).
  const layouts = (argument("layouts") ?? "1x1,2x1,4x1,2x2,1x4").split(",").map((text) => {
    const [count, threads] = text.split("x").map(Number);
    return { count, threads };
  });
  for (const kind of ["postgres", "sqlite"] as const) {
    for (const { count, threads } of layouts) {
      for (let seed = 0; seed < seeds; seed++) {
        const location =
          kind === "sqlite"
            ? sqliteLocation()
            : (await postgres()).newLocation(`adult-${count}x${threads}-${seed}`);
        runCli([
          ...["explore", "--data", "adult", "--sensitive", "sex", "--budget", "40", "--workers", "0"],
          ...["--seed", String(seed), "--study", location, "--json"],
        ]);
        const start = performance.now();
        const children = Array.from({ length: count }, () =>
          spawn(
            process.execPath,
            cli(["worker", "--study", location, "--workers", String(threads), "--json"]),
            {
              cwd: root,
              stdio: ["ignore", "ignore", "ignore"],
            },
          ),
        );
        const codes = await Promise.all(children.map(exited));
        const seconds = (performance.now() - start) / 1000;
        if (codes.some((c) => c !== 0)) throw new Error(`a worker failed: ${codes}`);
        const report = JSON.parse(
          runCli(["report", "--study", location, "--out", join(scratch, "r.json"), "--json"]),
        );
        const row = {
          store: kind,
          processes: count,
          threadsPerProcess: threads,
          seed,
          trials: report.trials.total,
          complete: report.trials.complete,
          wallSeconds: round(seconds, 1),
          trialsPerMinute: round((40 / seconds) * 60, 1),
          hypervolumeTest: round(report.hypervolume.test, 4),
        };
        rows.push(row);
        console.log(
          `${kind}, ${count} worker process(es) × ${threads} thread(s), seed ${seed}: ${row.trials} trials (${row.complete} complete) in ${row.wallSeconds} s = ${row.trialsPerMinute} trials/min, test hypervolume ${row.hypervolumeTest}`,
        );
      }
    }
  }
  results.workers = rows;
}

// ---- bo --------------------------------------------------------------------------------

async function bo() {
  const problem = dtlz2(3, 9); // 9 variables: about the explorer's search space
  const rows = [];
  for (const n of [50, 100, 200, 300]) {
    const design = new RandomSearch(problem.space, { numObjectives: 3, seed: 0 });
    const configs = design.ask(n + 34);
    const observations = configs.slice(0, n + 2).map((config) => ({ config, ...problem.evaluate(config) }));
    const pending = configs.slice(n + 2, n + 34);
    const strategy = new BayesianOptimization(problem.space, {
      numObjectives: 3,
      seed: 0,
      referencePoint: problem.referencePoint,
    });
    strategy.tell(observations.slice(0, n));
    strategy.ask(1); // a first fit, whose hyper-parameters warm-start the next (as in a running study)
    // In a study every claim sees a new observation, so the GPs are refitted first.
    strategy.tell(observations.slice(n, n + 1));
    let start = performance.now();
    strategy.ask(1);
    const refitMs = performance.now() - start;
    strategy.tell(observations.slice(n + 1, n + 2));
    start = performance.now();
    strategy.ask(1, pending);
    const refitPendingMs = performance.now() - start;
    // The same proposal on GPs already fitted: the acquisition step alone.
    start = performance.now();
    strategy.ask(1, pending);
    const proposeOnlyMs = performance.now() - start;
    const row = {
      observations: n,
      refitAndAskMs: Math.round(refitMs),
      refitAndAskWith32PendingMs: Math.round(refitPendingMs),
      askWith32PendingNoRefitMs: Math.round(proposeOnlyMs),
    };
    rows.push(row);
    console.log(
      `${n} observations: refit + ask ${row.refitAndAskMs} ms; refit + ask with 32 pending ${row.refitAndAskWith32PendingMs} ms; ask with 32 pending on fitted GPs ${row.askWith32PendingNoRefitMs} ms`,
    );
  }
  results.bo = { problem: problem.name, rows };
}

const runners: Record<string, () => Promise<void>> = { overhead, compare, latency, workers, bo };
for (const part of parts) {
  console.log(`--- ${part}`);
  await runners[part]();
}
console.log(`results: ${writeResults(`store${argument("part") ? `-${argument("part")}` : ""}`, results)}`);
