/**
 * `openStudyStore` picks the store from the location: a file (SQLite) or a
 * `postgres://` URL. Drivers are loaded only when a study is opened, so importing the
 * search surface loads neither SQLite nor the PostgreSQL driver.
 */
import { redactPostgresLocation } from "./redact.js";
import type { OpenStudyOptions, StudyStore } from "./types.js";

/** True for locations that name a database server rather than a file. */
export function isServerLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** A location as it may be printed: a server URL without its password. */
export function displayLocation(location: string): string {
  return isServerLocation(location) ? redactPostgresLocation(location) : location;
}

/**
 * Opens the study at `location`: a file path (SQLite), ":memory:", or
 * `postgres://USER@HOST/DB?study=NAME` (PostgreSQL). Created or joined with a
 * definition check, or opened read-only.
 */
export async function openStudyStore(location: string, options: OpenStudyOptions): Promise<StudyStore> {
  if (isServerLocation(location)) {
    const { PostgresStudyStore } = await import("./postgres.js");
    return PostgresStudyStore.open(location, options);
  }
  const { SqliteStudyStore } = await import("./sqlite.js");
  return SqliteStudyStore.open(location, options);
}
