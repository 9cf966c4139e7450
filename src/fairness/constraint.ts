/**
 * The one representation of "which group-fairness criterion" (DESIGN.md: the same
 * definitions as Fairlearn). Penalties, reductions, the threshold optimiser, the
 * explorer's objectives and every command read and write this type; the short names
 * are the command-line spelling.
 */
import { UsageError } from "../common/errors.js";

/** The fairness constraints every mitigation and objective understands. */
export const FAIRNESS_CONSTRAINTS = ["demographic_parity", "equalized_odds", "equal_opportunity"] as const;
/** "demographic_parity", "equalized_odds" or "equal_opportunity". */
export type FairnessConstraint = (typeof FAIRNESS_CONSTRAINTS)[number];

/** The short names used on the command line and in objectives: dp, eo, eop. */
export const CONSTRAINT_SHORT_NAMES = {
  dp: "demographic_parity",
  eo: "equalized_odds",
  eop: "equal_opportunity",
} as const satisfies Record<string, FairnessConstraint>;
/** "dp", "eo" or "eop". */
export type FairnessConstraintShortName = keyof typeof CONSTRAINT_SHORT_NAMES;

/**
 * "dp" | "eo" | "eop" or a full name → the constraint; a UsageError naming `option` otherwise.
 *
 * @example
 * ```ts
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
 * shortNameOf("equal_opportunity"); // "eop"
 * ```
 */
export function shortNameOf(constraint: FairnessConstraint): FairnessConstraintShortName {
  const entry = Object.entries(CONSTRAINT_SHORT_NAMES).find(([, full]) => full === constraint);
  return entry![0] as FairnessConstraintShortName;
}
