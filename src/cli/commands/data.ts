/** `equipoise data list | info | fetch`. */
import { UsageError } from "../../common/errors.js";
import {
  DATASETS,
  datasetNames,
  declarationOf,
  findDataset,
  type LocatedFile,
  locateFile,
  type PreparedTask,
  type PreprocessingRecord,
  prepareTask,
  type Split,
} from "../../data/index.js";
import { defineCommand, parseList, parseNumber } from "../command.js";
import {
  declarationOptionSpecs,
  parsePreprocessingMode,
  preprocessingOptionSpec,
  readDeclarations,
} from "../data-options.js";
import { createProgress } from "../progress.js";

export const dataList = defineCommand({
  name: "data list",
  summary: "list the known datasets",
  options: {},
  run({ out }) {
    if (out.wantsJson) {
      out.json(
        DATASETS.map((d) => ({
          name: d.name,
          summary: d.summary,
          availability: d.availability,
          target: d.target,
          positiveLabel: d.positiveLabel,
          sensitive: d.sensitive,
          alsoSensitive: d.alsoSensitive,
          source: d.source,
          license: d.license,
        })),
      );
      return;
    }
    const width = Math.max(...DATASETS.map((d) => d.name.length)) + 2;
    for (const d of DATASETS) out.print(`${d.name.padEnd(width)}${d.availability.padEnd(11)}${d.summary}`);
    out.print("");
    out.print("Or a file: --data FILE.csv|FILE.arff --target COL --sensitive COL[,COL] [--positive VALUE].");
  },
});

const taskOptions = {
  "data-dir": {
    type: "string",
    valueName: "DIR",
    description: "local copies of fetched datasets (DIR/<dataset>/ or DIR/; default EQUIPOISE_DATA_DIR)",
  },
  target: { type: "string", valueName: "COL", description: "target column (required for a file)" },
  sensitive: { type: "string", valueName: "COLS", description: "sensitive columns, comma-separated" },
  positive: { type: "string", valueName: "VALUE", description: "the label value that counts as positive" },
  seed: { type: "string", valueName: "N", description: "seed of the train/test split", default: "0" },
  ...declarationOptionSpecs,
  preprocessing: {
    ...preprocessingOptionSpec,
    valueName: "fit|public",
    description: "fit: statistics of the training rows; public: declared metadata only",
    default: "fit",
  },
} as const;

export const dataInfo = defineCommand({
  name: "data info",
  summary: "describe a dataset: rows, features, groups, the public metadata of its columns",
  positionals: "DATASET",
  options: taskOptions,
  details: `DATASET is one of ${datasetNames().join(", ")}, or a .csv/.arff file.
Each feature column is listed with its declared public metadata (categories or bounds, and
where they come from): what preprocessing 'public' and 'private' use. Warnings about the
data (stray tokens, clipped or undeclared values) go to stderr.
Examples:
  equipoise data info adult
  equipoise data info adult --sensitive sex,race-binary --json
  equipoise data info adult --preprocessing public
  equipoise data info compas --data-dir ../shared/datasets
  equipoise data info loans.csv --target default --sensitive gender --positive yes \\
    --bounds income=0:500000 --categories gender=f|m|x --preprocessing public`,
  async run({ options, positionals, out }) {
    const data = onePositional(positionals, "data info");
    const sensitive = options.sensitive === undefined ? undefined : parseList(options.sensitive);
    const task = await prepareTask({
      data,
      target: options.target,
      sensitive,
      positive: options.positive,
      dataDir: options["data-dir"],
      seed: parseNumber("seed", options.seed, { integer: true, min: 0 }),
      files: { onProgress: downloadProgress(out.stderrIsTTY) },
      preprocessing: parsePreprocessingMode(options.preprocessing, ["fit", "public"]),
      ...readDeclarations(options),
    });
    for (const warning of task.warnings) out.note(`warning: ${warning}`);
    const summary = describeTask(task);
    if (out.wantsJson) {
      out.json(summary);
      return;
    }
    printSummary(summary, task, out.print);
  },
});

export const dataFetch = defineCommand({
  name: "data fetch",
  summary: "download a dataset and check its checksum",
  positionals: "DATASET",
  options: { "data-dir": taskOptions["data-dir"] },
  details:
    "Downloads go to EQUIPOISE_CACHE_DIR (default ~/.cache/equipoise) and are kept only if their SHA-256 matches.",
  async run({ options, positionals, out }) {
    const name = onePositional(positionals, "data fetch");
    const dataset = findDataset(name);
    if (!dataset)
      throw new UsageError(`unknown dataset '${name}'; known datasets: ${datasetNames().join(", ")}`);
    const located: (LocatedFile & { name: string })[] = [];
    for (const file of dataset.files) {
      const found = await locateFile(dataset.name, file, {
        dataDir: options["data-dir"],
        onProgress: downloadProgress(out.stderrIsTTY),
      });
      located.push({ name: file.name, ...found });
    }
    if (out.wantsJson) {
      out.json({ name: dataset.name, availability: dataset.availability, files: located });
      return;
    }
    if (dataset.files.length === 0) {
      out.print(
        `${dataset.name} is ${dataset.availability === "bundled" ? "bundled with" : "generated by"} equipoise; nothing to fetch`,
      );
      return;
    }
    for (const file of located) out.print(`${file.name}  ${file.origin}  ${file.path}`);
    out.print(`${dataset.name}: ${located.length} file(s) present, SHA-256 verified`);
  },
});

function onePositional(positionals: string[], command: string): string {
  if (positionals.length === 0) {
    throw new UsageError(
      `${command} needs a DATASET: one of ${datasetNames().join(", ")}, or a .csv/.arff file`,
    );
  }
  if (positionals.length > 1)
    throw new UsageError(`${command} takes one DATASET, got: ${positionals.join(" ")}`);
  return positionals[0];
}

/** A progress bar per downloaded file on a terminal; silent otherwise (downloads are short). */
function downloadProgress(isTTY: boolean) {
  if (!isTTY) return undefined;
  const bars = new Map<string, ReturnType<typeof createProgress>>();
  return (file: string, done: number, total: number | null) => {
    let bar = bars.get(file);
    if (!bar) {
      bar = createProgress(`downloading ${file}`, { isTTY, write: (text) => process.stderr.write(text) });
      bars.set(file, bar);
    }
    if (total !== null) bar.update(done, total);
    if (total !== null && done >= total) bar.finish();
  };
}

export interface TaskSummary {
  name: string;
  rows: { train: number; test: number };
  features: number;
  target: string;
  positiveLabel: string | null;
  classes: string[];
  /** Share of positive labels in train (binary tasks); null for multi-class. */
  positiveRate: number | null;
  imageShape?: [number, number, number];
  sensitive: string[];
  /** Training rows per value of each sensitive attribute. */
  groups: Record<string, Record<string, number>>;
  /** Positive rate in train per value of each sensitive attribute (binary tasks). */
  groupPositiveRates: Record<string, Record<string, number>>;
  /** Each input column of the features: its kind and its declared public metadata (null: none declared). */
  columns: ColumnSummary[];
  preprocessing: PreprocessingRecord;
  /** SHA-256 of the data (split seed, raw feature values, labels, groups). */
  fingerprint: string;
  warnings: string[];
}

export interface ColumnSummary {
  name: string;
  kind: "numeric" | "categorical";
  declared: { categories?: string[]; bounds?: [number, number]; source?: string } | null;
}

export function describeTask(task: PreparedTask): TaskSummary {
  const binary = task.positiveLabel !== null;
  const groups: TaskSummary["groups"] = {};
  const groupPositiveRates: TaskSummary["groupPositiveRates"] = {};
  for (const attribute of task.train.sensitive) {
    const counts = new Float64Array(attribute.categories.length);
    const positives = new Float64Array(attribute.categories.length);
    for (let i = 0; i < attribute.codes.length; i++) {
      counts[attribute.codes[i]]++;
      positives[attribute.codes[i]] += task.train.y[i];
    }
    groups[attribute.name] = Object.fromEntries(attribute.categories.map((c, k) => [c, counts[k]]));
    if (binary) {
      groupPositiveRates[attribute.name] = Object.fromEntries(
        attribute.categories.map((c, k) => [c, counts[k] > 0 ? positives[k] / counts[k] : 0]),
      );
    }
  }
  return {
    name: task.name,
    rows: { train: task.train.X.rows, test: task.test.X.rows },
    features: task.train.X.cols,
    target: task.target,
    positiveLabel: task.positiveLabel,
    classes: task.classNames,
    positiveRate: binary ? mean(task.train) : null,
    ...(task.imageShape ? { imageShape: task.imageShape } : {}),
    sensitive: task.train.sensitive.map((attribute) => attribute.name),
    groups,
    groupPositiveRates,
    columns: describeColumns(task),
    preprocessing: task.preprocessing,
    fingerprint: task.fingerprint,
    warnings: task.warnings,
  };
}

function describeColumns(task: PreparedTask): ColumnSummary[] {
  const state = task.preprocessor.toJSON();
  if (state.kind !== "tabular") return [];
  return state.transforms.map((t) => {
    const declared = declarationOf(task.declared, t.column);
    return {
      name: t.column,
      kind: t.kind === "standardise" ? "numeric" : "categorical",
      declared: declared
        ? {
            ...(declared.categories ? { categories: [...declared.categories] } : {}),
            ...(declared.bounds
              ? { bounds: [declared.bounds[0], declared.bounds[1]] as [number, number] }
              : {}),
            ...(declared.transform ? { transform: declared.transform } : {}),
            ...(declared.source ? { source: declared.source } : {}),
          }
        : null,
    };
  });
}

function mean(split: Split): number {
  let sum = 0;
  for (let i = 0; i < split.y.length; i++) sum += split.y[i];
  return split.y.length > 0 ? sum / split.y.length : 0;
}

function printSummary(summary: TaskSummary, task: PreparedTask, print: (line: string) => void): void {
  const percent = (x: number) => `${(100 * x).toFixed(1)}%`;
  print(`${summary.name}`);
  print(`  rows       ${summary.rows.train} train, ${summary.rows.test} test`);
  print(
    `  features   ${summary.features}${summary.imageShape ? ` (images ${summary.imageShape.join("x")})` : ""}` +
      ` from ${task.preprocessor.kind === "tabular" ? `${task.preprocessor.inputColumns.length} columns` : "pixels"}`,
  );
  if (summary.positiveRate !== null) {
    print(
      `  target     ${summary.target} = ${summary.positiveLabel} (positive rate ${percent(summary.positiveRate)} in train)`,
    );
  } else {
    print(
      `  target     ${summary.target}: ${summary.classes.length} classes (${summary.classes.join(", ")})`,
    );
  }
  if (summary.sensitive.length === 0) print("  sensitive  none");
  for (const name of summary.sensitive) {
    const parts = Object.entries(summary.groups[name]).map(([group, count]) => {
      const rate = summary.groupPositiveRates[name]?.[group];
      return `${group} ${count}${rate === undefined ? "" : ` (${percent(rate)} positive)`}`;
    });
    print(`  sensitive  ${name}: ${parts.join(", ")}`);
  }
  print(`  preprocessing ${summary.preprocessing.mode}: ${summary.preprocessing.notes.join("; ")}`);
  print(`  fingerprint ${summary.fingerprint}`);
  if (summary.columns.length === 0) return;
  print("  columns (declared public metadata, used by preprocessing 'public' and 'private'):");
  const width = Math.max(...summary.columns.map((column) => column.name.length)) + 2;
  for (const column of summary.columns)
    print(`    ${column.name.padEnd(width)}${describeDeclaration(column)}`);
}

function describeDeclaration(column: ColumnSummary): string {
  const { declared } = column;
  const source = declared?.source ? `  [${declared.source}]` : "";
  if (declared?.bounds) return `numeric, bounds [${declared.bounds[0]}, ${declared.bounds[1]}]${source}`;
  if (declared?.categories) {
    const shown = declared.categories.slice(0, 8).join(", ");
    const more = declared.categories.length > 8 ? `, … (${declared.categories.length} in all)` : "";
    return `categorical, ${declared.categories.length} categories: ${shown}${more}${source}`;
  }
  const how =
    column.kind === "numeric" ? `--bounds ${column.name}=LO:HI` : `--categories ${column.name}=A|B|C`;
  return `${column.kind}, nothing declared (declare with ${how} or --schema)`;
}
