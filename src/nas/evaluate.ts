/**
 * One architecture measured on one task over several seeds, at full fidelity, with
 * its validation and test characterisations, its cost and the command that
 * reproduces it — one entry of the architecture library before it is ranked.
 *
 * Intervals are two-sided 95% Student-t intervals of the mean over seeds (seed is
 * the only source of variation: initialisation and batch order; the data splits
 * are fixed by the task's seed 0). With one seed the interval is the value itself,
 * and says nothing about seed-to-seed spread.
 */
import { currentBackend } from "../nn/index.js";
import { identify } from "./architecture.js";
import { architectureCost, measureLatency } from "./cost.js";
import type { DebiasSettings } from "./debias/index.js";
import {
  type ArchitectureEvaluation,
  type BiasCharacterisation,
  type Interval,
  LIBRARY_METRICS,
  type LibraryMetric,
  type TrainingSettings,
} from "./schema.js";
import type { NasTask, TaskOptions } from "./tasks.js";
import { runArchitecture, TRAINING_DEFAULTS } from "./train.js";

/** t_{0.975, df} for df = 1 … 30 (scipy.stats.t.ppf(0.975, df)); beyond, the normal 1.96. */
const T_975 = [
  12.706204736, 4.30265273, 3.182446305, 2.776445105, 2.570581836, 2.446911851, 2.364624252, 2.306004135,
  2.262157163, 2.228138852, 2.20098516, 2.17881283, 2.160368656, 2.144786688, 2.131449546, 2.119905299,
  2.109815578, 2.10092204, 2.093024054, 2.085963447, 2.079613845, 2.073873068, 2.06865761, 2.063898562,
  2.059538553, 2.055529439, 2.051830516, 2.048407142, 2.045229642, 2.042272456,
];

export function studentT975(df: number): number {
  return df >= 1 && df <= T_975.length ? T_975[df - 1] : 1.959963985;
}

/**
 * The mean of per-seed values with its two-sided 95 % Student-t interval (one value: the value itself).
 *
 * @example
 * ```ts
 * import { meanInterval } from "equipoise/nas";
 * meanInterval([0.1, 0.12, 0.11]); // { mean: 0.11, sd: 0.01, low: ≈ 0.085, high: ≈ 0.135, n: 3 }
 * ```
 */
export function meanInterval(values: readonly number[]): Interval {
  const n = values.length;
  if (n === 0) throw new RangeError("an interval needs at least one value");
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, sd: 0, low: mean, high: mean, n };
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const half = (studentT975(n - 1) * sd) / Math.sqrt(n);
  return { mean, sd, low: mean - half, high: mean + half, n };
}

function metricOf(c: BiasCharacterisation, metric: LibraryMetric): number | undefined {
  const value = c[metric];
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** By metric, the interval over the characterisations that have it (all or none). */
export function intervalsOf(
  characterisations: readonly BiasCharacterisation[],
): Partial<Record<LibraryMetric, Interval>> {
  const result: Partial<Record<LibraryMetric, Interval>> = {};
  for (const metric of LIBRARY_METRICS) {
    const values = characterisations.map((c) => metricOf(c, metric));
    if (values.every((v) => v !== undefined)) result[metric] = meanInterval(values as number[]);
  }
  return result;
}

/**
 * Options of {@link evaluateArchitecture}: the seeds, debiasing, training settings and task sizes.
 *
 * @example
 * ```ts
 * import { type EvaluationOptions, evaluateArchitecture, loadNasTask } from "equipoise/nas";
 * const task = await loadNasTask("german-credit:sex");
 * const options: EvaluationOptions = {
 *   seeds: [0, 1, 2, 3, 4], debias: { method: "lff" }, latency: true,
 *   onSeed: (seed, done, total) => console.log(`seed ${seed} (${done + 1}/${total})`),
 * };
 * const evaluation = evaluateArchitecture(task, "mlp:32", options);
 * ```
 */
export interface EvaluationOptions {
  seeds: readonly number[];
  debias?: DebiasSettings;
  settings?: TrainingSettings;
  /** The task's sizes, recorded so that the command reproduces the same task. */
  images?: TaskOptions["images"];
  latency?: boolean;
  /** Called as each seed finishes. */
  onSeed?: (seed: number, done: number, total: number) => void;
}

/**
 * The CLI command that reproduces an evaluation (the library prints it beside each entry).
 *
 * @example
 * ```ts
 * import { TRAINING_DEFAULTS, evaluationCommand } from "equipoise/nas";
 * const command = evaluationCommand("adult:sex", "mlp:64,64", { seeds: [0, 1, 2] }, TRAINING_DEFAULTS.tabular);
 * // "equipoise nas evaluate --task adult:sex --arch mlp:64,64 --seeds 0,1,2 --json"
 * ```
 */
export function evaluationCommand(
  task: string,
  architecture: string,
  options: Pick<EvaluationOptions, "seeds" | "debias" | "settings" | "images">,
  defaults: TrainingSettings,
): string {
  const words = ["equipoise nas evaluate", `--task ${task}`, `--arch ${architecture}`];
  words.push(`--seeds ${options.seeds.join(",")}`);
  if (options.debias && options.debias.method !== "none") words.push(`--debias ${options.debias.method}`);
  const settings = options.settings ?? defaults;
  if (settings.epochs !== defaults.epochs) words.push(`--epochs ${settings.epochs}`);
  if (settings.learningRate !== defaults.learningRate) words.push(`--lr ${settings.learningRate}`);
  if (settings.batchSize !== defaults.batchSize) words.push(`--batch-size ${settings.batchSize}`);
  const images = options.images ?? {};
  if (images.trainSize !== undefined) words.push(`--train-images ${images.trainSize}`);
  if (images.validationSize !== undefined) words.push(`--validation-images ${images.validationSize}`);
  if (images.testSize !== undefined) words.push(`--test-images ${images.testSize}`);
  words.push("--json");
  return words.join(" ");
}

/**
 * Trains an architecture on a NAS task with several seeds (and a debiasing method, if any) and
 * reports every metric's mean and interval: what `equipoise nas evaluate` and the library's entries run.
 *
 * @example
 * ```ts
 * import { evaluateArchitecture, loadNasTask } from "equipoise/nas";
 * const task = await loadNasTask("german-credit:sex");
 * const evaluation = evaluateArchitecture(task, "mlp:32", { seeds: [0, 1, 2] });
 * evaluation.test.biasGap; // mean over the seeds with a 95 % Student-t interval
 * ```
 */
export function evaluateArchitecture(
  task: NasTask,
  spec: string,
  options: EvaluationOptions,
): ArchitectureEvaluation {
  if (options.seeds.length === 0) throw new RangeError("an evaluation needs at least one seed");
  const { canonical, hash } = identify(spec);
  const defaults = TRAINING_DEFAULTS[task.modality];
  const settings = options.settings ?? defaults;
  const seeds = options.seeds.map((seed, k) => {
    options.onSeed?.(seed, k, options.seeds.length);
    const run = runArchitecture(task, canonical, {
      seed,
      settings,
      evaluateTest: true,
      ...(options.debias ? { debias: options.debias } : {}),
    });
    return { seed, validation: run.validation, test: run.test!, seconds: run.seconds };
  });
  const latency = options.latency ? measureLatency(canonical, task.inputShape, task.numClasses) : undefined;
  return {
    format: "equipoise-nas-evaluation",
    version: 1,
    task: task.id,
    architecture: canonical,
    hash,
    debias: options.debias?.method ?? "none",
    settings,
    images: task.modality === "image" ? { ...options.images } : {},
    cost: architectureCost(canonical, task.inputShape, task.numClasses),
    ...(latency ? { latencyMs: latency.msPerExample } : {}),
    seeds,
    test: intervalsOf(seeds.map((s) => s.test)),
    validation: intervalsOf(seeds.map((s) => s.validation)),
    command: evaluationCommand(task.id, canonical, { ...options, settings }, defaults),
    backend: currentBackend().name,
  };
}
