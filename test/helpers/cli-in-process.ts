/**
 * Runs a CLI command in this process through `main`, capturing its output: the same code
 * path as the binary without a process start, for commands that start no threads.
 */
import { main } from "../../src/cli/main.js";
import type { CliResult } from "./cli.js";

export async function runHere(args: string[]): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    stderrIsTTY: false,
  });
  return { code, stdout, stderr };
}
