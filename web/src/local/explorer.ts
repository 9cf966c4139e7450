/**
 * The explorer in the browser: the same study as `equipoise explore --data FILE.csv`
 * (same preparation of the CSV, split, reference model, search space, definition,
 * objectives and stored metrics, so the study it writes is a study file like the
 * CLI's), with three differences of place: the data is text the user dropped, the
 * study lives in sql.js (persisted by the page), and trials run in Web Workers.
 *
 * It mirrors src/explore/explorer.ts step by step; the steps themselves (trialDataOf,
 * trainReferenceModel, normaliseObjective, constraintValue, the codecs, optimize)
 * are the library's, called here as there.
 */
import type { SqlJsStatic } from "sql.js";
import { DEFAULT_DELTA } from "../../../src/common/defaults.js";
import { UserError } from "../../../src/common/errors.js";
import { readCsv } from "../../../src/data/csv.js";
import { buildTabularTask } from "../../../src/data/tabular-task.js";
import { BO_INITIAL_SAMPLES } from "../../../src/explore/explorer.js";
import {
  type Constraint,
  constraintValue,
  normaliseObjective,
  type ObjectiveName,
  parseConstraint,
} from "../../../src/explore/objectives.js";
import { trainReferenceModel } from "../../../src/explore/reference.js";
import { checkResumable } from "../../../src/explore/resume.js";
import { EPSILON_RANGE, explorerSpace } from "../../../src/explore/space.js";
import type { ExplorerMetadata } from "../../../src/explore/summary.js";
import type { TrialData, TrialOutcome, TrialSettings } from "../../../src/explore/trial.js";
import { trialDataOf } from "../../../src/explore/trial-data.js";
import { CONSTRAINT_SHORT_NAMES } from "../../../src/fairness/constraint.js";
import { encodeModelMetrics as encodeSplitMetrics } from "../../../src/fit/metrics.js";
import { type Configuration, optimize, Study } from "../../../src/search/index.js";
import type { StrategyName } from "../../../src/search/strategies/index.js";
import type { BackendPreference } from "./backend-choice.js";
import { SqlJsStudyStore } from "./sqljs-store.js";

/** What a page asks for: everything `explore` takes, with the data as the CSV's text. */
export interface LocalStudyRequest {
  id: string;
  fileName: string;
  target: string;
  positive?: string;
  sensitive: string;
  objectives: ObjectiveName[];
  constraints: string[];
  strategy: StrategyName;
  budget: number;
  seed: number;
  workers: number;
  /** The trial workers' tensor backend (absent in studies saved before the choice existed: "auto"). */
  backend?: BackendPreference;
}

/** Trials in Web Workers (trial-worker.ts): the page's equivalent of explore/pool.ts. */
export interface TrialRunner {
  /** Starts the workers; resolves to the backend each one trains on, with the reason. */
  start(
    data: TrialData,
    settings: TrialSettings,
    workers: number,
    backend: BackendPreference,
  ): Promise<{ backend: string; reason: string }[]>;
  run(config: Configuration, seed: number): Promise<TrialRun>;
  close(): void;
}

/** A trial's outcome, and the tensor backend it trained on. */
export interface TrialRun {
  outcome: TrialOutcome;
  backend: string;
}

export interface LocalStudyHooks {
  SQL: SqlJsStatic;
  runner: TrialRunner;
  /** The study's bytes, when it has them (a study being resumed). */
  stored?: Uint8Array;
  note(text: string): void;
  /** After each write (claim, finished trial): persist the bytes. */
  persist(store: SqlJsStudyStore): void;
  /** Once the study is open (before its first trial). */
  onOpen(study: Study): Promise<void> | void;
  /** After each finished trial. */
  onTrial(study: Study): Promise<void> | void;
}

const VALIDATION_FRACTION = 0.2;

export async function prepareLocalData(csvText: string, request: LocalStudyRequest) {
  const warnings: string[] = [];
  const table = readCsv(csvText, {
    delimiter: /\.tsv$/i.test(request.fileName) ? "\t" : undefined,
    source: request.fileName,
    onWarning: (message) => warnings.push(message),
  });
  const task = await buildTabularTask({
    warnings,
    name: request.fileName,
    table,
    target: request.target,
    positiveLabel: request.positive,
    sensitive: [request.sensitive],
    sensitiveInFeatures: false,
    seed: 0,
  });
  const data = trialDataOf(task, {
    validationFraction: VALIDATION_FRACTION,
    splitSeed: request.seed,
    primarySensitive: request.sensitive,
  });
  return { task, data, warnings: [...(task.warnings ?? []), ...warnings] };
}

/** Creates or resumes the study and runs it to its budget (or until stopped). Returns the open study. */
export async function runLocalStudy(
  csvText: string,
  request: LocalStudyRequest,
  hooks: LocalStudyHooks,
): Promise<Study> {
  if (!Number.isInteger(request.budget) || request.budget < 1)
    throw new UserError("the budget must be a whole number ≥ 1");
  const constraints: Constraint[] = request.constraints.map(parseConstraint);
  const settings: TrialSettings = {
    delta: DEFAULT_DELTA,
    accountant: "rdp",
    fairness:
      request.objectives.includes("eo") || request.objectives.includes("eop")
        ? CONSTRAINT_SHORT_NAMES.eo
        : CONSTRAINT_SHORT_NAMES.dp,
    // Browser studies are for exploring: seeded noise, preprocessing fitted on the rows
    // (the task's record says so, and makes every private trial not for release).
    noise: "seeded",
  };
  hooks.note("reading and preparing the data");
  const { task, data, warnings } = await prepareLocalData(csvText, request);
  settings.preprocessing = task.preprocessing;
  for (const warning of warnings) hooks.note(`warning: ${warning}`);
  const location = `browser:${request.id}`;
  let storedMetadata: Record<string, unknown> | undefined;
  if (hooks.stored) {
    const probe = new hooks.SQL.Database(hooks.stored);
    try {
      const row = probe.exec("SELECT metadata FROM study WHERE id = 1")[0]?.values[0]?.[0];
      storedMetadata = row ? JSON.parse(String(row)) : undefined;
    } finally {
      probe.close();
    }
    if (storedMetadata) {
      checkResumable(
        storedMetadata,
        {
          dataset: task.name,
          dataLabel: `the file ${request.fileName}`,
          splitSeed: 0,
          fingerprint: task.fingerprint,
        },
        request.id,
      );
    }
  }
  let reference = (storedMetadata as Partial<ExplorerMetadata> | undefined)?.reference;
  if (!reference) {
    hooks.note("training the reference model (logistic regression, non-private, unmitigated)");
    const model = trainReferenceModel(data);
    reference = {
      validation: encodeSplitMetrics(model.validation),
      test: encodeSplitMetrics(model.test),
      basis: { validation: model.validationBasis, test: model.testBasis },
    };
  }
  const metadata: ExplorerMetadata = {
    kind: "equipoise-explorer",
    dataset: task.name,
    target: task.target,
    positive: task.positiveLabel,
    sensitive: task.train.sensitive.map((s) => s.name),
    primarySensitive: request.sensitive,
    rows: { train: data.train.X.rows, validation: data.validation.X.rows, test: data.test.X.rows },
    features: task.featureNames.length,
    validationFraction: VALIDATION_FRACTION,
    splitSeed: 0,
    validationSeed: request.seed,
    fingerprint: task.fingerprint,
    delta: settings.delta,
    accountant: settings.accountant,
    reference,
  };
  const store = SqlJsStudyStore.open(
    hooks.SQL,
    location,
    {
      // The CLI explorer's space for these rows (explore/space.ts): ε a target when it is an
      // objective, DP a lever otherwise; no class-weighting lever in the browser yet.
      space: explorerSpace(
        { trainRows: data.train.X.rows, minorityShare: minorityShare(data.validation.y) },
        {
          privacy: {
            kind: request.objectives.includes("epsilon") ? "private" : "mixed",
            epsilonLow: EPSILON_RANGE[0],
          },
          classWeighting: false,
        },
      ),
      objectives: request.objectives.map((name) => ({ name, direction: "minimize" as const })),
      constraints: constraints.map((c) => ({ name: c.text })),
      strategy: request.strategy,
      seed: request.seed,
      strategyOptions: {
        referencePoint: request.objectives.map(() => 1),
        ...(request.strategy === "bo" ? { initialSamples: BO_INITIAL_SAMPLES } : {}),
      },
      metadata: metadata as unknown as Record<string, unknown>,
    },
    hooks.stored,
  );
  store.onWrite = () => hooks.persist(store);
  hooks.persist(store);
  const study = await Study.over(store);
  await hooks.onOpen(study);
  const done = (await study.trials(["complete", "failed", "pruned"])).length;
  if (done > 0) hooks.note(`resuming the study: ${done} trials already finished`);
  if (done >= request.budget) return study;
  hooks.note(`starting ${request.workers} trial worker(s)`);
  const started = await hooks.runner.start(
    data,
    settings,
    Math.min(request.workers, request.budget - done),
    request.backend ?? "auto",
  );
  for (const reason of new Set(started.map((s) => s.reason))) hooks.note(`trials train on ${reason}`);
  const basis = reference.basis.validation;
  try {
    await optimize(
      study,
      async (config, trial) => {
        const { outcome, backend } = await hooks.runner.run(config, trial.seed);
        return {
          objectives: request.objectives.map((name) => normaliseObjective(name, outcome.validation, basis)),
          constraints: constraints.map((c) => constraintValue(c, outcome.validation)),
          metrics: {
            validation: encodeSplitMetrics(outcome.validation),
            test: encodeSplitMetrics(outcome.test),
            recipe: outcome.recipe,
            privacy: outcome.privacy,
            trainSeconds: outcome.trainSeconds,
            backend,
          },
        };
      },
      {
        budget: request.budget,
        concurrency: request.workers,
        onTrial: async () => {
          await hooks.onTrial(study);
        },
      },
    );
  } finally {
    hooks.runner.close();
  }
  return study;
}

function minorityShare(labels: ArrayLike<number>): number {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] === 1 ? 1 : 0;
  return labels.length > 0 ? Math.min(positives, labels.length - positives) / labels.length : 0.5;
}
