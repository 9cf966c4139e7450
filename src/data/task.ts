/** prepareTask: one door in, from a dataset name or a file path to train/test tensors. */
import { existsSync } from "node:fs";
import { DataError } from "../common/errors.js";
import { adultSource } from "./datasets/adult.js";
import { coloredFashionMnist, coloredFashionMnistRho } from "./datasets/colored-fashion-mnist.js";
import { compasSource } from "./datasets/compas.js";
import { fashionMnistTask } from "./datasets/fashion-mnist.js";
import { germanCreditSource } from "./datasets/german-credit.js";
import { spuriousAdultRho, spuriousAdultTask } from "./datasets/spurious-adult.js";
import { type SyntheticOptions, syntheticSource } from "./datasets/synthetic.js";
import { isDataFilePath, type UserFileOptions, userFileSource } from "./datasets/user-file.js";
import type { FileLocationOptions } from "./fetch.js";
import type { DatasetMetadata } from "./metadata.js";
import { Preprocessor, type PreprocessorJSON } from "./preprocess.js";
import type { PreprocessingMode, PrivatePreprocessor } from "./preprocessing-record.js";
import { datasetNames } from "./registry.js";
import { buildTabularTask, type TabularBuildOptions } from "./tabular-task.js";
import type { PreparedTask } from "./types.js";

/**
 * What {@link prepareTask} prepares: a registry data set or a file, its target and sensitive
 * attributes, the split seed, and how the features are preprocessed.
 *
 * @example
 * ```ts
 * import { prepareTask, type TaskRequest } from "equipoise/data";
 * const request: TaskRequest = {
 *   data: "adult",
 *   sensitive: ["sex"],
 *   sensitiveInFeatures: false,
 *   seed: 0,
 *   preprocessing: "public", // from the data set's declared metadata, nothing fitted on rows
 * };
 * const task = await prepareTask(request);
 * ```
 */
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
  /** A user file's separate test file (fixed split; see UserFileOptions.testData). */
  testData?: string;
  /**
   * How the features are preprocessed (default "fit"): "fit" on the training rows;
   * "public" from declared metadata only (the data set's, and `metadata`); "private"
   * under DP by `fitPrivately`. See ./preprocessing-record.ts for what each means for
   * a private run; the result is in PreparedTask.preprocessing.
   */
  preprocessing?: PreprocessingMode;
  /** Required by preprocessing "private": `privatePreprocessing({ noise, noiseMultiplier })` from the privacy module. */
  fitPrivately?: PrivatePreprocessor;
  /** The user's public metadata (--schema, --bounds, --categories); replaces the data set's per column. */
  metadata?: DatasetMetadata;
  /** Columns to leave out of the features. */
  drop?: string[];
  /**
   * An already fitted preprocessor (a saved model's): X of both splits is computed
   * with it instead of one fitted on the training split, so new data is encoded as
   * the model was trained. Categories it does not know give all-zero one-hot blocks;
   * a column it needs that the data lacks is an error.
   */
  preprocessor?: PreprocessorJSON;
}

/**
 * Loads a data set (bundled, fetched, generated or a user's CSV/ARFF file), splits it (seeded,
 * stratified, or the data set's own split), and preprocesses the features: the one way every
 * command reads data. Bad input is a DataError naming the problem.
 *
 * @example
 * ```ts
 * import { prepareTask } from "equipoise/data";
 * const task = await prepareTask({ data: "german-credit", sensitive: ["sex"], seed: 0 });
 * task.train.X.rows + task.test.X.rows; // 1000
 * ```
 */
export async function prepareTask(request: TaskRequest): Promise<PreparedTask> {
  const files: FileLocationOptions = { ...request.files, dataDir: request.dataDir };
  const fitted = request.preprocessor && Preprocessor.fromJSON(request.preprocessor);
  const build: TabularBuildOptions = {
    preprocessing: request.preprocessing,
    fitPrivately: request.fitPrivately,
    fitted,
    metadata: request.metadata,
    drop: request.drop,
  };
  const coloredRho = coloredFashionMnistRho(request.data);
  const spuriousRho = spuriousAdultRho(request.data);
  const isRegistered =
    datasetNames().includes(request.data) || coloredRho !== undefined || spuriousRho !== undefined;
  if (request.testData !== undefined && isRegistered) {
    throw new DataError(
      `--test-data applies to a data file; ${request.data} has its own test split (drop --test-data)`,
    );
  }
  switch (request.data) {
    case "adult":
      return buildTabularTask(adultSource(request), build);
    case "german-credit":
      return buildTabularTask(germanCreditSource(request), build);
    case "compas":
      return buildTabularTask(await compasSource({ ...request, files }), build);
    case "fashion-mnist":
      if (request.target || request.sensitive?.length || request.positive) {
        throw new DataError(
          "fashion-mnist has a fixed task (10 classes, no sensitive attribute): drop --target/--sensitive/--positive",
        );
      }
      return withFixedImageScaling(await fashionMnistTask(files), fitted);
    case "synthetic":
      return buildTabularTask(syntheticSource(request), build);
  }
  if (coloredRho !== undefined) {
    if (request.target || request.sensitive?.length || request.positive) {
      throw new DataError(
        `${request.data} has a fixed task (10 classes, sensitive attributes bias and colour): drop --target/--sensitive/--positive`,
      );
    }
    return withFixedImageScaling((await coloredFashionMnist({ rho: coloredRho }, files)).task, fitted);
  }
  if (spuriousRho !== undefined)
    return (await spuriousAdultTask({ ...request, rho: spuriousRho }, build)).task;
  if (existsSync(request.data) || isDataFilePath(request.data)) {
    const options = { ...request, ...request.csv, metadata: request.metadata };
    return buildTabularTask(userFileSource(request.data, options), build);
  }
  throw new DataError(
    `unknown dataset '${request.data}'; known datasets: ${datasetNames().join(", ")}, or a .csv/.arff file`,
  );
}

/**
 * Image scaling has nothing fitted to the data: a saved image preprocessor is
 * honoured by checking that it is the one the task already applied.
 */
function withFixedImageScaling(task: PreparedTask, fitted: Preprocessor | undefined): PreparedTask {
  if (!fitted) return task;
  if (fitted.kind !== "image") {
    throw new DataError(`the saved preprocessor encodes table columns, but ${task.name} holds images`);
  }
  const given = JSON.stringify(fitted.toJSON());
  const applied = JSON.stringify(task.preprocessor.toJSON());
  if (given !== applied) {
    throw new DataError(`the saved image preprocessor ${given} differs from ${task.name}'s ${applied}`);
  }
  return task;
}
