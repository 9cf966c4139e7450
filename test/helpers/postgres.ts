/**
 * A real PostgreSQL server for the tests and benchmarks of the PostgreSQL study store.
 *
 * - `.ci/run` starts one throw-away cluster and exports EQUIPOISE_TEST_POSTGRES_URL;
 *   outage tests never stop that shared one (other test files use it at the same time)
 *   but start a cluster of their own (`ownPostgres`); otherwise the first call in a test process starts its own cluster
 *   (initdb + pg_ctl under a temporary directory, listening on 127.0.0.1 only, a
 *   password for TCP logins, a self-signed certificate for TLS) and removes it when the
 *   process exits.
 * - initdb refuses to run as root: the cluster then belongs to the unprivileged
 *   `postgres` user (Debian's package creates it) or, failing that, `nobody`.
 * - Without PostgreSQL binaries the tests are skipped with a clear reason, unless
 *   CI=true, where they must run (a missing server is then a failure).
 * Every study gets its own PostgreSQL schema, so tests never see each other's tables
 * (a test that marks a schema as written by a future version harms no other).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import pg from "pg";

export interface TestPostgres {
  /** postgres://USER:PASSWORD@127.0.0.1:PORT/DB (no parameters). */
  baseUrl: string;
  /** A location for a new study in a schema no other test uses. */
  newLocation(study?: string, extra?: Record<string, string>): string;
  /** The schema a location names. */
  schemaOf(location: string): string;
  /** Runs SQL as the cluster's owner. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Stops the server (immediate: as a crash) and starts it again on the same port. */
  stop(mode?: "immediate" | "fast"): void;
  start(): void;
  /** The certificate authority of the server's TLS certificate (null when openssl is missing). */
  tlsCaFile: string | null;
  /** The directory of the server's Unix socket (null when unknown). */
  socketDir: string | null;
}

const URL_VARIABLE = "EQUIPOISE_TEST_POSTGRES_URL";

/** The directory of initdb and pg_ctl, or null. */
export function postgresBinaries(): string | null {
  const fromEnv = process.env.EQUIPOISE_TEST_POSTGRES_BIN;
  if (fromEnv && existsSync(join(fromEnv, "pg_ctl"))) return fromEnv;
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl"))) return dir;
  }
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => existsSync(join(debian, v, "bin", "initdb")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return join(debian, versions[0], "bin");
  }
  return null;
}

/** Test options: skipped, with the reason, only when there is no server to use and CI is not set. */
export function needsPostgres(): { skip?: string } {
  if (process.env[URL_VARIABLE] || postgresBinaries() || process.env.CI === "true") return {};
  return {
    skip: "no PostgreSQL binaries (initdb, pg_ctl) found: install PostgreSQL (Debian: apt-get install postgresql) or set EQUIPOISE_TEST_POSTGRES_URL; mandatory under CI=true",
  };
}

let shared: Promise<TestPostgres> | undefined;

/** The server this test process uses: .ci/run's, or one started now and stopped at exit. */
export function testPostgres(): Promise<TestPostgres> {
  shared ??= (async () => {
    const url = process.env[URL_VARIABLE];
    if (url) {
      const data = process.env.EQUIPOISE_TEST_POSTGRES_DATA ?? null;
      const port = new URL(url).port;
      return serverAt(url, data, postgresBinaries(), port, {
        tlsCaFile: process.env.EQUIPOISE_TEST_POSTGRES_CA ?? null,
        socketDir: process.env.EQUIPOISE_TEST_POSTGRES_SOCKET ?? null,
      });
    }
    return startPostgresCluster();
  })();
  return shared;
}

let own: Promise<TestPostgres> | undefined;

/**
 * A server only this test process uses, for tests that stop and restart it: the shared
 * server of .ci/run is also serving the test files running beside this one (the suite
 * runs two at a time), and stopping it would cut their connections.
 */
export function ownPostgres(): Promise<TestPostgres> {
  own ??= startPostgresCluster();
  return own;
}

/** Test options for tests that stop the server: they need binaries to start a cluster of their own. */
export function needsOwnPostgres(): { skip?: string } {
  if (postgresBinaries() || process.env.CI === "true") return {};
  return {
    skip: "stopping a server needs PostgreSQL binaries (initdb, pg_ctl) to start one this test owns; mandatory under CI=true",
  };
}

export interface ClusterOptions {
  /** Keep PostgreSQL's durability settings (fsync, synchronous commit): for benchmarks. Default false. */
  durable?: boolean;
  maxConnections?: number;
}

/** Starts a throw-away cluster owned by this process (removed at exit). */
export async function startPostgresCluster(options: ClusterOptions = {}): Promise<TestPostgres> {
  const bin = postgresBinaries();
  if (!bin) throw new Error(needsPostgres().skip ?? "no PostgreSQL binaries found (required under CI=true)");
  const owner = unprivilegedOwner();
  const root = mkdtempSync(join(tmpdir(), "equipoise-pg-"));
  const data = join(root, "data");
  const password = randomBytes(12).toString("hex");
  writeFileSync(join(root, "password"), password);
  if (owner) chownSync(root, owner.uid, owner.gid);
  if (owner) chownSync(join(root, "password"), owner.uid, owner.gid);
  const cleanup = () => {
    try {
      run(bin, "pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"], owner, true);
    } catch {
      // not running
    }
    rmSync(root, { recursive: true, force: true });
  };
  process.once("exit", cleanup);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      cleanup();
      process.kill(process.pid, signal);
    });
  }
  run(
    bin,
    "initdb",
    [
      "-D",
      data,
      "-U",
      "equipoise",
      "--auth-local=trust",
      "--auth-host=scram-sha-256",
      `--pwfile=${join(root, "password")}`,
      "-E",
      "UTF8",
      "--no-locale",
      "--no-sync",
    ],
    owner,
  );
  const caFile = writeTlsCertificates(data, root, owner);
  const port = await freePort();
  const settings = [
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    `unix_socket_directories = '${root}'`,
    `max_connections = ${options.maxConnections ?? 120}`,
    // Without fsync a commit survives a crash of the server (tests stop it with -m immediate)
    // but not of the machine: fine for a throw-away cluster. synchronous_commit stays on,
    // or a crash of the server could lose acknowledged commits.
    ...(options.durable ? [] : ["fsync = off", "full_page_writes = off"]),
    ...(caFile ? ["ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'"] : []),
  ];
  writeFileSync(
    join(data, "postgresql.conf"),
    `${readFileSync(join(data, "postgresql.conf"), "utf8")}\n${settings.join("\n")}\n`,
  );
  const base = `postgres://equipoise:${password}@127.0.0.1:${port}`;
  const server = serverAt(
    `${base}/studies`,
    data,
    bin,
    String(port),
    { tlsCaFile: caFile, socketDir: root },
    owner,
  );
  server.start();
  const admin = new pg.Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  await admin.query("CREATE DATABASE studies");
  await admin.end();
  return server;
}

function serverAt(
  url: string,
  data: string | null,
  bin: string | null,
  port: string,
  paths: { tlsCaFile: string | null; socketDir: string | null },
  owner = unprivilegedOwner(),
): TestPostgres {
  let count = 0;
  const tag = `${process.pid}_${randomBytes(3).toString("hex")}`;
  const control = (args: string[]) => {
    if (!data || !bin)
      throw new Error(
        "this PostgreSQL server cannot be stopped from the tests (set EQUIPOISE_TEST_POSTGRES_DATA)",
      );
    run(bin, "pg_ctl", ["-D", data, ...args], owner);
  };
  return {
    baseUrl: url,
    ...paths,
    newLocation(study = "study", extra = {}) {
      const params = new URLSearchParams({ study, schema: `t_${tag}_${count++}`, ...extra });
      return `${url}?${params}`;
    },
    schemaOf(location) {
      return new URL(location).searchParams.get("schema") ?? "equipoise";
    },
    async query(sql, params) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows;
      } finally {
        await client.end();
      }
    },
    stop(mode = "immediate") {
      control(["-m", mode, "-w", "stop"]);
    },
    start() {
      // The server's output goes to a file beside the data: through a pipe, it would keep
      // this process waiting for the pipe to close.
      control(["-w", "-t", "120", "-l", join(dirname(data!), "log"), "-o", `-p ${port}`, "start"]);
    },
  };
}

interface Owner {
  uid: number;
  gid: number;
}

/** As root, the user the cluster runs as (initdb refuses root); otherwise the current user. */
function unprivilegedOwner(): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = readFileSync("/etc/passwd", "utf8").split("\n");
  for (const name of ["postgres", "nobody"]) {
    const line = passwd.find((l) => l.startsWith(`${name}:`));
    if (line) {
      const [, , uid, gid] = line.split(":");
      return { uid: Number(uid), gid: Number(gid) };
    }
  }
  return { uid: 65534, gid: 65534 };
}

function run(bin: string, tool: string, args: string[], owner: Owner | undefined, quiet = false): void {
  const result = spawnSync(join(bin, tool), args, {
    encoding: "utf8",
    cwd: tmpdir(),
    ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
    env: { ...process.env, LC_ALL: "C" },
    timeout: 180_000,
  });
  if (result.status !== 0 && !quiet) {
    throw new Error(`${tool} ${args.join(" ")} failed (${result.status}): ${result.stderr || result.stdout}`);
  }
}

/** A CA and a server certificate for 127.0.0.1 and localhost, or null when openssl is missing. */
function writeTlsCertificates(data: string, root: string, owner: Owner | undefined): string | null {
  const tls = join(root, "tls");
  mkdirSync(tls);
  const openssl = (args: string[]) => execFileSync("openssl", args, { cwd: tls, stdio: "ignore" });
  try {
    // Elliptic-curve keys: generated in milliseconds, where RSA takes seconds on a busy machine.
    const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl([
      "req",
      "-x509",
      ...key,
      "-days",
      "2",
      "-subj",
      "/CN=equipoise-test-ca",
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
    ]);
    openssl(["req", ...key, "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr"]);
    writeFileSync(join(tls, "ext.cnf"), "subjectAltName = DNS:localhost, IP:127.0.0.1\n");
    openssl([
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      "ext.cnf",
      "-out",
      "server.crt",
    ]);
  } catch {
    return null;
  }
  for (const file of ["server.crt", "server.key"]) {
    writeFileSync(join(data, file), readFileSync(join(tls, file)), { mode: 0o600 });
    if (owner) chownSync(join(data, file), owner.uid, owner.gid);
  }
  return join(tls, "ca.crt");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
