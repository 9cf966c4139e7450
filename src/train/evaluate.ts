/**
 * Accuracy, mean loss and per-group accuracy of a model on a data split, computed
 * in chunks so that memory stays bounded on large test sets.
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  labelTensor,
  perExampleLosses,
  predictedClasses,
  type Reading,
  readNow,
  type Sequential,
} from "../nn/index.js";

/**
 * Rows to evaluate a model on: features, labels, optional sample weights and sensitive groups.
 *
 * @example
 * ```ts
 * import { nn, train } from "equipoise";
 * await nn.initBackend("wasm");
 * const model = nn.buildModel("mlp:8", [2], 2, 0);
 * const data: train.EvaluationData = {
 *   X: { rows: 4, cols: 2, data: Float32Array.of(0, 1, 1, 0, 1, 1, 0, 0) },
 *   y: Float32Array.of(1, 1, 0, 0),
 *   sensitive: [{ name: "sex", categories: ["female", "male"], codes: Int32Array.of(0, 1, 0, 1) }],
 * };
 * const evaluation = train.evaluateModel(model, data); // accuracy, loss, and one accuracy per sex
 * ```
 */
export interface EvaluationData {
  /** Features, row-major. */
  X: { rows: number; cols: number; data: Float32Array };
  /** Labels: 0/1, or the class index. */
  y: Float32Array;
  sampleWeights?: Float32Array;
  sensitive?: { name: string; categories: string[]; codes: Int32Array }[];
}

/**
 * Accuracy of one sensitive group.
 *
 * @example
 * ```ts
 * import { type nn, train } from "equipoise";
 * declare const model: nn.Sequential; // a trained model
 * declare const test: train.EvaluationData; // with a "sex" sensitive attribute
 * const groups: train.GroupAccuracy[] = train.evaluateModel(model, test).groups;
 * for (const g of groups) console.log(`${g.attribute}=${g.group}: ${g.accuracy} on ${g.count} rows`);
 * ```
 */
export interface GroupAccuracy {
  /** The sensitive attribute. */
  attribute: string;
  group: string;
  count: number;
  accuracy: number;
}

/**
 * A model's (weighted) accuracy and mean loss on some rows, and the accuracy of each sensitive group.
 *
 * @example
 * ```ts
 * import { type nn, train } from "equipoise";
 * declare const model: nn.Sequential; // a trained model
 * declare const test: train.EvaluationData; // the test split
 * const evaluation: train.Evaluation = train.evaluateModel(model, test);
 * evaluation.accuracy; // (weighted) share of correct predictions
 * evaluation.loss; // weighted mean loss
 * evaluation.groups; // accuracy of each sensitive group
 * ```
 */
export interface Evaluation {
  /** Rows (or their total weight). */
  count: number;
  accuracy: number;
  /** Weighted mean loss. */
  loss: number;
  groups: GroupAccuracy[];
}

/**
 * A model's predicted classes and probabilities on some rows.
 *
 * @example
 * ```ts
 * import { nn, train } from "equipoise";
 * await nn.initBackend("wasm");
 * const model = nn.buildModel("mlp:8", [3], 2, 0);
 * const predictions: train.Predictions = train.predict(model, { rows: 2, cols: 3, data: Float32Array.of(1, 2, 3, 0, 0, 0) });
 * predictions.classes; // Int32Array of 0/1
 * predictions.probabilities; // P(class 1) of each row
 * predictions.losses; // undefined: no labels given
 * ```
 */
export interface Predictions {
  /** The predicted class of each row. */
  classes: Int32Array;
  /** P(class 1) for binary models; [rows, classes] row-major otherwise. */
  probabilities: Float32Array;
  losses?: Float32Array;
}

const CHUNK = 4096;

/**
 * Predicted classes and probabilities (and per-example losses when labels are given).
 *
 * @example
 * ```ts
 * import { nn, train } from "equipoise";
 * await nn.initBackend("wasm"); // tensors need a backend
 * const model = nn.buildModel("mlp:8", [3], 2, 0);
 * const { classes, probabilities, losses } = train.predict(model, { rows: 2, cols: 3, data: Float32Array.of(1, 2, 3, 0, 0, 0) }, Float32Array.of(1, 0));
 * // classes: Int32Array of 0/1; probabilities: P(class 1) per row; losses: given labels, per row
 * ```
 */
export function predict(model: Sequential, X: EvaluationData["X"], y?: Float32Array): Predictions {
  return readNow(predictReading(model, X, y));
}

/**
 * {@link predict} as a reading (nn.Reading), for backends that read only asynchronously (WebGPU).
 *
 * @example
 * ```ts
 * import { nn, train } from "equipoise";
 * declare const model: nn.Sequential; declare const X: train.EvaluationData["X"];
 * const { classes } = await nn.readLater(train.predictReading(model, X));
 * ```
 */
export function* predictReading(
  model: Sequential,
  X: EvaluationData["X"],
  y?: Float32Array,
): Reading<Predictions> {
  const inputShape = model.architecture.inputShape;
  const kind = model.architecture.loss;
  const outputs = model.outputShape[0];
  const classes = new Int32Array(X.rows);
  const probabilities = new Float32Array(kind === "binary-cross-entropy" ? X.rows : X.rows * outputs);
  const losses = y ? new Float32Array(X.rows) : undefined;
  for (let start = 0; start < X.rows; start += CHUNK) {
    const end = Math.min(X.rows, start + CHUNK);
    const [predicted, probs, chunkLosses] = tf.tidy(() => {
      const x = tf.tensor(X.data.subarray(start * X.cols, end * X.cols), [end - start, ...inputShape]);
      const logits = model.predictLogits(x);
      const classTensor = predictedClasses(kind, logits);
      const probabilityTensor =
        kind === "binary-cross-entropy"
          ? tf.sigmoid(tf.reshape(logits, [-1]))
          : tf.softmax(logits as tf.Tensor2D);
      if (!y) return [classTensor, probabilityTensor];
      const labels = labelTensor(kind, y.subarray(start, end));
      return [classTensor, probabilityTensor, perExampleLosses(kind, logits, labels)];
    });
    try {
      const predictedValues = yield predicted;
      for (let i = 0; i < predictedValues.length; i++) classes[start + i] = Math.round(predictedValues[i]);
      probabilities.set(
        (yield probs) as Float32Array,
        kind === "binary-cross-entropy" ? start : start * outputs,
      );
      if (chunkLosses && losses) losses.set((yield chunkLosses) as Float32Array, start);
    } finally {
      tf.dispose([predicted, probs, ...(chunkLosses ? [chunkLosses] : [])]);
    }
  }
  return { classes, probabilities, losses };
}

/**
 * A model's weighted accuracy and mean loss on the given rows, and the accuracy of each sensitive group.
 *
 * @example
 * ```ts
 * import { type nn, train } from "equipoise";
 * import type { PreparedTask } from "equipoise/data";
 * declare const model: nn.Sequential; // a trained model
 * declare const task: PreparedTask; // its data (see prepareTask)
 * const evaluation = train.evaluateModel(model, { X: task.test.X, y: task.test.y, sensitive: task.test.sensitive });
 * console.log(evaluation.accuracy, evaluation.groups);
 * ```
 */
export function evaluateModel(model: Sequential, data: EvaluationData): Evaluation {
  return readNow(evaluateModelReading(model, data));
}

/**
 * {@link evaluateModel} as a reading (nn.Reading), for backends that read only asynchronously (WebGPU).
 *
 * @example
 * ```ts
 * import { nn, train } from "equipoise";
 * declare const model: nn.Sequential; declare const test: train.EvaluationData;
 * const { accuracy } = await nn.readLater(train.evaluateModelReading(model, test));
 * ```
 */
export function* evaluateModelReading(model: Sequential, data: EvaluationData): Reading<Evaluation> {
  const { classes, losses } = yield* predictReading(model, data.X, data.y);
  const w = data.sampleWeights;
  let correct = 0;
  let total = 0;
  let lossSum = 0;
  for (let i = 0; i < data.X.rows; i++) {
    const weight = w ? w[i] : 1;
    total += weight;
    if (classes[i] === data.y[i]) correct += weight;
    lossSum += weight * losses![i];
  }
  const groups: GroupAccuracy[] = [];
  for (const attribute of data.sensitive ?? []) {
    const counts = new Float64Array(attribute.categories.length);
    const hits = new Float64Array(attribute.categories.length);
    for (let i = 0; i < data.X.rows; i++) {
      const code = attribute.codes[i];
      if (code < 0 || code >= counts.length) continue;
      const weight = w ? w[i] : 1;
      counts[code] += weight;
      if (classes[i] === data.y[i]) hits[code] += weight;
    }
    attribute.categories.forEach((group, c) => {
      if (counts[c] > 0)
        groups.push({ attribute: attribute.name, group, count: counts[c], accuracy: hits[c] / counts[c] });
    });
  }
  return { count: data.X.rows, accuracy: correct / total, loss: lossSum / total, groups };
}
