import { isUserError, UsageError } from "../common/errors.js";
import { type Command, helpText, parseCommandLine } from "./command.js";
import { createOutput, processStreams, type Streams } from "./output.js";
import { type CommandEntry, commands } from "./registry.js";

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 4;
  return [
    "Usage: equipoise COMMAND [options]",
    "",
    "Find, guarantee, audit and explain the trade-offs between accuracy, privacy and fairness.",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    "",
    "Run 'equipoise COMMAND --help' for a command's options.",
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

export async function main(argv: string[], streams: Streams = processStreams): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
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
      const group = commands.filter((c) => c.name.startsWith(`${argv[0]} `));
      if (group.length > 0) {
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

function reportError(error: unknown, streams: Streams): number {
  if (isUserError(error)) {
    streams.stderr(`equipoise: ${firstLine(error.message)}\n`);
    return error instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
  }
  const message = error instanceof Error ? error.message : String(error);
  streams.stderr(`equipoise: internal error: ${firstLine(message)}\n`);
  if (process.env.EQUIPOISE_DEBUG && error instanceof Error && error.stack)
    streams.stderr(`${error.stack}\n`);
  else streams.stderr("equipoise: (set EQUIPOISE_DEBUG=1 to see the stack trace)\n");
  return EXIT_FAILURE;
}

function firstLine(text: string): string {
  return text.split("\n")[0];
}
