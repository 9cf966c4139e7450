/** What the page, the study worker and the trial workers say to each other. */

import type { TrialData, TrialOutcome, TrialSettings } from "../../../src/explore/trial.js";
import type { Configuration } from "../../../src/search/index.js";
import type { StudyView, TrialDetail } from "../../../src/server/documents.js";
import type { BackendPreference } from "./backend-choice.js";
import type { LocalStudyRequest } from "./explorer.js";

/** The page hands each trial worker one end of a channel; the study worker holds the other. */
export type TrialWorkerConnect = { kind: "connect"; port: MessagePort; wasmBase: string };

export type TrialWorkerRequest =
  | { kind: "setup"; data: TrialData; settings: TrialSettings; backend: BackendPreference }
  | { kind: "trial"; id: number; config: Configuration; seed: number };

export type TrialWorkerReply =
  | { kind: "ready"; backend: string; reason: string }
  | { kind: "setup-failed"; message: string }
  | { kind: "result"; id: number; outcome: TrialOutcome; backend: string }
  | { kind: "error"; id: number; message: string };

export type StudyWorkerRequest =
  | {
      kind: "run";
      request: LocalStudyRequest;
      csvText: string;
      stored?: Uint8Array;
      trialPorts: MessagePort[];
    }
  | { kind: "trial"; number: number }
  | { kind: "report" }
  | { kind: "bytes" };

export type StudyWorkerReply =
  | { kind: "note"; text: string }
  | { kind: "view"; view: StudyView }
  | { kind: "trial"; detail: TrialDetail | null; error?: string }
  | { kind: "report"; html: string }
  | { kind: "bytes"; bytes: Uint8Array }
  | { kind: "done"; seconds: number }
  | { kind: "error"; message: string };
