/**
 * Runs the CLI as a user would, in a child process. From source through tsx by default
 * (so a test does not depend on a previous build); `npm test`, which builds first, sets
 * EQUIPOISE_TEST_CLI=dist and runs the compiled CLI, as the package's users do — tsx
 * costs about a second of compilation per process, and the suite starts hundreds.
 * Returns exit code, stdout and stderr.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const compiled = fileURLToPath(new URL("../../dist/cli/entry.js", import.meta.url));
const fromDist = process.env.EQUIPOISE_TEST_CLI === "dist";
if (fromDist && !existsSync(compiled))
  throw new Error("EQUIPOISE_TEST_CLI=dist but dist/cli/entry.js is missing: run `npm run build`");
/** The CLI's entry point under test. */
export const entry = fromDist ? compiled : fileURLToPath(new URL("../../src/cli/entry.ts", import.meta.url));
/** The node arguments that run `entry` (tsx only for the source). */
export const entryArgs: string[] = fromDist ? [entry] : ["--import", "tsx", entry];
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
  const result = spawnSync(process.execPath, [...entryArgs, ...args], {
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
