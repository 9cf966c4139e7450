/**
 * One client's local training: start from the global weights, run E epochs of
 * mini-batch SGD on the client's own rows, return the update Δ = w_local − w_global.
 * FedProx (Li et al. 2020) adds (μ/2)‖w − w_global‖² to the local loss, i.e. μ(w −
 * w_global) to every gradient. Pure with respect to its inputs and seed: the same
 * weights, data and seed give the same update on the same backend, whichever thread
 * runs it (that is what makes the multi-threaded simulation reproducible).
 *
 * This is the one adapter between federated learning and the training engine
 * (Sequential + trainModel); when the project's training recipe lands, it is the
 * only place to change.
 */
import * as tf from "@tensorflow/tfjs-core";
import { type Architecture, Sequential } from "../nn/index.js";
import {
  evaluateModel,
  type GradientComputer,
  meanGradient,
  type TrainingData,
  trainModel,
} from "../train/index.js";
import { flatten, unflatten } from "./vectors.js";

export interface LocalTrainingSettings {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** FedProx's μ (0: plain FedAvg local training). */
  proximalMu: number;
}

export interface LocalUpdate {
  /** w_local − w_global. */
  update: Float32Array;
  /** Rows the client trained on. */
  examples: number;
  /** Mean loss of the global model on the client's rows, before training (q-FFL's Fₖ). */
  initialLoss: number;
}

/** An architecture with the size of each of its parameter tensors (to cut flat vectors). */
export interface ModelShape {
  architecture: Architecture;
  sizes: number[];
}

export function modelShape(architecture: Architecture): ModelShape {
  const model = new Sequential(architecture, { seed: 0 });
  try {
    return {
      architecture,
      sizes: model.parameterSpecs().map((spec) => spec.shape.reduce((a, b) => a * b, 1)),
    };
  } finally {
    model.dispose();
  }
}

/** Fresh initial weights of the architecture, flattened (seeded). */
export function initialWeights(architecture: Architecture, seed: number): Float32Array {
  const model = new Sequential(architecture, { seed });
  try {
    return flatten(model.readParameters());
  } finally {
    model.dispose();
  }
}

export function trainLocalUpdate(
  shape: ModelShape,
  globalWeights: Float32Array,
  data: TrainingData,
  settings: LocalTrainingSettings,
  seed: number,
): LocalUpdate {
  const model = new Sequential(shape.architecture, unflatten(globalWeights, shape.sizes));
  const anchor = settings.proximalMu > 0 ? model.parameters().map((p) => tf.clone(p)) : [];
  try {
    const initialLoss = evaluateModel(model, data).loss;
    trainModel(model, data, {
      epochs: settings.epochs,
      batchSize: Math.min(settings.batchSize, data.X.rows),
      optimizer: { kind: "sgd", learningRate: settings.learningRate },
      seed,
      gradientComputer:
        settings.proximalMu > 0 ? proximalGradient(settings.proximalMu, anchor) : meanGradient,
    });
    const local = flatten(model.readParameters());
    for (let i = 0; i < local.length; i++) local[i] -= globalWeights[i];
    return { update: local, examples: data.X.rows, initialLoss };
  } finally {
    model.dispose();
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
