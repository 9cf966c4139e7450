/**
 * The check every store makes before importing trials (a study copied from another
 * store): a pure function, so that SQLite and PostgreSQL accept and refuse the same
 * inputs with the same words.
 */
import { UserError } from "../../common/errors.js";
import { type TrialRecord, trialStates } from "./types.js";

/** Throws a UserError unless the trials are numbered 0..n-1 once each and every record is well formed. */
export function checkImportableTrials(trials: readonly TrialRecord[], location: string): void {
  const seen = new Set<number>();
  for (const trial of trials) {
    const where = `cannot import into ${location}: trial ${trial.number}`;
    if (!Number.isInteger(trial.number) || trial.number < 0 || trial.number >= trials.length)
      throw new UserError(`${where} is outside 0..${trials.length - 1} (trials must be numbered 0..n-1)`);
    if (seen.has(trial.number)) throw new UserError(`${where} appears twice`);
    seen.add(trial.number);
    if (!trialStates.includes(trial.state))
      throw new UserError(`${where} has an unknown state '${trial.state}'`);
    if (trial.state === "complete" && !Array.isArray(trial.objectives))
      throw new UserError(`${where} is complete but has no objective values`);
    if (!Number.isInteger(trial.seed)) throw new UserError(`${where} has no integer seed`);
    if (!Number.isInteger(trial.attempts) || trial.attempts < 1)
      throw new UserError(`${where} has ${trial.attempts} attempts`);
  }
}
