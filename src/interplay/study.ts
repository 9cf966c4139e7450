/**
 * The interplay study: for every target ε and seed, a private model and its matched
 * model — the same recipe, seed and Poisson batching without DP-SGD (no clipping, no
 * noise) — trained through the one recipe (src/fit), both evaluated on the test split;
 * per ε: the cost of privacy by group with intervals over seeds (cost.ts), the per-group
 * clipping statistics per epoch (clipping-stats.ts) and the bound of Mangold et al.
 * beside the measured change of the gaps (bound.ts). With `methods` including
 * "dpsgd-f", the same runs with group-aware clipping (group-clipping.ts) at the same ε.
 *
 * A measurement for the data owner: the test metrics, clipping statistics and bound read
 * the rows directly and are NOT covered by ε (every document says so).
 */
import { UserError } from "../common/errors.js";
import type { PreparedTask, Split } from "../data/types.js";
import { evaluateFit, type FitEvaluation, fitRecipe, parseRecipe, type Recipe } from "../fit/index.js";
import { BoundAssumptionError, type FairnessBound, fairnessBound } from "./bound.js";
import {
  type EpochClippingStatistics,
  GroupClippingRecorder,
  meanClippingStatistics,
} from "./clipping-stats.js";
import {
  type PrivacyCostSummary,
  privacyCostOfTrial,
  summarisePrivacyCost,
  type TrialPrivacyCost,
} from "./cost.js";
import { groupAwareClipping } from "./group-clipping.js";
import { bootstrapMeanInterval, type SeedInterval } from "./intervals.js";

/**
 * The private training methods a study compares: plain DP-SGD and DPSGD-F (group-aware clipping).
 *
 * @example
 * ```ts
 * import { PRIVATE_METHODS } from "equipoise/interplay";
 * PRIVATE_METHODS; // ["dp-sgd", "dpsgd-f"]: the values InterplayStudyOptions.methods accepts
 * ```
 */
export const PRIVATE_METHODS = ["dp-sgd", "dpsgd-f"] as const;
/**
 * One of {@link PRIVATE_METHODS}.
 *
 * @example
 * ```ts
 * import { type PrivateMethod, runInterplayStudy } from "equipoise/interplay";
 * import type { data, fit } from "equipoise";
 * declare const task: data.PreparedTask; // a binary task with a sensitive attribute
 * declare const recipe: fit.Recipe; // a recipe with a privacy block (clip, δ)
 * const methods: PrivateMethod[] = ["dp-sgd", "dpsgd-f"]; // plain DP-SGD and group-aware clipping at the same ε
 * const study = runInterplayStudy(task, { epsilons: [1], seeds: [0, 1, 2], methods, recipe });
 * ```
 */
export type PrivateMethod = (typeof PRIVATE_METHODS)[number];

/**
 * Settings of {@link runInterplayStudy}: the attribute, the ε values, seeds, methods and model.
 *
 * @example
 * ```ts
 * import { fit } from "equipoise";
 * import type { data } from "equipoise";
 * import { type InterplayStudyOptions, runInterplayStudy } from "equipoise/interplay";
 * declare const task: data.PreparedTask; // a binary task with a sensitive attribute
 * const recipe = fit.parseRecipe({ model: "logreg", epochs: 2, batchSize: 256, privacy: { clip: 1, noiseMultiplier: 1 } });
 * const options: InterplayStudyOptions = { attribute: "sex", epsilons: [1, 8], seeds: [0, 1, 2, 3, 4], methods: ["dp-sgd", "dpsgd-f"], recipe, gamma: 1 };
 * const study = runInterplayStudy(task, options); // the target ε replaces the recipe's noise multiplier
 * ```
 */
export interface InterplayStudyOptions {
  /** The sensitive attribute studied (default: the task's first). */
  attribute?: string;
  epsilons: readonly number[];
  seeds: readonly number[];
  methods?: readonly PrivateMethod[];
  /** The shared recipe: model, optimiser, epochs, batch, clip, δ... (its privacy block gives clip and δ). */
  recipe: Recipe;
  /** DPSGD-F's γ (default 1). */
  gamma?: number;
  /** Seeded DP noise (reproducible, not for release); default secure noise. */
  seededNoise?: boolean;
  /** Called with a line saying what is being run. */
  onProgress?: (done: number, total: number, label: string) => void;
}

/**
 * The bound against the measured change, per measure, averaged over seeds with intervals.
 *
 * @example
 * ```ts
 * import type { BoundSummary, InterplayStudy } from "equipoise/interplay";
 * declare const study: InterplayStudy; // from runInterplayStudy
 * const bound: BoundSummary = study.cells[0].bound;
 * for (const m of bound.measures) console.log(m.measure, m.bound.estimate, m.measuredChange.estimate, m.vacuousSeeds);
 * bound.notApplicable; // seeds where an assumption of the bound failed, with the reason
 * ```
 */
export interface BoundSummary {
  /** Per measure: the bound on the change and the measured change, means over seeds with intervals. */
  measures: {
    measure: "dp" | "eo" | "eop";
    bound: SeedInterval;
    measuredChange: SeedInterval;
    vacuousSeeds: number;
  }[];
  distance: SeedInterval;
  /** Seeds where the bound did not apply, with the reason. */
  notApplicable: string[];
  notes: string[];
}

/**
 * One (ε, method) cell of an interplay study: achieved ε, noise, the cost of privacy, clipping and the bound.
 *
 * @example
 * ```ts
 * import type { InterplayCell, InterplayStudy } from "equipoise/interplay";
 * declare const study: InterplayStudy; // from runInterplayStudy
 * const cell: InterplayCell | undefined = study.cells.find((c) => c.epsilon === 1 && c.method === "dp-sgd");
 * cell?.achievedEpsilon; // per seed, ≤ the target 1
 * cell?.cost.accuracyCostDisparity.estimate; // largest minus smallest group accuracy cost, mean over seeds
 * ```
 */
export interface InterplayCell {
  /** The target ε. */
  epsilon: number;
  /** DP-SGD or DPSGD-F. */
  method: PrivateMethod;
  /** ε achieved per seed (the accountant's, ≤ the target). */
  achievedEpsilon: number[];
  noiseMultiplier: number;
  cost: PrivacyCostSummary;
  clipping: EpochClippingStatistics[];
  bound: BoundSummary;
  /** DPSGD-F: the mean over seeds of the last step's group clipping bounds. */
  finalGroupBounds?: number[];
}

/**
 * A finished study: for every ε and method, the per-group cost of privacy over seeds, clipping
 * statistics and the fairness bound, with what ε does not cover.
 *
 * @example
 * ```ts
 * import type { data, fit } from "equipoise";
 * import { type InterplayStudy, runInterplayStudy } from "equipoise/interplay";
 * declare const task: data.PreparedTask; // a binary task with a sensitive attribute
 * declare const recipe: fit.Recipe; // a recipe with a privacy block (clip, δ)
 * const study: InterplayStudy = runInterplayStudy(task, { epsilons: [1, 8], seeds: [0, 1, 2], recipe });
 * study.groups; // the values of the studied attribute
 * study.matched.accuracy.estimate; // the non-private model's accuracy, mean over seeds
 * study.cells.map((c) => [c.epsilon, c.cost.accuracyCostDisparity.estimate]); // who pays for privacy, per ε
 * ```
 */
export interface InterplayStudy {
  data: string;
  attribute: string;
  groups: string[];
  trainGroupCounts: number[];
  testGroupCounts: number[];
  model: string;
  seeds: number[];
  matched: { accuracy: SeedInterval; dpDifference: SeedInterval; eoDifference: SeedInterval };
  cells: InterplayCell[];
  notCoveredByEpsilon: string[];
  warnings: string[];
}

/**
 * What a study's figures read without noise, listed in every document: not covered by ε.
 *
 * @example
 * ```ts
 * import { STUDY_NOT_COVERED } from "equipoise/interplay";
 * STUDY_NOT_COVERED.length; // 3: test metrics, clipping statistics, the bound: none is covered by ε
 * // every study lists them in notCoveredByEpsilon, and the report prints them beside the figures
 * ```
 */
export const STUDY_NOT_COVERED = [
  "the test metrics of the private models, their per-group cost and intervals (computed from the test rows)",
  "the per-group clipping statistics (statistics of the private training batches)",
  "the fairness bound and the distance between the private and matched models (the matched model is not private)",
];

function withoutPrivacy(recipe: Recipe, seed: number): Recipe {
  const { privacy: _privacy, ...rest } = recipe;
  return { ...rest, seed, sampling: "poisson" };
}

function privateRecipe(recipe: Recipe, seed: number, epsilon: number, seededNoise: boolean): Recipe {
  const privacy = recipe.privacy;
  if (!privacy) throw new UserError("the study needs the private recipe's clipping norm (privacy.clip)");
  const { noiseMultiplier: _noise, noiseSeed: _seed, ...settings } = privacy;
  return parseRecipe({
    ...recipe,
    seed,
    sampling: "poisson",
    privacy: { ...settings, targetEpsilon: epsilon, ...(seededNoise ? { noiseSeed: seed + 1 } : {}) },
  });
}

function attributeOf(split: Split, name: string | undefined) {
  if (split.sensitive.length === 0)
    throw new UserError("the data has no sensitive attribute (give --sensitive COL)");
  const attribute = name === undefined ? split.sensitive[0] : split.sensitive.find((s) => s.name === name);
  if (!attribute) throw new UserError(`'${name}' is not a sensitive attribute of the data`);
  return attribute;
}

function countsOf(codes: Int32Array, groups: number): number[] {
  const counts = new Array<number>(groups).fill(0);
  for (const g of codes) if (g >= 0 && g < groups) counts[g]++;
  return counts;
}

/**
 * Who pays for DP-SGD (`equipoise interplay`): for every ε and seed, a private model and its matched
 * non-private one (same recipe and seed), the per-group cost with bootstrap intervals, per-group
 * clipping statistics, and the bound of Mangold et al. (2023).
 *
 * @example
 * ```ts
 * import { data, fit, nn } from "equipoise";
 * import { runInterplayStudy } from "equipoise/interplay";
 * await nn.initBackend("cpu");
 * const recipe = fit.parseRecipe({ model: "logreg", epochs: 2, batchSize: 256, privacy: { clip: 1, noiseMultiplier: 1 } });
 * const { task } = await fit.prepareForRecipe({ data: "adult", sensitive: ["sex"] }, recipe);
 * const study = runInterplayStudy(task, { epsilons: [1, 8], seeds: [0, 1, 2], recipe });
 * // per ε: who loses accuracy under DP-SGD, with intervals over the seeds
 * ```
 */
export function runInterplayStudy(task: PreparedTask, options: InterplayStudyOptions): InterplayStudy {
  const methods = options.methods ?? ["dp-sgd"];
  if (options.epsilons.length === 0) throw new UserError("give at least one epsilon");
  for (const e of options.epsilons)
    if (!(e > 0 && Number.isFinite(e))) throw new UserError(`every epsilon must be a number > 0, got ${e}`);
  if (options.seeds.length === 0) throw new UserError("give at least one seed");
  if (task.numClasses !== 2)
    throw new UserError("the interplay study needs a binary target (group TPR and FPR)");
  const trainAttribute = attributeOf(task.train, options.attribute);
  const testAttribute = attributeOf(task.test, trainAttribute.name);
  const groups = trainAttribute.categories;
  const inputShape = task.imageShape ? [...task.imageShape] : [task.train.X.cols];
  const data = { train: task.train, numClasses: 2, inputShape, preprocessing: task.preprocessing };
  const evaluate = (fit: ReturnType<typeof fitRecipe>): FitEvaluation =>
    evaluateFit(fit.model, task.test, {
      numClasses: 2,
      epsilon: fit.privacy?.epsilon,
      primary: trainAttribute.name,
    });
  const total = options.seeds.length * (1 + options.epsilons.length * methods.length);
  let done = 0;
  const progress = (label: string) => options.onProgress?.(++done, total, label);

  const matched = options.seeds.map((seed) => {
    const fit = fitRecipe(withoutPrivacy(options.recipe, seed), data);
    try {
      const evaluation = evaluate(fit);
      progress(`matched model, seed ${seed}`);
      return { evaluation, parameters: fit.model.readParameters(), architecture: fit.model.architecture };
    } finally {
      fit.model.dispose();
    }
  });

  const batch = options.recipe.batchSize;
  const stepsPerEpoch = Math.max(1, Math.round(task.train.X.rows / batch));
  const cells: InterplayCell[] = [];
  for (const epsilon of options.epsilons) {
    for (const method of methods) {
      const trials: TrialPrivacyCost[] = [];
      const clippingRuns: EpochClippingStatistics[][] = [];
      const bounds: FairnessBound[] = [];
      const notApplicable: string[] = [];
      const achieved: number[] = [];
      const finalBounds: number[][] = [];
      let noiseMultiplier = Number.NaN;
      options.seeds.forEach((seed, s) => {
        const recorder = new GroupClippingRecorder(trainAttribute.codes, groups, stepsPerEpoch);
        const factory =
          method === "dpsgd-f"
            ? groupAwareClipping({
                groupOfRow: trainAttribute.codes,
                groupCount: groups.length,
                ...(options.gamma !== undefined ? { gamma: options.gamma } : {}),
              })
            : undefined;
        const fit = fitRecipe(
          privateRecipe(options.recipe, seed, epsilon, options.seededNoise ?? false),
          data,
          {
            clippingObserver: recorder,
            ...(factory ? { privateGradient: factory } : {}),
          },
        );
        try {
          const evaluation = evaluate(fit);
          achieved.push(fit.privacy?.epsilon ?? Number.NaN);
          noiseMultiplier = fit.privacy?.noise ?? Number.NaN;
          trials.push(privacyCostOfTrial(evaluation, matched[s].evaluation, trainAttribute.name));
          clippingRuns.push(recorder.summary());
          if (factory && factory.trace.bounds.length > 0) finalBounds.push(factory.trace.bounds.at(-1)!);
          try {
            bounds.push(
              fairnessBound({
                architecture: matched[s].architecture,
                reference: matched[s].parameters,
                other: fit.model.readParameters(),
                data: task.test,
                attribute: testAttribute.name,
              }),
            );
          } catch (error) {
            if (!(error instanceof BoundAssumptionError)) throw error;
            notApplicable.push(`seed ${seed}: ${error.assumption}`);
          }
          progress(`${method} at ε = ${epsilon}, seed ${seed}`);
        } finally {
          fit.model.dispose();
        }
      });
      cells.push({
        epsilon,
        method,
        achievedEpsilon: achieved,
        noiseMultiplier,
        cost: summarisePrivacyCost(trials),
        clipping: meanClippingStatistics(clippingRuns),
        bound: summariseBounds(bounds, notApplicable),
        ...(finalBounds.length > 0
          ? {
              finalGroupBounds: groups.map(
                (_, g) => finalBounds.reduce((sum, b) => sum + b[g], 0) / finalBounds.length,
              ),
            }
          : {}),
      });
    }
  }
  const interval = (values: number[]) => bootstrapMeanInterval(values);
  const testGroupCounts = countsOf(testAttribute.codes, groups.length);
  return {
    data: task.name,
    attribute: trainAttribute.name,
    groups: [...groups],
    trainGroupCounts: countsOf(trainAttribute.codes, groups.length),
    testGroupCounts,
    model: options.recipe.model,
    seeds: [...options.seeds],
    matched: {
      accuracy: interval(matched.map((m) => m.evaluation.accuracy)),
      dpDifference: interval(matched.map((m) => m.evaluation.dpDifference)),
      eoDifference: interval(matched.map((m) => m.evaluation.eoDifference)),
    },
    cells,
    notCoveredByEpsilon: STUDY_NOT_COVERED,
    warnings: [...new Set(cells.flatMap((c) => c.cost.warnings))],
  };
}

function summariseBounds(bounds: readonly FairnessBound[], notApplicable: string[]): BoundSummary {
  const interval = (values: number[]) => bootstrapMeanInterval(values);
  const measures = (["dp", "eo", "eop"] as const).map((measure) => {
    const of = bounds.map((b) => b.measures.find((m) => m.measure === measure)!);
    return {
      measure,
      bound: interval(of.map((m) => m.bound)),
      measuredChange: interval(of.map((m) => m.measuredChange)),
      vacuousSeeds: of.filter((m) => m.vacuous).length,
    };
  });
  return {
    measures,
    distance: interval(bounds.map((b) => b.distance)),
    notApplicable,
    notes: [...new Set(bounds.flatMap((b) => b.notes))],
  };
}
