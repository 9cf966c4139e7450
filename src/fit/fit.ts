/**
 * The one training recipe, applied: recipe + data → a trained model with its
 * privacy and fairness reports. The CLI `train`, the explorer's trials and
 * reference model, the fairness mitigations' engine learners — and the audits,
 * explanations and federated clients to come — all train through here; nothing
 * else assembles "model family × DP-SGD × fairness mitigation" by hand.
 *
 * Pure: no file or console I/O (progress goes to a callback), and a private recipe
 * cannot come back without its privacy report.
 */
import { UserError } from "../common/errors.js";
import { fairnessPenaltyGradient } from "../fairness/penalty.js";
import { withReferencePenalty } from "../fairness/reference-penalty.js";
import { architectureFor, buildModel, type Reading, readNow, Sequential } from "../nn/index.js";
import {
  type ClippingObserver,
  makePrivate,
  type PrivacyReport,
  type PrivateGradientFactory,
} from "../privacy/index.js";
import {
  type GradientComputer,
  meanGradient,
  type OptimizerConfig,
  type SamplingKind,
  type TrainingData,
  type TrainingEvent,
  type TrainingResult,
  type TrainOptions,
  trainModelReading,
} from "../train/index.js";
import { type FairnessSummary, type FitData, type FitPlan, planFit } from "./plan.js";
import type { OptimizerRecipe, Recipe, RecipeInput } from "./recipe.js";

/**
 * Progress of {@link fitRecipe}, reported after every epoch.
 *
 * @example
 * ```ts
 * import { fitRecipe, type FitData, type FitProgress } from "equipoise/fit";
 * declare const data: FitData; // the training split, classes and input shape (see fitRecipe)
 * fitRecipe({ model: "logreg", epochs: 5 }, data, {
 *   onProgress: (progress: FitProgress) => console.log(`epoch ${progress.epoch}/${progress.epochs}: loss ${progress.trainLoss}`),
 * });
 * ```
 */
export interface FitProgress {
  epoch: number;
  epochs: number;
  /** Steps done so far, over all epochs. */
  step: number;
  totalSteps: number;
  /** At the end of an epoch of a non-private recipe: its mean training loss. */
  trainLoss?: number;
}

/**
 * Settings of {@link fitRecipe} beyond the recipe: progress, a starting point, and the seams other
 * capabilities train through.
 *
 * @example
 * ```ts
 * import { fitRecipe, type FitData, type FitOptions } from "equipoise/fit";
 * declare const data: FitData; // the training split, classes and input shape (see fitRecipe)
 * declare const warmStart: Float32Array[]; // parameters of a model of the same architecture, in its order
 * const options: FitOptions = { initialParameters: warmStart, onProgress: ({ step, totalSteps }) => console.log(step, totalSteps) };
 * const fit = fitRecipe({ model: "mlp:32", epochs: 2 }, data, options);
 * ```
 */
export interface FitOptions {
  /** Called as training proceeds: epoch and step counts. */
  onProgress?: (progress: FitProgress) => void;
  /** Start from these parameters (the model's order) instead of the seeded initialisation. */
  initialParameters?: Float32Array[];
  /**
   * Private recipes: a private gradient other than plain DP-SGD (interplay's group-aware
   * clipping and private fair training), planned and accounted by makePrivate as usual.
   */
  privateGradient?: PrivateGradientFactory;
  /** Private recipes: per-group clipping statistics of every step (NOT covered by ε). */
  clippingObserver?: ClippingObserver;
  /**
   * Replaces a non-private recipe's gradient with another objective built on it (the
   * debiasing baselines of src/nas/debias: Group DRO, Learning from Failure). Refused
   * with a private recipe (its gradient must stay DP-SGD's clip-and-noise) and with a
   * fairness penalty (one objective at a time). The summary's `gradient` names it.
   */
  gradient?: (standard: GradientComputer) => GradientComputer;
}

/**
 * What a training run did: rows, steps, batch, time, and the loss history.
 *
 * @example
 * ```ts
 * import { fitRecipe, type FitData, type TrainingSummary } from "equipoise/fit";
 * declare const data: FitData; // the training split, classes and input shape (see fitRecipe)
 * const training: TrainingSummary = fitRecipe({ model: "logreg", epochs: 5 }, data).training;
 * training.steps; // 5 epochs × the batches of one epoch
 * training.history.at(-1)?.trainLoss; // the last epoch's mean training loss (non-private recipes only)
 * ```
 */
export interface TrainingSummary {
  /** Rows the model trained on (the training split minus any held-out reference rows). */
  trainRows: number;
  epochs: number;
  steps: number;
  sampling: SamplingKind;
  /** Probability that an example is in a given batch (batch/N). */
  sampleRate: number;
  expectedBatchSize: number;
  /** The gradient strategy that ran, e.g. "dp-sgd(flat, clip=1, noise=1.1)+reference-penalty(...)". */
  gradient: string;
  seconds: number;
  /** Per epoch; a private recipe's training loss is neither kept nor reported. Empty when fitted in an ensemble. */
  history: { epoch: number; trainLoss?: number; seconds: number }[];
}

/**
 * The privacy section of a private fit: the accountant's report, plus what the run
 * treats as public and what it reads without protection.
 *
 * @example
 * ```ts
 * import { fitRecipe, type FitData, type PrivacyDocument } from "equipoise/fit";
 * declare const data: FitData; // the training split, classes and input shape (see fitRecipe)
 * const privacy: PrivacyDocument | undefined = fitRecipe({ model: "logreg", privacy: { targetEpsilon: 1, clip: 1 } }, data).privacy;
 * privacy?.epsilon; // ≤ 1, at privacy.delta
 * privacy?.notCoveredByEpsilon; // what the run read without protection, one sentence each
 * ```
 */
export interface PrivacyDocument extends PrivacyReport {
  targetEpsilon?: number;
  noiseCalibrated: boolean;
  trainRows: number;
  /** Quantities released as they are, treated as public (as Opacus treats N). */
  publicQuantities: string[];
  publicNote: string;
  /** What the run reads without protection (one sentence each; empty when nothing is). */
  notCoveredByEpsilon: string[];
  /** How the features were preprocessed, when the caller said (its releases are in ε). */
  preprocessing?: {
    mode: string;
    releases: readonly { sampleRate: number; noise: number; count: number }[];
    thresholdDelta: number;
    notForRelease: string | null;
  };
}

/**
 * A trained model with its normalised recipe, training summary, privacy document (private recipes)
 * and fairness summary.
 *
 * @example
 * ```ts
 * import { fitRecipe, type FitData, type FitResult } from "equipoise/fit";
 * declare const data: FitData; // the training split, classes and input shape (see fitRecipe)
 * const fit: FitResult = fitRecipe({ model: "logreg", fairness: { method: "reweighing" } }, data);
 * fit.model; // the trained Sequential
 * fit.fairness; // { method: "reweighing", attribute: ... }; fit.privacy is undefined: not private
 * ```
 */
export interface FitResult {
  model: Sequential;
  /** The normalised recipe (every default filled in). */
  recipe: Recipe;
  training: TrainingSummary;
  /** Present exactly when the recipe is private. */
  privacy?: PrivacyDocument;
  fairness?: FairnessSummary;
  warnings: string[];
}

/**
 * The quantities a private run treats as public, as Opacus does (see {@link PUBLIC_NOTE}).
 *
 * @example
 * ```ts
 * import { PUBLIC_QUANTITIES } from "equipoise/fit";
 * PUBLIC_QUANTITIES; // ["trainRows", "steps", "sampleRate"]: released as they are by every private fit
 * ```
 */
export const PUBLIC_QUANTITIES = ["trainRows", "steps", "sampleRate"];
/**
 * The note every private run carries about what it treats as public.
 *
 * @example
 * ```ts
 * import { fitRecipe, type FitData, PUBLIC_NOTE } from "equipoise/fit";
 * declare const data: FitData; // the training split, classes and input shape (see fitRecipe)
 * const { privacy } = fitRecipe({ model: "logreg", privacy: { targetEpsilon: 1, clip: 1 } }, data);
 * privacy?.publicNote === PUBLIC_NOTE; // true: "the number of training rows N is treated as public, ..."
 * ```
 */
export const PUBLIC_NOTE =
  "the number of training rows N is treated as public, as Opacus does, and with it the sample rate q = batch/N and the number of steps; epsilon covers the contents of the rows";

/**
 * Trains a recipe (model, optimiser, epochs, batch, DP-SGD, fairness mitigation) on the data: the
 * one training path of Equipoise. A private recipe's noise is calibrated to its target ε and the
 * result carries its privacy document.
 *
 * @example
 * ```ts
 * import { fitRecipe, parseRecipe } from "equipoise/fit";
 * import type { PreparedTask } from "equipoise/data";
 * declare const task: PreparedTask; // see prepareTask in equipoise/data
 * const recipe = parseRecipe({ model: "logreg", epochs: 2, privacy: { targetEpsilon: 1, clip: 1 } });
 * const { model, privacy } = fitRecipe(recipe, { train: task.train, numClasses: 2, inputShape: [task.train.X.cols] });
 * privacy!.epsilon; // ≤ 1
 * ```
 */
export function fitRecipe(input: RecipeInput | Recipe, data: FitData, options: FitOptions = {}): FitResult {
  return readNow(fitRecipeReading(input, data, options));
}

/**
 * {@link fitRecipe} as a reading (nn.Reading): the same fit, for backends that read
 * tensors back only asynchronously (WebGPU).
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * import { type FitData, fitRecipeReading, parseRecipe } from "equipoise/fit";
 * declare const data: FitData;
 * const { model } = await nn.readLater(fitRecipeReading(parseRecipe({ model: "logreg" }), data));
 * ```
 */
export function* fitRecipeReading(
  input: RecipeInput | Recipe,
  data: FitData,
  options: FitOptions = {},
): Reading<FitResult> {
  const plan = planFit(input, data);
  const { recipe } = plan;
  if (options.gradient && (recipe.privacy || plan.penalty)) {
    throw new UserError(
      recipe.privacy
        ? "a replaced training objective cannot run under DP: a private recipe's gradient is DP-SGD's"
        : "a replaced training objective cannot be combined with the recipe's fairness penalty",
    );
  }
  const model = options.initialParameters
    ? new Sequential(
        architectureFor(recipe.model, data.inputShape, data.numClasses),
        options.initialParameters,
      )
    : buildModel(recipe.model, data.inputShape, data.numClasses, recipe.seed);
  try {
    const trainingData: TrainingData = {
      X: plan.train.X,
      y: plan.train.y,
      ...(plan.sampleWeights ? { sampleWeights: plan.sampleWeights } : {}),
    };
    const trainer = trainerOptions(recipe, options.onProgress);
    let result: TrainingResult;
    let privacy: PrivacyDocument | undefined;
    if (recipe.privacy) {
      const settings = recipe.privacy;
      const engine = makePrivate({
        model,
        trainerOptions: trainer,
        dataSize: plan.train.X.rows,
        ...(settings.targetEpsilon !== undefined
          ? { targetEpsilon: settings.targetEpsilon }
          : { noise: settings.noiseMultiplier }),
        clip: settings.clip,
        delta: settings.delta,
        epochs: recipe.epochs,
        accountant: settings.accountant,
        clipping: settings.clipping,
        ...(settings.noiseSeed !== undefined ? { seed: settings.noiseSeed } : {}),
        ...(data.preprocessing?.releases.length ? { priorReleases: data.preprocessing.releases } : {}),
        ...(data.preprocessing?.thresholdDelta ? { reservedDelta: data.preprocessing.thresholdDelta } : {}),
        ...(plan.penalty ? { wrapGradient: (dpSgd) => referencePenalised(dpSgd, plan) } : {}),
        ...(options.privateGradient ? { gradient: options.privateGradient } : {}),
        ...(options.clippingObserver ? { observer: options.clippingObserver } : {}),
      });
      const trained = yield* engine.trainReading(trainingData);
      result = trained.result;
      privacy = privacyDocument(trained.privacy, plan, data);
    } else {
      const standard = plainGradient(plan);
      const gradientComputer = options.gradient ? options.gradient(standard) : standard;
      result = yield* trainModelReading(model, trainingData, { ...trainer, gradientComputer });
    }
    return {
      model,
      recipe,
      training: trainingSummary(result, plan.train.X.rows),
      ...(privacy ? { privacy } : {}),
      ...(plan.fairness ? { fairness: plan.fairness } : {}),
      warnings: plan.warnings,
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/**
 * The training engine's optimiser settings for a recipe's optimiser.
 *
 * @example
 * ```ts
 * import { optimizerConfig, parseRecipe } from "equipoise/fit";
 * optimizerConfig(parseRecipe({ model: "logreg" }).optimizer);
 * // { kind: "adam", learningRate: 0.01, weightDecay: 0, schedule: "cosine" }
 * ```
 */
export function optimizerConfig(optimizer: OptimizerRecipe): OptimizerConfig {
  const { learningRate, weightDecay, schedule } = optimizer;
  return optimizer.kind === "sgd"
    ? { kind: "sgd", learningRate, momentum: optimizer.momentum, weightDecay, schedule }
    : { kind: "adam", learningRate, weightDecay, schedule };
}

function trainerOptions(
  recipe: Recipe,
  onProgress: FitOptions["onProgress"],
): Omit<TrainOptions, "gradientComputer"> {
  const { epochs } = recipe;
  const report = (event: TrainingEvent) => {
    if (!onProgress) return;
    if (event.kind === "batch") {
      onProgress({
        epoch: event.epoch,
        epochs,
        step: (event.epoch - 1) * event.batchesPerEpoch + event.batch,
        totalSteps: epochs * event.batchesPerEpoch,
      });
    } else {
      onProgress({
        epoch: event.record.epoch,
        epochs,
        step: event.record.epoch * event.batchesPerEpoch,
        totalSteps: epochs * event.batchesPerEpoch,
        ...(event.record.trainLoss !== undefined ? { trainLoss: event.record.trainLoss } : {}),
      });
    }
  };
  return {
    epochs,
    batchSize: recipe.batchSize,
    optimizer: optimizerConfig(recipe.optimizer),
    seed: recipe.seed,
    sampling: recipe.sampling,
    ...(onProgress ? { onProgress: report, batchEventInterval: 10 } : {}),
  };
}

/** The non-private gradient: the exact batch penalty when the recipe asks for one. */
function plainGradient(plan: FitPlan): GradientComputer {
  if (!plan.penalty) return meanGradient;
  const { constraint, weight, groupOfRow, labels } = plan.penalty;
  return fairnessPenaltyGradient({ constraint, weight, groupOfRow, labels });
}

function referencePenalised(dpSgd: GradientComputer, plan: FitPlan): GradientComputer {
  const penalty = plan.penalty!;
  return withReferencePenalty(dpSgd, {
    constraint: penalty.constraint,
    weight: penalty.weight,
    reference: penalty.reference!,
    groupOfRow: penalty.groupOfRow,
  });
}

export function privacyDocument(report: PrivacyReport, plan: FitPlan, data?: FitData): PrivacyDocument {
  const settings = plan.recipe.privacy!;
  const preprocessing = data?.preprocessing;
  // Preprocessing fitted on the training rows without noise couples every row to the
  // model: such a run is not for release whatever its noise source (DESIGN.md, what ε covers).
  const preprocessingBlocks =
    preprocessing !== undefined && (preprocessing.mode === "fit" || preprocessing.notForRelease !== null);
  return {
    ...report,
    suitableForRelease: report.suitableForRelease && !preprocessingBlocks,
    ...(preprocessing
      ? {
          preprocessing: {
            mode: preprocessing.mode,
            releases: preprocessing.releases,
            thresholdDelta: preprocessing.thresholdDelta,
            notForRelease: preprocessing.notForRelease,
          },
        }
      : {}),
    ...(settings.targetEpsilon !== undefined ? { targetEpsilon: settings.targetEpsilon } : {}),
    noiseCalibrated: settings.targetEpsilon !== undefined,
    trainRows: plan.train.X.rows,
    publicQuantities: [...PUBLIC_QUANTITIES],
    publicNote: PUBLIC_NOTE,
    notCoveredByEpsilon: [...plan.notCoveredByEpsilon],
  };
}

function trainingSummary(result: TrainingResult, trainRows: number): TrainingSummary {
  return {
    trainRows,
    epochs: result.history.length,
    steps: result.steps,
    sampling: result.sampling,
    sampleRate: result.sampleRate,
    expectedBatchSize: result.expectedBatchSize,
    gradient: result.gradientComputer,
    seconds: result.seconds,
    history: result.history.map((record) => ({
      epoch: record.epoch,
      ...(record.trainLoss !== undefined ? { trainLoss: record.trainLoss } : {}),
      seconds: record.seconds,
    })),
  };
}
