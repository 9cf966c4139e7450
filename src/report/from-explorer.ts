/**
 * An explorer study's summary as the report's plain data (the report lies above the
 * explorer in the dependency order, so the conversion lives here).
 */

import { privacyNotes, trialCountsOf } from "../explore/privacy-notes.js";
import type { StudySummary } from "../explore/summary.js";
import type { ModelMetrics } from "../fit/metrics.js";
import type { Study, TrialRecord } from "../search/index.js";
import { type PrivacyCostSection, privacyCostSectionOf } from "./privacy-cost.js";
import type { ReportData, ReportTrial, StudyRun, TrialMetrics } from "./types.js";

/**
 * What the report needs beyond the study's summary: strategy, constraints, budget, workers, backend.
 *
 * @example
 * ```ts
 * import { summariseStudy } from "equipoise/explore";
 * import { Study } from "equipoise/search";
 * import { type ReportContext, renderHtmlReport, reportDataOf } from "equipoise/report";
 * const study = await Study.openReadOnly("adult-study.db");
 * const summary = summariseStudy(await study.snapshot(), study.location);
 * const context: ReportContext = { strategy: "bo", constraints: ["epsilon<=8"], budget: 40, workers: 2, backend: "wasm", seed: 0 };
 * const html = renderHtmlReport(reportDataOf(summary, context)); // or reportContextOf(study, summary)
 * ```
 */
export interface ReportContext {
  /** The search strategy's name. */
  strategy: string;
  constraints: string[];
  /** The study's trial budget. */
  budget: number;
  /** Worker threads and backend of the run; null when the study's runs disagree or did not record them. */
  workers: number | null;
  backend: string | null;
  seed: number;
  /** The runs the trials recorded (explore/explorer.ts, RunFacts). */
  runs?: StudyRun[];
}

/**
 * What a study file tells about its runs. Each trial records the run that trained it
 * (worker threads, trials per batch, backend, version: they may change between runs
 * that resume one study); studies made before 0.2 recorded none, and then workers and
 * backend are null rather than invented — the trials' start and end times still show
 * how many ran at once.
 *
 * @example
 * ```ts
 * import { summariseStudy } from "equipoise/explore";
 * import { Study } from "equipoise/search";
 * import { renderHtmlReport, reportContextOf, reportDataOf } from "equipoise/report";
 * const study = await Study.openReadOnly("adult-study.db");
 * const summary = summariseStudy(await study.snapshot(), study.location);
 * const html = renderHtmlReport(reportDataOf(summary, reportContextOf(study, summary)));
 * ```
 */
export function reportContextOf(study: Study, summary: StudySummary): ReportContext {
  const runs = studyRuns(summary.records);
  const only = <K extends keyof StudyRun>(key: K): StudyRun[K] | null =>
    runs.length > 0 && runs.every((run) => run[key] === runs[0][key]) ? runs[0][key] : null;
  return {
    strategy: study.strategy,
    constraints: study.constraints.map((c) => c.name),
    budget: summary.trials.total,
    workers: only("workers"),
    backend: only("backend"),
    seed: study.seed,
    ...(runs.length > 0 ? { runs } : {}),
  };
}

/**
 * The distinct runs recorded in the trials' metrics, in the order of their first trial.
 *
 * @example
 * ```ts
 * import type { StudySummary } from "equipoise/explore";
 * import { studyRuns } from "equipoise/report";
 * declare const summary: StudySummary; // summariseStudy(...) of an explorer study resumed once with more workers
 * const runs = studyRuns(summary.records); // e.g. two runs: their workers, batching, backend and version
 * ```
 */
export function studyRuns(records: readonly Pick<TrialRecord, "metrics">[]): StudyRun[] {
  const runs = new Map<string, StudyRun>();
  for (const record of records) {
    const run = record.metrics?.run as Partial<StudyRun & { id: string }> | undefined;
    if (!run || typeof run.id !== "string") continue;
    const known = runs.get(run.id);
    if (known) {
      known.trials++;
      continue;
    }
    runs.set(run.id, {
      workers: Number(run.workers),
      batchTrials: Number(run.batchTrials ?? 1),
      backend: String(run.backend),
      version: String(run.version),
      trials: 1,
    });
  }
  return [...runs.values()];
}

/**
 * The largest number of trials whose [start, end) intervals overlap: a sweep over
 * the start and end times, ends first at equal times (a worker that finishes one
 * trial and starts the next at the same millisecond ran one at a time). Trials
 * without both times are left out; 0 when none has them.
 */
export function peakConcurrentTrials(
  records: readonly Pick<TrialRecord, "startedAt" | "finishedAt">[],
): number {
  const events: [time: number, change: number][] = [];
  for (const { startedAt, finishedAt } of records) {
    if (startedAt === null || finishedAt === null) continue;
    events.push([startedAt, 1], [finishedAt, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let running = 0;
  let peak = 0;
  for (const [, change] of events) {
    running += change;
    peak = Math.max(peak, running);
  }
  return peak;
}

/**
 * The {@link ReportData} of an explorer study: what `equipoise report` renders.
 *
 * @example
 * ```ts
 * import type { StudySummary } from "equipoise/explore";
 * import { renderHtmlReport, reportDataOf } from "equipoise/report";
 * declare const summary: StudySummary; // summariseStudy(...) of an explorer study
 * const data = reportDataOf(summary, { strategy: "bo", constraints: [], budget: 40, workers: 1, backend: "wasm", seed: 0 });
 * const html = renderHtmlReport(data);
 * ```
 */
export function reportDataOf(summary: StudySummary, context: ReportContext): ReportData {
  const { metadata } = summary;
  const gapName = summary.objectives.includes("eo") ? "eoDifference" : "dpDifference";
  const onPareto = new Set(summary.pareto.map((i) => summary.decoded[i].record.id));
  const decodedById = new Map(summary.decoded.map((d) => [d.record.id, d]));
  const trials: ReportTrial[] = summary.trials.total === 0 ? [] : allTrials(summary, onPareto, decodedById);
  const referenceTest = summary.reference.test;
  return {
    title: `${metadata.dataset}: accuracy × privacy × fairness`,
    dataset: {
      name: metadata.dataset,
      rows: metadata.rows,
      features: metadata.features,
      target: metadata.target ?? "",
      sensitive: metadata.sensitive,
    },
    settings: {
      objectives: summary.objectives,
      constraints: context.constraints,
      strategy: context.strategy,
      budget: context.budget,
      seed: context.seed,
      workers: context.workers,
      backend: context.backend,
      peakConcurrentTrials: peakConcurrentTrials(summary.records),
      ...(context.runs ? { runs: context.runs } : {}),
      delta: metadata.delta,
      fairnessGap: gapName,
    },
    privacyNotes: privacyNotes(metadata, trialCountsOf(summary)),
    trials,
    hypervolumeHistory: summary.hypervolumeHistory,
    finalHypervolume: summary.hypervolume,
    reference: { accuracy: referenceTest.accuracy, gapRef: referenceTest[gapName] },
    ...withPrivacyCost(privacyCostSectionOf(summary)),
  };
}

function withPrivacyCost(section: PrivacyCostSection | undefined): { privacyCost?: PrivacyCostSection } {
  return section ? { privacyCost: section } : {};
}

function allTrials(
  summary: StudySummary,
  onPareto: Set<number>,
  decodedById: Map<number, StudySummary["decoded"][number]>,
): ReportTrial[] {
  return summary.records.map((record) => {
    const decoded = decodedById.get(record.id);
    const trial: ReportTrial = {
      number: record.number,
      state: decoded ? "complete" : record.state === "running" ? "running" : "failed",
      params: record.config,
      onPareto: onPareto.has(record.id),
      durationSeconds: (record.durationMs ?? 0) / 1000,
    };
    if (decoded) {
      trial.validation = reportMetrics(decoded.validation, decoded.objectives.validation, summary);
      if (onPareto.has(record.id)) trial.test = reportMetrics(decoded.test, decoded.objectives.test, summary);
    }
    if (record.error) trial.error = record.error;
    return trial;
  });
}

function reportMetrics(metrics: ModelMetrics, objectives: number[], summary: StudySummary): TrialMetrics {
  const normalised = { e: Number.NaN, p: Number.NaN, u: Number.NaN };
  summary.objectives.forEach((name, k) => {
    if (name === "accuracy") normalised.e = objectives[k];
    else if (name === "epsilon") normalised.p = objectives[k];
    else normalised.u = objectives[k];
  });
  return {
    accuracy: metrics.accuracy,
    epsilon: metrics.epsilon,
    dpDifference: metrics.dpDifference,
    eoDifference: metrics.eoDifference,
    perGroup: metrics.perGroup,
    normalised,
  };
}
