/**
 * Auditing a trained model: its members are the rows it trained on (the training
 * split of its data, less any rows its recipe held out), its non-members the test
 * split, which it never saw. Shadows train with the recipe stored in the model file
 * on random subsets of members and non-members together, each as large as the
 * target's training set, so each candidate is IN some shadows and OUT of others. For
 * RMIA a random part of the test split is set aside as population rows that no model
 * trains on and that are not candidates.
 */
import { DEFAULT_DELTA } from "../common/defaults.js";
import { UserError } from "../common/errors.js";
import { decodeJsonNumber } from "../common/json.js";
import { createRandom, permutation } from "../common/rng.js";
import { selectSplit } from "../data/split.js";
import type { PreparedTask, Split } from "../data/types.js";
import { classesOf, type LoadedModel, planFit } from "../fit/index.js";
import { AUDIT_FORMAT, AUDIT_VERSION, type AuditDocument } from "./document.js";
import { recipeForModel } from "./experiment.js";
import { checkAttacks, runAttacks, verdictOf } from "./run-attacks.js";
import { modelSignals } from "./scoring.js";
import { type RunJobsOptions, runJobs } from "./shadow-pool.js";
import type { AuditTrainingData, TrainingJob } from "./training.js";

/**
 * Settings of {@link auditModel}: shadows, seed, attacks, and how the shadows are trained.
 *
 * @example
 * ```ts
 * import { auditModel, type ModelAuditOptions } from "equipoise/audit";
 * import type { PreparedTask } from "equipoise/data";
 * import type { LoadedModel } from "equipoise/fit";
 * declare const loaded: LoadedModel; declare const task: PreparedTask; // see auditModel
 * const options: ModelAuditOptions = { shadows: 16, seed: 0, attacks: ["loss", "lira-offline", "rmia"], population: 2000, engine: "serial" };
 * const doc = await auditModel(loaded, task, options);
 * doc.verdict.failed; // true only if an attack proves more than the accountant's ε
 * ```
 */
export interface ModelAuditOptions extends RunJobsOptions {
  shadows: number;
  seed: number;
  attacks: readonly string[];
  /** Test rows set aside as RMIA's population (default: a quarter of the test split, at most 5,000). */
  population?: number;
  bootstrapReplicates?: number;
  /** Feature columns hidden from attribute inference besides the attribute's own. */
  hide?: readonly string[];
}

/** Rows of two splits one after the other. */
function concatSplits(a: Split, b: Split): Split {
  const cols = a.X.cols;
  const data = new Float32Array((a.X.rows + b.X.rows) * cols);
  data.set(a.X.data.subarray(0, a.X.rows * cols));
  data.set(b.X.data.subarray(0, b.X.rows * cols), a.X.rows * cols);
  const y = new Float32Array(a.y.length + b.y.length);
  y.set(a.y);
  y.set(b.y, a.y.length);
  return {
    X: { rows: a.X.rows + b.X.rows, cols, data },
    y,
    sensitive: a.sensitive.map((attribute, k) => {
      const codes = new Int32Array(a.y.length + b.y.length);
      codes.set(attribute.codes);
      codes.set(b.sensitive[k].codes, a.y.length);
      return { ...attribute, codes };
    }),
  };
}

/**
 * Audits a model saved by `equipoise train`: its training rows are the members, test rows the
 * non-members; K shadows trained with the model's own recipe on random subsets of both.
 *
 * @example
 * ```ts
 * import { auditModel } from "equipoise/audit";
 * import { readModelFile } from "equipoise/fit";
 * import type { PreparedTask } from "equipoise/data";
 * import { readFileSync } from "node:fs";
 * const loaded = readModelFile(JSON.parse(readFileSync("model.json", "utf8")), "model.json");
 * declare const task: PreparedTask; // the model's data from prepareTask, with `preprocessor` set to the model's saved one
 * const doc = await auditModel(loaded, task, { shadows: 8, seed: 0, attacks: ["loss", "lira-offline"] });
 * doc.verdict.failed; // true only if an attack proves more leakage than the accountant's ε allows
 * ```
 */
export async function auditModel(
  loaded: LoadedModel,
  task: PreparedTask,
  options: ModelAuditOptions,
): Promise<AuditDocument> {
  const { recipe, model } = loaded;
  const { shadows: k, seed } = options;
  const attacks = checkAttacks(options.attacks, k);
  if (classesOf(model) !== task.numClasses) {
    throw new UserError(
      `model/data mismatch: the model predicts ${classesOf(model)} classes, the data's target has ${task.numClasses}`,
    );
  }
  const inputShape = task.imageShape ? [...task.imageShape] : [task.train.X.cols];
  // The rows the target trained on: its recipe may have held some out (a fairness reference split).
  const plan = planFit(recipe, { train: task.train, numClasses: task.numClasses, inputShape });
  const trainedRows = plan.rows ?? Int32Array.from({ length: task.train.X.rows }, (_, i) => i);
  const random = createRandom(seed);
  const wantsPopulation = attacks.some((a) => a === "rmia" || a === "rmia-offline");
  const testOrder = permutation(task.test.X.rows, random);
  const populationSize = wantsPopulation
    ? Math.min(options.population ?? Math.min(5000, Math.floor(task.test.X.rows / 4)), task.test.X.rows - 2)
    : 0;
  if (wantsPopulation && populationSize < 1) {
    throw new UserError(`RMIA needs population rows: the test split of ${task.name} is too small`);
  }
  const populationRows = testOrder.slice(0, populationSize).sort();
  const nonMemberRows = testOrder.slice(populationSize).sort();
  const pool = concatSplits(selectSplit(task.train, trainedRows), selectSplit(task.test, nonMemberRows));
  const population = populationSize > 0 ? selectSplit(task.test, populationRows) : undefined;
  const n = pool.X.rows;
  const isMember = new Uint8Array(n);
  isMember.fill(1, 0, trainedRows.length);

  const targetSignals = modelSignals(model, pool.X, pool.y);
  const targetPopulation = population ? modelSignals(model, population.X, population.y).phi : undefined;
  const data: AuditTrainingData = {
    pool,
    numClasses: task.numClasses,
    inputShape,
    candidates: { X: pool.X, y: pool.y },
    ...(population ? { population: { X: population.X, y: population.y } } : {}),
  };
  // Shadows train on as many rows as the target's training split (their recipe holds out the same share).
  const shadowSize = task.train.X.rows;
  const jobs: TrainingJob[] = Array.from({ length: k }, () => {
    const shadowSeed = random.uint32() >>> 1;
    return {
      recipe: recipeForModel(recipe, shadowSeed),
      rows: permutation(n, createRandom(shadowSeed)).slice(0, shadowSize).sort(),
    };
  });
  const started = performance.now();
  const trained = await runJobs(jobs, data, options);
  const trainingSeconds = (performance.now() - started) / 1000;
  const inTraining = jobs.map((job) => {
    const flags = new Uint8Array(n);
    for (const i of job.rows) flags[i] = 1;
    return flags;
  });
  const delta = recipe.privacy?.delta ?? DEFAULT_DELTA;
  const findings = runAttacks(attacks, {
    target: targetSignals,
    isMember,
    shadows: { phi: trained.map((t) => t.candidates), inTraining },
    ...(population
      ? { population: { target: targetPopulation!, shadows: trained.map((t) => t.population!) } }
      : {}),
    features: pool.X,
    featureNames: task.featureNames,
    sensitive: pool.sensitive,
    delta,
    seed,
    ...(options.bootstrapReplicates ? { bootstrapReplicates: options.bootstrapReplicates } : {}),
    ...(options.hide ? { hide: options.hide } : {}),
  });
  const privacy = loaded.metadata.privacy as Record<string, unknown> | undefined;
  const epsilon = recipe.privacy
    ? decodeJsonNumber(privacy?.epsilon ?? loaded.metadata.epsilon)
    : Number.POSITIVE_INFINITY;
  if (recipe.privacy && !Number.isFinite(epsilon)) {
    throw new UserError("the model file's recipe is private but it records no finite epsilon; retrain it");
  }
  const bounds = findings.attacks.map((a) => ({ value: a.epsilonLowerBound.value, source: a.label }));
  return {
    format: AUDIT_FORMAT,
    version: AUDIT_VERSION,
    kind: "model",
    created: new Date().toISOString(),
    data: { name: task.name, features: pool.X.cols, sensitive: pool.sensitive.map((s) => s.name) },
    recipe: { ...recipe },
    target: {
      model: recipe.model,
      trainRows: trainedRows.length,
      epsilon,
      delta,
      ...(privacy ? { privacy } : {}),
    },
    setup: {
      candidates: n,
      members: trainedRows.length,
      nonMembers: n - trainedRows.length,
      shadows: k,
      pool: n,
      population: populationSize,
      seed,
      engine: options.engine === "serial" ? "serial" : "workers",
      trainingSeconds,
      attackSeconds: findings.seconds,
    },
    attacks: findings.attacks,
    ...(findings.attribute ? { attribute: findings.attribute } : {}),
    verdict: verdictOf(epsilon, delta, bounds, 0.95),
    notes: [
      `members: the ${trainedRows.length} rows the model trained on; non-members: ${nonMemberRows.length} test rows it never saw${populationSize > 0 ? `; ${populationSize} further test rows are RMIA's population` : ""}`,
      `each shadow trains with the model's recipe on ${shadowSize} rows drawn at random from members and non-members (seeded from --seed ${seed})`,
      `each attack's ε bound is held out at ${(findings.boundConfidence * 100).toFixed(2)} % confidence, so that the largest of the ${findings.attacks.length} holds at 95 %`,
      ...findings.notes,
    ],
  };
}
