/**
 * Writing outputs without ever losing inputs: every command validates its output
 * paths before any work (so a mistake costs nothing), refuses an output that names
 * one of its inputs, and writes through a temporary file renamed into place (so a
 * crash never leaves half a file where a good one was).
 */
import { existsSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { UsageError } from "./errors.js";

/** Same file, even through symlinks or different spellings of the path. */
function samePath(a: string, b: string): boolean {
  const real = (p: string) => {
    const absolute = resolve(p);
    try {
      return realpathSync(absolute);
    } catch {
      try {
        return join(realpathSync(dirname(absolute)), basename(absolute));
      } catch {
        return absolute;
      }
    }
  };
  return real(a) === real(b);
}

/**
 * Checks that `path` can be written by option `--option`: its directory exists, it is
 * not a directory, and it is none of `inputs` (files the command reads). Returns the
 * absolute path. Throws a UsageError naming the option otherwise.
 */
export function checkOutputPath(path: string, option: string, inputs: readonly string[] = []): string {
  const absolute = resolve(path);
  const directory = dirname(absolute);
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new UsageError(`--${option}: the directory ${directory} does not exist`);
  }
  if (existsSync(absolute) && statSync(absolute).isDirectory()) {
    throw new UsageError(`--${option}: ${path} is a directory; give a file name`);
  }
  for (const input of inputs) {
    if (samePath(absolute, input)) {
      throw new UsageError(`--${option} ${path} is also an input of this command; refusing to overwrite it`);
    }
  }
  return absolute;
}

/** Writes `content` to a temporary file beside `path`, then renames it into place. */
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
    throw error;
  }
}
