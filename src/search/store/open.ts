/**
 * `openStudyStore` picks the store from the location: a file (SQLite) or a
 * `postgres://` URL. Drivers are loaded only when a study is opened, so importing the
 * search surface loads neither SQLite nor the PostgreSQL driver.
 */
import { redactPostgresLocation } from "./redact.js";
import type { OpenStudyOptions, StudyStore } from "./types.js";

/**
 * True for locations that name a database server rather than a file.
 *
 * @example
 * ```ts
 * import { isServerLocation } from "equipoise/search";
 * isServerLocation("postgres://me@db/equipoise?study=adult"); // true
 * isServerLocation("study.db"); // false
 * ```
 */
export function isServerLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * A location as it may be printed: a server URL without its password.
 *
 * @example
 * ```ts
 * import { displayLocation } from "equipoise/search";
 * displayLocation("postgres://me:secret@db/x?study=s"); // "postgres://me:***@db/x?study=s"
 * ```
 */
export function displayLocation(location: string): string {
  return isServerLocation(location) ? redactPostgresLocation(location) : location;
}

/**
 * Opens the study at `location`: a file path (SQLite), ":memory:", or
 * `postgres://USER@HOST/DB?study=NAME` (PostgreSQL). Created or joined with a
 * definition check, or opened read-only.
 *
 * @example
 * ```ts
 * import { openStudyStore, type StudyDefinition } from "equipoise/search";
 * declare const definition: StudyDefinition; // the study's space, objectives, strategy and seed
 * const store = await openStudyStore("study.db", { definition }); // created, or joined if it matches
 * const reader = await openStudyStore("postgres://me@db/equipoise?study=adult", { readOnly: true });
 * ```
 */
export async function openStudyStore(location: string, options: OpenStudyOptions): Promise<StudyStore> {
  if (isServerLocation(location)) {
    const { PostgresStudyStore } = await import("./postgres.js");
    return PostgresStudyStore.open(location, options);
  }
  const { SqliteStudyStore } = await import("./sqlite.js");
  return SqliteStudyStore.open(location, options);
}
