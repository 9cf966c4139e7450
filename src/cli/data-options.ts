/**
 * The options that name a dataset (--data, --target, --sensitive, --positive,
 * --data-dir, --split-seed), shared by every command that loads one. Kept apart from
 * the commands so that importing them loads no tensor engine.
 */
import type { TaskRequest } from "../data/index.js";
import { type OptionValues, parseList, parseNumber, requireOption } from "./command.js";

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
} as const;

export type DataOptionValues = OptionValues<typeof dataOptionSpecs>;

export function readTaskRequest(options: DataOptionValues): TaskRequest {
  const sensitive = parseList(options.sensitive);
  return {
    data: requireOption("data", options.data),
    ...(options.target ? { target: options.target } : {}),
    ...(sensitive.length > 0 ? { sensitive } : {}),
    ...(options.positive ? { positive: options.positive } : {}),
    ...(options["data-dir"] ? { dataDir: options["data-dir"] } : {}),
    seed: parseNumber("split-seed", options["split-seed"], { integer: true, min: 0 }),
  };
}
