/**
 * One door into private training, in the spirit of Opacus's PrivacyEngine:
 * `makePrivate` takes a model and the trainer options and returns the options the
 * trainer should run with (Poisson sampling at rate q = batch/N, the DP-SGD
 * gradient strategy, the training loss kept private) together with the accountant
 * those steps are recorded in. The sampler and the accountant are configured from
 * the same q here, so they cannot disagree: shuffled fixed-size batches are refused,
 * because the accountants' amplification-by-sampling analysis holds for Poisson
 * sampling only.
 *
 * Noise and batch membership come from the secure generator unless a `seed` is
 * given; a seeded run is reproducible and marked `suitableForRelease: false`.
 */
import { DEFAULT_DELTA } from "../common/defaults.js";
import { PrivacyBudgetError, UserError } from "../common/errors.js";
import { type Reading, readNow, type Sequential } from "../nn/index.js";
import {
  type GradientComputer,
  type TrainingData,
  type TrainingResult,
  type TrainOptions,
  trainModelReading,
} from "../train/index.js";
import type { Accountant, AccountantKind, PrivacySpent } from "./accountants/accountant.js";
import { createAccountant } from "./accountants/index.js";
import { calibrateNoise, type PriorStep, stepsForEpochs } from "./calibration.js";
import type { ClipAndNoise } from "./clip-and-noise.js";
import {
  type ClippingMode,
  type ClippingObserver,
  type DpSgdGradientComputer,
  type DpSgdOptions,
  dpSgdGradient,
} from "./dp-sgd.js";
import { type GaussianNoise, secureGaussianNoise, seededGaussianNoise } from "./noise.js";
import { createSecureRandom } from "./secure-random.js";

/**
 * The Gaussian noise of a private run: secure without a seed; with one, a seeded
 * stream kept apart from the initialisation and sampling streams of the same seed.
 *
 * @example
 * ```ts
 * import { privacy } from "equipoise";
 * const noise = privacy.privateNoiseSource(); // secure: suitable for a released model
 * const replay = privacy.privateNoiseSource(7); // seeded: reproducible, marked not for release
 * console.log(noise.kind, replay.kind); // "secure" "seeded"
 * ```
 */
export function privateNoiseSource(seed?: number): GaussianNoise {
  return seed === undefined ? secureGaussianNoise() : seededGaussianNoise((seed ^ 0x5eed_d9) >>> 0);
}

/**
 * Another private gradient in place of plain DP-SGD (group-aware clipping, a private
 * fair method). `create` receives the step makePrivate planned — the noise multiplier
 * every step must be ACCOUNTED at, the accountant, the noise source — and must return
 * a computer whose clip-and-noise step records each step in that accountant at that
 * multiplier; makePrivate checks the accountant. Releases the method makes once,
 * before training, are declared in `priorReleases`: recorded first, and included when
 * σ is calibrated to a target ε.
 *
 * @example
 * ```ts
 * import { nn, privacy } from "equipoise";
 * declare const model: nn.Sequential; // e.g. nn.buildModel("mlp:8", [5], 2, 7)
 * const gradient: privacy.PrivateGradientFactory = {
 *   name: "plain dp-sgd",
 *   create: (options) => privacy.dpSgdGradient(options), // accounts each step at options.noiseMultiplier
 * };
 * privacy.makePrivate({ model, dataSize: 200, epochs: 2, noise: 1.1, clip: 0.3, gradient, trainerOptions: { batchSize: 40, optimizer: { kind: "sgd", learningRate: 0.5 }, seed: 7 } });
 * ```
 */
export interface PrivateGradientFactory {
  readonly name: string;
  readonly priorReleases?: readonly PriorStep[];
  /** The gradient computer for a planned run. */
  create(options: DpSgdOptions): DpSgdGradientComputer;
}

/**
 * Settings of {@link makePrivate}: the model, the trainer's options, N, the noise (σ or a target ε),
 * the clipping norm, δ, the accountant and the noise source.
 *
 * @example
 * ```ts
 * import { nn, privacy } from "equipoise";
 * declare const model: nn.Sequential; // e.g. nn.buildModel("mlp:8", [5], 2, 7)
 * const options: privacy.MakePrivateOptions = {
 *   model, dataSize: 6400, epochs: 3, targetEpsilon: 1, delta: 1e-5, clip: 1, accountant: "rdp",
 *   trainerOptions: { batchSize: 64, optimizer: { kind: "sgd", learningRate: 0.5 }, seed: 7 },
 * };
 * const engine = privacy.makePrivate(options); // σ calibrated so that 3 epochs spend at most ε = 1
 * ```
 */
export interface MakePrivateOptions {
  model: Sequential;
  /** The trainer's options; `batchSize` is the EXPECTED batch size, `sampling` must be absent or "poisson". */
  trainerOptions: Omit<TrainOptions, "gradientComputer" | "epochs"> & { epochs?: number };
  /** Number of training examples N. */
  dataSize: number;
  /** Noise multiplier σ, or… */
  noise?: number;
  /** …a target ε: σ is calibrated so that `epochs` epochs spend at most this. */
  targetEpsilon?: number;
  /** Per-example clipping norm C. */
  clip: number;
  delta?: number;
  epochs: number;
  accountant?: AccountantKind;
  clipping?: ClippingMode;
  /** Seeded noise (reproducible, not for release). */
  seed?: number;
  /**
   * Releases of the same run before training (privately fitted preprocessing), recorded
   * first in the run's accountant; a target ε is calibrated with them included.
   */
  priorReleases?: readonly PriorStep[];
  /**
   * δ spent outside the accountant (thresholded category discovery): ε is taken at
   * δ − reservedDelta, so the run is (ε, δ)-DP in all.
   */
  reservedDelta?: number;
  /**
   * Wraps the DP-SGD gradient (e.g. a fairness penalty with reference statistics);
   * the wrapper must keep each example's gradient a function of that example alone.
   */
  wrapGradient?: (dpSgd: GradientComputer) => GradientComputer;
  /** A private gradient other than plain DP-SGD (default: dpSgdGradient). */
  gradient?: PrivateGradientFactory;
  /** Per-group clipping statistics of every step (diagnostics, NOT covered by ε). */
  observer?: ClippingObserver;
}

/**
 * What a private run spent and how: ε at δ with the accountant's details, σ, C, q, steps, the noise
 * source, and whether the model may be released.
 *
 * @example
 * ```ts
 * import { privacy, train } from "equipoise";
 * declare const engine: privacy.PrivateTraining; // from makePrivate
 * declare const data: train.TrainingData; // the training rows (dataSize of them)
 * const report: privacy.PrivacyReport = engine.train(data).privacy;
 * console.log(report.epsilon, report.delta, report.noise, report.clip, report.steps);
 * if (!report.suitableForRelease) console.warn("seeded noise: an experiment, not a release");
 * ```
 */
export interface PrivacyReport extends PrivacySpent {
  noise: number;
  clip: number;
  sampleRate: number;
  steps: number;
  sampling: "poisson";
  clipping: ClippingMode;
  noiseSource: "secure" | "seeded";
  suitableForRelease: boolean;
}

/**
 * A model made private: the planned noise and steps, the accountant, and `train` to run it.
 *
 * @example
 * ```ts
 * import { nn, privacy, train } from "equipoise";
 * declare const data: train.TrainingData; // 200 rows, 5 features, 2 classes
 * await nn.initBackend("cpu");
 * const model = nn.buildModel("mlp:8", [5], 2, 7);
 * const engine: privacy.PrivateTraining = privacy.makePrivate({
 *   model, dataSize: 200, epochs: 2, noise: 1.1, clip: 0.3, trainerOptions: { batchSize: 40, optimizer: { kind: "sgd", learningRate: 0.5 }, seed: 7 },
 * });
 * engine.plannedSteps; // 10: 2 epochs × round(200 / 40) Poisson batches
 * const { result, privacy: spent } = engine.train(data);
 * ```
 */
export interface PrivateTraining {
  readonly noise: number;
  readonly sampleRate: number;
  /** Steps the trainer will run: epochs × round(1/q) Poisson batches. */
  readonly plannedSteps: number;
  readonly accountant: Accountant;
  readonly gradientComputer: DpSgdGradientComputer;
  /** Options to pass to `trainModel` unchanged. */
  readonly trainOptions: TrainOptions;
  readonly suitableForRelease: boolean;
  /** Runs the trainer with these options on `data` (which must have `dataSize` rows). */
  train(data: TrainingData): { result: TrainingResult; privacy: PrivacyReport };
  /** {@link PrivateTraining.train} as a reading (nn.Reading), for backends that read only asynchronously. */
  trainReading(data: TrainingData): Reading<{ result: TrainingResult; privacy: PrivacyReport }>;
  /** Privacy spent so far (the steps actually run). */
  privacySpent(delta?: number): PrivacyReport;
}

/**
 * The noise multiplier, sample rate and steps of a DP-SGD run.
 *
 * @example
 * ```ts
 * import { privacy } from "equipoise";
 * const plan: privacy.PrivateStepPlan = privacy.planPrivateSteps({
 *   batchSize: 64, dataSize: 6400, epochs: 3, noise: 1.1, delta: 1e-5, accountant: "rdp",
 * });
 * console.log(plan.noise, plan.sampleRate, plan.plannedSteps); // 1.1 (given), 0.01, 300
 * ```
 */
export interface PrivateStepPlan {
  /** The noise multiplier σ: given, or calibrated to the target ε over the planned steps. */
  noise: number;
  /** q = batch/N of the trainer's Poisson sampler. */
  sampleRate: number;
  /** epochs × round(1/q), the steps the trainer runs. */
  plannedSteps: number;
}

/**
 * The sample rate, the steps and the noise multiplier of a DP-SGD run: what
 * `makePrivate` configures, and what any other private path (K models at once) must
 * configure identically. Refuses what the accountant cannot analyse.
 *
 * @example
 * ```ts
 * import { privacy } from "equipoise";
 * const plan = privacy.planPrivateSteps({
 *   batchSize: 64, dataSize: 6400, epochs: 3, targetEpsilon: 1, delta: 1e-5, accountant: "rdp",
 * });
 * // q = 0.01, 3 × 100 steps, and the σ that spends at most ε = 1 over them
 * console.log(plan.sampleRate, plan.plannedSteps, plan.noise);
 * ```
 */
export function planPrivateSteps(options: {
  batchSize: number;
  dataSize: number;
  epochs: number;
  noise?: number;
  targetEpsilon?: number;
  delta: number;
  accountant: AccountantKind;
  priorSteps?: readonly PriorStep[];
}): PrivateStepPlan {
  const { batchSize, dataSize, epochs, delta } = options;
  if (!(Number.isInteger(dataSize) && dataSize >= 1))
    throw new UserError(`dataSize must be a positive integer, got ${dataSize}`);
  if (!(delta > 0 && delta < 1)) throw new UserError(`delta must be in (0, 1), got ${delta}`);
  if (!(Number.isInteger(epochs) && epochs >= 1))
    throw new UserError(`epochs must be a positive integer, got ${epochs}`);
  if ((options.noise === undefined) === (options.targetEpsilon === undefined)) {
    throw new UserError("give exactly one of noise (a noise multiplier) and targetEpsilon");
  }
  if (!(batchSize >= 1 && batchSize <= dataSize)) {
    throw new UserError(`the expected batch size must be in [1, ${dataSize}], got ${batchSize}`);
  }
  // The trainer's Poisson sampler: q = batch/N, round(1/q) batches per epoch.
  const sampleRate = Math.min(1, batchSize / dataSize);
  const plannedSteps = stepsForEpochs(epochs, sampleRate);
  if (options.noise !== undefined) {
    if (!(options.noise > 0)) throw new UserError(`the noise multiplier must be > 0, got ${options.noise}`);
    return { noise: options.noise, sampleRate, plannedSteps };
  }
  const { noise } = calibrateNoise({
    targetEpsilon: options.targetEpsilon!,
    delta,
    sampleRate,
    steps: plannedSteps,
    accountant: options.accountant,
    ...(options.priorSteps ? { priorSteps: options.priorSteps } : {}),
  });
  return { noise, sampleRate, plannedSteps };
}

/** The privacy report of the steps a clip-and-noise primitive has taken so far. *
 * @example
 * ```ts
 * import { privacy } from "equipoise";
 * declare const step: privacy.ClipAndNoise; // one that has taken some steps (see clipAndNoise)
 * const report = privacy.privacyReportOf(step, 1e-5, "flat");
 * console.log(report.epsilon, report.steps, report.suitableForRelease);
 * ```
 */
export function privacyReportOf(
  step: ClipAndNoise,
  delta: number,
  clipping: ClippingMode,
  reservedDelta = 0,
): PrivacyReport {
  const { accountant } = step;
  if (!(reservedDelta >= 0 && reservedDelta < delta))
    throw new PrivacyBudgetError(
      `delta ${delta} must exceed the delta ${reservedDelta} spent outside the accountant`,
    );
  return {
    ...accountant.spent(delta - reservedDelta),
    delta,
    noise: step.noiseMultiplier,
    clip: step.clip,
    sampleRate: step.sampleRate,
    steps: step.steps,
    sampling: "poisson",
    clipping,
    noiseSource: step.noise.kind,
    suitableForRelease: step.noise.kind === "secure",
  };
}

/**
 * Makes a model's training private, as Opacus's `make_private`: Poisson sampling at q = batch/N,
 * per-example clipping, Gaussian noise calibrated to the target ε (or σ as given), and the accountant.
 * Secure noise unless `seed` asks for a reproducible run, which is then not for release.
 *
 * @example
 * ```ts
 * import { nn, privacy, type train } from "equipoise";
 * declare const data: train.TrainingData; // 200 rows
 * await nn.initBackend("cpu");
 * const model = nn.buildModel("mlp:8", [5], 2, 7); // 5 features, 2 classes, seed 7
 * const engine = privacy.makePrivate({
 *   model, dataSize: 200, epochs: 2, noise: 1.1, clip: 0.3,
 *   trainerOptions: { batchSize: 40, optimizer: { kind: "sgd", learningRate: 0.5 }, seed: 7 },
 * });
 * const { privacy: spent } = engine.train(data);
 * console.log(spent.epsilon, spent.delta, spent.suitableForRelease); // secure noise: true
 * ```
 */
export function makePrivate(options: MakePrivateOptions): PrivateTraining {
  const { model, trainerOptions, dataSize, clip, epochs } = options;
  const delta = options.delta ?? DEFAULT_DELTA;
  const kind = options.accountant ?? "rdp";
  const clipping = options.clipping ?? "flat";
  const reservedDelta = options.reservedDelta ?? 0;
  if (!(reservedDelta >= 0 && reservedDelta < delta))
    throw new PrivacyBudgetError(
      `delta ${delta} must exceed the delta ${reservedDelta} spent outside the accountant`,
    );
  if (trainerOptions.sampling === "shuffle") {
    throw new UserError(
      "DP-SGD needs Poisson sampling: shuffled fixed-size batches are not what the accountant's sampling amplification assumes (drop sampling: 'shuffle')",
    );
  }
  if (trainerOptions.epochs !== undefined && trainerOptions.epochs !== epochs) {
    throw new UserError(`trainerOptions.epochs (${trainerOptions.epochs}) disagrees with epochs (${epochs})`);
  }
  if (!(clip > 0)) throw new UserError(`the clipping norm must be > 0, got ${clip}`);
  const priorReleases = [...(options.priorReleases ?? []), ...(options.gradient?.priorReleases ?? [])];
  const { noise, sampleRate, plannedSteps } = planPrivateSteps({
    batchSize: trainerOptions.batchSize,
    dataSize,
    epochs,
    noise: options.noise,
    targetEpsilon: options.targetEpsilon,
    delta: delta - reservedDelta,
    accountant: kind,
    ...(priorReleases.length > 0 ? { priorSteps: priorReleases } : {}),
  });
  const seeded = options.seed !== undefined;
  const accountant = createAccountant(kind);
  const gradientComputer = (options.gradient?.create ?? dpSgdGradient)({
    clip,
    noiseMultiplier: noise,
    sampleRate,
    dataSize,
    clipping,
    accountant,
    noise: privateNoiseSource(options.seed),
    ...(options.observer ? { observer: options.observer } : {}),
  });
  const accounted = gradientComputer.step.accountedNoiseMultiplier;
  if (gradientComputer.step.accountant !== accountant || !(Math.abs(accounted - noise) <= 1e-12 * noise)) {
    throw new Error(
      `the private gradient ${options.gradient?.name ?? "dp-sgd"} must account every step in the run's accountant at noise multiplier ${noise}`,
    );
  }
  for (const prior of priorReleases) accountant.step(prior.sampleRate, prior.noise, prior.count);
  // Without a seed batch membership comes from the secure generator as well: a
  // seeded xoshiro stream (even with a secret seed) would make the batches
  // recomputable from 128 bits of state, which the sampling amplification does not allow for.
  const trainOptions: TrainOptions = {
    ...trainerOptions,
    epochs,
    sampling: "poisson",
    gradientComputer: options.wrapGradient ? options.wrapGradient(gradientComputer) : gradientComputer,
    ...(seeded ? {} : { samplingRandom: createSecureRandom() }),
    lossIsPrivate: true,
    divergenceHint: `learning rate ${trainerOptions.optimizer.learningRate} or clipping norm ${clip} too large?`,
  };
  const privacySpent = (at = delta): PrivacyReport =>
    privacyReportOf(gradientComputer.step, at, clipping, reservedDelta);
  return {
    noise,
    sampleRate,
    plannedSteps,
    accountant,
    gradientComputer,
    trainOptions,
    suitableForRelease: !seeded,
    privacySpent,
    train: (data) => readNow(trainReading(data)),
    trainReading,
  };

  function* trainReading(data: TrainingData): Reading<{ result: TrainingResult; privacy: PrivacyReport }> {
    if (data.X.rows !== dataSize) {
      throw new UserError(
        `makePrivate was set up for ${dataSize} training examples, the data has ${data.X.rows}`,
      );
    }
    if (data.sampleWeights?.some((w) => !(w >= 0 && w <= 1))) {
      throw new UserError(
        "DP-SGD needs sample weights in [0, 1]: a larger weight raises the sensitivity above the clip norm",
      );
    }
    const result = yield* trainModelReading(model, data, trainOptions);
    return { result, privacy: privacySpent() };
  }
}
