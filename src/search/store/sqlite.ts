/**
 * The embedded study store: one SQLite file (better-sqlite3) per study, shared by
 * any number of processes on one machine (or a network file system with working
 * locks). All of a study's SQL lives here.
 *
 * better-sqlite3 is synchronous: every method does its work before it returns its
 * (already settled) Promise, so the several async lanes of one process never see a
 * transaction half done, and a method called from an 'exit' handler still completes.
 *
 * Durability and concurrency: WAL journal, a busy timeout, and every claim in a
 * BEGIN IMMEDIATE transaction (the write lock is taken before anything is read, so
 * two processes can never compute the same next number). A finished trial is
 * committed before the next one is claimed, so killing a process at any moment loses
 * at most the trials it was running.
 */
import { accessSync, constants, existsSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
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
import {
  asUserError,
  checkStudyFileBytes,
  createStudyFileAtomically,
  inspectStudyFile,
  openForReading,
  requireStudyLayout,
} from "./sqlite-file.js";
import { createSchema, detectLayout, LEGACY_FORMAT, migrateFrom, SCHEMA_VERSION } from "./sqlite-schema.js";
import {
  INSERT_IMPORTED_TRIAL,
  importedTrialRow,
  numbersToJson,
  type TrialRow,
  toTrialRecord as toRecord,
} from "./trial-row.js";
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

const MEMORY = ":memory:";

export class SqliteStudyStore implements StudyStore {
  /** Identities registered through this connection, so a heartbeat can restore a row pruned by mistake. */
  private readonly members = new Map<string, WorkerIdentity>();
  /** Complete trials read so far (complete is final). */
  private readonly completed = new CompleteTrials();
  /** What the next read of complete trials must look at (completedSince). */
  private readUpTo: { maxId: number; running: number[] } = { maxId: 0, running: [] };

  private constructor(
    readonly location: string,
    private readonly db: Database.Database,
    private readonly stored: StoredDefinition,
    readonly readOnly: boolean,
  ) {}

  /** Creates or reopens (definition checked) the study at `path`, or opens it read-only. */
  static async open(path: string, options: OpenStudyOptions): Promise<SqliteStudyStore> {
    const timeout = options.timeoutMs ?? 60_000;
    if (options.readOnly) return SqliteStudyStore.openReadOnly(path, timeout);
    const asked = normalizeDefinition(options.definition);
    if (path === MEMORY) {
      const db = new Database(MEMORY);
      db.transaction(() => {
        createSchema(db);
        insertDefinition(db, asked);
      })();
      return new SqliteStudyStore(path, db, asked, false);
    }
    if (!existsSync(path)) {
      createStudyFileAtomically(path, (db) =>
        db.transaction(() => {
          createSchema(db);
          insertDefinition(db, asked);
        })(),
      );
    }
    // Check first (read-only), write after.
    const version = inspectStudyFile(path);
    if (version > SCHEMA_VERSION) throw newerSchema(path, version);
    checkWritable(path);
    let db: Database.Database;
    try {
      db = new Database(path, { fileMustExist: true, timeout });
    } catch (error) {
      throw asUserError(error, path);
    }
    try {
      db.pragma("journal_mode = WAL");
      // With WAL, NORMAL keeps every committed transaction across a process crash
      // (only an OS crash or a power loss can lose the last ones).
      db.pragma("synchronous = NORMAL");
      const stored = db
        .transaction(() => {
          // Under the write lock: another process may have migrated meanwhile.
          const current = requireStudyLayout(detectLayout(db), path);
          if (current > SCHEMA_VERSION) throw newerSchema(path, current);
          if (current < SCHEMA_VERSION) migrateFrom(db, current);
          return readDefinition(db, path);
        })
        .immediate();
      checkSameDefinition(stored, asked, path);
      return new SqliteStudyStore(path, db, stored, false);
    } catch (error) {
      db.close();
      throw asUserError(error, path);
    }
  }

  private static openReadOnly(path: string, timeout: number): SqliteStudyStore {
    if (path === MEMORY) throw new UserError("an in-memory study cannot be opened read-only");
    if (!existsSync(path)) throw new StudyNotFoundError(`study file not found: ${path}`);
    checkStudyFileBytes(path);
    const db = openForReading(path, timeout);
    try {
      const version = requireStudyLayout(detectLayout(db), path);
      // Older versions only lack additions (sqlite-schema.ts), so they are read as they are.
      if (version > SCHEMA_VERSION) throw newerSchema(path, version);
      db.pragma("query_only = ON");
      return new SqliteStudyStore(path, db, readDefinition(db, path), true);
    } catch (error) {
      db.close();
      throw asUserError(error, path);
    }
  }

  async schemaVersion(): Promise<number> {
    return this.guard(() => {
      const layout = detectLayout(this.db);
      return layout.kind === "study" ? layout.version : 0;
    });
  }

  async definition(): Promise<StoredDefinition> {
    return structuredClone(this.stored);
  }

  async metadata(): Promise<Record<string, unknown>> {
    return structuredClone(this.stored.metadata);
  }

  async trials(states?: readonly TrialState[]): Promise<TrialRecord[]> {
    return this.guard(() => this.selectTrials(states));
  }

  async registerWorker(worker: WorkerIdentity, liveness: LivenessPolicy): Promise<void> {
    this.writable();
    this.members.set(worker.id, worker);
    this.guard(() =>
      this.db
        .transaction(() => {
          const now = Date.now();
          this.pruneDeadWorkers(now, liveness, worker.id);
          this.upsertWorker(worker, now);
        })
        .immediate(),
    );
  }

  async heartbeat(workerId: string): Promise<void> {
    this.writable();
    const member = this.members.get(workerId);
    this.guard(() => {
      const now = Date.now();
      const { changes } = this.db
        .prepare("UPDATE workers SET heartbeat_at = ? WHERE id = ?")
        .run(now, workerId);
      if (changes === 0 && member) this.upsertWorker(member, now);
    });
  }

  async unregisterWorker(workerId: string): Promise<void> {
    if (this.readOnly || !this.db.open) return;
    this.members.delete(workerId);
    this.guard(() => this.db.prepare("DELETE FROM workers WHERE id = ?").run(workerId));
  }

  async workers(): Promise<WorkerRecord[]> {
    return this.guard(() =>
      (this.db.prepare("SELECT * FROM workers ORDER BY id").all() as WorkerRow[]).map(toWorkerRecord),
    );
  }

  async claimTrial(request: ClaimRequest): Promise<TrialClaim | null> {
    this.writable();
    checkClaimRequest(request);
    return this.guard(() => {
      for (let tries = 0; tries < OPTIMISTIC_TRIES; tries++) {
        const outcome = this.claimOptimistically(request);
        if (outcome === "locked path") break;
        if (outcome !== "conflict") return outcome;
      }
      return this.claimLocked(request);
    });
  }

  async finishTrial(trialId: number, workerId: string, result: TrialResult): Promise<TrialRecord | null> {
    this.writable();
    if (result.state === "complete" && !result.objectives)
      throw new RangeError("a complete trial needs its objective values");
    return this.guard(() => {
      const finished = Date.now();
      const { changes } = this.db
        .prepare(
          `UPDATE trials SET state = ?, objectives = ?, constraints = ?, metrics = ?, error = ?, finished_at = ?, duration_ms = ?
           WHERE id = ? AND worker_id = ? AND state = 'running'`,
        )
        .run(
          result.state,
          result.objectives ? numbersToJson(result.objectives) : null,
          result.constraints ? numbersToJson(result.constraints) : null,
          result.metrics ? toJson(result.metrics) : null,
          result.error ?? null,
          finished,
          finished - result.startedAt,
          trialId,
          workerId,
        );
      if (changes === 0) return null;
      return toRecord(this.db.prepare("SELECT * FROM trials WHERE id = ?").get(trialId) as TrialRow);
    });
  }

  async budget(): Promise<number | null> {
    return this.guard(() => {
      // Studies before schema version 3 (read as they are when opened read-only) have no budget.
      const columns = this.db.prepare("SELECT name FROM pragma_table_info('study')").all() as {
        name: string;
      }[];
      if (!columns.some((c) => c.name === "budget")) return null;
      const row = this.db.prepare("SELECT budget FROM study WHERE id = 1").get() as { budget: number | null };
      return row.budget;
    });
  }

  async setBudget(budget: number): Promise<void> {
    this.writable();
    if (!Number.isInteger(budget) || budget < 0)
      throw new UserError(`budget must be a whole number >= 0, got ${budget}`);
    this.guard(() => this.db.prepare("UPDATE study SET budget = ? WHERE id = 1").run(budget));
  }

  async importTrials(trials: readonly TrialRecord[]): Promise<void> {
    this.writable();
    checkImportableTrials(trials, this.location);
    this.guard(() =>
      this.db
        .transaction(() => {
          const { count } = this.db.prepare("SELECT COUNT(*) AS count FROM trials").get() as {
            count: number;
          };
          if (count > 0)
            throw new UserError(
              `study ${this.location} already has ${count} trials: trials are imported only into an empty study`,
            );
          const insert = this.db.prepare(INSERT_IMPORTED_TRIAL);
          for (const trial of [...trials].sort((a, b) => a.number - b.number))
            insert.run(...importedTrialRow(trial));
        })
        .immediate(),
    );
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  // ---- claims --------------------------------------------------------------------------
  //
  // As in the PostgreSQL store (postgres.ts, "claims"): a snapshot is read in a read
  // transaction (WAL: it waits for no writer), `propose` runs with no lock held, and a
  // short BEGIN IMMEDIATE transaction stores the trial only if the study still has the
  // number of trials the proposal saw. Processes sharing the file thus propose in
  // parallel; a conflict proposes again from a fresh snapshot, and repeated conflicts or
  // a dead worker's trial take the claim under the write lock (claimLocked). The lanes
  // of one process never conflict: better-sqlite3 is synchronous, so a claim runs whole.

  private claimOptimistically(request: ClaimRequest): TrialClaim | null | "conflict" | "locked path" {
    const { workerId, budget } = request;
    const snapshot = this.db.transaction(() => this.readSnapshot(request))();
    if (snapshot.orphans) return "locked path";
    const member = this.members.get(workerId);
    if (snapshot.count >= budget) {
      if (member) this.upsertWorker(member, Date.now());
      return null;
    }
    const number = snapshot.count;
    const config = request.propose({ complete: snapshot.complete, running: snapshot.running, number });
    return this.db
      .transaction((): TrialClaim | "conflict" => {
        if (this.trialCount() !== number) return "conflict";
        const now = Date.now();
        if (member) this.upsertWorker(member, now);
        return this.insertTrial(workerId, number, config, now);
      })
      .immediate();
  }

  /** The claim under the write lock: a dead worker's trial retried (or failed once out of attempts), else a new one. */
  private claimLocked(request: ClaimRequest): TrialClaim | null {
    const { workerId, budget, maxAttempts } = request;
    return this.db
      .transaction((): TrialClaim | null => {
        const now = Date.now();
        const member = this.members.get(workerId);
        if (member) this.upsertWorker(member, now);
        this.pruneDeadWorkers(now, request, workerId);
        const live = new Set(
          (this.db.prepare("SELECT id FROM workers").all() as { id: string }[]).map((w) => w.id),
        );
        for (const trial of this.selectTrials(["running"])) {
          if (trial.workerId === workerId || (trial.workerId !== null && live.has(trial.workerId))) continue;
          if (!shouldRetry(trial, maxAttempts)) {
            this.db
              .prepare(
                "UPDATE trials SET state = 'failed', error = ?, finished_at = ?, duration_ms = ? WHERE id = ?",
              )
              .run(
                outOfAttemptsError(trial),
                now,
                trial.startedAt === null ? null : now - trial.startedAt,
                trial.id,
              );
            continue;
          }
          this.db
            .prepare("UPDATE trials SET worker_id = ?, attempts = attempts + 1, started_at = ? WHERE id = ?")
            .run(workerId, now, trial.id);
          return claimOf({ ...trial, attempts: trial.attempts + 1 });
        }
        const snapshot = this.readSnapshot(request);
        if (snapshot.count >= budget) return null;
        const number = snapshot.count;
        const config = request.propose({ complete: snapshot.complete, running: snapshot.running, number });
        return this.insertTrial(workerId, number, config, now);
      })
      .immediate();
  }

  /**
   * Inside the caller's transaction: the number of trials, whether a running trial has
   * no live worker, the running trials, and the complete ones — reading only those not
   * read before (completedSince).
   */
  private readSnapshot(request: ClaimRequest): Snapshot {
    const now = Date.now();
    const workers = new Map(
      (this.db.prepare("SELECT * FROM workers").all() as WorkerRow[]).map((row) => [
        row.id,
        toWorkerRecord(row),
      ]),
    );
    const running = this.selectTrials(["running"]);
    const orphans = running.some((trial) => {
      if (trial.workerId === request.workerId) return false;
      const holder = trial.workerId === null ? undefined : workers.get(trial.workerId);
      return holder === undefined || !isWorkerAlive(holder, now, request);
    });
    const count = this.trialCount();
    this.completed.add(this.completedSince(running));
    return { count, orphans, running, complete: this.completed.list() };
  }

  /**
   * The complete trials this store has not read yet. A trial's state changes only while
   * it runs, and ids only grow (AUTOINCREMENT, one writer at a time), so a trial
   * completed since the previous read was either running then or not there yet (an id
   * above the largest then). Records what the next read must look at; inside the
   * caller's transaction, so one snapshot.
   */
  private completedSince(running: readonly TrialRecord[]): TrialRecord[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM trials WHERE id > ? AND state = 'complete'
         UNION ALL
         SELECT * FROM trials WHERE id IN (SELECT value FROM json_each(?)) AND state = 'complete'`,
      )
      .all(this.readUpTo.maxId, JSON.stringify(this.readUpTo.running)) as TrialRow[];
    const { maxId } = this.db.prepare("SELECT COALESCE(MAX(id), 0) AS maxId FROM trials").get() as {
      maxId: number;
    };
    this.readUpTo = { maxId, running: running.map((trial) => trial.id) };
    return rows.map(toRecord);
  }

  /** Trials are numbered 0..n-1 (claimed only under the write lock, imported only whole). */
  private trialCount(): number {
    const { next } = this.db.prepare("SELECT COALESCE(MAX(number) + 1, 0) AS next FROM trials").get() as {
      next: number;
    };
    return next;
  }

  private insertTrial(workerId: string, number: number, config: Configuration, now: number): TrialClaim {
    const seed = trialSeed(this.stored.seed, number);
    const { lastInsertRowid } = this.db
      .prepare(
        "INSERT INTO trials (number, params, state, seed, worker_id, attempts, started_at) VALUES (?, ?, 'running', ?, ?, 1, ?)",
      )
      .run(number, JSON.stringify(config), seed, workerId, now);
    return { id: Number(lastInsertRowid), number, config, seed, attempts: 1 };
  }

  // ---- internals -----------------------------------------------------------------------

  private writable(): void {
    if (this.readOnly) throw new UserError(`study ${this.location} was opened read-only`);
    if (!this.db.open) throw new UserError(`study ${this.location} is closed`);
  }

  /** Database failures (locked, read-only, corrupt) become one line naming the study; anything else is a bug. */
  private guard<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (error instanceof Database.SqliteError) throw asUserError(error, this.location);
      throw error;
    }
  }

  private selectTrials(states?: readonly TrialState[]): TrialRecord[] {
    const rows =
      states && states.length > 0
        ? (this.db
            .prepare(
              `SELECT * FROM trials WHERE state IN (${states.map(() => "?").join(", ")}) ORDER BY number`,
            )
            .all(...states) as TrialRow[])
        : (this.db.prepare("SELECT * FROM trials ORDER BY number").all() as TrialRow[]);
    return rows.map(toRecord);
  }

  private upsertWorker(worker: WorkerIdentity, now: number): void {
    this.db
      .prepare(
        `INSERT INTO workers (id, host, pid, heartbeat_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
      )
      .run(worker.id, worker.host, worker.pid, now);
  }

  /** Removes the rows of dead workers (never `self`): a killed process leaves none behind for long. */
  private pruneDeadWorkers(now: number, liveness: LivenessPolicy, self: string): void {
    const rows = this.db.prepare("SELECT * FROM workers").all() as WorkerRow[];
    const remove = this.db.prepare("DELETE FROM workers WHERE id = ?");
    for (const row of rows) {
      if (row.id !== self && !isWorkerAlive(toWorkerRecord(row), now, liveness)) remove.run(row.id);
    }
  }
}

/**
 * SQLite opens a file it cannot write read-only without saying so, and needs the
 * directory for its -wal and -shm companions: both are checked up front.
 */
function checkWritable(path: string): void {
  for (const [target, what] of [
    [path, "the file"],
    [dirname(path), `its directory ${dirname(path)}`],
  ] as const) {
    try {
      accessSync(target, constants.W_OK);
    } catch {
      throw new UserError(
        `cannot add trials to study ${path}: ${what} is read-only (a report can still read it)`,
      );
    }
  }
}

function newerSchema(path: string, version: number): UserError {
  return newerSchemaError(path, version, SCHEMA_VERSION);
}

function insertDefinition(db: Database.Database, definition: StoredDefinition): void {
  db.prepare(
    `INSERT INTO study (id, format, space, objectives, constraints, strategy, seed, strategy_options, metadata, created_at)
     VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    LEGACY_FORMAT,
    JSON.stringify(definition.space),
    JSON.stringify(definition.objectives),
    JSON.stringify(definition.constraints),
    definition.strategy,
    definition.seed,
    JSON.stringify(definition.strategyOptions),
    JSON.stringify(definition.metadata),
    Date.now(),
  );
}

interface StudyRow {
  space: string;
  objectives: string;
  constraints: string;
  strategy: string;
  seed: number;
  strategy_options: string;
  metadata: string;
}

function readDefinition(db: Database.Database, path: string): StoredDefinition {
  const row = db.prepare("SELECT * FROM study WHERE id = 1").get() as StudyRow | undefined;
  if (!row) throw new UserError(`${path} is not an Equipoise study (no study record)`);
  return {
    space: JSON.parse(row.space),
    objectives: JSON.parse(row.objectives),
    constraints: JSON.parse(row.constraints),
    strategy: row.strategy,
    seed: row.seed,
    strategyOptions: JSON.parse(row.strategy_options),
    metadata: JSON.parse(row.metadata),
  };
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
