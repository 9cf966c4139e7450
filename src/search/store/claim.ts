/**
 * What the SQLite and PostgreSQL stores' claims share: checking a request, the
 * verdict on a dead worker's trial, and the complete trials a store has already read.
 *
 * A complete trial never changes again (only running trials are retried or failed),
 * so a store reads each one once and keeps it: a claim then reads only the trials
 * finished since the store's previous read, and its cost does not grow with the study
 * (BENCHMARKS.md, "Study stores and many workers"). How a store finds "finished since"
 * is its own: PostgreSQL by the finishing transaction's id (postgres.ts), SQLite by the
 * trials that were running or did not exist at the previous read (sqlite.ts).
 */
import { UserError } from "../../common/errors.js";
import type { ClaimRequest, TrialClaim, TrialRecord } from "./types.js";

/**
 * Snapshot claims that may conflict before a claim proposes under the study's lock.
 * Each conflict costs a proposal thrown away; three keep that waste bounded while
 * letting most claims of a busy study avoid the lock.
 */
export const OPTIMISTIC_TRIES = 3;

/** What a claim reads from one snapshot of the study. */
export interface Snapshot {
  /** Trials in the study, so the number of the next one. */
  count: number;
  /** Whether a running trial has no live worker (then the claim retries it under the lock). */
  orphans: boolean;
  running: TrialRecord[];
  /** Every complete trial, by number. */
  complete: TrialRecord[];
}

/** Refuses a budget or an attempt limit that is not a whole number in range. */
export function checkClaimRequest(request: ClaimRequest): void {
  const { budget, maxAttempts } = request;
  if (!Number.isInteger(budget) || budget < 0)
    throw new UserError(`budget must be a whole number >= 0, got ${budget}`);
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
    throw new UserError(`maxAttempts must be a whole number >= 1, got ${maxAttempts}`);
}

/** A dead worker's running trial is retried while it has had fewer than `maxAttempts` attempts. */
export function shouldRetry(trial: TrialRecord, maxAttempts: number): boolean {
  return trial.attempts < maxAttempts;
}

/** The error stored on a trial whose worker died during every attempt. */
export function outOfAttemptsError(trial: TrialRecord): string {
  return `its worker died during each of its ${trial.attempts} attempt(s) (last: ${trial.workerId ?? "unknown"})`;
}

export function claimOf(trial: TrialRecord): TrialClaim {
  return {
    id: trial.id,
    number: trial.number,
    config: trial.config,
    seed: trial.seed,
    attempts: trial.attempts,
  };
}

/** The complete trials a store has read so far, by number, each read and decoded once. */
export class CompleteTrials {
  private readonly sorted: TrialRecord[] = [];
  private readonly ids = new Set<number>();

  /** Adds the trials not seen yet (a trial read twice is kept once). */
  add(trials: Iterable<TrialRecord>): void {
    for (const trial of trials) {
      if (this.ids.has(trial.id)) continue;
      this.ids.add(trial.id);
      this.sorted.splice(insertionIndex(this.sorted, trial.number), 0, trial);
    }
  }

  has(id: number): boolean {
    return this.ids.has(id);
  }

  /** A copy, so that a caller's `propose` cannot change what the store keeps. */
  list(): TrialRecord[] {
    return [...this.sorted];
  }
}

/** Where a trial numbered `number` goes in a list sorted by number. */
function insertionIndex(sorted: readonly TrialRecord[], number: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid].number < number) low = mid + 1;
    else high = mid;
  }
  return low;
}
