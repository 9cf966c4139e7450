/**
 * May this explorer study be resumed on this data? A resumed study must not mix
 * splits or data: trials trained on one split or one version of a file would be
 * compared with trials trained on another. The checks name what changed, in the
 * user's terms, before the generic definition check (which names the first
 * differing field) would.
 */
import { UserError } from "../common/errors.js";
import type { ExplorerMetadata } from "./summary.js";

/** What the current run would record. */
export interface ResumeIdentity {
  dataset: string;
  /** How to name the data to a user: "the data file adult.csv", "the data set adult". */
  dataLabel: string;
  splitSeed: number;
  fingerprint: string;
}

export function checkResumable(
  stored: Record<string, unknown>,
  current: ResumeIdentity,
  location: string,
): void {
  const metadata = stored as Partial<ExplorerMetadata>;
  if (metadata.kind !== "equipoise-explorer")
    throw new UserError(`${location} is a study, but not one made by 'equipoise explore'`);
  if (metadata.dataset !== current.dataset) {
    throw new UserError(
      `study ${location} was made on the data set '${metadata.dataset}', not '${current.dataset}'; use another --study file`,
    );
  }
  if (typeof metadata.fingerprint !== "string") {
    throw new UserError(
      `study ${location} was made by an earlier Equipoise that did not record a fingerprint of its data, so it cannot be resumed safely; start a new study (a report can still read it)`,
    );
  }
  // Before the fingerprint, which the train/test split also changes: name the cause.
  if (metadata.splitSeed !== current.splitSeed) {
    throw new UserError(
      `study ${location} was made with --split-seed ${metadata.splitSeed ?? "(not recorded)"}, not ${current.splitSeed}: the train/test split would differ`,
    );
  }
  if (metadata.fingerprint !== current.fingerprint) {
    throw new UserError(
      `${current.dataLabel} changed since the study ${location} was created (fingerprint ${short(metadata.fingerprint)} ≠ ${short(current.fingerprint)})`,
    );
  }
}

function short(fingerprint: string): string {
  return `${fingerprint.slice(0, 8)}…`;
}
