/**
 * Joining an explorer study as one more worker (`equipoise worker --study URL`):
 * everything that defines the study — data, sensitive attribute, objectives,
 * constraints, strategy, seeds, privacy settings, budget — is read from the study
 * itself, and only what belongs to this machine (threads, backend, where the data
 * files are) is given. The result is the options of an `explore` run that resumes the
 * study, so a worker trains exactly the trials `explore` would, through the same code,
 * and the explorer's resume checks (same data fingerprint, same split) apply to it.
 */
import { UserError } from "../common/errors.js";
import { findDataset } from "../data/index.js";
import { displayLocation, type StoredDefinition, Study } from "../search/index.js";
import type { ExploreOptions } from "./explorer.js";
import { parseConstraint, parseObjectives } from "./objectives.js";
import { explorerMetadata } from "./summary.js";

/**
 * What a worker joining a study gives: the location, and what belongs to its machine.
 *
 * @example
 * ```ts
 * import { explore, type JoinOptions, joinStudyOptions } from "equipoise/explore";
 * const join: JoinOptions = { location: "postgres://me@db/equipoise?study=adult", workers: 2, backend: "wasm" };
 * const options = await joinStudyOptions(join); // data, space, seeds and budget come from the study
 * await explore(options);
 * ```
 */
export interface JoinOptions {
  /** The study: `postgres://USER@HOST/DB?study=NAME` or an SQLite file shared by processes. */
  location: string;
  /** The data file, for a study made on a file; a registry data set is found by its name. */
  data?: string;
  /** Local copies of fetched data sets (compas, fashion-mnist). */
  dataDir?: string;
  /** Overrides the budget recorded in the study. */
  budget?: number;
  workers?: number;
  backend?: string;
  batchTrials?: number;
  /** Called with each event of the trials this worker runs. */
  onEvent?: ExploreOptions["onEvent"];
}

/**
 * The explore options that make this process one more worker of the study at `location`.
 *
 * @example
 * ```ts
 * import { explore, joinStudyOptions } from "equipoise/explore";
 * const options = await joinStudyOptions({ location: "postgres://me@db/equipoise?study=adult" });
 * await explore(options); // one more worker on the same study: its data, space and budget
 * ```
 */
export async function joinStudyOptions(options: JoinOptions): Promise<ExploreOptions> {
  const shown = displayLocation(options.location);
  const study = await Study.openReadOnly(options.location);
  let definition: StoredDefinition;
  let recordedBudget: number | null;
  try {
    definition = await study.store.definition();
    recordedBudget = await study.store.budget();
  } finally {
    await study.close();
  }
  const metadata = explorerMetadata(definition, shown);
  const selection = metadata.privateSelection;
  if (selection && options.budget !== undefined && options.budget !== selection.trials)
    throw new UserError(
      `study ${shown} is a private selection of ${selection.trials} trials drawn at random (their number is part of its epsilon): drop --budget`,
    );
  // A private selection is joined with the mean it was drawn for; explore runs its drawn trials.
  const budget = selection ? selection.distribution.mean : (options.budget ?? recordedBudget);
  if (budget === null)
    throw new UserError(`study ${shown} records no budget (it predates workers): give one with --budget N`);
  const registry = findDataset(metadata.dataset) !== undefined;
  if (!registry && !options.data) {
    throw new UserError(
      `study ${shown} was made on the data file ${metadata.dataset}: give this machine's copy with --data FILE (its fingerprint is checked)`,
    );
  }
  if (metadata.accountant !== "rdp" && metadata.accountant !== "prv")
    throw new UserError(`study ${shown} names an unknown accountant '${metadata.accountant}'`);
  return {
    request: {
      data: options.data ?? metadata.dataset,
      ...(metadata.target ? { target: metadata.target } : {}),
      ...(metadata.positive ? { positive: metadata.positive } : {}),
      sensitive: metadata.sensitive,
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      seed: metadata.splitSeed,
    },
    sensitive: metadata.primarySensitive,
    objectives: parseObjectives(definition.objectives.map((o) => o.name).join(",")),
    constraints: definition.constraints.map((c) => parseConstraint(c.name)),
    strategy: definition.strategy as ExploreOptions["strategy"],
    budget,
    studyPath: options.location,
    seed: definition.seed,
    delta: metadata.delta,
    accountant: metadata.accountant,
    validationFraction: metadata.validationFraction,
    // The settings that define the experiment: a worker runs the study's, never its own.
    ...(selection ? { privateSelection: { epsilon: selection.targetEpsilon } } : {}),
    ...(metadata.interplayLevers ? { interplayLevers: true } : {}),
    ...(metadata.sensitiveLdp ? { sensitiveLdp: metadata.sensitiveLdp.epsilon } : {}),
    ...(metadata.measured ? { privacyCost: metadata.measured.privacyCost } : {}),
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.backend ? { backend: options.backend } : {}),
    ...(options.batchTrials !== undefined ? { batchTrials: options.batchTrials } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  };
}
