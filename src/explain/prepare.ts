/**
 * What every explanation starts from: the task's two splits in float64, the columns
 * as people read them, and the model to explain — either given (a saved model or the
 * fairness reductions' learner) or specified and trained here to a stationary point
 * (`logreg` with scikit-learn's C; `mlp:H1,H2` with an activation and weight decay).
 */
import { UsageError, UserError } from "../common/errors.js";
import type { PreparedTask, SensitiveAttribute } from "../data/types.js";
import { reweighingWeights } from "../fairness/reweighing.js";
import { type Examples, examplesFromSplit } from "./data.js";
import { type ColumnDescription, decodeRow, describeColumns } from "./features.js";
import type { ExplainableModel } from "./model.js";
import { fitLogisticRegression } from "./models/logistic.js";
import { type Activation, fitMlp } from "./models/mlp.js";
import { fitPenalisedLogistic } from "./models/penalised.js";
import type { DescribedRow, ModelInfo } from "./report/schema.js";

/**
 * A prepared binary task in the explanations' form: both splits in float64, and column descriptions.
 *
 * @example
 * ```ts
 * import { type ExplainData, explainData } from "equipoise/explain";
 * import { prepareTask } from "equipoise/data";
 * const data: ExplainData = explainData(await prepareTask({ data: "german-credit", sensitive: ["sex"] }));
 * data.train.rows; // the training split in float64 (data.test likewise)
 * data.columns; // how each original column maps to model features
 * ```
 */
export interface ExplainData {
  task: PreparedTask;
  train: Examples;
  test: Examples;
  columns: ColumnDescription[];
}

/**
 * The task's splits as {@link Examples}, with a description of every feature column; a UserError
 * for a task that is not binary.
 *
 * @example
 * ```ts
 * import { data } from "equipoise";
 * import { explainData } from "equipoise/explain";
 * const task = await data.prepareTask({ data: "german-credit", sensitive: ["sex"] });
 * const { train, test } = explainData(task);
 * ```
 */
export function explainData(task: PreparedTask): ExplainData {
  if (task.numClasses !== 2) {
    throw new UserError(
      `explanations support binary tasks for now; ${task.name} has ${task.numClasses} classes`,
    );
  }
  return {
    task,
    train: examplesFromSplit(task.train),
    test: examplesFromSplit(task.test),
    columns: describeColumns(task.featureNames, task.preprocessor.toJSON()),
  };
}

/**
 * A fairness mitigation built into the explained objective (explanations of a mitigated model).
 *
 * @example
 * ```ts
 * import { fitSpec, type Mitigation, parseModelSpec, type ExplainData } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task) with a sensitive attribute
 * const mitigation: Mitigation = { kind: "penalty", weight: 2 };
 * const model = fitSpec(data.train, { ...parseModelSpec("logreg"), mitigation }, { groups: data.task.train.sensitive[0] });
 * ```
 */
export type Mitigation = { kind: "none" } | { kind: "reweighing" } | { kind: "penalty"; weight: number };

/**
 * Which model is explained: scikit-learn's L2 logistic regression, or a tanh/ReLU MLP with weight decay.
 *
 * @example
 * ```ts
 * import { fitSpec, type ModelSpec, type ExplainData } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * const spec: ModelSpec = { family: "mlp", hidden: [16], activation: "tanh", weightDecay: 0.01, seed: 0 };
 * const model = fitSpec(data.train, spec); // trained to a stationary point
 * ```
 */
export type ModelSpec = (
  | { family: "logistic-regression"; C: number }
  | { family: "mlp"; hidden: number[]; activation: Activation; weightDecay: number; seed: number }
) & { mitigation?: Mitigation };

/**
 * The model specs {@link parseModelSpec} accepts, for help texts.
 *
 * @example
 * ```ts
 * import { MODEL_SPEC_HELP } from "equipoise/explain";
 * MODEL_SPEC_HELP; // "logreg (scikit-learn's objective, --l2 C) or mlp:H1,H2,... (--activation, --weight-decay)"
 * ```
 */
export const MODEL_SPEC_HELP =
  "logreg (scikit-learn's objective, --l2 C) or mlp:H1,H2,... (--activation, --weight-decay)";

/**
 * "logreg" | "mlp:64,64" with the objective's options.
 *
 * @example
 * ```ts
 * import { parseModelSpec } from "equipoise/explain";
 * parseModelSpec("logreg"); // { family: "logistic-regression", C: 1 }
 * parseModelSpec("mlp:64,64", { activation: "tanh" }); // { family: "mlp", hidden: [64, 64], activation: "tanh", weightDecay: 0.01, seed: 0 }
 * ```
 */
export function parseModelSpec(
  spec: string,
  options: { C?: number; weightDecay?: number; activation?: Activation; seed?: number } = {},
): ModelSpec {
  const text = spec.trim();
  if (text === "logreg") return { family: "logistic-regression", C: options.C ?? 1 };
  if (text.startsWith("mlp:")) {
    const hidden = text
      .slice(4)
      .split(",")
      .map((part) => Number(part.trim()));
    if (hidden.length === 0 || !hidden.every((w) => Number.isInteger(w) && w >= 1 && w <= 4096)) {
      throw new UsageError(
        `--model-spec '${spec}': layer widths must be whole numbers from 1 to 4096, e.g. mlp:64,64`,
      );
    }
    return {
      family: "mlp",
      hidden,
      activation: options.activation ?? "tanh",
      weightDecay: options.weightDecay ?? 1e-2,
      seed: options.seed ?? 0,
    };
  }
  throw new UsageError(
    `--model-spec '${spec}' is not a model explanations can train; use ${MODEL_SPEC_HELP}`,
  );
}

/**
 * A model spec in words, e.g. `logreg (C = 1), reweighed`.
 *
 * @example
 * ```ts
 * import { describeSpec, parseModelSpec } from "equipoise/explain";
 * describeSpec(parseModelSpec("logreg")); // "logreg (C = 1)"
 * ```
 */
export function describeSpec(spec: ModelSpec): string {
  const base =
    spec.family === "logistic-regression"
      ? `logreg (C = ${spec.C})`
      : `mlp:${spec.hidden.join(",")} (${spec.activation}, weight decay ${spec.weightDecay})`;
  const m = spec.mitigation;
  if (!m || m.kind === "none") return base;
  return m.kind === "reweighing" ? `${base}, reweighed` : `${base}, fairness penalty λ = ${m.weight}`;
}

/**
 * Trains the specified model to a stationary point of its objective. A mitigation
 * needs the group of every training row: reweighing multiplies the row weights by
 * Kamiran & Calders' w(g, y) (src/fairness/reweighing.ts); the penalty adds
 * n·λ·Σ_g (m_g − m)² to a logistic regression's objective (models/penalised.ts).
 *
 * @example
 * ```ts
 * import { type ExplainData, fitSpec, parseModelSpec } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * const model = fitSpec(data.train, parseModelSpec("mlp:16", { activation: "tanh" })); // an ExplainableModel
 * ```
 */
export function fitSpec(
  train: Examples,
  spec: ModelSpec,
  options: { weights?: Float64Array; groups?: SensitiveAttribute } = {},
): ExplainableModel {
  const mitigation = spec.mitigation ?? { kind: "none" };
  let weights = options.weights;
  if (mitigation.kind !== "none" && !options.groups) {
    throw new UsageError("a fairness mitigation needs --sensitive (the groups it equalises)");
  }
  if (mitigation.kind === "reweighing") weights = reweighingWeights(train.y, [options.groups!], weights);
  if (mitigation.kind === "penalty") {
    if (spec.family !== "logistic-regression") {
      throw new UsageError(
        "the fairness penalty is explained for logistic regression; use reweighing for an MLP",
      );
    }
    const codes = options.groups!.codes;
    return fitPenalisedLogistic(train, {
      C: spec.C,
      weights,
      penalty: {
        groups: Int32Array.from(codes, (c) => Math.max(c, 0)),
        strength: mitigation.weight * train.rows,
      },
    }).model;
  }
  if (spec.family === "logistic-regression")
    return fitLogisticRegression(train, { C: spec.C, weights }).model;
  return fitMlp({ inputs: train.cols, hidden: spec.hidden, activation: spec.activation, outputs: 1 }, train, {
    l2: spec.weightDecay * train.rows,
    weights,
    seed: spec.seed,
  }).model;
}

/**
 * What an explanation document says about the model: description, family, parameter count, stationarity.
 *
 * @example
 * ```ts
 * import { type Examples, fitLogisticRegression, modelInfo } from "equipoise/explain";
 * declare const train: Examples; // the training rows, e.g. explainData(task).train
 * const { model } = fitLogisticRegression(train, { C: 1 });
 * const info = modelInfo(model); // { family: "logistic-regression", stationary: true, ... }
 * ```
 */
export function modelInfo(model: ExplainableModel): ModelInfo {
  const stationarity = model.stationarity();
  return {
    description: model.description,
    family: model.family,
    parameters: model.parameterCount,
    gradientNorm: stationarity.gradientNorm,
    stationary: stationarity.stationary,
  };
}

/**
 * A row of a split with its original values, label and groups.
 *
 * @example
 * ```ts
 * import { describeRow, explainData } from "equipoise/explain";
 * import { prepareTask } from "equipoise/data";
 * const data = explainData(await prepareTask({ data: "german-credit", sensitive: ["sex"] }));
 * describeRow(data, "test", 0); // { row: 0, values: { duration: 48, ..., age: 22, ... }, label: "bad", group: { sex: "female" } }
 * ```
 */
export function describeRow(data: ExplainData, split: "train" | "test", row: number): DescribedRow {
  const examples = split === "train" ? data.train : data.test;
  const source = split === "train" ? data.task.train : data.task.test;
  const group: Record<string, string> = {};
  for (const attribute of source.sensitive) {
    const code = attribute.codes[row];
    group[attribute.name] = code >= 0 ? attribute.categories[code] : "";
  }
  return {
    row,
    values: decodeRow(data.columns, examples, row),
    label: data.task.classNames[examples.y[row]] ?? String(examples.y[row]),
    group,
  };
}
