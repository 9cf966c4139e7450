/**
 * Every model explanations accept, as an ExplainableModel (issue 12, item 1):
 *   - the engine's logistic regression and MLPs (src/nn Sequential): the architecture
 *     is read, the float32 weights widened to float64, and the training objective
 *     stated (the L2 strength the explanation assumes, the row weights);
 *   - the full-batch weighted logistic regression of the fairness reductions
 *     (src/fairness/learner.ts), with its sample weights: reweighing is explained
 *     through those weights.
 *   - the engine's convolutional networks (conv2d, max / average pooling, flatten,
 *     dense, tanh / ReLU / sigmoid): the float64 CnnModel, in the engine's layout.
 * Other layer types (group norm, embeddings, residual blocks, dropout, ELU) are not
 * converted: `explainableArchitecture` names the layer that stops the conversion.
 */
import { UserError } from "../../common/errors.js";
import type { WeightedLogisticRegression } from "../../fairness/learner.js";
import type { Architecture } from "../../nn/sequential.js";
import type { Examples } from "../data.js";
import { CnnModel, type NetworkLayer } from "./cnn.js";
import { LogisticModel } from "./logistic.js";
import { type Activation, MlpModel } from "./mlp.js";

/**
 * The training objective an engine model is converted to: its L2 strength and row weights.
 *
 * @example
 * ```ts
 * import { type ExplainData, explainableFromEngine, type ObjectiveOptions } from "equipoise/explain";
 * import type { nn } from "equipoise";
 * declare const model: nn.Sequential; // an engine MLP trained with weight decay 1e-4 (see fitRecipe)
 * declare const data: ExplainData; // explainData(task) of its data
 * const options: ObjectiveOptions = { weightDecay: 1e-4 }; // the objective it was trained on
 * const explainable = explainableFromEngine(model.architecture, model.readParameters(), data.train, options);
 * ```
 */
export interface ObjectiveOptions {
  /**
   * L2 strength: for a logistic regression scikit-learn's C (penalty ‖β‖²/(2C), the
   * intercept free); for an MLP the weight decay wd of the mean loss (λ = n·wd on
   * every parameter).
   */
  C?: number;
  /** For an MLP: the weight decay of the mean loss. */
  weightDecay?: number;
  /** Row weights of the training objective (reweighing), default 1. */
  weights?: Float64Array;
}

const NETWORK_LAYERS = new Set([
  "conv2d",
  "maxpool",
  "avgpool",
  "flatten",
  "dense",
  "relu",
  "tanh",
  "sigmoid",
]);

/**
 * What an engine architecture is for explanations: a logistic regression, an MLP, a CNN, or why none.
 *
 * @example
 * ```ts
 * import { explainableArchitecture } from "equipoise/explain";
 * import type { nn } from "equipoise";
 * declare const model: nn.Sequential; // a trained engine Sequential (see fitRecipe)
 * const kind = explainableArchitecture(model.architecture);
 * if (kind.family === "mlp") console.log(kind.hidden, kind.activation);
 * ```
 */
export function explainableArchitecture(
  architecture: Architecture,
):
  | { family: "logistic-regression" }
  | { family: "mlp"; hidden: number[]; activation: Activation; outputs: number }
  | { family: "cnn"; inputShape: [number, number, number]; layers: NetworkLayer[] }
  | { family: "unsupported"; reason: string } {
  if (
    architecture.layers.some(
      (layer) => layer.type === "conv2d" || layer.type === "maxpool" || layer.type === "avgpool",
    )
  ) {
    const other = architecture.layers.find((layer) => !NETWORK_LAYERS.has(layer.type));
    if (other)
      return { family: "unsupported", reason: `layer type '${other.type}' has no float64 rules yet` };
    if (architecture.inputShape.length !== 3)
      return { family: "unsupported", reason: "its input is not an image" };
    const [height, width, channels] = architecture.inputShape;
    return {
      family: "cnn",
      inputShape: [height, width, channels],
      layers: architecture.layers as NetworkLayer[],
    };
  }
  const layers = architecture.layers.filter((layer) => layer.type !== "flatten");
  if (architecture.inputShape.length !== 1 && !architecture.layers.some((l) => l.type === "flatten")) {
    return { family: "unsupported", reason: "its input is not flat" };
  }
  const hidden: number[] = [];
  let activation: Activation | undefined;
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i];
    if (layer.type !== "dense")
      return { family: "unsupported", reason: `layer type '${layer.type}' has no float64 rules yet` };
    if (i === layers.length - 1) break;
    const next = layers[i + 1];
    if (next.type !== "tanh" && next.type !== "relu" && next.type !== "sigmoid") {
      return { family: "unsupported", reason: "two dense layers without an activation between them" };
    }
    if (activation && activation !== next.type) return { family: "unsupported", reason: "mixed activations" };
    activation = next.type;
    hidden.push(layer.units);
    i++;
  }
  const last = layers[layers.length - 1];
  if (last?.type !== "dense") return { family: "unsupported", reason: "it does not end with a dense layer" };
  if (hidden.length === 0 && last.units === 1 && architecture.loss === "binary-cross-entropy") {
    return { family: "logistic-regression" };
  }
  return { family: "mlp", hidden, activation: activation ?? "tanh", outputs: last.units };
}

/**
 * Whether the network has ReLU or max-pooling layers: its objective is then only
 * piecewise smooth, leave-one-out effects fall below the seed-to-seed noise (ReLU,
 * docs/explain.md) and a minimum can lie on a kink, where influence functions do not apply.
 *
 * @example
 * ```ts
 * import { hasPiecewiseLinearLayers } from "equipoise/explain";
 * import type { nn } from "equipoise";
 * declare const model: nn.Sequential; // a trained engine Sequential; true for ReLU or max-pooling layers
 * if (hasPiecewiseLinearLayers(model.architecture)) console.warn("influence estimates may not hold at a kink");
 * ```
 */
export function hasPiecewiseLinearLayers(architecture: Architecture): boolean {
  return architecture.layers.some((layer) => layer.type === "relu" || layer.type === "maxpool");
}

/**
 * An engine model (its parameters as read from it, in the engine's order) as an ExplainableModel.
 *
 * @example
 * ```ts
 * import { type ExplainData, explainableFromEngine } from "equipoise/explain";
 * import type { nn } from "equipoise";
 * declare const model: nn.Sequential; // a trained engine Sequential
 * declare const data: ExplainData; // explainData(task) of its data
 * const parameters = model.readParameters(); // the engine's Float32Arrays, in its order
 * const explainable = explainableFromEngine(model.architecture, parameters, data.train);
 * ```
 */
export function explainableFromEngine(
  architecture: Architecture,
  parameters: readonly Float32Array[],
  train: Examples,
  options: ObjectiveOptions = {},
): LogisticModel | MlpModel | CnnModel {
  const kind = explainableArchitecture(architecture);
  const inputs = architecture.inputShape.reduce((a, b) => a * b, 1);
  if (inputs !== train.cols)
    throw new UserError(`the model takes ${inputs} features, the data has ${train.cols}`);
  const flat = new Float64Array(parameters.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parameters) {
    flat.set(p, offset);
    offset += p.length;
  }
  switch (kind.family) {
    case "unsupported":
      throw new UserError(`explanations through training examples cannot use this model yet: ${kind.reason}`);
    case "logistic-regression":
      return new LogisticModel(train, flat, { C: options.C ?? 1, weights: options.weights });
    case "mlp":
      return new MlpModel(
        { inputs, hidden: kind.hidden, activation: kind.activation, outputs: kind.outputs },
        train,
        flat,
        { l2: (options.weightDecay ?? 1e-2) * train.rows, weights: options.weights },
      );
    case "cnn":
      return new CnnModel({ inputShape: kind.inputShape, layers: kind.layers }, train, flat, {
        l2: (options.weightDecay ?? 1e-2) * train.rows,
        weights: options.weights,
      });
  }
}

/**
 * The fairness reductions' logistic regression (fitted), with the sample weights it was fitted with.
 *
 * @example
 * ```ts
 * import { type ExplainData, explainableFromLearner } from "equipoise/explain";
 * import type { WeightedLogisticRegression } from "equipoise/fairness";
 * declare const learner: WeightedLogisticRegression; // fitted, e.g. after reweighing
 * declare const weights: Float64Array; // the sample weights it was fitted with
 * declare const data: ExplainData; // explainData(task)
 * const model = explainableFromLearner(learner, data.train, { C: 1, sampleWeight: weights });
 * ```
 */
export function explainableFromLearner(
  learner: WeightedLogisticRegression,
  train: Examples,
  options: { C?: number; sampleWeight?: ArrayLike<number> } = {},
): LogisticModel {
  if (!learner.params) throw new UserError("the logistic regression is not fitted");
  if (learner.params.length !== train.cols + 1) {
    throw new UserError(
      `the learner has ${learner.params.length - 1} coefficients, the data ${train.cols} features`,
    );
  }
  const weights = options.sampleWeight ? Float64Array.from(options.sampleWeight) : undefined;
  // The learner divides its objective by Σw (scikit-learn's lbfgs path); the minimiser is the same.
  return new LogisticModel(train, Float64Array.from(learner.params), { C: options.C ?? 1, weights });
}
