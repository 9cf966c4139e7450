/**
 * The options that name a dataset (--data, --target, --sensitive, --positive,
 * --data-dir, --split-seed) and declare its public metadata and reading (--schema,
 * --bounds, --categories, --drop, --missing), shared by every command that loads one.
 * Kept apart from the commands so that importing them loads no tensor engine.
 */
import { readFileSync } from "node:fs";
import { DataError, UsageError } from "../common/errors.js";
import {
  type ColumnMetadata,
  checkColumnMetadata,
  type DatasetMetadata,
  DEFAULT_MISSING_TOKENS,
  mergeMetadata,
  PREPROCESSING_MODES,
  type PreprocessingMode,
  parseSchemaDocument,
  type TaskRequest,
} from "../data/index.js";
import { type OptionValues, parseChoice, parseList, parseNumber, requireOption } from "./command.js";

export const dataOptionSpecs = {
  data: {
    type: "string",
    valueName: "DATASET|FILE",
    description: "dataset name (adult, german-credit, compas, fashion-mnist, synthetic) or a .csv/.arff file",
  },
  target: { type: "string", valueName: "COL", description: "target column (required for a file)" },
  sensitive: { type: "string", valueName: "COLS", description: "sensitive columns, comma-separated" },
  positive: { type: "string", valueName: "VALUE", description: "the label value that counts as positive" },
  "data-dir": {
    type: "string",
    valueName: "DIR",
    description: "local copies of fetched datasets (default EQUIPOISE_DATA_DIR)",
  },
  "split-seed": { type: "string", valueName: "N", description: "seed of the train/test split", default: "0" },
  "test-data": {
    type: "string",
    valueName: "FILE",
    description: "a separate test file with the same columns (then every row of --data trains)",
  },
  schema: {
    type: "string",
    valueName: "FILE.json",
    description:
      'public metadata: {"columns": {"age": {"bounds": [17, 90]}, "sex": {"categories": ["F", "M"]}}}',
  },
  bounds: {
    type: "string",
    valueName: "COL=LO:HI,...",
    description: "public bounds of numeric columns (values outside are clipped)",
  },
  categories: {
    type: "string",
    valueName: "COL=A|B|C,...",
    description: "public categories of categorical columns (names with , | = need --schema)",
  },
  drop: { type: "string", valueName: "COLS", description: "columns to leave out of the features" },
  missing: {
    type: "string",
    valueName: "TOKENS",
    description: `more values that mean missing in a CSV file, comma-separated (besides ${DEFAULT_MISSING_TOKENS.filter((t) => t !== "").join(" ")} and empty)`,
  },
} as const;

export type DataOptionValues = OptionValues<typeof dataOptionSpecs>;

/** The declaration options alone, for a command that names its data otherwise (e.g. `data info DATASET`). */
export const declarationOptionSpecs = {
  schema: dataOptionSpecs.schema,
  bounds: dataOptionSpecs.bounds,
  categories: dataOptionSpecs.categories,
  drop: dataOptionSpecs.drop,
  missing: dataOptionSpecs.missing,
} as const;

export type DeclarationOptionValues = OptionValues<typeof declarationOptionSpecs>;

/** `--preprocessing`, for the commands that offer a choice (the private mode needs a privacy budget). */
export const preprocessingOptionSpec = {
  type: "string",
  valueName: "fit|public|private",
  description:
    "fit: statistics of the training rows; public: declared metadata only; private: fitted under DP",
} as const;

export function parsePreprocessingMode(
  raw: string,
  allowed: readonly PreprocessingMode[] = PREPROCESSING_MODES,
): PreprocessingMode {
  return parseChoice("preprocessing", raw, allowed);
}

export function readTaskRequest(options: DataOptionValues): TaskRequest {
  const sensitive = parseList(options.sensitive);
  return {
    data: requireOption("data", options.data),
    ...(options.target ? { target: options.target } : {}),
    ...(sensitive.length > 0 ? { sensitive } : {}),
    ...(options.positive ? { positive: options.positive } : {}),
    ...(options["data-dir"] ? { dataDir: options["data-dir"] } : {}),
    ...(options["test-data"] ? { testData: options["test-data"] } : {}),
    seed: parseNumber("split-seed", options["split-seed"], { integer: true, min: 0 }),
    ...readDeclarations(options),
  };
}

/** The part of a TaskRequest that --schema, --bounds, --categories, --drop and --missing give. */
export function readDeclarations(
  options: DeclarationOptionValues,
): Pick<TaskRequest, "metadata" | "drop" | "csv"> {
  const fromSchema = options.schema === undefined ? undefined : readSchemaFile(options.schema);
  const bounds = options.bounds === undefined ? {} : parseBoundsOption(options.bounds);
  const categories = options.categories === undefined ? {} : parseCategoriesOption(options.categories);
  for (const name of Object.keys(bounds)) {
    if (Object.hasOwn(categories, name))
      throw new UsageError(`column '${name}' is given both --bounds and --categories; give one`);
  }
  const metadata = mergeMetadata(fromSchema, bounds, categories);
  const drop = parseList(options.drop);
  const missing = parseList(options.missing);
  return {
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
    ...(drop.length > 0 ? { drop } : {}),
    ...(missing.length > 0 ? { csv: { missing: [...DEFAULT_MISSING_TOKENS, ...missing] } } : {}),
  };
}

/** `--schema FILE.json`: read, parsed and validated, each problem one line naming the file. */
export function readSchemaFile(path: string): DatasetMetadata {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === "ENOENT" ? `--schema: file not found: ${path}` : `--schema: cannot read ${path} (${code})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DataError(
      `${path} is not valid JSON (${error instanceof Error ? error.message.split("\n")[0] : error})`,
    );
  }
  return parseSchemaDocument(json, path);
}

/** `--bounds age=17:90,hours=1:99` (numbers may be negative or in exponent form). */
export function parseBoundsOption(raw: string): DatasetMetadata {
  const metadata: Record<string, ColumnMetadata> = {};
  for (const part of splitEntries(raw, "--bounds")) {
    const equals = part.lastIndexOf("=");
    const range = part.slice(equals + 1);
    const colon = range.indexOf(":", 1); // past a leading sign
    const name = part.slice(0, Math.max(0, equals)).trim();
    const lower = Number(range.slice(0, colon));
    const upper = Number(range.slice(colon + 1));
    if (
      equals <= 0 ||
      colon < 0 ||
      name === "" ||
      range.slice(0, colon).trim() === "" ||
      range.slice(colon + 1).trim() === ""
    ) {
      throw new UsageError(`--bounds: '${part}' is not COL=LO:HI`);
    }
    addDeclaration(metadata, name, { bounds: [lower, upper], source: "--bounds" }, "--bounds");
  }
  return metadata;
}

/** `--categories sex=Female|Male,race=White|Black|Other`. */
export function parseCategoriesOption(raw: string): DatasetMetadata {
  const metadata: Record<string, ColumnMetadata> = {};
  for (const part of splitEntries(raw, "--categories")) {
    const equals = part.indexOf("=");
    const name = part.slice(0, Math.max(0, equals)).trim();
    const categories = part
      .slice(equals + 1)
      .split("|")
      .map((category) => category.trim());
    if (equals <= 0 || name === "" || categories.some((category) => category === "")) {
      throw new UsageError(`--categories: '${part}' is not COL=A|B|C`);
    }
    addDeclaration(metadata, name, { categories, source: "--categories" }, "--categories");
  }
  return metadata;
}

function splitEntries(raw: string, option: string): string[] {
  const parts = raw
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
  if (parts.length === 0) throw new UsageError(`${option} needs at least one column declaration`);
  return parts;
}

function addDeclaration(
  metadata: Record<string, ColumnMetadata>,
  name: string,
  column: ColumnMetadata,
  option: string,
): void {
  if (Object.hasOwn(metadata, name)) throw new UsageError(`${option}: column '${name}' is given twice`);
  try {
    metadata[name] = checkColumnMetadata(name, column, option);
  } catch (error) {
    throw error instanceof DataError ? new UsageError(error.message) : error;
  }
}
