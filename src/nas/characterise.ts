/**
 * The bias of a trained network on one split, measured from its predictions:
 *  - accuracy overall and on each group of the task's attribute (for the biased
 *    benchmarks: bias-aligned and bias-conflicting examples);
 *  - bias gap: the largest minus the smallest of those group accuracies (aligned
 *    minus conflicting accuracy on a biased benchmark);
 *  - worst-group accuracy over the groups (label × attribute value) with examples,
 *    as Sagawa et al. 2020 define it;
 *  - for a binary target, the demographic parity and equalized odds differences on
 *    the attribute (Fairlearn's definitions, through fairness/measures.ts);
 *  - the shortcut probe: the share of examples whose prediction changes when only
 *    the attribute is swapped in the inputs (colour, proxy or sensitive column) —
 *    counterfactual flip rate, as in the counterfactual fairness tests of Garg et al.
 *    2019; 0 means the network ignores the attribute.
 */

import type { Split } from "../data/index.js";
import { demographicParityDifference, equalizedOddsDifference } from "../fairness/measures.js";
import type { Sequential } from "../nn/index.js";
import { predict } from "../train/index.js";
import type { BiasCharacterisation } from "./schema.js";
import { counterfactual, type NasTask } from "./tasks.js";

type GroupAccuracy = BiasCharacterisation["attributeGroups"][number];

export type { BiasCharacterisation } from "./schema.js";

/** Group accuracies from predictions; groups without examples are left out. */
function groupAccuracies(
  y: ArrayLike<number>,
  predicted: ArrayLike<number>,
  groupOf: (i: number) => number,
  names: string[],
): GroupAccuracy[] {
  const counts = new Float64Array(names.length);
  const hits = new Float64Array(names.length);
  for (let i = 0; i < y.length; i++) {
    const g = groupOf(i);
    if (g < 0) continue;
    counts[g]++;
    if (predicted[i] === y[i]) hits[g]++;
  }
  return names.flatMap((group, g) =>
    counts[g] > 0 ? [{ group, count: counts[g], accuracy: hits[g] / counts[g] }] : [],
  );
}

/**
 * How biased a trained network is on a split: accuracy overall and per group of the attribute, the
 * bias gap, worst-group accuracy over label × attribute groups, DP and EO differences for binary
 * targets, and the shortcut probe (the share of predictions that change when only the attribute is swapped).
 *
 * @example
 * ```ts
 * import type { nn } from "equipoise";
 * import { characterise, loadNasTask } from "equipoise/nas";
 * const task = await loadNasTask("adult:sex");
 * declare const model: nn.Sequential; // trained on task.train (see runArchitecture)
 * const bias = characterise(model, task.test, task);
 * console.log(bias.accuracy, bias.worstGroupAccuracy, bias.biasGap);
 * ```
 */
export function characterise(
  model: Sequential,
  split: Split,
  task: Pick<NasTask, "attribute" | "classNames" | "numClasses" | "probe" | "kind">,
  options: { probeSeed?: number } = {},
): BiasCharacterisation {
  const attribute = split.sensitive.find((s) => s.name === task.attribute);
  if (!attribute) throw new Error(`the split has no '${task.attribute}' attribute`);
  const { classes } = predict(model, split.X);
  let correct = 0;
  for (let i = 0; i < split.y.length; i++) if (classes[i] === split.y[i]) correct++;
  const attributeGroups = groupAccuracies(
    split.y,
    classes,
    (i) => attribute.codes[i],
    attribute.categories.map((c) => `${attribute.name}=${c}`),
  );
  const values = task.attribute === attribute.name ? attribute.categories.length : 0;
  const joint = groupAccuracies(
    split.y,
    classes,
    (i) => (attribute.codes[i] < 0 ? -1 : split.y[i] * values + attribute.codes[i]),
    task.classNames.flatMap((label) =>
      attribute.categories.map((c) => `label=${label}, ${attribute.name}=${c}`),
    ),
  );
  const worst = joint.reduce((a, b) => (b.accuracy < a.accuracy ? b : a));
  const accuracies = attributeGroups.map((g) => g.accuracy);
  const result: BiasCharacterisation = {
    rows: split.X.rows,
    accuracy: correct / Math.max(split.X.rows, 1),
    attributeGroups,
    biasGap: Math.max(...accuracies) - Math.min(...accuracies),
    worstGroupAccuracy: worst.accuracy,
    worstGroup: worst.group,
    flipRate: null,
  };
  if (task.kind === "biased") {
    result.alignedAccuracy = attributeGroups.find((g) => g.group === `${attribute.name}=aligned`)?.accuracy;
    result.conflictingAccuracy = attributeGroups.find(
      (g) => g.group === `${attribute.name}=conflicting`,
    )?.accuracy;
  }
  if (task.numClasses === 2) {
    const options = { sensitiveFeatures: [attribute] };
    // A gap that is undefined (a group without positives) is left out rather than NaN.
    const dp = demographicParityDifference(split.y, classes, options);
    const eo = equalizedOddsDifference(split.y, classes, options);
    if (Number.isFinite(dp)) result.dpDifference = dp;
    if (Number.isFinite(eo)) result.eoDifference = eo;
  }
  const swapped = counterfactual(task, split, options.probeSeed ?? 0);
  if (swapped) {
    const after = predict(model, swapped.X).classes;
    let changed = 0;
    for (let i = 0; i < after.length; i++) if (after[i] !== classes[i]) changed++;
    result.flipRate = changed / Math.max(after.length, 1);
  }
  return result;
}
