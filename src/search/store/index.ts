/**
 * Study stores: the interface, the rules every store shares, and `openStudyStore`,
 * which picks the store from the location. SQLite is loaded only when a study is
 * opened, so importing the search surface loads no database driver.
 */
import { UserError } from "../../common/errors.js";
import type { OpenStudyOptions, StudyStore } from "./types.js";

export { checkSameDefinition, firstDifference, normalizeDefinition, trialSeed } from "./definition.js";
export { isWorkerAlive, newWorkerIdentity } from "./liveness.js";
export { onTermination } from "./termination.js";
export * from "./types.js";

/** True for locations that name a database server rather than a file. */
export function isServerLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * Opens the study at `location`: a file path (SQLite) or ":memory:". Created or
 * reopened with a definition check, or opened read-only.
 */
export async function openStudyStore(location: string, options: OpenStudyOptions): Promise<StudyStore> {
  if (isServerLocation(location)) {
    throw new UserError(
      `PostgreSQL studies (${location.split("@").at(-1)}) are not supported by this version; use a study file`,
    );
  }
  const { SqliteStudyStore } = await import("./sqlite.js");
  return SqliteStudyStore.open(location, options);
}
