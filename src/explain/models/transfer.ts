/**
 * Models as structured-cloneable data, so that worker threads (parallel/) can rebuild
 * them: the family, the training rows, the parameters and the objective's settings.
 */
import type { Examples } from "../data.js";
import type { ExplainableModel } from "../model.js";
import { type CnnArchitecture, CnnModel } from "./cnn.js";
import { LogisticModel } from "./logistic.js";
import { type MlpArchitecture, MlpModel } from "./mlp.js";

/**
 * An explainable model as plain data, to send to a worker thread.
 *
 * @example
 * ```ts
 * import type { ExplainableModel, Examples, ModelTransfer } from "equipoise/explain";
 * declare const train: Examples; // the training rows
 * declare const model: ExplainableModel; // a logistic regression with C = 1, fitted on them
 * // plain, structured-cloneable data: what a worker thread rebuilds the model from
 * const transfer: ModelTransfer = { family: "logistic-regression", train, parameters: model.parameters, C: 1, weights: model.weights };
 * ```
 */
export type ModelTransfer =
  | {
      family: "logistic-regression";
      train: Examples;
      parameters: Float64Array;
      C: number;
      weights: Float64Array;
    }
  | {
      family: "mlp";
      architecture: MlpArchitecture;
      train: Examples;
      parameters: Float64Array;
      l2: number;
      weights: Float64Array;
    }
  | {
      family: "cnn";
      architecture: CnnArchitecture;
      train: Examples;
      parameters: Float64Array;
      l2: number;
      weights: Float64Array;
    };

export function modelToTransfer(model: ExplainableModel): ModelTransfer {
  if (model instanceof LogisticModel) {
    return {
      family: "logistic-regression",
      train: model.train,
      parameters: model.parameters,
      C: model.C,
      weights: model.weights,
    };
  }
  if (model instanceof MlpModel) {
    return {
      family: "mlp",
      architecture: model.architecture,
      train: model.train,
      parameters: model.parameters,
      l2: model.l2,
      weights: model.weights,
    };
  }
  if (model instanceof CnnModel) {
    return {
      family: "cnn",
      architecture: model.architecture,
      train: model.train,
      parameters: model.parameters,
      l2: model.l2,
      weights: model.weights,
    };
  }
  throw new Error(`a ${model.description} cannot be sent to another thread`);
}

export function modelFromTransfer(transfer: ModelTransfer): LogisticModel | MlpModel | CnnModel {
  switch (transfer.family) {
    case "logistic-regression":
      return new LogisticModel(transfer.train, transfer.parameters, {
        C: transfer.C,
        weights: transfer.weights,
      });
    case "mlp":
      return new MlpModel(transfer.architecture, transfer.train, transfer.parameters, {
        l2: transfer.l2,
        weights: transfer.weights,
      });
    case "cnn":
      return new CnnModel(transfer.architecture, transfer.train, transfer.parameters, {
        l2: transfer.l2,
        weights: transfer.weights,
      });
  }
}
