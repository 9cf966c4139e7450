/**
 * A study: one search (space, objectives, constraints, strategy, metadata) and its
 * trials, kept by a study store (store/), so that it survives crashes and can be
 * shared by several workers. This facade holds the definition in memory and reads
 * the trials through the store; it has no persistence of its own.
 *
 * Trials left "running" by a dead worker are RETRIED with the same number, the same
 * parameters and the same seed by the next worker that claims a trial (`attempts`
 * counts the starts; after `maxAttempts` the trial is failed instead): numbers are
 * never skipped or repeated, and the strategy's proposals are not thrown away.
 */
import { paretoFront } from "./pareto.js";
import { SearchSpace } from "./space.js";
import {
  type ConstraintSpec,
  type ObjectiveSpec,
  openStudyStore,
  type StoredDefinition,
  type StudyDefinition,
  type StudyStore,
  type TrialRecord,
  type TrialState,
} from "./store/index.js";

export type {
  ConstraintSpec,
  Direction,
  ObjectiveSpec,
  StudyDefinition,
  TrialRecord,
  TrialState,
} from "./store/index.js";

/**
 * A study's definition and all of its trials, read at one moment: what summaries are computed from.
 *
 * @example
 * ```ts
 * import { Study, type StudySnapshot } from "equipoise/search";
 * const study = await Study.openReadOnly("study.db");
 * const snapshot: StudySnapshot = await study.snapshot(); // the definition and every trial, read at once
 * console.log(snapshot.location, snapshot.objectives.map((o) => o.name), snapshot.trials.length);
 * ```
 */
export interface StudySnapshot {
  location: string;
  objectives: readonly ObjectiveSpec[];
  constraints: readonly ConstraintSpec[];
  strategy: string;
  seed: number;
  metadata: Record<string, unknown>;
  /** Every trial, by number. */
  trials: TrialRecord[];
}

/**
 * A study: one search (space, objectives, constraints, strategy) and its trials, kept by a store (an
 * SQLite file, ":memory:" or PostgreSQL) so that it survives crashes and is shared by workers. Run
 * it with {@link optimize}.
 *
 * @example
 * ```ts
 * import { optimize, Study, zdt1 } from "equipoise/search";
 * const problem = zdt1(4); // a test problem with its search space
 * const study = await Study.open("zdt.db", {
 *   space: problem.space,
 *   objectives: [
 *     { name: "f1", direction: "minimize" },
 *     { name: "f2", direction: "minimize" },
 *   ],
 *   strategy: "random",
 *   seed: 1,
 * });
 * await optimize(study, async (config) => problem.evaluate(config), { budget: 5 });
 * await study.close();
 * ```
 */
export class Study {
  readonly space: SearchSpace;
  readonly objectives: readonly ObjectiveSpec[];
  readonly constraints: readonly ConstraintSpec[];
  readonly strategy: string;
  readonly seed: number;
  readonly strategyOptions: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;

  private constructor(
    readonly store: StudyStore,
    stored: StoredDefinition,
  ) {
    this.space = SearchSpace.fromJSON(stored.space);
    this.objectives = stored.objectives;
    this.constraints = stored.constraints;
    this.strategy = stored.strategy;
    this.seed = stored.seed;
    this.strategyOptions = stored.strategyOptions;
    this.metadata = stored.metadata;
  }

  /** Where the study lives (file path, ":memory:", database URL). */
  get location(): string {
    return this.store.location;
  }

  /**
   * Creates the study, or reopens it after checking that it was created with the
   * same definition (a UserError names the first difference). A file that exists
   * but is not a study is refused and left untouched.
   */
  static async open(location: string, definition: StudyDefinition): Promise<Study> {
    return Study.over(await openStudyStore(location, { definition }));
  }

  /** Opens an existing study as it is, without writing anything (reports, the dashboard). */
  static async openReadOnly(location: string): Promise<Study> {
    return Study.over(await openStudyStore(location, { readOnly: true }));
  }

  /** A facade over an already open store. */
  static async over(store: StudyStore): Promise<Study> {
    return new Study(store, await store.definition());
  }

  /** The study's trials by number, optionally only those in the given states. */
  trials(states?: readonly TrialState[]): Promise<TrialRecord[]> {
    return this.store.trials(states);
  }

  /** The definition and every trial, read at once (what reports and summaries work from). */
  async snapshot(): Promise<StudySnapshot> {
    return {
      location: this.location,
      objectives: this.objectives,
      constraints: this.constraints,
      strategy: this.strategy,
      seed: this.seed,
      metadata: this.metadata,
      trials: await this.store.trials(),
    };
  }

  /** A complete trial's objectives, every one turned into a quantity to minimise (maximised ones negated). */
  minimizedObjectives(trial: TrialRecord): number[] {
    return minimizedObjectives(this.objectives, trial);
  }

  /** The complete, feasible trials that no other complete feasible trial dominates. */
  async paretoTrials(): Promise<TrialRecord[]> {
    const feasible = (await this.trials(["complete"])).filter((t) =>
      (t.constraints ?? []).every((c) => c <= 0),
    );
    return paretoFront(feasible.map((t) => this.minimizedObjectives(t))).map((i) => feasible[i]);
  }

  /** Closes the store (the study file or the database connections). */
  close(): Promise<void> {
    return this.store.close();
  }
}

/**
 * A trial's objective values, each turned into a quantity to minimise (maximised ones negated).
 *
 * @throws RangeError when the trial has no objective values.
 * @example
 * ```ts
 * import { minimizedObjectives, type TrialRecord } from "equipoise/search";
 * declare const trial: TrialRecord; // a complete trial of a study maximising accuracy
 * minimizedObjectives([{ name: "accuracy", direction: "maximize" }, { name: "epsilon", direction: "minimize" }], trial);
 * // [-accuracy, epsilon]
 * ```
 */
export function minimizedObjectives(objectives: readonly ObjectiveSpec[], trial: TrialRecord): number[] {
  if (!trial.objectives) throw new RangeError(`trial ${trial.number} has no objective values`);
  return trial.objectives.map((v, k) => (objectives[k].direction === "maximize" ? -v : v));
}
