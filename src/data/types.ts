/** Shapes shared by the data layer and everything downstream (models, metrics, search). */
import type { Preprocessor } from "./preprocess.js";

/** A dense row-major matrix: element (i, j) is data[i * cols + j]. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

/** A sensitive attribute of every example of a split: codes index categories. */
export interface SensitiveAttribute {
  name: string;
  categories: string[];
  codes: Int32Array;
}

export interface Split {
  X: Matrix;
  /** 0/1 for a binary task (1 = positive label), the class index otherwise. */
  y: Float32Array;
  sensitive: SensitiveAttribute[];
}

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
  /** Fitted on the training split only; toJSON() / Preprocessor.fromJSON(). */
  preprocessor: Preprocessor;
}
