/**
 * Errors a user can cause and fix, as one hierarchy library users can catch by type:
 *
 * ```ts
 * import { DataError, PrivacyBudgetError, UserError } from "equipoise";
 * try {
 *   await run();
 * } catch (error) {
 *   if (error instanceof PrivacyBudgetError) askForALargerEpsilon();
 *   else if (error instanceof DataError) fixTheFile();
 *   else if (error instanceof UserError) console.error(error.message);
 *   else throw error; // a bug
 * }
 * ```
 *
 * The CLI turns them into one line on stderr and an exit code, in one place
 * (`describeError` in src/cli/main.ts): a UsageError exits 2, any other UserError 1.
 * Anything else is a bug: one line saying "internal error", its stack trace behind
 * EQUIPOISE_DEBUG=1.
 *
 * @example
 * ```ts
 * import { UserError } from "equipoise";
 * import { parseFairnessConstraint } from "equipoise/fairness";
 * try {
 *   parseFairnessConstraint("parity");
 * } catch (error) {
 *   if (error instanceof UserError) console.error(error.message); // one line, no stack trace
 * }
 * ```
 */
export class UserError extends Error {
  override name = "UserError";
}

/**
 * A malformed command line or call (an unknown option, a value out of range): exit code 2.
 *
 * @example
 * ```ts
 * import { UsageError } from "equipoise";
 * throw new UsageError("--epochs must be a positive integer, got 0"); // the CLI prints it and exits 2
 * ```
 */
export class UsageError extends UserError {
  override name = "UsageError";
}

/**
 * Input data that cannot be read or does not match what was asked for.
 *
 * @example
 * ```ts
 * import { DataError } from "equipoise";
 * throw new DataError("adult.csv: column \"income\" not found"); // the CLI prints it and exits 1
 * ```
 */
export class DataError extends UserError {
  override name = "DataError";
}

/**
 * A privacy request that cannot be honoured: a target ε no noise multiplier reaches,
 * a δ already spent outside the accountant, a budget smaller than what was spent.
 *
 * @example
 * ```ts
 * import { PrivacyBudgetError } from "equipoise";
 * throw new PrivacyBudgetError("no noise multiplier reaches ε = 0.01 in 100 epochs");
 * // callers can tell it apart: `error instanceof PrivacyBudgetError`
 * ```
 */
export class PrivacyBudgetError extends UserError {
  override name = "PrivacyBudgetError";
}

/**
 * An iterative method stopped before its convergence test held. It is a warning, not
 * an error: the result is usable but not at the promised tolerance, so functions that
 * can stop early return it in their `warnings` (never throw it), and the CLI prints
 * its message on stderr.
 *
 * @example
 * ```ts
 * import { ConvergenceWarning } from "equipoise";
 * import { exponentiatedGradient } from "equipoise/fairness";
 * import type { ExponentiatedGradientInput, ExponentiatedGradientOptions, LearnerFactory } from "equipoise/fairness";
 * declare const createLearner: LearnerFactory; // e.g. () => new WeightedLogisticRegression()
 * declare const input: ExponentiatedGradientInput; // { X, y, sensitiveFeatures }
 * declare const options: ExponentiatedGradientOptions; // e.g. { constraint: "demographic_parity" }
 * const result = exponentiatedGradient(createLearner, input, options);
 * for (const w of result.warnings ?? []) if (w instanceof ConvergenceWarning) console.warn(w.message);
 * ```
 */
export class ConvergenceWarning extends Error {
  override name = "ConvergenceWarning";
  constructor(
    message: string,
    /** Iterations run before stopping. */
    readonly iterations: number,
  ) {
    super(message);
  }
}

/**
 * True for a {@link UserError} (or a subclass): a problem with the input, not a bug.
 *
 * @example
 * ```ts
 * import { isUserError } from "equipoise";
 * declare const error: unknown; // what a catch clause caught
 * if (isUserError(error)) console.error(error.message);
 * else throw error;
 * ```
 */
export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
