/**
 * The standard membership-inference experiment (Carlini et al. 2022, §V): a pool of N
 * rows of the training split; a target and K shadow models, each trained with the
 * same recipe on its own random half of the pool; every pool row is a candidate,
 * member of the target or not with probability ½. RMIA's population samples are
 * further training-split rows that no model sees. Every model's DP noise and batch
 * sampling are seeded from the experiment's seed, so a run is reproducible (these
 * models measure; they are not for release).
 */

import { DEFAULT_DELTA } from "../common/defaults.js";
import { UserError } from "../common/errors.js";
import { createRandom, permutation } from "../common/rng.js";
import { selectSplit } from "../data/split.js";
import type { Split } from "../data/types.js";
import { parseRecipe, type Recipe, type RecipeInput } from "../fit/index.js";
import { AUDIT_FORMAT, AUDIT_VERSION, type AuditDocument } from "./document.js";
import { type AttackInput, checkAttacks, runAttacks, verdictOf } from "./run-attacks.js";
import { type RunJobsOptions, runJobs } from "./shadow-pool.js";
import type { AuditTrainingData, TrainedSignals, TrainingJob } from "./training.js";

/**
 * The data of an audit: a prepared task's training split and what describes it.
 *
 * @example
 * ```ts
 * import { type AuditTask, membershipExperiment } from "equipoise/audit";
 * import type { PreparedTask } from "equipoise/data";
 * declare const task: PreparedTask; // from prepareTask (equipoise/data)
 * const auditTask: AuditTask = { ...task, inputShape: task.imageShape ?? [task.train.X.cols] };
 * const doc = await membershipExperiment(auditTask, { recipe: { model: "logreg" }, pool: 1000, shadows: 8, seed: 0, attacks: ["loss", "lira"] });
 * ```
 */
export interface AuditTask {
  name: string;
  train: Split;
  numClasses: number;
  inputShape: readonly number[];
  featureNames: readonly string[];
}

/**
 * Settings of {@link membershipExperiment}: the recipe every model trains with, the pool size N,
 * the number of shadows K, the seed, the attacks, and how the models are trained.
 *
 * @example
 * ```ts
 * import { type AuditTask, type ExperimentOptions, membershipExperiment } from "equipoise/audit";
 * declare const auditTask: AuditTask; // see AuditTask
 * const options: ExperimentOptions = {
 *   recipe: { model: "mlp:64", epochs: 10, privacy: { targetEpsilon: 8, clip: 1 } },
 *   pool: 2000, // N candidates, each a member of the target with probability ½
 *   shadows: 16, // K shadow models, each on its own random half of the pool
 *   seed: 0,
 *   attacks: ["loss", "lira", "rmia"],
 *   engine: "workers",
 * };
 * const doc = await membershipExperiment(auditTask, options);
 * ```
 */
export interface ExperimentOptions extends Omit<RunJobsOptions, "onProgress"> {
  recipe: RecipeInput | Recipe;
  /** Rows of the pool (N). */
  pool: number;
  /** Shadow models (K). */
  shadows: number;
  seed: number;
  attacks: readonly string[];
  /** At most this many population rows for RMIA (default 10,000). */
  population?: number;
  bootstrapReplicates?: number;
  /** Feature columns hidden from attribute inference besides the attribute's own. */
  hide?: readonly string[];
  /** Called after each trained model (the target counts as one). */
  onProgress?: (done: number, total: number, seconds: number) => void;
}

/**
 * Population rows RMIA compares candidates against, at most (default).
 *
 * @example
 * ```ts
 * import { DEFAULT_POPULATION, type AuditTask, membershipExperiment } from "equipoise/audit";
 * declare const auditTask: AuditTask;
 * DEFAULT_POPULATION; // 10,000: RMIA's z-samples are at most this many rows no model trains on, unless `population` says otherwise
 * await membershipExperiment(auditTask, { recipe: { model: "logreg" }, pool: 1000, shadows: 4, seed: 0, attacks: ["rmia"], population: 2000 });
 * ```
 */
export const DEFAULT_POPULATION = 10_000;

/** A derived seed per model: the experiment's seed picks them, so runs repeat. */
function modelSeeds(seed: number, count: number): number[] {
  const random = createRandom(seed).fork();
  return Array.from({ length: count }, () => random.uint32() >>> 1);
}

/**
 * The recipe of model k: its own initialisation, batches and (seeded) DP noise.
 *
 * @example
 * ```ts
 * import { recipeForModel } from "equipoise/audit";
 * import { parseRecipe } from "equipoise/fit";
 * const shadow = recipeForModel(parseRecipe({ model: "logreg", privacy: { noiseMultiplier: 1, clip: 1 } }), 7);
 * shadow.seed; // 7
 * shadow.privacy?.noiseSeed; // 7: the shadow's own, reproducible DP noise
 * ```
 */
export function recipeForModel(recipe: Recipe, seed: number): Recipe {
  return {
    ...recipe,
    seed,
    ...(recipe.privacy ? { privacy: { ...recipe.privacy, noiseSeed: seed } } : {}),
  };
}

/** A random half of 0..n−1 (ascending). */
export function randomHalf(n: number, seed: number): Int32Array {
  return permutation(n, createRandom(seed))
    .slice(0, Math.floor(n / 2))
    .sort();
}

function membershipOf(rows: Int32Array, n: number): Uint8Array {
  const flags = new Uint8Array(n);
  for (const i of rows) flags[i] = 1;
  return flags;
}

/**
 * The trained signals of an experiment, before any attack: what the benchmark re-attacks with fewer shadows.
 *
 * @example
 * ```ts
 * import { type AuditTask, type ExperimentSignals, experimentAttackInput, experimentSignals, runAttacks } from "equipoise/audit";
 * declare const auditTask: AuditTask;
 * const signals: ExperimentSignals = await experimentSignals(auditTask, { recipe: { model: "logreg" }, pool: 1000, shadows: 16, seed: 0, attacks: ["lira"] });
 * signals.shadows.length; // 16
 * signals.target.epsilon; // the target's accountant ε (Infinity: not private)
 * // re-attack the same models with only the first 4 shadows
 * runAttacks(["lira"], experimentAttackInput(auditTask, signals, { seed: 0, shadows: 4 }));
 * ```
 */
export interface ExperimentSignals {
  recipe: Recipe;
  pool: Split;
  population?: Split;
  /** The target's φ (and logits) on the pool rows and the population rows. */
  target: TrainedSignals;
  shadows: TrainedSignals[];
  isMember: Uint8Array;
  /** Which pool rows each shadow trained on. */
  inTraining: Uint8Array[];
  trainingSeconds: number;
}

/**
 * Trains the target and the K shadows of the experiment (options.attacks decides whether population rows are needed).
 *
 * @example
 * ```ts
 * import { type AuditTask, experimentAttackInput, experimentSignals, runAttacks } from "equipoise/audit";
 * declare const auditTask: AuditTask; // see membershipExperiment; train once, attack several ways
 * const signals = await experimentSignals(auditTask, { recipe: { model: "logreg" }, pool: 200, shadows: 8, seed: 0, attacks: ["lira"] });
 * const findings = runAttacks(["lira", "lira-offline"], experimentAttackInput(auditTask, signals, { seed: 0 }));
 * ```
 */
export async function experimentSignals(
  task: AuditTask,
  options: ExperimentOptions,
): Promise<ExperimentSignals> {
  const recipe = parseRecipe(options.recipe);
  const { pool: n, shadows: k, seed } = options;
  const attacks = checkAttacks(options.attacks, k);
  const available = task.train.X.rows;
  if (!(Number.isInteger(n) && n >= 4)) throw new UserError(`--pool must be a whole number ≥ 4, got ${n}`);
  if (n > available) {
    throw new UserError(`--pool ${n} is larger than the training split of ${task.name} (${available} rows)`);
  }
  if (!(Number.isInteger(k) && k >= 0)) throw new UserError(`--shadows must be a whole number ≥ 0, got ${k}`);
  const order = permutation(available, createRandom(seed));
  const poolRows = order.slice(0, n).sort();
  const wantsPopulation = attacks.some((a) => a === "rmia" || a === "rmia-offline");
  const populationRows = wantsPopulation
    ? order.slice(n, n + (options.population ?? DEFAULT_POPULATION)).sort()
    : new Int32Array(0);
  if (wantsPopulation && populationRows.length === 0) {
    throw new UserError(
      `RMIA needs population rows that no model trains on, but --pool ${n} takes the whole training split; lower --pool or drop rmia`,
    );
  }
  const pool = selectSplit(task.train, poolRows);
  const population = populationRows.length > 0 ? selectSplit(task.train, populationRows) : undefined;
  const data: AuditTrainingData = {
    pool,
    numClasses: task.numClasses,
    inputShape: task.inputShape,
    candidates: { X: pool.X, y: pool.y },
    ...(population ? { population: { X: population.X, y: population.y } } : {}),
  };
  const seeds = modelSeeds(seed, k + 1);
  const halves = seeds.map((s) => randomHalf(n, s));
  const jobs: TrainingJob[] = seeds.map((s, j) => ({
    recipe: recipeForModel(recipe, s),
    rows: halves[j],
    ...(j === 0 ? { keepLogits: true } : {}),
  }));
  const started = performance.now();
  const [target, ...shadows] = await runJobs(jobs, data, options);
  return {
    recipe,
    pool,
    ...(population ? { population } : {}),
    target,
    shadows,
    isMember: membershipOf(halves[0], n),
    inTraining: halves.slice(1).map((h) => membershipOf(h, n)),
    trainingSeconds: (performance.now() - started) / 1000,
  };
}

/**
 * The standard experiment's findings for the requested attacks, from the signals of `experimentSignals`.
 *
 * @example
 * ```ts
 * import { type AuditTask, type ExperimentSignals, experimentAttackInput, runAttacks } from "equipoise/audit";
 * declare const auditTask: AuditTask; // see membershipExperiment
 * declare const signals: ExperimentSignals; // from experimentSignals with 16 shadows; attack with only the first 4
 * const input = experimentAttackInput(auditTask, signals, { seed: 0, shadows: 4 });
 * runAttacks(["lira"], input).attacks[0].auc;
 * ```
 */
export function experimentAttackInput(
  task: AuditTask,
  signals: ExperimentSignals,
  options: { seed: number; shadows?: number; bootstrapReplicates?: number; hide?: readonly string[] },
): AttackInput {
  const { target, pool, population } = signals;
  const k = options.shadows ?? signals.shadows.length;
  const shadows = signals.shadows.slice(0, k);
  return {
    target: {
      phi: target.candidates,
      ...(target.logits ? { logits: target.logits } : {}),
      outputs: target.outputs,
    },
    isMember: signals.isMember,
    shadows: { phi: shadows.map((s) => s.candidates), inTraining: signals.inTraining.slice(0, k) },
    ...(population
      ? { population: { target: target.population!, shadows: shadows.map((s) => s.population!) } }
      : {}),
    features: pool.X,
    featureNames: task.featureNames,
    sensitive: pool.sensitive,
    delta: signals.recipe.privacy?.delta ?? DEFAULT_DELTA,
    seed: options.seed,
    ...(options.bootstrapReplicates ? { bootstrapReplicates: options.bootstrapReplicates } : {}),
    ...(options.hide ? { hide: options.hide } : {}),
  };
}

/**
 * The standard membership experiment (Carlini et al. 2022): a pool of N training rows, a target and
 * K shadows each trained with `options.recipe` on a random half, every candidate attacked with the
 * requested attacks; returns the audit document with the accountant's ε beside the audited bounds.
 *
 * @example
 * ```ts
 * import { membershipExperiment } from "equipoise/audit";
 * import type { PreparedTask } from "equipoise/data";
 * declare const task: PreparedTask; // see prepareTask in equipoise/data; the tensor backend initialised
 * const auditTask = { ...task, inputShape: [task.train.X.cols] };
 * const doc = await membershipExperiment(auditTask, { recipe: { model: "logreg", epochs: 3 }, pool: 200, shadows: 4, seed: 0, attacks: ["loss", "lira"] });
 * doc.attacks.map((a) => a.auc); // each attack's AUC with its interval
 * doc.verdict.message; // the audited ε lower bound beside the accountant's ε
 * ```
 */
export async function membershipExperiment(
  task: AuditTask,
  options: ExperimentOptions,
): Promise<AuditDocument> {
  const attacks = checkAttacks(options.attacks, options.shadows);
  const signals = await experimentSignals(task, options);
  const { recipe, pool, target, trainingSeconds } = signals;
  const n = pool.X.rows;
  const k = signals.shadows.length;
  const seed = options.seed;
  const members = signals.isMember.reduce((a, b) => a + b, 0);
  const delta = recipe.privacy?.delta ?? DEFAULT_DELTA;
  const findings = runAttacks(attacks, experimentAttackInput(task, signals, options));
  const bounds = findings.attacks.map((a) => ({ value: a.epsilonLowerBound.value, source: a.label }));
  const notes = [
    `each model trains on a random half of the pool (${Math.floor(n / 2)} rows) with the recipe's settings; initialisation, batches and DP noise are seeded from --seed ${seed} for reproducibility`,
    `each attack's ε bound is held out (threshold chosen on one half of the candidates, measured on the other) at ${(findings.boundConfidence * 100).toFixed(2)} % confidence, so that the largest of the ${findings.attacks.length} holds at 95 %`,
    ...findings.notes,
    ...target.warnings,
  ];
  return {
    format: AUDIT_FORMAT,
    version: AUDIT_VERSION,
    kind: "experiment",
    created: new Date().toISOString(),
    data: { name: task.name, features: pool.X.cols, sensitive: pool.sensitive.map((s) => s.name) },
    recipe: { ...recipe },
    target: {
      model: recipe.model,
      trainRows: members,
      epsilon: target.epsilon,
      delta,
      ...(target.privacy ? { privacy: target.privacy } : {}),
    },
    setup: {
      candidates: n,
      members,
      nonMembers: n - members,
      shadows: k,
      pool: n,
      population: signals.population?.X.rows ?? 0,
      seed,
      engine: options.engine === "serial" ? "serial" : `workers (${options.workers ?? "one per core"})`,
      trainingSeconds,
      attackSeconds: findings.seconds,
    },
    attacks: findings.attacks,
    ...(findings.attribute ? { attribute: findings.attribute } : {}),
    verdict: verdictOf(target.epsilon, delta, bounds, 0.95),
    notes,
  };
}
