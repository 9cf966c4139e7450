/**
 * The interplay's levers for the explorer, as data and pure functions (wired in
 * src/explore: space.ts, objectives.ts, trial-interplay.ts): the search-space parameters
 * that choose group-aware clipping, and the normaliser of the privacy cost gap into [0, 1].
 */
import type { Parameter } from "../search/index.js";

/** The explorer objective and constraint name of the privacy-cost gap (largest minus smallest group accuracy cost). */
export const PRIVACY_COST_GAP = "privacy-cost-gap";

/** How stored per-group costs of privacy are labelled (DESIGN.md, "what epsilon covers"). */
export const PRIVACY_COST_NOT_COVERED =
  "per-group cost of privacy: the matched model is trained without DP and both models are scored on validation/test rows without noise; NOT covered by epsilon";

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
 * g = min(1, gap / (1 − majority accuracy)): the gap in units of the headroom of the
 * majority-class predictor, the unit of the explorer's normalised error — so a gap that
 * costs one group as much as the whole headroom counts as bad as the majority model's error.
 *
 * @example
 * ```ts
 * import { normalisedPrivacyCostGap } from "equipoise/interplay";
 * normalisedPrivacyCostGap(0.05, 0.75); // 0.2: a 5-point gap is a fifth of the 25-point headroom
 * normalisedPrivacyCostGap(0.5, 0.75); // 1 (capped)
 * ```
 */
export function normalisedPrivacyCostGap(gap: number, majorityAccuracy: number): number {
  const headroom = 1 - majorityAccuracy;
  if (!(headroom > 0)) return gap > 0 ? 1 : 0;
  return Math.min(1, Math.max(0, gap / headroom));
}
