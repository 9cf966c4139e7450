/**
 * The one representation of "which group-fairness criterion" (DESIGN.md: the same
 * definitions as Fairlearn). Penalties, reductions, the threshold optimiser, the
 * explorer's objectives and every command read and write this type; the short names
 * are the command-line spelling.
 */
import { UsageError } from "../common/errors.js";

/**
 * The fairness constraints every mitigation and objective understands.
 *
 * @example
 * ```ts
 * import { FAIRNESS_CONSTRAINTS } from "equipoise/fairness";
 * FAIRNESS_CONSTRAINTS; // ["demographic_parity", "equalized_odds", "equal_opportunity"]
 * for (const constraint of FAIRNESS_CONSTRAINTS) console.log(constraint); // e.g. one threshold fit per constraint
 * ```
 */
export const FAIRNESS_CONSTRAINTS = ["demographic_parity", "equalized_odds", "equal_opportunity"] as const;
/**
 * "demographic_parity", "equalized_odds" or "equal_opportunity".
 *
 * @example
 * ```ts
 * import { type FairnessConstraint, fitThresholds } from "equipoise/fairness";
 * const constraint: FairnessConstraint = "equalized_odds";
 * const sex = { name: "sex", values: ["F", "F", "M", "M"] };
 * const fitted = fitThresholds({ scores: [0.9, 0.2, 0.7, 0.4], yTrue: [1, 0, 1, 0], sensitiveFeatures: [sex] }, { constraint });
 * ```
 */
export type FairnessConstraint = (typeof FAIRNESS_CONSTRAINTS)[number];

/**
 * The short names used on the command line and in objectives: dp, eo, eop.
 *
 * @example
 * ```ts
 * import { CONSTRAINT_SHORT_NAMES } from "equipoise/fairness";
 * CONSTRAINT_SHORT_NAMES.eo; // "equalized_odds"
 * Object.keys(CONSTRAINT_SHORT_NAMES); // ["dp", "eo", "eop"]: the command-line spelling
 * ```
 */
export const CONSTRAINT_SHORT_NAMES = {
  dp: "demographic_parity",
  eo: "equalized_odds",
  eop: "equal_opportunity",
} as const satisfies Record<string, FairnessConstraint>;
/**
 * "dp", "eo" or "eop".
 *
 * @example
 * ```ts
 * import { CONSTRAINT_SHORT_NAMES, type FairnessConstraintShortName } from "equipoise/fairness";
 * const short: FairnessConstraintShortName = "eop";
 * CONSTRAINT_SHORT_NAMES[short]; // "equal_opportunity"
 * ```
 */
export type FairnessConstraintShortName = keyof typeof CONSTRAINT_SHORT_NAMES;

/**
 * "dp" | "eo" | "eop" or a full name → the constraint; a UsageError naming `option` otherwise.
 *
 * @example
 * ```ts
 * import { parseFairnessConstraint } from "equipoise/fairness";
 * parseFairnessConstraint("eo"); // "equalized_odds"
 * parseFairnessConstraint("parity", "constraint"); // throws a UsageError: "--constraint must be one of dp, ..."
 * ```
 */
export function parseFairnessConstraint(
  text: string,
  option = "constraint",
  allowed: readonly FairnessConstraint[] = FAIRNESS_CONSTRAINTS,
): FairnessConstraint {
  const constraint =
    (CONSTRAINT_SHORT_NAMES as Record<string, FairnessConstraint>)[text] ??
    (FAIRNESS_CONSTRAINTS as readonly string[]).find((name) => name === text);
  if (!constraint || !allowed.includes(constraint as FairnessConstraint)) {
    const names = allowed.map((c) => `${shortNameOf(c)} (${c.replaceAll("_", " ")})`).join(", ");
    throw new UsageError(`--${option} must be one of ${names}, got '${text}'`);
  }
  return constraint as FairnessConstraint;
}

/**
 * The short name (dp, eo, eop) of a constraint.
 *
 * @example
 * ```ts
 * import { shortNameOf } from "equipoise/fairness";
 * shortNameOf("equal_opportunity"); // "eop"
 * ```
 */
export function shortNameOf(constraint: FairnessConstraint): FairnessConstraintShortName {
  const entry = Object.entries(CONSTRAINT_SHORT_NAMES).find(([, full]) => full === constraint);
  return entry![0] as FairnessConstraintShortName;
}
