/**
 * What the server measures after every round: accuracy and loss of the global model
 * on the held-out test split, accuracy, selection rate and error rates by sensitive
 * group with the fairness gaps (Fairlearn's definitions, through MetricFrame), the
 * backdoor's success rate when one is planted, and — in simulation, where the server
 * may look — the global model's accuracy on every client's own rows.
 */
import type { SensitiveAttribute } from "../data/index.js";
import { MetricFrame } from "../fairness/metric-frame.js";
import { Sequential } from "../nn/index.js";
import { predict } from "../train/index.js";
import { type Trigger, withTrigger } from "./attacks.js";
import type { ModelShape } from "./local-training.js";
import { unflatten } from "./vectors.js";

/**
 * The global model's metrics on one sensitive group.
 *
 * @example
 * ```ts
 * import { type GroupMetrics, type ModelEvaluation } from "equipoise/federated";
 * declare const evaluation: ModelEvaluation; // from evaluateGlobalModel
 * const byGroup: GroupMetrics[] = evaluation.groups;
 * for (const { attribute, group, count, accuracy, truePositiveRate } of byGroup)
 *   console.log(`${attribute}=${group} (${count} rows): accuracy ${accuracy}, TPR ${truePositiveRate}`);
 * ```
 */
export interface GroupMetrics {
  attribute: string;
  group: string;
  count: number;
  accuracy: number;
  /** Binary tasks: P(ŷ = 1 | group), TPR and FPR (NaN when undefined). */
  selectionRate?: number;
  truePositiveRate?: number;
  falsePositiveRate?: number;
}

/**
 * The global model's fairness differences for one sensitive attribute.
 *
 * @example
 * ```ts
 * import { type FairnessGaps, type ModelEvaluation } from "equipoise/federated";
 * declare const evaluation: ModelEvaluation; // from evaluateGlobalModel
 * const gaps: FairnessGaps | undefined = evaluation.fairness.find((g) => g.attribute === "group");
 * console.log(gaps?.demographicParityDifference, gaps?.equalizedOddsDifference); // 0 = parity between the groups
 * ```
 */
export interface FairnessGaps {
  attribute: string;
  demographicParityDifference: number;
  equalizedOddsDifference: number;
}

/**
 * The global model's test accuracy, loss, metrics by group and fairness gaps.
 *
 * @example
 * ```ts
 * import { data, nn } from "equipoise";
 * import { evaluateGlobalModel, type ModelEvaluation, type ModelShape } from "equipoise/federated";
 * declare const shape: ModelShape; // the global model's shape for this task
 * declare const weights: Float32Array; // and its flat weights
 * await nn.initBackend("cpu");
 * const task = await data.prepareTask({ data: "synthetic", sensitive: ["group"] });
 * const evaluation: ModelEvaluation = evaluateGlobalModel(shape, weights, task.test, { binary: true });
 * console.log(evaluation.accuracy, evaluation.loss, evaluation.groups.length, evaluation.fairness[0]?.attribute); // …, 2, "group"
 * ```
 */
export interface ModelEvaluation {
  accuracy: number;
  loss: number;
  groups: GroupMetrics[];
  fairness: FairnessGaps[];
  /** Share of triggered test rows (true label ≠ target) classified as the target. */
  backdoorSuccess?: number;
}

/**
 * Rows the global model is evaluated on.
 *
 * @example
 * ```ts
 * import { data, nn } from "equipoise";
 * import { type EvaluationSplit, evaluateGlobalModel, type ModelShape } from "equipoise/federated";
 * declare const shape: ModelShape; // the global model's shape for this task
 * declare const weights: Float32Array; // and its flat weights
 * await nn.initBackend("cpu");
 * const task = await data.prepareTask({ data: "synthetic", sensitive: ["group"] });
 * const test: EvaluationSplit = task.test; // X, y and the sensitive attributes
 * evaluateGlobalModel(shape, weights, test, { binary: task.numClasses === 2 });
 * ```
 */
export interface EvaluationSplit {
  X: { rows: number; cols: number; data: Float32Array };
  y: Float32Array;
  sensitive: SensitiveAttribute[];
}

/** A model with the given flat weights, disposed after `use`. */
export function withModel<T>(shape: ModelShape, weights: Float32Array, use: (model: Sequential) => T): T {
  const model = new Sequential(shape.architecture, unflatten(weights, shape.sizes));
  try {
    return use(model);
  } finally {
    model.dispose();
  }
}

/**
 * Evaluates global weights on a test split: accuracy, loss, and metrics and gaps by group.
 *
 * @example
 * ```ts
 * import { type EvaluationSplit, evaluateGlobalModel, type ModelShape } from "equipoise/federated";
 * declare const shape: ModelShape; declare const weights: Float32Array; // the global model (as simulateFederated keeps it)
 * declare const test: EvaluationSplit; // the server's test split
 * const evaluation = evaluateGlobalModel(shape, weights, test, { binary: true });
 * console.log(evaluation.accuracy, evaluation.fairness[0]?.demographicParityDifference);
 * ```
 */
export function evaluateGlobalModel(
  shape: ModelShape,
  weights: Float32Array,
  test: EvaluationSplit,
  options: { binary: boolean; trigger?: Trigger },
): ModelEvaluation {
  return withModel(shape, weights, (model) => {
    const { classes, losses } = predict(model, test.X, test.y);
    let correct = 0;
    let lossSum = 0;
    for (let i = 0; i < test.y.length; i++) {
      if (classes[i] === test.y[i]) correct++;
      lossSum += losses![i];
    }
    const groups: GroupMetrics[] = [];
    const fairness: FairnessGaps[] = [];
    // Prepared tasks drop rows whose sensitive value is missing, so every code is a group.
    for (const attribute of test.sensitive) {
      if (!options.binary) {
        attribute.categories.forEach((group, g) => {
          const rows = Int32Array.from(attribute.codes.keys()).filter((i) => attribute.codes[i] === g);
          if (rows.length === 0) return;
          let hits = 0;
          for (const i of rows) if (classes[i] === test.y[i]) hits++;
          groups.push({ attribute: attribute.name, group, count: rows.length, accuracy: hits / rows.length });
        });
        continue;
      }
      const frame = new MetricFrame({
        metrics: ["accuracy", "selection_rate", "true_positive_rate", "false_positive_rate"],
        yTrue: test.y,
        yPred: classes,
        sensitiveFeatures: [attribute],
      });
      frame.groups.forEach((group, g) => {
        groups.push({
          attribute: attribute.name,
          group: group.label,
          count: group.indices.length,
          accuracy: frame.byGroup.accuracy[g],
          selectionRate: frame.byGroup.selection_rate[g],
          truePositiveRate: frame.byGroup.true_positive_rate[g],
          falsePositiveRate: frame.byGroup.false_positive_rate[g],
        });
      });
      fairness.push({
        attribute: attribute.name,
        demographicParityDifference: frame.differenceOf("selection_rate"),
        equalizedOddsDifference: Math.max(
          frame.differenceOf("true_positive_rate"),
          frame.differenceOf("false_positive_rate"),
        ),
      });
    }
    const result: ModelEvaluation = {
      accuracy: correct / test.y.length,
      loss: lossSum / test.y.length,
      groups,
      fairness,
    };
    if (options.trigger) result.backdoorSuccess = backdoorSuccess(model, test, options.trigger);
    return result;
  });
}

function backdoorSuccess(model: Sequential, test: EvaluationSplit, trigger: Trigger): number {
  const victims = Int32Array.from(test.y.keys()).filter((i) => test.y[i] !== trigger.target);
  if (victims.length === 0) return Number.NaN;
  const { cols } = test.X;
  const data = new Float32Array(victims.length * cols);
  victims.forEach((row, k) => {
    data.set(test.X.data.subarray(row * cols, row * cols + cols), k * cols);
  });
  const triggered = withTrigger({ rows: victims.length, cols, data }, trigger);
  const { classes } = predict(model, triggered);
  let hits = 0;
  for (let i = 0; i < classes.length; i++) if (classes[i] === trigger.target) hits++;
  return hits / classes.length;
}

/** Accuracy of the global model on each client's rows. */
export function accuracyOnClients(
  shape: ModelShape,
  weights: Float32Array,
  clients: readonly { X: EvaluationSplit["X"]; y: Float32Array }[],
): number[] {
  return withModel(shape, weights, (model) =>
    clients.map(({ X, y }) => {
      const { classes } = predict(model, X);
      return share(y, classes);
    }),
  );
}

function share(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hits++;
  return yTrue.length === 0 ? Number.NaN : hits / yTrue.length;
}
