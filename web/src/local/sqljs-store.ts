/**
 * A study store in the browser: SQLite compiled to WebAssembly (sql.js), in
 * memory, with the same tables as a study file (src/search/store/sqlite-schema.ts
 * creates and checks them), so that the bytes it exports ARE a study file —
 * downloaded, `equipoise report --study` and `equipoise serve --study` read it.
 * The page persists those bytes (IndexedDB) after every write, so a reload
 * resumes the study.
 *
 * One page works on a study at a time (it holds a Web Lock on it), so liveness is
 * simple: a worker row left by an earlier page (closed, reloaded) is dead, and its
 * running trials are retried with the same number, parameters and seed, as the
 * file store retries those of a killed process.
 */
import type { Database as SqlJsDatabase, SqlJsStatic, SqlValue } from "sql.js";
import { UserError } from "../../../src/common/errors.js";
import { decodeJsonNumber, encodeJsonNumber, toJson } from "../../../src/common/json.js";
import { checkSameDefinition, normalizeDefinition, trialSeed } from "../../../src/search/store/definition.js";
import { checkImportableTrials } from "../../../src/search/store/import.js";
import {
  createSchema,
  detectLayout,
  LEGACY_FORMAT,
  migrateFrom,
  SCHEMA_VERSION,
} from "../../../src/search/store/sqlite-schema.js";
import { INSERT_IMPORTED_TRIAL, importedTrialRow } from "../../../src/search/store/trial-row.js";
import type {
  ClaimRequest,
  LivenessPolicy,
  StoredDefinition,
  StudyDefinition,
  StudyStore,
  TrialClaim,
  TrialRecord,
  TrialResult,
  TrialState,
  WorkerIdentity,
  WorkerRecord,
} from "../../../src/search/store/types.js";

type Row = Record<string, SqlValue>;

/**
 * The part of better-sqlite3's interface that sqlite-schema.ts uses, over sql.js,
 * so that the browser creates and checks exactly the tables a study file has.
 */
class Connection {
  constructor(readonly db: SqlJsDatabase) {}
  exec(sql: string): void {
    this.db.exec(sql);
  }
  prepare(sql: string) {
    const db = this.db;
    const rows = (params: SqlValue[]): Row[] => {
      const statement = db.prepare(sql);
      try {
        statement.bind(params);
        const out: Row[] = [];
        while (statement.step()) out.push(statement.getAsObject());
        return out;
      } finally {
        statement.free();
      }
    };
    return {
      run: (...params: SqlValue[]) => {
        db.run(sql, params);
        const id = db.exec("SELECT last_insert_rowid() AS id")[0]?.values[0][0];
        return { changes: db.getRowsModified(), lastInsertRowid: Number(id ?? 0) };
      },
      get: (...params: SqlValue[]) => rows(params)[0],
      all: (...params: SqlValue[]) => rows(params),
    };
  }
  /** Runs `work` in one transaction (rolled back if it throws). */
  transaction<T>(work: () => T): T {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const result = work();
      this.db.exec("COMMIT");
      return result;
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
  }
}

// sqlite-schema.ts is typed with better-sqlite3's Database; the connection has the members it uses.
type SchemaDatabase = Parameters<typeof createSchema>[0];
const asSchemaDb = (connection: Connection) => connection as unknown as SchemaDatabase;

export class SqlJsStudyStore implements StudyStore {
  readonly readOnly = false;
  /** Called after every write, e.g. to persist the bytes. */
  onWrite: (() => void) | undefined;
  private readonly members = new Map<string, WorkerIdentity>();
  private closed = false;

  private constructor(
    readonly location: string,
    private readonly connection: Connection,
    private readonly stored: StoredDefinition,
  ) {}

  /** A new study, or (with `bytes`) a stored one reopened after checking it has this definition. */
  static open(
    SQL: SqlJsStatic,
    location: string,
    definition: StudyDefinition,
    bytes?: Uint8Array,
  ): SqlJsStudyStore {
    const asked = normalizeDefinition(definition);
    let db: SqlJsDatabase;
    try {
      db = new SQL.Database(bytes ?? null);
    } catch (error) {
      throw new UserError(`${location} is not a readable study (${(error as Error).message})`);
    }
    const connection = new Connection(db);
    try {
      let layout: ReturnType<typeof detectLayout>;
      try {
        layout = detectLayout(asSchemaDb(connection));
      } catch (error) {
        // sql.js reads lazily: bytes that are not SQLite fail at the first query.
        throw new UserError(`${location} is not a readable study (${(error as Error).message})`);
      }
      if (layout.kind === "empty") {
        if (bytes && bytes.length > 0) throw new UserError(`${location} is an empty database, not a study`);
        connection.transaction(() => {
          createSchema(asSchemaDb(connection));
          insertDefinition(connection, asked);
        });
        return new SqlJsStudyStore(location, connection, asked);
      }
      if (layout.kind === "foreign")
        throw new UserError(`${location} is not an Equipoise study (${layout.why})`);
      if (layout.version > SCHEMA_VERSION) {
        throw new UserError(
          `${location} was written by a newer Equipoise (schema version ${layout.version})`,
        );
      }
      if (layout.version < SCHEMA_VERSION)
        connection.transaction(() => migrateFrom(asSchemaDb(connection), layout.version));
      const stored = readDefinition(connection, location);
      checkSameDefinition(stored, asked, location);
      return new SqlJsStudyStore(location, connection, stored);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** The study as the bytes of an SQLite file. */
  exportBytes(): Uint8Array {
    return this.connection.db.export();
  }

  async schemaVersion(): Promise<number> {
    const layout = detectLayout(asSchemaDb(this.connection));
    return layout.kind === "study" ? layout.version : 0;
  }

  async definition(): Promise<StoredDefinition> {
    return structuredClone(this.stored);
  }

  async metadata(): Promise<Record<string, unknown>> {
    return structuredClone(this.stored.metadata);
  }

  async trials(states?: readonly TrialState[]): Promise<TrialRecord[]> {
    return this.selectTrials(states);
  }

  async registerWorker(worker: WorkerIdentity, _liveness: LivenessPolicy): Promise<void> {
    this.writable();
    this.members.set(worker.id, worker);
    this.connection.transaction(() => {
      // Rows of earlier pages are dead: this page holds the study's lock.
      for (const row of this.connection.prepare("SELECT id FROM workers").all()) {
        if (!this.members.has(String(row.id)))
          this.connection.prepare("DELETE FROM workers WHERE id = ?").run(row.id);
      }
      this.upsertWorker(worker, Date.now());
    });
    this.written();
  }

  async heartbeat(workerId: string): Promise<void> {
    this.writable();
    const member = this.members.get(workerId);
    if (member) this.upsertWorker(member, Date.now());
  }

  async unregisterWorker(workerId: string): Promise<void> {
    if (this.closed) return;
    this.members.delete(workerId);
    this.connection.prepare("DELETE FROM workers WHERE id = ?").run(workerId);
    this.written();
  }

  async workers(): Promise<WorkerRecord[]> {
    return this.connection
      .prepare("SELECT * FROM workers ORDER BY id")
      .all()
      .map((row) => ({
        id: String(row.id),
        host: String(row.host),
        pid: Number(row.pid),
        heartbeatAt: Number(row.heartbeat_at),
      }));
  }

  async claimTrial(request: ClaimRequest): Promise<TrialClaim | null> {
    this.writable();
    const { workerId, budget, maxAttempts } = request;
    if (!Number.isInteger(budget) || budget < 0)
      throw new UserError(`budget must be a whole number >= 0, got ${budget}`);
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
      throw new UserError(`maxAttempts must be a whole number >= 1, got ${maxAttempts}`);
    const claim = this.connection.transaction((): TrialClaim | null => {
      const now = Date.now();
      const live = new Set(
        this.connection
          .prepare("SELECT id FROM workers")
          .all()
          .map((r) => String(r.id)),
      );
      const running: TrialRecord[] = [];
      for (const trial of this.selectTrials(["running"])) {
        if (trial.workerId === workerId || (trial.workerId !== null && live.has(trial.workerId))) {
          running.push(trial);
        } else if (trial.attempts >= maxAttempts) {
          this.connection
            .prepare(
              "UPDATE trials SET state = 'failed', error = ?, finished_at = ?, duration_ms = ? WHERE id = ?",
            )
            .run(
              `its page was closed during each of its ${trial.attempts} attempt(s)`,
              now,
              trial.startedAt === null ? null : now - trial.startedAt,
              trial.id,
            );
        } else {
          this.connection
            .prepare("UPDATE trials SET worker_id = ?, attempts = attempts + 1, started_at = ? WHERE id = ?")
            .run(workerId, now, trial.id);
          return {
            id: trial.id,
            number: trial.number,
            config: trial.config,
            seed: trial.seed,
            attempts: trial.attempts + 1,
          };
        }
      }
      const count = Number(this.connection.prepare("SELECT COUNT(*) AS count FROM trials").get()?.count ?? 0);
      if (count >= budget) return null;
      const number = count;
      const config = request.propose({ complete: this.selectTrials(["complete"]), running, number });
      const seed = trialSeed(this.stored.seed, number);
      const { lastInsertRowid } = this.connection
        .prepare(
          "INSERT INTO trials (number, params, state, seed, worker_id, attempts, started_at) VALUES (?, ?, 'running', ?, ?, 1, ?)",
        )
        .run(number, JSON.stringify(config), seed, workerId, now);
      return { id: lastInsertRowid, number, config, seed, attempts: 1 };
    });
    this.written();
    return claim;
  }

  async finishTrial(trialId: number, workerId: string, result: TrialResult): Promise<TrialRecord | null> {
    this.writable();
    if (result.state === "complete" && !result.objectives)
      throw new RangeError("a complete trial needs its objective values");
    const finished = Date.now();
    const { changes } = this.connection
      .prepare(
        `UPDATE trials SET state = ?, objectives = ?, constraints = ?, metrics = ?, error = ?, finished_at = ?, duration_ms = ?
         WHERE id = ? AND worker_id = ? AND state = 'running'`,
      )
      .run(
        result.state,
        result.objectives ? JSON.stringify(result.objectives.map(encodeJsonNumber)) : null,
        result.constraints ? JSON.stringify(result.constraints.map(encodeJsonNumber)) : null,
        result.metrics ? toJson(result.metrics) : null,
        result.error ?? null,
        finished,
        finished - result.startedAt,
        trialId,
        workerId,
      );
    if (changes === 0) return null;
    this.written();
    const row = this.connection.prepare("SELECT * FROM trials WHERE id = ?").get(trialId);
    return row ? toRecord(row) : null;
  }

  async budget(): Promise<number | null> {
    const row = this.connection.prepare("SELECT budget FROM study WHERE id = 1").get() as
      | { budget: number | null }
      | undefined;
    return row?.budget ?? null;
  }

  async setBudget(budget: number): Promise<void> {
    this.writable();
    if (!Number.isInteger(budget) || budget < 0)
      throw new UserError(`budget must be a whole number >= 0, got ${budget}`);
    this.connection.prepare("UPDATE study SET budget = ? WHERE id = 1").run(budget);
    this.written();
  }

  /** Trials of another study copied into this empty one (as `study copy` does for files). */
  async importTrials(trials: readonly TrialRecord[]): Promise<void> {
    this.writable();
    checkImportableTrials(trials, "the browser study");
    this.connection.transaction(() => {
      const { count } = this.connection.prepare("SELECT COUNT(*) AS count FROM trials").get() as {
        count: number;
      };
      if (count > 0)
        throw new UserError(
          `the browser study already has ${count} trials: trials are imported only into an empty study`,
        );
      const insert = this.connection.prepare(INSERT_IMPORTED_TRIAL);
      for (const trial of [...trials].sort((a, b) => a.number - b.number))
        insert.run(...importedTrialRow(trial));
    });
    this.written();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.connection.db.close();
  }

  private written(): void {
    this.onWrite?.();
  }

  private writable(): void {
    if (this.closed) throw new UserError(`study ${this.location} is closed`);
  }

  private selectTrials(states?: readonly TrialState[]): TrialRecord[] {
    const rows =
      states && states.length > 0
        ? this.connection
            .prepare(
              `SELECT * FROM trials WHERE state IN (${states.map(() => "?").join(", ")}) ORDER BY number`,
            )
            .all(...states)
        : this.connection.prepare("SELECT * FROM trials ORDER BY number").all();
    return rows.map(toRecord);
  }

  private upsertWorker(worker: WorkerIdentity, now: number): void {
    this.connection
      .prepare(
        `INSERT INTO workers (id, host, pid, heartbeat_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
      )
      .run(worker.id, worker.host, worker.pid, now);
  }
}

function insertDefinition(connection: Connection, definition: StoredDefinition): void {
  connection
    .prepare(
      `INSERT INTO study (id, format, space, objectives, constraints, strategy, seed, strategy_options, metadata, created_at)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
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

function readDefinition(connection: Connection, location: string): StoredDefinition {
  const row = connection.prepare("SELECT * FROM study WHERE id = 1").get();
  if (!row) throw new UserError(`${location} is not an Equipoise study (no study record)`);
  return {
    space: JSON.parse(String(row.space)),
    objectives: JSON.parse(String(row.objectives)),
    constraints: JSON.parse(String(row.constraints)),
    strategy: String(row.strategy),
    seed: Number(row.seed),
    strategyOptions: JSON.parse(String(row.strategy_options)),
    metadata: JSON.parse(String(row.metadata)),
  };
}

function parse<T>(value: SqlValue): T | null {
  return value === null ? null : (JSON.parse(String(value)) as T);
}

function numberOrNull(value: SqlValue): number | null {
  return value === null ? null : Number(value);
}

function toRecord(row: Row): TrialRecord {
  return {
    id: Number(row.id),
    number: Number(row.number),
    config: JSON.parse(String(row.params)),
    state: String(row.state) as TrialState,
    objectives: parse<unknown[]>(row.objectives)?.map(decodeJsonNumber) ?? null,
    constraints: parse<unknown[]>(row.constraints)?.map(decodeJsonNumber) ?? null,
    metrics: parse(row.metrics),
    seed: Number(row.seed),
    error: row.error === null ? null : String(row.error),
    workerId: row.worker_id === null ? null : String(row.worker_id),
    attempts: Number(row.attempts),
    startedAt: numberOrNull(row.started_at),
    finishedAt: numberOrNull(row.finished_at),
    durationMs: numberOrNull(row.duration_ms),
  };
}
