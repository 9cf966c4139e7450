/**
 * Defaults shared by every capability (DESIGN.md, "Definitions every module shares").
 * One literal each, so a command, the explorer and the library cannot disagree.
 */

/** δ of (ε, δ)-DP when the user gives none. */
export const DEFAULT_DELTA = 1e-5;
