/**
 * A PostgreSQL study location, `postgres://USER[:PASSWORD]@HOST[:PORT]/DB?study=NAME`,
 * read into the driver's connection settings, the study's name and the schema
 * (namespace) that holds the study tables — and shown back without its password.
 *
 * Parameters (all optional except `study`):
 * - `study`: the study's name; one database holds many studies.
 * - `schema`: the PostgreSQL schema holding the tables (default `equipoise`).
 * - `sslmode`: `disable`, `require`, `verify-ca`, `verify-full`, with libpq's meaning
 *   (https://www.postgresql.org/docs/current/libpq-ssl.html, table 34.1): `require`
 *   encrypts without checking the server (or checks its chain, like `verify-ca`, when
 *   a CA file is given); `verify-ca` checks the chain against `sslrootcert`;
 *   `verify-full` also checks the host name. libpq's `prefer` and `allow` fall back to
 *   an unencrypted connection, which the driver cannot do: they are refused rather
 *   than silently weakened or strengthened.
 * - `sslrootcert` (a CA file, or `system` for the system's CAs), `sslcert` and
 *   `sslkey` (a client certificate): files read at open.
 * - `host` (a host name, or a Unix-socket directory such as /var/run/postgresql),
 *   `port`, `user`, `password`, `application_name`, `connect_timeout` (seconds).
 * - `pool_size`: connections per process (default 3).
 * - `synchronous_commit=off`: the server acknowledges a claim or a result before its
 *   log reaches the disk, saving a disk flush (milliseconds) per write. A crash of the
 *   database server (not of a worker) can then lose the last fraction of a second of
 *   acknowledged writes, whole transactions only: a lost claim's number is given out
 *   again, and a lost result leaves its trial running until its worker has left the
 *   study, when the next claim redoes it. Default: the server's setting (on).
 * Absent parts follow the driver's defaults: PGHOST, PGUSER, PGPASSWORD, ~/.pgpass...
 */
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import type { PoolConfig } from "pg";
import { UserError } from "../../common/errors.js";
import { redactPostgresLocation } from "./redact.js";

export interface PostgresLocation {
  /** The location as it can be shown: no password, no TLS file paths. */
  display: string;
  study: string;
  schema: string;
  /** Driver settings (pg.Pool), TLS files already read. */
  connection: PoolConfig;
}

export const DEFAULT_SCHEMA = "equipoise";
export const DEFAULT_POOL_SIZE = 3;

const sslModes = ["disable", "require", "verify-ca", "verify-full"] as const;
type SslMode = (typeof sslModes)[number];

const knownParameters = new Set([
  "study",
  "schema",
  "sslmode",
  "sslrootcert",
  "sslcert",
  "sslkey",
  "host",
  "port",
  "user",
  "password",
  "application_name",
  "connect_timeout",
  "pool_size",
  "synchronous_commit",
]);

/** Reads a `postgres://` or `postgresql://` location; a UserError names what is wrong, never the password. */
export function parsePostgresLocation(location: string): PostgresLocation {
  const scheme = /^(postgres(?:ql)?):\/\//i.exec(location);
  if (!scheme) throw new UserError(`not a PostgreSQL location: it must start with postgres://`);
  const url = readUrl(location);
  const params = url.searchParams;
  for (const key of new Set(params.keys())) {
    if (!knownParameters.has(key)) {
      throw new UserError(
        `unknown parameter '${key}' in the PostgreSQL location ${shown(url)}; known: ${[...knownParameters].join(", ")}`,
      );
    }
    if (params.getAll(key).length > 1)
      throw new UserError(`parameter '${key}' is given twice in the PostgreSQL location ${shown(url)}`);
  }
  const study = params.get("study");
  if (!study)
    throw new UserError(
      `the PostgreSQL location ${shown(url)} names no study: add ?study=NAME (one database holds many studies)`,
    );
  if (study.length > 200 || /[\p{Cc}]/u.test(study))
    throw new UserError(`study name '${study.slice(0, 40)}' is not valid: at most 200 printable characters`);
  const schema = params.get("schema") ?? DEFAULT_SCHEMA;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new UserError(
      `schema '${schema}' in ${shown(url)} is not valid: lower-case letters, digits and _, starting with a letter or _`,
    );
  }

  const host =
    params.get("host") ??
    (url.hostname === NO_HOST ? "" : decode(url.hostname.replace(/^\[(.*)\]$/, "$1"), "host"));
  const portText = params.get("port") ?? url.port;
  const connection: PoolConfig = {
    ...(host ? { host } : {}),
    ...(portText ? { port: wholeNumber("port", portText, 1, 65_535, url) } : {}),
    ...optional("user", params.get("user") ?? decode(url.username, "user name")),
    ...optional("password", params.get("password") ?? decode(url.password, "password")),
    ...optional("database", decode(url.pathname.replace(/^\//, ""), "database name")),
    ...optional("application_name", params.get("application_name") ?? "equipoise"),
    max: params.has("pool_size")
      ? wholeNumber("pool_size", params.get("pool_size")!, 1, 100, url)
      : DEFAULT_POOL_SIZE,
  };
  if (params.has("connect_timeout"))
    connection.connectionTimeoutMillis =
      wholeNumber("connect_timeout", params.get("connect_timeout")!, 1, 3600, url) * 1000;
  const commit = params.get("synchronous_commit");
  if (commit !== null) {
    if (commit !== "on" && commit !== "off")
      throw new UserError(`synchronous_commit in ${shown(url)} must be on or off, got '${commit}'`);
    connection.options = `-c synchronous_commit=${commit}`;
  }
  const ssl = tlsOptions(params, url);
  if (ssl !== undefined) connection.ssl = ssl;
  return { display: displayOf(url, study, schema), study, schema, connection };
}

/** Stands for an empty host (`postgres://user@/db?host=/socket/dir`), which URL parsers refuse. */
const NO_HOST = "no-host.invalid";

function readUrl(location: string): URL {
  for (const text of [location, location.replace(/@\//, `@${NO_HOST}/`)]) {
    try {
      return new URL(text);
    } catch {
      // try the next reading
    }
  }
  throw new UserError(
    `cannot read the PostgreSQL location ${redactPostgresLocation(location)}: expected postgres://USER@HOST:PORT/DATABASE?study=NAME`,
  );
}

function tlsOptions(params: URLSearchParams, url: URL): boolean | ConnectionOptions | undefined {
  const raw = params.get("sslmode");
  const rootCert = params.get("sslrootcert");
  const files: ConnectionOptions = {};
  if (rootCert && rootCert !== "system") files.ca = readTlsFile("sslrootcert", rootCert);
  if (params.has("sslcert")) files.cert = readTlsFile("sslcert", params.get("sslcert")!);
  if (params.has("sslkey")) files.key = readTlsFile("sslkey", params.get("sslkey")!);
  if (raw === null) {
    // No mode but certificate files: the safest reading of the user's intent.
    return Object.keys(files).length > 0 || rootCert === "system" ? files : undefined;
  }
  if (raw === "prefer" || raw === "allow") {
    throw new UserError(
      `sslmode=${raw} in ${shown(url)} is not supported: it falls back to an unencrypted connection, which this driver cannot do; use sslmode=disable, require, verify-ca or verify-full`,
    );
  }
  if (!(sslModes as readonly string[]).includes(raw))
    throw new UserError(`sslmode must be one of ${sslModes.join(", ")}, got '${raw}'`);
  const mode = raw as SslMode;
  if (mode === "disable") return false;
  if (mode === "verify-full") return files;
  if (mode === "verify-ca" && !files.ca) {
    throw new UserError(
      `sslmode=verify-ca needs the certificate authority's file: add &sslrootcert=PATH to the location (or use verify-full with the system's CAs)`,
    );
  }
  if (mode === "require" && !files.ca) return { ...files, rejectUnauthorized: false };
  // verify-ca, or require with a CA file (libpq then checks the chain): chain yes, host name no.
  return { ...files, checkServerIdentity: () => undefined };
}

function readTlsFile(parameter: string, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new UserError(
      `cannot read ${parameter} file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

function displayOf(url: URL, study: string, schema: string): string {
  const user = url.username ? `${url.username}@` : "";
  const port = url.port ? `:${url.port}` : "";
  const query = new URLSearchParams({ study });
  if (schema !== DEFAULT_SCHEMA) query.set("schema", schema);
  if (url.searchParams.has("host")) query.set("host", url.searchParams.get("host")!);
  const host = url.hostname === NO_HOST ? "" : url.hostname;
  return `${url.protocol}//${user}${host}${port}${url.pathname}?${query}`;
}

function shown(url: URL): string {
  return redactPostgresLocation(url.href);
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new UserError(`the ${what} in the PostgreSQL location has a malformed %-escape`);
  }
}

function optional<K extends string>(key: K, value: string | null): { [P in K]?: string } {
  return value ? ({ [key]: value } as { [P in K]?: string }) : {};
}

function wholeNumber(parameter: string, text: string, min: number, max: number, url: URL): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new UserError(
      `${parameter} in ${shown(url)} must be a whole number from ${min} to ${max}, got '${text}'`,
    );
  return value;
}
