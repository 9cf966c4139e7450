/**
 * A trial of the explorer that trains by private fair learning (the interplay lever
 * privateMethod = "dp-fair-reductions"; Jagielski et al. 2019, src/interplay/private-fair.ts):
 * PRIVATE_FAIR_ROUNDS rounds of exponentiated gradient on noisy group statistics, each
 * best response fitted by DP-SGD with the trial's recipe, DP with respect to the features,
 * the label AND the sensitive attribute.
 *
 * The constraint follows the study's fairness objective as the penalty does
 * (`TrialSettings.fairness`): demographic parity for dp, equalized odds for eo and eop
 * (the game has no equal-opportunity moment; equalized odds bounds the TPR gap too).
 *
 * Privacy: the statistics' σ_s follows a public rule (explorer-levers.ts
 * `privateFairStatisticsNoise`), then the best responses' σ is calibrated so that the
 * whole composition — the study's preprocessing releases, 1 + T statistics releases at
 * q = 1, T DP-SGD runs — spends the trial's target ε in ONE accountant, as a DP-SGD
 * trial's σ is calibrated with the preprocessing releases included.
 *
 * Scoring: the output is a randomised classifier (a uniform mixture of T models), scored
 * by its EXPECTED metrics (`mixtureMetrics`): accuracy and every group rate averaged over
 * the models, the gaps taken between the averaged group rates — the definitions of
 * Agarwal et al. 2018 for a randomised classifier, which is what the mixture is.
 */
import type { Split } from "../data/index.js";
import type { ModelMetrics, PerGroupMetrics } from "../fit/metrics.js";
import type { Recipe } from "../fit/recipe.js";
import {
  PRIVATE_FAIR_ROUNDS,
  PRIVATE_FAIR_STEP,
  privateFairStatisticsNoise,
} from "../interplay/explorer-levers.js";
import {
  calibratePrivateFairNoise,
  nonPrivateFairReductions,
  privateFairLearning,
} from "../interplay/private-fair.js";
import type { Sequential } from "../nn/index.js";
import { secureGaussianNoise, seededGaussianNoise, stepsForEpochs } from "../privacy/accounting.js";
import type { Configuration } from "../search/index.js";
import { predict } from "../train/index.js";
import { studyMetrics } from "./sensitive-ldp.js";
import { recipeOf } from "./space.js";
import type { TrialData, TrialOutcome, TrialSettings } from "./trial.js";
import {
  privacyCostRecord,
  type TrialMembershipRecord,
  type TrialPrivacyCostRecord,
  trialMembershipRisk,
} from "./trial-interplay.js";

/**
 * The membership risk of a mixture: the loss attack on each of its models (each is part
 * of the release, so an attack on any one is an attack on the release) and the record of
 * the strongest on validation rows (largest |AUC − 0.5|, what the `mia` objective reads);
 * its test AUC is that model's. Choosing the strongest on the rows it is scored on can
 * only overstate the risk, the safe direction for a figure reported as a risk.
 */
export function mixtureMembershipRisk(
  models: readonly Sequential[],
  data: TrialData,
  recipe: Recipe,
  seed: number,
): TrialMembershipRecord {
  const shape = { numClasses: data.numClasses, inputShape: data.inputShape };
  let strongest: { record: TrialMembershipRecord; index: number } | undefined;
  models.forEach((model, index) => {
    const record = trialMembershipRisk(model, data, shape, recipe, seed);
    const strength = Math.abs(record.validationAuc - 0.5);
    if (!strongest || strength > Math.abs(strongest.record.validationAuc - 0.5))
      strongest = { record, index };
  });
  if (!strongest) throw new RangeError("a mixture needs at least one model");
  return {
    ...strongest.record,
    attacked: `the strongest loss attack on validation rows among the mixture's ${models.length} models (model ${strongest.index + 1})`,
  };
}

/**
 * The expected metrics of the uniform mixture of the models whose hard predictions are
 * `predictions` (one array per model): `studyMetrics` on the rows stacked once per model,
 * each copy with that model's predictions. Every rate (accuracy, balanced accuracy, each
 * group's selection rate, TPR, FPR, accuracy — debiased when the attribute is locally
 * private, a linear estimator too) has the same denominator in every copy, so the stacked
 * rate is the mean of the models' rates; group counts are divided back by the number of
 * models.
 */
export function mixtureMetrics(
  yTrue: ArrayLike<number>,
  predictions: readonly ArrayLike<number>[],
  sensitive: Split["sensitive"],
  primary: number,
  epsilon: number,
): ModelMetrics {
  const models = predictions.length;
  if (models === 0) throw new RangeError("a mixture needs at least one model");
  const n = yTrue.length;
  const stackedTrue = new Float32Array(models * n);
  const stackedPredictions = new Float32Array(models * n);
  predictions.forEach((p, m) => {
    if (p.length !== n) throw new RangeError(`model ${m} predicts ${p.length} rows, the split has ${n}`);
    for (let i = 0; i < n; i++) {
      stackedTrue[m * n + i] = yTrue[i];
      stackedPredictions[m * n + i] = p[i];
    }
  });
  const stackedSensitive = sensitive.map((attribute) => {
    const codes = new Int32Array(models * n);
    for (let m = 0; m < models; m++) codes.set(attribute.codes, m * n);
    return { ...attribute, codes };
  });
  const metrics = studyMetrics(stackedTrue, stackedPredictions, stackedSensitive, primary, epsilon);
  const perGroup: PerGroupMetrics = {};
  for (const [attribute, groups] of Object.entries(metrics.perGroup)) {
    perGroup[attribute] = {};
    for (const [group, row] of Object.entries(groups))
      perGroup[attribute][group] = { ...row, count: Math.round(row.count / models) };
  }
  return { ...metrics, perGroup };
}

/** A mixture's expected metrics on one split: each model's predictions, averaged by mixtureMetrics. */
function scoreMixture(
  models: readonly Sequential[],
  split: Split,
  primary: number,
  epsilon: number,
): ModelMetrics {
  const predictions = models.map((model) => Float32Array.from(predict(model, split.X).classes));
  return mixtureMetrics(split.y, predictions, split.sensitive, primary, epsilon);
}

/**
 * Trains one "dp-fair-reductions" configuration and scores its mixture on the validation
 * and test splits, with the measurements `settings.measure` asks for (the per-group cost
 * of privacy against the non-private game with the same rounds and seeds; the membership
 * risk of the mixture, `mixtureMembershipRisk`). `learner` is the trial's
 * recipe (trial.ts `trialRecipe`): every best response trains with it, its noise
 * multiplier replaced by the calibrated one.
 */
export function runPrivateFairTrial(
  config: Configuration,
  seed: number,
  data: TrialData,
  settings: TrialSettings,
  learner: Recipe,
): TrialOutcome {
  const trial = recipeOf(config);
  if (!trial.dp || trial.privateMethod !== "dp-fair-reductions")
    throw new Error("runPrivateFairTrial takes private fair learning configurations only");
  if (settings.selection)
    throw new Error(
      "private selection accounts DP-SGD candidates only: private fair learning is not offered",
    );
  if (trial.targetEpsilon === null) throw new Error("a private fair trial needs a target epsilon");
  if (data.numClasses !== 2) throw new Error("private fair learning needs a binary label");
  const privacy = learner.privacy;
  if (!privacy) throw new Error("a private fair trial needs a private recipe");
  const preprocessing = settings.preprocessing;
  // Each best response's Poisson sampling, as makePrivate plans it (q = batch/N, epochs·round(1/q) steps).
  const learnerSampleRate = Math.min(1, learner.batchSize / data.train.X.rows);
  const composition = {
    rounds: PRIVATE_FAIR_ROUNDS,
    delta: settings.delta,
    accountant: settings.accountant,
    learnerSampleRate,
    learnerSteps: stepsForEpochs(learner.epochs, learnerSampleRate),
    priorReleases: preprocessing?.releases ?? [],
    reservedDelta: preprocessing?.thresholdDelta ?? 0,
    statisticsNoise: privateFairStatisticsNoise({
      rounds: PRIVATE_FAIR_ROUNDS,
      targetEpsilon: trial.targetEpsilon,
      delta: settings.delta - (preprocessing?.thresholdDelta ?? 0),
      accountant: settings.accountant,
    }),
  };
  const { learnerNoise } = calibratePrivateFairNoise({ ...composition, targetEpsilon: trial.targetEpsilon });
  const attribute = data.train.sensitive[data.primary].name;
  const game = {
    constraint: settings.fairness,
    bound: trial.fairBound,
    rounds: PRIVATE_FAIR_ROUNDS,
    learner,
    eta: PRIVATE_FAIR_STEP,
  };
  const started = performance.now();
  const result = privateFairLearning(data.train, attribute, {
    ...game,
    statisticsNoise: composition.statisticsNoise,
    learnerNoise,
    delta: settings.delta,
    accountant: settings.accountant,
    priorReleases: composition.priorReleases,
    reservedDelta: composition.reservedDelta,
    // Seeded: a stream of its own, apart from the best responses' (noiseSeed + t) and the sampler's.
    noise:
      settings.noise === "seeded" ? seededGaussianNoise((seed ^ 0x57a7_f417) >>> 0) : secureGaussianNoise(),
  });
  const trainSeconds = (performance.now() - started) / 1000;
  try {
    const score = (split: Split) => scoreMixture(result.models, split, data.primary, result.epsilon);
    const outcome: TrialOutcome = {
      recipe: trial,
      validation: score(data.validation),
      test: score(data.test),
      privacy: {
        noise: learnerNoise,
        sampleRate: composition.learnerSampleRate,
        steps: PRIVATE_FAIR_ROUNDS * composition.learnerSteps,
        delta: settings.delta,
        accountant: result.accountant,
        trainingEpsilon: result.epsilon,
        targetEpsilon: trial.targetEpsilon,
        notForRelease: notForReleaseOf(settings, privacy.noiseSeed !== undefined),
        composition: {
          method: "dp-fair-reductions",
          constraint: settings.fairness,
          fairBound: trial.fairBound,
          preprocessingReleases: composition.priorReleases.reduce((sum, r) => sum + r.count, 0),
          statisticsReleases: 1 + PRIVATE_FAIR_ROUNDS,
          statisticsNoise: composition.statisticsNoise,
          runs: PRIVATE_FAIR_ROUNDS,
          stepsPerRun: composition.learnerSteps,
          note: COMPOSITION_NOTE,
        },
      },
      trainSeconds,
    };
    if (settings.measure?.membershipRisk)
      outcome.membership = mixtureMembershipRisk(result.models, data, learner, seed);
    if (settings.measure?.privacyCost) outcome.privacyCost = mixturePrivacyCost(game, outcome, data);
    return outcome;
  } finally {
    result.dispose();
  }
}

/** What a private fair trial's ε covers and what it releases (TrialComposition.note). */
export const COMPOSITION_NOTE =
  "private fair learning (Jagielski et al. 2019): one accountant composes the preprocessing's releases, the 1 + T noisy group count/sum releases and the T DP-SGD runs; epsilon covers the sensitive attribute as well as features and labels; the model is the uniform mixture of the T best responses, scored by its expected metrics";

/** The reasons a DP-SGD trial gives (trial.ts `trialPrivacy`): seeded noise, preprocessing not covered. */
function notForReleaseOf(settings: TrialSettings, seeded: boolean): string | null {
  const reasons: string[] = [];
  if (seeded) reasons.push("its DP noise and batch sampling are seeded (reproducible, hence predictable)");
  if (settings.preprocessing?.notForRelease) reasons.push(settings.preprocessing.notForRelease);
  return reasons.length > 0 ? reasons.join("; ") : null;
}

/**
 * The per-group cost of privacy of a private fair trial: its mixture against the matched
 * one — the same game, rounds, bound and seeds on exact statistics with non-private best
 * responses (`nonPrivateFairReductions`) — both scored as mixtures.
 */
function mixturePrivacyCost(
  game: Parameters<typeof nonPrivateFairReductions>[2],
  outcome: TrialOutcome,
  data: TrialData,
): TrialPrivacyCostRecord {
  const attribute = data.train.sensitive[data.primary].name;
  const matched = nonPrivateFairReductions(data.train, attribute, game);
  try {
    const score = (split: Split) =>
      scoreMixture(matched.models, split, data.primary, Number.POSITIVE_INFINITY);
    const matchedMetrics = { validation: score(data.validation), test: score(data.test) };
    return privacyCostRecord(outcome, matchedMetrics, data.test.sensitive[data.primary].name);
  } finally {
    matched.dispose();
  }
}
