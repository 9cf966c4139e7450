/**
 * A client's own rows, read from CSV text and encoded exactly as the server's task
 * says (its fitted preprocessing, its class names), so that every client's features
 * line up with the global model's inputs. Runs in Node and in browsers (no file
 * access here: the caller passes the text). Rows with a missing or unknown label are
 * skipped and counted; a column the preprocessing needs that the file lacks is an error.
 */
import { DataError } from "../common/errors.js";
// Module by module, not the data layer's index: this file is bundled for browsers.
import { readCsv } from "../data/csv.js";
import { Preprocessor } from "../data/preprocess.js";
import type { ColumnKind } from "../data/schema.js";
import { MISSING_CODE, toCategorical } from "../data/table.js";
import type { TrainingData } from "../train/index.js";
import type { TaskSpec } from "./task-spec.js";

/**
 * A client's rows encoded for the federation's task, and how many were left out.
 *
 * @example
 * ```ts
 * import { type ClientData, prepareClientData, type TaskSpec } from "equipoise/federated";
 * declare const spec: TaskSpec; // the task the server sent on joining
 * declare const csvText: string; // this client's rows, with the server's column names
 * const { data, skipped }: ClientData = prepareClientData(csvText, spec, "client-3.csv");
 * console.log(`${data.y.length} rows encoded, ${skipped} left out (missing or unknown label)`);
 * ```
 */
export interface ClientData {
  /** The encoded rows. */
  data: TrainingData;
  /** Rows left out: missing or unknown label. */
  skipped: number;
}

/**
 * Encodes a client's CSV text with the federation's public preprocessing (the task the server sent).
 *
 * @throws `DataError` when the CSV lacks a column the task needs or is malformed.
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { prepareClientData, type TaskSpec } from "equipoise/federated";
 * declare const spec: TaskSpec; // the server sent it on joining (FederatedClient passes it to `loadData`)
 * const { data, skipped } = prepareClientData(readFileSync("client-3.csv", "utf8"), spec);
 * ```
 */
export function prepareClientData(text: string, task: TaskSpec, source = "client data"): ClientData {
  const preprocessor = Preprocessor.fromJSON(task.preprocessor);
  const header = readCsv(text.split(/\r?\n/, 1)[0] ?? "", { source }).names;
  const needed = [...preprocessor.inputColumns, task.target];
  const missing = needed.filter((name) => !header.includes(name));
  if (missing.length > 0) {
    throw new DataError(
      `${source} lacks the column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} that the federation's task needs`,
    );
  }
  const kinds = preprocessor.toJSON();
  const overrides: Record<string, ColumnKind> = { [task.target]: "categorical" };
  if (kinds.kind === "tabular") {
    for (const t of kinds.transforms)
      overrides[t.column] = t.kind === "standardise" ? "numeric" : "categorical";
  }
  const table = readCsv(text, { source, overrides });
  if (table.rows === 0) throw new DataError(`${source} has no rows`);
  const labels = toCategorical(table.column(task.target));
  const classOf = labels.categories.map((category) => labelIndex(category, task));
  const keep: number[] = [];
  const y: number[] = [];
  for (let r = 0; r < table.rows; r++) {
    const code = labels.codes[r];
    const label = code === MISSING_CODE ? -1 : classOf[code];
    if (label < 0) continue;
    keep.push(r);
    y.push(label);
  }
  if (keep.length === 0) {
    throw new DataError(
      `${source}: no row has a label among ${task.classNames.join(", ")} in column '${task.target}'`,
    );
  }
  const rows = keep.length === table.rows ? table : table.selectRows(keep);
  const X = preprocessor.transform(rows);
  if (X.cols !== task.inputSize)
    throw new DataError(`${source}: ${X.cols} features after encoding, the model expects ${task.inputSize}`);
  return { data: { X, y: Float32Array.from(y) }, skipped: table.rows - keep.length };
}

/** The class index of a label text under the task's encoding; −1 when unknown. */
function labelIndex(label: string, task: TaskSpec): number {
  const text = label.trim();
  if (task.positiveLabel !== null && task.classNames.length === 2) {
    // Binary tasks: the positive label is 1, everything else 0 (as the server encoded its own data).
    return text === task.positiveLabel ? 1 : 0;
  }
  return task.classNames.indexOf(text);
}
