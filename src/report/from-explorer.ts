/**
 * An explorer study's summary as the report's plain data (the report lies above the
 * explorer in the dependency order, so the conversion lives here).
 */

import type { SplitMetrics } from "../explore/metrics.js";
import { privacyNotes } from "../explore/privacy-notes.js";
import type { StudySummary } from "../explore/summary.js";
import type { Study } from "../search/index.js";
import type { ReportData, ReportTrial, TrialMetrics } from "./types.js";

export interface ReportContext {
  strategy: string;
  constraints: string[];
  budget: number;
  workers: number;
  backend: string;
  seed: number;
}

export function reportContextOf(study: Study, summary: StudySummary): ReportContext {
  return {
    strategy: study.strategy,
    constraints: study.constraints.map((c) => c.name),
    budget: summary.trials.total,
    workers: 0,
    backend: "",
    seed: study.seed,
  };
}

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
      delta: metadata.delta,
      fairnessGap: gapName,
    },
    privacyNotes: privacyNotes(metadata),
    trials,
    hypervolumeHistory: summary.hypervolumeHistory,
    finalHypervolume: summary.hypervolume,
    reference: { accuracy: referenceTest.accuracy, gapRef: referenceTest[gapName] },
  };
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

function reportMetrics(metrics: SplitMetrics, objectives: number[], summary: StudySummary): TrialMetrics {
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
