/**
 * What the dashboard shows of a study, computed from a snapshot of it (pure
 * functions, no I/O). An explorer study is summarised as `equipoise explore` and
 * `report` summarise it (src/explore/summary.ts): the front is chosen on validation
 * metrics, test metrics are listed for Pareto trials only. Any other study (made
 * through the library with its own objectives) is shown generically: raw objective
 * values, the front by Pareto dominance of the feasible complete trials.
 */
import { UserError } from "../common/errors.js";
import { privacyNotes, trialCountsOf } from "../explore/privacy-notes.js";
import { type DecodedTrial, type StudySummary, summariseStudy } from "../explore/summary.js";
import { studyTrainSettings } from "../explore/trial-train-flags.js";
import type { ModelMetrics as SplitMetrics } from "../fit/metrics.js";
import { minimizedObjectives, paretoFront, type StudySnapshot, type TrialRecord } from "../search/index.js";
import type { Parameter, SearchSpaceJSON } from "../search/space.js";
import type {
  GroupRow,
  MetricSummary,
  PrivacyCostRow,
  StudyListItem,
  StudyView,
  TrialCounts,
  TrialDetail,
  TrialRow,
} from "./documents.js";
import { groupIntervals } from "./intervals.js";
import { matchedPrivacyCost } from "./matched-cost.js";

/**
 * What the server knows of a study beyond its file.
 *
 * @example
 * ```ts
 * import { type StudyIdentity, studyView } from "equipoise/server";
 * import { Study } from "equipoise/search";
 * const identity: StudyIdentity = { id: "adult", name: "adult", file: "adult.db" }; // id: the name in API paths
 * const study = await Study.openReadOnly("adult.db");
 * const view = studyView(await study.snapshot(), study.space.toJSON(), identity, { workers: 0, job: null });
 * ```
 */
export interface StudyIdentity {
  id: string;
  name: string;
  file: string;
}

/**
 * Who is working on a study now: workers and the server job running it.
 *
 * @example
 * ```ts
 * import { type StudyActivity, studyView } from "equipoise/server";
 * import { Study } from "equipoise/search";
 * const activity: StudyActivity = { workers: 2, job: { id: "job-1", state: "running" } };
 * const study = await Study.openReadOnly("adult.db");
 * const view = studyView(await study.snapshot(), study.space.toJSON(), { id: "adult", name: "adult", file: "adult.db" }, activity);
 * ```
 */
export interface StudyActivity {
  workers: number;
  job: { id: string; state: string } | null;
}

const explorerLabels: Record<string, string> = {
  accuracy: "error, normalised (e)",
  epsilon: "privacy loss, normalised (p)",
  dp: "demographic parity gap, normalised (u)",
  eo: "equalized odds gap, normalised (u)",
  eop: "equal opportunity gap, normalised (u)",
};

export function isExplorerStudy(snapshot: Pick<StudySnapshot, "metadata">): boolean {
  return (snapshot.metadata as { kind?: string }).kind === "equipoise-explorer";
}

export function metricSummary(metrics: SplitMetrics): MetricSummary {
  return {
    accuracy: metrics.accuracy,
    epsilon: metrics.epsilon,
    dpDifference: metrics.dpDifference,
    eoDifference: metrics.eoDifference,
    eopDifference: metrics.eopDifference,
  };
}

export function countsOf(trials: readonly TrialRecord[], feasible: number): TrialCounts {
  return {
    total: trials.length,
    complete: trials.filter((t) => t.state === "complete").length,
    failed: trials.filter((t) => t.state === "failed").length,
    running: trials.filter((t) => t.state === "running").length,
    feasible,
  };
}

function seconds(ms: number | null): number | null {
  return ms === null ? null : ms / 1000;
}

/**
 * The {@link StudyView} document of a study: what `GET /api/studies/{id}` sends.
 *
 * @example
 * ```ts
 * import { type SearchSpaceJSON, Study } from "equipoise/search";
 * import { studyView } from "equipoise/server";
 * declare const space: SearchSpaceJSON; // the space of the study's definition
 * const study = await Study.openReadOnly("adult-study.db");
 * const identity = { id: "adult", name: "adult", file: "adult-study.db" };
 * const view = studyView(await study.snapshot(), space, identity, { workers: 0, job: null });
 * ```
 */
export function studyView(
  snapshot: StudySnapshot,
  space: SearchSpaceJSON,
  identity: StudyIdentity,
  activity: StudyActivity,
): StudyView {
  const base = {
    ...identity,
    constraints: snapshot.constraints.map((c) => c.name),
    strategy: snapshot.strategy,
    seed: snapshot.seed,
    parameters: space.parameters.map(parameterDoc),
    activity,
  };
  if (!isExplorerStudy(snapshot)) return { ...base, ...genericView(snapshot) };
  const summary = summariseStudy(snapshot, identity.file);
  const onPareto = new Set(summary.pareto.map((i) => summary.decoded[i].record.id));
  const decodedById = new Map(summary.decoded.map((d) => [d.record.id, d]));
  const { metadata } = summary;
  return {
    ...base,
    kind: "explorer",
    objectives: summary.objectives.map((name) => ({
      name,
      direction: "minimize" as const,
      label: explorerLabels[name] ?? name,
    })),
    dataset: {
      name: metadata.dataset,
      target: metadata.target,
      positive: metadata.positive,
      sensitive: metadata.sensitive,
      primarySensitive: metadata.primarySensitive,
      rows: metadata.rows,
      features: metadata.features,
    },
    delta: metadata.delta,
    accountant: metadata.accountant,
    counts: summary.trials,
    hypervolume: summary.hypervolume,
    hypervolumeHistory: summary.hypervolumeHistory,
    reference: {
      validation: metricSummary(summary.reference.validation),
      test: metricSummary(summary.reference.test),
    },
    trials: summary.records.map((record) =>
      explorerRow(record, decodedById.get(record.id), onPareto.has(record.id)),
    ),
    privacyNotes: privacyNotes(metadata, trialCountsOf(summary)),
  };
}

function explorerRow(record: TrialRecord, decoded: DecodedTrial | undefined, onPareto: boolean): TrialRow {
  return {
    number: record.number,
    state: record.state,
    params: record.config,
    durationSeconds: seconds(record.durationMs),
    error: record.error,
    feasible: decoded?.feasible ?? false,
    onPareto,
    validation: decoded ? metricSummary(decoded.validation) : null,
    test: decoded && onPareto ? metricSummary(decoded.test) : null,
    objectives: decoded ? decoded.objectives.validation : null,
    constraints: record.constraints,
  };
}

function genericView(snapshot: StudySnapshot) {
  const complete = snapshot.trials.filter((t) => t.state === "complete" && t.objectives);
  const feasible = complete.filter((t) => (t.constraints ?? []).every((c) => c <= 0));
  const front = new Set(
    paretoFront(feasible.map((t) => minimizedObjectives(snapshot.objectives, t))).map((i) => feasible[i].id),
  );
  const trials: TrialRow[] = snapshot.trials.map((record) => ({
    number: record.number,
    state: record.state,
    params: record.config,
    durationSeconds: seconds(record.durationMs),
    error: record.error,
    feasible: record.state === "complete" && (record.constraints ?? []).every((c) => c <= 0),
    onPareto: front.has(record.id),
    validation: null,
    test: null,
    objectives: record.objectives,
    constraints: record.constraints,
  }));
  return {
    kind: "generic" as const,
    objectives: snapshot.objectives.map((o) => ({ name: o.name, direction: o.direction, label: o.name })),
    dataset: null,
    delta: null,
    accountant: null,
    counts: countsOf(snapshot.trials, feasible.length),
    hypervolume: null,
    hypervolumeHistory: [],
    reference: null,
    trials,
    privacyNotes: [],
  };
}

function parameterDoc(parameter: Parameter): Parameter {
  return structuredClone(parameter);
}

/** The one line of the study list. */
export function studyListItem(view: StudyView, budget: number | null): StudyListItem {
  return {
    id: view.id,
    name: view.name,
    file: view.file,
    kind: view.kind,
    dataset: view.dataset?.name ?? null,
    objectives: view.objectives.map((o) => o.name),
    counts: view.counts,
    budget,
    hypervolume: view.hypervolume?.validation ?? null,
    activity: view.activity,
    error: null,
  };
}

/**
 * One trial of an explorer study: per-group metrics with intervals, and the cost of privacy by group.
 *
 * @example
 * ```ts
 * import { Study } from "equipoise/search";
 * import { trialDetail } from "equipoise/server";
 * const study = await Study.openReadOnly("adult-study.db"); // an explorer study
 * const detail = trialDetail(await study.snapshot(), "adult", 7); // trial 7: per-group metrics with intervals
 * ```
 */
export function trialDetail(snapshot: StudySnapshot, studyId: string, number: number): TrialDetail {
  const record = snapshot.trials.find((t) => t.number === number);
  if (!record) throw new UserError(`trial ${number} is not in this study`);
  const base = {
    study: studyId,
    number,
    state: record.state,
    params: record.config,
    durationSeconds: seconds(record.durationMs),
    error: record.error,
  };
  if (!isExplorerStudy(snapshot)) {
    return {
      ...base,
      recipe: null,
      privacy: null,
      trainSeconds: null,
      feasible: record.state === "complete" && (record.constraints ?? []).every((c) => c <= 0),
      onPareto: false,
      objectives: record.objectives,
      splits: [],
      matchedPrivacyCost: null,
      retrain: null,
      notes: ["This study was not made by the explorer: only its parameters and objective values are known."],
    };
  }
  const summary = summariseStudy(snapshot);
  const index = summary.decoded.findIndex((d) => d.record.id === record.id);
  const decoded = index >= 0 ? summary.decoded[index] : undefined;
  if (!decoded) {
    return {
      ...base,
      recipe: null,
      privacy: null,
      trainSeconds: null,
      feasible: false,
      onPareto: false,
      objectives: null,
      splits: [],
      matchedPrivacyCost: null,
      retrain: null,
      notes: [record.state === "running" ? "This trial is still running." : `This trial ${record.state}.`],
    };
  }
  return {
    ...base,
    recipe: decoded.recipe as unknown as Record<string, unknown>,
    privacy: (decoded.privacy as Record<string, unknown> | null) ?? null,
    trainSeconds: decoded.trainSeconds,
    feasible: decoded.feasible,
    onPareto: summary.pareto.includes(index),
    objectives: decoded.objectives.validation,
    splits: [
      splitDetail("validation", decoded.validation, summary.reference.validation),
      splitDetail("test", decoded.test, summary.reference.test),
    ],
    matchedPrivacyCost: matchedPrivacyCost(record.metrics),
    retrain: {
      seed: record.seed,
      splitSeed: summary.metadata.splitSeed,
      study: studyTrainSettings(summary.metadata, summary.objectives),
    },
    notes: trialNotes(summary, decoded),
  };
}

function splitDetail(split: "validation" | "test", metrics: SplitMetrics, reference: SplitMetrics) {
  const groups: GroupRow[] = [];
  const costOfPrivacy: PrivacyCostRow[] = [];
  for (const [attribute, table] of Object.entries(metrics.perGroup)) {
    for (const [group, rates] of Object.entries(table)) {
      const intervals = groupIntervals(rates);
      groups.push({ attribute, group, count: rates.count, ...intervals });
      const referenceRates = reference.perGroup[attribute]?.[group];
      if (referenceRates) {
        const referenceAccuracy = groupIntervals(referenceRates).accuracy;
        costOfPrivacy.push({
          attribute,
          group,
          trial: intervals.accuracy,
          reference: referenceAccuracy,
          difference: referenceAccuracy.value - intervals.accuracy.value,
        });
      }
    }
  }
  return { split, metrics: metricSummary(metrics), groups, costOfPrivacy };
}

function trialNotes(summary: StudySummary, trial: DecodedTrial): string[] {
  const notes = [
    "Choose a trial on its validation metrics; the test metrics are for reporting the trial you chose (choosing by them would make them optimistic).",
    "Intervals are 95% Wilson score intervals of each rate on its group's rows.",
    "Cost of privacy by group: the accuracy of the non-private, unmitigated reference model (logistic regression) minus this trial's, on the same rows; it mixes the effect of DP-SGD with that of the model family and the fairness penalty.",
  ];
  if (Number.isFinite(trial.validation.epsilon)) {
    notes.push(
      `This trial's ε covers its own training only (δ = ${summary.metadata.delta}), not the choice among trials; see the study's privacy notes.`,
    );
  } else {
    notes.push("This trial trained without differential privacy (ε = ∞).");
  }
  return notes;
}
