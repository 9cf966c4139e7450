/**
 * What ε covers in an explorer study, and what it does not, in plain sentences:
 * which rows each step reads, and what a user must do before releasing a model.
 * Printed by `explore` and `report` (text, JSON and HTML alike).
 */
import type { ExplorerMetadata, StudySummary } from "./summary.js";

/** How many trials a study has finished, and how many of them trained without DP. */
export interface TrialCounts {
  complete: number;
  nonPrivate: number;
}

/** Counts for `privacyNotes`: a non-private trial is one whose ε is infinite (DESIGN.md). */
export function trialCountsOf(summary: Pick<StudySummary, "decoded">): TrialCounts {
  return {
    complete: summary.decoded.length,
    nonPrivate: summary.decoded.filter((trial) => !Number.isFinite(trial.validation.epsilon)).length,
  };
}

/** The notes of a study; with `trials`, they say how many trials read the same rows. */
export function privacyNotes(metadata: ExplorerMetadata, trials?: TrialCounts): string[] {
  const { rows, delta, accountant } = metadata;
  const bound =
    accountant.toLowerCase() === "prv"
      ? "PRV accountant: a numerical estimate with a stated error bound"
      : "RDP accountant: an upper bound";
  const everyTrial = !trials
    ? "every trial (the search space includes non-private ones)"
    : trials.complete === 1
      ? `the one complete trial (${trials.nonPrivate === 1 ? "non-private" : "private"})`
      : `all ${trials.complete} complete trials (${trials.nonPrivate} of them non-private)`;
  return [
    `The ε beside a private trial (δ = ${delta}; ${bound}; Poisson sampling) covers that one trial's training on the training part (${rows.train} rows), fairness penalty included: its per-example terms sit inside the clipped per-example gradients. It covers nothing else listed here.`,
    `Choosing among trials is not covered by any ε. ${capitalise(everyTrial)} and the non-private reference model are trained on the same training rows; the search proposes each trial from earlier trials' validation metrics, and the Pareto front is picked from all of them. Picking the best of many trials reveals more about those rows than one trial's ε (Liu & Talwar 2019; Papernot & Steinke 2022), and the non-private trials and the reference model read them with no protection at all. So the ε printed beside a Pareto trial is not the privacy of having chosen it.`,
    `The validation split (${rows.validation} rows held out from the training data) is read without protection: it scores every trial, steers the search, and gives the fairness penalty of private trials its group statistics (mean predicted probability per group), so that each per-example gradient depends on its own example only; non-private trials use the batch's own statistics.`,
    `Test metrics come from the test split (${rows.test} rows), which the search never sees.`,
    "Feature standardisation and one-hot categories are fitted on the whole training split (training part and validation) without protection: not covered by ε.",
    "Trials draw their DP noise and batch sampling from a seeded generator so that a study is reproducible and resumable: no trial's model is for release.",
    "To release a model, retrain the recipe you choose with `equipoise train --dp`, which draws fresh noise from a cryptographically secure generator: that model's ε then covers its own training, but still not the choice of the recipe, which read these rows. To cover the choice as well, run the study on other rows than the ones the released model trains on (a separate sample, or public data), or use the private selection mode (coming).",
    "No post-processing (such as per-group thresholds) is fitted.",
  ];
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
