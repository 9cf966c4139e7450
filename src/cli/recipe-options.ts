/**
 * The command-line face of the training recipe, derived from its schema
 * (fit/recipe.ts) rather than written again: the option table and help text come
 * from the fields' CLI metadata and defaults, and the values are validated by the
 * schema itself, each error naming the flag that caused it ("--epochs must be a
 * whole number ≥ 1, got -1").
 *
 * The walk understands the few shapes the recipe uses: objects, optional objects
 * switched on by a flag (--dp), discriminated unions whose variant a flag selects
 * (--mitigation, or --fair which implies the penalty), and leaves (numbers, words).
 * Light: loads neither the tensor engine nor Node-only modules.
 */
import type { z } from "zod";
import { UsageError } from "../common/errors.js";
import { type CliField, describeIssue, type Recipe, recipeCli, recipeSchema } from "../fit/recipe.js";
import type { OptionSpecs } from "./command.js";

interface FlagField {
  flag: string;
  /** Where the value goes in the recipe. */
  path: string[];
  valueName?: string;
  description: string;
  kind: "number" | "word" | "presence";
  defaultText?: string;
  /** The flag that must be present for this one to apply (the optional object's switch). */
  within?: string;
  /** For a field of a discriminated union: its discriminator and the variants that have it. */
  variants?: { discriminator: string[]; values: string[] };
  /** The variant this flag selects when the discriminator's own flag is absent. */
  implies?: { discriminator: string[]; value: string };
}

// Zod's public types do not expose `def`; the walk reads it, as zod's own JSON-schema export does.
type AnySchema = z.ZodType & { def: Record<string, unknown> & { type: string } };

const samePath = (a: readonly PropertyKey[], b: readonly PropertyKey[]) =>
  a.length === b.length && a.every((key, i) => key === b[i]);

function metadataOf(schema: AnySchema): CliField | undefined {
  return recipeCli.get(schema as never);
}

/** Unwraps defaults, optionals and pipes down to the schema that holds the value, keeping the outermost metadata and default. */
function unwrap(schema: AnySchema): {
  inner: AnySchema;
  meta?: CliField;
  defaultValue?: unknown;
  optional: boolean;
} {
  let meta = metadataOf(schema);
  let defaultValue: unknown;
  let optional = false;
  let inner = schema;
  for (;;) {
    const { type } = inner.def;
    if (type === "default" || type === "prefault") {
      defaultValue ??= inner.def.defaultValue;
      inner = inner.def.innerType as AnySchema;
    } else if (type === "optional") {
      optional = true;
      inner = inner.def.innerType as AnySchema;
    } else if (type === "pipe") {
      // A transform after the object (normalisation) or a preprocess before a leaf.
      const input = inner.def.in as AnySchema;
      inner = (input.def.type === "transform" ? inner.def.out : input) as AnySchema;
    } else {
      break;
    }
    meta ??= metadataOf(inner);
  }
  return { inner, meta, defaultValue, optional };
}

function collect(schema: AnySchema, path: string[], within: string | undefined, out: FlagField[]): void {
  const { inner, meta, defaultValue } = unwrap(schema);
  const { type } = inner.def;
  if (type === "object") {
    let childWithin = within;
    if (meta) {
      out.push({ flag: meta.flag, path, description: meta.description, kind: "presence", within });
      childWithin = meta.flag;
    }
    for (const [key, child] of Object.entries(inner.def.shape as Record<string, AnySchema>)) {
      collect(child, [...path, key], childWithin, out);
    }
    return;
  }
  if (type === "union" && typeof inner.def.discriminator === "string") {
    const discriminator = [...path, inner.def.discriminator];
    const seen = new Map<string, FlagField>();
    for (const option of inner.def.options as AnySchema[]) {
      const fields: FlagField[] = [];
      collect(option, path, within, fields);
      const variant = String(
        ((option.def.shape as Record<string, AnySchema>)[inner.def.discriminator].def.values as unknown[])[0],
      );
      for (const field of fields) {
        const known = seen.get(field.flag);
        if (known) {
          known.variants?.values.push(variant);
          continue;
        }
        const isDiscriminator = field.path.join(".") === discriminator.join(".");
        const entry: FlagField = {
          ...field,
          ...(isDiscriminator ? {} : { variants: { discriminator, values: [variant] } }),
        };
        seen.set(field.flag, entry);
        out.push(entry);
      }
    }
    for (const field of seen.values()) {
      if (field.implies && field.implies.discriminator.length === 0)
        field.implies.discriminator = discriminator;
    }
    return;
  }
  if (!meta) return; // a field without a flag (e.g. the preprocessing a caller records)
  out.push({
    flag: meta.flag,
    path,
    ...(meta.valueName ? { valueName: meta.valueName } : {}),
    description: meta.description,
    kind: type === "number" ? "number" : "word",
    ...(defaultValue !== undefined ? { defaultText: String(defaultValue) } : {}),
    ...(within ? { within } : {}),
    // The enclosing union fills in its discriminator's path.
    ...(meta.implies ? { implies: { discriminator: [], value: meta.implies } } : {}),
  });
}

function recipeFields(): FlagField[] {
  const fields: FlagField[] = [];
  collect(recipeSchema as unknown as AnySchema, [], undefined, fields);
  return fields;
}

/** Every recipe flag, in the schema's order. */
export const recipeFlags: readonly FlagField[] = recipeFields();

/** "with --dp: ", "with --fair: ", "with --fair or --mitigation reweighing: " or nothing. */
function conditionOf(field: FlagField): string {
  if (field.within) return `with --${field.within}: `;
  if (!field.variants) return "";
  const { discriminator, values } = field.variants;
  const chooser = recipeFlags.find((f) => samePath(f.path, discriminator));
  const ways = values.map((value) => {
    const implying = recipeFlags.find((f) => f.implies?.value === value && f !== field);
    return implying ? `--${implying.flag}` : `--${chooser?.flag} ${value}`;
  });
  return ways.length > 0 && !(field.implies && values.length === 1) ? `with ${ways.join(" or ")}: ` : "";
}

function helpDescription(field: FlagField): string {
  const prefix = conditionOf(field);
  return `${prefix}${field.description}${field.defaultText !== undefined ? ` (default: ${field.defaultText})` : ""}`;
}

/**
 * The option table of the recipe's flags, for `defineCommand`. Defaults are shown in
 * the help text but not given to the parser, so that an absent flag stays absent
 * (the schema fills it in, and "given without --dp" can be told from "defaulted").
 */
export const recipeOptionSpecs: OptionSpecs = Object.fromEntries(
  recipeFlags.map((field) => [
    field.flag,
    field.kind === "presence"
      ? { type: "boolean" as const, description: helpDescription(field) }
      : {
          type: "string" as const,
          description: helpDescription(field),
          ...(field.valueName ? { valueName: field.valueName } : {}),
        },
  ]),
);

function parseNumberText(flag: string, raw: string): number {
  const text = raw.trim();
  if (text === "") throw new UsageError(`--${flag} needs a number`);
  const value = /^1\/\d+(\.\d+)?$/.test(text) ? 1 / Number(text.slice(2)) : Number(text);
  if (!Number.isFinite(value)) throw new UsageError(`--${flag} must be a number, got '${raw}'`);
  return value;
}

function setAt(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

function getAt(target: Record<string, unknown>, path: readonly string[]): unknown {
  let node: unknown = target;
  for (const key of path) node = (node as Record<string, unknown> | undefined)?.[key];
  return node;
}

/**
 * The recipe the command line asks for: flags → recipe input → the schema. Options
 * that are not recipe flags are ignored; `extra` adds fields no flag sets (the
 * preprocessing the command used).
 */
export function readRecipe(options: Record<string, unknown>, extra: Record<string, unknown> = {}): Recipe {
  const given = recipeFlags.filter((field) =>
    field.kind === "presence" ? options[field.flag] === true : typeof options[field.flag] === "string",
  );
  const isGiven = (flag: string) => given.some((field) => field.flag === flag);
  const input: Record<string, unknown> = { ...extra };
  for (const field of given) {
    if (field.within && !isGiven(field.within)) {
      throw new UsageError(`--${field.flag} needs --${field.within}`);
    }
    const raw = options[field.flag];
    if (field.kind === "presence") {
      if (getAt(input, field.path) === undefined) setAt(input, field.path, {});
    } else {
      setAt(input, field.path, field.kind === "number" ? parseNumberText(field.flag, raw as string) : raw);
    }
  }
  for (const field of given) {
    if (!field.implies) continue;
    const chooser = recipeFlags.find((f) => samePath(f.path, field.implies!.discriminator));
    if (chooser && isGiven(chooser.flag)) continue;
    setAt(input, field.implies.discriminator, field.implies.value);
  }
  for (const field of given) {
    if (!field.variants) continue;
    const chosen = getAt(input, field.variants.discriminator) as string | undefined;
    if (chosen !== undefined && field.variants.values.includes(chosen)) continue;
    const chooser = recipeFlags.find((f) => samePath(f.path, field.variants!.discriminator));
    const implying = recipeFlags.find(
      (f) => f.implies && field.variants!.values.includes(f.implies.value) && f !== field,
    );
    if (chosen === undefined) {
      throw new UsageError(
        `--${field.flag} needs ${implying ? `--${implying.flag}` : `--${chooser?.flag} ${field.variants.values.join("|")}`}`,
      );
    }
    throw new UsageError(`--${field.flag} does not apply with --${chooser?.flag} ${chosen}`);
  }
  const parsed = recipeSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const flagAt = (path: readonly PropertyKey[]) => recipeFlags.find((f) => samePath(f.path, path));
  const nameOf = (path: readonly PropertyKey[]): string => {
    const field = flagAt(path);
    if (field) return `--${field.flag}`;
    // An object without a switch of its own (a union): name it by its variant.
    const chooser = recipeFlags.find(
      (f) => f.path.length === path.length + 1 && samePath(f.path.slice(0, -1), path) && !f.variants,
    );
    const chosen = chooser && getAt(input, chooser.path);
    return chooser && chosen !== undefined ? `--${chooser.flag} ${chosen}` : path.join(".");
  };
  const valueAt = (path: readonly PropertyKey[]) => {
    const field = flagAt(path);
    const raw = field ? options[field.flag] : undefined;
    if (typeof raw !== "string") return undefined;
    return field!.kind === "number" ? raw : `'${raw}'`;
  };
  const hintOf = (path: readonly PropertyKey[]) => {
    const field = flagAt(path);
    if (!field || field.kind === "presence") return undefined;
    return `${field.valueName ?? "VALUE"} (${field.description})`;
  };
  throw new UsageError(describeIssue(issue, nameOf, valueAt, hintOf));
}
