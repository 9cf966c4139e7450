/**
 * The study page's filter, "ε ≤ 3 and DP gap ≤ 0.05": bounds on validation
 * metrics, in the explorer's constraint syntax (src/explore/objectives.ts) with
 * friendlier spellings accepted. The front under a filter is the Pareto set of the
 * feasible trials that pass it, on the study's normalised objectives: what the
 * study would have found had the filter been a constraint from the start.
 */
import { UserError } from "../../../src/common/errors.js";
import { type Constraint, parseConstraint } from "../../../src/explore/objectives.js";
import { paretoFront } from "../../../src/search/pareto.js";
import type { StudyView, TrialRow } from "../../../src/server/documents.js";

export interface TrialFilter {
  constraints: Constraint[];
}

const SPELLINGS: [RegExp, string][] = [
  [/ε|\beps\b/gi, "epsilon"],
  [/\bdp\s*gap\b|\bdemographic\s*parity\b/gi, "dp"],
  [/\beo\s*gap\b|\bequali[sz]ed\s*odds\b/gi, "eo"],
  [/\beop\s*gap\b|\bequal\s*opportunity\b/gi, "eop"],
  [/\bacc\b/gi, "accuracy"],
  [/≤|=<|<(?!=)/g, "<="],
  [/≥|=>|>(?!=)/g, ">="],
];

/** Parses "ε ≤ 3 and DP gap ≤ 0.05" (also "epsilon<=3, dp<=0.05"); an empty text is no filter. */
export function parseFilter(text: string): TrialFilter {
  let normal = text;
  for (const [pattern, replacement] of SPELLINGS) normal = normal.replace(pattern, replacement);
  const parts = normal
    .split(/,|;|\band\b|&&/i)
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  try {
    return { constraints: parts.map((part) => parseConstraint(part.replace(/\s+/g, ""))) };
  } catch (error) {
    throw new UserError(
      error instanceof Error
        ? error.message.replace(/^cannot read constraint/, "cannot read the filter")
        : String(error),
    );
  }
}

const METRIC_KEYS = { dp: "dpDifference", eo: "eoDifference", eop: "eopDifference" } as const;

/** A trial's value of a filter's metric (validation split), or undefined when it has none. */
export function metricOf(trial: TrialRow, metric: Constraint["metric"]): number | undefined {
  const v = trial.validation;
  if (!v) return undefined;
  if (metric === "accuracy") return v.accuracy;
  if (metric === "epsilon") return v.epsilon;
  // The server's metric summary predates balanced accuracy: studies that record it carry it.
  if (metric === "balanced-accuracy") return (v as { balancedAccuracy?: number }).balancedAccuracy;
  // Studies whose trials measured them carry the privacy cost gap and the membership AUC.
  if (metric === "privacy-cost-gap") return (v as { privacyCostGap?: number }).privacyCostGap;
  if (metric === "mia") return (v as { membershipAuc?: number }).membershipAuc;
  return v[METRIC_KEYS[metric]];
}

export function passesFilter(trial: TrialRow, filter: TrialFilter): boolean {
  if (filter.constraints.length === 0) return trial.state === "complete";
  return filter.constraints.every((c) => {
    const value = metricOf(trial, c.metric);
    if (value === undefined || Number.isNaN(value)) return false;
    return c.op === "<=" ? value <= c.bound : value >= c.bound;
  });
}

/** Trial numbers on the front of the feasible trials that pass the filter (the study's front when empty). */
export function filteredFront(
  view: Pick<StudyView, "trials" | "objectives">,
  filter: TrialFilter,
): Set<number> {
  const candidates = view.trials.filter(
    (t) => t.state === "complete" && t.feasible && t.objectives !== null && passesFilter(t, filter),
  );
  const sign = view.objectives.map((o) => (o.direction === "maximize" ? -1 : 1));
  const points = candidates.map((t) => (t.objectives ?? []).map((v, k) => sign[k] * v));
  return new Set(paretoFront(points).map((i) => candidates[i].number));
}
