/** Errors every store raises in the same situations, so callers can tell them apart. */
import { UserError } from "../../common/errors.js";

/**
 * The location holds no such study (a missing file, a study name absent from a database).
 *
 * @example
 * ```ts
 * import { StudyNotFoundError, openStudyStore } from "equipoise/search";
 * try {
 *   await openStudyStore("missing.db", { readOnly: true });
 * } catch (error) {
 *   if (error instanceof StudyNotFoundError) console.log("no study there yet");
 * }
 * ```
 */
export class StudyNotFoundError extends UserError {
  override name = "StudyNotFoundError";
}

/** The study was written by a newer Equipoise, whose schema this version cannot read. */
export function newerSchemaError(location: string, version: number, supported: number): UserError {
  return new UserError(
    `study ${location} was written by a newer Equipoise (schema version ${version}; this version reads up to ${supported}): upgrade Equipoise to open it`,
  );
}
