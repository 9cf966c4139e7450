/**
 * The PostgreSQL study store: many studies in one database, shared by workers on
 * any number of machines (the `pg` driver, pooled connections, TLS from the location:
 * postgres-location.ts). Same semantics as the SQLite store, checked by the same
 * contract suite (test/search/store-contract.ts).
 *
 * Claims (the "claims" section below). A claim first reads a snapshot of the study in
 * one statement, proposes from it with no lock held, and stores the trial with one
 * statement that succeeds only if no other trial was claimed meanwhile: two round
 * trips, and the study's row is locked only for that last statement, so workers'
 * proposals (seconds each for BO) run in parallel. Budget and numbering stay exact
 * (the row lock and the count condition). A conflict proposes again from a fresh
 * snapshot; repeated conflicts, and dead workers' trials, go through a claim under the
 * study's lock:
 * - a dead worker's running trial is taken with `SELECT … FOR UPDATE SKIP LOCKED`:
 *   workers retrying trials never wait for each other, and no trial is taken twice.
 *   A worker is alive while its row in `workers` has a recent heartbeat (server
 *   clock); rows of dead workers (liveness.ts: a vanished process on this host, or a
 *   stale heartbeat) are pruned first, at most once a second;
 * - otherwise a new trial, proposed while the study's row is locked (`FOR UPDATE`).
 * Only the complete trials finished since this store's last look are read (`finish_xid`
 * at or above the previous snapshot's xmin: every transaction below it had ended), so
 * a claim costs the same at 10 trials and at 10,000.
 *
 * Faults. Every transaction is atomic: a worker or a server that dies mid-claim leaves
 * nothing half-written. When the connection fails mid-study, an operation is retried
 * with exponential back-off until `timeoutMs` (default 60 s) has passed, then stops
 * with one line naming the server. A retried claim or finish whose first attempt may
 * have committed (the connection failed after COMMIT was sent) looks for its own
 * result first (a claim token; the finishing worker's row), so a retry neither claims
 * a second trial nor reports a stored result as lost.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { UserError } from "../../common/errors.js";
import { toJson } from "../../common/json.js";
import type { Configuration } from "../space.js";
import {
  CompleteTrials,
  checkClaimRequest,
  claimOf,
  OPTIMISTIC_TRIES,
  outOfAttemptsError,
  type Snapshot,
  shouldRetry,
} from "./claim.js";
import { checkSameDefinition, normalizeDefinition, trialSeed } from "./definition.js";
import { newerSchemaError, StudyNotFoundError } from "./errors.js";
import { checkImportableTrials } from "./import.js";
import { isWorkerAlive } from "./liveness.js";
import { type PostgresLocation, parsePostgresLocation } from "./postgres-location.js";
import {
  createTables,
  detectNamespace,
  lockNamespace,
  MINIMUM_SERVER_VERSION,
  migrateFrom,
  POSTGRES_SCHEMA_VERSION,
} from "./postgres-schema.js";
import { numbersToJson, type TrialRow, toTrialRecord, trialColumns } from "./trial-row.js";
import type {
  ClaimRequest,
  LivenessPolicy,
  OpenStudyOptions,
  StoredDefinition,
  StudyStore,
  TrialClaim,
  TrialRecord,
  TrialResult,
  TrialState,
  WorkerIdentity,
  WorkerRecord,
} from "./types.js";

/** The server's clock in milliseconds since the epoch (the one clock every worker shares). */
const NOW_MS = "(extract(epoch FROM clock_timestamp()) * 1000)::double precision";

/**
 * A query unanswered for this long means a dead connection (a half-open socket after a
 * network failure). Generous, because a claim may wait that long for the study's lock
 * while another worker proposes.
 */
const QUERY_TIMEOUT_MS = 300_000;

/**
 * Claims prune dead workers' rows at most this often: the pruning is what lets a
 * trial of a worker killed on this host be retried at once (its heartbeat is still
 * fresh), and a second is "at once" next to a trial's length.
 */
const PRUNE_INTERVAL_MS = 1_000;

/** int8 columns (ids, seeds, counts) as numbers; they stay far below 2^53. */
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === 20 && format !== "binary") return (text: string) => Number(text);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

interface RunOptions {
  /** Retry connection failures with back-off until the store's timeout (default true). */
  retry?: boolean;
  /** Opening: a connection failure is a wrong location or a server that is down, said as such. */
  opening?: boolean;
  /** Run inside BEGIN … COMMIT (default true). */
  transaction?: boolean;
}

export class PostgresStudyStore implements StudyStore {
  private readonly members = new Map<string, WorkerIdentity>();
  /** Complete trials read so far (complete is final), and where to look for newer ones. */
  private readonly completed = new CompleteTrials();
  private horizon: string | null = null;
  private claims: Promise<void> = Promise.resolve();
  private prunedAt = 0;
  private liveness: LivenessPolicy | null = null;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly where: PostgresLocation,
    private readonly studyId: number,
    private readonly stored: StoredDefinition,
    readonly readOnly: boolean,
    private readonly timeoutMs: number,
  ) {}

  get location(): string {
    return this.where.display;
  }

  /** Creates or joins (definition checked) the study named in `location`, or opens it read-only. */
  static async open(location: string, options: OpenStudyOptions): Promise<PostgresStudyStore> {
    const where = parsePostgresLocation(location);
    const asked = options.readOnly ? null : normalizeDefinition(options.definition);
    const timeoutMs = options.timeoutMs ?? 60_000;
    const pool = new pg.Pool({
      connectionTimeoutMillis: 10_000,
      ...where.connection,
      types,
      keepAlive: true,
      idleTimeoutMillis: 30_000,
      query_timeout: QUERY_TIMEOUT_MS,
      // A worker frozen inside a transaction (stopped, swapping) must not hold a study's lock forever.
      idle_in_transaction_session_timeout: QUERY_TIMEOUT_MS,
    });
    // An idle connection that breaks is dropped by the pool; the next query reconnects.
    pool.on("error", () => {});
    const opener = new PostgresStudyStore(pool, where, 0, {} as StoredDefinition, !asked, timeoutMs);
    try {
      // Fail fast at open: a wrong host, port or password is a typo, not an outage.
      const { id, stored } = await opener.run(
        (client) => (asked ? opener.createOrJoin(client, asked) : opener.find(client)),
        { retry: false, opening: true },
      );
      if (asked) checkSameDefinition(stored, asked, where.display);
      return new PostgresStudyStore(pool, where, id, stored, !asked, timeoutMs);
    } catch (error) {
      await pool.end().catch(() => {});
      throw error;
    }
  }

  async schemaVersion(): Promise<number> {
    return this.run(async (client) => {
      const layout = await detectNamespace(client, this.where.schema);
      return layout.kind === "store" ? layout.version : 0;
    });
  }

  async definition(): Promise<StoredDefinition> {
    return structuredClone(this.stored);
  }

  async metadata(): Promise<Record<string, unknown>> {
    return structuredClone(this.stored.metadata);
  }

  async trials(states?: readonly TrialState[]): Promise<TrialRecord[]> {
    return this.run(async (client) => {
      const filter = states && states.length > 0 ? "AND state = ANY($2)" : "";
      const { rows } = await client.query<TrialRow>(
        `SELECT ${trialFields} FROM ${this.table("trials")} WHERE study_id = $1 ${filter} ORDER BY number`,
        states && states.length > 0 ? [this.studyId, [...states]] : [this.studyId],
      );
      return rows.map(toTrialRecord);
    });
  }

  async registerWorker(worker: WorkerIdentity, liveness: LivenessPolicy): Promise<void> {
    this.writable();
    this.members.set(worker.id, worker);
    this.liveness = liveness;
    await this.run(async (client) => {
      await this.pruneDeadWorkers(client, liveness, worker.id);
      await this.upsertWorker(client, worker);
    });
  }

  async heartbeat(workerId: string): Promise<void> {
    this.writable();
    // One try: a missed beat is followed by the next one, and retries would pile up.
    const beat = this.run(
      async (client) => {
        const { rowCount } = await client.query(
          `UPDATE ${this.table("workers")} SET heartbeat_at = ${NOW_MS} WHERE study_id = $1 AND id = $2`,
          [this.studyId, workerId],
        );
        // Membership is read after the UPDATE, not before: a worker that left while this
        // beat waited for a connection must not be written back (its row would outlive it).
        const member = this.members.get(workerId);
        if (rowCount === 0 && member) await this.upsertWorker(client, member);
      },
      { retry: false, transaction: false },
    );
    this.beats.set(workerId, beat);
    try {
      await beat;
    } finally {
      if (this.beats.get(workerId) === beat) this.beats.delete(workerId);
    }
  }

  /** The heartbeat in flight per worker: leaving waits for it, so no beat lands after the DELETE. */
  private readonly beats = new Map<string, Promise<void>>();

  async unregisterWorker(workerId: string): Promise<void> {
    if (this.readOnly || this.closed) return;
    this.members.delete(workerId);
    const liveness = this.liveness;
    await this.beats.get(workerId)?.catch(() => undefined);
    // A claim already under way may carry this worker's beat (an upsert of its row, in the
    // claim's own transaction): it must land before the row is deleted, or it would write
    // the row back after the worker left (seen under load: a stopped worker's row remained).
    await this.claims;
    try {
      await this.run(
        async (client) => {
          await client.query(`DELETE FROM ${this.table("workers")} WHERE study_id = $1 AND id = $2`, [
            this.studyId,
            workerId,
          ]);
          // Claims prune at most once a second: a worker that leaves prunes too, so the
          // last one to leave a study leaves no dead worker's row behind.
          if (liveness) await this.pruneDeadWorkers(client, liveness, workerId);
        },
        { retry: false, transaction: false },
      );
    } catch (error) {
      // Leaving is best effort when the server is unreachable: the row goes stale and is pruned.
      if (!(error instanceof LostConnection)) throw error;
    }
  }

  async workers(): Promise<WorkerRecord[]> {
    return this.run(async (client) => {
      const { rows } = await client.query<WorkerRow>(
        `SELECT id, host, pid, heartbeat_at FROM ${this.table("workers")} WHERE study_id = $1 ORDER BY id`,
        [this.studyId],
      );
      return rows.map(toWorkerRecord);
    });
  }

  async claimTrial(request: ClaimRequest): Promise<TrialClaim | null> {
    this.writable();
    checkClaimRequest(request);
    // One claim at a time per store: the lanes of a process would only conflict with
    // each other, each holding a pooled connection that heartbeats and finishes need.
    const previous = this.claims;
    let done = () => {};
    this.claims = new Promise<void>((resolve) => {
      done = resolve;
    });
    await previous;
    try {
      for (let tries = 0; tries < OPTIMISTIC_TRIES; tries++) {
        const outcome = await this.claimOptimistically(request);
        if (outcome === "locked path") break;
        if (outcome !== "conflict") return outcome;
      }
      return await this.claimLocked(request, randomUUID());
    } finally {
      done();
    }
  }

  async finishTrial(trialId: number, workerId: string, result: TrialResult): Promise<TrialRecord | null> {
    this.writable();
    if (result.state === "complete" && !result.objectives)
      throw new RangeError("a complete trial needs its objective values");
    const durationMs = Date.now() - result.startedAt; // the evaluating machine's clock, both ends
    return this.run(
      async (client, attempt) => {
        const { rows } = await client.query<TrialRow>({
          name: "finish_trial",
          text: `UPDATE ${this.table("trials")} SET state = $1, objectives = $2, constraints = $3, metrics = $4, error = $5,
           finished_at = ${NOW_MS}, duration_ms = $6, finish_xid = pg_current_xact_id()
         WHERE id = $7 AND study_id = $8 AND worker_id = $9 AND state = 'running'
         RETURNING ${trialFields}`,
          values: [
            result.state,
            result.objectives ? numbersToJson(result.objectives) : null,
            result.constraints ? numbersToJson(result.constraints) : null,
            result.metrics ? toJson(result.metrics) : null,
            result.error ?? null,
            durationMs,
            trialId,
            this.studyId,
            workerId,
          ],
        });
        if (rows.length > 0) return toTrialRecord(rows[0]);
        if (attempt > 0) {
          // Stored by the attempt whose connection failed after COMMIT?
          const again = await client.query<TrialRow>(
            `SELECT ${trialFields} FROM ${this.table("trials")} WHERE id = $1 AND study_id = $2 AND worker_id = $3 AND state = $4`,
            [trialId, this.studyId, workerId, result.state],
          );
          if (again.rows.length > 0) return toTrialRecord(again.rows[0]);
        }
        return null;
      },
      { transaction: false },
    ); // one statement: atomic, and one round trip
  }

  async budget(): Promise<number | null> {
    return this.run(async (client) => {
      const { rows } = await client.query<{ budget: number | null }>(
        `SELECT budget FROM ${this.table("studies")} WHERE id = $1`,
        [this.studyId],
      );
      return rows[0]?.budget ?? null;
    });
  }

  async setBudget(budget: number): Promise<void> {
    this.writable();
    if (!Number.isInteger(budget) || budget < 0 || budget > 2 ** 31 - 1)
      throw new UserError(`budget must be a whole number >= 0, got ${budget}`);
    await this.run((client) =>
      client.query(`UPDATE ${this.table("studies")} SET budget = $1 WHERE id = $2`, [budget, this.studyId]),
    );
  }

  async importTrials(trials: readonly TrialRecord[]): Promise<void> {
    this.writable();
    checkImportableTrials(trials, this.location);
    const ordered = [...trials].sort((a, b) => a.number - b.number);
    await this.run(async (client) => {
      const { rows } = await client.query<{ trial_count: number }>(
        `SELECT trial_count FROM ${this.table("studies")} WHERE id = $1 FOR UPDATE`,
        [this.studyId],
      );
      if (rows[0].trial_count > 0)
        throw new UserError(
          `study ${this.location} already has ${rows[0].trial_count} trials: trials are imported only into an empty study`,
        );
      const chunk = 1000;
      for (let start = 0; start < ordered.length; start += chunk) {
        const part = ordered.slice(start, start + chunk);
        const columns = part.map((t) => ({ ...trialColumns(t), t }));
        await client.query(
          `INSERT INTO ${this.table("trials")} (study_id, number, params, state, objectives, constraints, metrics, seed, error,
             worker_id, attempts, started_at, finished_at, duration_ms, finish_xid)
           SELECT $1, u.* , CASE WHEN u.state = 'running' THEN NULL ELSE pg_current_xact_id() END
           FROM unnest($2::integer[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[],
             $9::text[], $10::text[], $11::integer[], $12::double precision[], $13::double precision[],
             $14::double precision[]) AS u(number, params, state, objectives, constraints, metrics, seed, error,
             worker_id, attempts, started_at, finished_at, duration_ms)`,
          [
            this.studyId,
            columns.map((c) => c.t.number),
            columns.map((c) => c.params),
            columns.map((c) => c.t.state),
            columns.map((c) => c.objectives),
            columns.map((c) => c.constraints),
            columns.map((c) => c.metrics),
            columns.map((c) => c.t.seed),
            columns.map((c) => c.t.error),
            columns.map((c) => c.t.workerId),
            columns.map((c) => c.t.attempts),
            columns.map((c) => c.t.startedAt),
            columns.map((c) => c.t.finishedAt),
            columns.map((c) => c.t.durationMs),
          ],
        );
      }
      await client.query(`UPDATE ${this.table("studies")} SET trial_count = $1 WHERE id = $2`, [
        ordered.length,
        this.studyId,
      ]);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end().catch(() => {});
  }

  // ---- opening ------------------------------------------------------------------------

  private async createOrJoin(
    client: pg.PoolClient,
    asked: StoredDefinition,
  ): Promise<{ id: number; stored: StoredDefinition }> {
    await checkServerVersion(client);
    const { schema } = this.where;
    // Check first: a newer or foreign layout is refused before anything is written.
    const before = await detectNamespace(client, schema);
    this.checkLayout(before);
    await lockNamespace(client, schema);
    const layout = await detectNamespace(client, schema); // another process may have acted meanwhile
    this.checkLayout(layout);
    if (layout.kind === "absent") await createTables(client, schema);
    else if (layout.kind === "store" && layout.version < POSTGRES_SCHEMA_VERSION)
      await migrateFrom(client, schema, layout.version);
    await client.query(
      `INSERT INTO ${this.table("studies")} (name, space, objectives, constraints, strategy, seed, strategy_options, metadata, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, ${NOW_MS}) ON CONFLICT (name) DO NOTHING`,
      [
        this.where.study,
        JSON.stringify(asked.space),
        JSON.stringify(asked.objectives),
        JSON.stringify(asked.constraints),
        asked.strategy,
        asked.seed,
        JSON.stringify(asked.strategyOptions),
        JSON.stringify(asked.metadata),
      ],
    );
    const row = await this.readStudy(client);
    if (!row) throw new Error(`study ${this.where.study} vanished while it was being created`);
    return row;
  }

  private async find(client: pg.PoolClient): Promise<{ id: number; stored: StoredDefinition }> {
    await checkServerVersion(client);
    const layout = await detectNamespace(client, this.where.schema);
    this.checkLayout(layout);
    if (layout.kind === "absent")
      throw new StudyNotFoundError(
        `study not found: ${this.location} (the database has no Equipoise studies in schema ${this.where.schema})`,
      );
    const row = await this.readStudy(client);
    if (row) return row;
    const { rows } = await client.query<{ name: string }>(
      `SELECT name FROM ${this.table("studies")} ORDER BY name LIMIT 6`,
    );
    const names = rows.map((r) => r.name);
    throw new StudyNotFoundError(
      `study not found: ${this.location} (${names.length === 0 ? "the database has no studies yet" : `its studies: ${names.slice(0, 5).join(", ")}${names.length > 5 ? ", ..." : ""}`})`,
    );
  }

  private checkLayout(layout: Awaited<ReturnType<typeof detectNamespace>>): void {
    if (layout.kind === "foreign") {
      throw new UserError(
        `schema ${this.where.schema} of the database at ${this.location} is not an Equipoise study store (${layout.why}); refusing to use it — name another with &schema=NAME`,
      );
    }
    if (layout.kind === "store" && layout.version > POSTGRES_SCHEMA_VERSION)
      throw newerSchemaError(this.location, layout.version, POSTGRES_SCHEMA_VERSION);
  }

  private async readStudy(client: pg.PoolClient): Promise<{ id: number; stored: StoredDefinition } | null> {
    const { rows } = await client.query<StudyRow>(`SELECT * FROM ${this.table("studies")} WHERE name = $1`, [
      this.where.study,
    ]);
    if (rows.length === 0) return null;
    const row = rows[0];
    return {
      id: row.id,
      stored: {
        space: JSON.parse(row.space),
        objectives: JSON.parse(row.objectives),
        constraints: JSON.parse(row.constraints),
        strategy: row.strategy,
        seed: row.seed,
        strategyOptions: JSON.parse(row.strategy_options),
        metadata: JSON.parse(row.metadata),
      },
    };
  }

  // ---- claims -------------------------------------------------------------------------
  //
  // A claim is optimistic first: two round trips, neither inside an explicit transaction
  // and neither holding a lock while the strategy proposes.
  // 1. One statement reads a snapshot: the study's trial count, whether any trial is
  //    orphaned, the running trials and the complete ones finished since this store's
  //    last read.
  // 2. `propose` runs on that snapshot, outside the database.
  // 3. One statement stores the trial only if the study's count is still the one the
  //    proposal saw: `UPDATE studies … WHERE trial_count = n` takes the study's row lock
  //    for that statement alone, and under READ COMMITTED a concurrent claim that
  //    committed first makes the condition false (the row is re-checked after the wait),
  //    so the insert does nothing. The budget is thus exact, numbers run 0..n-1, and no
  //    two stored proposals were made from the same view, as under a lock. The snapshot
  //    may still show as running a trial that finished before the insert: a proposal
  //    then treats a finished trial as pending, which a serial claim would not.
  // A conflict repeats 1–3 with a fresh snapshot (only the trials finished meanwhile are
  // read); after OPTIMISTIC_TRIES conflicts, or when an orphaned trial is to be retried,
  // the claim takes the study's lock and proposes under it (claimLocked), so a worker
  // with a slow proposal is never starved by faster ones.

  /** The orphaned-trial condition: running, not ours, and no live worker holds it. $1 study, $2 worker, $3 stale ms. */
  private orphaned(): string {
    return `t.study_id = $1 AND t.state = 'running' AND t.worker_id IS DISTINCT FROM $2
      AND NOT EXISTS (SELECT 1 FROM ${this.table("workers")} w
        WHERE w.study_id = t.study_id AND w.id = t.worker_id AND w.heartbeat_at >= ${NOW_MS} - $3)`;
  }

  /** A new trial from a snapshot, or why not: a conflict, or a retry that needs the locked path. */
  private async claimOptimistically(
    request: ClaimRequest,
  ): Promise<TrialClaim | null | "conflict" | "locked path"> {
    if (Date.now() - this.prunedAt >= PRUNE_INTERVAL_MS) {
      await this.run((client) => this.pruneDeadWorkers(client, request, request.workerId), {
        transaction: false,
      });
    }
    const snapshot = await this.run((client) => this.readSnapshot(client, request), { transaction: false });
    if (snapshot.orphans) return "locked path";
    if (snapshot.count >= request.budget) {
      await this.beat(request.workerId);
      return null;
    }
    const number = snapshot.count;
    const config = request.propose({ complete: snapshot.complete, running: snapshot.running, number });
    return (await this.insertIfUnchanged(request, number, config)) ?? "conflict";
  }

  /** Stores trial `number` if no other trial was claimed since the snapshot it was proposed from. */
  private insertIfUnchanged(
    request: ClaimRequest,
    number: number,
    config: Configuration,
  ): Promise<TrialClaim | null> {
    const token = randomUUID();
    const seed = trialSeed(this.stored.seed, number);
    return this.run(
      async (client, attempt) => {
        if (attempt > 0) {
          const mine = await this.claimedWith(client, token);
          if (mine) return mine;
        }
        const rows = await this.insertClaimed(
          client,
          "optimistic",
          number,
          config,
          seed,
          request.workerId,
          token,
        );
        return rows.length > 0 ? { id: rows[0].id, number, config, seed, attempts: 1 } : null;
      },
      { transaction: false },
    );
  }

  /**
   * One statement: counts the trial, inserts it and, for a member, proves its life.
   * An optimistic claim counts only if the count is still `number` (no claim since its
   * snapshot); a locked one holds the study's lock. Returns the new trial's id, or no row
   * when the optimistic count had moved.
   */
  private async insertClaimed(
    client: pg.PoolClient,
    kind: "optimistic" | "locked",
    number: number,
    config: Configuration,
    seed: number,
    workerId: string,
    token: string,
  ): Promise<{ id: number }[]> {
    const member = this.members.get(workerId);
    const condition = kind === "optimistic" ? "AND trial_count = $2" : "";
    const { rows } = await client.query<{ id: number }>({
      name: `claim_${kind === "optimistic" ? "" : "locked_"}insert${member ? "_beat" : ""}`,
      text: `WITH counted AS (
         UPDATE ${this.table("studies")} SET trial_count = trial_count + 1 WHERE id = $1 ${condition} RETURNING id),
       inserted AS (
         INSERT INTO ${this.table("trials")} (study_id, number, params, state, seed, worker_id, attempts, started_at, claim_token)
         SELECT $1, $2, $3, 'running', $4, $5, 1, ${NOW_MS}, $6 FROM counted RETURNING id)
       ${
         member
           ? `, beat AS (INSERT INTO ${this.table("workers")} (study_id, id, host, pid, heartbeat_at)
                VALUES ($1, $5, $7, $8, ${NOW_MS})
                ON CONFLICT (study_id, id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at)`
           : ""
       }
       SELECT id FROM inserted`,
      values: [
        this.studyId,
        number,
        JSON.stringify(config),
        seed,
        workerId,
        token,
        ...(member ? [member.host, member.pid] : []),
      ],
    });
    return rows;
  }

  /** The trial a claim with `token` took, if its transaction committed before its connection failed. */
  private async claimedWith(client: pg.PoolClient, token: string): Promise<TrialClaim | null> {
    const { rows } = await client.query<TrialRow>(
      `SELECT ${trialFields} FROM ${this.table("trials")} WHERE claim_token = $1`,
      [token],
    );
    return rows.length > 0 ? claimOf(toTrialRecord(rows[0])) : null;
  }

  /** A member's sign of life, for a claim that stored no new trial. */
  private async beat(workerId: string): Promise<void> {
    const member = this.members.get(workerId);
    if (member) await this.run((client) => this.upsertWorker(client, member), { transaction: false });
  }

  /**
   * The claim under the study's lock: an orphaned trial retried (or failed once out of
   * attempts), else a new trial proposed while the lock is held. Five round trips:
   * BEGIN; lock the study's row and the orphaned trials; read the view; write; COMMIT.
   */
  private claimLocked(request: ClaimRequest, token: string): Promise<TrialClaim | null> {
    return this.run(async (client, attempt) => {
      if (attempt > 0) {
        // The previous attempt may have committed before its connection failed.
        const mine = await this.claimedWith(client, token);
        if (mine) return mine;
      }
      if (Date.now() - this.prunedAt >= PRUNE_INTERVAL_MS) {
        await this.pruneDeadWorkers(client, request, request.workerId);
      }
      // The study's row lock orders the new trials of a study (exact budget, numbers
      // 0..n-1, no two proposals from one view); orphaned trials are taken with SKIP
      // LOCKED, so two workers never wait for, nor take, the same one.
      const { rows } = await client.query<{ trial_count: number; orphans: number[] | null }>(
        `WITH study AS (SELECT trial_count FROM ${this.table("studies")} WHERE id = $1 FOR UPDATE),
              orphans AS (SELECT t.id FROM ${this.table("trials")} t WHERE ${this.orphaned()}
                ORDER BY t.number FOR UPDATE OF t SKIP LOCKED)
         SELECT (SELECT trial_count FROM study) AS trial_count, (SELECT json_agg(id) FROM orphans) AS orphans`,
        [this.studyId, request.workerId, request.staleAfterMs],
      );
      const { trial_count: count, orphans } = rows[0];
      const claim =
        (orphans ? await this.retryOrphan(client, request, token, orphans) : null) ??
        (count < request.budget ? await this.claimNewTrial(client, request, token, count) : null);
      if (claim?.attempts !== 1) {
        // A new trial's statement proved life already; a retry or an empty claim does it here.
        const member = this.members.get(request.workerId);
        if (member) await this.upsertWorker(client, member);
      }
      return claim;
    });
  }

  /** Among the locked orphans, in number order: failed once out of attempts, else retried. */
  private async retryOrphan(
    client: pg.PoolClient,
    request: ClaimRequest,
    token: string,
    locked: number[],
  ): Promise<TrialClaim | null> {
    const trials = this.table("trials");
    // Check again with a fresh snapshot, now that the rows are ours: a worker that joined
    // after the first look may have taken one of these trials just before we locked it.
    const { rows } = await client.query<TrialRow>(
      `SELECT ${trialFields} FROM ${trials} t WHERE t.id = ANY($4) AND ${this.orphaned()} ORDER BY t.number`,
      [this.studyId, request.workerId, request.staleAfterMs, locked],
    );
    for (const row of rows) {
      const trial = toTrialRecord(row);
      if (!shouldRetry(trial, request.maxAttempts)) {
        await client.query(
          `UPDATE ${trials} SET state = 'failed', error = $2, finished_at = ${NOW_MS},
             duration_ms = CASE WHEN started_at IS NULL THEN NULL ELSE ${NOW_MS} - started_at END,
             finish_xid = pg_current_xact_id()
           WHERE id = $1`,
          [trial.id, outOfAttemptsError(trial)],
        );
        continue;
      }
      const { rows: taken } = await client.query<TrialRow>(
        `UPDATE ${trials} SET worker_id = $2, attempts = attempts + 1, started_at = ${NOW_MS}, claim_token = $3
         WHERE id = $1 RETURNING ${trialFields}`,
        [trial.id, request.workerId, token],
      );
      return claimOf(toTrialRecord(taken[0]));
    }
    return null;
  }

  /** Trial number `number` (the study's row is locked): proposed from the view, then stored. */
  private async claimNewTrial(
    client: pg.PoolClient,
    request: ClaimRequest,
    token: string,
    number: number,
  ): Promise<TrialClaim> {
    const { running, complete } = await this.readSnapshot(client, request);
    const config = request.propose({ complete, running, number });
    const seed = trialSeed(this.stored.seed, number);
    const rows = await this.insertClaimed(client, "locked", number, config, seed, request.workerId, token);
    return { id: rows[0].id, number, config, seed, attempts: 1 };
  }

  /**
   * One statement, so one snapshot: the study's trial count, whether a trial is
   * orphaned, the running trials, and every complete trial by number — reading only
   * those finished since the last call: those whose finishing transaction is at or
   * above the xmin of the previous read's snapshot (every transaction below it had
   * ended, so its trials were seen then).
   */
  private async readSnapshot(client: pg.PoolClient, request: ClaimRequest): Promise<Snapshot> {
    const { rows } = await client.query<
      TrialRow & { horizon: string; kind: string; trial_count: number; orphans: boolean }
    >({
      name: "claim_snapshot",
      text: this.snapshotSql(),
      // No horizon yet: every complete trial (xid8 0 is below every transaction id).
      // A plain range, so that the prepared statement's generic plan keeps the index.
      values: [this.studyId, request.workerId, request.staleAfterMs, this.horizon ?? "0"],
    });
    const running: TrialRecord[] = [];
    const finished: TrialRecord[] = [];
    for (const row of rows) {
      if (row.id === null) continue;
      if (row.kind === "running") running.push(toTrialRecord(row));
      else if (!this.completed.has(row.id)) finished.push(toTrialRecord(row));
    }
    this.completed.add(finished);
    const last = rows[rows.length - 1];
    this.horizon = last.horizon;
    running.sort((a, b) => a.number - b.number);
    return { count: last.trial_count, orphans: last.orphans, running, complete: this.completed.list() };
  }

  private snapshotSql(): string {
    const fields = trialFields.replaceAll(/(^|, )/g, "$1t.");
    const head = "h.horizon, h.trial_count, h.orphans";
    return `WITH h AS (
         SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon,
           (SELECT trial_count FROM ${this.table("studies")} WHERE id = $1) AS trial_count,
           EXISTS (SELECT 1 FROM ${this.table("trials")} t WHERE ${this.orphaned()}) AS orphans)
       SELECT ${head}, 'running' AS kind, ${fields} FROM h
         JOIN ${this.table("trials")} t ON t.study_id = $1 AND t.state = 'running'
       UNION ALL
       SELECT ${head}, 'complete' AS kind, ${fields} FROM h
         LEFT JOIN ${this.table("trials")} t ON t.study_id = $1 AND t.state = 'complete'
           AND t.finish_xid >= $4::xid8`;
  }

  // ---- workers ------------------------------------------------------------------------

  private async upsertWorker(client: pg.PoolClient, worker: WorkerIdentity): Promise<void> {
    await client.query(
      `INSERT INTO ${this.table("workers")} (study_id, id, host, pid, heartbeat_at) VALUES ($1, $2, $3, $4, ${NOW_MS})
       ON CONFLICT (study_id, id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
      [this.studyId, worker.id, worker.host, worker.pid],
    );
  }

  /** Removes the rows of dead workers (never `self`), each only if it did not beat meanwhile. */
  private async pruneDeadWorkers(
    client: pg.PoolClient,
    liveness: LivenessPolicy,
    self: string,
  ): Promise<void> {
    const { rows } = await client.query<WorkerRow & { now: number }>(
      `SELECT id, host, pid, heartbeat_at, ${NOW_MS} AS now FROM ${this.table("workers")} WHERE study_id = $1 ORDER BY id`,
      [this.studyId],
    );
    const dead = rows.filter(
      (row) => row.id !== self && !isWorkerAlive(toWorkerRecord(row), row.now, liveness),
    );
    if (dead.length > 0) {
      await client.query(
        `DELETE FROM ${this.table("workers")} w USING unnest($2::text[], $3::double precision[]) AS d(id, beat)
         WHERE w.study_id = $1 AND w.id = d.id AND w.heartbeat_at = d.beat`,
        [this.studyId, dead.map((r) => r.id), dead.map((r) => r.heartbeat_at)],
      );
    }
    this.prunedAt = Date.now();
  }

  // ---- plumbing -----------------------------------------------------------------------

  private table(name: "studies" | "trials" | "workers"): string {
    return `"${this.where.schema}".${name}`;
  }

  private writable(): void {
    if (this.readOnly) throw new UserError(`study ${this.location} was opened read-only`);
    if (this.closed) throw new UserError(`study ${this.location} is closed`);
  }

  /**
   * Runs `work` on one pooled connection (in a transaction unless told otherwise). A
   * connection failure is retried with back-off until the store's timeout; every
   * other error rolls the transaction back and is thrown, database errors as one line.
   */
  private async run<T>(
    work: (client: pg.PoolClient, attempt: number) => Promise<T>,
    options: RunOptions = {},
  ): Promise<T> {
    if (this.closed) throw new UserError(`study ${this.location} is closed`);
    const retry = options.retry ?? true;
    const transaction = options.transaction ?? true;
    const deadline = Date.now() + this.timeoutMs;
    let pause = 100;
    for (let attempt = 0; ; attempt++) {
      let client: pg.PoolClient | undefined;
      // A checked-out connection that breaks between two queries emits 'error', which
      // would end the process unheard: the next query on it fails instead.
      const ignore = () => {};
      try {
        client = await this.pool.connect();
        client.on("error", ignore);
        if (transaction) await client.query(this.readOnly ? "BEGIN READ ONLY" : "BEGIN");
        const result = await work(client, attempt);
        if (transaction) await client.query("COMMIT");
        client.off("error", ignore);
        client.release();
        return result;
      } catch (error) {
        const broken = isConnectionFailure(error);
        if (client) {
          if (!broken && transaction) await client.query("ROLLBACK").catch(() => {});
          client.off("error", ignore);
          client.release(broken ? (error as Error) : undefined);
        }
        if (!broken || options.opening) throw this.asUserError(error);
        if (!retry || this.closed) {
          throw new LostConnection(
            `lost the connection to the study's database at ${this.location} (${describeError(error)})`,
          );
        }
        if (Date.now() + pause > deadline) {
          throw new LostConnection(
            `lost the connection to the study's database at ${this.location} and could not reconnect within ${Math.round(this.timeoutMs / 1000)} s (${describeError(error)}); every trial finished so far is stored`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, pause));
        pause = Math.min(pause * 2, 5_000);
      }
    }
  }

  /** A database failure as one line naming the study; a bug (anything else) keeps its stack. */
  private asUserError(error: unknown): unknown {
    if (error instanceof UserError) return error;
    if (!(error instanceof pg.DatabaseError) && !isConnectionFailure(error) && !isTlsFailure(error))
      return error;
    const code = (error as { code?: string }).code ?? "";
    const user = this.where.connection.user ?? process.env.PGUSER ?? "(default user)";
    const database = this.where.connection.database ?? "(default database)";
    const at = this.location;
    if (code === "28P01" || code === "28000")
      return new UserError(
        `PostgreSQL refused the login of user '${user}' at ${at}: ${describeError(error)}`,
      );
    if (code === "3D000")
      return new UserError(`database '${database}' does not exist on the server of ${at}; create it first`);
    if (code === "42501")
      return new UserError(
        `user '${user}' lacks a privilege the study needs at ${at} (${describeError(error)}); a first open needs CREATE on the database, or an administrator can create schema ${this.where.schema} for it`,
      );
    if (code === "ECONNREFUSED")
      return new UserError(
        `cannot reach PostgreSQL at ${at}: connection refused (is the server running, and listening on that host and port?)`,
      );
    if (code === "ENOENT")
      return new UserError(
        `cannot reach PostgreSQL at ${at}: no server socket in that directory (is the server running, on that port?)`,
      );
    if (code === "ENOTFOUND" || code === "EAI_AGAIN")
      return new UserError(`cannot reach PostgreSQL at ${at}: host name not found`);
    if (isTlsFailure(error)) return new UserError(`TLS connection to ${at} failed: ${describeError(error)}`);
    return new UserError(`study ${at}: ${describeError(error)}`);
  }
}

/** The server stayed unreachable for the whole timeout. */
class LostConnection extends UserError {
  override name = "LostConnection";
}

async function checkServerVersion(client: pg.PoolClient): Promise<void> {
  const { rows } = await client.query<{ server_version_num: string }>("SHOW server_version_num");
  const version = Number(rows[0].server_version_num);
  if (version < MINIMUM_SERVER_VERSION) {
    throw new UserError(
      `PostgreSQL ${Math.floor(version / 10000)} is too old for Equipoise studies: version 13 or later is needed`,
    );
  }
}

const connectionCodes = new Set([
  "ECONNREFUSED",
  "ENOENT", // no socket file in the Unix-socket directory: the server is not running
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "57P01", // admin_shutdown: the server is stopping
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now: starting up or shutting down
  "53300", // too_many_connections
  "40001", // serialization_failure: transient, the transaction can run again
  "40P01", // deadlock_detected: likewise
]);

/** The connection (not the request) failed: the operation may succeed on a new connection. */
function isConnectionFailure(error: unknown): boolean {
  if (error instanceof LostConnection) return false;
  const code = (error as { code?: string } | null)?.code ?? "";
  if (connectionCodes.has(code) || code.startsWith("08")) return true;
  const message = (error as Error | null)?.message ?? "";
  return /Connection terminated|not queryable|Query read timeout|timeout expired|timeout exceeded when trying to connect|connection timeout/i.test(
    message,
  );
}

function isTlsFailure(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code ?? "";
  const message = (error as Error | null)?.message ?? "";
  return (
    /^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO|ERR_OSSL)/.test(code) ||
    /does not support SSL|certificate|SSL/i.test(message)
  );
}

function describeError(error: unknown): string {
  const message = ((error as Error)?.message ?? String(error)).split("\n")[0];
  const code = (error as { code?: string })?.code;
  return code && !message.includes(code) ? `${message} [${code}]` : message;
}

const trialFields =
  "id, number, params, state, objectives, constraints, metrics, seed, error, worker_id, attempts, started_at, finished_at, duration_ms";

interface StudyRow {
  id: number;
  space: string;
  objectives: string;
  constraints: string;
  strategy: string;
  seed: number;
  strategy_options: string;
  metadata: string;
}

interface WorkerRow {
  id: string;
  host: string;
  pid: number;
  heartbeat_at: number;
}

function toWorkerRecord(row: WorkerRow): WorkerRecord {
  return { id: row.id, host: row.host, pid: row.pid, heartbeatAt: row.heartbeat_at };
}
