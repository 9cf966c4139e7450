/**
 * The pure mathematics of the fairness penalties (penalty.ts for batch statistics,
 * reference-penalty.ts for statistics from a reference set), on plain arrays: no
 * tensor engine, so the explorer's batched ensembles and the tests use it directly.
 *
 * A penalty compares the mean predicted probability of every group with that of its
 * event: P = Σ_c Σ_g (m_{c,g} − m_c)², where the events c are the constraint's
 * conditioning sets — all rows (demographic parity), each label (equalized odds), the
 * positives only (equal opportunity). Rows in no event (class −1) carry no penalty.
 */
import type { FairnessConstraint } from "./constraint.js";

/**
 * The events of a constraint: how many, and which one a row with `label` belongs to (−1: none).
 *
 * @example
 * ```ts
 * import { type PenaltyEvents, penaltyEvents } from "equipoise/fairness";
 * const events: PenaltyEvents = penaltyEvents("equal_opportunity");
 * events.count; // 1
 * const classOf = Int32Array.from([1, 0, 1], (label) => events.eventOf(label)); // [0, -1, 0]: negatives in no event
 * ```
 */
export interface PenaltyEvents {
  /** How many events the constraint has. */
  count: number;
  /** The event a row with this label belongs to, or −1 for none. */
  eventOf(label: number): number;
}

/**
 * The events of a constraint's penalty: one (all rows) for demographic parity, y = 1 for equal
 * opportunity, y = 0 and y = 1 for equalized odds.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const events = fairness.penaltyEvents("equalized_odds");
 * events.count; // 2
 * events.eventOf(0); // 0 (the y = 0 event); events.eventOf(1) is 1
 * fairness.penaltyEvents("equal_opportunity").eventOf(0); // −1: negatives are in no event
 * ```
 */
export function penaltyEvents(constraint: FairnessConstraint): PenaltyEvents {
  if (constraint === "equalized_odds") return { count: 2, eventOf: (label) => (label === 1 ? 1 : 0) };
  if (constraint === "equal_opportunity") return { count: 1, eventOf: (label) => (label === 1 ? 0 : -1) };
  return { count: 1, eventOf: () => 0 };
}

/**
 * Per-(class, group) statistics of predicted probabilities; cells are indexed c · groups + g.
 *
 * @example
 * ```ts
 * import { type GroupDeviations, groupDeviations } from "equipoise/fairness";
 * const cells: GroupDeviations = groupDeviations([0.9, 0.2, 0.8, 0.6, 0.3, 0.1, 0.7, 0.4], [0, 0, 0, 0, 1, 1, 1, 1], new Int32Array(8), 2, 1);
 * cells.count; // [4, 4]: rows per (event, group) cell
 * cells.deviation; // ≈ [0.125, -0.125]: each group's mean probability minus the event's
 * ```
 */
export interface GroupDeviations {
  /** Examples in each cell. */
  count: Float64Array;
  /** Examples in each class. */
  classCount: Float64Array;
  /** m_{c,g} − m_c: the cell's mean probability minus its class's; 0 for empty cells. */
  deviation: Float64Array;
  /** Σ_g deviation of each class. */
  deviationSum: Float64Array;
}

/**
 * Sums and counts of `probabilities` per (class, group) cell and per class, and the
 * deviations of the cell means from the class means — what both the batch penalty and
 * the reference penalty are built from.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const probabilities = [0.9, 0.2, 0.8, 0.6, 0.3, 0.1, 0.7, 0.4];
 * const groupOf = [0, 0, 0, 0, 1, 1, 1, 1];
 * const classOf = new Int32Array(8); // demographic parity: every row in event 0
 * const cells = fairness.groupDeviations(probabilities, groupOf, classOf, 2, 1);
 * cells.deviation; // ≈ [0.125, −0.125]: group means 0.625 and 0.375 around 0.5
 * ```
 */
export function groupDeviations(
  probabilities: ArrayLike<number>,
  groupOf: ArrayLike<number>,
  classOf: ArrayLike<number>,
  groups: number,
  classes: number,
): GroupDeviations {
  const sum = new Float64Array(classes * groups);
  const count = new Float64Array(classes * groups);
  const classSum = new Float64Array(classes);
  const classCount = new Float64Array(classes);
  for (let i = 0; i < probabilities.length; i++) {
    if (classOf[i] < 0) continue;
    const cell = classOf[i] * groups + groupOf[i];
    sum[cell] += probabilities[i];
    count[cell]++;
    classSum[classOf[i]] += probabilities[i];
    classCount[classOf[i]]++;
  }
  const deviation = new Float64Array(classes * groups);
  const deviationSum = new Float64Array(classes);
  for (let c = 0; c < classes; c++) {
    if (classCount[c] === 0) continue;
    const mean = classSum[c] / classCount[c];
    for (let g = 0; g < groups; g++) {
      const cell = c * groups + g;
      if (count[cell] === 0) continue;
      deviation[cell] = sum[cell] / count[cell] - mean;
      deviationSum[c] += deviation[cell];
    }
  }
  return { count, classCount, deviation, deviationSum };
}

/**
 * ∂P/∂pᵢ for every example of a batch and the penalty value P.
 * `classOf[i]` is the row's event (penaltyEvents): 0 for demographic parity, the label
 * for equalized odds, 0 for a positive and −1 for a negative under equal opportunity.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const probabilities = [0.9, 0.2, 0.8, 0.6, 0.3, 0.1, 0.7, 0.4];
 * const groupOf = [0, 0, 0, 0, 1, 1, 1, 1];
 * const classOf = new Int32Array(8); // demographic parity: every row in event 0
 * const { value, gradient } = fairness.penaltyGradient(probabilities, groupOf, classOf, 2, 1);
 * // value ≈ 0.03125; gradient ≈ +0.0625 for group 0's rows, −0.0625 for group 1's
 * ```
 */
export function penaltyGradient(
  probabilities: ArrayLike<number>,
  groupOf: ArrayLike<number>,
  classOf: ArrayLike<number>,
  groups: number,
  classes: number,
): { value: number; gradient: Float64Array } {
  const { count, classCount, deviation, deviationSum } = groupDeviations(
    probabilities,
    groupOf,
    classOf,
    groups,
    classes,
  );
  let value = 0;
  for (let cell = 0; cell < classes * groups; cell++) {
    if (count[cell] > 0) value += deviation[cell] * deviation[cell];
  }
  const gradient = new Float64Array(probabilities.length);
  for (let i = 0; i < gradient.length; i++) {
    const c = classOf[i];
    if (c < 0) continue;
    const cell = c * groups + groupOf[i];
    gradient[i] = 2 * (deviation[cell] / count[cell] - deviationSum[c] / classCount[c]);
  }
  return { value, gradient };
}

/**
 * k_{c,g} for every (class, group) cell from the reference set's predicted
 * probabilities (reference-penalty.ts derives them); cells without reference members
 * get 0. The class shares are of all reference rows, including rows in no event.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * const probabilities = [0.9, 0.2, 0.8, 0.6, 0.3, 0.1, 0.7, 0.4];
 * const groupOf = [0, 0, 0, 0, 1, 1, 1, 1];
 * const classOf = new Int32Array(8); // demographic parity: every row in event 0
 * fairness.referenceCoefficients(probabilities, groupOf, classOf, 2, 1); // ≈ [0.5, −0.5]
 * ```
 */
export function referenceCoefficients(
  probabilities: ArrayLike<number>,
  groupOf: ArrayLike<number>,
  classOf: ArrayLike<number>,
  groups: number,
  classes: number,
): Float64Array {
  const { count, classCount, deviation, deviationSum } = groupDeviations(
    probabilities,
    groupOf,
    classOf,
    groups,
    classes,
  );
  const coefficients = new Float64Array(classes * groups);
  for (let c = 0; c < classes; c++) {
    if (classCount[c] === 0) continue;
    const classShare = classCount[c] / probabilities.length;
    for (let g = 0; g < groups; g++) {
      const cell = c * groups + g;
      if (count[cell] === 0) continue;
      const groupShare = count[cell] / classCount[c];
      coefficients[cell] = (2 / classShare) * (deviation[cell] / groupShare - deviationSum[c]);
    }
  }
  return coefficients;
}
