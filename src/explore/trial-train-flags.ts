/**
 * A trial's recipe as the flags of `equipoise train` (without their dashes, as
 * `POST /api/models` takes them in `recipe`), so that a trial the explorer kept only
 * the metrics of can be retrained as a model file and audited or explained.
 *
 * The flags say what `trialRecipe` (trial.ts) says: SGD at a constant learning rate,
 * the trial's model, epochs, batch size and seed; DP-SGD calibrated to the trial's
 * target ε with the study's clip, δ and accountant; the fairness penalty on the study's
 * primary sensitive attribute with the study's constraint when the trial's weight is
 * positive. What they cannot say is returned as a reason instead of flags: the
 * interplay levers `train` lacks (group-aware clipping, private fair learning), and a
 * private selection's trial (its noise was fixed by the selection for its batch size
 * and epochs, and its ε is the selection's, which a retrained model does not inherit).
 *
 * What legitimately differs (the data and the randomness, not the recipe): `train` fits
 * the whole training split (the trial fitted it minus the explorer's validation part),
 * holds out `--fair-reference` of it as the penalty's reference set under DP (the trial
 * used the validation split), draws its DP noise from the secure generator (the trial's
 * was seeded by its seed), and computes balanced class weights from the training rows'
 * class counts (the trial's came from the validation split's).
 *
 * Light and pure (the space's decoding and the fairness constraints' names), so the
 * dashboard's bundle imports it.
 */
import { CONSTRAINT_SHORT_NAMES, shortNameOf } from "../fairness/constraint.js";
import type { Configuration } from "../search/space.js";
import type { ExplorerMetadata } from "./summary.js";
import type { PenaltyTarget } from "./trial.js";
import { recipeOf } from "./trial-recipe.js";

/**
 * The fairness gap a study's penalty targets: equalized odds when an equalized-odds or
 * equal-opportunity gap is an objective (the recipe has no equal-opportunity penalty;
 * equalized odds' includes the TPR gap), else demographic parity.
 *
 * @example
 * ```ts
 * import { penaltyTargetOf } from "equipoise/explore";
 * penaltyTargetOf(["accuracy", "epsilon", "eop"]); // "equalized_odds"
 * penaltyTargetOf(["accuracy", "dp"]); // "demographic_parity"
 * ```
 */
export function penaltyTargetOf(objectives: readonly string[]): PenaltyTarget {
  return objectives.includes("eo") || objectives.includes("eop")
    ? CONSTRAINT_SHORT_NAMES.eo
    : CONSTRAINT_SHORT_NAMES.dp;
}

/**
 * What of a study the `train` flags of its trials depend on: its privacy settings, the
 * penalty's constraint and attribute, the balanced trials' class weights, whether it
 * was a private selection. All public facts the study file records.
 *
 * @example
 * ```ts
 * import { type StudyTrainSettings, trialTrainFlags } from "equipoise/explore";
 * const study: StudyTrainSettings = {
 *   delta: 1e-5, accountant: "rdp", fairness: "demographic_parity", primarySensitive: "sex", trainRows: 20000,
 * };
 * trialTrainFlags({ model: "logreg", clip: 1, epsilon: 2, lr: 0.5, epochs: 3, batch: 64, fairWeight: 0 }, 7, study);
 * ```
 */
export interface StudyTrainSettings {
  delta: number;
  accountant: string;
  /** The gap the fairness penalty targets (see {@link penaltyTargetOf}). */
  fairness: PenaltyTarget;
  /** The attribute the penalty acts on. */
  primarySensitive: string;
  /** Rows of the training part the trials fitted (their batch is at most that). */
  trainRows?: number;
  /** Mean of the study's class weights (from the validation split), when class weighting is a lever. */
  classWeightMean?: number;
  /** The study was a private selection: its trials' noise was fixed by the selection. */
  privateSelection?: boolean;
  /** The primary attribute was reported under local DP for the whole study (its ε). */
  sensitiveLdpEpsilon?: number;
}

/**
 * The {@link StudyTrainSettings} of an explorer study, from its metadata and objectives.
 *
 * @example
 * ```ts
 * import { studyTrainSettings, summariseStudy } from "equipoise/explore";
 * import { Study } from "equipoise/search";
 * const study = await Study.openReadOnly("adult.db"); // an explorer study
 * const summary = summariseStudy(await study.snapshot());
 * const settings = studyTrainSettings(summary.metadata, summary.objectives);
 * settings.fairness; // "demographic_parity" unless an eo or eop gap is an objective
 * ```
 */
export function studyTrainSettings(
  metadata: ExplorerMetadata,
  objectives: readonly string[],
): StudyTrainSettings {
  return {
    delta: metadata.delta,
    accountant: metadata.accountant,
    fairness: penaltyTargetOf(objectives),
    primarySensitive: metadata.primarySensitive,
    trainRows: metadata.rows.train,
    ...(metadata.classWeights ? { classWeightMean: metadata.classWeights.mean } : {}),
    ...(metadata.privateSelection ? { privateSelection: true } : {}),
    ...(metadata.sensitiveLdp ? { sensitiveLdpEpsilon: metadata.sensitiveLdp.epsilon } : {}),
  };
}

/**
 * One flag's value, as `POST /api/models` takes it: `true` for a switch, else a number or a word.
 *
 * @example
 * ```ts
 * import type { TrainFlagValue } from "equipoise/explore";
 * const recipe: Record<string, TrainFlagValue> = { model: "mlp:32", dp: true, epsilon: 3, epochs: 5 };
 * // the `recipe` of POST /api/models: `equipoise train --model mlp:32 --dp --epsilon 3 --epochs 5`
 * ```
 */
export type TrainFlagValue = boolean | number | string;

/**
 * A trial's `train` flags and what a model trained with them does not share with the
 * trial, or why its recipe cannot be expressed as flags.
 *
 * @example
 * ```ts
 * import { type TrialTrainFlags, trialTrainFlags } from "equipoise/explore";
 * const study = { delta: 1e-5, accountant: "rdp", fairness: "demographic_parity" as const, primarySensitive: "sex" };
 * const result: TrialTrainFlags = trialTrainFlags({ model: "mlp", width: 32, depth: 1, lr: 0.3, epochs: 2, batch: 64, fairWeight: 0, dp: false }, 3, study);
 * if (result.ok) console.log(result.flags, result.differences);
 * else console.log(`cannot retrain: ${result.reason}`);
 * ```
 */
export type TrialTrainFlags =
  | {
      ok: true;
      /** The recipe flags of `equipoise train`, without their dashes. */
      flags: Record<string, TrainFlagValue>;
      /** What a model trained with these flags does not share with the trial (data, randomness). */
      differences: string[];
    }
  | { ok: false; reason: string };

/**
 * The flags of `equipoise train` that retrain a trial's recipe (see the module comment
 * for what they share with the trial and what they cannot), or the reason there are none.
 *
 * @example
 * ```ts
 * import { trialTrainFlags } from "equipoise/explore";
 * const study = { delta: 1e-5, accountant: "rdp", fairness: "equalized_odds" as const, primarySensitive: "sex" };
 * const config = { model: "logreg", clip: 1, epsilon: 2, lr: 0.5, epochs: 3, batch: 64, fairWeight: 4 };
 * const result = trialTrainFlags(config, 11, study);
 * // { ok: true, flags: { model: "logreg", optimizer: "sgd", lr: 0.5, "lr-schedule": "constant", epochs: 3,
 * //   batch: 64, seed: 11, dp: true, epsilon: 2, clip: 1, delta: 1e-5, accountant: "rdp", clipping: "flat",
 * //   fair: "eo", "fair-weight": 4, "fair-attribute": "sex" }, differences: [...] }
 * ```
 */
export function trialTrainFlags(
  config: Configuration,
  seed: number,
  study: StudyTrainSettings,
): TrialTrainFlags {
  const trial = recipeOf(config);
  if (study.privateSelection && trial.dp) {
    return {
      ok: false,
      reason:
        "this study is a private selection: its trials' noise multiplier was fixed by the selection for their batch size and epochs, and their ε is the selection's; a model retrained with 'equipoise train' would calibrate its own noise and get an ε of its own",
    };
  }
  if (trial.privateMethod === "dpsgd-f") {
    return {
      ok: false,
      reason:
        "this trial used group-aware clipping (DPSGD-F), an interplay lever 'equipoise train' does not have",
    };
  }
  if (trial.privateMethod === "dp-fair-reductions") {
    return {
      ok: false,
      reason:
        "this trial used private fair learning (dp-fair-reductions), an interplay lever 'equipoise train' does not have",
    };
  }
  if (trial.dp && trial.targetEpsilon === null)
    return { ok: false, reason: "this private trial records no target ε to calibrate the noise to" };
  const balanced = trial.classWeight === "balanced";
  if (balanced && study.classWeightMean === undefined) {
    return {
      ok: false,
      reason:
        "this class-balanced trial's study records no class weights (their mean sets its learning rate)",
    };
  }
  if (![trial.lr, trial.epochs, trial.batch, seed].every(Number.isFinite))
    return { ok: false, reason: "this trial's configuration is incomplete (learning rate, epochs or batch)" };

  const differences = [
    "it is fitted on the whole training split; the trial was fitted on the training split minus the explorer's validation part",
  ];
  // The explorer's class weights are n_min/n_c (largest 1) and a balanced trial steps at
  // lr/mean, mean = K·n_min/N: a class's step is lr·N/(K·n_c). Train's balanced weights
  // are N/(K·n_c) without DP (so --lr lr gives the same steps) and n_min/n_c with DP,
  // scaled like the explorer's (so --lr lr/mean does) — class counts being equal.
  const lr = balanced && trial.dp ? trial.lr / study.classWeightMean! : trial.lr;
  const batch = study.trainRows !== undefined ? Math.min(trial.batch, study.trainRows) : trial.batch;
  const flags: Record<string, TrainFlagValue> = {
    model: trial.model,
    optimizer: "sgd",
    lr,
    "lr-schedule": "constant",
    epochs: trial.epochs,
    batch,
    seed,
  };
  if (balanced) {
    flags["class-weight"] = "balanced";
    differences.push(
      "its balanced class weights come from the training rows' class counts; the trial's came from the validation split's",
    );
  }
  if (trial.dp) {
    Object.assign(flags, {
      dp: true,
      epsilon: trial.targetEpsilon!,
      clip: trial.clip,
      delta: study.delta,
      accountant: study.accountant,
      clipping: "flat",
    });
    differences.push(
      "its DP noise and batch sampling come from the secure generator (the trial's were seeded by its seed), and its ε is computed for its own, larger training set",
    );
  }
  if (trial.fairWeight > 0) {
    Object.assign(flags, {
      fair: shortNameOf(study.fairness),
      "fair-weight": trial.fairWeight,
      "fair-attribute": study.primarySensitive,
    });
    if (trial.dp) {
      differences.push(
        "under DP its fairness penalty's group statistics come from a share of the training split held out for them (--fair-reference); the trial's came from the validation split",
      );
    }
    if (study.sensitiveLdpEpsilon !== undefined) {
      differences.push(
        `its penalty reads the true ${study.primarySensitive}; the study's trials read it under local DP (ε = ${study.sensitiveLdpEpsilon})`,
      );
    }
  }
  return { ok: true, flags, differences };
}
