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

/**
 * A trial's state as the report shows it.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { reportDataFromJson, type TrialState } from "equipoise/report";
 * const state: TrialState = "failed"; // "complete", "failed" or "running"
 * const failed = reportDataFromJson(JSON.parse(readFileSync("report.json", "utf8"))).trials.filter((trial) => trial.state === state);
 * ```
 */
export type TrialState = "complete" | "failed" | "running";

/**
 * The fairness gap used as the third objective (definitions as in Fairlearn).
 *
 * @example
 * ```ts
 * import type { FairnessGapName, StudySettings } from "equipoise/report";
 * declare const settings: StudySettings; // ReportData.settings
 * const gap: FairnessGapName = settings.fairnessGap ?? "dpDifference"; // or "eoDifference"
 * ```
 */
export type FairnessGapName = "dpDifference" | "eoDifference";

/**
 * One sensitive group's metrics on a split.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { type GroupMetrics, reportDataFromJson } from "equipoise/report";
 * const [trial] = reportDataFromJson(JSON.parse(readFileSync("report.json", "utf8"))).trials;
 * const female: GroupMetrics | undefined = trial.validation?.perGroup.sex?.Female;
 * female?.selectionRate; // and count, accuracy, tpr, fpr (NaN when the group has no positives / negatives)
 * ```
 */
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

/**
 * attribute → group → metrics, e.g. perGroup.sex.Female.selectionRate.
 *
 * @example
 * ```ts
 * import type { PerGroupMetrics } from "equipoise/report";
 * const perGroup: PerGroupMetrics = {
 *   sex: {
 *     Female: { count: 4, accuracy: 0.75, selectionRate: 0.25, tpr: 0.5, fpr: 0 },
 *     Male: { count: 4, accuracy: 0.5, selectionRate: 0.5, tpr: 0.5, fpr: 0.5 },
 *   },
 * };
 * perGroup.sex.Female.selectionRate; // attribute → group → metrics
 * ```
 */
export type PerGroupMetrics = Record<string, Record<string, GroupMetrics>>;

/**
 * The normalised, minimised objectives of DESIGN.md, each in [0, 1].
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { type NormalisedObjectives, reportDataFromJson } from "equipoise/report";
 * const [trial] = reportDataFromJson(JSON.parse(readFileSync("report.json", "utf8"))).trials;
 * const objectives: NormalisedObjectives | undefined = trial.validation?.normalised;
 * objectives?.e; // each of e, p, u in [0, 1], minimised
 * ```
 */
export interface NormalisedObjectives {
  e: number;
  p: number;
  u: number;
}

/**
 * A trial's metrics on one split: accuracy, ε, fairness differences and per-group metrics.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { reportDataFromJson, type TrialMetrics } from "equipoise/report";
 * const [trial] = reportDataFromJson(JSON.parse(readFileSync("report.json", "utf8"))).trials;
 * const validation: TrialMetrics | undefined = trial.validation;
 * validation?.accuracy; // in [0, 1]
 * validation?.epsilon; // Infinity for a non-private model
 * ```
 */
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

/**
 * A hyperparameter's value.
 *
 * @example
 * ```ts
 * import type { ParamValue, ReportTrial } from "equipoise/report";
 * declare const trial: ReportTrial; // one of ReportData.trials
 * const noise: ParamValue | undefined = trial.params.noiseMultiplier; // a number, string or boolean
 * ```
 */
export type ParamValue = number | string | boolean;

/**
 * One trial of the study: its parameters, state and metrics.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { type ReportTrial, reportDataFromJson } from "equipoise/report";
 * const trials: ReportTrial[] = reportDataFromJson(JSON.parse(readFileSync("report.json", "utf8"))).trials;
 * const front = trials.filter((trial) => trial.onPareto); // judged on validation metrics
 * front.map((trial) => [trial.number, trial.test?.accuracy, trial.test?.epsilon]); // only Pareto trials have test metrics
 * ```
 */
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

/**
 * The data set a study ran on: rows per split, feature count, target and sensitive columns.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { type DatasetInfo, reportDataFromJson } from "equipoise/report";
 * const dataset: DatasetInfo = reportDataFromJson(JSON.parse(readFileSync("report.json", "utf8"))).dataset;
 * console.log(`${dataset.name}: ${dataset.rows.train} training rows, ${dataset.features} features, sensitive ${dataset.sensitive.join(", ")}`);
 * ```
 */
export interface DatasetInfo {
  /** The data set's name. */
  name: string;
  rows: { train: number; validation: number; test: number };
  features: number;
  target: string;
  sensitive: string[];
}

/**
 * The study's objectives, constraints, strategy, budget and run settings.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { reportDataFromJson, type StudySettings } from "equipoise/report";
 * const settings: StudySettings = reportDataFromJson(JSON.parse(readFileSync("report.json", "utf8"))).settings;
 * settings.objectives; // e.g. ["accuracy", "epsilon", "dp"]
 * settings.workers; // null when the study did not record it
 * ```
 */
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

/**
 * One `explore` run of a study (a study resumed later has several).
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { reportDataFromJson, type StudyRun } from "equipoise/report";
 * const runs: StudyRun[] = reportDataFromJson(JSON.parse(readFileSync("report.json", "utf8"))).settings.runs ?? [];
 * for (const run of runs) console.log(`${run.trials} trials: ${run.workers} workers, ${run.backend}, Equipoise ${run.version}`);
 * ```
 */
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

/**
 * The front's hypervolume after a trial.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { type HypervolumePoint, reportDataFromJson } from "equipoise/report";
 * const history: HypervolumePoint[] = reportDataFromJson(JSON.parse(readFileSync("report.json", "utf8"))).hypervolumeHistory;
 * const last = history.at(-1); // { trial, hypervolume }: the front's hypervolume after that trial
 * ```
 */
export interface HypervolumePoint {
  /** Trial number after which the front had this hypervolume. */
  trial: number;
  hypervolume: number;
}

/**
 * The reference model every study trains first (DESIGN.md, normalised objectives).
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { type ReferenceModel, reportDataFromJson } from "equipoise/report";
 * const reference: ReferenceModel = reportDataFromJson(JSON.parse(readFileSync("report.json", "utf8"))).reference;
 * reference.accuracy; // the reference model's accuracy; reference.gapRef normalises the fairness objective
 * ```
 */
export interface ReferenceModel {
  accuracy: number;
  /** The chosen fairness gap of the reference model: the u-normaliser. */
  gapRef: number;
}

/**
 * Everything the HTML report shows: the data set, settings, trials, front, privacy notes and costs.
 *
 * @example
 * ```ts
 * import { readFileSync, writeFileSync } from "node:fs";
 * import { renderHtmlReport, type ReportData, reportDataFromJson } from "equipoise/report";
 * const data: ReportData = reportDataFromJson(JSON.parse(readFileSync("report.json", "utf8")));
 * data.trials.length; // every trial of the study
 * data.finalHypervolume.validation;
 * writeFileSync("report.html", renderHtmlReport(data)); // one self-contained page
 * ```
 */
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
