/**
 * One definition per command: its options (type, help text, default) are declared
 * once and give the parser configuration, the typed values and the --help text.
 */
import { parseArgs } from "node:util";
import { UsageError } from "../common/errors.js";

export interface StringOption {
  type: "string";
  description: string;
  valueName?: string;
  default?: string;
  short?: string;
}

export interface BooleanOption {
  type: "boolean";
  description: string;
  short?: string;
}

export type OptionSpec = StringOption | BooleanOption;
export type OptionSpecs = Record<string, OptionSpec>;

export type OptionValues<O extends OptionSpecs> = {
  [K in keyof O]: O[K] extends BooleanOption
    ? boolean
    : O[K] extends { default: string }
      ? string
      : string | undefined;
};

export interface Output {
  /** Writes a line of human-readable output to stdout (suppressed under --json). */
  print(line: string): void;
  /** Writes the one JSON document of a --json run to stdout. */
  json(document: unknown): void;
  /** Progress and notes for humans: stderr, never stdout. */
  note(line: string): void;
  readonly wantsJson: boolean;
  readonly stderrIsTTY: boolean;
}

export interface CommandContext<O extends OptionSpecs> {
  options: OptionValues<O>;
  positionals: string[];
  out: Output;
}

export interface Command<O extends OptionSpecs = OptionSpecs> {
  /** Words after `equipoise`, e.g. "data info". */
  name: string;
  summary: string;
  /**
   * Positional arguments for the usage line, e.g. "DATASET"; also how many the
   * command accepts (one per word, any number after "WORD..."): more is a usage error.
   */
  positionals?: string;
  options: O;
  /** Extra lines after the option list: examples, definitions. */
  details?: string;
  run(context: CommandContext<O>): Promise<void> | void;
}

export function defineCommand<O extends OptionSpecs>(command: Command<O>): Command<O> {
  return command;
}

export const commonOptions = {
  json: { type: "boolean", description: "print one JSON document on stdout and nothing else there" },
  help: { type: "boolean", short: "h", description: "show this help" },
} as const satisfies OptionSpecs;

export function parseCommandLine<O extends OptionSpecs>(
  command: Command<O>,
  argv: string[],
): { options: OptionValues<O> & { json: boolean; help: boolean }; positionals: string[] } {
  const specs: OptionSpecs = { ...command.options, ...commonOptions };
  const config: Record<string, { type: "string" | "boolean"; short?: string; default?: string }> = {};
  for (const [name, spec] of Object.entries(specs)) {
    config[name] = { type: spec.type };
    if (spec.short) config[name].short = spec.short;
    if (spec.type === "string" && spec.default !== undefined) config[name].default = spec.default;
  }
  const seeHelp = `(see 'equipoise ${command.name} --help')`;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: attachDashedValues(argv, specs),
      options: config,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${command.name}: ${error.message} ${seeHelp}`);
    throw new UsageError(`${command.name}: ${cleanParseError(error)} ${seeHelp}`);
  }
  const values = parsed.values as Record<string, unknown>;
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.type === "boolean" && values[name] === undefined) values[name] = false;
  }
  const allowed = maxPositionals(command);
  if (parsed.positionals.length > allowed && values.help !== true) {
    const unexpected = parsed.positionals.slice(allowed).map((word) => `'${word}'`);
    const takes = allowed === 0 ? "takes no arguments" : `takes ${command.positionals}`;
    throw new UsageError(
      `${command.name}: unexpected argument ${unexpected.join(" ")}; it ${takes} ${seeHelp}`,
    );
  }
  return {
    options: values as OptionValues<O> & { json: boolean; help: boolean },
    positionals: parsed.positionals,
  };
}

/**
 * How many positional arguments a command accepts, read from its usage words
 * ("FILE.csv" → 1, "[FILE]" → 1, "FILE..." → any number, none → 0).
 */
export function maxPositionals(command: Pick<Command, "positionals">): number {
  const words = (command.positionals ?? "").split(/\s+/).filter((word) => word.length > 0);
  return words.some((word) => word.replace(/\]$/, "").endsWith("..."))
    ? Number.POSITIVE_INFINITY
    : words.length;
}

/** "-1", "-0.5", "-1e-3", "-.5", "-inf": a value, not an option. */
const NEGATIVE_NUMBER = /^-(\d|\.\d|inf(inity)?$)/i;

/**
 * parseArgs refuses any value that starts with "-" ("argument is ambiguous"), so
 * `--epochs -1` would never reach the option's own check ("must be ≥ 1"). A
 * negative number after an option that takes a value is attached to it
 * (`--epochs=-1`); any other dashed word there is reported as a missing value.
 */
function attachDashedValues(argv: readonly string[], specs: OptionSpecs): string[] {
  // The long name of every spelling of an option that takes a value: "--lr" and "-l" → "lr".
  const valued = new Map<string, string>();
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.type !== "string") continue;
    valued.set(`--${name}`, name);
    if (spec.short) valued.set(`-${spec.short}`, name);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const name = valued.get(word);
    if (name === undefined) {
      out.push(word);
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined) throw new UsageError(`${word} needs a value`);
    if (value.startsWith("-") && value !== "-" && !NEGATIVE_NUMBER.test(value)) {
      throw new UsageError(
        `${word} needs a value, got '${value}' (write --${name}=${value} if that is the value)`,
      );
    }
    out.push(`--${name}=${value}`);
    i++;
  }
  return out;
}

function cleanParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && unknown) return `unknown option '${unknown[1]}'`;
  const flag = /^Option '(-[^']+)' does not take an argument/.exec(message);
  if (flag) return `${flag[1]} takes no value`;
  // Node's messages end with advice about "--" that does not apply to our commands.
  return message.split("\n")[0].split(". To specify")[0].replace(/\.$/, "");
}

export function helpText(command: Command): string {
  const specs: OptionSpecs = { ...command.options, ...commonOptions };
  const rows = Object.entries(specs).map(([name, spec]) => {
    const value = spec.type === "string" ? ` ${spec.valueName ?? "VALUE"}` : "";
    const short = spec.short ? `-${spec.short}, ` : "";
    const def = spec.type === "string" && spec.default !== undefined ? ` (default: ${spec.default})` : "";
    return [`  ${short}--${name}${value}`, `${spec.description}${def}`] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const lines = [
    `Usage: equipoise ${command.name}${command.positionals ? ` ${command.positionals}` : ""} [options]`,
    "",
    command.summary,
    "",
    "Options:",
    ...rows.map(([left, right]) => left.padEnd(width) + right),
  ];
  if (command.details) lines.push("", command.details.trim());
  return `${lines.join("\n")}\n`;
}

// ---- value parsing shared by commands -------------------------------------------------

export interface NumberConstraints {
  integer?: boolean;
  /** Inclusive bounds unless the exclusive flags are set. */
  min?: number;
  max?: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
}

/** Parses a numeric option value; the error names the option and the rule it broke. */
export function parseNumber(option: string, raw: string | undefined, rules: NumberConstraints = {}): number {
  if (raw === undefined || raw.trim() === "") throw new UsageError(`--${option} needs a number`);
  const text = raw.trim();
  const value = /^1\/\d+(\.\d+)?$/.test(text) ? 1 / Number(text.slice(2)) : Number(text);
  if (!Number.isFinite(value)) throw new UsageError(`--${option} must be a number, got '${raw}'`);
  if (rules.integer && !Number.isInteger(value))
    throw new UsageError(`--${option} must be a whole number, got '${raw}'`);
  const { min, max } = rules;
  // "--epochs must be a whole number ≥ 1, got -1": the kind is named where it is part of the rule.
  const kind = rules.integer ? "a whole number " : "";
  if (min !== undefined && (rules.minExclusive ? value <= min : value < min)) {
    throw new UsageError(`--${option} must be ${kind}${rules.minExclusive ? ">" : "≥"} ${min}, got ${raw}`);
  }
  if (max !== undefined && (rules.maxExclusive ? value >= max : value > max)) {
    throw new UsageError(`--${option} must be ${kind}${rules.maxExclusive ? "<" : "≤"} ${max}, got ${raw}`);
  }
  return value;
}

export function requireOption(option: string, value: string | undefined): string {
  if (value === undefined || value === "") throw new UsageError(`--${option} is required`);
  return value;
}

/** One of a fixed set of words; the error lists them. */
export function parseChoice<T extends string>(option: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new UsageError(`--${option} must be one of ${allowed.join(", ")}, got '${raw}'`);
  }
  return raw as T;
}

/** Splits "a,b,c" into trimmed non-empty parts. */
export function parseList(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  return raw
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}
