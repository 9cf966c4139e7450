import { isUserError, UsageError } from "../common/errors.js";
import { type Command, helpText, parseCommandLine } from "./command.js";
import { createOutput, guardProcessStreams, processStreams, type Streams } from "./output.js";
import { type CommandEntry, commands } from "./registry.js";

/** The exit codes of the CLI contract (DESIGN.md), decided here and nowhere else. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

const HELP_WORDS = new Set(["--help", "-h", "help"]);

function commandTable(entries: readonly CommandEntry[]): string[] {
  const width = Math.max(...entries.map((c) => c.name.length)) + 4;
  return entries.map((c) => `  ${c.name.padEnd(width)}${c.summary}`);
}

function overview(): string {
  return [
    "Usage: equipoise COMMAND [options]",
    "",
    "Find, guarantee, audit and explain the trade-offs between accuracy, privacy and fairness.",
    "",
    "Commands:",
    ...commandTable(commands),
    "",
    "Run 'equipoise COMMAND --help' for a command's options.",
    "",
  ].join("\n");
}

/** The subcommands of a group such as `data`, or none when `word` names no group. */
function groupOf(word: string): CommandEntry[] {
  return commands.filter((c) => c.name.startsWith(`${word} `));
}

function groupOverview(group: string, entries: readonly CommandEntry[]): string {
  return [
    `Usage: equipoise ${group} SUBCOMMAND [options]`,
    "",
    "Commands:",
    ...commandTable(entries),
    "",
    `Run 'equipoise ${group} SUBCOMMAND --help' for a command's options.`,
    "",
  ].join("\n");
}

/** The longest registered command name that the arguments start with. */
function findCommand(argv: string[]): { entry: CommandEntry; rest: string[] } | undefined {
  let best: { entry: CommandEntry; rest: string[] } | undefined;
  for (const entry of commands) {
    const words = entry.name.split(" ");
    if (
      words.every((word, i) => argv[i] === word) &&
      (!best || words.length > best.entry.name.split(" ").length)
    ) {
      best = { entry, rest: argv.slice(words.length) };
    }
  }
  return best;
}

export async function main(args: string[], streams: Streams = processStreams): Promise<number> {
  if (streams === processStreams) guardProcessStreams(exitOnFatalError);
  // `equipoise help data info` asks what `equipoise data info --help` asks.
  const argv = args[0] === "help" && args.length > 1 ? [...args.slice(1), "--help"] : args;
  if (argv.length === 0 || HELP_WORDS.has(argv[0])) {
    streams.stdout(overview());
    return argv.length === 0 ? EXIT_USAGE : EXIT_OK;
  }
  if (argv[0] === "--version") {
    streams.stdout("equipoise 0.1.0\n");
    return EXIT_OK;
  }
  const wantsJson = argv.includes("--json");
  const output = createOutput(wantsJson, streams);
  try {
    const found = findCommand(argv);
    if (!found) {
      const group = groupOf(argv[0]);
      if (group.length > 0) {
        // `equipoise data --help` is a question, `equipoise data` an incomplete command:
        // both get the group's command list, as `equipoise --help` and `equipoise` do.
        if (argv.length === 1 || HELP_WORDS.has(argv[1])) {
          streams.stdout(groupOverview(argv[0], group));
          return argv.length === 1 ? EXIT_USAGE : EXIT_OK;
        }
        throw new UsageError(
          `'${argv.slice(0, 2).join(" ")}' is not a command; '${argv[0]}' has: ${group.map((c) => c.name.split(" ").slice(1).join(" ")).join(", ")}`,
        );
      }
      throw new UsageError(`unknown command '${argv[0]}'; run 'equipoise --help' for the list`);
    }
    const command: Command = await found.entry.load();
    const { options, positionals } = parseCommandLine(command, found.rest);
    if (options.help) {
      streams.stdout(helpText(command));
      return EXIT_OK;
    }
    await command.run({ options, positionals, out: output });
    return EXIT_OK;
  } catch (error) {
    return reportError(error, streams);
  }
}

/** For errors that escape every command's promise: one line, then exit. */
function exitOnFatalError(error: unknown): never {
  process.exit(reportError(error, processStreams));
}

/** One line on stderr for any error (the stack too under EQUIPOISE_DEBUG=1), and its exit code. */
function reportError(error: unknown, streams: Streams): number {
  const { line, exitCode } = describeError(error);
  const debug = process.env.EQUIPOISE_DEBUG !== undefined && !["", "0"].includes(process.env.EQUIPOISE_DEBUG);
  if (line.startsWith("internal error: ") && debug && error instanceof Error && error.stack) {
    streams.stderr(`equipoise: ${line}\n${error.stack}\n`);
  } else if (line.startsWith("internal error: ")) {
    streams.stderr(`equipoise: ${line} (set EQUIPOISE_DEBUG=1 for the stack trace)\n`);
  } else {
    streams.stderr(`equipoise: ${line}\n`);
  }
  return exitCode;
}

/**
 * The one line that stands for an error, and the exit code: a usage error 2, any
 * other user error 1, an operating-system error 1 (said plainly), anything else a
 * bug: "internal error", 1.
 */
export function describeError(error: unknown): { line: string; exitCode: number } {
  if (isUserError(error)) {
    return {
      line: firstLine(error.message),
      exitCode: error instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE,
    };
  }
  const system = systemErrorLine(error);
  if (system) return { line: system, exitCode: EXIT_FAILURE };
  const message = error instanceof Error ? error.message || error.name : String(error);
  return { line: `internal error: ${firstLine(message)}`, exitCode: EXIT_FAILURE };
}

/**
 * An operating-system error that no command turned into a UserError (a full disk, a
 * file that vanished, a permission): the user's environment, not a bug, so it is
 * said plainly, without "internal error".
 */
function systemErrorLine(error: unknown): string | undefined {
  const { code, syscall, path } = (error ?? {}) as NodeJS.ErrnoException;
  if (typeof code !== "string" || !/^E[A-Z]+$/.test(code) || typeof syscall !== "string") return undefined;
  return `cannot ${syscall}${path ? ` ${path}` : ""}: ${code}`;
}

function firstLine(text: string): string {
  return text.split("\n")[0];
}
