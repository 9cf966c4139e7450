/**
 * Reading a study without writing to it or beside it. Even a read-only SQLite open
 * of a study in WAL mode creates `-shm` / `-wal` files beside it (and cannot replay
 * a log it may not write), so the report reads a private, consistent copy through
 * the store's read-only open.
 *
 * This is the one place the CLI opens an SQLite study for reading.
 */
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../common/errors.js";
import { Study } from "../search/index.js";

const SQLITE_HEADER = "SQLite format 3\0";
const COPY_ATTEMPTS = 5;

/** Calls `read` with the study at `path`, opened from a private snapshot; the original is never touched. */
export async function withStudySnapshot<T>(path: string, read: (study: Study) => T | Promise<T>): Promise<T> {
  checkIsSqliteFile(path);
  const directory = mkdtempSync(join(tmpdir(), "equipoise-study-"));
  const copy = join(directory, "study.db");
  try {
    copyConsistently(path, copy);
    let study: Study;
    try {
      study = await Study.openReadOnly(copy);
    } catch (error) {
      if (error instanceof UserError) throw new UserError(error.message.replaceAll(copy, path));
      throw error;
    }
    try {
      return await read(study);
    } finally {
      await study.close();
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function checkIsSqliteFile(path: string): void {
  if (!existsSync(path)) throw new UserError(`study file not found: ${path}`);
  if (statSync(path).isDirectory()) throw new UserError(`${path} is a directory, not a study file`);
  const header = Buffer.alloc(SQLITE_HEADER.length);
  const fd = openSync(path, "r");
  try {
    const read = readSync(fd, header, 0, header.length, 0);
    if (read === 0) throw new UserError(`${path} is empty, not an Equipoise study`);
    if (header.toString("latin1", 0, read) !== SQLITE_HEADER)
      throw new UserError(`${path} is not an Equipoise study (not an SQLite file)`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Copies the database and its write-ahead log (the committed trials not yet
 * checkpointed into the main file); SQLite replays the log when the copy is
 * opened, exactly as after a crash. The log is read first, so a checkpoint that
 * runs meanwhile only writes pages the copied log already holds; two identical
 * copies in a row rule out a study that changed under the copy.
 */
function copyConsistently(path: string, copy: string): void {
  let previous = readPair(path);
  for (let attempt = 1; attempt < COPY_ATTEMPTS; attempt++) {
    const current = readPair(path);
    if (current.wal.equals(previous.wal) && current.db.equals(previous.db)) {
      writeFileSync(copy, current.db);
      if (current.wal.length > 0) writeFileSync(`${copy}-wal`, current.wal);
      return;
    }
    previous = current;
  }
  throw new UserError(`${path} kept changing while it was read; try again`);
}

function readPair(path: string): { wal: Buffer; db: Buffer } {
  const walPath = `${path}-wal`;
  const wal = existsSync(walPath) ? readFileSync(walPath) : Buffer.alloc(0);
  return { wal, db: readFileSync(path) };
}
