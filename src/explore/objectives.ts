/**
 * The explorer's objectives and constraints, and DESIGN.md's normalisation of
 * them into [0, 1] (all minimised, reference point (1, 1, 1)).
 */
import { UsageError } from "../common/errors.js";
import { normalisedPrivacyCostGap, PRIVACY_COST_GAP } from "../interplay/explorer-levers.js";

/**
 * The metrics a trial reports, on one split.
 *
 * @example
 * ```ts
 * import { normaliseObjective, type TrialMetrics } from "equipoise/explore";
 * const metrics: TrialMetrics = {
 *   accuracy: 0.85, balancedAccuracy: 0.8, epsilon: 4, dpDifference: 0.1, eoDifference: 0.12, eopDifference: 0.05,
 * };
 * const basis = { majorityAccuracy: 0.75, referenceGaps: { dp: 0.2, eo: 0.2, eop: 0.1 } };
 * normaliseObjective("dp", metrics, basis); // 0.5: half the reference model's gap
 * ```
 */
export interface TrialMetrics {
  accuracy: number;
  /** Mean of the per-class recalls (NaN in studies stored before it was recorded). */
  balancedAccuracy: number;
  /** (epsilon, delta)-DP of the whole run; Infinity for a non-private model. */
  epsilon: number;
  dpDifference: number;
  eoDifference: number;
  eopDifference: number;
  /**
   * The largest group's accuracy cost of privacy minus the smallest's, against the
   * trial's matched non-private model (trial-interplay.ts); 0 for a non-private trial.
   * NOT covered by ε.
   */
  privacyCostGap?: number;
  /** AUC of the loss membership attack on the trial's model (trial-interplay.ts). NOT covered by ε. */
  membershipAuc?: number;
}

/**
 * The explorer's objectives: an error (accuracy or balanced accuracy), ε, a fairness gap
 * (dp, eo, eop), the per-group cost of privacy and the membership-inference risk.
 *
 * @example
 * ```ts
 * import { objectiveNames } from "equipoise/explore";
 * objectiveNames; // ["accuracy", "balanced-accuracy", "epsilon", "dp", "eo", "eop", "privacy-cost-gap", "mia"]
 * const known = (objectiveNames as readonly string[]).includes("eo"); // true: a valid --objectives entry
 * ```
 */
export const objectiveNames = [
  "accuracy",
  "balanced-accuracy",
  "epsilon",
  "dp",
  "eo",
  "eop",
  PRIVACY_COST_GAP,
  "mia",
] as const;
/**
 * One of {@link objectiveNames}.
 *
 * @example
 * ```ts
 * import { type ObjectiveName, parseObjectives } from "equipoise/explore";
 * const objectives: ObjectiveName[] = ["balanced-accuracy", "epsilon", "eo"];
 * parseObjectives("balanced-accuracy,epsilon,eo"); // the same list, from the CLI's --objectives
 * ```
 */
export type ObjectiveName = (typeof objectiveNames)[number];

/**
 * The default objectives: accuracy, ε and the demographic-parity difference.
 *
 * @example
 * ```ts
 * import { defaultObjectives, parseObjectives } from "equipoise/explore";
 * defaultObjectives; // ["accuracy", "epsilon", "dp"]
 * parseObjectives(undefined); // a copy of defaultObjectives: what explore uses without --objectives
 * ```
 */
export const defaultObjectives: ObjectiveName[] = ["accuracy", "epsilon", "dp"];

/**
 * What the normalisation needs from the reference model and the test split.
 *
 * @example
 * ```ts
 * import { type NormalisationBasis, normaliseObjective } from "equipoise/explore";
 * const basis: NormalisationBasis = { majorityAccuracy: 0.75, referenceGaps: { dp: 0.2, eo: 0.2, eop: 0.1 } };
 * const metrics = { accuracy: 0.85, balancedAccuracy: 0.8, epsilon: 4, dpDifference: 0.1, eoDifference: 0.12, eopDifference: 0.05 };
 * normaliseObjective("accuracy", metrics, basis); // 0.6: 15 % error against the majority class's 25 %
 * ```
 */
export interface NormalisationBasis {
  /** Accuracy of always predicting the majority class, on the split being scored. */
  majorityAccuracy: number;
  /** The reference model's gap for each fairness objective (same split). */
  referenceGaps: { dp: number; eo: number; eop: number };
}

const fairnessMetric = { dp: "dpDifference", eo: "eoDifference", eop: "eopDifference" } as const;

/**
 * e = min(1, (1 − accuracy) / (1 − majority accuracy)).
 *
 * @example
 * ```ts
 * import { normalisedError } from "equipoise/explore";
 * normalisedError(0.85, 0.75); // 0.6: 15 % error against the majority class's 25 %
 * ```
 */
export function normalisedError(accuracy: number, majorityAccuracy: number): number {
  const baseline = 1 - majorityAccuracy;
  if (!(baseline > 0)) return 1;
  return clamp01((1 - accuracy) / baseline);
}

/**
 * Balanced accuracy normalised as DESIGN.md normalises accuracy, against the constant
 * predictor: e = min(1, (1 − balanced accuracy) / (1 − 0.5)), since every constant
 * predictor of a binary task has balanced accuracy 0.5 (the role the majority-class
 * accuracy plays for accuracy). A model that only predicts the majority class of
 * imbalanced labels then adds nothing, however high its accuracy.
 *
 * @example
 * ```ts
 * import { normalisedBalancedError } from "equipoise/explore";
 * normalisedBalancedError(0.8); // 0.4 = (1 − 0.8) / 0.5
 * ```
 */
export function normalisedBalancedError(balancedAccuracy: number): number {
  if (!Number.isFinite(balancedAccuracy)) return 1;
  return clamp01((1 - balancedAccuracy) / (1 - 0.5));
}

/**
 * p = clip((log10 ε + 1) / 3, 0, 1): ε 0.1 → 0, ε 100 → 1, non-private → 1.
 *
 * @example
 * ```ts
 * import { normalisedPrivacy } from "equipoise/explore";
 * normalisedPrivacy(1); // 1/3
 * normalisedPrivacy(10); // 2/3
 * normalisedPrivacy(Number.POSITIVE_INFINITY); // 1: a non-private model
 * ```
 */
export function normalisedPrivacy(epsilon: number): number {
  if (!(epsilon < Number.POSITIVE_INFINITY)) return 1;
  if (epsilon <= 0) return 0;
  return clamp01((Math.log10(epsilon) + 1) / 3);
}

/**
 * u = min(1, gap / gap_ref); a reference gap of 0 leaves nothing to improve.
 *
 * @example
 * ```ts
 * import { normalisedUnfairness } from "equipoise/explore";
 * normalisedUnfairness(0.05, 0.2); // 0.25: a quarter of the reference model's gap
 * ```
 */
export function normalisedUnfairness(gap: number, referenceGap: number): number {
  if (!(referenceGap > 0)) return gap > 0 ? 1 : 0;
  return clamp01(gap / referenceGap);
}

/**
 * An objective of a trial normalised to [0, 1] and minimised, as DESIGN.md defines it (reference
 * point (1, 1, 1)).
 *
 * @example
 * ```ts
 * import { normaliseObjective } from "equipoise/explore";
 * const metrics = { accuracy: 0.85, balancedAccuracy: 0.8, epsilon: 4, dpDifference: 0.1, eoDifference: 0.12, eopDifference: 0.05 };
 * const basis = { majorityAccuracy: 0.75, referenceGaps: { dp: 0.2, eo: 0.2, eop: 0.1 } };
 * normaliseObjective("accuracy", metrics, basis); // 0.6
 * normaliseObjective("dp", metrics, basis); // 0.5
 * ```
 */
export function normaliseObjective(
  name: ObjectiveName,
  metrics: TrialMetrics,
  basis: NormalisationBasis,
): number {
  switch (name) {
    case "accuracy":
      return normalisedError(metrics.accuracy, basis.majorityAccuracy);
    case "balanced-accuracy":
      return normalisedBalancedError(metrics.balancedAccuracy);
    case "epsilon":
      return normalisedPrivacy(metrics.epsilon);
    case PRIVACY_COST_GAP:
      return normalisedPrivacyCostGap(metrics.privacyCostGap ?? 0, basis.majorityAccuracy);
    case "mia":
      return normalisedMembershipRisk(metrics.membershipAuc);
    default:
      return normalisedUnfairness(metrics[fairnessMetric[name]], basis.referenceGaps[name]);
  }
}

/**
 * Objectives from a comma-separated list ("accuracy,epsilon,dp"); the defaults for undefined; a
 * UsageError naming an unknown or repeated objective.
 *
 * @example
 * ```ts
 * import { parseObjectives } from "equipoise/explore";
 * parseObjectives("accuracy,epsilon,eo"); // ["accuracy", "epsilon", "eo"]
 * parseObjectives(undefined); // the defaults: ["accuracy", "epsilon", "dp"]
 * ```
 */
export function parseObjectives(raw: string | undefined): ObjectiveName[] {
  if (raw === undefined) return [...defaultObjectives];
  const names = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length < 2)
    throw new UsageError(`--objectives needs at least two of: ${objectiveNames.join(", ")}`);
  for (const name of names) {
    if (!(objectiveNames as readonly string[]).includes(name)) {
      throw new UsageError(`unknown objective '${name}'; known objectives: ${objectiveNames.join(", ")}`);
    }
  }
  if (new Set(names).size !== names.length)
    throw new UsageError(`--objectives lists an objective twice: ${raw}`);
  return names as ObjectiveName[];
}

/**
 * A bound on one metric, e.g. "epsilon<=8" or "accuracy>=0.8".
 *
 * @example
 * ```ts
 * import { type Constraint, explore, parseConstraint } from "equipoise/explore";
 * const bound: Constraint = parseConstraint("epsilon<=8"); // { metric: "epsilon", op: "<=", bound: 8, text: "epsilon<=8" }
 * const floor: Constraint = { metric: "accuracy", op: ">=", bound: 0.8, text: "accuracy>=0.8" };
 * await explore({ request: { data: "adult", sensitive: ["sex"] }, objectives: ["accuracy", "dp"], constraints: [bound, floor], budget: 40, seed: 0 });
 * ```
 */
export interface Constraint {
  metric: ObjectiveName;
  op: "<=" | ">=";
  bound: number;
  text: string;
}

/**
 * A constraint from its text ("epsilon<=8", "accuracy>=0.8", "dp<=0.05"); a UsageError otherwise.
 *
 * @example
 * ```ts
 * import { parseConstraint } from "equipoise/explore";
 * parseConstraint("epsilon<=8"); // { metric: "epsilon", op: "<=", bound: 8, text: "epsilon<=8" }
 * ```
 */
export function parseConstraint(text: string): Constraint {
  const match = /^\s*([a-z-]+)\s*(<=|>=)\s*([-+0-9.eE]+)\s*$/.exec(text);
  if (!match)
    throw new UsageError(
      `cannot read constraint '${text}'; write e.g. "epsilon<=8", "accuracy>=0.8", "balanced-accuracy>=0.7", "dp<=0.05", "privacy-cost-gap<=0.02" or "mia<=0.6"`,
    );
  const [, metric, op, rawBound] = match;
  if (!(objectiveNames as readonly string[]).includes(metric)) {
    throw new UsageError(
      `unknown constraint metric '${metric}' in '${text}'; known: ${objectiveNames.join(", ")}`,
    );
  }
  const bound = Number(rawBound);
  if (!Number.isFinite(bound)) throw new UsageError(`constraint '${text}' needs a numeric bound`);
  if (metric === "epsilon" && !(bound > 0))
    throw new UsageError(`constraint '${text}': epsilon bound must be > 0`);
  if ((metric === PRIVACY_COST_GAP || metric === "mia") && !(bound >= 0 && bound <= 1))
    throw new UsageError(`constraint '${text}': a ${metric} bound must be in [0, 1]`);
  return { metric: metric as ObjectiveName, op: op as "<=" | ">=", bound, text: `${metric}${op}${rawBound}` };
}

/**
 * The constraint as a finite number that is ≤ 0 exactly when it holds, on a scale a
 * surrogate model can fit: epsilon on the log scale of p (so ∞ stays finite),
 * accuracy and gaps as they are.
 *
 * @example
 * ```ts
 * import { constraintValue, parseConstraint, type TrialMetrics } from "equipoise/explore";
 * declare const metrics: TrialMetrics; // a trial's metrics with accuracy 0.85 and ε = 4
 * constraintValue(parseConstraint("accuracy>=0.9"), metrics); // ≈ 0.05 > 0: violated by 5 points
 * constraintValue(parseConstraint("epsilon<=8"), metrics); // ≈ −0.301 ≤ 0: met (log10 4 − log10 8)
 * ```
 */
export function constraintValue(constraint: Constraint, metrics: TrialMetrics): number {
  const sign = constraint.op === "<=" ? 1 : -1;
  if (constraint.metric === "epsilon") {
    const value = Math.log10(Math.min(metrics.epsilon, 1e6));
    return sign * (value - Math.log10(constraint.bound));
  }
  return sign * (constrainedValue(constraint.metric, metrics) - constraint.bound);
}

function constrainedValue(metric: Exclude<ObjectiveName, "epsilon">, metrics: TrialMetrics): number {
  switch (metric) {
    case "accuracy":
      return metrics.accuracy;
    case "balanced-accuracy":
      return metrics.balancedAccuracy;
    case PRIVACY_COST_GAP:
      return metrics.privacyCostGap ?? 0;
    case "mia":
      // A missing AUC (never measured) counts as the worst, 1: it fails an upper bound.
      return metrics.membershipAuc ?? 1;
    default:
      return metrics[fairnessMetric[metric]];
  }
}

/**
 * Whether a trial's metrics meet the constraint.
 *
 * @example
 * ```ts
 * import { parseConstraint, satisfies, type TrialMetrics } from "equipoise/explore";
 * declare const metrics: TrialMetrics; // a trial's metrics with accuracy 0.85 and ε = 4
 * satisfies(parseConstraint("epsilon<=8"), metrics); // true
 * satisfies(parseConstraint("accuracy>=0.9"), metrics); // false
 * ```
 */
export function satisfies(constraint: Constraint, metrics: TrialMetrics): boolean {
  return constraintValue(constraint, metrics) <= 0;
}

/**
 * m = min(1, 2·|AUC − 0.5|): the attack's advantage over guessing, in [0, 1]. 0 is an
 * attack no better than a coin (what ε = 0 would guarantee), 1 an attack that tells
 * every member from every non-member. Symmetric, because an attack whose AUC is below
 * 0.5 is as informative once its decision is reversed. A missing AUC counts as the worst.
 *
 * @example
 * ```ts
 * import { normalisedMembershipRisk } from "equipoise/explore";
 * normalisedMembershipRisk(0.6); // 0.2: an attack a little better than a coin
 * normalisedMembershipRisk(undefined); // 1: an unmeasured risk counts as the worst
 * ```
 */
export function normalisedMembershipRisk(auc: number | undefined): number {
  if (auc === undefined || !Number.isFinite(auc)) return 1;
  return clamp01(2 * Math.abs(auc - 0.5));
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
