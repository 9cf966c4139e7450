/**
 * Reweighing (Kamiran & Calders 2012): weights that make the label statistically
 * independent of the group in the weighted training data,
 *   w(g, y) = P(g) P(y) / P(g, y)   (expected over observed frequency of the cell),
 * multiplied into any existing sample weights (as AIF360 does). Any learner that
 * accepts sample weights then trains on the reweighed data.
 */
import { DataError } from "../common/errors.js";
import { groupRows, type SensitiveFeature } from "./groups.js";
import type { Vector } from "./metrics.js";

/**
 * Kamiran & Calders' (2012) reweighing: weight P(group)·P(y) / P(group, y) for every row, so that
 * label and group are independent in the weighted data; multiplied into `sampleWeight` if given.
 *
 * @example
 * ```ts
 * import { reweighingWeights } from "equipoise/fairness";
 * const sex = { name: "sex", values: ["F", "F", "F", "M"] };
 * reweighingWeights([1, 0, 0, 1], [sex]); // F,y=1: (3/4·2/4)/(1/4) = 1.5; F,y=0: 0.75; M,y=1: 0.5
 * ```
 */
export function reweighingWeights(
  y: Vector,
  sensitiveFeatures: SensitiveFeature[],
  sampleWeight?: Vector,
): Float64Array {
  const n = y.length;
  const grouping = groupRows(sensitiveFeatures, n);
  const groups = grouping.groups.length;
  const cell = new Float64Array(groups * 2);
  const groupWeight = new Float64Array(groups);
  const labelWeight = new Float64Array(2);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const w = sampleWeight ? sampleWeight[i] : 1;
    const label = y[i] === 1 ? 1 : 0;
    if (y[i] !== 0 && y[i] !== 1) throw new DataError(`reweighing needs 0/1 labels; row ${i} has ${y[i]}`);
    const g = grouping.groupOfRow[i];
    cell[g * 2 + label] += w;
    groupWeight[g] += w;
    labelWeight[label] += w;
    total += w;
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const label = y[i] === 1 ? 1 : 0;
    const g = grouping.groupOfRow[i];
    const factor = (groupWeight[g] * labelWeight[label]) / (total * cell[g * 2 + label]);
    out[i] = (sampleWeight ? sampleWeight[i] : 1) * factor;
  }
  return out;
}
