/**
 * The PostgreSQL layout of study stores, its version and the migrations between
 * versions. One PostgreSQL schema (namespace, `equipoise` by default) holds any number
 * of studies: `studies` (one row per study: its definition, budget and trial counter),
 * `trials` and `workers`, plus `schema_version`. Creation and migration run under a
 * transaction-scoped advisory lock, so that processes opening the same namespace at
 * once neither race on CREATE nor migrate twice.
 *
 * JSON is stored as text, not jsonb: jsonb reorders keys and drops duplicate ones,
 * and a study must read back exactly as written (a copy to SQLite and back is
 * identical). Times are milliseconds since the epoch from the server's clock, so
 * heartbeats written by machines whose clocks disagree are still comparable.
 * `finish_xid` (xid8, PostgreSQL 13+) is the transaction that finished a trial: a
 * claim fetches only the complete trials finished since its last look (see
 * postgres.ts), keeping the cost of a claim independent of the study's size.
 */
import type { PoolClient } from "pg";

export const POSTGRES_SCHEMA_VERSION = 1;

/** xid8 and pg_current_snapshot() appeared in PostgreSQL 13. */
export const MINIMUM_SERVER_VERSION = 130000;

const q = (schema: string) => `"${schema}"`;

function tablesV1(schema: string): string {
  const s = q(schema);
  return `
CREATE TABLE ${s}.schema_version (version integer NOT NULL);
INSERT INTO ${s}.schema_version (version) VALUES (1);
CREATE TABLE ${s}.studies (
  id bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  space text NOT NULL,
  objectives text NOT NULL,
  constraints text NOT NULL,
  strategy text NOT NULL,
  seed bigint NOT NULL,
  strategy_options text NOT NULL,
  metadata text NOT NULL,
  budget integer,
  trial_count integer NOT NULL DEFAULT 0,
  created_at double precision NOT NULL
);
CREATE TABLE ${s}.trials (
  id bigserial PRIMARY KEY,
  study_id bigint NOT NULL REFERENCES ${s}.studies (id) ON DELETE CASCADE,
  number integer NOT NULL,
  params text NOT NULL,
  state text NOT NULL CHECK (state IN ('running', 'complete', 'failed', 'pruned')),
  objectives text,
  constraints text,
  metrics text,
  seed bigint NOT NULL,
  error text,
  worker_id text,
  attempts integer NOT NULL DEFAULT 1,
  started_at double precision,
  finished_at double precision,
  duration_ms double precision,
  claim_token uuid UNIQUE,
  finish_xid xid8,
  UNIQUE (study_id, number)
);
CREATE INDEX trials_state ON ${s}.trials (study_id, state);
CREATE INDEX trials_finished ON ${s}.trials (study_id, finish_xid) WHERE state = 'complete';
CREATE TABLE ${s}.workers (
  study_id bigint NOT NULL REFERENCES ${s}.studies (id) ON DELETE CASCADE,
  id text NOT NULL,
  host text NOT NULL,
  pid integer NOT NULL,
  heartbeat_at double precision NOT NULL,
  PRIMARY KEY (study_id, id)
);
`;
}

/** Each step takes a namespace from version `to - 1` to `to`, inside the caller's transaction. None yet. */
const migrations: { to: number; sql: (schema: string) => string }[] = [];

export type NamespaceLayout =
  | { kind: "absent" }
  | { kind: "store"; version: number }
  | { kind: "foreign"; why: string };

const storeTables = ["schema_version", "studies", "trials", "workers"];

/** What the namespace holds, judged by reading only. */
export async function detectNamespace(client: PoolClient, schema: string): Promise<NamespaceLayout> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY c.relname`,
    [schema],
  );
  const tables = rows.map((row) => row.name);
  if (tables.length === 0) return { kind: "absent" };
  const missing = storeTables.filter((t) => !tables.includes(t));
  if (missing.length > 0) {
    const listed = `${tables.slice(0, 6).join(", ")}${tables.length > 6 ? ", ..." : ""}`;
    return { kind: "foreign", why: `it has the tables ${listed} but no ${missing.join(", ")}` };
  }
  const version = await client.query<{ version: number | null }>(
    `SELECT MAX(version) AS version FROM ${q(schema)}.schema_version`,
  );
  const value = version.rows[0]?.version;
  if (value === null || value === undefined)
    return { kind: "foreign", why: "its schema_version table is empty" };
  return { kind: "store", version: value };
}

/** Serialises creation and migration of one namespace across every process (released at commit). */
export async function lockNamespace(client: PoolClient, schema: string): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`equipoise-study-schema:${schema}`]);
}

/** Creates the namespace (if needed) and every table of the current version, inside the caller's transaction. */
export async function createTables(client: PoolClient, schema: string): Promise<void> {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${q(schema)}`);
  await client.query(tablesV1(schema));
  await migrateFrom(client, schema, 1);
}

/** Applies every migration after `version`, inside the caller's transaction. */
export async function migrateFrom(client: PoolClient, schema: string, version: number): Promise<void> {
  for (const step of migrations) {
    if (step.to <= version) continue;
    await client.query(step.sql(schema));
    await client.query(`UPDATE ${q(schema)}.schema_version SET version = $1`, [step.to]);
  }
}
