/**
 * The files of a study that an output must never replace: the SQLite file and the
 * files SQLite keeps beside it (write-ahead log, shared memory, rollback journal).
 */
import { existsSync, statSync } from "node:fs";
import { checkOutputPath } from "../common/files.js";

export function studyFiles(study: string): string[] {
  return [study, `${study}-wal`, `${study}-shm`, `${study}-journal`];
}

/** A data option names an input file only when such a file exists (otherwise it is a dataset name). */
export function dataFileOf(data: string | undefined): string[] {
  return data !== undefined && existsSync(data) && statSync(data).isFile() ? [data] : [];
}

/** `checkOutputPath` for a command that reads (or writes) `study` and reads `inputs`. */
export function checkStudyOutputPath(
  path: string,
  option: string,
  study: string | undefined,
  inputs: readonly string[] = [],
): string {
  return checkOutputPath(path, option, [...(study === undefined ? [] : studyFiles(study)), ...inputs]);
}
