/**
 * Differentiable surrogates of fairness gaps (issue 12, item 5), so that influence
 * functions can say which training rows drive an unfairness. The hard gaps are
 * Fairlearn's (src/fairness/measures.ts); each surrogate replaces the hard decisions
 * of the two groups that define the gap by predicted probabilities:
 *   demographic parity: mean P(ŷ = 1) over the group with the highest selection rate
 *                       minus the same over the group with the lowest;
 *   equalized odds:     the same restricted to y = 1 (TPR) or y = 0 (FPR), whichever
 *                       difference is larger at the model's decisions;
 *   equal opportunity:  the same restricted to y = 1.
 * A surrogate is a linear functional Σᵢ cᵢ pᵢ of the predicted probabilities on a
 * reference set, so its gradient is one pass (ExplainableModel.probabilityGradient).
 */
import { DataError } from "../../common/errors.js";
import type { SensitiveAttribute } from "../../data/types.js";
import type { FairnessConstraint } from "../../fairness/constraint.js";
import {
  demographicParityDifference,
  equalizedOddsDifference,
  equalOpportunityDifference,
} from "../../fairness/measures.js";
import type { Examples } from "../data.js";
import type { InfluenceQueries } from "../influence/influence.js";
import type { ExplainableModel } from "../model.js";

/**
 * A differentiable stand-in for a fairness gap: a weighted sum of predicted probabilities over reference rows,
 * whose influence ranks the training rows behind the gap.
 *
 * @example
 * ```ts
 * import { describeSurrogate, type ExplainableModel, type ExplainData, type GapSurrogate, gapSurrogate } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task) with a sensitive attribute
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const surrogate: GapSurrogate = gapSurrogate(model, data.test, data.task.test.sensitive[0], "equalized_odds");
 * surrogate.labelClass; // the label class (0 or 1) whose rates differ most between surrogate.higher and surrogate.lower
 * describeSurrogate(surrogate); // the same, in words
 * ```
 */
export interface GapSurrogate {
  /** The fairness constraint whose gap it stands for. */
  constraint: FairnessConstraint;
  /** The sensitive attribute. */
  attribute: string;
  /** The group with the higher rate and the one with the lower, at the model's decisions. */
  higher: string;
  lower: string;
  /** For equalized odds and equal opportunity: the label class whose rate is compared. */
  labelClass?: 0 | 1;
  /** cᵢ over the reference rows: the surrogate is Σᵢ cᵢ P(y = 1 | xᵢ). */
  coefficients: Float64Array;
}

/**
 * Hard 0/1 decisions of a binary model (P(y = 1) > 0.5, as the engine and scikit-learn decide).
 *
 * @example
 * ```ts
 * import { decisions, type ExplainData, type LogisticModel } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: LogisticModel; // from fitLogisticRegression(data.train)
 * const predicted = decisions(model, data.test); // Float64Array of 0/1, P(y = 1) > 0.5
 * ```
 */
export function decisions(model: ExplainableModel, examples: Examples): Float64Array {
  const probabilities = model.probabilities(examples);
  const out = new Float64Array(examples.rows);
  for (let i = 0; i < examples.rows; i++) out[i] = probabilities[i * model.classes + 1] > 0.5 ? 1 : 0;
  return out;
}

/**
 * The Fairlearn gap of hard decisions.
 *
 * @example
 * ```ts
 * import { decisions, type ExplainData, fairnessGap, type LogisticModel } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task); the group of each test row from its task
 * declare const model: LogisticModel; // from fitLogisticRegression(data.train)
 * const gap = fairnessGap("demographic_parity", data.test.y, decisions(model, data.test), data.task.test.sensitive[0]);
 * // german-credit by sex, logistic regression C = 1: 0.1507
 * ```
 */
export function fairnessGap(
  constraint: FairnessConstraint,
  y: ArrayLike<number>,
  predictions: ArrayLike<number>,
  attribute: SensitiveAttribute,
): number {
  const options = { sensitiveFeatures: [attribute] };
  switch (constraint) {
    case "demographic_parity":
      return demographicParityDifference(y, predictions, options);
    case "equalized_odds":
      return equalizedOddsDifference(y, predictions, options);
    case "equal_opportunity":
      return equalOpportunityDifference(y, predictions, options);
  }
}

/**
 * Builds the surrogate of `constraint` on the reference rows, choosing the groups at the model's decisions.
 *
 * @example
 * ```ts
 * import { type ExplainData, gapSurrogate, type LogisticModel, surrogateValue } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task); reference rows: data.test
 * declare const model: LogisticModel; // from fitLogisticRegression(data.train)
 * const surrogate = gapSurrogate(model, data.test, data.task.test.sensitive[0], "demographic_parity");
 * surrogate.higher; // the group with the higher selection rate at the model's decisions
 * surrogateValue(model, data.test, surrogate); // the smooth stand-in for the gap
 * ```
 */
export function gapSurrogate(
  model: ExplainableModel,
  reference: Examples,
  attribute: SensitiveAttribute,
  constraint: FairnessConstraint,
): GapSurrogate {
  if (model.classes !== 2) throw new DataError("fairness gaps are defined for binary classifiers only");
  if (attribute.codes.length !== reference.rows) {
    throw new RangeError(`${reference.rows} rows but ${attribute.codes.length} group codes`);
  }
  const predicted = decisions(model, reference);
  const classes: (0 | 1 | undefined)[] =
    constraint === "demographic_parity" ? [undefined] : constraint === "equal_opportunity" ? [1] : [1, 0];
  let best: { gap: number; higher: number; lower: number; labelClass: 0 | 1 | undefined } | undefined;
  for (const labelClass of classes) {
    const rates = groupRates(predicted, reference.y, attribute, labelClass);
    const present = rates.map((r, g) => ({ r, g })).filter((x) => !Number.isNaN(x.r));
    if (present.length < 2) continue;
    present.sort((a, b) => b.r - a.r || a.g - b.g);
    const gap = present[0].r - present[present.length - 1].r;
    if (!best || gap > best.gap)
      best = { gap, higher: present[0].g, lower: present[present.length - 1].g, labelClass };
  }
  if (!best) {
    throw new DataError(
      `'${attribute.name}' needs at least two groups with rows in the reference set for a fairness gap`,
    );
  }
  const counts = [0, 0];
  for (let i = 0; i < reference.rows; i++) {
    if (best.labelClass !== undefined && reference.y[i] !== best.labelClass) continue;
    if (attribute.codes[i] === best.higher) counts[0]++;
    else if (attribute.codes[i] === best.lower) counts[1]++;
  }
  const coefficients = new Float64Array(reference.rows);
  for (let i = 0; i < reference.rows; i++) {
    if (best.labelClass !== undefined && reference.y[i] !== best.labelClass) continue;
    if (attribute.codes[i] === best.higher) coefficients[i] = 1 / counts[0];
    else if (attribute.codes[i] === best.lower) coefficients[i] = -1 / counts[1];
  }
  return {
    constraint,
    attribute: attribute.name,
    higher: attribute.categories[best.higher],
    lower: attribute.categories[best.lower],
    ...(best.labelClass !== undefined ? { labelClass: best.labelClass } : {}),
    coefficients,
  };
}

/** Rate of positive decisions per group (within one label class when given); NaN for an empty group. */
function groupRates(
  predicted: Float64Array,
  y: Float64Array,
  attribute: SensitiveAttribute,
  labelClass: 0 | 1 | undefined,
): number[] {
  const groups = attribute.categories.length;
  const positives = new Float64Array(groups);
  const totals = new Float64Array(groups);
  for (let i = 0; i < predicted.length; i++) {
    const g = attribute.codes[i];
    if (g < 0 || (labelClass !== undefined && y[i] !== labelClass)) continue;
    totals[g]++;
    positives[g] += predicted[i];
  }
  return Array.from(totals, (total, g) => (total > 0 ? positives[g] / total : Number.NaN));
}

/**
 * Σᵢ cᵢ P(y = 1 | xᵢ) at the model's parameters.
 *
 * @example
 * ```ts
 * import { type ExplainData, gapSurrogate, type LogisticModel, surrogateValue } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: LogisticModel; // from fitLogisticRegression(data.train)
 * const surrogate = gapSurrogate(model, data.test, data.task.test.sensitive[0], "demographic_parity");
 * surrogateValue(model, data.test, surrogate); // Σᵢ cᵢ P(y = 1 | xᵢ)
 * ```
 */
export function surrogateValue(
  model: ExplainableModel,
  reference: Examples,
  surrogate: GapSurrogate,
): number {
  const probabilities = model.probabilities(reference);
  let value = 0;
  for (let i = 0; i < reference.rows; i++) {
    const c = surrogate.coefficients[i];
    if (c !== 0) value += c * probabilities[i * model.classes + 1];
  }
  return value;
}

/**
 * The surrogate as an influence query: I(i) is the predicted change of the surrogate when row i is removed.
 *
 * @example
 * ```ts
 * import { type ExplainData, gapSurrogate, influence, type LogisticModel, surrogateQuery } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: LogisticModel; // from fitLogisticRegression(data.train)
 * const surrogate = gapSurrogate(model, data.test, data.task.test.sensitive[0], "demographic_parity");
 * const { matrix } = influence(model, surrogateQuery(model, data.test, surrogate), { method: "exact" });
 * // matrix[i]: predicted change of the surrogate when training row i is removed
 * ```
 */
export function surrogateQuery(
  model: ExplainableModel,
  reference: Examples,
  surrogate: GapSurrogate,
): InfluenceQueries {
  return {
    gradients: model.probabilityGradient(reference, surrogate.coefficients),
    count: 1,
    labels: [describeSurrogate(surrogate)],
    at: (other) => other.probabilityGradient(reference, surrogate.coefficients),
  };
}

/**
 * A surrogate in words, e.g. `mean P(ŷ = 1), sex = male minus sex = female`.
 *
 * @example
 * ```ts
 * import { describeSurrogate, type GapSurrogate } from "equipoise/explain";
 * declare const surrogate: GapSurrogate; // from a fairness explanation
 * const text = describeSurrogate(surrogate);
 * ```
 */
export function describeSurrogate(surrogate: GapSurrogate): string {
  const rate =
    surrogate.labelClass === undefined
      ? "P(ŷ = 1)"
      : surrogate.labelClass === 1
        ? "P(ŷ = 1 | y = 1)"
        : "P(ŷ = 1 | y = 0)";
  return `mean ${rate}, ${surrogate.attribute} = ${surrogate.higher} minus ${surrogate.attribute} = ${surrogate.lower}`;
}
