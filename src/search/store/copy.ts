/**
 * Copying a study between stores — a study started in a file on a laptop continues on
 * a PostgreSQL server, and a server's study comes back as a file for the record. The
 * source is only read; the destination is created with the same definition (or, if it
 * exists, checked to have it) and receives every trial in one transaction, with its
 * budget. Trials still running at the source stay running under their old worker,
 * who is no member at the destination, so the first worker there redoes them.
 */
import { UserError } from "../../common/errors.js";
import { isWorkerAlive } from "./liveness.js";
import { displayLocation, openStudyStore } from "./open.js";
import type { LivenessPolicy, StudyStore, TrialState } from "./types.js";

/**
 * What {@link copyStudy} copied: trials by state, the budget, and workers still running in the source.
 *
 * @example
 * ```ts
 * import { type CopySummary, copyStudy } from "equipoise/search";
 * const summary: CopySummary = await copyStudy("study.db", "backup.db");
 * console.log(`${summary.trials} trials (${summary.byState.complete} complete) from ${summary.from} to ${summary.to}`);
 * if (summary.liveWorkers > 0) console.warn("workers still run at the source: copy again when they are done");
 * ```
 */
export interface CopySummary {
  /** The source study's location. */
  from: string;
  /** The destination's location. */
  to: string;
  trials: number;
  byState: Record<TrialState, number>;
  budget: number | null;
  /** Workers of the source that looked alive during the copy: trials they finish later are not copied. */
  liveWorkers: number;
}

/**
 * Copies the study at `from` into a new (or empty) study at `to`.
 *
 * @example
 * ```ts
 * import { copyStudy } from "equipoise/search";
 * const summary = await copyStudy("study.db", "postgres://me@db/equipoise?study=adult");
 * console.log(summary.trials, summary.byState); // every trial moved, counted by state
 * ```
 */
export async function copyStudy(
  from: string,
  to: string,
  liveness: LivenessPolicy = { staleAfterMs: 600_000 },
): Promise<CopySummary> {
  if (from === to) throw new UserError(`--from and --to are the same study (${displayLocation(from)})`);
  const source = await openStudyStore(from, { readOnly: true });
  try {
    return await copyStudyFrom(source, to, liveness);
  } finally {
    await source.close();
  }
}

/**
 * Copies the study `source` (an open store, only read) into a new (or empty) study at `to`.
 *
 * @example
 * ```ts
 * import { copyStudyFrom, openStudyStore } from "equipoise/search";
 * const source = await openStudyStore("study.db", { readOnly: true });
 * const summary = await copyStudyFrom(source, "backup.db");
 * ```
 */
export async function copyStudyFrom(
  source: StudyStore,
  to: string,
  liveness: LivenessPolicy = { staleAfterMs: 600_000 },
): Promise<CopySummary> {
  const definition = await source.definition();
  const trials = await source.trials();
  const budget = await source.budget();
  const now = Date.now();
  const liveWorkers = (await source.workers()).filter((w) => isWorkerAlive(w, now, liveness)).length;
  const target = await openStudyStore(to, { definition });
  try {
    const existing = (await target.trials()).length;
    if (existing > 0) {
      throw new UserError(
        `study ${target.location} already has ${existing} trials: copy into a new study (another file, or another ?study=NAME)`,
      );
    }
    await target.importTrials(trials);
    if (budget !== null) await target.setBudget(budget);
    const byState = { running: 0, complete: 0, failed: 0, pruned: 0 };
    for (const trial of trials) byState[trial.state]++;
    return {
      from: source.location,
      to: target.location,
      trials: trials.length,
      byState,
      budget,
      liveWorkers,
    };
  } finally {
    await target.close();
  }
}
