/** `equipoise data list | info | fetch`. */
import { UsageError } from "../../common/errors.js";
import {
  DATASETS,
  datasetNames,
  findDataset,
  type LocatedFile,
  locateFile,
  type PreparedTask,
  prepareTask,
  type Split,
} from "../../data/index.js";
import { defineCommand, parseList, parseNumber } from "../command.js";
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
} as const;

export const dataInfo = defineCommand({
  name: "data info",
  summary: "describe a dataset: rows, features, groups",
  positionals: "DATASET",
  options: taskOptions,
  details: `DATASET is one of ${datasetNames().join(", ")}, or a .csv/.arff file.
Examples:
  equipoise data info adult
  equipoise data info adult --sensitive sex,race-binary --json
  equipoise data info compas --data-dir ../shared/datasets
  equipoise data info loans.csv --target default --sensitive gender --positive yes`,
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
    });
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
      out.print(`${dataset.name} is ${dataset.availability} by equipoise; nothing to fetch`);
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
  };
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
}
