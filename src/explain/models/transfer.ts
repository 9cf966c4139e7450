/**
 * Models as structured-cloneable data, so that worker threads (parallel/) can rebuild
 * them: the family, the training rows, the parameters and the objective's settings.
 */
import type { Examples } from "../data.js";
import type { ExplainableModel } from "../model.js";
import { LogisticModel } from "./logistic.js";
import { type MlpArchitecture, MlpModel } from "./mlp.js";

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
  throw new Error(`a ${model.description} cannot be sent to another thread`);
}

export function modelFromTransfer(transfer: ModelTransfer): LogisticModel | MlpModel {
  return transfer.family === "logistic-regression"
    ? new LogisticModel(transfer.train, transfer.parameters, { C: transfer.C, weights: transfer.weights })
    : new MlpModel(transfer.architecture, transfer.train, transfer.parameters, {
        l2: transfer.l2,
        weights: transfer.weights,
      });
}
