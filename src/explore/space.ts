/**
 * The explorer's search space: the levers that move a model along the
 * accuracy–privacy–fairness trade-off, with ranges that follow the data (its row
 * count and its class balance) instead of one data set's.
 *
 * Privacy is parametrised by a TARGET ε, log-uniform over the span the normalisation
 * uses ([0.1, 100]: p = 0 → 1), and each trial's noise multiplier is calibrated from
 * its own sample rate and steps (the accountant then reports the ε actually spent).
 * Sampling σ instead (the earlier space: σ in [0.5, 10]) ties the ε a trial gets to its
 * batch size and epochs: on a data set of ~12,000 training rows most trials landed at
 * ε 0.1–0.5, where every private model predicted the majority class (issue 10, §6).
 *
 * The rules (N = rows of the training part, which DP-SGD treats as public):
 *  - batch ∈ [clamp(N/400, 16, 256), max(N/16, 4·low)], log scale: 16 to 400 Poisson
 *    batches per epoch whatever N, so the sampling rates q = batch/N, for which the
 *    accountant's amplification by sampling is strongest, and the number of steps per
 *    epoch do not depend on N. On Adult (24,130 rows) this gives [60, 1508], close to
 *    the [64, 1024] measured best there (raising the floor to 128 lowered the test
 *    hypervolume from 0.293 to 0.274; BENCHMARKS.md, Explorer).
 *  - epochs ∈ [1, clamp(round(150,000/N), 3, 40)]: at most ~150,000 example visits per
 *    trial (a few seconds for an MLP on 2 cores), so small data sets get the passes
 *    they need and large ones keep trials short; Adult: 1–6 (the range measured before).
 *  - learning rate ∈ [0.01, 2], log scale, for plain SGD at a constant rate: with the
 *    batch range scaled to N, the steps per epoch, hence the useful rates, do not move
 *    with N. It is the rate per unit of MEAN example weight: a class-balanced trial's
 *    rate is divided by its mean weight (class-weights.ts), so that weighting the
 *    minority class up does not also shrink every step (on labels 89 % positive, the DP
 *    weights average ~0.2).
 *  - class weighting (none | balanced) is a lever when the minority class is under 20 %
 *    of the rows, or when balanced accuracy is an objective: on Adult (24 % positive)
 *    with plain accuracy it only costs accuracy, and a dimension more costs the search.
 *  - a non-private trial has p = 1 and adds nothing to the hypervolume, and the
 *    reference model already shows the non-private end, so when ε is an objective every
 *    trial is private (a target ε of 100 trains nearly as without DP); otherwise DP is a
 *    lever (dp true | false).
 *  - private selection (private-selection.ts): batch and epochs take a few values each,
 *    because the selection's ε must bound EVERY configuration the sampler can draw,
 *    each with its own calibrated noise; the per-trial ε is fixed by the study's total
 *    ε, so it is not a parameter.
 */
import { interplayParameters } from "../interplay/explorer-levers.js";
import { type Parameter, SearchSpace } from "../search/index.js";

// Light (no search-space or store code), so that the dashboard can decode a trial too.
export { recipeOf, type TrialRecipe } from "./trial-recipe.js";

/**
 * What the space is built from: public or unprotected facts of the study's data.
 *
 * @example
 * ```ts
 * import { type DataProfile, explorerSpace } from "equipoise/explore";
 * const profile: DataProfile = { trainRows: 24130, minorityShare: 0.24 }; // Adult's training part
 * const space = explorerSpace(profile, { privacy: { kind: "private", epsilonLow: 0.1 }, classWeighting: false });
 * ```
 */
export interface DataProfile {
  /** Rows of the training part (treated as public, as DP-SGD's sample rate does). */
  trainRows: number;
  /** Share of the least frequent class on the validation split (read without protection anyway). */
  minorityShare: number;
}

/**
 * How an explorer space treats privacy: every trial private, DP as a lever, or private selection at a fixed ε.
 *
 * @example
 * ```ts
 * import { explorerSpace, type SpacePrivacy } from "equipoise/explore";
 * const everyTrialPrivate: SpacePrivacy = { kind: "private", epsilonLow: 0.1 };
 * const dpAsALever: SpacePrivacy = { kind: "mixed", epsilonLow: 0.1 };
 * const space = explorerSpace({ trainRows: 20000, minorityShare: 0.25 }, { privacy: dpAsALever, classWeighting: false });
 * space.parameters.some((p) => p.name === "dp"); // true: DP on or off is a parameter
 * ```
 */
export type SpacePrivacy =
  /** ε is an objective: every trial private. */
  | { kind: "private"; epsilonLow: number }
  /** ε is not an objective: DP is a lever. */
  | { kind: "mixed"; epsilonLow: number }
  /** Private selection: every trial private at the study's fixed per-trial ε. */
  | { kind: "selection"; batches: number[]; epochs: number[] };

/**
 * How the explorer's space is shaped: which privacy levers it has, and whether class weighting is one.
 *
 * @example
 * ```ts
 * import { explorerSpace, type SpaceOptions } from "equipoise/explore";
 * const options: SpaceOptions = { privacy: { kind: "private", epsilonLow: 0.1 }, classWeighting: true, interplayLevers: true };
 * const space = explorerSpace({ trainRows: 20000, minorityShare: 0.11 }, options);
 * ```
 */
export interface SpaceOptions {
  privacy: SpacePrivacy;
  /** Offer class-balanced training (see `offersClassWeighting`). */
  classWeighting: boolean;
  /**
   * The interplay levers (src/interplay/explorer-levers.ts): under DP, plain DP-SGD,
   * group-aware clipping (DPSGD-F) and its γ, or private fair learning and its allowed
   * violation. Not under private selection, whose grid fixes each candidate's noise.
   */
  interplayLevers?: boolean;
}

/** Ends of the target-ε range: the normalisation's span (DESIGN.md: ε 0.1 → p = 0, 100 → p = 1). */
export const EPSILON_RANGE: readonly [number, number] = [0.1, 100];

/** A minority class under this share of the rows makes class weighting a lever. */
export const IMBALANCE_THRESHOLD = 0.2;

/** Example visits per trial the epoch range allows at most (see the module comment). */
export const EXAMPLE_VISITS_PER_TRIAL = 150_000;

export function batchRange(trainRows: number): [number, number] {
  const low = clampInt(Math.round(trainRows / 400), 16, 256);
  const high = Math.max(Math.round(trainRows / 16), 4 * low);
  return [low, high];
}

export function epochRange(trainRows: number): [number, number] {
  return [1, clampInt(Math.round(EXAMPLE_VISITS_PER_TRIAL / trainRows), 3, 40)];
}

export function offersClassWeighting(profile: DataProfile, balancedAccuracyObjective: boolean): boolean {
  return balancedAccuracyObjective || profile.minorityShare < IMBALANCE_THRESHOLD;
}

/** A few values spread evenly (log scale for batch sizes) over a range: the sizes private selection may draw. */
export function selectionGrid(profile: DataProfile): { batches: number[]; epochs: number[] } {
  const [batchLow, batchHigh] = batchRange(profile.trainRows);
  const [, epochHigh] = epochRange(profile.trainRows);
  const batches = [0, 1, 2].map((k) => Math.round(batchLow * (batchHigh / batchLow) ** ((k + 0.5) / 3)));
  const epochs = [...new Set([1, Math.round((1 + epochHigh) / 2), epochHigh])];
  return { batches, epochs };
}

/**
 * The parameters of the explorer's space for data of this profile (ranges from the row count).
 *
 * @example
 * ```ts
 * import { explorerParameters } from "equipoise/explore";
 * const parameters = explorerParameters({ trainRows: 20000, minorityShare: 0.25 }, {
 *   privacy: { kind: "private", epsilonLow: 0.1 }, classWeighting: false,
 * }); // model, width, depth, epsilon, clip, lr, epochs, batch, fairWeight
 * ```
 */
export function explorerParameters(profile: DataProfile, options: SpaceOptions): Parameter[] {
  const { privacy } = options;
  const [batchLow, batchHigh] = batchRange(profile.trainRows);
  const [epochLow, epochHigh] = epochRange(profile.trainRows);
  const mixed = privacy.kind === "mixed";
  const whenPrivate = mixed ? { condition: { parameter: "dp", oneOf: [true] } } : {};
  const parameters: Parameter[] = [
    { kind: "categorical", name: "model", choices: ["logreg", "mlp"] },
    {
      kind: "int",
      name: "width",
      low: 16,
      high: 128,
      log: true,
      condition: { parameter: "model", oneOf: ["mlp"] },
    },
    { kind: "int", name: "depth", low: 1, high: 2, condition: { parameter: "model", oneOf: ["mlp"] } },
  ];
  if (mixed) parameters.push({ kind: "categorical", name: "dp", choices: [true, false] });
  if (privacy.kind !== "selection") {
    parameters.push({
      kind: "float",
      name: "epsilon",
      low: privacy.epsilonLow,
      high: EPSILON_RANGE[1],
      log: true,
      ...whenPrivate,
    });
  }
  parameters.push({ kind: "float", name: "clip", low: 0.1, high: 5, log: true, ...whenPrivate });
  parameters.push({ kind: "float", name: "lr", low: 0.01, high: 2, log: true });
  if (privacy.kind === "selection") {
    parameters.push({ kind: "categorical", name: "epochs", choices: privacy.epochs });
    parameters.push({ kind: "categorical", name: "batch", choices: privacy.batches });
  } else {
    parameters.push({ kind: "int", name: "epochs", low: epochLow, high: epochHigh });
    parameters.push({ kind: "int", name: "batch", low: batchLow, high: batchHigh, log: true });
  }
  // λ of the fairness penalty; ≤ 0.01 is effectively unmitigated.
  parameters.push({ kind: "float", name: "fairWeight", low: 0.01, high: 100, log: true });
  if (options.classWeighting)
    parameters.push({ kind: "categorical", name: "classWeight", choices: ["none", "balanced"] });
  if (options.interplayLevers && privacy.kind !== "selection") {
    // In the all-private space there is no `dp` parameter to condition the method on.
    for (const parameter of interplayParameters) {
      const onDp = parameter.condition?.parameter === "dp";
      if (onDp && !mixed) {
        const { condition: _condition, ...unconditional } = parameter;
        parameters.push(unconditional as Parameter);
      } else parameters.push(parameter);
    }
  }
  return parameters;
}

/**
 * The explorer's search space for data of this profile.
 *
 * @example
 * ```ts
 * import { explorerSpace } from "equipoise/explore";
 * const space = explorerSpace({ trainRows: 20000, minorityShare: 0.25 }, {
 *   privacy: { kind: "private", epsilonLow: 0.1 }, classWeighting: false,
 * });
 * space.parameters.map((p) => p.name); // ranges of batch and epochs follow the row count
 * ```
 */
export function explorerSpace(profile: DataProfile, options: SpaceOptions): SearchSpace {
  return new SearchSpace(explorerParameters(profile, options));
}

function clampInt(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, Math.round(value)));
}
