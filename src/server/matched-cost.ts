/**
 * A private trial's cost of privacy by group against its matched model (the same
 * recipe and seed trained without DP), when the explorer stored one with the trial
 * (explore/trial-interplay.ts; studies made before it, or with --skip-privacy-cost,
 * have none). Read defensively: anything that does not have the stored shape is
 * treated as absent rather than failing the trial's page.
 */
import { z } from "zod";
import { decodeJsonNumber } from "../common/json.js";
import type { MatchedPrivacyCost } from "./documents.js";

const rate = z.union([z.number(), z.string(), z.null()]).transform((v) => decodeJsonNumber(v));
const rates = z.looseObject({ accuracy: rate, tpr: rate, fpr: rate, selectionRate: rate });
const splitCost = z.looseObject({
  attribute: z.string(),
  groups: z.array(
    z.looseObject({
      group: z.string(),
      count: z.number(),
      private: rates,
      matched: rates,
      change: rates,
      accuracyCost: rate,
    }),
  ),
  accuracyCostDisparity: rate,
});
const storedCost = z.looseObject({
  validation: splitCost,
  test: splitCost,
  notCoveredByEpsilon: z.string(),
});

/** The stored cost in a trial's metrics record, or null when there is none (or it is unreadable). */
export function matchedPrivacyCost(storedMetrics: unknown): MatchedPrivacyCost | null {
  const candidate = (storedMetrics as { privacyCost?: unknown } | null | undefined)?.privacyCost;
  if (candidate === undefined) return null;
  const parsed = storedCost.safeParse(candidate);
  if (!parsed.success) return null;
  const cost = parsed.data;
  return {
    attribute: cost.test.attribute,
    notCoveredByEpsilon: cost.notCoveredByEpsilon,
    splits: (["validation", "test"] as const).map((split) => ({
      split,
      disparity: cost[split].accuracyCostDisparity,
      groups: cost[split].groups.map((g) => ({
        group: g.group,
        count: g.count,
        privateAccuracy: g.private.accuracy,
        matchedAccuracy: g.matched.accuracy,
        accuracyCost: g.accuracyCost,
        tprChange: g.change.tpr,
        fprChange: g.change.fpr,
        selectionRateChange: g.change.selectionRate,
      })),
    })),
  };
}
