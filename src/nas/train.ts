/**
 * One architecture trained on a task at one fidelity (epochs and share of the
 * training rows) with one seed and one debiasing method, through the training
 * recipe, then characterised on the validation split (and, when asked, on the test
 * split, for reports only).
 */

import type { Split } from "../data/index.js";
import { selectSplit } from "../data/index.js";
import { stratifiedSplit } from "../data/split.js";
import { parseRecipe, type Recipe } from "../fit/index.js";
import { identify } from "./architecture.js";
import { characterise } from "./characterise.js";
import { architectureCost } from "./cost.js";
import { type DebiasSettings, fitDebiased } from "./debias/index.js";
import type { ArchitectureRun, Fidelity, TrainingSettings } from "./schema.js";
import type { NasTask } from "./tasks.js";

/** How every architecture of a task is trained (epochs: at full fidelity): fixed, so that architectures differ only in themselves. */
export type { ArchitectureRun, Fidelity, TrainingSettings } from "./schema.js";

/**
 * Adam, cosine-annealed; set before any search and never tuned on a test split:
 * images as Nam et al. 2020 train Colored MNIST (Adam, η = 10⁻³), for 3 epochs of
 * our subset (the measured time per epoch is in BENCHMARKS.md); tables at η = 3·10⁻³
 * for 9 epochs, batches of 256.
 *
 * @example
 * ```ts
 * import { TRAINING_DEFAULTS } from "equipoise/nas";
 * TRAINING_DEFAULTS.tabular; // { learningRate: 0.003, batchSize: 256, epochs: 9 }
 * TRAINING_DEFAULTS.image; // { learningRate: 0.001, batchSize: 128, epochs: 3 }
 * ```
 */
export const TRAINING_DEFAULTS: Record<NasTask["modality"], TrainingSettings> = {
  image: { learningRate: 1e-3, batchSize: 128, epochs: 3 },
  tabular: { learningRate: 3e-3, batchSize: 256, epochs: 9 },
};

/**
 * The reference architecture of each modality: the project's default small CNN, and a two-layer MLP.
 *
 * @example
 * ```ts
 * import { DEFAULT_ARCHITECTURES, evaluateArchitecture, loadNasTask } from "equipoise/nas";
 * DEFAULT_ARCHITECTURES; // { image: "cnn", tabular: "mlp:64,64" }: each benchmark's reference
 * const task = await loadNasTask("german-credit:sex");
 * const reference = evaluateArchitecture(task, DEFAULT_ARCHITECTURES[task.modality], { seeds: [0, 1, 2] });
 * ```
 */
export const DEFAULT_ARCHITECTURES: Record<NasTask["modality"], string> = {
  image: "cnn",
  tabular: "mlp:64,64",
};

/**
 * Options of {@link runArchitecture}: seed, fidelity, training settings, debiasing.
 *
 * @example
 * ```ts
 * import { loadNasTask, type RunOptions, runArchitecture } from "equipoise/nas";
 * const task = await loadNasTask("german-credit:sex");
 * const options: RunOptions = { seed: 0, fidelity: { epochs: 3, fraction: 1 }, debias: { method: "reweight" }, evaluateTest: true, onEpoch: (epoch, epochs) => console.log(`${epoch}/${epochs}`) };
 * const run = runArchitecture(task, "mlp:32", options);
 * ```
 */
export interface RunOptions {
  seed: number;
  fidelity?: Fidelity;
  settings?: TrainingSettings;
  debias?: DebiasSettings;
  evaluateTest?: boolean;
  /** Called after each epoch. */
  onEpoch?: (epoch: number, epochs: number) => void;
}

export function recipeFor(
  architecture: string,
  settings: TrainingSettings,
  epochs: number,
  seed: number,
): Recipe {
  return parseRecipe({
    model: architecture,
    epochs,
    batchSize: settings.batchSize,
    optimizer: { kind: "adam", learningRate: settings.learningRate, schedule: "cosine" },
    seed,
  });
}

/** A stratified seeded subset of a split holding `fraction` of its rows (all of them at 1). */
export function fractionOf(split: Split, fraction: number, seed: number): Split {
  if (fraction >= 1) return split;
  return selectSplit(split, stratifiedSplit(split.y, fraction, seed).test);
}

/**
 * Trains one architecture (an architecture string) on a task once and characterises its bias on validation
 * (and on test when `evaluateTest` is set).
 *
 * @example
 * ```ts
 * import { loadNasTask, runArchitecture } from "equipoise/nas";
 * const task = await loadNasTask("german-credit:sex");
 * const run = runArchitecture(task, "mlp:width=32:act=relu", { seed: 0 });
 * console.log(run.validation.worstGroupAccuracy);
 * ```
 */
export function runArchitecture(task: NasTask, spec: string, options: RunOptions): ArchitectureRun {
  const { canonical, hash } = identify(spec);
  const settings = options.settings ?? TRAINING_DEFAULTS[task.modality];
  const fidelity = options.fidelity ?? { epochs: settings.epochs, fraction: 1 };
  const train = fractionOf(task.train, fidelity.fraction, options.seed);
  const recipe = recipeFor(canonical, settings, fidelity.epochs, options.seed);
  const started = performance.now();
  const fitted = fitDebiased(
    recipe,
    {
      train,
      inputShape: task.inputShape,
      numClasses: task.numClasses,
      classNames: task.classNames,
      attribute: task.attribute,
    },
    options.debias ?? { method: "none" },
    options.onEpoch
      ? { onProgress: (p) => p.trainLoss !== undefined && options.onEpoch?.(p.epoch, p.epochs) }
      : {},
  );
  try {
    const validation = characterise(fitted.model, task.validation, task, { probeSeed: options.seed });
    const test = options.evaluateTest
      ? characterise(fitted.model, task.test, task, { probeSeed: options.seed })
      : undefined;
    return {
      architecture: canonical,
      hash,
      seed: options.seed,
      fidelity,
      debias: fitted.debias,
      trainRows: train.X.rows,
      cost: architectureCost(canonical, task.inputShape, task.numClasses),
      validation,
      ...(test ? { test } : {}),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    fitted.model.dispose();
  }
}
