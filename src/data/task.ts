/** prepareTask: one door in, from a dataset name or a file path to train/test tensors. */
import { existsSync } from "node:fs";
import { DataError } from "../common/errors.js";
import { adultSource } from "./datasets/adult.js";
import { compasSource } from "./datasets/compas.js";
import { fashionMnistTask } from "./datasets/fashion-mnist.js";
import { germanCreditSource } from "./datasets/german-credit.js";
import { type SyntheticOptions, syntheticSource } from "./datasets/synthetic.js";
import { isDataFilePath, type UserFileOptions, userFileSource } from "./datasets/user-file.js";
import type { FileLocationOptions } from "./fetch.js";
import { datasetNames } from "./registry.js";
import { buildTabularTask } from "./tabular-task.js";
import type { PreparedTask } from "./types.js";

export interface TaskRequest {
  /** A registry name (adult, german-credit, compas, fashion-mnist, synthetic) or a .csv/.arff path. */
  data: string;
  target?: string;
  sensitive?: string[];
  /** The label that y = 1 stands for. */
  positive?: string;
  /** Local copies of fetched datasets (default EQUIPOISE_DATA_DIR). */
  dataDir?: string;
  /** Seed of the train/test split (default 0). */
  seed?: number;
  /**
   * Keep the sensitive columns (and the columns they are derived from) among the
   * features. Default: as in the dataset's standard task (adult, compas,
   * german-credit: yes; synthetic and user files: no).
   */
  sensitiveInFeatures?: boolean;
  /** Cache directory, mirror, injected fetch, download progress (fetched datasets). */
  files?: Omit<FileLocationOptions, "dataDir">;
  /** Generator parameters of the synthetic dataset. */
  synthetic?: Partial<SyntheticOptions>;
  /** Reader options for a user's CSV file. */
  csv?: Pick<UserFileOptions, "delimiter" | "missing" | "overrides">;
}

export async function prepareTask(request: TaskRequest): Promise<PreparedTask> {
  const files: FileLocationOptions = { ...request.files, dataDir: request.dataDir };
  switch (request.data) {
    case "adult":
      return buildTabularTask(adultSource(request));
    case "german-credit":
      return buildTabularTask(germanCreditSource(request));
    case "compas":
      return buildTabularTask(await compasSource({ ...request, files }));
    case "fashion-mnist":
      if (request.target || request.sensitive?.length || request.positive) {
        throw new DataError(
          "fashion-mnist has a fixed task (10 classes, no sensitive attribute): drop --target/--sensitive/--positive",
        );
      }
      return fashionMnistTask(files);
    case "synthetic":
      return buildTabularTask(syntheticSource(request));
  }
  if (existsSync(request.data) || isDataFilePath(request.data)) {
    return buildTabularTask(userFileSource(request.data, { ...request, ...request.csv }));
  }
  throw new DataError(
    `unknown dataset '${request.data}'; known datasets: ${datasetNames().join(", ")}, or a .csv/.arff file`,
  );
}
