/**
 * Runs the CLI as a user would, in a child process, from source through tsx (so a
 * test does not depend on a previous build). Returns exit code, stdout and stderr.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const entry = fileURLToPath(new URL("../../src/cli/entry.ts", import.meta.url));
export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
export { sharedDatasets, sharedReferences } from "./shared.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  options: { env?: Record<string, string | undefined>; input?: string; timeoutMs?: number } = {},
): CliResult {
  const result = spawnSync(process.execPath, ["--import", "tsx", entry, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...options.env },
    input: options.input,
    timeout: options.timeoutMs ?? 300_000,
    cwd: repoRoot,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A user error: non-zero exit, exactly one line on stderr, no stack trace. */
export function isOneLineError(result: CliResult): boolean {
  const lines = result.stderr.trim().split("\n");
  return result.code !== 0 && lines.length === 1 && !/\n\s+at /.test(result.stderr) && lines[0].length > 0;
}
