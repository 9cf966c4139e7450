/**
 * One trial of the explorer: a configuration → its training recipe → `fitRecipe` →
 * metrics on the validation split (what the search sees) and on the test split
 * (reported for the Pareto trials only). Pure computation: no I/O, runs inside a
 * worker thread.
 */
import type { Split } from "../data/index.js";
import { type FitResult, fitRecipeReading, type PrivacyDocument } from "../fit/fit.js";
import type { ModelMetrics } from "../fit/metrics.js";
import type { FitData } from "../fit/plan.js";
import { type PENALTY_CONSTRAINTS, parseRecipe, type Recipe } from "../fit/recipe.js";
import { groupAwareClipping } from "../interplay/group-clipping.js";
import { type Reading, readNow } from "../nn/index.js";
import type { Configuration } from "../search/index.js";
import { predictReading } from "../train/index.js";
import { rowWeights } from "./class-weights.js";
import { studyMetrics } from "./sensitive-ldp.js";
import { recipeOf, type TrialRecipe } from "./space.js";
import {
  type TrialMembershipRecord,
  type TrialPrivacyCostRecord,
  trialMembershipRisk,
  trialPrivacyCost,
} from "./trial-interplay.js";
import { runPrivateFairTrial } from "./trial-private-fair.js";

/**
 * The data every trial of a study trains and scores on (identical in every worker).
 *
 * @example
 * ```ts
 * import { runTrial, type TrialData, type TrialSettings } from "equipoise/explore";
 * import type { Split } from "equipoise/data";
 * declare const train: Split, validation: Split, test: Split; // the study's splits (see the data module)
 * declare const settings: TrialSettings; // the study's δ, accountant, noise source...
 * const data: TrialData = { train, validation, test, numClasses: 2, inputShape: [train.X.cols], primary: 0 };
 * const outcome = runTrial({ model: "logreg", clip: 1, epsilon: 2, lr: 0.1, epochs: 3, batch: 64, fairWeight: 0 }, 7, data, settings);
 * ```
 */
export interface TrialData {
  train: Split;
  validation: Split;
  test: Split;
  numClasses: number;
  inputShape: number[];
  /** Index of the sensitive attribute whose gaps are objectives. */
  primary: number;
}

/** The fairness gaps the recipe's penalty can target (demographic parity, equalized odds). */
export type PenaltyTarget = (typeof PENALTY_CONSTRAINTS)[number];

/**
 * The noise multiplier private selection assigned to one (batch, epochs) pair (private-selection.ts).
 *
 * @example
 * ```ts
 * import type { SelectionNoise, TrialSettings } from "equipoise/explore";
 * declare const settings: TrialSettings; // a private selection's settings
 * const noise: SelectionNoise[] = settings.selection?.noise ?? [];
 * const forBatch64 = noise.find((n) => n.batch === 64 && n.epochs === 3)?.noise; // its noise multiplier
 * ```
 */
export interface SelectionNoise {
  batch: number;
  epochs: number;
  noise: number;
}

/**
 * Study-wide settings every trial trains with (δ, accountant, noise source, …).
 *
 * @example
 * ```ts
 * import { runTrial, type TrialData, type TrialSettings } from "equipoise/explore";
 * declare const data: TrialData; // the study's splits (see TrialData)
 * const settings: TrialSettings = { delta: 1e-5, accountant: "rdp", fairness: "demographic_parity", noise: "seeded" };
 * const outcome = runTrial({ model: "logreg", clip: 1, epsilon: 2, lr: 0.1, epochs: 3, batch: 64, fairWeight: 0 }, 7, data, settings);
 * ```
 */
export interface TrialSettings {
  delta: number;
  accountant: "rdp" | "prv";
  /** Which fairness gap the penalty targets. */
  fairness: PenaltyTarget;
  /**
   * DP noise and Poisson sampling: "seeded" from the trial's seed (a reproducible,
   * resumable study whose models are not for release), or "secure" (private selection).
   */
  noise: "seeded" | "secure";
  /**
   * How the study's features were preprocessed. A private trial composes these releases
   * in its own accountant (its ε covers them) and is not for release when the record
   * says so. Private selection passes no releases here: it counts them once, beside the
   * selection.
   */
  preprocessing?: FitData["preprocessing"];
  /**
   * Class weights from the validation split's frequencies (class-weights.ts) and their
   * mean, which divides a balanced trial's learning rate.
   */
  classWeights?: { weights: number[]; mean: number };
  /** Private selection: each trial's noise by (batch, epochs), and the ε reported for every trial. */
  selection?: { noise: SelectionNoise[]; epsilon: number };
  /**
   * What each trial measures beyond its metrics (trial-interplay.ts): the per-group cost
   * of privacy of a private trial against its matched model, and the membership risk.
   */
  measure?: { privacyCost: boolean; membershipRisk: boolean };
}

/**
 * A private trial's DP-SGD settings and the accountant used: what its ε is computed from.
 *
 * @example
 * ```ts
 * import { runTrial, type TrialData, type TrialPrivacy, type TrialSettings } from "equipoise/explore";
 * declare const data: TrialData; // the study's splits (see TrialData)
 * declare const settings: TrialSettings; // the study's δ, accountant, noise source...
 * const privacy: TrialPrivacy | null = runTrial({ model: "logreg", clip: 1, epsilon: 2, lr: 0.1, epochs: 3, batch: 64, fairWeight: 0 }, 7, data, settings).privacy;
 * if (privacy) console.log(`σ ${privacy.noise}, q ${privacy.sampleRate}, ${privacy.steps} steps: ε ${privacy.trainingEpsilon} (target ${privacy.targetEpsilon})`);
 * ```
 */
export interface TrialPrivacy {
  noise: number;
  sampleRate: number;
  steps: number;
  delta: number;
  accountant: string;
  /** ε of this trial's training (with the preprocessing releases, unless private selection counts them). */
  trainingEpsilon: number;
  /** The calibration target (default mode). */
  targetEpsilon: number | null;
  /** Why this trial's model is not for release (seeded noise, preprocessing fitted without DP); null when nothing stops it. */
  notForRelease: string | null;
  /**
   * What the accountant composed, when it is more than one DP-SGD run (private fair
   * learning; `noise`, `sampleRate` are then the DP-SGD runs', `steps` their total).
   */
  composition?: TrialComposition;
}

/**
 * A private fair trial's composition (trial-private-fair.ts), all public quantities.
 *
 * @example
 * ```ts
 * import type { TrialOutcome } from "equipoise/explore";
 * declare const outcome: TrialOutcome; // a private fair learning trial (privateMethod "dp-fair-reductions")
 * const composition = outcome.privacy?.composition;
 * if (composition) console.log(`${composition.runs} DP-SGD runs of ${composition.stepsPerRun} steps: ${composition.note}`);
 * ```
 */
export interface TrialComposition {
  method: "dp-fair-reductions";
  constraint: PenaltyTarget;
  fairBound: number;
  /** Releases of the study's preprocessing composed first (their count). */
  preprocessingReleases: number;
  /** 1 + T Gaussian releases of group counts and sums, L2 sensitivity 1, at q = 1. */
  statisticsReleases: number;
  statisticsNoise: number;
  /** T DP-SGD runs of `stepsPerRun` steps each. */
  runs: number;
  stepsPerRun: number;
  /** The guarantee and the output, in one sentence. */
  note: string;
}

/**
 * A finished trial: its recipe, validation and test metrics, privacy and training time.
 *
 * @example
 * ```ts
 * import { runTrial, type TrialData, type TrialOutcome, type TrialSettings } from "equipoise/explore";
 * declare const data: TrialData; // the study's splits (see TrialData)
 * declare const settings: TrialSettings; // the study's δ, accountant, noise source...
 * const outcome: TrialOutcome = runTrial({ model: "logreg", clip: 1, epsilon: 2, lr: 0.1, epochs: 3, batch: 64, fairWeight: 0 }, 7, data, settings);
 * console.log(outcome.validation.accuracy, outcome.test.dpDifference, outcome.privacy?.trainingEpsilon, outcome.trainSeconds);
 * ```
 */
export interface TrialOutcome {
  recipe: TrialRecipe;
  validation: ModelMetrics;
  test: ModelMetrics;
  /** Noise multiplier, sample rate, steps and ε actually used (DP trials). */
  privacy: TrialPrivacy | null;
  trainSeconds: number;
  /** A private trial's per-group cost of privacy (when the study measures it; NOT covered by ε). */
  privacyCost?: TrialPrivacyCostRecord;
  /** The loss attack's AUC on the trial's model (when `mia` is an objective or constraint; NOT covered by ε). */
  membership?: TrialMembershipRecord;
}

/**
 * The training recipe of a trial: plain SGD at the configuration's constant learning
 * rate (divided by the mean class weight when balanced); DP-SGD with the noise
 * multiplier calibrated to the trial's target ε (or, under private selection, the one
 * the selection accounted for its batch size and epochs), seeded from the trial's seed
 * in the default mode (reproducible and resumable; not for release — retrain the chosen
 * recipe with `train --dp`), from the secure generator under private selection; the
 * fairness penalty on the primary attribute when its weight is not negligible.
 */
export function trialRecipe(
  config: Configuration,
  seed: number,
  data: TrialData,
  settings: TrialSettings,
): Recipe {
  const trial = recipeOf(config);
  const batchSize = Math.min(trial.batch, data.train.X.rows);
  const balanced = trial.classWeight === "balanced";
  if (balanced && !settings.classWeights)
    throw new Error("a class-balanced trial needs the study's class weights (TrialSettings.classWeights)");
  const learningRate = balanced ? trial.lr / settings.classWeights!.mean : trial.lr;
  return parseRecipe(
    {
      model: trial.model,
      optimizer: { kind: "sgd", learningRate, schedule: "constant" },
      epochs: trial.epochs,
      batchSize,
      seed,
      ...(trial.dp ? { privacy: privacyOf(trial, seed, settings) } : {}),
      fairness:
        trial.fairWeight > 0
          ? {
              method: "penalty",
              constraint: settings.fairness,
              weight: trial.fairWeight,
              attribute: data.train.sensitive[data.primary].name,
            }
          : { method: "none" },
    },
    "trial",
  );
}

function privacyOf(trial: TrialRecipe, seed: number, settings: TrialSettings) {
  const common = {
    clip: trial.clip,
    delta: settings.delta,
    accountant: settings.accountant,
    ...(settings.noise === "seeded" ? { noiseSeed: seed } : {}),
  };
  if (settings.selection) {
    const entry = settings.selection.noise.find((n) => n.batch === trial.batch && n.epochs === trial.epochs);
    if (!entry) {
      throw new Error(
        `private selection has no noise multiplier for batch ${trial.batch} and ${trial.epochs} epochs`,
      );
    }
    return { ...common, noiseMultiplier: entry.noise };
  }
  if (trial.targetEpsilon === null) throw new Error("a private trial needs a target epsilon");
  return { ...common, targetEpsilon: trial.targetEpsilon };
}

/**
 * The data of a trial's fit: under DP the validation split is the penalty's reference
 * set; a balanced trial's rows carry their class weights.
 */
export function trialFitData(data: TrialData, settings: TrialSettings, config: Configuration): FitData {
  const balanced = recipeOf(config).classWeight === "balanced";
  return {
    train: data.train,
    reference: data.validation,
    numClasses: data.numClasses,
    inputShape: data.inputShape,
    ...(settings.preprocessing ? { preprocessing: settings.preprocessing } : {}),
    ...(balanced && settings.classWeights
      ? { sampleWeights: rowWeights(data.train.y, settings.classWeights.weights) }
      : {}),
  };
}

/**
 * Trains one configuration of the explorer's space and scores it on the validation and
 * test splits; a private fair learning configuration through trial-private-fair.ts.
 *
 * @example
 * ```ts
 * import { runTrial, type TrialData, type TrialSettings } from "equipoise/explore";
 * declare const data: TrialData; // the study's splits and sensitive attributes
 * declare const settings: TrialSettings;
 * const config = { model: "logreg", clip: 1, epsilon: 2, lr: 0.1, epochs: 3, batch: 64, fairWeight: 0 };
 * const outcome = runTrial(config, 7, data, settings); // metrics on validation and test, and the trial's ε
 * ```
 */
export function runTrial(
  config: Configuration,
  seed: number,
  data: TrialData,
  settings: TrialSettings,
): TrialOutcome {
  return readNow(runTrialReading(config, seed, data, settings));
}

/**
 * {@link runTrial} as a reading (nn.Reading): the same trial, for backends that read
 * tensors back only asynchronously (the browser's trial workers on WebGPU). The
 * private fair reductions and the measurements `settings.measure` asks for read
 * synchronously still: they need a backend in host memory (WASM, CPU).
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * import { runTrialReading, type TrialData, type TrialSettings } from "equipoise/explore";
 * declare const data: TrialData; declare const settings: TrialSettings;
 * const config = { model: "logreg", clip: 1, epsilon: 2, lr: 0.1, epochs: 3, batch: 64, fairWeight: 0 };
 * const outcome = await nn.readLater(runTrialReading(config, 7, data, settings));
 * ```
 */
export function* runTrialReading(
  config: Configuration,
  seed: number,
  data: TrialData,
  settings: TrialSettings,
): Reading<TrialOutcome> {
  const recipe = trialRecipe(config, seed, data, settings);
  if (recipeOf(config).privateMethod === "dp-fair-reductions")
    return runPrivateFairTrial(config, seed, data, settings, recipe);
  const fitData = trialFitData(data, settings, config);
  const fitted = yield* fitRecipeReading(recipe, fitData, privateGradientOptions(config, data));
  try {
    const outcome = yield* trialOutcomeReading(
      recipeOf(config),
      fitted,
      data,
      settings,
      fitted.training.seconds,
    );
    return withMeasurements(outcome, recipe, fitData, fitted.model, data, settings, seed);
  } finally {
    fitted.model.dispose();
  }
}

/**
 * DPSGD-F (Xu, Du & Wu 2021; src/interplay/group-clipping.ts) on the primary attribute
 * when the configuration chooses it: the same noise multiplier, split between the
 * gradient and the noisy group clipping counts, so the trial's ε is unchanged.
 */
export function privateGradientOptions(config: Configuration, data: TrialData) {
  const recipe = recipeOf(config);
  if (!recipe.dp || recipe.privateMethod !== "dpsgd-f") return {};
  const attribute = data.train.sensitive[data.primary];
  return {
    privateGradient: groupAwareClipping({
      groupOfRow: attribute.codes,
      groupCount: attribute.categories.length,
      gamma: recipe.groupClipGamma,
    }),
  };
}

/** The outcome with what `settings.measure` asks for (trial-interplay.ts). */
export function withMeasurements(
  outcome: TrialOutcome,
  recipe: Recipe,
  fitData: FitData,
  model: FitResult["model"],
  data: TrialData,
  settings: TrialSettings,
  seed: number,
): TrialOutcome {
  const measured: TrialOutcome = { ...outcome };
  if (settings.measure?.privacyCost && outcome.privacy && data.numClasses === 2) {
    measured.privacyCost = trialPrivacyCost(recipe, fitData, data, data.primary, outcome);
  }
  if (settings.measure?.membershipRisk) {
    measured.membership = trialMembershipRisk(
      model,
      data,
      { numClasses: data.numClasses, inputShape: data.inputShape },
      recipe,
      seed,
    );
  }
  return measured;
}

/**
 * A fitted trial's outcome: its metrics on the validation and test splits and its
 * privacy. The ε in the metrics is the one the study reports: the trial's own, or
 * under private selection the selection's (every trial's training, the preprocessing
 * and the choice; private-selection.ts).
 */
export function trialOutcome(
  recipe: TrialRecipe,
  fitted: Pick<FitResult, "model" | "privacy">,
  data: TrialData,
  settings: TrialSettings,
  trainSeconds: number,
): TrialOutcome {
  return readNow(trialOutcomeReading(recipe, fitted, data, settings, trainSeconds));
}

function* trialOutcomeReading(
  recipe: TrialRecipe,
  fitted: Pick<FitResult, "model" | "privacy">,
  data: TrialData,
  settings: TrialSettings,
  trainSeconds: number,
): Reading<TrialOutcome> {
  const trainingEpsilon = fitted.privacy?.epsilon ?? Number.POSITIVE_INFINITY;
  const epsilon = fitted.privacy && settings.selection ? settings.selection.epsilon : trainingEpsilon;
  function* score(split: Split): Reading<ModelMetrics> {
    const { classes } = yield* predictReading(fitted.model, split.X);
    return studyMetrics(split.y, classes, split.sensitive, data.primary, epsilon);
  }
  return {
    recipe,
    validation: yield* score(data.validation),
    test: yield* score(data.test),
    privacy: fitted.privacy ? trialPrivacy(fitted.privacy, recipe) : null,
    trainSeconds,
  };
}

function trialPrivacy(document: PrivacyDocument, recipe: TrialRecipe): TrialPrivacy {
  const reasons: string[] = [];
  if (document.noiseSource === "seeded")
    reasons.push("its DP noise and batch sampling are seeded (reproducible, hence predictable)");
  if (document.preprocessing?.notForRelease) reasons.push(document.preprocessing.notForRelease);
  return {
    noise: document.noise,
    sampleRate: document.sampleRate,
    steps: document.steps,
    delta: document.delta,
    accountant: document.accountant,
    trainingEpsilon: document.epsilon,
    targetEpsilon: recipe.targetEpsilon,
    notForRelease: reasons.length > 0 ? reasons.join("; ") : null,
  };
}
