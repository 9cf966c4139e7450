/** Shapes shared by the data layer and everything downstream (models, metrics, search). */
import type { DatasetMetadata } from "./metadata.js";
import type { Preprocessor } from "./preprocess.js";
import type { PreprocessingRecord } from "./preprocessing-record.js";

/**
 * A dense row-major matrix: element (i, j) is data[i * cols + j].
 *
 * @example
 * ```ts
 * import type { Matrix } from "equipoise/data";
 * const X: Matrix = { rows: 2, cols: 3, data: Float32Array.of(1, 2, 3, 4, 5, 6) };
 * X.data[1 * X.cols + 2]; // 6: element (1, 2)
 * ```
 */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

/**
 * A sensitive attribute of every example of a split: codes index categories.
 *
 * @example
 * ```ts
 * import { prepareTask, type SensitiveAttribute } from "equipoise/data";
 * const task = await prepareTask({ data: "german-credit", sensitive: ["sex"] });
 * const [sex]: SensitiveAttribute[] = task.test.sensitive;
 * sex.categories[sex.codes[0]]; // the group of the first test row
 * ```
 */
export interface SensitiveAttribute {
  name: string;
  categories: string[];
  codes: Int32Array;
}

/**
 * One split's rows: features, labels, and the sensitive attributes of every row.
 *
 * @example
 * ```ts
 * import { prepareTask, type Split } from "equipoise/data";
 * const task = await prepareTask({ data: "german-credit", sensitive: ["sex"] });
 * const test: Split = task.test;
 * test.X.rows === test.y.length; // true: one label per row of features
 * ```
 */
export interface Split {
  X: Matrix;
  /** 0/1 for a binary task (1 = positive label), the class index otherwise. */
  y: Float32Array;
  sensitive: SensitiveAttribute[];
}

/**
 * A data set ready to train on: both splits, class names, feature names, the fitted preprocessor
 * and how it was built, declared metadata, warnings for the user, and the data's fingerprint.
 *
 * @example
 * ```ts
 * import { type PreparedTask, prepareTask } from "equipoise/data";
 * const task: PreparedTask = await prepareTask({ data: "german-credit", sensitive: ["sex"] });
 * task.classNames; // [negative, positive]: y = 1 stands for task.positiveLabel
 * task.featureNames.length === task.train.X.cols; // true
 * task.fingerprint; // SHA-256 of the data, recorded by studies
 * ```
 */
export interface PreparedTask {
  name: string;
  target: string;
  /** The label that y = 1 stands for; null for a multi-class task. */
  positiveLabel: string | null;
  numClasses: number;
  /** Class names, index = value of y (for a binary task: [negative, positive]). */
  classNames: string[];
  /** Names of the columns of X. */
  featureNames: string[];
  /** [height, width, channels] for image data; rows of X are flattened HWC in [0, 1]. */
  imageShape?: [number, number, number];
  train: Split;
  test: Split;
  /** Built from the training split only (or declared metadata); toJSON() / Preprocessor.fromJSON(). */
  preprocessor: Preprocessor;
  /** How the preprocessor was built and what that means for a private run (releases to account, release status). */
  preprocessing: PreprocessingRecord;
  /** The declared public metadata of the task's columns (features, target, sensitive) that applied. */
  declared: DatasetMetadata;
  /** Lines for the user (stderr): typing decisions, clipped or unlisted values, degenerate groups. */
  warnings: string[];
  /**
   * SHA-256 (hex) of the data: split seed, target and labels, the raw feature values and
   * sensitive groups of the train and test rows (./fingerprint.ts). A study records it
   * and refuses to resume on other data.
   */
  fingerprint: string;
}
