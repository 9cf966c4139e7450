/**
 * How a fitted model does on a split: the shared model metrics (fit/metrics.ts), the
 * mean loss and, for a binary model with sensitive attributes, the full fairness
 * report (group table and Fairlearn's measures for every attribute and their
 * intersection). Refuses, with one clear line, a model whose scores are not finite
 * (a diverged or tampered model would otherwise yield NaN metrics) and data whose
 * target has another number of classes than the model predicts.
 */
import { UserError } from "../common/errors.js";
import type { Split } from "../data/types.js";
import { type FairnessReport, fairnessReport } from "../fairness/report.js";
import type { Sequential } from "../nn/index.js";
import { predict } from "../train/index.js";
import { type ModelMetrics, modelMetrics } from "./metrics.js";

/**
 * A model's metrics on a split (accuracy, balanced accuracy, gaps, per-group figures, ε), its loss, and its fairness report.
 *
 * @example
 * ```ts
 * import { evaluateFit, type FitEvaluation } from "equipoise/fit";
 * import type { nn } from "equipoise";
 * import type { PreparedTask } from "equipoise/data";
 * declare const model: nn.Sequential; // a trained model (see fitRecipe)
 * declare const task: PreparedTask; // its data (see prepareTask)
 * const evaluation: FitEvaluation = evaluateFit(model, task.test, { numClasses: task.numClasses });
 * evaluation.accuracy; // in [0, 1]; evaluation.loss: the mean cross-entropy
 * evaluation.fairness?.analyses; // one group analysis per sensitive attribute (binary models only)
 * ```
 */
export interface FitEvaluation extends ModelMetrics {
  count: number;
  /** Mean per-example loss (cross-entropy). */
  loss: number;
  fairness?: FairnessReport;
}

/**
 * Settings of {@link evaluateFit}.
 *
 * @example
 * ```ts
 * import { type EvaluationOptions, evaluateFit } from "equipoise/fit";
 * import type { nn } from "equipoise";
 * import type { Split } from "equipoise/data";
 * declare const model: nn.Sequential; // a binary model trained with ε = 1 (see fitRecipe)
 * declare const test: Split; // the test split, with a "sex" sensitive attribute
 * const options: EvaluationOptions = { numClasses: 2, epsilon: 1, primary: "sex" };
 * evaluateFit(model, test, options).dpDifference; // the demographic parity gap on sex
 * ```
 */
export interface EvaluationOptions {
  /** Classes of the data's target: must be those the model predicts. */
  numClasses: number;
  /** ε of the training run (default: Infinity, non-private). */
  epsilon?: number;
  /** The sensitive attribute whose gaps are reported (default: the first). */
  primary?: string;
}

/**
 * Classes a model predicts: two for one logit (binary cross-entropy), else one per output.
 *
 * @example
 * ```ts
 * import { classesOf } from "equipoise/fit";
 * import type { nn } from "equipoise";
 * declare const model: nn.Sequential; // a trained Sequential (see fitRecipe)
 * classesOf(model); // 2 for a single-logit binary model, else its number of outputs
 * ```
 */
export function classesOf(model: Sequential): number {
  return model.architecture.loss === "binary-cross-entropy" ? 2 : model.outputShape[0];
}

/**
 * Evaluates a trained model on a split: accuracy, loss, and accuracy and fairness by group; a
 * UserError when the model predicts other classes than the data has.
 *
 * @example
 * ```ts
 * import { evaluateFit, fitRecipe } from "equipoise/fit";
 * import type { PreparedTask } from "equipoise/data";
 * declare const task: PreparedTask; // see prepareTask in equipoise/data; the tensor backend initialised
 * const { model } = fitRecipe({ model: "logreg" }, { train: task.train, numClasses: 2, inputShape: [task.train.X.cols] });
 * const evaluation = evaluateFit(model, task.test, { numClasses: task.numClasses });
 * evaluation.accuracy; // test accuracy in [0, 1]; evaluation.dpDifference: the first sensitive attribute's gap
 * ```
 */
export function evaluateFit(model: Sequential, split: Split, options: EvaluationOptions): FitEvaluation {
  const modelClasses = classesOf(model);
  if (modelClasses !== options.numClasses) {
    throw new UserError(
      `model/data mismatch: the model predicts ${modelClasses} classes, the data's target has ${options.numClasses}`,
    );
  }
  const { classes, probabilities, losses } = predict(model, split.X, split.y);
  // An infinite logit gives a finite probability (0 or 1) but a NaN loss: check both.
  const outputs = probabilities.length / Math.max(split.X.rows, 1);
  const badRows = new Set<number>();
  probabilities.forEach((p, k) => {
    if (!Number.isFinite(p)) badRows.add(Math.floor(k / outputs));
  });
  let lossSum = 0;
  losses!.forEach((loss, i) => {
    if (!Number.isFinite(loss)) badRows.add(i);
    lossSum += loss;
  });
  if (badRows.size > 0) {
    throw new UserError(
      `the model gives non-finite scores (NaN or infinite) on ${badRows.size} of ${split.X.rows} rows: its weights are too large to evaluate (did its training diverge?)`,
    );
  }
  const primary =
    options.primary === undefined ? 0 : split.sensitive.findIndex((s) => s.name === options.primary);
  const metrics = modelMetrics(
    split.y,
    classes,
    split.sensitive,
    primary,
    options.epsilon ?? Number.POSITIVE_INFINITY,
  );
  const fairness =
    modelClasses === 2 && split.sensitive.length > 0 && split.X.rows > 0
      ? fairnessReport({
          yTrue: split.y,
          yPred: classes,
          yScore: probabilities,
          sensitiveFeatures: split.sensitive,
        })
      : undefined;
  return {
    count: split.X.rows,
    loss: split.X.rows > 0 ? lossSum / split.X.rows : Number.NaN,
    ...metrics,
    ...(fairness ? { fairness } : {}),
  };
}
