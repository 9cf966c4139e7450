/**
 * Defaults shared by every capability (DESIGN.md, "Definitions every module shares").
 * One literal each, so a command, the explorer and the library cannot disagree.
 */

/**
 * δ of (ε, δ)-DP when the user gives none.
 *
 * @example
 * ```ts
 * import { DEFAULT_DELTA } from "equipoise";
 * DEFAULT_DELTA; // 1e-5: the δ of every (ε, δ) bound when the user gives none (--delta overrides it)
 * ```
 */
export const DEFAULT_DELTA = 1e-5;
