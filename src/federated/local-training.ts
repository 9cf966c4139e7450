/**
 * One client's local training: start from the global weights, train on the client's
 * own rows, return the update Δ = w_local − w_global.
 *
 * FedAvg's local training is the project's training recipe (`fitRecipe`, src/fit):
 * plain SGD at a constant learning rate, shuffled batches, from the global weights.
 * FedProx (Li et al. 2020) adds (μ/2)‖w − w_global‖² to the local loss — μ(w − w_global)
 * on every gradient — which the recipe has no field for; FedProx clients therefore
 * train through the same trainer (`trainModel`) with a proximal gradient computer.
 * Both are pure in their inputs and seed: the same weights, data and seed give the same
 * update on the same backend, whichever thread runs it (that is what makes the
 * multi-threaded simulation reproducible).
 */
import * as tf from "@tensorflow/tfjs-core";
import { fitRecipe } from "../fit/fit.js";
import type { RecipeInput } from "../fit/recipe.js";
import { type Architecture, architectureFor, Sequential } from "../nn/index.js";
import {
  evaluateModel,
  type GradientComputer,
  meanGradient,
  type TrainingData,
  trainModel,
} from "../train/index.js";
import { flatten, unflatten } from "./vectors.js";

/**
 * A client's local training: epochs, batch size, learning rate, FedProx's μ.
 *
 * @example
 * ```ts
 * import { type LocalTrainingSettings, localRecipe, type ModelShape, trainLocalUpdate } from "equipoise/federated";
 * import { nn, type train } from "equipoise";
 * declare const shape: ModelShape; declare const globalWeights: Float32Array; declare const rows: train.TrainingData;
 * await nn.initBackend("cpu");
 * const settings: LocalTrainingSettings = { epochs: 2, batchSize: 32, learningRate: 0.1, proximalMu: 0.01 }; // FedProx, μ = 0.01
 * const { update } = trainLocalUpdate(shape, globalWeights, rows, settings, 7);
 * const recipe = localRecipe("logreg", { ...settings, proximalMu: 0 }, 7); // FedAvg's local training as a recipe
 * ```
 */
export interface LocalTrainingSettings {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** FedProx's μ (0: plain FedAvg local training). */
  proximalMu: number;
}

/**
 * A client's model update Δ = w_local − w_global, its row count, and the global model's loss on its rows before training.
 *
 * @example
 * ```ts
 * import { type LocalUpdate, type ModelShape, trainLocalUpdate } from "equipoise/federated";
 * import { nn, type train } from "equipoise";
 * declare const shape: ModelShape; declare const globalWeights: Float32Array; declare const rows: train.TrainingData;
 * await nn.initBackend("cpu");
 * const local: LocalUpdate = trainLocalUpdate(shape, globalWeights, rows, { epochs: 1, batchSize: 32, learningRate: 0.1, proximalMu: 0 }, 7);
 * console.log(local.update.length, local.examples, local.initialLoss); // one entry per parameter; the client's rows; its loss before training
 * ```
 */
export interface LocalUpdate {
  /** w_local − w_global. */
  update: Float32Array;
  /** Rows the client trained on. */
  examples: number;
  /** Mean loss of the global model on the client's rows, before training (q-FFL's Fₖ). */
  initialLoss: number;
}

/**
 * A model spec with its architecture for the task and the size of each parameter tensor (to cut flat vectors).
 *
 * @example
 * ```ts
 * import { data, nn } from "equipoise";
 * import { evaluateGlobalModel, type ModelShape } from "equipoise/federated";
 * await nn.initBackend("cpu");
 * const task = await data.prepareTask({ data: "synthetic" }); // 8 features, 2 classes
 * const shape: ModelShape = { spec: "logreg", architecture: nn.architectureFor("logreg", [8], 2), numClasses: 2, sizes: [8, 1] };
 * const weights = new Float32Array(9); // flat: the 8 weights, then the bias
 * evaluateGlobalModel(shape, weights, task.test, { binary: true }).accuracy;
 * ```
 */
export interface ModelShape {
  spec: string;
  architecture: Architecture;
  numClasses: number;
  sizes: number[];
}

export function modelShape(spec: string, inputSize: number, numClasses: number): ModelShape {
  const architecture = architectureFor(spec, [inputSize], numClasses);
  const model = new Sequential(architecture, { seed: 0 });
  try {
    return {
      spec,
      architecture,
      numClasses,
      sizes: model.parameterSpecs().map((p) => p.shape.reduce((a, b) => a * b, 1)),
    };
  } finally {
    model.dispose();
  }
}

/** The number of parameters of a model of this shape. */
export function parameterCount(shape: ModelShape): number {
  return shape.sizes.reduce((a, b) => a + b, 0);
}

/** Fresh initial weights of the model, flattened (seeded). */
export function initialWeights(shape: ModelShape, seed: number): Float32Array {
  const model = new Sequential(shape.architecture, { seed });
  try {
    return flatten(model.readParameters());
  } finally {
    model.dispose();
  }
}

/**
 * The training recipe of one client's local training (FedAvg): plain SGD at a constant
 * rate over shuffled batches. A federated model file stores it as its recipe; the
 * client-level privacy of the run is in the file's privacy section, not in the recipe,
 * because no client trains with per-example DP-SGD.
 *
 * @example
 * ```ts
 * import { localRecipe } from "equipoise/federated";
 * const recipe = localRecipe("logreg", { epochs: 1, batchSize: 32, learningRate: 0.1, proximalMu: 0 }, 7);
 * // the plain-SGD recipe a federated model file records (no per-example DP-SGD)
 * ```
 */
export function localRecipe(spec: string, settings: LocalTrainingSettings, seed: number): RecipeInput {
  return {
    model: spec,
    optimizer: { kind: "sgd", learningRate: settings.learningRate, schedule: "constant" },
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    sampling: "shuffle",
    seed,
  };
}

/**
 * Trains from the global weights on a client's rows and returns the update.
 *
 * @example
 * ```ts
 * import type { train } from "equipoise";
 * import { type ModelShape, trainLocalUpdate } from "equipoise/federated";
 * declare const shape: ModelShape; declare const globalWeights: Float32Array; // the round's global model
 * declare const data: train.TrainingData; // this client's rows
 * const settings = { epochs: 1, batchSize: 32, learningRate: 0.1, proximalMu: 0 };
 * const { update, examples, initialLoss } = trainLocalUpdate(shape, globalWeights, data, settings, 7);
 * ```
 */
export function trainLocalUpdate(
  shape: ModelShape,
  globalWeights: Float32Array,
  data: TrainingData,
  settings: LocalTrainingSettings,
  seed: number,
): LocalUpdate {
  const initial = unflatten(globalWeights, shape.sizes);
  const start = new Sequential(shape.architecture, initial);
  let initialLoss: number;
  try {
    initialLoss = evaluateModel(start, data).loss;
    if (settings.proximalMu > 0)
      return finish(proximalTraining(start, data, settings, seed), data, initialLoss, globalWeights);
  } finally {
    if (settings.proximalMu === 0) start.dispose();
  }
  const fit = fitRecipe(
    localRecipe(shape.spec, { ...settings, batchSize: Math.min(settings.batchSize, data.X.rows) }, seed),
    {
      train: { X: data.X, y: data.y, sensitive: [] },
      numClasses: shape.numClasses,
      inputShape: shape.architecture.inputShape,
    },
    { initialParameters: initial },
  );
  return finish(fit.model, data, initialLoss, globalWeights);
}

/** The trained model's weights minus the global ones; disposes the model. */
function finish(
  model: Sequential,
  data: TrainingData,
  initialLoss: number,
  globalWeights: Float32Array,
): LocalUpdate {
  try {
    const local = flatten(model.readParameters());
    for (let i = 0; i < local.length; i++) local[i] -= globalWeights[i];
    return { update: local, examples: data.X.rows, initialLoss };
  } finally {
    model.dispose();
  }
}

/** FedProx: SGD with μ(w − w_global) added to every gradient; trains `model` in place and returns it. */
function proximalTraining(
  model: Sequential,
  data: TrainingData,
  settings: LocalTrainingSettings,
  seed: number,
): Sequential {
  const anchor = model.parameters().map((p) => tf.clone(p));
  try {
    trainModel(model, data, {
      epochs: settings.epochs,
      batchSize: Math.min(settings.batchSize, data.X.rows),
      optimizer: { kind: "sgd", learningRate: settings.learningRate },
      seed,
      gradientComputer: proximalGradient(settings.proximalMu, anchor),
    });
    return model;
  } finally {
    tf.dispose(anchor);
  }
}

/** The mean-loss gradient plus μ(w − w_global): FedProx's proximal term. */
function proximalGradient(mu: number, anchor: readonly tf.Tensor[]): GradientComputer {
  return {
    name: `fedprox:${mu}`,
    compute(model, batch) {
      const result = meanGradient.compute(model, batch);
      const parameters = model.parameters();
      const gradients = tf.tidy(() =>
        result.gradients.map((g, k) => tf.add(g, tf.mul(tf.sub(parameters[k], anchor[k]), mu))),
      );
      tf.dispose(result.gradients);
      return { ...result, gradients };
    },
  };
}
