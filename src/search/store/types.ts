/**
 * The study-store interface: everything the runner, the explorer, reports and a
 * dashboard read from or write to a study, and nothing else. Every method returns
 * a Promise so that a networked store (PostgreSQL, for studies shared by many
 * machines) implements the same interface as the embedded SQLite one, and one
 * contract suite (test/search/store-contract.ts) checks both.
 *
 * A store owns all of a study's persistence (no SQL outside it): the definition,
 * the schema version, the trials and the workers' membership. What it does not
 * own is the search itself: a claim asks the caller for the new trial's
 * configuration (`ClaimRequest.propose`), handing it the trials the store holds,
 * so that any worker can rebuild the strategy's state from the store alone.
 */
import type { Configuration, SearchSpace, SearchSpaceJSON } from "../space.js";

/**
 * Whether an objective is minimised or maximised.
 *
 * @example
 * ```ts
 * import type { Direction, ObjectiveSpec } from "equipoise/search";
 * const direction: Direction = "maximize";
 * const accuracy: ObjectiveSpec = { name: "accuracy", direction };
 * ```
 */
export type Direction = "minimize" | "maximize";

/**
 * One objective of a study: its name and direction.
 *
 * @example
 * ```ts
 * import { type ObjectiveSpec, Study, zdt1 } from "equipoise/search";
 * const objectives: ObjectiveSpec[] = [
 *   { name: "f1", direction: "minimize" },
 *   { name: "f2", direction: "minimize" },
 * ];
 * const study = await Study.open(":memory:", { space: zdt1(4).space, objectives, strategy: "random", seed: 0 });
 * ```
 */
export interface ObjectiveSpec {
  /** The objective's name, as reports and the CLI show it. */
  name: string;
  direction: Direction;
  /** Free-form normalisation information (e.g. reference gaps), stored and compared as given. */
  normalization?: Record<string, unknown>;
}

/**
 * A constraint value is feasible iff <= 0.
 *
 * @example
 * ```ts
 * import { type ConstraintSpec, Study, zdt1 } from "equipoise/search";
 * const constraints: ConstraintSpec[] = [{ name: "gap", description: "fairness gap − 0.05 (feasible when ≤ 0)" }];
 * const study = await Study.open(":memory:", {
 *   space: zdt1(4).space, objectives: [{ name: "f1", direction: "minimize" }], constraints, strategy: "random", seed: 0,
 * });
 * ```
 */
export interface ConstraintSpec {
  name: string;
  description?: string;
}

/**
 * What a caller asks a study to be.
 *
 * @example
 * ```ts
 * import { Study, type StudyDefinition, zdt1 } from "equipoise/search";
 * const definition: StudyDefinition = {
 *   space: zdt1(4).space,
 *   objectives: [{ name: "f1", direction: "minimize" }, { name: "f2", direction: "minimize" }],
 *   strategy: "nsga2",
 *   seed: 0,
 *   strategyOptions: { populationSize: 20 },
 * };
 * const study = await Study.open("zdt.db", definition); // reopening checks the definition is the same
 * ```
 */
export interface StudyDefinition {
  space: SearchSpace | SearchSpaceJSON;
  objectives: ObjectiveSpec[];
  constraints?: ConstraintSpec[];
  strategy: string;
  seed: number;
  /** Strategy settings, e.g. { populationSize: 20 }; the strategy's state is rebuilt from the trials. */
  strategyOptions?: Record<string, unknown>;
  /** Dataset, training settings...: anything that must match when the study is reopened. */
  metadata?: Record<string, unknown>;
}

/**
 * A definition as a store holds it: plain JSON, every optional part present.
 *
 * @example
 * ```ts
 * import { openStudyStore, type StoredDefinition } from "equipoise/search";
 * const store = await openStudyStore("study.db", { readOnly: true });
 * const stored: StoredDefinition = await store.definition();
 * console.log(stored.strategy, stored.objectives.map((o) => o.name), stored.space.parameters.length);
 * ```
 */
export interface StoredDefinition {
  space: SearchSpaceJSON;
  objectives: ObjectiveSpec[];
  constraints: ConstraintSpec[];
  strategy: string;
  seed: number;
  strategyOptions: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/**
 * A trial's state: running, or finished as complete, failed or pruned.
 *
 * @example
 * ```ts
 * import { Study, type TrialState } from "equipoise/search";
 * const study = await Study.openReadOnly("study.db");
 * const finished: TrialState[] = ["complete", "pruned"];
 * const trials = await study.trials(finished);
 * ```
 */
export type TrialState = "running" | "complete" | "failed" | "pruned";
/**
 * Every {@link TrialState}.
 *
 * @example
 * ```ts
 * import { Study, trialStates } from "equipoise/search";
 * trialStates; // ["running", "complete", "failed", "pruned"]
 * const trials = await (await Study.openReadOnly("study.db")).trials();
 * for (const state of trialStates) console.log(state, trials.filter((t) => t.state === state).length);
 * ```
 */
export const trialStates: readonly TrialState[] = ["running", "complete", "failed", "pruned"];

/**
 * A stored trial: its configuration, state, objective and constraint values, metrics and timing.
 *
 * @example
 * ```ts
 * import { Study, type TrialRecord } from "equipoise/search";
 * const study = await Study.openReadOnly("study.db");
 * const trials: TrialRecord[] = await study.trials(["complete"]);
 * for (const t of trials) console.log(t.number, t.config, t.objectives, t.durationMs);
 * ```
 */
export interface TrialRecord {
  /** The store's key for the trial (stable, unique in a study). */
  id: number;
  /** 0, 1, 2...: the order in which trials were claimed; unique in a study. */
  number: number;
  config: Configuration;
  state: TrialState;
  /** In each objective's own direction (not negated); null unless complete. */
  objectives: number[] | null;
  constraints: number[] | null;
  metrics: Record<string, unknown> | null;
  /** The seed the evaluation should use; the same on a retry. */
  seed: number;
  error: string | null;
  workerId: string | null;
  attempts: number;
  /** Milliseconds since the epoch. */
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
}

/**
 * One process (or one runner inside a process) taking part in a study.
 *
 * @example
 * ```ts
 * import { newWorkerIdentity, type WorkerIdentity } from "equipoise/search";
 * const me: WorkerIdentity = newWorkerIdentity(); // a fresh id, this host and this process id
 * console.log(me.id, me.host, me.pid);
 * ```
 */
export interface WorkerIdentity {
  id: string;
  host: string;
  pid: number;
}

/**
 * A worker registered on a study, with the time of its last heartbeat.
 *
 * @example
 * ```ts
 * import { isWorkerAlive, openStudyStore, type WorkerRecord } from "equipoise/search";
 * const store = await openStudyStore("study.db", { readOnly: true });
 * const workers: WorkerRecord[] = await store.workers();
 * const alive = workers.filter((w) => isWorkerAlive(w, Date.now(), { staleAfterMs: 600_000 }));
 * ```
 */
export interface WorkerRecord extends WorkerIdentity {
  /** Milliseconds since the epoch of its last sign of life. */
  heartbeatAt: number;
}

/**
 * When a worker counts as dead (see liveness.ts).
 *
 * @example
 * ```ts
 * import { copyStudy, type LivenessPolicy } from "equipoise/search";
 * const liveness: LivenessPolicy = { staleAfterMs: 60_000 }; // silent for a minute: presumed dead
 * const summary = await copyStudy("study.db", "backup.db", liveness);
 * ```
 */
export interface LivenessPolicy {
  /** A worker silent for longer than this is dead, whichever host it runs on. */
  staleAfterMs: number;
}

/**
 * What `propose` sees: the study's trials in one snapshot, taken at the claim.
 *
 * @example
 * ```ts
 * import type { ClaimView, Configuration } from "equipoise/search";
 * // a `propose` for StudyStore.claimTrial: it sees the study at the claim
 * const propose = (view: ClaimView): Configuration => {
 *   console.log(`trial ${view.number}: ${view.complete.length} complete, ${view.running.length} running`);
 *   return { x: Math.random() };
 * };
 * ```
 */
export interface ClaimView {
  /** Complete trials, by number (the strategy's observations). */
  complete: TrialRecord[];
  /** Trials running anywhere, by number (the strategy's pending points). */
  running: TrialRecord[];
  /** The number the new trial will get. */
  number: number;
}

/**
 * What a worker asks {@link StudyStore.claimTrial} for: its id, the study's budget, the retry policy and how to propose a new trial.
 *
 * @example
 * ```ts
 * import { type ClaimRequest, newWorkerIdentity, type StudyStore } from "equipoise/search";
 * declare const store: StudyStore; // an open, writable store (see openStudyStore)
 * const worker = newWorkerIdentity();
 * await store.registerWorker(worker, { staleAfterMs: 600_000 });
 * const request: ClaimRequest = { workerId: worker.id, budget: 20, maxAttempts: 2, staleAfterMs: 600_000, propose: () => ({ x: 0.5 }) };
 * const claim = await store.claimTrial(request); // null once the study holds 20 trials
 * ```
 */
export interface ClaimRequest extends LivenessPolicy {
  workerId: string;
  /** Total number of trials in the study (failed ones included); never exceeded, across every worker. */
  budget: number;
  /**
   * How many times a trial may be started. A dead worker's running trial is retried
   * (same number, parameters and seed) while it has had fewer attempts; after that
   * it is marked failed, so a trial that kills its worker cannot loop forever.
   */
  maxAttempts: number;
  /**
   * The configuration of a new trial, from a snapshot of the study taken with no lock
   * held (src/search/store/claim.ts). It is stored only if no other trial was claimed
   * since that snapshot, so no two stored trials were proposed from the same view;
   * otherwise it is thrown away and `propose` is called again with a fresh view (after
   * three such conflicts, once more under the study's write lock). So it may be called
   * more than once per claim, and a trial that finished while it ran may appear in its
   * view as running. It must be synchronous — a Strategy's `ask` is.
   */
  propose: (view: ClaimView) => Configuration;
}

/**
 * A trial a worker has claimed and must run: its configuration, seed and attempt.
 *
 * @example
 * ```ts
 * import type { StudyStore, TrialClaim } from "equipoise/search";
 * declare const store: StudyStore; // an open, writable store (see openStudyStore)
 * declare const workerId: string; // a registered worker (see StudyStore.registerWorker)
 * const claim: TrialClaim | null = await store.claimTrial({ workerId, budget: 20, maxAttempts: 2, staleAfterMs: 600_000, propose: () => ({ x: 0.5 }) });
 * if (claim) console.log(`run trial ${claim.number} on`, claim.config, `seed ${claim.seed}, attempt ${claim.attempts}`);
 * ```
 */
export interface TrialClaim {
  /** The store's key for the trial. */
  id: number;
  number: number;
  config: Configuration;
  seed: number;
  /** 1, or more when this is a retry of a trial whose worker died. */
  attempts: number;
}

/**
 * What a worker stores when a trial ends.
 *
 * @example
 * ```ts
 * import type { StudyStore, TrialClaim, TrialResult } from "equipoise/search";
 * declare const store: StudyStore; // an open, writable store (see openStudyStore)
 * declare const workerId: string; // the worker that claimed the trial
 * declare const claim: TrialClaim; // from store.claimTrial
 * const result: TrialResult = { state: "complete", objectives: [0.12, 0.03], startedAt: Date.now() - 1_500 };
 * const stored = await store.finishTrial(claim.id, workerId, result); // null if another worker took the trial over
 * ```
 */
export interface TrialResult {
  /** How the trial ended. */
  state: "complete" | "failed" | "pruned";
  /** In the study's objective order and directions; required when complete. */
  objectives?: number[];
  constraints?: number[];
  metrics?: Record<string, unknown>;
  error?: string;
  /** When the evaluation started (ms since the epoch), for its duration. */
  startedAt: number;
}

/**
 * Where a study lives (SQLite file, PostgreSQL, in memory): definition, trials and workers, shared safely by
 * many processes. Open one with {@link openStudyStore}; most users go through {@link Study}.
 *
 * @example
 * ```ts
 * import { openStudyStore, type StudyStore } from "equipoise/search";
 * const store: StudyStore = await openStudyStore("study.db", { readOnly: true });
 * const complete = await store.trials(["complete"]);
 * console.log(store.location, await store.schemaVersion(), complete.length, await store.budget());
 * await store.close();
 * ```
 */
export interface StudyStore {
  /** Where the study lives (a file path, a database URL), for messages. */
  readonly location: string;
  readonly readOnly: boolean;
  /** The schema version of the stored study (the store migrates older ones on a writable open). */
  schemaVersion(): Promise<number>;
  /** The study's definition as stored. */
  definition(): Promise<StoredDefinition>;
  /** The definition's metadata (dataset, settings...). */
  metadata(): Promise<Record<string, unknown>>;
  /** The trials, by number; only those in `states` when given. */
  trials(states?: readonly TrialState[]): Promise<TrialRecord[]>;
  /** Joins the study; also removes the rows of workers that are dead under `liveness`. */
  registerWorker(worker: WorkerIdentity, liveness: LivenessPolicy): Promise<void>;
  /** Proves that the worker is alive (its running trials are not retried by others). */
  heartbeat(workerId: string): Promise<void>;
  /** Leaves the study (normal exit or a signal); its running trials become retriable at once. */
  unregisterWorker(workerId: string): Promise<void>;
  /** The workers registered on the study. */
  workers(): Promise<WorkerRecord[]>;
  /**
   * Atomically, across every process sharing the study: a dead worker's running trial
   * (retried, or failed once out of attempts), else a new trial proposed by
   * `request.propose` while the budget lasts, else null.
   */
  claimTrial(request: ClaimRequest): Promise<TrialClaim | null>;
  /**
   * Stores a finished trial, unless another worker took it over meanwhile (then the
   * stored trial is left alone and null is returned).
   */
  finishTrial(trialId: number, workerId: string, result: TrialResult): Promise<TrialRecord | null>;
  /**
   * The study's budget (its total number of trials) as last recorded by a run that
   * created or joined it, so that a worker joining later knows when to stop; null if
   * none was ever recorded.
   */
  budget(): Promise<number | null>;
  /** Sets the study's total trial budget. */
  setBudget(budget: number): Promise<void>;
  /**
   * Adds trials exactly as given (numbers 0..n-1, parameters, states, results, seeds,
   * attempts, workers, times; the store assigns its own ids) to a study that has none,
   * in one transaction: how a study moves between stores. Running trials stay running
   * under their old worker, who is not a member here, so they are retried.
   */
  importTrials(trials: readonly TrialRecord[]): Promise<void>;
  /** Closes the connection; the study stays on disk. */
  close(): Promise<void>;
}

/**
 * How to open a study: create-or-open with a definition check, or read-only.
 *
 * @example
 * ```ts
 * import { type OpenStudyOptions, openStudyStore, zdt1 } from "equipoise/search";
 * const readOnly: OpenStudyOptions = { readOnly: true };
 * const createOrOpen: OpenStudyOptions = {
 *   definition: { space: zdt1(4).space, objectives: [{ name: "f1", direction: "minimize" }], strategy: "random", seed: 0 },
 *   timeoutMs: 10_000,
 * };
 * const store = await openStudyStore("f1.db", createOrOpen); // created, or reopened after checking its definition
 * ```
 */
export type OpenStudyOptions =
  | {
      /** Creates the study, or reopens it after checking it was created with this definition. */
      definition: StudyDefinition;
      readOnly?: false;
      /**
       * How long to wait for a store that is busy or unreachable (default 60 s): a locked
       * SQLite file, a PostgreSQL server that went away mid-study.
       */
      timeoutMs?: number;
    }
  | { readOnly: true; definition?: undefined; timeoutMs?: number };
