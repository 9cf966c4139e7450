/**
 * TracIn needs the parameters a model passed through while it was trained by SGD
 * (Pruthi et al. 2020): the engine's trainer is run with plain SGD at a constant
 * learning rate and the parameters are copied at the end of every epoch (the
 * trainer's epoch event), then widened to float64 for the explanation. The trainer
 * and the tensor engine load only here, so the explanation maths stays engine-free.
 * This is the one place that calls the trainer rather than the recipe (src/fit):
 * fitRecipe's progress events do not expose the model, so it cannot copy parameters
 * between epochs, and a TracIn run is constant-rate SGD with no recipe options anyway.
 */
import type { PreparedTask } from "../data/types.js";
import { Sequential } from "../nn/sequential.js";
import { trainModel } from "../train/trainer.js";
import type { Checkpoint } from "./influence/tracin.js";
import type { ExplainableModel } from "./model.js";
import { explainableFromEngine } from "./models/convert.js";
import type { ExplainData, ModelSpec } from "./prepare.js";

/**
 * Settings of {@link trainWithCheckpoints}: constant-rate SGD for `epochs` epochs of `batchSize` rows, seeded.
 *
 * @example
 * ```ts
 * import { type CheckpointTraining, type ExplainData, parseModelSpec, trainWithCheckpoints } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task); the tensor backend initialised
 * const training: CheckpointTraining = { epochs: 5, batchSize: 64, learningRate: 0.1, seed: 0 }; // constant-rate SGD
 * const { model, checkpoints } = trainWithCheckpoints(data, parseModelSpec("logreg"), training);
 * ```
 */
export interface CheckpointTraining {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

/**
 * What {@link trainWithCheckpoints} returns: the trained model, explainable, and its parameters after every epoch.
 *
 * @example
 * ```ts
 * import { type CheckpointedModel, type ExplainData, influence, parseModelSpec, testLossQueries, trainWithCheckpoints } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task); the tensor backend initialised
 * const trained: CheckpointedModel = trainWithCheckpoints(data, parseModelSpec("logreg"), { epochs: 5, batchSize: 64, learningRate: 0.1, seed: 0 });
 * trained.checkpoints.length; // 5: the parameters after every epoch
 * influence(trained.model, testLossQueries(trained.model, data.test, [0]), { method: "tracin", checkpoints: trained.checkpoints });
 * ```
 */
export interface CheckpointedModel {
  model: ExplainableModel;
  checkpoints: Checkpoint[];
}

/**
 * Trains `spec` on the explanation data by constant-rate SGD, keeping the parameters after every epoch (see the module comment).
 *
 * @example
 * ```ts
 * import { type ExplainData, parseModelSpec, trainWithCheckpoints, tracIn, testLossQueries } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task); the tensor backend initialised (nn.initBackend)
 * const { model, checkpoints } = trainWithCheckpoints(data, parseModelSpec("logreg"), { epochs: 5, batchSize: 64, learningRate: 0.1, seed: 0 });
 * const scores = tracIn(model, testLossQueries(model, data.test, [0]), Int32Array.of(0, 1, 2), checkpoints);
 * ```
 */
export function trainWithCheckpoints(
  data: ExplainData,
  spec: ModelSpec,
  options: CheckpointTraining,
): CheckpointedModel {
  const task: PreparedTask = data.task;
  const inputs = data.train.cols;
  const layers =
    spec.family === "logistic-regression"
      ? [{ type: "dense" as const, units: 1 }]
      : [
          ...spec.hidden.flatMap((units) => [{ type: "dense" as const, units }, { type: spec.activation }]),
          { type: "dense" as const, units: 1 },
        ];
  const network = new Sequential(
    { inputShape: [inputs], layers, loss: "binary-cross-entropy" },
    { seed: options.seed },
  );
  const checkpoints: Checkpoint[] = [];
  const weightDecay =
    spec.family === "logistic-regression" ? 1 / (spec.C * data.train.rows) : spec.weightDecay;
  try {
    trainModel(
      network,
      { X: task.train.X, y: task.train.y },
      {
        epochs: options.epochs,
        batchSize: options.batchSize,
        seed: options.seed,
        optimizer: { kind: "sgd", learningRate: options.learningRate, weightDecay },
        onProgress: (event) => {
          if (event.kind !== "epoch") return;
          const values = network.readParameters();
          const flat = new Float64Array(values.reduce((n, v) => n + v.length, 0));
          let offset = 0;
          for (const v of values) {
            flat.set(v, offset);
            offset += v.length;
          }
          checkpoints.push({ parameters: flat, learningRate: options.learningRate });
        },
      },
    );
    const model = explainableFromEngine(network.architecture, network.readParameters(), data.train, {
      C: spec.family === "logistic-regression" ? spec.C : undefined,
      weightDecay: spec.family === "mlp" ? spec.weightDecay : undefined,
    });
    return { model, checkpoints };
  } finally {
    network.dispose();
  }
}
