/**
 * The cost of privacy by group (Bagdasaryan, Poursaeed & Shmatikov 2019: DP-SGD costs
 * small and hard groups more accuracy): each group's accuracy, TPR, FPR and selection rate
 * of the private model against the matched model (same recipe, same seed, σ = 0), on the
 * test split; the change of each (private − matched) and the accuracy cost
 * (matched − private). The disparity of the cost is the largest group's accuracy cost
 * minus the smallest's: 0 when privacy costs every group the same.
 *
 * One trial gives point values; several seeds give their mean with a percentile-bootstrap
 * interval over seeds (intervals.ts). Light: no tensor engine.
 */
import { UserError } from "../common/errors.js";
import type { GroupMetrics, ModelMetrics } from "../fit/metrics.js";
import type { Recipe } from "../fit/recipe.js";
import { bootstrapMeanInterval, type SeedInterval } from "./intervals.js";
import { MIN_GROUP_ROWS } from "./ldp.js";

/**
 * The per-group rates the cost of privacy compares.
 *
 * @example
 * ```ts
 * import { GROUP_RATES } from "equipoise/interplay";
 * GROUP_RATES; // ["accuracy", "tpr", "fpr", "selectionRate"]: the keys of GroupCost.private, .matched and .change
 * ```
 */
export const GROUP_RATES = ["accuracy", "tpr", "fpr", "selectionRate"] as const;
/**
 * One of {@link GROUP_RATES}.
 *
 * @example
 * ```ts
 * import type { GroupRate, TrialPrivacyCost } from "equipoise/interplay";
 * declare const cost: TrialPrivacyCost; // from privacyCostOfTrial
 * const rate: GroupRate = "tpr";
 * cost.groups.map((g) => g.change[rate]); // private − matched true positive rate, per group
 * ```
 */
export type GroupRate = (typeof GROUP_RATES)[number];

/**
 * One group's rates under the private model and its matched non-private one, and the changes.
 *
 * @example
 * ```ts
 * import { type GroupCost, privacyCostOfTrial } from "equipoise/interplay";
 * import type { fit } from "equipoise";
 * declare const privateMetrics: fit.ModelMetrics; // the private model on the test split
 * declare const matchedMetrics: fit.ModelMetrics; // its matched model on the same split
 * const groups: GroupCost[] = privacyCostOfTrial(privateMetrics, matchedMetrics, "sex").groups;
 * for (const g of groups) console.log(g.group, g.count, g.matched.accuracy, g.private.accuracy, g.accuracyCost);
 * ```
 */
export interface GroupCost {
  /** The group's value. */
  group: string;
  /** Test rows of the group. */
  count: number;
  private: Record<GroupRate, number>;
  matched: Record<GroupRate, number>;
  /** private − matched, per rate. */
  change: Record<GroupRate, number>;
  /** matched − private accuracy: what privacy cost the group. */
  accuracyCost: number;
}

/**
 * The per-group cost of privacy in one trial: the private model against its matched non-private one.
 *
 * @example
 * ```ts
 * import { privacyCostOfTrial, type TrialPrivacyCost } from "equipoise/interplay";
 * import type { fit } from "equipoise";
 * declare const privateMetrics: fit.ModelMetrics; // the private model on the test split
 * declare const matchedMetrics: fit.ModelMetrics; // its matched model on the same split
 * const cost: TrialPrivacyCost = privacyCostOfTrial(privateMetrics, matchedMetrics, "sex");
 * cost.accuracyCostDisparity; // max − min of the groups' accuracy costs: 0 when privacy costs every group the same
 * cost.gaps.eo.change; // how DP-SGD moved the equalized-odds difference
 * ```
 */
export interface TrialPrivacyCost {
  attribute: string;
  groups: GroupCost[];
  /** max_g accuracyCost − min_g accuracyCost (groups with a defined accuracy). */
  accuracyCostDisparity: number;
  /** Fairness gaps of the private and the matched model on the attribute (Fairlearn's differences). */
  gaps: Record<"dp" | "eo" | "eop", { private: number; matched: number; change: number }>;
}

/**
 * The matched model's recipe: the private recipe without its privacy block (no clipping,
 * no noise), with the same seed and Poisson batches, so that only DP differs.
 *
 * @example
 * ```ts
 * import { fit } from "equipoise";
 * import { matchedRecipe } from "equipoise/interplay";
 * const privateRecipe = fit.parseRecipe({ model: "logreg", epochs: 3, batchSize: 256, privacy: { clip: 1, noiseMultiplier: 1 } });
 * const matched = matchedRecipe(privateRecipe); // the same recipe and seed without clipping or noise
 * ```
 */
export function matchedRecipe(recipe: Recipe): Recipe {
  const { privacy: _privacy, ...rest } = recipe;
  return { ...rest, sampling: "poisson" };
}

function pick(metrics: GroupMetrics): Record<GroupRate, number> {
  return {
    accuracy: metrics.accuracy,
    tpr: metrics.tpr,
    fpr: metrics.fpr,
    selectionRate: metrics.selectionRate,
  };
}

/**
 * The per-group cost of one private model against its matched model, both evaluated on the
 * same split with the same sensitive attribute as the primary one (fit/metrics.ts).
 *
 * @example
 * ```ts
 * import type { ModelMetrics } from "equipoise/fit";
 * import { privacyCostOfTrial } from "equipoise/interplay";
 * declare const privateMetrics: ModelMetrics, matchedMetrics: ModelMetrics; // the two models' on the same test split
 * const cost = privacyCostOfTrial(privateMetrics, matchedMetrics, "sex");
 * cost.groups; // per group: the accuracy the private model loses; cost.accuracyCostDisparity: max − min
 * ```
 */
export function privacyCostOfTrial(
  privateMetrics: ModelMetrics,
  matchedMetrics: ModelMetrics,
  attribute: string,
): TrialPrivacyCost {
  const privateGroups = privateMetrics.perGroup[attribute];
  const matchedGroups = matchedMetrics.perGroup[attribute];
  if (!privateGroups || !matchedGroups)
    throw new UserError(`'${attribute}' is not a sensitive attribute of both evaluations`);
  const groups: GroupCost[] = Object.entries(matchedGroups).map(([group, matched]) => {
    const priv = privateGroups[group];
    if (!priv || priv.count !== matched.count)
      throw new UserError(
        `group '${group}' of '${attribute}' differs between the two evaluations (not the same split?)`,
      );
    const p = pick(priv);
    const m = pick(matched);
    const change = Object.fromEntries(GROUP_RATES.map((rate) => [rate, p[rate] - m[rate]])) as Record<
      GroupRate,
      number
    >;
    return {
      group,
      count: matched.count,
      private: p,
      matched: m,
      change,
      accuracyCost: m.accuracy - p.accuracy,
    };
  });
  const costs = groups.map((g) => g.accuracyCost).filter(Number.isFinite);
  const gap = (key: "dpDifference" | "eoDifference" | "eopDifference") => ({
    private: privateMetrics[key],
    matched: matchedMetrics[key],
    change: privateMetrics[key] - matchedMetrics[key],
  });
  return {
    attribute,
    groups,
    accuracyCostDisparity: costs.length >= 2 ? Math.max(...costs) - Math.min(...costs) : Number.NaN,
    gaps: { dp: gap("dpDifference"), eo: gap("eoDifference"), eop: gap("eopDifference") },
  };
}

/**
 * One group's cost of privacy averaged over seeds, each figure with its bootstrap interval.
 *
 * @example
 * ```ts
 * import { type GroupCostSummary, summarisePrivacyCost, type TrialPrivacyCost } from "equipoise/interplay";
 * declare const costs: TrialPrivacyCost[]; // privacyCostOfTrial of one private/matched pair per seed
 * const groups: GroupCostSummary[] = summarisePrivacyCost(costs).groups;
 * for (const g of groups) console.log(g.group, g.accuracyCost.estimate, g.accuracyCost.low, g.accuracyCost.high);
 * groups[0].rates.fpr.change; // the change of the group's FPR: mean over seeds with its interval
 * ```
 */
export interface GroupCostSummary {
  /** The group's value. */
  group: string;
  count: number;
  /** Per rate: the private and matched values and the change, each a mean over seeds with its interval. */
  rates: Record<GroupRate, { private: SeedInterval; matched: SeedInterval; change: SeedInterval }>;
  accuracyCost: SeedInterval;
}

/**
 * The per-group cost of privacy averaged over seeds, with bootstrap intervals and warnings.
 *
 * @example
 * ```ts
 * import { type PrivacyCostSummary, summarisePrivacyCost, type TrialPrivacyCost } from "equipoise/interplay";
 * declare const costs: TrialPrivacyCost[]; // privacyCostOfTrial of one private/matched pair per seed
 * const summary: PrivacyCostSummary = summarisePrivacyCost(costs, { confidence: 0.95 });
 * summary.accuracyCostDisparity; // { estimate, low, high, perSeed }
 * summary.gaps.dp.change.estimate; // how DP-SGD moved the demographic-parity difference
 * summary.warnings; // e.g. fewer than 5 seeds, or a group with too few test rows
 * ```
 */
export interface PrivacyCostSummary {
  attribute: string;
  seeds: number;
  confidence: number;
  groups: GroupCostSummary[];
  accuracyCostDisparity: SeedInterval;
  gaps: Record<"dp" | "eo" | "eop", { private: SeedInterval; matched: SeedInterval; change: SeedInterval }>;
  warnings: string[];
}

/**
 * Means over seeds (one trial each, same split) with percentile-bootstrap intervals.
 *
 * @example
 * ```ts
 * import { summarisePrivacyCost, type TrialPrivacyCost } from "equipoise/interplay";
 * declare const costs: TrialPrivacyCost[]; // privacyCostOfTrial(...) of one private/matched pair per seed
 * const summary = summarisePrivacyCost(costs, { confidence: 0.95, seed: 0 });
 * summary.accuracyCostDisparity; // mean over seeds with a bootstrap interval
 * ```
 */
export function summarisePrivacyCost(
  trials: readonly TrialPrivacyCost[],
  options: { confidence?: number; resamples?: number; seed?: number } = {},
): PrivacyCostSummary {
  if (trials.length === 0) throw new UserError("no trials to summarise");
  const confidence = options.confidence ?? 0.95;
  const interval = (values: number[]) => bootstrapMeanInterval(values, { ...options, confidence });
  const first = trials[0];
  const warnings: string[] = [];
  if (trials.length < 5)
    warnings.push(
      `${trials.length} seed${trials.length === 1 ? "" : "s"}: an interval over so few seeds understates the variation between runs (use 5 or more)`,
    );
  const groups = first.groups.map((group, g) => {
    if (group.count < MIN_GROUP_ROWS)
      warnings.push(
        `group '${group.group}' of '${first.attribute}' has ${group.count} test rows: too few for its rates (and their intervals) to mean much`,
      );
    const rates = Object.fromEntries(
      GROUP_RATES.map((rate) => [
        rate,
        {
          private: interval(trials.map((t) => t.groups[g].private[rate])),
          matched: interval(trials.map((t) => t.groups[g].matched[rate])),
          change: interval(trials.map((t) => t.groups[g].change[rate])),
        },
      ]),
    ) as GroupCostSummary["rates"];
    return {
      group: group.group,
      count: group.count,
      rates,
      accuracyCost: interval(trials.map((t) => t.groups[g].accuracyCost)),
    };
  });
  const gap = (key: "dp" | "eo" | "eop") => ({
    private: interval(trials.map((t) => t.gaps[key].private)),
    matched: interval(trials.map((t) => t.gaps[key].matched)),
    change: interval(trials.map((t) => t.gaps[key].change)),
  });
  return {
    attribute: first.attribute,
    seeds: trials.length,
    confidence,
    groups,
    accuracyCostDisparity: interval(trials.map((t) => t.accuracyCostDisparity)),
    gaps: { dp: gap("dp"), eo: gap("eo"), eop: gap("eop") },
    warnings,
  };
}
