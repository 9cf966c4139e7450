/**
 * Opening an SQLite study file without ever harming a file that is not one.
 *
 * Check first, write after: a path that exists is judged from its first bytes and
 * then through a read-only connection (which writes nothing to the file) before
 * any writable connection is made, so an unrelated SQLite database, a 0-byte file
 * or a text file given as a study is refused and left byte-identical. A new study
 * is written to a temporary file beside the target and hard-linked into place,
 * which fails if the target appeared meanwhile: a study file exists complete or
 * not at all, and two processes creating the same study cannot overwrite each other.
 *
 * Reading works where writing cannot: a WAL database opened read-only needs its
 * `-shm` companion, which SQLite cannot create in a read-only directory
 * (https://sqlite.org/wal.html, "Read-Only Databases"). SQLite's `immutable` URI
 * parameter is the usual answer, but better-sqlite3 is built without URI support,
 * so the equivalent is done by hand: when there is no write-ahead log (every
 * transaction is in the main file), the file's bytes are loaded into an in-memory
 * database. With a non-empty log and no way to read it, the open is refused rather
 * than showing stale results. A read-only open in a writable directory may leave the
 * standard `-shm`/`-wal` companions of the study file, as any SQLite reader does.
 */
import {
  closeSync,
  existsSync,
  linkSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import Database from "better-sqlite3";
import { UserError } from "../../common/errors.js";
import { detectLayout, type Layout } from "./sqlite-schema.js";

const SQLITE_HEADER = "SQLite format 3\0";

/** Refuses, in one line, a path that exists but cannot be an SQLite study; reads 16 bytes only. */
export function checkStudyFileBytes(path: string): void {
  const stat = statSync(path);
  if (!stat.isFile()) throw new UserError(`${path} is not a file, so it cannot be a study`);
  if (stat.size === 0)
    throw new UserError(`${path} is an empty file, not an Equipoise study; refusing to use it`);
  const header = Buffer.alloc(16);
  const fd = openSync(path, "r");
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (header.toString("latin1") !== SQLITE_HEADER)
    throw new UserError(`${path} is not an Equipoise study (not an SQLite database); refusing to use it`);
}

/** Refuses a layout that is not a study, naming what was found. */
export function requireStudyLayout(layout: Layout, path: string): number {
  if (layout.kind === "study") return layout.version;
  const why = layout.kind === "empty" ? "it is an SQLite database without tables" : layout.why;
  throw new UserError(`${path} is not an Equipoise study (${why}); refusing to use it`);
}

/** The layout of an existing file, through a connection that cannot write. */
export function inspectStudyFile(path: string): number {
  checkStudyFileBytes(path);
  const db = openForReading(path);
  try {
    return requireStudyLayout(detectLayout(db), path);
  } finally {
    db.close();
  }
}

/**
 * A connection that never writes to the file: read-only, or, where SQLite cannot
 * open the file read-only (a WAL file in a read-only directory), a snapshot of it.
 */
export function openForReading(path: string, timeoutMs = 60_000): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: timeoutMs });
    // SQLite opens lazily: the first read is where a missing -shm shows up.
    db.prepare("SELECT COUNT(*) FROM sqlite_master").get();
    return db;
  } catch (error) {
    db?.close();
    if (!cannotOpenReadOnly(error)) throw asUserError(error, path);
  }
  const wal = `${path}-wal`;
  if (existsSync(wal) && statSync(wal).size > 0) {
    throw new UserError(
      `cannot read study ${path}: it has a write-ahead log (${basename(wal)}) that SQLite cannot read in a read-only directory; copy the study's files to a writable directory`,
    );
  }
  const bytes = readFileSync(path);
  // Bytes 18–19 are the read/write format versions; 2 = WAL. An in-memory database
  // cannot be in WAL mode, so the copy is marked as a rollback-journal database.
  if (bytes.length >= 20 && bytes[18] === 2 && bytes[19] === 2) bytes[18] = bytes[19] = 1;
  try {
    return new Database(bytes, { readonly: true });
  } catch (error) {
    throw asUserError(error, path);
  }
}

function cannotOpenReadOnly(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? "";
  return code === "SQLITE_CANTOPEN" || code.startsWith("SQLITE_READONLY");
}

/**
 * Writes a new database at `path` through `build` (given a connection to a temporary
 * file beside it), then links it into place. Returns false, leaving nothing behind,
 * when `path` already exists by then.
 */
export function createStudyFileAtomically(path: string, build: (db: Database.Database) => void): boolean {
  const directory = dirname(path);
  if (!existsSync(directory) || !statSync(directory).isDirectory())
    throw new UserError(`cannot create study ${path}: the directory ${directory} does not exist`);
  const temporary = join(
    directory,
    `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.creating`,
  );
  try {
    let db: Database.Database;
    try {
      db = new Database(temporary);
    } catch (error) {
      throw new UserError(
        `cannot create study ${path}: cannot write in ${directory} (${(error as Error).message})`,
      );
    }
    try {
      db.pragma("journal_mode = WAL");
      build(db);
    } finally {
      db.close(); // checkpoints and removes the temporary's -wal and -shm
    }
    try {
      linkSync(temporary, path);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST") return false;
      // File systems without hard links: a rename, which could replace a study created
      // in the instant between the check and the rename.
      if ((code === "EPERM" || code === "ENOTSUP" || code === "ENOSYS") && !existsSync(path)) {
        renameSync(temporary, path);
        return true;
      }
      throw error;
    }
  } catch (error) {
    throw asUserError(error, path, "cannot create study");
  } finally {
    for (const leftover of [temporary, `${temporary}-wal`, `${temporary}-shm`]) {
      try {
        unlinkSync(leftover);
      } catch {
        // not there
      }
    }
  }
}

/** An SQLite or file-system failure as one line naming the study. */
export function asUserError(error: unknown, path: string, what = "cannot use study"): UserError {
  if (error instanceof UserError) return error;
  const code = (error as { code?: string }).code ?? "";
  const message = (error as Error).message ?? String(error);
  if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT")
    return new UserError(`${path} is not a readable SQLite database (${message}); refusing to use it`);
  if (code.startsWith("SQLITE_READONLY") || code === "EACCES" || code === "EROFS" || code === "EPERM")
    return new UserError(
      `${what} ${path}: the file or its directory is read-only (${message}); a report can still read it`,
    );
  if (code === "SQLITE_BUSY")
    return new UserError(`${what} ${path}: it stayed locked by another process (${message})`);
  return new UserError(`${what} ${path}: ${message}`);
}
