/** Messages between the explorer and its trial workers (structured-clone safe). */
import type { Configuration } from "../search/index.js";
import type { TrialData, TrialOutcome, TrialSettings } from "./trial.js";

/** What a trial thread is started with: it loads its modules and backend before the study's data exists. */
export interface WorkerStart {
  backend?: string;
}

/** The study a trial thread runs trials of: its first message, sent once the data is prepared. */
export interface WorkerSetup {
  /**
   * The study's data, prepared once by the explorer, its arrays in SharedArrayBuffers
   * (trial-data.ts, `shareTrialData`): every worker reads the same memory.
   */
  data: TrialData;
  settings: TrialSettings;
}

export type WorkerRequest =
  | { kind: "trial"; id: number; config: Configuration; seed: number }
  // Batched trials (src/explore/batched.ts): trials sharing a model spec, trained as one ensemble.
  | { kind: "batch"; id: number; jobs: { config: Configuration; seed: number }[] };

export type WorkerReply =
  | { kind: "ready"; backend: string }
  | { kind: "setup-failed"; message: string }
  | { kind: "result"; id: number; outcome: TrialOutcome }
  | { kind: "error"; id: number; message: string }
  | { kind: "batch-result"; id: number; results: ({ outcome: TrialOutcome } | { error: string })[] };
