/**
 * `explore`: the accuracy–privacy–fairness Pareto front of a dataset, found by a
 * multi-objective search over a space fitted to the data (space.ts). The data is
 * prepared once, here — with the preprocessing a private trial may use (study-data.ts)
 * — and shared with the worker threads that run the trials; the search sees validation
 * metrics only; the Pareto trials are reported on test. With `privateSelection`, the
 * study is a private selection instead (private-selection.ts): K random trials, all
 * private, and one of them released with an ε that covers the choice.
 */
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename } from "node:path";
import { DEFAULT_DELTA } from "../common/defaults.js";
import { UsageError, UserError } from "../common/errors.js";
import type { PreparedTask, TaskRequest } from "../data/index.js";
import { encodeModelMetrics } from "../fit/metrics.js";
import { PRIVACY_COST_GAP } from "../interplay/explorer-levers.js";
import { initBackend } from "../nn/index.js";
import {
  displayLocation,
  optimize,
  type StrategyName,
  Study,
  StudyNotFoundError,
  type TrialRecord,
} from "../search/index.js";
import { balancedClassWeights, meanClassWeight } from "./class-weights.js";
import { type Constraint, constraintValue, normaliseObjective, type ObjectiveName } from "./objectives.js";
import { WorkerPool } from "./pool.js";
import {
  type PrivateSelectionPlan,
  planPrivateSelection,
  preprocessingEpsilon,
  type SelectionPreprocessing,
} from "./private-selection.js";
import { trainReferenceModel } from "./reference.js";
import { checkResumable } from "./resume.js";
import { privatiseStudyData } from "./sensitive-ldp.js";
import {
  type DataProfile,
  EPSILON_RANGE,
  explorerSpace,
  offersClassWeighting,
  type SpacePrivacy,
  selectionGrid,
} from "./space.js";
import { prepareStudyData } from "./study-data.js";
import {
  type ExplorerMetadata,
  type StudyPreprocessing,
  type StudySummary,
  summariseStudy,
} from "./summary.js";
import type { TrialData, TrialSettings } from "./trial.js";
import { withMeasuredMetrics } from "./trial-interplay.js";
import { penaltyTargetOf } from "./trial-train-flags.js";

/**
 * What {@link explore} runs: the data, the objectives and constraints, the strategy and budget,
 * where the study lives, and the privacy settings.
 *
 * @example
 * ```ts
 * import { type ExploreOptions, explore, parseConstraint } from "equipoise/explore";
 * const options: ExploreOptions = {
 *   request: { data: "adult", sensitive: ["sex"] },
 *   objectives: ["accuracy", "epsilon", "dp"],
 *   constraints: [parseConstraint("accuracy>=0.8")],
 *   budget: 40,
 *   seed: 0,
 *   studyPath: "adult.db", // a rerun resumes the study
 *   workers: 2,
 * };
 * const { summary } = await explore(options);
 * ```
 */
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
  /** Default: "bo", or "random" under private selection (the only strategy it allows). */
  strategy?: StrategyName;
  /** Trials of the study; under private selection, the MEAN number of trials. */
  budget: number;
  /**
   * Where the study lives: an SQLite file or `postgres://USER@HOST/DB?study=NAME`
   * (created, or joined by workers on other machines); undefined keeps it in memory.
   */
  studyPath?: string;
  /** Trials evaluated at once in this process (default: the number of cores); 0 creates or joins the study and runs none. */
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
  /**
   * Private selection: every trial private, the number of trials random with mean
   * `budget`, and the selected trial's ε — which covers its training, the preprocessing
   * and the choice — at most `epsilon` (private-selection.ts).
   */
  privateSelection?: { epsilon: number };
  /**
   * The interplay levers in the space (issue 13): under DP, plain DP-SGD or group-aware
   * clipping (DPSGD-F) and its γ. Not with private selection.
   */
  interplayLevers?: boolean;
  /**
   * Run the whole study with the primary sensitive attribute reported under this ε of
   * local DP (randomized response, simulated; sensitive-ldp.ts): training sees the
   * reported values only and every fairness figure is debiased.
   */
  sensitiveLdp?: number;
  /**
   * Train every private trial's matched non-private model and store the per-group cost
   * of privacy (default: true, except under private selection, which stores nothing of
   * the trials it does not release). Forced on when privacy-cost-gap is an objective or
   * a constraint.
   */
  privacyCost?: boolean;
  /** GP-BO's Sobol' trials before the model takes over (default BO_INITIAL_SAMPLES, or BO_INITIAL_SAMPLES_LEVERS with the interplay levers; benchmarks vary it). */
  boInitialSamples?: number;
  /** Called with each {@link ExploreEvent}: the reference model, each trial, notes. */
  onEvent?: (event: ExploreEvent) => void;
}

/**
 * Progress of a run: notes for the user, and every finished trial.
 *
 * @example
 * ```ts
 * import { type ExploreEvent, explore } from "equipoise/explore";
 * const onEvent = (event: ExploreEvent) => {
 *   if (event.kind === "note") console.log(event.text);
 *   else console.log(`${event.done}/${event.budget}: trial ${event.trial.number} ${event.trial.state} (${event.progress})`);
 * };
 * await explore({ request: { data: "adult", sensitive: ["sex"] }, objectives: ["accuracy", "epsilon"], constraints: [], budget: 20, seed: 0, onEvent });
 * ```
 */
export type ExploreEvent =
  | { kind: "note"; text: string }
  /** `progress`: the search so far in a few words (no trial's results under private selection). */
  | { kind: "trial"; done: number; budget: number; trial: TrialRecord; progress: string };

/**
 * A finished run: the study's summary (front, hypervolumes, trials) and the facts of the run.
 *
 * @example
 * ```ts
 * import { type ExploreResult, explore } from "equipoise/explore";
 * const result: ExploreResult = await explore({
 *   request: { data: "adult", sensitive: ["sex"] }, objectives: ["accuracy", "epsilon", "dp"], constraints: [], budget: 40, seed: 0,
 * });
 * console.log(`${result.summary.pareto.length} Pareto trials in ${result.wallSeconds} s on ${result.workers} workers (${result.backend})`);
 * result.summary.hypervolume.test; // the front's hypervolume, scored on the test split
 * ```
 */
export interface ExploreResult {
  summary: StudySummary;
  strategy: string;
  constraints: string[];
  workers: number;
  backend: string;
  wallSeconds: number;
  studyPath: string | null;
}

/**
 * What each trial records of the run that trained it (`report` shows them; they may change between runs of a study).
 *
 * @example
 * ```ts
 * import type { RunFacts } from "equipoise/explore";
 * import { Study } from "equipoise/search";
 * const study = await Study.openReadOnly("adult.db");
 * const [trial] = await study.trials(["complete"]);
 * const run = trial.metrics?.run as RunFacts | undefined; // the explore run that trained it
 * if (run) console.log(run.id, run.workers, run.backend, run.version);
 * ```
 */
export interface RunFacts {
  /** One id per `explore` run. */
  id: string;
  workers: number;
  batchTrials: number;
  backend: string;
  version: string;
}

/**
 * Sobol' trials before GP-BO takes over. The strategy's generic default, 2·(d+1), would
 * leave about half of a 40-trial budget to the model. Chosen on VALIDATION hypervolume
 * (bench/explore-settings.bench.ts --phase select; BENCHMARKS.md "Explorer settings"):
 * on Adult, 40 trials, selection seed 100, 10 gave 0.298 against 0.253 with 22 and
 * 0.204 with 5 (one seed each, on a shared machine: weak evidence). An earlier choice
 * of the same value was made on test hypervolume; this one replaces it.
 */
export const BO_INITIAL_SAMPLES = 10;

/**
 * Sobol' trials before GP-BO takes over in the space with the interplay levers (three more
 * parameters, one of them a three-way choice of private method). Chosen on VALIDATION
 * hypervolume (bench/explore-settings.bench.ts --phase select --budget 60
 * --interplay-levers; BENCHMARKS.md "The interplay in the explorer"): Adult, 60 trials,
 * selection seeds 100–105, 24 gave 0.290 against 0.272 with 10 and 0.255 with 16.
 */
export const BO_INITIAL_SAMPLES_LEVERS = 24;

/** Trials per ensemble when batching (see ExploreOptions.batchTrials; BENCHMARKS.md "Batched trials"). */
export const DEFAULT_BATCH_TRIALS = 1;

/**
 * The accuracy × privacy × fairness explorer (`equipoise explore`): trains a non-private reference
 * model, then `budget` trials of the explorer's space chosen by the strategy on the validation split,
 * stored in a study that a rerun resumes; the front is chosen on validation and scored on test.
 *
 * @example
 * ```ts
 * import { explore, parseConstraint } from "equipoise/explore";
 * const { summary } = await explore({
 *   request: { data: "adult", sensitive: ["sex"] },
 *   objectives: ["accuracy", "epsilon", "dp"],
 *   constraints: [parseConstraint("epsilon<=8")],
 *   budget: 40,
 *   seed: 0,
 *   studyPath: "adult.db",
 * });
 * summary.pareto.map((i) => summary.decoded[i].test.accuracy);
 * ```
 *
 * @example
 * ```ts
 * import { explore } from "equipoise/explore";
 * const { summary } = await explore({
 *   request: { data: "synthetic", synthetic: { rows: 1000 }, seed: 0 },
 *   sensitive: "group",
 *   objectives: ["accuracy", "epsilon", "dp"],
 *   constraints: [{ metric: "epsilon", op: "<=", bound: 10, text: "epsilon<=10" }],
 *   strategy: "random",
 *   budget: 3,
 *   workers: 1,
 *   seed: 0,
 *   studyPath: "explore-study.db",
 * });
 * console.log(summary.pareto.map((i) => summary.decoded[i].test));
 * ```
 */
export async function explore(options: ExploreOptions): Promise<ExploreResult> {
  const started = performance.now();
  const emit = options.onEvent ?? (() => {});
  const workers = options.workers ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 0)
    throw new UserError(`--workers must be a whole number ≥ 0, got ${workers}`);
  if (!Number.isInteger(options.budget) || options.budget < 1) {
    throw new UserError(`--budget must be a whole number ≥ 1, got ${options.budget}`);
  }
  const batchTrials = options.batchTrials ?? DEFAULT_BATCH_TRIALS;
  if (!Number.isInteger(batchTrials) || batchTrials < 1)
    throw new UserError(`batchTrials must be a whole number ≥ 1, got ${batchTrials}`);
  const selecting = options.privateSelection !== undefined;
  const strategy = options.strategy ?? (selecting ? "random" : "bo");
  const delta = options.delta ?? DEFAULT_DELTA;
  const accountant = options.accountant ?? "rdp";
  if (selecting) checkSelectionOptions(strategy, accountant, options);
  const measured = measuredFigures(options, selecting);
  if (
    options.sensitiveLdp !== undefined &&
    !(options.sensitiveLdp > 0 && Number.isFinite(options.sensitiveLdp))
  )
    throw new UsageError(`--sensitive-ldp must be an epsilon > 0, got ${options.sensitiveLdp}`);
  const validationFraction = options.validationFraction ?? 0.2;
  const backend = await initBackend(options.backend);
  // Trial threads load their modules and tensor backend while the data is prepared below
  // (a worker process's start-up is otherwise two module loads, one after the other).
  const pool =
    workers > 0
      ? new WorkerPool(Math.min(workers, options.budget), { backend: backend.name }, batchTrials)
      : undefined;
  try {
    const location = options.studyPath ?? ":memory:";
    const shown = displayLocation(location);
    // A file that is not a study is refused here, before any work.
    const stored = (options.studyPath ? await readMetadataIfExists(location) : undefined) as
      | Partial<ExplorerMetadata>
      | undefined;
    const prepared = await prepareStudyData(options, {
      validationFraction,
      stored: stored?.preprocessing,
      noise: selecting ? "secure" : "seeded",
    });
    const { description, fingerprint, preprocessing } = prepared;
    const data =
      options.sensitiveLdp !== undefined
        ? privatiseStudyData(prepared.data, options.sensitiveLdp, options.seed)
        : prepared.data;
    if (options.sensitiveLdp !== undefined)
      emit({
        kind: "note",
        text: `${description.primarySensitive} reported under local DP (randomized response, ε = ${options.sensitiveLdp}; simulated, seeded): fairness gaps and group rates are debiased estimates`,
      });
    const splitSeed = options.request.seed ?? 0;
    // Resuming: the study must have been made on the same split of the same data, and
    // it keeps its stored reference model, preprocessing and private selection, so that
    // neither the normalisation nor ε drift between runs.
    if (stored) {
      checkResumable(
        stored,
        { dataset: description.name, dataLabel: dataLabel(options.request), splitSeed, fingerprint },
        shown,
      );
      checkInterplayResumable(stored, options, shown);
    }
    if (selecting && preprocessing.mode === "fit") {
      throw new UserError(
        `--private-selection needs preprocessing that ε covers (public metadata, or bounds for a private fit): ${preprocessing.notes.join("; ")}`,
      );
    }
    const profile: DataProfile = {
      trainRows: data.train.X.rows,
      minorityShare: minorityShare(data.validation.y),
    };
    const classWeights = offersClassWeighting(profile, options.objectives.includes("balanced-accuracy"))
      ? classWeightsOf(data)
      : undefined;
    const selectionPreprocessing: SelectionPreprocessing = {
      releases: preprocessing.releases,
      thresholdDelta: preprocessing.thresholdDelta,
    };
    const spacePrivacy = spacePrivacyOf(
      options,
      profile,
      preprocessingEpsilon(selectionPreprocessing, delta),
    );
    const space = explorerSpace(profile, {
      privacy: spacePrivacy,
      classWeighting: classWeights !== undefined,
      interplayLevers: options.interplayLevers === true,
    });

    const referenceTrainedOn = selecting ? "validation" : "training";
    let reference = stored?.reference;
    if (!reference) {
      emit({
        kind: "note",
        text: `training the reference model (logistic regression, non-private, unmitigated${selecting ? ", on the validation split" : ""})`,
      });
      const model = trainReferenceModel(data, referenceTrainedOn);
      reference = {
        validation: encodeModelMetrics(model.validation),
        test: encodeModelMetrics(model.test),
        basis: { validation: model.validationBasis, test: model.testBasis },
        trainedOn: referenceTrainedOn,
      };
    }
    const selection = selecting
      ? selectionPlanOf(options, stored, profile, spacePrivacy, delta, selectionPreprocessing, emit)
      : undefined;
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
      preprocessing,
      profile,
      ...(classWeights ? { classWeights } : {}),
      ...(selection ? { privateSelection: selection } : {}),
      ...(options.interplayLevers ? { interplayLevers: true } : {}),
      measured,
      ...(options.sensitiveLdp !== undefined
        ? { sensitiveLdp: { epsilon: options.sensitiveLdp, attribute: description.primarySensitive } }
        : {}),
    };
    const study = await Study.open(location, {
      space,
      objectives: options.objectives.map((name) => ({ name, direction: "minimize" as const })),
      constraints: options.constraints.map((c) => ({ name: c.text })),
      strategy,
      seed: options.seed,
      strategyOptions: {
        referencePoint: options.objectives.map(() => 1),
        ...(strategy === "bo"
          ? {
              initialSamples:
                options.boInitialSamples ??
                (options.interplayLevers ? BO_INITIAL_SAMPLES_LEVERS : BO_INITIAL_SAMPLES),
            }
          : {}),
        ...(selecting ? { independent: true } : {}),
      },
      metadata: metadata as unknown as Record<string, unknown>,
    });
    const settings: TrialSettings = {
      delta,
      accountant,
      fairness: penaltyTargetOf(options.objectives),
      noise: selecting ? "secure" : "seeded",
      // Private selection counts the preprocessing releases once, beside the selection.
      preprocessing: selection ? { ...preprocessing, releases: [], thresholdDelta: 0 } : preprocessing,
      ...(classWeights ? { classWeights } : {}),
      measure: measured,
      ...(selection
        ? {
            selection: {
              noise: selection.candidates.map(({ batch, epochs, noise }) => ({ batch, epochs, noise })),
              epsilon: selection.epsilon,
            },
          }
        : {}),
    };
    const budget = selection ? selection.trials : options.budget;
    try {
      // Workers that join later (`equipoise worker`) run until this budget is spent (under
      // private selection, the drawn number of trials).
      await study.store.setBudget(budget);
      const basis = reference.basis.validation;
      let done = (await study.trials(["complete", "failed", "pruned"])).length;
      if (done > 0) emit({ kind: "note", text: `resuming the study: ${done} trials already finished` });
      if (done < budget && pool) {
        const poolSize = Math.min(workers, budget - done);
        const inFlight = Math.min(poolSize * batchTrials, budget - done);
        const run: RunFacts = {
          id: crypto.randomUUID(),
          workers: poolSize,
          batchTrials,
          backend: backend.name,
          version: packageVersion(),
        };
        pool.configure({ data, settings }, poolSize);
        await pool.ready();
        await optimize(
          study,
          async (config, trial) => {
            const outcome = await pool.run(config, trial.seed);
            // The search is told validation metrics only (normalised with the validation
            // basis); test metrics are stored for the report and never reach the strategy.
            const validation = withMeasuredMetrics(outcome.validation, outcome, "validation");
            return {
              objectives: options.objectives.map((name) => normaliseObjective(name, validation, basis)),
              constraints: options.constraints.map((c) => constraintValue(c, validation)),
              metrics: {
                validation: encodeModelMetrics(outcome.validation),
                test: encodeModelMetrics(outcome.test),
                recipe: outcome.recipe,
                privacy: outcome.privacy,
                trainSeconds: outcome.trainSeconds,
                run,
                ...(outcome.privacyCost ? { privacyCost: outcome.privacyCost } : {}),
                ...(outcome.membership ? { membership: outcome.membership } : {}),
              },
            };
          },
          {
            budget,
            concurrency: inFlight,
            // With other processes in the study, a trial whose worker dies is redone here.
            waitForOthers: true,
            onWait: (running) =>
              emit({
                kind: "note",
                text: `no trial left to start: waiting for ${running.length} running on other workers (redone here if their worker dies)`,
              }),
            onTrial: async (trial) => {
              const summary = summariseStudy(await study.snapshot(), shown);
              // Counted from the store: other workers finish trials of a shared study too.
              done = summary.trials.total - summary.trials.running;
              // Under private selection only the selected trial is released: the others'
              // results are not shown, not even as a running best.
              const progress = selection
                ? "private selection: results are shown for the selected trial only, at the end"
                : progressLine(summary);
              emit({ kind: "trial", done, budget, trial, progress });
            },
          },
        );
        if (batchTrials > 1) {
          const { trials, ensembles } = pool.batching;
          emit({
            kind: "note",
            text: `batched trials: ${trials} trials trained in ${ensembles} ensembles`,
          });
        }
      }
      const summary = summariseStudy(await study.snapshot(), shown);
      return {
        summary,
        strategy,
        constraints: options.constraints.map((c) => c.text),
        workers,
        backend: backend.name,
        wallSeconds: (performance.now() - started) / 1000,
        studyPath: options.studyPath ? shown : null,
      };
    } finally {
      await study.close();
    }
  } finally {
    await pool?.close();
  }
}

/** What each trial measures beyond its metrics (trial-interplay.ts). */
function measuredFigures(options: ExploreOptions, selecting: boolean): NonNullable<TrialSettings["measure"]> {
  const named = new Set<string>([...options.objectives, ...options.constraints.map((c) => c.metric)]);
  const gapNamed = named.has(PRIVACY_COST_GAP);
  return {
    privacyCost: gapNamed || (!selecting && options.privacyCost !== false),
    membershipRisk: named.has("mia"),
  };
}

/** A study resumed with other interplay settings would mix trials of two experiments. */
function checkInterplayResumable(
  stored: Partial<ExplorerMetadata>,
  options: ExploreOptions,
  shown: string,
): void {
  const storedLdp = stored.sensitiveLdp?.epsilon;
  if (storedLdp !== options.sensitiveLdp)
    throw new UserError(
      `${shown} was made ${storedLdp === undefined ? "without --sensitive-ldp" : `with --sensitive-ldp ${storedLdp}`}; resume it with the same setting or use another --study`,
    );
  if ((stored.interplayLevers === true) !== (options.interplayLevers === true))
    throw new UserError(
      `${shown} was made ${stored.interplayLevers ? "with" : "without"} --interplay-levers; resume it with the same setting or use another --study`,
    );
}

function checkSelectionOptions(strategy: StrategyName, accountant: string, options: ExploreOptions): void {
  const named = [...options.objectives, ...options.constraints.map((c) => c.metric)];
  for (const name of [PRIVACY_COST_GAP, "mia"] as const) {
    if (named.includes(name))
      throw new UsageError(
        `--private-selection ranks trials by figures its epsilon covers; '${name}' is computed without noise from training rows (drop it)`,
      );
  }
  if (options.interplayLevers)
    throw new UsageError(
      "--private-selection accounts a fixed grid of DP-SGD candidates: drop --interplay-levers",
    );
  if (strategy !== "random") {
    throw new UsageError(
      `--private-selection draws every trial at random: its bound (Papernot & Steinke 2022) does not cover an adaptive strategy such as '${strategy}' (drop --strategy)`,
    );
  }
  if (accountant !== "rdp") {
    throw new UsageError(
      "--private-selection is accounted in RDP (Papernot & Steinke's bound is a Rényi-DP bound): drop --accountant prv",
    );
  }
}

/**
 * How the space treats privacy. The lowest target ε stays above twice what the
 * study's private preprocessing costs alone, so that every target leaves DP-SGD room
 * (a target the preprocessing already spends cannot be calibrated).
 */
function spacePrivacyOf(
  options: ExploreOptions,
  profile: DataProfile,
  preprocessingCost: number,
): SpacePrivacy {
  if (options.privateSelection) return { kind: "selection", ...selectionGrid(profile) };
  const epsilonLow = Math.max(EPSILON_RANGE[0], 2 * preprocessingCost);
  if (!(epsilonLow < EPSILON_RANGE[1]))
    throw new UserError(`the private preprocessing alone costs epsilon ${preprocessingCost.toPrecision(3)}`);
  return options.objectives.includes("epsilon")
    ? { kind: "private", epsilonLow }
    : { kind: "mixed", epsilonLow };
}

/** The stored plan of a resumed selection (K is never drawn twice), else a new one. */
function selectionPlanOf(
  options: ExploreOptions,
  stored: Partial<ExplorerMetadata> | undefined,
  profile: DataProfile,
  privacy: SpacePrivacy,
  delta: number,
  preprocessing: SelectionPreprocessing,
  emit: (event: ExploreEvent) => void,
): PrivateSelectionPlan {
  const asked = options.privateSelection!.epsilon;
  const previous = stored?.privateSelection;
  if (stored && !previous)
    throw new UserError("this study was not made with --private-selection; use another --study file");
  if (previous) {
    if (previous.distribution.mean !== options.budget || previous.targetEpsilon !== asked) {
      throw new UserError(
        `this private selection was created with --budget ${previous.distribution.mean} and --epsilon ${previous.targetEpsilon} (its ${previous.trials} trials were drawn for them); give the same values`,
      );
    }
    return previous;
  }
  if (privacy.kind !== "selection") throw new Error("private selection needs the selection space");
  emit({ kind: "note", text: `calibrating the private selection to a total epsilon of ${asked}` });
  const plan = planPrivateSelection({
    trainRows: profile.trainRows,
    grid: { batches: privacy.batches, epochs: privacy.epochs },
    targetEpsilon: asked,
    delta,
    meanTrials: options.budget,
    preprocessing,
  });
  emit({
    kind: "note",
    text: `private selection: ${plan.trials} trials drawn (geometric, mean ${options.budget}), each calibrated to epsilon ${plan.trialEpsilon.toPrecision(3)}; the selected trial's epsilon ${plan.epsilon.toPrecision(3)} covers the choice`,
  });
  return plan;
}

function minorityShare(labels: ArrayLike<number>): number {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] === 1 ? 1 : 0;
  return labels.length > 0 ? Math.min(positives, labels.length - positives) / labels.length : 0.5;
}

function classWeightsOf(data: TrialData): { weights: number[]; mean: number } {
  const weights = balancedClassWeights(data.validation.y, data.numClasses);
  return { weights, mean: meanClassWeight(data.validation.y, weights) };
}

/** The stored study's metadata, or undefined when there is no study there yet. */
async function readMetadataIfExists(location: string): Promise<Record<string, unknown> | undefined> {
  if (location === ":memory:") return undefined;
  let study: Study;
  try {
    study = await Study.openReadOnly(location);
  } catch (error) {
    if (error instanceof StudyNotFoundError) return undefined;
    throw error;
  }
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

/** This package's version (package.json beside src/ and dist/), for the run facts. */
function packageVersion(): string {
  try {
    const json = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    return typeof json.version === "string" ? json.version : "unknown";
  } catch {
    return "unknown";
  }
}

/** The validation hypervolume and the most accurate feasible trial so far, in one line. */
function progressLine(summary: StudySummary): string {
  let best: StudySummary["decoded"][number] | undefined;
  for (const trial of summary.decoded) {
    if (trial.feasible && (!best || trial.validation.accuracy > best.validation.accuracy)) best = trial;
  }
  const hypervolume = `hypervolume ${summary.hypervolume.validation.toFixed(4)}`;
  if (!best) return `${hypervolume} · no feasible trial yet`;
  const v = best.validation;
  return `${hypervolume} · most accurate: ${v.accuracy.toFixed(4)} at ε ${formatEpsilon(v.epsilon)}, DP gap ${v.dpDifference.toFixed(3)}`;
}

export function formatEpsilon(epsilon: number): string {
  return Number.isFinite(epsilon) ? epsilon.toPrecision(3) : "∞";
}

export type { StudyPreprocessing };
