/**
 * Public metadata of a table's columns: the categories a categorical column can take
 * and the range of a numeric column. It is declared — from a data set's documentation
 * (the registry), from the user's `--schema FILE.json`, `--bounds`, `--categories` —
 * and never computed from rows, so that a preprocessor built from it is the same for
 * any two data sets that differ in one row (what a private run's released model needs).
 */
import { z } from "zod";
import { DataError } from "../common/errors.js";
import type { SchemaOverrides } from "./schema.js";

/**
 * Public metadata of one column, declared rather than read from the rows: categories, bounds, a transform.
 *
 * @example
 * ```ts
 * import { type ColumnMetadata, prepareTask } from "equipoise/data";
 * const income: ColumnMetadata = { bounds: [0, 1_000_000], transform: "log1p", source: "tax office" };
 * const sex: ColumnMetadata = { categories: ["F", "M"] };
 * const task = await prepareTask({ data: "loans.csv", target: "default", preprocessing: "public", metadata: { income, sex } });
 * ```
 */
export interface ColumnMetadata {
  /** Every value the column can take (a categorical column). */
  categories?: readonly string[];
  /** `[lower, upper]`: the public range of a numeric column; values outside are clipped to it. */
  bounds?: readonly [number, number];
  /**
   * A declared, data-independent transform applied after clipping and before scaling by
   * the bounds in the public and private preprocessing modes: "log1p" (x ↦ log(1 + x))
   * for a heavy-tailed non-negative column such as an amount of money, whose declared
   * bound would otherwise squash the typical values near one end. Needs bounds with
   * lower > −1. The "fit" mode standardises the raw values (as scikit-learn's
   * StandardScaler does) and ignores it.
   */
  transform?: "log1p";
  /** Where the declaration comes from: a document, a schema file, an option. */
  source?: string;
}

/**
 * Declared metadata by column name.
 *
 * @example
 * ```ts
 * import { type DatasetMetadata, prepareTask } from "equipoise/data";
 * const metadata: DatasetMetadata = {
 *   age: { bounds: [18, 100] },
 *   region: { categories: ["north", "south"] },
 * };
 * const task = await prepareTask({ data: "loans.csv", target: "default", preprocessing: "public", metadata });
 * ```
 */
export type DatasetMetadata = Readonly<Record<string, ColumnMetadata>>;

/**
 * More levels than this in one one-hot block is almost always an identifier or free text.
 *
 * @example
 * ```ts
 * import { MAX_ONE_HOT_LEVELS } from "equipoise/data";
 * MAX_ONE_HOT_LEVELS; // 1000: a declaration or a one-hot block with more categories is refused
 * ```
 */
export const MAX_ONE_HOT_LEVELS = 1000;

const columnSchema = z
  .object({
    categories: z.array(z.string()).min(1).optional(),
    bounds: z.tuple([z.number(), z.number()]).optional(),
    transform: z.literal("log1p").optional(),
  })
  .strict();

/**
 * The `--schema FILE.json` document: `{ "columns": { "age": { "bounds": [17, 90] },
 * "income": { "bounds": [0, 1000000], "transform": "log1p" }, "sex": { "categories": ["F", "M"] } } }`.
 */
const schemaDocument = z.object({ columns: z.record(z.string(), columnSchema) }).strict();

/**
 * Declared metadata from a parsed `--schema` JSON document; a DataError naming the first problem otherwise.
 *
 * @example
 * ```ts
 * import { parseSchemaDocument } from "equipoise/data";
 * const json = JSON.parse('{"columns":{"age":{"bounds":[17,90]}}}');
 * parseSchemaDocument(json, "schema.json"); // { age: { bounds: [17, 90], source: "schema.json" } }
 * ```
 */
export function parseSchemaDocument(json: unknown, source: string): DatasetMetadata {
  const parsed = schemaDocument.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.map(String).join(".");
    throw new DataError(`${source}: ${path ? `${path}: ` : ""}${issue.message.toLowerCase()}`);
  }
  const metadata: Record<string, ColumnMetadata> = {};
  for (const [name, column] of Object.entries(parsed.data.columns)) {
    metadata[name] = checkColumnMetadata(name, { ...column, source }, source);
  }
  return metadata;
}

/**
 * One column's declaration, checked: categories or bounds (not both), categories
 * distinct and at most MAX_ONE_HOT_LEVELS, bounds finite with lower < upper.
 *
 * @example
 * ```ts
 * import { checkColumnMetadata } from "equipoise/data";
 * checkColumnMetadata("age", { bounds: [90, 17] }, "schema.json");
 * // DataError: schema.json: column 'age' needs finite bounds with lower < upper, got [90, 17]
 * ```
 */
export function checkColumnMetadata(name: string, column: ColumnMetadata, where: string): ColumnMetadata {
  const { categories, bounds, transform } = column;
  if (categories && bounds) {
    throw new DataError(`${where}: column '${name}' declares both categories and bounds; give one`);
  }
  if (!categories && !bounds) {
    throw new DataError(`${where}: column '${name}' declares neither categories nor bounds`);
  }
  if (categories) {
    const seen = new Set<string>();
    for (const category of categories) {
      if (seen.has(category))
        throw new DataError(`${where}: column '${name}' declares the category '${category}' twice`);
      seen.add(category);
    }
    if (categories.length > MAX_ONE_HOT_LEVELS) {
      throw new DataError(
        `${where}: column '${name}' declares ${categories.length} categories; at most ${MAX_ONE_HOT_LEVELS} are allowed`,
      );
    }
  }
  if (bounds) {
    const [lower, upper] = bounds;
    if (!(Number.isFinite(lower) && Number.isFinite(upper) && lower < upper)) {
      throw new DataError(
        `${where}: column '${name}' needs finite bounds with lower < upper, got [${lower}, ${upper}]`,
      );
    }
  }
  if (transform !== undefined) {
    if (transform !== "log1p")
      throw new DataError(`${where}: column '${name}' declares the unknown transform '${transform}'`);
    if (!bounds || !(bounds[0] > -1)) {
      throw new DataError(
        `${where}: column '${name}' declares transform log1p, which needs bounds with lower > -1${bounds ? `, got [${bounds[0]}, ${bounds[1]}]` : ""}`,
      );
    }
  }
  return {
    ...(categories ? { categories: [...categories] } : {}),
    ...(bounds ? { bounds: [bounds[0], bounds[1]] as const } : {}),
    ...(transform ? { transform } : {}),
    ...(column.source ? { source: column.source } : {}),
  };
}

/**
 * Later layers replace a column's whole declaration (a user's declaration overrides the registry's).
 *
 * @example
 * ```ts
 * import { mergeMetadata } from "equipoise/data";
 * mergeMetadata({ age: { bounds: [0, 100] } }, { age: { bounds: [17, 90] }, sex: { categories: ["F", "M"] } });
 * // { age: { bounds: [17, 90] }, sex: { categories: ["F", "M"] } }: later layers win per column
 * ```
 */
export function mergeMetadata(...layers: (DatasetMetadata | undefined)[]): DatasetMetadata {
  const merged: Record<string, ColumnMetadata> = {};
  for (const layer of layers) if (layer) Object.assign(merged, layer);
  return merged;
}

/** How a reader should type the declared columns: categories → categorical, bounds → numeric. */
export function metadataOverrides(metadata: DatasetMetadata): SchemaOverrides {
  const overrides: SchemaOverrides = {};
  for (const [name, column] of Object.entries(metadata)) {
    overrides[name] = column.categories ? "categorical" : "numeric";
  }
  return overrides;
}

/** The metadata restricted to `names` (keeps the given order), for display and records. */
export function pickMetadata(metadata: DatasetMetadata, names: readonly string[]): DatasetMetadata {
  const picked: Record<string, ColumnMetadata> = {};
  for (const name of names) {
    const declared = declarationOf(metadata, name);
    if (declared) picked[name] = declared;
  }
  return picked;
}

/**
 * The declaration of column `name` (own properties only: a column may be called "constructor").
 *
 * @example
 * ```ts
 * import { declarationOf } from "equipoise/data";
 * declarationOf({ age: { bounds: [0, 100] } }, "age"); // { bounds: [0, 100] }
 * declarationOf({}, "toString"); // undefined, not Object.prototype.toString
 * ```
 */
export function declarationOf(metadata: DatasetMetadata, name: string): ColumnMetadata | undefined {
  return Object.hasOwn(metadata, name) ? metadata[name] : undefined;
}
