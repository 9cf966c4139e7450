/**
 * Engine models (logistic regression, MLPs from src/nn, trained by src/train) as
 * WeightedLearners, so reweighing and exponentiated gradient compose with them. The
 * trainer must already have a backend (initBackend) before `fit` is called.
 */
import type { Sequential } from "../nn/index.js";
import { buildModel } from "../nn/index.js";
import { type OptimizerConfig, predict, trainModel } from "../train/index.js";
import type { FeatureMatrix, WeightedLearner } from "./learner.js";
import type { Vector } from "./metrics.js";

export interface EngineLearnerOptions {
  /** Model spec, e.g. "logreg" or "mlp:64,64". */
  model: string;
  epochs: number;
  batchSize: number;
  optimizer: OptimizerConfig;
  seed: number;
}

function float32Matrix(X: FeatureMatrix): { rows: number; cols: number; data: Float32Array } {
  return X.data instanceof Float32Array
    ? { rows: X.rows, cols: X.cols, data: X.data }
    : { rows: X.rows, cols: X.cols, data: Float32Array.from(X.data) };
}

export class EngineLearner implements WeightedLearner {
  model: Sequential | null = null;
  private start: Float32Array[] | null = null;

  constructor(private readonly options: EngineLearnerOptions) {}

  warmStartFrom(previous: WeightedLearner): void {
    if (previous instanceof EngineLearner && previous.model) this.start = previous.model.readParameters();
  }

  fit(X: FeatureMatrix, y: Vector, sampleWeight?: Vector): void {
    const data = float32Matrix(X);
    const model = buildModel(this.options.model, [X.cols], 2, this.options.seed);
    if (this.start) {
      model.dispose();
      this.model = new (model.constructor as typeof Sequential)(model.architecture, this.start);
    } else {
      this.model = model;
    }
    trainModel(
      this.model,
      {
        X: data,
        y: Float32Array.from(y as ArrayLike<number>),
        sampleWeights: sampleWeight ? Float32Array.from(sampleWeight as ArrayLike<number>) : undefined,
      },
      {
        epochs: this.options.epochs,
        batchSize: this.options.batchSize,
        optimizer: this.options.optimizer,
        seed: this.options.seed,
      },
    );
  }

  predictProba(X: FeatureMatrix): Float64Array {
    if (!this.model) throw new Error("the engine learner is not fitted");
    return Float64Array.from(predict(this.model, float32Matrix(X)).probabilities);
  }

  predict(X: FeatureMatrix): Float64Array {
    if (!this.model) throw new Error("the engine learner is not fitted");
    return Float64Array.from(predict(this.model, float32Matrix(X)).classes);
  }
}
