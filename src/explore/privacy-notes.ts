/**
 * What ε covers in an explorer study, and what it does not, in plain sentences:
 * which rows each step reads, and what a user must do before releasing a model.
 * Printed by `explore` and `report` (text, JSON and HTML alike).
 */
import { PRIVATE_FAIR_ROUNDS } from "../interplay/explorer-levers.js";
import { allTrialsEpsilon } from "./private-selection.js";
import type { ExplorerMetadata, StudySummary } from "./summary.js";

/**
 * How many trials a study has finished, and how many of them trained without DP.
 *
 * @example
 * ```ts
 * import { privacyNotes, summariseStudy, type TrialCounts } from "equipoise/explore";
 * import { Study } from "equipoise/search";
 * const study = await Study.openReadOnly("adult.db");
 * const summary = summariseStudy(await study.snapshot());
 * const nonPrivate = summary.decoded.filter((t) => !Number.isFinite(t.validation.epsilon)).length;
 * const counts: TrialCounts = { complete: summary.decoded.length, nonPrivate };
 * privacyNotes(summary.metadata, counts); // the notes then say how many trials read the same rows
 * ```
 */
export interface TrialCounts {
  complete: number;
  nonPrivate: number;
  /** Trials that ended (complete, failed or pruned): what private selection composes. */
  finished?: number;
}

/** Counts for `privacyNotes`: a non-private trial is one whose ε is infinite (DESIGN.md). */
export function trialCountsOf(summary: Pick<StudySummary, "decoded" | "trials">): TrialCounts {
  return {
    complete: summary.decoded.length,
    nonPrivate: summary.decoded.filter((trial) => !Number.isFinite(trial.validation.epsilon)).length,
    finished: summary.trials.complete + summary.trials.failed,
  };
}

/**
 * The notes of a study; with `trials`, they say how many trials read the same rows.
 *
 * @example
 * ```ts
 * import { Study } from "equipoise/search";
 * import { privacyNotes, summariseStudy } from "equipoise/explore";
 * const study = await Study.openReadOnly("adult-study.db");
 * const summary = summariseStudy(await study.snapshot(), study.location);
 * for (const note of privacyNotes(summary.metadata)) console.log(note); // what ε covers, and what not
 * ```
 */
export function privacyNotes(metadata: ExplorerMetadata, trials?: TrialCounts): string[] {
  return metadata.privateSelection ? selectionNotes(metadata, trials) : defaultNotes(metadata, trials);
}

function accountingOf(metadata: ExplorerMetadata): string {
  return metadata.accountant.toLowerCase() === "prv"
    ? "PRV accountant: a numerical estimate with a stated error bound"
    : "RDP accountant: an upper bound";
}

function defaultNotes(metadata: ExplorerMetadata, trials?: TrialCounts): string[] {
  const { rows, delta } = metadata;
  const privatePreprocessing = metadata.preprocessing?.mode === "private";
  const everyTrial = !trials
    ? "every trial"
    : trials.complete === 1
      ? `the one complete trial (${trials.nonPrivate === 1 ? "non-private" : "private"})`
      : `all ${trials.complete} complete trials (${trials.nonPrivate} of them non-private)`;
  return [
    `The ε beside a private trial (δ = ${delta}; ${accountingOf(metadata)}; Poisson sampling) covers that one trial's training on the training part (${rows.train} rows), fairness penalty included: its per-example terms sit inside the clipped per-example gradients${privatePreprocessing ? "; it also counts the one private release of the feature statistics, which every private trial uses" : ""}. Each trial's noise multiplier is calibrated to a target ε the search proposes, and the ε shown is the one the accountant reports. It covers nothing else listed here.`,
    `Choosing among trials is not covered by any ε. ${capitalise(everyTrial)} and the non-private reference model are trained on the same training rows; the search proposes each trial from earlier trials' validation metrics, and the Pareto front is picked from all of them. Picking the best of many trials reveals more about those rows than one trial's ε (Liu & Talwar 2019; Papernot & Steinke 2022), and the non-private trials and the reference model read them with no protection at all. So the ε printed beside a Pareto trial is not the privacy of having chosen it.`,
    validationNote(metadata, false),
    `Test metrics come from the test split (${rows.test} rows), which the search never sees.`,
    preprocessingNote(metadata),
    "Trials draw their DP noise and batch sampling from a seeded generator so that a study is reproducible and resumable: no trial's model is for release.",
    "To release a model, retrain the recipe you choose with `equipoise train --dp`, which draws fresh noise from a cryptographically secure generator: that model's ε then covers its own training, but still not the choice of the recipe, which read these rows. To cover the choice as well, run the study on other rows than the ones the released model trains on (a separate sample, or public data), or use private selection (`equipoise explore --private-selection --epsilon E`), whose ε covers one trial chosen among random private trials.",
    "No post-processing (such as per-group thresholds) is fitted.",
    ...interplayNotes(metadata),
  ];
}

/**
 * The private fair method's guarantee and scoring, the per-group cost of privacy, the
 * membership risk and local-DP attributes: what ε does and does not cover.
 */
function interplayNotes(metadata: ExplorerMetadata): string[] {
  const notes: string[] = [];
  if (metadata.interplayLevers)
    notes.push(
      `A trial with privateMethod dp-fair-reductions (private fair learning, Jagielski et al. 2019) plays ${PRIVATE_FAIR_ROUNDS} rounds of exponentiated gradient on noisy group counts and sums, each round's model trained by DP-SGD: its ε composes the ${1 + PRIVATE_FAIR_ROUNDS} statistics releases and the ${PRIVATE_FAIR_ROUNDS} DP-SGD runs in one accountant and covers the sensitive attribute as well as features and labels. Its model is the uniform mixture of the ${PRIVATE_FAIR_ROUNDS} models, a randomised classifier, and its metrics are the mixture's expected ones (each model's predictions averaged); its matched model is the same game without noise, and its membership risk the strongest loss attack on any one of its models.`,
    );
  if (metadata.measured?.privacyCost)
    notes.push(
      "The per-group cost of privacy of each private trial compares it with its matched model: the same recipe and seed trained WITHOUT DP (no clipping, no noise) on the same training rows, both scored on the validation and test rows without noise. The matched model, its metrics and the per-group cost are NOT covered by ε.",
    );
  if (metadata.measured?.membershipRisk)
    notes.push(
      "The membership risk (mia) is the AUC of a loss-threshold attack on each trial's model, computed without noise from a sample of its training rows against validation (search) or test (report) rows: NOT covered by ε. As an objective it is normalised as 2·|AUC − 0.5|; as a constraint it bounds the AUC itself.",
    );
  if (metadata.sensitiveLdp)
    notes.push(
      `The sensitive attribute '${metadata.sensitiveLdp.attribute}' is used only as reported under ε = ${metadata.sensitiveLdp.epsilon} local DP (k-ary randomized response, simulated from the true values with a seeded generator): each person's report is ${metadata.sensitiveLdp.epsilon}-LDP for that attribute, a guarantee separate from the trials' (ε, δ), which covers features and labels. Fairness gaps and per-group rates are debiased estimates (the randomized-response channel inverted); the trials never see the true attribute.`,
    );
  return notes;
}

function selectionNotes(metadata: ExplorerMetadata, trials?: TrialCounts): string[] {
  const plan = metadata.privateSelection!;
  const { rows, delta } = metadata;
  const privatePreprocessing = metadata.preprocessing?.mode === "private";
  const finished = trials?.finished ?? plan.trials;
  const all = allTrialsEpsilon(plan, Math.max(1, finished));
  return [
    `Private selection (Papernot & Steinke 2022, random stopping): the study runs K = ${plan.trials} trials, a number drawn from a geometric law of mean ${plan.distribution.mean} by the secure generator before any training. Every trial is private, drawn independently and uniformly from the search space by the secure generator (no adaptive search), and trained with secure noise. The ε reported for every trial, ${plan.epsilon.toPrecision(3)} (δ = ${delta}; RDP accountant: an upper bound), is the selection's: it covers releasing ONE trial, the selected one — its training on the training part (${rows.train} rows)${privatePreprocessing ? ", the private release of the feature statistics (counted once)" : ""} and the choice among all K trials. Each trial alone was calibrated to ε ${plan.trialEpsilon.toPrecision(3)}; the selection's cost is added to the ε reported for every trial.`,
    `The selected trial is the best feasible one by a score fixed before the study: the sum of its normalised validation objectives other than ε. Only it is covered. The other trials' results, the Pareto front and the hypervolume are not: together, the ${finished} finished trials' results in the study file are covered only by their composition, ε ≤ ${all.toPrecision(3)}, and the file also holds a fingerprint of the data, covered by nothing. Publish the selected trial, not the study file or its report.`,
    validationNote(metadata, true),
    `Test metrics come from the test split (${rows.test} rows), which the selection never sees; they are reported for the selected trial.`,
    preprocessingNote(metadata),
    "The explorer does not save the selected trial's model. Training its recipe again (`equipoise train --dp`) is a new release on the same rows: its ε adds to the selection's (composition).",
    "No post-processing (such as per-group thresholds) is fitted.",
  ];
}

function validationNote(metadata: ExplorerMetadata, selecting: boolean): string {
  const weights = metadata.classWeights
    ? " Its class frequencies also give class-balanced trials their class weights."
    : "";
  const reference = selecting
    ? " It also trains the reference model, whose gaps normalise the selection's score, so that nothing non-private reads the training part."
    : "";
  return `The validation split (${metadata.rows.validation} rows held out from the training data) is read without protection: it scores every trial, ${selecting ? "and so decides which trial is selected" : "steers the search"}, and gives the fairness penalty of private trials its group statistics (mean predicted probability per group), so that each per-example gradient depends on its own example only; non-private trials use the batch's own statistics.${reference}${weights}`;
}

function preprocessingNote(metadata: ExplorerMetadata): string {
  const preprocessing = metadata.preprocessing;
  if (!preprocessing) {
    return "Feature standardisation and one-hot categories are fitted on the whole training split (training part and validation) without protection: not covered by ε.";
  }
  const shared = "every trial and the reference model use the same encoding";
  switch (preprocessing.mode) {
    case "public":
      return `Features are encoded from declared public metadata only (the data set's categories and bounds): nothing is read from the rows, so there is nothing for ε to cover; ${shared}.`;
    case "private": {
      const how = metadata.privateSelection
        ? "counted once in the selection's ε"
        : "counted in the ε of every private trial";
      const source =
        preprocessing.noise === "seeded"
          ? "from the study's seed (not for release)"
          : preprocessing.noise === "secure"
            ? "from the secure generator"
            : "from a source the caller chose";
      return `Feature statistics are fitted once for the study under DP (one Gaussian release${preprocessing.noiseMultiplier ? ` with noise multiplier ${preprocessing.noiseMultiplier}` : ""}, noise ${source}), ${how}; ${shared}.${preprocessing.thresholdDelta > 0 ? ` Undeclared categories were chosen by a noisy threshold, which spends δ ${preprocessing.thresholdDelta} outside the accountant.` : ""}`;
    }
    default:
      return `Feature standardisation and one-hot categories are fitted on the whole training split (training part and validation) without protection: not covered by ε, so no private trial is for release (${preprocessing.notes.join("; ") || preprocessing.notForRelease}); ${shared}.`;
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
