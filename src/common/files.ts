/**
 * Writing outputs without ever losing inputs: every command validates its output
 * paths before any work (so a mistake costs nothing), refuses an output that names
 * one of its inputs, and writes through a temporary file renamed into place (so a
 * crash never leaves half a file where a good one was).
 */
import {
  accessSync,
  constants,
  existsSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { UsageError, UserError } from "./errors.js";

/** The canonical spelling of a path, through symlinks, even when the file does not exist yet. */
function canonicalPath(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    try {
      return join(realpathSync(dirname(absolute)), basename(absolute));
    } catch {
      return absolute;
    }
  }
}

/** Same file, even through symlinks, hard links or different spellings of the path. */
export function samePath(a: string, b: string): boolean {
  if (canonicalPath(a) === canonicalPath(b)) return true;
  try {
    const [first, second] = [statSync(a), statSync(b)];
    return first.dev === second.dev && first.ino === second.ino;
  } catch {
    return false;
  }
}

/**
 * Checks that `path` can be written by option `--option`: its directory exists and
 * is writable, it is not a directory, and it is none of `inputs` (files the command
 * reads). Returns the absolute path. Throws a UsageError naming the option otherwise.
 */
export function checkOutputPath(path: string, option: string, inputs: readonly string[] = []): string {
  if (path.trim() === "") throw new UsageError(`--${option} needs a file name`);
  const absolute = resolve(path);
  const directory = dirname(absolute);
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new UsageError(`--${option}: the directory ${directory} does not exist`);
  }
  if (existsSync(absolute) && statSync(absolute).isDirectory()) {
    throw new UsageError(`--${option}: ${path} is a directory; give a file name`);
  }
  try {
    accessSync(directory, constants.W_OK);
  } catch {
    throw new UsageError(`--${option}: the directory ${directory} is not writable`);
  }
  for (const input of inputs) {
    if (samePath(absolute, input)) {
      throw new UsageError(`--${option} ${path} is also an input of this command; refusing to overwrite it`);
    }
  }
  return absolute;
}

/**
 * Writes `content` to a temporary file beside `path`, then renames it into place:
 * readers see the old file or the new one, never a part. A failure (disk full,
 * permissions) leaves the old file as it was and is a UserError naming the path.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(temporary, content);
    renameSync(temporary, path);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // nothing was written
    }
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UserError(`cannot write ${path}: ${reason}`);
  }
}
