/**
 * A study: one search (space, objectives, constraints, strategy, metadata) and its
 * trials, stored in one SQLite file (better-sqlite3) so that it survives crashes
 * and can be shared by several worker processes.
 *
 * Durability and concurrency: WAL journal, a busy timeout, and every claim of a
 * trial number in a BEGIN IMMEDIATE transaction (the write lock is taken before
 * anything is read, so two processes can never compute the same next number).
 * A finished trial is committed before the next one is claimed, so killing a
 * process at any moment loses at most the trials it was running.
 *
 * Trials left "running" by a dead worker are RETRIED with the same number, the
 * same parameters and the same seed by the next worker that claims a trial
 * (`attempts` counts the retries): numbers are never skipped or repeated, and the
 * strategy's proposals are not thrown away. A worker is dead when its row in the
 * `workers` table is gone (it finished or gave up), when it ran on this host and
 * its process no longer exists, or when its heartbeat is older than
 * `staleAfterMs` (another host).
 */
import Database from "better-sqlite3";
import { UserError } from "../common/errors.js";
import { decodeJsonNumber, encodeJsonNumber } from "../common/json.js";
import { createRandom } from "../common/rng.js";
import { paretoFront } from "./pareto.js";
import { type Configuration, SearchSpace, type SearchSpaceJSON } from "./space.js";

export type Direction = "minimize" | "maximize";

export interface ObjectiveSpec {
  name: string;
  direction: Direction;
  /** Free-form normalisation information (e.g. reference gaps), stored and compared as given. */
  normalization?: Record<string, unknown>;
}

/** A constraint value is feasible iff <= 0. */
export interface ConstraintSpec {
  name: string;
  description?: string;
}

export interface StudyDefinition {
  space: SearchSpace | SearchSpaceJSON;
  objectives: ObjectiveSpec[];
  constraints?: ConstraintSpec[];
  strategy: string;
  seed: number;
  /** Strategy settings, e.g. { populationSize: 20 }; the strategy's state is rebuilt from the trials. */
  strategyOptions?: Record<string, unknown>;
  /** Dataset, training settings...: anything that must match when the study is reopened. */
  metadata?: Record<string, unknown>;
}

export type TrialState = "running" | "complete" | "failed" | "pruned";

export interface TrialRecord {
  id: number;
  /** 0, 1, 2...: the order in which trials were claimed; unique in a study. */
  number: number;
  config: Configuration;
  state: TrialState;
  /** In each objective's own direction (not negated); null unless complete. */
  objectives: number[] | null;
  constraints: number[] | null;
  metrics: Record<string, unknown> | null;
  /** The seed the evaluation should use; the same on a retry. */
  seed: number;
  error: string | null;
  workerId: string | null;
  attempts: number;
  /** Milliseconds since the epoch. */
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
}

const FORMAT = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS study (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  format INTEGER NOT NULL,
  space TEXT NOT NULL,
  objectives TEXT NOT NULL,
  constraints TEXT NOT NULL,
  strategy TEXT NOT NULL,
  seed INTEGER NOT NULL,
  strategy_options TEXT NOT NULL,
  metadata TEXT NOT NULL,
  created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS trials (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  number INTEGER NOT NULL UNIQUE,
  params TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('running', 'complete', 'failed', 'pruned')),
  objectives TEXT,
  constraints TEXT,
  metrics TEXT,
  seed INTEGER NOT NULL,
  error TEXT,
  worker_id TEXT,
  attempts INTEGER NOT NULL DEFAULT 1,
  started_at REAL,
  finished_at REAL,
  duration_ms REAL
);
CREATE INDEX IF NOT EXISTS trials_state ON trials (state);
CREATE TABLE IF NOT EXISTS workers (
  id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  heartbeat_at REAL NOT NULL
);
`;

interface TrialRow {
  id: number;
  number: number;
  params: string;
  state: TrialState;
  objectives: string | null;
  constraints: string | null;
  metrics: string | null;
  seed: number;
  error: string | null;
  worker_id: string | null;
  attempts: number;
  started_at: number | null;
  finished_at: number | null;
  duration_ms: number | null;
}

export class Study {
  readonly space: SearchSpace;
  readonly objectives: readonly ObjectiveSpec[];
  readonly constraints: readonly ConstraintSpec[];
  readonly strategy: string;
  readonly seed: number;
  readonly strategyOptions: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;

  private constructor(
    readonly path: string,
    /** The open connection; used by the runner. */
    readonly db: Database.Database,
    stored: StoredDefinition,
  ) {
    this.space = SearchSpace.fromJSON(stored.space);
    this.objectives = stored.objectives;
    this.constraints = stored.constraints;
    this.strategy = stored.strategy;
    this.seed = stored.seed;
    this.strategyOptions = stored.strategyOptions;
    this.metadata = stored.metadata;
  }

  /**
   * Creates the study, or reopens it after checking that it was created with the
   * same definition (a UserError names the first difference).
   */
  static open(path: string, definition: StudyDefinition): Study {
    const wanted = normalizeDefinition(definition);
    const db = connect(path);
    try {
      const existing = db
        .transaction(() => {
          const row = db.prepare("SELECT * FROM study WHERE id = 1").get() as StudyRow | undefined;
          if (row) return readDefinition(row, path);
          db.prepare(
            `INSERT INTO study (id, format, space, objectives, constraints, strategy, seed, strategy_options, metadata, created_at)
           VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ).run(
            FORMAT,
            JSON.stringify(wanted.space),
            JSON.stringify(wanted.objectives),
            JSON.stringify(wanted.constraints),
            wanted.strategy,
            wanted.seed,
            JSON.stringify(wanted.strategyOptions),
            JSON.stringify(wanted.metadata),
            Date.now(),
          );
          return null;
        })
        .immediate();
      if (existing) {
        for (const key of [
          "space",
          "objectives",
          "constraints",
          "strategy",
          "seed",
          "strategyOptions",
          "metadata",
        ] as const) {
          const difference = firstDifference(existing[key], wanted[key], key);
          if (difference) {
            throw new UserError(
              `study ${path} was created with a different ${describeKey(key)}: ${difference}`,
            );
          }
        }
      }
      return new Study(path, db, existing ?? wanted);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Opens an existing study as it is (for reports, the dashboard, the explorer's listing). */
  static load(path: string): Study {
    const db = connect(path, true);
    const row = db.prepare("SELECT * FROM study WHERE id = 1").get() as StudyRow | undefined;
    if (!row) {
      db.close();
      throw new UserError(`${path} is not an Equipoise study (no study record)`);
    }
    return new Study(path, db, readDefinition(row, path));
  }

  trials(states?: TrialState[]): TrialRecord[] {
    const rows = this.db.prepare("SELECT * FROM trials ORDER BY number").all() as TrialRow[];
    const records = rows.map(toRecord);
    return states ? records.filter((t) => states.includes(t.state)) : records;
  }

  /** Complete trials' objectives, every one turned into a quantity to minimise (maximised ones negated). */
  minimizedObjectives(trial: TrialRecord): number[] {
    if (!trial.objectives) throw new RangeError(`trial ${trial.number} has no objective values`);
    return trial.objectives.map((v, k) => (this.objectives[k].direction === "maximize" ? -v : v));
  }

  /** The complete, feasible trials that no other complete feasible trial dominates. */
  paretoTrials(): TrialRecord[] {
    const feasible = this.trials(["complete"]).filter((t) => (t.constraints ?? []).every((c) => c <= 0));
    return paretoFront(feasible.map((t) => this.minimizedObjectives(t))).map((i) => feasible[i]);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** The seed a trial's evaluation uses: a function of the study seed and the trial number only. */
export function trialSeed(studySeed: number, number: number): number {
  const random = createRandom((studySeed ^ Math.imul(number + 1, 0x9e3779b9)) >>> 0);
  return random.uint32() >>> 1; // non-negative 31-bit: safe for every consumer of a seed
}

// ---- internals -------------------------------------------------------------------------

interface StudyRow {
  format: number;
  space: string;
  objectives: string;
  constraints: string;
  strategy: string;
  seed: number;
  strategy_options: string;
  metadata: string;
}

interface StoredDefinition {
  space: SearchSpaceJSON;
  objectives: ObjectiveSpec[];
  constraints: ConstraintSpec[];
  strategy: string;
  seed: number;
  strategyOptions: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

function connect(path: string, readOnlyCheck = false): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: 60_000, fileMustExist: readOnlyCheck });
  } catch (error) {
    throw new UserError(`cannot open study ${path}: ${(error as Error).message}`);
  }
  try {
    db.pragma("journal_mode = WAL");
    // With WAL, NORMAL keeps every committed transaction across a process crash
    // (only an OS crash / power loss can lose the last ones).
    db.pragma("synchronous = NORMAL");
    db.pragma("busy_timeout = 60000");
    db.exec(SCHEMA);
  } catch (error) {
    db.close();
    throw new UserError(`cannot use ${path} as a study: ${(error as Error).message}`);
  }
  return db;
}

function normalizeDefinition(definition: StudyDefinition): StoredDefinition {
  const space =
    definition.space instanceof SearchSpace ? definition.space : SearchSpace.fromJSON(definition.space);
  if (definition.objectives.length === 0) throw new UserError("a study needs at least one objective");
  const names = new Set<string>();
  for (const objective of definition.objectives) {
    if (objective.direction !== "minimize" && objective.direction !== "maximize") {
      throw new UserError(
        `objective '${objective.name}': direction must be minimize or maximize, got '${objective.direction}'`,
      );
    }
    if (names.has(objective.name)) throw new UserError(`objective '${objective.name}' is listed twice`);
    names.add(objective.name);
  }
  if (!Number.isInteger(definition.seed))
    throw new UserError(`study seed must be an integer, got ${definition.seed}`);
  // JSON round trip: what is compared on reopening is exactly what was stored.
  return JSON.parse(
    JSON.stringify({
      space: space.toJSON(),
      objectives: definition.objectives,
      constraints: definition.constraints ?? [],
      strategy: definition.strategy,
      seed: definition.seed,
      strategyOptions: definition.strategyOptions ?? {},
      metadata: definition.metadata ?? {},
    }),
  );
}

function readDefinition(row: StudyRow, path: string): StoredDefinition {
  if (row.format !== FORMAT)
    throw new UserError(`study ${path} has format ${row.format}; this version reads format ${FORMAT}`);
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

function describeKey(key: keyof StoredDefinition): string {
  return { space: "search space", strategyOptions: "strategy settings" }[key as string] ?? key;
}

/** The first place where two JSON values differ, as "path: stored X, asked Y"; null when equal. */
export function firstDifference(stored: unknown, asked: unknown, path: string): string | null {
  if (Array.isArray(stored) && Array.isArray(asked)) {
    for (let i = 0; i < Math.min(stored.length, asked.length); i++) {
      const d = firstDifference(stored[i], asked[i], `${path}[${i}]`);
      if (d) return d;
    }
    if (stored.length !== asked.length)
      return `${path} has ${stored.length} entries in the study, ${asked.length} asked`;
    return null;
  }
  if (isObject(stored) && isObject(asked)) {
    const keys = [...new Set([...Object.keys(stored), ...Object.keys(asked)])].sort();
    for (const key of keys) {
      const d = firstDifference(stored[key], asked[key], `${path}.${key}`);
      if (d) return d;
    }
    return null;
  }
  if (stored === asked) return null;
  return `${path} is ${show(stored)} in the study, ${show(asked)} asked`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return value === undefined ? "absent" : JSON.stringify(value);
}

function parseOrNull<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

export function toRecord(row: TrialRow): TrialRecord {
  return {
    id: row.id,
    number: row.number,
    config: JSON.parse(row.params),
    state: row.state,
    objectives: parseOrNull<(number | null)[]>(row.objectives)?.map(fromJsonNumber) ?? null,
    constraints: parseOrNull<(number | null)[]>(row.constraints)?.map(fromJsonNumber) ?? null,
    metrics: parseOrNull(row.metrics),
    seed: row.seed,
    error: row.error,
    workerId: row.worker_id,
    attempts: row.attempts,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
  };
}

/** JSON has no Infinity (epsilon of a non-private model): numbers are stored through these two. */
export function numbersToJson(values: readonly number[]): string {
  return JSON.stringify(values.map(encodeJsonNumber));
}

function fromJsonNumber(value: unknown): number {
  // Studies written before the shared codec stored NaN as the string "NaN".
  return value === "NaN" ? Number.NaN : decodeJsonNumber(value);
}

export type { TrialRow };
