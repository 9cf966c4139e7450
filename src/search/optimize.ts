/**
 * The study runner: asks the study's strategy for configurations, evaluates them
 * with bounded concurrency, and stores every result as soon as it is known.
 *
 * The strategy lives in memory only. It is rebuilt on start (every complete trial
 * told) and refreshed before each claim, inside the claim's transaction, with the
 * trials other workers finished meanwhile; `pending` = the trials running
 * anywhere. Asking inside the transaction means no two workers can propose from
 * the same view of the study; the price is that a slow `ask` (a GP fit) holds the
 * study's write lock for its duration.
 *
 * `budget` is the TOTAL number of trials of the study (failed ones included), so
 * rerunning the same command after a crash finishes the same study.
 */

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { UserError } from "../common/errors.js";
import type { Configuration } from "./space.js";
import { createStrategy } from "./strategies/index.js";
import type { Observation, Strategy } from "./strategy.js";
import { numbersToJson, type Study, type TrialRecord, type TrialRow, toRecord, trialSeed } from "./study.js";

export interface EvaluationResult {
  /** In each objective's own direction, in the study's order. */
  objectives: number[];
  /** In the study's constraint order; feasible iff <= 0. */
  constraints?: number[];
  metrics?: Record<string, unknown>;
}

export interface TrialContext {
  number: number;
  seed: number;
  /** 1, or more when this is a retry of a trial whose worker died. */
  attempt: number;
}

export interface OptimizeOptions {
  /** Total number of trials in the study (including failed ones and those already there). */
  budget: number;
  /** Evaluations in flight at once in this process (default 1). */
  concurrency?: number;
  /** Called after each trial of this process is stored. */
  onTrial?: (trial: TrialRecord) => void;
  /** A worker silent for this long is presumed dead and its running trials retried (default 10 minutes). */
  staleAfterMs?: number;
  /** How often this worker proves it is alive (default 5 s). */
  heartbeatMs?: number;
}

export interface OptimizeSummary {
  /** Trials this call finished (complete, failed or pruned). */
  finished: number;
  failed: number;
  /** Trials of dead workers this call took over. */
  retried: number;
}

export async function optimize(
  study: Study,
  evaluate: (config: Configuration, trial: TrialContext) => Promise<EvaluationResult>,
  options: OptimizeOptions,
): Promise<OptimizeSummary> {
  const { budget } = options;
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(budget) || budget < 0)
    throw new UserError(`budget must be a whole number >= 0, got ${budget}`);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new UserError(`concurrency must be a whole number >= 1, got ${concurrency}`);
  const staleAfterMs = options.staleAfterMs ?? 600_000;
  const heartbeatMs = options.heartbeatMs ?? 5_000;

  const strategy = await createStrategy(study.strategy, study.space, {
    ...study.strategyOptions,
    numObjectives: study.objectives.length,
    numConstraints: study.constraints.length,
    seed: study.seed,
  });
  const worker = new Worker(study, strategy, staleAfterMs);
  const heartbeat = setInterval(() => worker.beat(), heartbeatMs);
  heartbeat.unref();
  const summary: OptimizeSummary = { finished: 0, failed: 0, retried: 0 };

  const lane = async () => {
    for (let claim = worker.claim(budget); claim; claim = worker.claim(budget)) {
      if (claim.attempts > 1) summary.retried++;
      const started = Date.now();
      let record: TrialRecord | null;
      try {
        const result = await evaluate(claim.config, {
          number: claim.number,
          seed: claim.seed,
          attempt: claim.attempts,
        });
        checkResult(result, study);
        record = worker.finish(claim.id, "complete", started, result, null);
      } catch (error) {
        if (error instanceof TrialPruned) {
          record = worker.finish(claim.id, "pruned", started, null, error.message);
        } else {
          summary.failed++;
          record = worker.finish(
            claim.id,
            "failed",
            started,
            null,
            error instanceof Error ? error.message : String(error),
          );
        }
      }
      summary.finished++;
      if (record) options.onTrial?.(record);
    }
  };

  try {
    await Promise.all(Array.from({ length: concurrency }, lane));
  } finally {
    clearInterval(heartbeat);
    worker.leave();
  }
  return summary;
}

/** Throw from `evaluate` to stop a trial early on purpose (recorded as pruned, not failed). */
export class TrialPruned extends Error {
  override name = "TrialPruned";
}

function checkResult(result: EvaluationResult, study: Study): void {
  const names = study.objectives.map((o) => o.name);
  if (!result || !Array.isArray(result.objectives) || result.objectives.length !== names.length) {
    throw new Error(
      `evaluation returned ${result?.objectives?.length ?? "no"} objective values, expected ${names.length} (${names.join(", ")})`,
    );
  }
  result.objectives.forEach((v, k) => {
    // Infinity is a legitimate value (epsilon of a non-private model); NaN is not.
    if (typeof v !== "number" || Number.isNaN(v))
      throw new Error(`objective '${names[k]}' is ${v}, not a number`);
  });
  const expected = study.constraints.length;
  const got = result.constraints?.length ?? 0;
  if (got !== expected) throw new Error(`evaluation returned ${got} constraint values, expected ${expected}`);
}

interface Claim {
  id: number;
  number: number;
  config: Configuration;
  seed: number;
  attempts: number;
}

/** One process's membership of a study: claims, results, heartbeat. */
class Worker {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  private readonly told = new Set<number>();

  constructor(
    private readonly study: Study,
    private readonly strategy: Strategy,
    private readonly staleAfterMs: number,
  ) {
    study.db
      .prepare("INSERT INTO workers (id, host, pid, heartbeat_at) VALUES (?, ?, ?, ?)")
      .run(this.id, hostname(), process.pid, Date.now());
  }

  beat(): void {
    if (this.study.db.open)
      this.study.db.prepare("UPDATE workers SET heartbeat_at = ? WHERE id = ?").run(Date.now(), this.id);
  }

  leave(): void {
    if (this.study.db.open) this.study.db.prepare("DELETE FROM workers WHERE id = ?").run(this.id);
  }

  /** The next trial to evaluate: a dead worker's trial, else a new one while the budget lasts. */
  claim(budget: number): Claim | null {
    const db = this.study.db;
    return db
      .transaction((): Claim | null => {
        const now = Date.now();
        db.prepare("UPDATE workers SET heartbeat_at = ? WHERE id = ?").run(now, this.id);
        const running = db
          .prepare("SELECT * FROM trials WHERE state = 'running' ORDER BY number")
          .all() as TrialRow[];
        for (const row of running) {
          if (row.worker_id === this.id || !this.isDead(row.worker_id, now)) continue;
          db.prepare(
            "UPDATE trials SET worker_id = ?, attempts = attempts + 1, started_at = ? WHERE id = ?",
          ).run(this.id, now, row.id);
          return {
            id: row.id,
            number: row.number,
            config: JSON.parse(row.params),
            seed: row.seed,
            attempts: row.attempts + 1,
          };
        }
        const { count } = db.prepare("SELECT COUNT(*) AS count FROM trials").get() as { count: number };
        if (count >= budget) return null;
        this.tellNewResults();
        const pending = running.map((row) => JSON.parse(row.params) as Configuration);
        const [config] = this.strategy.ask(1, pending);
        const number = count; // numbers are 0..count-1, claimed only under this lock
        const seed = trialSeed(this.study.seed, number);
        const { lastInsertRowid } = db
          .prepare(
            "INSERT INTO trials (number, params, state, seed, worker_id, attempts, started_at) VALUES (?, ?, 'running', ?, ?, 1, ?)",
          )
          .run(number, JSON.stringify(config), seed, this.id, now);
        return { id: Number(lastInsertRowid), number, config, seed, attempts: 1 };
      })
      .immediate();
  }

  /** Stores a finished trial unless another worker took it over meanwhile (then its result wins). */
  finish(
    id: number,
    state: "complete" | "failed" | "pruned",
    started: number,
    result: EvaluationResult | null,
    error: string | null,
  ): TrialRecord | null {
    const db = this.study.db;
    const finished = Date.now();
    const changes = db
      .prepare(
        `UPDATE trials SET state = ?, objectives = ?, constraints = ?, metrics = ?, error = ?, finished_at = ?, duration_ms = ?
         WHERE id = ? AND worker_id = ? AND state = 'running'`,
      )
      .run(
        state,
        result ? numbersToJson(result.objectives) : null,
        result?.constraints ? numbersToJson(result.constraints) : null,
        result?.metrics ? JSON.stringify(result.metrics) : null,
        error,
        finished,
        finished - started,
        id,
        this.id,
      ).changes;
    if (changes === 0) return null;
    return toRecord(db.prepare("SELECT * FROM trials WHERE id = ?").get(id) as TrialRow);
  }

  private tellNewResults(): void {
    const rows = this.study.db
      .prepare("SELECT * FROM trials WHERE state = 'complete' ORDER BY number")
      .all() as TrialRow[];
    const observations: Observation[] = [];
    for (const row of rows) {
      if (this.told.has(row.id)) continue;
      this.told.add(row.id);
      const record = toRecord(row);
      const observation: Observation = {
        config: record.config,
        objectives: this.study.minimizedObjectives(record),
      };
      if (record.constraints && record.constraints.length > 0) observation.constraints = record.constraints;
      observations.push(observation);
    }
    if (observations.length > 0) this.strategy.tell(observations);
  }

  private isDead(workerId: string | null, now: number): boolean {
    if (workerId === null) return true;
    const row = this.study.db
      .prepare("SELECT host, pid, heartbeat_at FROM workers WHERE id = ?")
      .get(workerId) as { host: string; pid: number; heartbeat_at: number } | undefined;
    if (!row) return true;
    if (row.host === hostname() && !processExists(row.pid)) return true;
    return now - row.heartbeat_at > this.staleAfterMs;
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
