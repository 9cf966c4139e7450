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
  /** Positional arguments for the usage line, e.g. "DATASET". */
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
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: config, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(
      `${command.name}: ${cleanParseError(error)} (see 'equipoise ${command.name} --help')`,
    );
  }
  const values = parsed.values as Record<string, unknown>;
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.type === "boolean" && values[name] === undefined) values[name] = false;
  }
  return {
    options: values as OptionValues<O> & { json: boolean; help: boolean },
    positionals: parsed.positionals,
  };
}

function cleanParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Node's messages end with advice about "--" that does not apply to our commands.
  return message.split(". To specify")[0].replace(/\.$/, "");
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
  if (min !== undefined && (rules.minExclusive ? value <= min : value < min)) {
    throw new UsageError(`--${option} must be ${rules.minExclusive ? ">" : "≥"} ${min}, got ${raw}`);
  }
  if (max !== undefined && (rules.maxExclusive ? value >= max : value > max)) {
    throw new UsageError(`--${option} must be ${rules.maxExclusive ? "<" : "≤"} ${max}, got ${raw}`);
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
