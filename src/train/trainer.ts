/**
 * The training loop: sampling, batch assembly, the gradient strategy, the
 * optimizer, validation and early stopping. No I/O: progress goes to a callback.
 * Deterministic: the same seed gives bit-identical weights on the same backend.
 */
import * as tf from "@tensorflow/tfjs-core";
import { UserError } from "../common/errors.js";
import { createRandom, type Random } from "../common/rng.js";
import { labelTensor, type Reading, readNow, type Sequential, takeValues } from "../nn/index.js";
import { evaluateModelReading } from "./evaluate.js";
import { checkPrivateSampling, type GradientComputer, gradientReading, meanGradient } from "./gradient.js";
import { HostDenseTrainer, type StepEngine, usesHostKernels } from "./host-dense.js";
import { createOptimizer, type OptimizerConfig } from "./optimizers.js";
import { createSampler, type SamplingKind } from "./samplers.js";

/**
 * Training examples: X row-major [rows, cols] with cols = the model's input size.
 *
 * @example
 * ```ts
 * import { nn, train } from "equipoise";
 * await nn.initBackend("wasm");
 * const data: train.TrainingData = {
 *   X: { rows: 4, cols: 2, data: Float32Array.of(0, 0, 0, 1, 1, 0, 1, 1) }, // row-major
 *   y: Float32Array.of(0, 1, 1, 1),
 * };
 * const model = nn.buildModel("mlp:8", [2], 2, 0);
 * train.trainModel(model, data, { epochs: 50, batchSize: 4, optimizer: { kind: "adam", learningRate: 0.05 }, seed: 0 });
 * ```
 */
export interface TrainingData {
  X: { rows: number; cols: number; data: Float32Array };
  /** 0/1 for binary tasks, the class index otherwise. */
  y: Float32Array;
  sampleWeights?: Float32Array;
}

/**
 * When to stop before the last epoch: after `patience` epochs without a better validation loss.
 *
 * @example
 * ```ts
 * import { type nn, train } from "equipoise";
 * declare const model: nn.Sequential;
 * declare const data: train.TrainingData; declare const validation: train.TrainingData;
 * const earlyStopping: train.EarlyStopping = { patience: 5, minDelta: 1e-4, restoreBest: true };
 * const result = train.trainModel(model, data, { epochs: 100, batchSize: 64, optimizer: { kind: "adam", learningRate: 0.001 }, seed: 0, validation, earlyStopping });
 * result.stoppedEarly; // true when 5 epochs in a row did not improve the validation loss by 1e-4
 * result.finalEpoch; // the best epoch, whose parameters the model holds
 * ```
 */
export interface EarlyStopping {
  /** Epochs without improvement of the validation loss before stopping. */
  patience: number;
  /** Improvement smaller than this does not count. */
  minDelta?: number;
  /** Put back the parameters of the best epoch when stopping (default true). */
  restoreBest?: boolean;
}

/**
 * How {@link trainModel} trains: epochs, batch size, optimiser, seed, sampling, and optional DP-SGD gradients.
 *
 * @example
 * ```ts
 * import { nn, train } from "equipoise";
 * declare const data: train.TrainingData; declare const validation: train.TrainingData; // 6 features
 * await nn.initBackend("wasm");
 * const model = nn.buildModel("mlp:64,64", [6], 2, 0);
 * const options: train.TrainOptions = {
 *   epochs: 20, batchSize: 64, seed: 0,
 *   optimizer: { kind: "adam", learningRate: 0.001 },
 *   validation, earlyStopping: { patience: 3 },
 * };
 * train.trainModel(model, data, options);
 * ```
 */
export interface TrainOptions {
  /** Passes over the training rows. */
  epochs: number;
  /** Batch size (its expectation under Poisson sampling). */
  batchSize: number;
  /** The optimiser and its settings. */
  optimizer: OptimizerConfig;
  /** Seed of the batch order. */
  seed: number;
  /** How batches are drawn (default shuffle). */
  sampling?: SamplingKind;
  /**
   * Source of batch membership instead of the seeded generator: private training
   * without a seed passes a cryptographically secure one, so that which examples
   * were in which batch cannot be recomputed from a seed.
   */
  samplingRandom?: Random;
  gradientComputer?: GradientComputer;
  /**
   * What runs the training steps (default "auto": the WebAssembly host kernels for dense
   * ReLU networks on the WASM and CPU backends when the gradient computer has a host rule —
   * the mean, DP-SGD with flat clipping, the fairness penalties — tensor ops otherwise).
   */
  engine?: StepEngine;
  validation?: TrainingData;
  earlyStopping?: EarlyStopping;
  /** Called after each batch and each epoch. */
  onProgress?: (event: TrainingEvent) => void;
  /** Emit a "batch" event every this many batches (default: 0, none). */
  batchEventInterval?: number;
  /**
   * The training loss is a statistic of private data (DP-SGD): it is neither
   * recorded nor reported, and divergence is detected from the parameters alone
   * (they are the mechanism's output, so looking at them is post-processing).
   */
  lossIsPrivate?: boolean;
  /** What a divergence error suggests, e.g. "learning rate 2 too large?" (default: the learning rate). */
  divergenceHint?: string;
}

/**
 * What the trainer reports: a finished batch or a finished epoch with its record.
 *
 * @example
 * ```ts
 * import { type nn, train } from "equipoise";
 * declare const model: nn.Sequential; declare const data: train.TrainingData;
 * const onProgress = (event: train.TrainingEvent) => {
 *   if (event.kind === "epoch") console.log(`epoch ${event.record.epoch}: loss ${event.record.trainLoss}`);
 *   else console.log(`batch ${event.batch}/${event.batchesPerEpoch}`);
 * };
 * train.trainModel(model, data, { epochs: 5, batchSize: 64, optimizer: { kind: "sgd", learningRate: 0.1 }, seed: 0, onProgress, batchEventInterval: 10 });
 * ```
 */
export type TrainingEvent =
  | { kind: "batch"; epoch: number; batch: number; batchesPerEpoch: number }
  | { kind: "epoch"; record: EpochRecord; batchesPerEpoch: number };

/**
 * One epoch of training: losses, validation accuracy, seconds.
 *
 * @example
 * ```ts
 * import { type nn, train } from "equipoise";
 * declare const model: nn.Sequential; declare const data: train.TrainingData; declare const validation: train.TrainingData;
 * const { history } = train.trainModel(model, data, { epochs: 10, batchSize: 64, optimizer: { kind: "adam", learningRate: 0.001 }, seed: 0, validation });
 * const last: train.EpochRecord | undefined = history.at(-1);
 * last?.epoch; // 10
 * last?.validationAccuracy; // present because validation rows were given
 * last?.seconds;
 * ```
 */
export interface EpochRecord {
  /** The epoch, from 1. */
  epoch: number;
  /** Weighted mean training loss over the epoch's batches (absent when `lossIsPrivate`). */
  trainLoss?: number;
  validationLoss?: number;
  validationAccuracy?: number;
  seconds: number;
}

/**
 * What {@link trainModel} did: the epochs' records, steps, examples seen, time, and where it stopped.
 *
 * @example
 * ```ts
 * import { type nn, train } from "equipoise";
 * declare const model: nn.Sequential; declare const data: train.TrainingData;
 * const result: train.TrainingResult = train.trainModel(model, data, { epochs: 5, batchSize: 64, optimizer: { kind: "sgd", learningRate: 0.1 }, seed: 0 });
 * result.history.length; // 5 epoch records
 * result.steps; // optimiser steps taken
 * result.sampling; // "shuffle" (the default)
 * result.gradientComputer; // "mean"
 * ```
 */
export interface TrainingResult {
  /** One record per epoch. */
  history: EpochRecord[];
  /** Optimiser steps taken. */
  steps: number;
  examplesSeen: number;
  seconds: number;
  stoppedEarly: boolean;
  /** Epoch (1-based) whose parameters the model holds at the end. */
  finalEpoch: number;
  sampling: SamplingKind;
  sampleRate: number;
  expectedBatchSize: number;
  gradientComputer: string;
  /** What ran the steps: the host kernels or the tensor engine's ops. */
  engine: "host-kernels" | "tensor-ops";
}

/**
 * Training whose loss or parameters stopped being finite: the run cannot recover, so
 * it stops at the end of that epoch instead of producing a model that scores NaN.
 *
 * @example
 * ```ts
 * import { type nn, train } from "equipoise";
 * declare const model: nn.Sequential; declare const data: train.TrainingData; // a model and its training rows
 * try {
 *   train.trainModel(model, data, { epochs: 10, batchSize: 64, optimizer: { kind: "sgd", learningRate: 1e3 }, seed: 0 });
 * } catch (error) {
 *   if (error instanceof train.TrainingDivergedError) console.error(error.message, "at epoch", error.epoch);
 * }
 * ```
 */
export class TrainingDivergedError extends UserError {
  override name = "TrainingDivergedError";
  constructor(
    readonly epoch: number,
    what: "loss" | "parameters",
    hint: string,
  ) {
    super(
      `training diverged: the ${what === "loss" ? "loss is" : "parameters are"} not finite at epoch ${epoch} (${hint})`,
    );
  }
}

/**
 * True when every parameter of the model is a finite number (one sync).
 *
 * @example
 * ```ts
 * import { nn, train } from "equipoise";
 * await nn.initBackend("wasm"); // tensors need a backend
 * const model = nn.buildModel("mlp:8", [3], 2, 0);
 * train.parametersAreFinite(model); // true; false once a step has produced NaN or ±∞
 * ```
 */
export function parametersAreFinite(model: Sequential): boolean {
  return readNow(parametersFiniteReading(model));
}

function* parametersFiniteReading(model: Sequential): Reading<boolean> {
  const allFinite = tf.tidy(() =>
    tf.all(tf.concat(model.parameters().map((p) => tf.isFinite(tf.reshape(p, [-1]))))),
  );
  return (yield* takeValues(allFinite))[0] === 1;
}

/**
 * Trains a model in place on the given rows: batches drawn by the sampler, gradients by the gradient computer
 * (mean, or DP-SGD), steps by the optimiser; optional early stopping on validation rows.
 *
 * @throws RangeError when the data's width does not match the model's input.
 * @example
 * ```ts
 * import { nn, train } from "equipoise";
 * declare const n: number; declare const data: Float32Array; declare const y: Float32Array; // n rows of 6 features, and labels
 * const model = nn.buildModel("mlp:8", [6], 2, 0);
 * const result = train.trainModel(model, { X: { rows: n, cols: 6, data }, y }, {
 *   epochs: 2,
 *   batchSize: 32,
 *   optimizer: { kind: "adam", learningRate: 0.01 },
 *   seed: 0,
 * });
 * console.log(result.history.at(-1)?.trainLoss);
 * ```
 */
export function trainModel(model: Sequential, data: TrainingData, options: TrainOptions): TrainingResult {
  return readNow(trainModelReading(model, data, options));
}

/**
 * {@link trainModel} as a reading (nn.Reading): the same training, for backends that
 * read tensors back only asynchronously (WebGPU): `await nn.readLater(...)` runs it there.
 *
 * @example
 * ```ts
 * import { nn, train } from "equipoise";
 * declare const model: nn.Sequential; declare const data: train.TrainingData;
 * const options: train.TrainOptions = { epochs: 2, batchSize: 32, optimizer: { kind: "adam", learningRate: 0.01 }, seed: 0 };
 * const result = await nn.readLater(train.trainModelReading(model, data, options)); // on WebGPU too
 * ```
 */
export function* trainModelReading(
  model: Sequential,
  data: TrainingData,
  options: TrainOptions,
): Reading<TrainingResult> {
  const inputShape = model.architecture.inputShape;
  const inputSize = inputShape.reduce((a, b) => a * b, 1);
  if (data.X.cols !== inputSize) {
    throw new RangeError(
      `the model expects ${inputSize} input values per example, the data has ${data.X.cols}`,
    );
  }
  if (data.y.length !== data.X.rows) throw new RangeError(`${data.X.rows} rows but ${data.y.length} labels`);
  const sampling = options.sampling ?? "shuffle";
  const sampler = createSampler(
    sampling,
    data.X.rows,
    options.batchSize,
    options.samplingRandom ?? createRandom(options.seed).fork(),
  );
  const totalSteps = options.epochs * sampler.batchesPerEpoch;
  const optimizer = createOptimizer(options.optimizer, totalSteps);
  const computer = options.gradientComputer ?? meanGradient;
  const hostRule = computer.hostRule;
  if (!hostRule && options.engine === "host-kernels") {
    throw new RangeError(
      `the host kernels cannot compute the gradient ${computer.name} (it has no host rule)`,
    );
  }
  const host =
    hostRule && usesHostKernels(options.engine ?? "auto", model.architecture)
      ? new HostDenseTrainer(
          model,
          yield* parameterValues(model),
          data,
          options.optimizer,
          totalSteps,
          hostRule,
        )
      : undefined;
  // The tensor path's DP-SGD checks its batches itself.
  if (host && hostRule?.combine.kind === "clipped-sum")
    checkPrivateSampling(hostRule.combine.step, data.X.rows, sampler.expectedBatchSize);
  const assembler = new BatchAssembler(data, model);
  const history: EpochRecord[] = [];
  const started = performance.now();
  let steps = 0;
  let examplesSeen = 0;
  let best = {
    loss: Number.POSITIVE_INFINITY,
    epoch: 0,
    parameters: undefined as Float32Array[] | undefined,
  };
  let sinceBest = 0;
  let stoppedEarly = false;
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const epochStart = performance.now();
      /** Σ wᵢ ℓᵢ of the epoch: a number on the host kernels, a scalar tensor (read once) on tensor ops. */
      let lossTotal: number | tf.Scalar = host ? 0 : tf.scalar(0);
      let weightTotal = 0;
      let batchIndex = 0;
      for (const indices of sampler.epoch()) {
        if (host) {
          const result = host.step(indices);
          lossTotal = (lossTotal as number) + result.lossSum;
          weightTotal += result.count;
        } else {
          const batch = assembler.assemble(indices, sampler.expectedBatchSize);
          try {
            const result = yield* gradientReading(computer, model, batch);
            model.setParameters(optimizer.step(model.parameters(), result.gradients));
            tf.dispose(result.gradients);
            const total = tf.add(lossTotal as tf.Scalar, result.lossSum) as tf.Scalar;
            tf.dispose([lossTotal as tf.Scalar, result.lossSum]);
            lossTotal = total;
            weightTotal += result.count;
          } finally {
            tf.dispose([batch.x, batch.labels, ...(batch.sampleWeights ? [batch.sampleWeights] : [])]);
          }
        }
        steps++;
        examplesSeen += indices.length;
        batchIndex++;
        const interval = options.batchEventInterval ?? 0;
        if (interval > 0 && batchIndex % interval === 0) {
          options.onProgress?.({
            kind: "batch",
            epoch,
            batch: batchIndex,
            batchesPerEpoch: sampler.batchesPerEpoch,
          });
        }
      }
      const hint = options.divergenceHint ?? `learning rate ${options.optimizer.learningRate} too large?`;
      host?.writeTo(model);
      let trainLoss: number | undefined;
      if (typeof lossTotal !== "number" && options.lossIsPrivate) lossTotal.dispose();
      else if (!options.lossIsPrivate) {
        const sum = typeof lossTotal === "number" ? lossTotal : (yield* takeValues(lossTotal))[0];
        trainLoss = sum / Math.max(weightTotal, 1e-12);
      }
      if (trainLoss !== undefined && !Number.isFinite(trainLoss))
        throw new TrainingDivergedError(epoch, "loss", hint);
      if (!(yield* parametersFiniteReading(model)))
        throw new TrainingDivergedError(epoch, "parameters", hint);
      const record: EpochRecord = {
        epoch,
        ...(trainLoss !== undefined ? { trainLoss } : {}),
        seconds: (performance.now() - epochStart) / 1000,
      };
      if (options.validation) {
        const evaluation = yield* evaluateModelReading(model, options.validation);
        record.validationLoss = evaluation.loss;
        record.validationAccuracy = evaluation.accuracy;
      }
      history.push(record);
      options.onProgress?.({ kind: "epoch", record, batchesPerEpoch: sampler.batchesPerEpoch });
      if (options.earlyStopping && record.validationLoss !== undefined) {
        const { patience, minDelta = 0, restoreBest = true } = options.earlyStopping;
        if (record.validationLoss < best.loss - minDelta) {
          best = {
            loss: record.validationLoss,
            epoch,
            parameters: restoreBest ? yield* parameterValues(model) : undefined,
          };
          sinceBest = 0;
        } else if (++sinceBest >= patience) {
          stoppedEarly = epoch < options.epochs;
          break;
        }
      }
    }
  } finally {
    optimizer.dispose();
  }
  let finalEpoch = history.length;
  if (options.earlyStopping?.restoreBest !== false && best.parameters && best.epoch !== history.length) {
    const specs = model.parameterSpecs();
    model.setParameters(best.parameters.map((values, k) => tf.tensor(values, specs[k].shape)));
    finalEpoch = best.epoch;
  }
  return {
    history,
    steps,
    examplesSeen,
    seconds: (performance.now() - started) / 1000,
    stoppedEarly,
    finalEpoch,
    sampling,
    sampleRate: sampler.sampleRate,
    expectedBatchSize: sampler.expectedBatchSize,
    gradientComputer: computer.name,
    engine: host ? "host-kernels" : "tensor-ops",
  };
}

function* parameterValues(model: Sequential): Reading<Float32Array[]> {
  const values: Float32Array[] = [];
  for (const parameter of model.parameters()) values.push((yield parameter) as Float32Array);
  return values;
}

/**
 * Copies the rows of a batch into one reusable buffer and uploads it: on WASM this
 * is ~30× faster than tf.gather from a resident copy of X. The batch tensors are
 * disposed before the next batch is assembled (the cpu backend may keep a view of
 * the buffer), so gradient computers must not keep them.
 */
class BatchAssembler {
  private readonly labels: Float32Array | Int32Array;
  private readonly weights: Float32Array | undefined;
  private readonly inputShape: number[];

  constructor(
    private readonly data: TrainingData,
    private readonly model: Sequential,
  ) {
    const capacity = data.X.rows;
    this.inputShape = model.architecture.inputShape;
    this.labels =
      model.architecture.loss === "binary-cross-entropy"
        ? new Float32Array(capacity)
        : new Int32Array(capacity);
    this.weights = data.sampleWeights ? new Float32Array(capacity) : undefined;
  }

  private buffer = new Float32Array(0);

  assemble(indices: Int32Array, expectedBatchSize: number) {
    const { X, y, sampleWeights } = this.data;
    const cols = X.cols;
    const n = indices.length;
    if (this.buffer.length < n * cols) this.buffer = new Float32Array(n * cols);
    let weightSum = n;
    for (let r = 0; r < n; r++) {
      const row = indices[r];
      this.buffer.set(X.data.subarray(row * cols, row * cols + cols), r * cols);
      this.labels[r] = y[row];
    }
    if (sampleWeights && this.weights) {
      weightSum = 0;
      for (let r = 0; r < n; r++) {
        const weight = sampleWeights[indices[r]];
        this.weights[r] = weight;
        weightSum += weight;
      }
    }
    return {
      x: tf.tensor(this.buffer.subarray(0, n * cols), [n, ...this.inputShape], "float32"),
      labels: labelTensor(this.model.architecture.loss, this.labels.subarray(0, n)),
      sampleWeights: this.weights ? tf.tensor1d(this.weights.subarray(0, n)) : undefined,
      weightSum,
      indices,
      expectedBatchSize,
      datasetSize: X.rows,
    };
  }
}
