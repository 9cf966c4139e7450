/** Which split each step of an explorer study reads and what ε covers, in plain sentences. */
import type { ExplorerMetadata } from "./summary.js";

/** Shown in the CLI output and the report. */
export function privacyNotes(metadata: ExplorerMetadata): string[] {
  const { rows, delta, accountant } = metadata;
  return [
    `Models are trained on the training part (${rows.train} rows) only. For private trials, ε (δ = ${delta}, ${accountant.toUpperCase()} accountant, Poisson sampling) covers every step that reads these rows, including the fairness penalty: its per-example terms sit inside the clipped per-example gradients.`,
    `The fairness penalty of private trials takes its group statistics (mean predicted probability per group) from the validation split, so each per-example gradient depends on its own example only; non-private trials use the batch's own statistics.`,
    `Choosing among trials (the search and the Pareto front) uses the validation split (${rows.validation} rows held out from the training data). It is not covered by ε: the validation rows are not protected.`,
    `Test metrics come from the test split (${rows.test} rows), which the search never sees.`,
    "Feature standardisation and one-hot categories are fitted on the whole training split (training part and validation) and are not covered by ε.",
    "Explorer trials draw DP noise from a seeded generator so that a study is reproducible and resumable: they are not for release. Retrain the configuration you choose with `equipoise train --dp`, which uses a cryptographically secure generator.",
    "No post-processing (such as per-group thresholds) is fitted.",
  ];
}
