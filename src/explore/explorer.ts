/**
 * `explore`: the accuracy–privacy–fairness Pareto front of a dataset, found by a
 * multi-objective search over the default space. The data is prepared once, here,
 * and shared with the worker threads that run the trials; the search sees
 * validation metrics only; the Pareto trials are reported on test.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename } from "node:path";
import { DEFAULT_DELTA } from "../common/defaults.js";
import { UserError } from "../common/errors.js";
import { type PreparedTask, prepareTask, type TaskRequest } from "../data/index.js";
import { initBackend } from "../nn/index.js";
import { optimize, type StrategyName, Study, type TrialRecord } from "../search/index.js";
import { encodeSplitMetrics } from "./encoding.js";
import { type Constraint, constraintValue, normaliseObjective, type ObjectiveName } from "./objectives.js";
import { WorkerPool } from "./pool.js";
import { privacyNotes } from "./privacy-notes.js";
import { trainReferenceModel } from "./reference.js";
import { checkResumable } from "./resume.js";
import { defaultSpace } from "./space.js";
import { type ExplorerMetadata, type StudySummary, summariseStudy } from "./summary.js";
import type { TrialSettings } from "./trial.js";
import { shareTrialData, trialDataOf } from "./trial-data.js";

export interface ExploreOptions {
  /** The data; `request.seed` is the train/test split seed (`--split-seed`), recorded in the study. */
  request: TaskRequest;
  /**
   * The same data already prepared from `request` (by a caller that prepares it for
   * several studies, or alters it on purpose in a test); `request` then only names it.
   */
  task?: PreparedTask;
  /** The sensitive attribute whose fairness gaps are objectives (one of request.sensitive, or the dataset's first). */
  sensitive?: string;
  objectives: ObjectiveName[];
  constraints: Constraint[];
  strategy: StrategyName;
  budget: number;
  /** SQLite file; undefined keeps the study in memory. */
  studyPath?: string;
  workers?: number;
  /** Seed of the search, of the validation split and of the trials. */
  seed: number;
  delta?: number;
  accountant?: "rdp" | "prv";
  validationFraction?: number;
  backend?: string;
  /**
   * Batched trials: up to this many trials that share a model spec train as one
   * ensemble in one worker (src/explore/batched.ts); the search then keeps
   * workers × batchTrials trials in flight. 1 turns batching off.
   */
  batchTrials?: number;
  onEvent?: (event: ExploreEvent) => void;
}

export type ExploreEvent =
  | { kind: "note"; text: string }
  | { kind: "trial"; done: number; budget: number; trial: TrialRecord; hypervolume: number; best: string };

export interface ExploreResult {
  summary: StudySummary;
  strategy: string;
  constraints: string[];
  workers: number;
  backend: string;
  privacyNotes: string[];
  wallSeconds: number;
  studyPath: string | null;
}

/**
 * Sobol' trials before GP-BO takes over. The strategy's generic default, 2·(d+1) = 22
 * here, leaves only 18 of a 40-trial budget to the model; with 10, the test
 * hypervolume on Adult rose from 0.274–0.281 to 0.293 (mean of 4 seeds, every seed
 * above every seed of random search at 80 trials) — BENCHMARKS.md, Explorer.
 */
export const BO_INITIAL_SAMPLES = 10;

/** Trials per ensemble when batching (see ExploreOptions.batchTrials; BENCHMARKS.md "Batched trials"). */
export const DEFAULT_BATCH_TRIALS = 1;

export async function explore(options: ExploreOptions): Promise<ExploreResult> {
  const started = performance.now();
  const emit = options.onEvent ?? (() => {});
  const workers = options.workers ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 1)
    throw new UserError(`--workers must be a whole number ≥ 1, got ${workers}`);
  if (!Number.isInteger(options.budget) || options.budget < 1) {
    throw new UserError(`--budget must be a whole number ≥ 1, got ${options.budget}`);
  }
  const batchTrials = options.batchTrials ?? DEFAULT_BATCH_TRIALS;
  if (!Number.isInteger(batchTrials) || batchTrials < 1)
    throw new UserError(`batchTrials must be a whole number ≥ 1, got ${batchTrials}`);
  const delta = options.delta ?? DEFAULT_DELTA;
  const accountant = options.accountant ?? "rdp";
  const validationFraction = options.validationFraction ?? 0.2;
  const settings: TrialSettings = {
    delta,
    accountant,
    fairness: options.objectives.includes("eo") || options.objectives.includes("eop") ? "eo" : "dp",
  };
  const backend = await initBackend(options.backend);
  const location = options.studyPath ?? ":memory:";
  // A file that is not a study is refused here, before any work.
  const stored =
    options.studyPath && existsSync(options.studyPath) ? await readMetadata(location) : undefined;
  const { data, description, fingerprint } = await prepareStudyData(options, validationFraction);
  const splitSeed = options.request.seed ?? 0;
  // Resuming: the study must have been made on the same split of the same data, and
  // it keeps its stored reference model, so that the normalisation never drifts
  // between runs.
  if (stored) {
    checkResumable(
      stored,
      { dataset: description.name, dataLabel: dataLabel(options.request), splitSeed, fingerprint },
      location,
    );
  }
  let reference = (stored as Partial<ExplorerMetadata> | undefined)?.reference;
  if (!reference) {
    emit({
      kind: "note",
      text: "training the reference model (logistic regression, non-private, unmitigated)",
    });
    const model = trainReferenceModel(data);
    reference = {
      validation: encodeSplitMetrics(model.validation),
      test: encodeSplitMetrics(model.test),
      basis: { validation: model.validationBasis, test: model.testBasis },
    };
  }
  const metadata: ExplorerMetadata = {
    kind: "equipoise-explorer",
    dataset: description.name,
    target: description.target,
    positive: description.positive,
    sensitive: description.sensitive,
    primarySensitive: description.primarySensitive,
    rows: { train: data.train.X.rows, validation: data.validation.X.rows, test: data.test.X.rows },
    features: description.features,
    validationFraction,
    splitSeed,
    validationSeed: options.seed,
    fingerprint,
    delta,
    accountant,
    reference,
  };
  const study = await Study.open(location, {
    space: defaultSpace(),
    objectives: options.objectives.map((name) => ({ name, direction: "minimize" as const })),
    constraints: options.constraints.map((c) => ({ name: c.text })),
    strategy: options.strategy,
    seed: options.seed,
    strategyOptions: {
      referencePoint: options.objectives.map(() => 1),
      ...(options.strategy === "bo" ? { initialSamples: BO_INITIAL_SAMPLES } : {}),
    },
    metadata: metadata as unknown as Record<string, unknown>,
  });
  try {
    const basis = reference.basis.validation;
    let done = (await study.trials(["complete", "failed", "pruned"])).length;
    if (done > 0) emit({ kind: "note", text: `resuming the study: ${done} trials already finished` });
    if (done < options.budget) {
      const poolSize = Math.min(workers, options.budget - done);
      const inFlight = Math.min(poolSize * batchTrials, options.budget - done);
      const pool = new WorkerPool(poolSize, { data, settings, backend: backend.name }, batchTrials);
      try {
        await pool.ready();
        await optimize(
          study,
          async (config, trial) => {
            const outcome = await pool.run(config, trial.seed);
            // The search is told validation metrics only (normalised with the validation
            // basis); test metrics are stored for the report and never reach the strategy.
            return {
              objectives: options.objectives.map((name) =>
                normaliseObjective(name, outcome.validation, basis),
              ),
              constraints: options.constraints.map((c) => constraintValue(c, outcome.validation)),
              metrics: {
                validation: encodeSplitMetrics(outcome.validation),
                test: encodeSplitMetrics(outcome.test),
                recipe: outcome.recipe,
                privacy: outcome.privacy,
                trainSeconds: outcome.trainSeconds,
              },
            };
          },
          {
            budget: options.budget,
            concurrency: inFlight,
            onTrial: async (trial) => {
              done++;
              const summary = summariseStudy(await study.snapshot(), location);
              emit({
                kind: "trial",
                done,
                budget: options.budget,
                trial,
                hypervolume: summary.hypervolume.validation,
                best: bestLine(summary),
              });
            },
          },
        );
        if (batchTrials > 1) {
          const { trials, ensembles } = pool.batching;
          emit({ kind: "note", text: `batched trials: ${trials} trials trained in ${ensembles} ensembles` });
        }
      } finally {
        await pool.close();
      }
    }
    const summary = summariseStudy(await study.snapshot(), location);
    return {
      summary,
      strategy: options.strategy,
      constraints: options.constraints.map((c) => c.text),
      workers,
      backend: backend.name,
      privacyNotes: privacyNotes(metadata),
      wallSeconds: (performance.now() - started) / 1000,
      studyPath: options.studyPath ?? null,
    };
  } finally {
    await study.close();
  }
}

/**
 * The study's data: prepared once (here, not in each worker), fingerprinted, split
 * for validation and copied into shared memory. The prepared task is dropped on
 * return, so only the shared copy stays in memory.
 */
async function prepareStudyData(options: ExploreOptions, validationFraction: number) {
  const task = options.task ?? (await prepareTask(options.request));
  const primarySensitive = options.sensitive ?? task.train.sensitive[0]?.name;
  if (!primarySensitive)
    throw new UserError(`${task.name} has no sensitive attribute: name one with --sensitive`);
  // The data layer hashes the raw rows, labels, groups and split seed (not X, which a
  // privately fitted preprocessor encodes differently on every run).
  const fingerprint = task.fingerprint;
  const data = shareTrialData(
    trialDataOf(task, { validationFraction, splitSeed: options.seed, primarySensitive }),
  );
  const description = {
    name: task.name,
    target: task.target,
    positive: task.positiveLabel,
    sensitive: task.train.sensitive.map((s) => s.name),
    primarySensitive,
    features: task.featureNames.length,
  };
  return { data, description, fingerprint };
}

async function readMetadata(location: string): Promise<Record<string, unknown>> {
  const study = await Study.openReadOnly(location);
  try {
    return study.metadata;
  } finally {
    await study.close();
  }
}

/** The data as a user named it: a file by its name, a registry data set by its. */
function dataLabel(request: TaskRequest): string {
  return /\.(csv|arff)(\.gz)?$/i.test(request.data) || existsSync(request.data)
    ? `the data file ${basename(request.data)}`
    : `the data set ${request.data}`;
}

/** The most accurate feasible trial so far, in one line. */
function bestLine(summary: StudySummary): string {
  let best: StudySummary["decoded"][number] | undefined;
  for (const trial of summary.decoded) {
    if (trial.feasible && (!best || trial.validation.accuracy > best.validation.accuracy)) best = trial;
  }
  if (!best) return "no feasible trial yet";
  const v = best.validation;
  return `most accurate: ${v.accuracy.toFixed(4)} at ε ${formatEpsilon(v.epsilon)}, DP gap ${v.dpDifference.toFixed(3)}`;
}

export function formatEpsilon(epsilon: number): string {
  return Number.isFinite(epsilon) ? epsilon.toPrecision(3) : "∞";
}
