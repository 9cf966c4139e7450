/**
 * Everything a report shows, as one plain JSON-serialisable value. The report
 * module never reads a study itself: the caller (the `report` command, the
 * dashboard) converts whatever it stores into this shape.
 *
 * Epsilon is a number and may be `Infinity` (a non-private model). JSON has no
 * Infinity, so `renderJsonReport` writes it as the string "Infinity" and
 * `reportDataFromJson` reads back "Infinity" or null as Infinity.
 */

import type { PrivacyCostSection } from "./privacy-cost.js";

/** A trial's state as the report shows it. */
export type TrialState = "complete" | "failed" | "running";

/** The fairness gap used as the third objective (definitions as in Fairlearn). */
export type FairnessGapName = "dpDifference" | "eoDifference";

/** One sensitive group's metrics on a split. */
export interface GroupMetrics {
  /** Rows of the group. */
  count: number;
  accuracy: number;
  selectionRate: number;
  /** True positive rate; NaN when the group has no positive examples. */
  tpr: number;
  /** False positive rate; NaN when the group has no negative examples. */
  fpr: number;
}

/** attribute → group → metrics, e.g. perGroup.sex.Female.selectionRate. */
export type PerGroupMetrics = Record<string, Record<string, GroupMetrics>>;

/** The normalised, minimised objectives of DESIGN.md, each in [0, 1]. */
export interface NormalisedObjectives {
  e: number;
  p: number;
  u: number;
}

/** A trial's metrics on one split: accuracy, ε, fairness differences and per-group metrics. */
export interface TrialMetrics {
  /** Accuracy in [0, 1]. */
  accuracy: number;
  /** (epsilon, delta)-DP of the whole training run; Infinity for a non-private model. */
  epsilon: number;
  dpDifference: number;
  eoDifference: number;
  perGroup: PerGroupMetrics;
  normalised?: NormalisedObjectives;
}

/** A hyperparameter's value. */
export type ParamValue = number | string | boolean;

/** One trial of the study: its parameters, state and metrics. */
export interface ReportTrial {
  /** The trial's number in the study. */
  number: number;
  state: TrialState;
  params: Record<string, ParamValue>;
  /** Metrics on the validation split; required for a complete trial, absent for a failed one. */
  validation?: TrialMetrics;
  /** Metrics on the test split: only Pareto trials are ever evaluated on it. */
  test?: TrialMetrics;
  /** On the Pareto front of the study, judged on validation metrics. */
  onPareto: boolean;
  error?: string;
  durationSeconds: number;
}

/** The data set a study ran on: rows per split, feature count, target and sensitive columns. */
export interface DatasetInfo {
  /** The data set's name. */
  name: string;
  rows: { train: number; validation: number; test: number };
  features: number;
  target: string;
  sensitive: string[];
}

/** The study's objectives, constraints, strategy, budget and run settings. */
export interface StudySettings {
  /** e.g. ["accuracy", "epsilon", "dp"]. */
  objectives: string[];
  /** e.g. ["epsilon<=8"]. */
  constraints: string[];
  strategy: string;
  budget: number;
  seed: number;
  /** Worker threads of the run; null when the study does not record it (a report made from a study file). */
  workers: number | null;
  /** Tensor backend of the run (wasm, cpu, ...); null when not recorded. */
  backend: string | null;
  /** The most trials that were running at the same moment, from the trials' start and end times. */
  peakConcurrentTrials?: number;
  /** The `explore` runs that trained the study's trials, as the trials recorded them (absent before 0.2). */
  runs?: StudyRun[];
  delta: number;
  /** The gap plotted as the fairness axis; demographic parity difference when absent. */
  fairnessGap?: FairnessGapName;
}

/** One `explore` run of a study (a study resumed later has several). */
export interface StudyRun {
  workers: number;
  /** Trials per ensemble (1: batching off). */
  batchTrials: number;
  backend: string;
  /** The Equipoise version that ran it. */
  version: string;
  /** Trials it finished. */
  trials: number;
}

/** The front's hypervolume after a trial. */
export interface HypervolumePoint {
  /** Trial number after which the front had this hypervolume. */
  trial: number;
  hypervolume: number;
}

/** The reference model every study trains first (DESIGN.md, normalised objectives). */
export interface ReferenceModel {
  accuracy: number;
  /** The chosen fairness gap of the reference model: the u-normaliser. */
  gapRef: number;
}

/** Everything the HTML report shows: the data set, settings, trials, front, privacy notes and costs. */
export interface ReportData {
  /** The report's title. */
  title: string;
  dataset: DatasetInfo;
  settings: StudySettings;
  /** Which split each step used and what epsilon counts, in plain sentences. */
  privacyNotes: string[];
  trials: ReportTrial[];
  hypervolumeHistory: HypervolumePoint[];
  finalHypervolume: { validation: number; test?: number };
  reference: ReferenceModel;
  /** ISO timestamp; left out, the report is byte-for-byte reproducible. */
  generatedAt?: string;
  /** The per-group cost of privacy of the private Pareto trials (privacy-cost.ts). */
  privacyCost?: PrivacyCostSection;
}
