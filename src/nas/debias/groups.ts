/**
 * The groups the debiasing baselines that use group labels act on: (label, value of
 * the task's attribute) pairs, as in Sagawa et al. 2020 (Waterbirds: bird type ×
 * background) — for a biased benchmark, class × aligned/conflicting.
 */
import type { Split } from "../../data/index.js";

export interface TrainingGroups {
  /** Group of every training row (-1 when its attribute is missing). */
  groupOfRow: Int32Array;
  count: number;
  names: string[];
}

export function trainingGroups(
  split: Split,
  attribute: string,
  classNames: readonly string[],
): TrainingGroups {
  const feature = split.sensitive.find((s) => s.name === attribute);
  if (!feature) throw new Error(`the training split has no '${attribute}' attribute`);
  const values = feature.categories.length;
  const groupOfRow = Int32Array.from(feature.codes, (code, i) =>
    code < 0 ? -1 : split.y[i] * values + code,
  );
  const names = classNames.flatMap((label) =>
    feature.categories.map((c) => `label=${label}, ${attribute}=${c}`),
  );
  return { groupOfRow, count: names.length, names };
}

/**
 * Group reweighting: wᵢ = N / (G·n_g(i)) over the G groups present, so every group
 * weighs the same in the loss (the "RWG" baseline of Idrissi et al. 2022; importance
 * weighting for group shift, Sagawa et al. 2020 §5). Rows with no group weigh 1.
 */
export function groupBalancingWeights(groups: TrainingGroups): Float32Array {
  const counts = new Float64Array(groups.count);
  let rows = 0;
  for (const g of groups.groupOfRow) {
    if (g < 0) continue;
    counts[g]++;
    rows++;
  }
  const present = counts.filter((c) => c > 0).length;
  return Float32Array.from(groups.groupOfRow, (g) => (g < 0 ? 1 : rows / (present * counts[g])));
}
