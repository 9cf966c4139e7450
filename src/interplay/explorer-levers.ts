/**
 * The interplay's levers for the explorer, as data and pure functions (wired into
 * src/explore by the explorer's owner): the search-space parameters that choose
 * group-aware clipping, the per-trial privacy cost gap, its normaliser into [0, 1] and
 * the `privacy-cost-gap<=X` constraint.
 */
import { UsageError } from "../common/errors.js";
import type { ModelMetrics } from "../fit/metrics.js";
import type { Parameter } from "../search/index.js";
import { privacyCostOfTrial } from "./cost.js";

export const PRIVACY_COST_GAP = "privacy-cost-gap";

/**
 * Added to the default space: under DP, plain DP-SGD or DPSGD-F, and DPSGD-F's γ
 * (0.25–4, log scale: γ = 0 is DP-SGD; beyond ~4 the largest bound, and with it the
 * noise, grows for little change in relative clipping).
 */
export const interplayParameters: Parameter[] = [
  {
    kind: "categorical",
    name: "privateMethod",
    choices: ["dp-sgd", "dpsgd-f"],
    condition: { parameter: "dp", oneOf: [true] },
  },
  {
    kind: "float",
    name: "groupClipGamma",
    low: 0.25,
    high: 4,
    log: true,
    condition: { parameter: "privateMethod", oneOf: ["dpsgd-f"] },
  },
];

/**
 * The privacy cost gap of one trial: the largest group's accuracy cost minus the
 * smallest's, against the matched non-private model (cost.ts). A non-private trial
 * costs no group anything: 0.
 */
export function trialPrivacyCostGap(trial: ModelMetrics, matched: ModelMetrics, attribute: string): number {
  if (!(trial.epsilon < Number.POSITIVE_INFINITY)) return 0;
  const disparity = privacyCostOfTrial(trial, matched, attribute).accuracyCostDisparity;
  return Number.isFinite(disparity) ? disparity : 0;
}

/**
 * g = min(1, gap / (1 − majority accuracy)): the gap in units of the headroom of the
 * majority-class predictor, the unit of the explorer's normalised error — so a gap that
 * costs one group as much as the whole headroom counts as bad as the majority model's error.
 */
export function normalisedPrivacyCostGap(gap: number, majorityAccuracy: number): number {
  const headroom = 1 - majorityAccuracy;
  if (!(headroom > 0)) return gap > 0 ? 1 : 0;
  return Math.min(1, Math.max(0, gap / headroom));
}

/** `privacy-cost-gap<=X` → X (a gap of accuracy, in [0, 1]). */
export function parsePrivacyCostGapConstraint(raw: string): number {
  const match = /^\s*privacy-cost-gap\s*<=\s*([0-9.eE+-]+)\s*$/.exec(raw);
  if (!match) throw new UsageError(`--constraint: expected privacy-cost-gap<=X, got '${raw}'`);
  const limit = Number(match[1]);
  if (!(limit >= 0 && limit <= 1))
    throw new UsageError(`--constraint: the privacy cost gap limit must be in [0, 1], got ${match[1]}`);
  return limit;
}
