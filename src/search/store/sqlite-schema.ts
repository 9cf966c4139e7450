/**
 * The SQLite layout of a study, its versions and the migrations between them.
 *
 * Version 1 (Equipoise 0.1) had no version table: a study was recognised by its
 * `study`, `trials` and `workers` tables. Version 2 adds the `schema_version` table
 * itself and an index on the trials' worker (the retry scan looks trials up by
 * worker). `study.format` stays 1 because version 2 only adds things: a 0.1 release
 * still reads and writes a version-2 study correctly.
 */
import type Database from "better-sqlite3";

export const SCHEMA_VERSION = 2;

const LEGACY_FORMAT = 1;

const TABLES_V1 = `
CREATE TABLE study (
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
CREATE TABLE trials (
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
CREATE INDEX trials_state ON trials (state);
CREATE TABLE workers (
  id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  heartbeat_at REAL NOT NULL
);
`;

/** Each step takes a study from version `to - 1` to `to`; applied in order inside one transaction. */
const migrations: { to: number; sql: string }[] = [
  {
    to: 2,
    sql: `
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (1);
CREATE INDEX trials_worker ON trials (worker_id);
`,
  },
];

/** What an SQLite file holds, judged without writing to it. */
export type Layout =
  | { kind: "study"; version: number }
  | { kind: "foreign"; why: string }
  | { kind: "empty" };

/** Columns that a version-1 `study` table has; a table of that name without them is someone else's. */
const studyColumns = ["id", "format", "space", "objectives", "constraints", "strategy", "seed", "metadata"];

export function detectLayout(db: Database.Database): Layout {
  const tables = (
    db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all() as { name: string }[]
  ).map((row) => row.name);
  if (tables.length === 0) return { kind: "empty" };
  const has = (name: string) => tables.includes(name);
  const listed = `it has the tables ${tables.slice(0, 6).join(", ")}${tables.length > 6 ? ", ..." : ""}`;
  if (!has("study") || !has("trials") || !has("workers")) return { kind: "foreign", why: listed };
  const columns = (db.prepare("SELECT name FROM pragma_table_info('study')").all() as { name: string }[]).map(
    (row) => row.name,
  );
  if (!studyColumns.every((c) => columns.includes(c))) return { kind: "foreign", why: listed };
  const study = db.prepare("SELECT format FROM study WHERE id = 1").get() as { format: number } | undefined;
  if (!study) return { kind: "foreign", why: "it has a study table but no study record" };
  if (!has("schema_version")) {
    if (study.format !== LEGACY_FORMAT)
      return { kind: "foreign", why: `its study record has format ${study.format}` };
    return { kind: "study", version: 1 };
  }
  const row = db.prepare("SELECT MAX(version) AS version FROM schema_version").get() as {
    version: number | null;
  };
  return { kind: "study", version: row.version ?? 1 };
}

/** Creates every table of the current version in an empty database (inside the caller's transaction). */
export function createSchema(db: Database.Database): void {
  db.exec(TABLES_V1);
  migrateFrom(db, 1);
}

/** Applies every migration after `version` (inside the caller's transaction). */
export function migrateFrom(db: Database.Database, version: number): void {
  for (const step of migrations) {
    if (step.to <= version) continue;
    db.exec(step.sql);
    db.prepare("UPDATE schema_version SET version = ?").run(step.to);
  }
}

export { LEGACY_FORMAT };
