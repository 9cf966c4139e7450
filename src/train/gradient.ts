/**
 * The per-batch gradient computation, a replaceable strategy. The trainer only
 * applies what a GradientComputer returns, so DP-SGD (clipped per-example sum +
 * noise), fairness-penalised losses or anything else plug in without touching it.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Reading, Sequential, TensorValues } from "../nn/index.js";

/**
 * One batch as a gradient computer sees it: features, labels, weights and their sum.
 *
 * @example
 * ```ts
 * import { train } from "equipoise";
 * const logged: train.GradientComputer = {
 *   name: "mean, logged",
 *   compute(model, batch: train.GradientBatch) {
 *     console.log(`${batch.indices.length} of ${batch.datasetSize} rows (expected ${batch.expectedBatchSize})`);
 *     return train.meanGradient.compute(model, batch);
 *   },
 * };
 * ```
 */
export interface GradientBatch {
  /** Features of the batch, shape [B, ...inputShape] (B may be 0 under Poisson sampling). */
  x: tf.Tensor;
  /** Labels in the loss's dtype, shape [B]. */
  labels: tf.Tensor1D;
  /** Sample weights of the batch, shape [B], when the training data has them. */
  sampleWeights?: tf.Tensor1D;
  /** Σᵢ wᵢ over the batch (the batch size when unweighted). */
  weightSum: number;
  /** Row indices into the training set (to look up sensitive attributes, for example). */
  indices: Int32Array;
  /** Batch size for shuffled batches, q·n under Poisson sampling. */
  expectedBatchSize: number;
  /** Number of examples in the training set. */
  datasetSize: number;
}

/**
 * What a gradient computer returns for a batch: one gradient per parameter, the loss sum and the weight sum.
 *
 * @example
 * ```ts
 * import { type nn, train } from "equipoise";
 * declare const model: nn.Sequential;
 * declare const batch: train.GradientBatch; // as the trainer passes it to a gradient computer
 * const result: train.GradientResult = train.meanGradient.compute(model, batch);
 * result.gradients.length === model.parameters().length; // true: one tensor per parameter
 * result.lossSum.dataSync()[0] / result.count; // the batch's weighted mean loss
 * ```
 */
export interface GradientResult {
  /** One tensor per model parameter; ownership passes to the trainer. */
  gradients: tf.Tensor[];
  /** Σᵢ wᵢ ℓᵢ over the batch (a scalar tensor: read once per epoch, no sync per batch). */
  lossSum: tf.Scalar;
  /** Σᵢ wᵢ over the batch: the denominator of the epoch's mean training loss. */
  count: number;
}

/**
 * How a training step's gradient is computed from a batch: the mean gradient, or DP-SGD's clipped and noised sum.
 *
 * @example
 * ```ts
 * import { nn, train } from "equipoise";
 * declare const data: train.TrainingData; // 6 features
 * await nn.initBackend("wasm");
 * const model = nn.buildModel("mlp:16", [6], 2, 0);
 * const computer: train.GradientComputer = train.meanGradient; // or privacy.dpSgdGradient(...) for DP-SGD
 * train.trainModel(model, data, { epochs: 5, batchSize: 64, optimizer: { kind: "sgd", learningRate: 0.1 }, seed: 0, gradientComputer: computer });
 * ```
 */
export interface GradientComputer {
  /** Its name, for messages and records. */
  readonly name: string;
  /** The gradient of the batch, as the step uses it. */
  compute(model: Sequential, batch: GradientBatch): GradientResult;
  /**
   * The same gradient as a reading (nn.Reading): given by computers that read tensors
   * back to the host (DP-SGD's noise, the fairness penalties), so that they also run on
   * backends that read only asynchronously (WebGPU). `compute` is `readNow` of it.
   */
  computeReading?(model: Sequential, batch: GradientBatch): Reading<GradientResult>;
  /**
   * The same gradient as a rule the host kernels run (train/host-dense.ts) for the models
   * they train, instead of `compute`: given by DP-SGD with flat clipping.
   */
  readonly hostRule?: HostGradientRule;
}

/**
 * A gradient computer's step as the host kernels run it (train/host-dense.ts): how the
 * per-example output gradients σ(zᵢ) − yᵢ (or their softmax analogue) combine into the
 * step's gradient, and optionally labels that replace the batch's (the fairness
 * penalties' pseudo-labels).
 *
 * - `mean`: Σ (wᵢ/B) ∇ℓᵢ, as `meanGradient`;
 * - `sum`: Σ ∇ℓᵢ on the (pseudo-)labels, unweighted (the batch penalty folds weights into them);
 * - `clipped-sum`: DP-SGD: each example's whole gradient scaled by `clipFactor(‖gᵢ‖)·wᵢ`, summed,
 *   and released through `step.privatise` (noise, division by q·N, one accountant step).
 *
 * @example
 * ```ts
 * import { privacy, type train } from "equipoise";
 * import { createAccountant, secureGaussianNoise } from "equipoise/privacy/accounting";
 * const computer = privacy.dpSgdGradient({
 *   clip: 1, noiseMultiplier: 1.1, sampleRate: 0.01, dataSize: 6400, noise: secureGaussianNoise(), accountant: createAccountant("rdp"),
 * });
 * const rule: train.HostGradientRule | undefined = computer.hostRule; // flat clipping: defined
 * if (rule?.combine.kind === "clipped-sum") rule.combine.clipFactor(4); // 0.25: norm 4 scaled onto the ball of radius 1
 * ```
 */
export interface HostGradientRule {
  readonly combine:
    | { readonly kind: "mean" }
    | { readonly kind: "sum" }
    | {
        readonly kind: "clipped-sum";
        /** The release every private path goes through. */
        readonly step: PrivateGradientStep;
        /** min(1, C / ‖gᵢ‖), as the tensor path's clip factors. */
        clipFactor(norm: number): number;
        /** Called after each step with its duration and the release's, in milliseconds. */
        recordTime?(totalMs: number, releaseMs: number): void;
      };
  /** Called before every step's forward pass (empty batches too), e.g. to refresh statistics. */
  beforeStep?(model: HostModelView): void;
  /**
   * Labels that replace the batch's true ones in the loss's gradient (binary models), and
   * what the step's reported loss adds to the data loss on the true labels (a penalty's
   * value). Given the batch after its forward pass.
   */
  pseudoLabels?(batch: HostBatchView): { labels: Float32Array; addedLoss?: number };
}

/**
 * What a host rule may ask of the model being trained: σ(z) of its current parameters on other rows.
 *
 * @example
 * ```ts
 * import type { train } from "equipoise";
 * declare const model: train.HostModelView; declare const reference: train.TrainingData["X"];
 * const probabilities: Float32Array = model.probabilitiesOn(reference); // one per row
 * ```
 */
export interface HostModelView {
  /** σ(zᵢ) of every row of X under the parameters the step starts from. */
  probabilitiesOn(X: { rows: number; cols: number; data: Float32Array }): Float32Array;
}

/**
 * One batch as a host rule's `pseudoLabels` sees it.
 *
 * @example
 * ```ts
 * import type { train } from "equipoise";
 * const rule: Pick<train.HostGradientRule, "pseudoLabels"> = {
 *   pseudoLabels: (batch: train.HostBatchView) => ({ labels: batch.labels.slice() }), // the true labels
 * };
 * ```
 */
export interface HostBatchView {
  /** Training-set rows of the batch. */
  indices: Int32Array;
  /** Their true labels and sample weights. */
  labels: Float32Array;
  weights: Float32Array | undefined;
  /** The logits of the batch (one per row). */
  logits: Float32Array;
}

/** The mean gradient's host rule. */
const meanRule: HostGradientRule = { combine: { kind: "mean" } };

/**
 * Refuses batches that a private step's accounting does not describe: Poisson sampling at
 * its rate q from its N rows (every private path checks this before releasing).
 */
export function checkPrivateSampling(
  step: PrivateGradientStep,
  rows: number,
  expectedBatchSize: number,
): void {
  if (
    rows !== step.datasetSize ||
    Math.abs(expectedBatchSize - step.sampleRate * step.datasetSize) > 1e-9 * step.datasetSize
  ) {
    throw new Error(
      `DP-SGD was set up for Poisson sampling at rate ${step.sampleRate} of ${step.datasetSize} examples, ` +
        `but the trainer's batches expect ${expectedBatchSize} of ${rows}: the accounting would be wrong`,
    );
  }
}

/** The batch's labels and sample weights on the host (computers that work on them there: the penalties). */
export function* batchLabelsAndWeights(
  batch: GradientBatch,
): Reading<{ labels: TensorValues; weights: TensorValues | undefined }> {
  const labels = yield batch.labels;
  return { labels, weights: batch.sampleWeights ? yield batch.sampleWeights : undefined };
}

/**
 * A computer's gradient for the batch as a reading: its own reading when it has one,
 * else its synchronous result (a computer that reads nothing back).
 *
 * @example
 * ```ts
 * import { nn, train } from "equipoise";
 * declare const model: nn.Sequential; declare const batch: train.GradientBatch;
 * const result = nn.readNow(train.gradientReading(train.meanGradient, model, batch));
 * ```
 */
export function* gradientReading(
  computer: GradientComputer,
  model: Sequential,
  batch: GradientBatch,
): Reading<GradientResult> {
  if (computer.computeReading) return yield* computer.computeReading(model, batch);
  return computer.compute(model, batch);
}

/**
 * The gradient of the batch's weighted mean loss (1/B) Σ wᵢ ℓᵢ.
 *
 * @example
 * ```ts
 * import { nn, train } from "equipoise";
 * declare const data: train.TrainingData; // 6 features
 * await nn.initBackend("wasm");
 * const model = nn.buildModel("mlp:16", [6], 2, 0);
 * train.meanGradient.name; // "mean": what trainModel uses when no gradientComputer is given
 * train.trainModel(model, data, { epochs: 5, batchSize: 64, optimizer: { kind: "sgd", learningRate: 0.1 }, seed: 0, gradientComputer: train.meanGradient });
 * ```
 */
export const meanGradient: GradientComputer = {
  name: "mean",
  hostRule: meanRule,
  compute(model, batch) {
    const size = batch.indices.length;
    if (size === 0) {
      return { gradients: model.parameters().map((p) => tf.zerosLike(p)), lossSum: tf.scalar(0), count: 0 };
    }
    const scaled = batch.sampleWeights ? (tf.div(batch.sampleWeights, size) as tf.Tensor1D) : undefined;
    const pass = model.backwardPass(batch.x, batch.labels, { lossWeights: scaled ?? 1 / size });
    try {
      const gradients = pass.weightedGradients();
      const lossSum = tf.tidy(() => {
        const losses = pass.losses();
        return (
          batch.sampleWeights ? tf.sum(tf.mul(losses, batch.sampleWeights)) : tf.sum(losses)
        ) as tf.Scalar;
      });
      return { gradients, lossSum, count: batch.weightSum };
    } finally {
      pass.dispose();
      scaled?.dispose();
    }
  },
};

/**
 * What every private gradient path does once the per-example gradients are clipped
 * (implemented once, in privacy/clip-and-noise.ts): add Gaussian noise of std σ·C to
 * every coordinate of the clipped sum, divide by the EXPECTED batch size q·N, and
 * record the step in its accountant. Training code outside privacy/ (the K-models
 * ensemble) only sees this interface: it can obtain a noised gradient only through
 * `privatise`, so no path releases one without the step being accounted.
 *
 * @example
 * ```ts
 * import { privacy, type train } from "equipoise";
 * import { createAccountant, secureGaussianNoise } from "equipoise/privacy/accounting";
 * const step: train.PrivateGradientStep = privacy.clipAndNoise({
 *   clip: 1, noiseMultiplier: 1.1, sampleRate: 64 / 6400, dataSize: 6400,
 *   noise: secureGaussianNoise(), accountant: createAccountant("rdp"),
 * });
 * // a private ensemble member: Poisson batches of expected size 64 from 6,400 rows
 * const member: train.EnsembleMember = { seed: 0, learningRate: 0.5, batchSize: 64, privacy: step };
 * ```
 */
export interface PrivateGradientStep {
  /** Clipping norm C: every per-example gradient is scaled to norm ≤ C before the sum. */
  readonly clip: number;
  /** Noise multiplier σ. */
  readonly noiseMultiplier: number;
  /** Poisson sample rate q the batches must be drawn with. */
  readonly sampleRate: number;
  /** N, the number of examples the sample rate applies to. */
  readonly datasetSize: number;
  /**
   * In place: Σ clipped gᵢ (all parameters flattened in the model's parameter order) →
   * (Σ clipped gᵢ + N(0, σ²C²·I)) / (q·N). Records one step with the accountant.
   */
  privatise(clippedSum: Float32Array): void;
}
