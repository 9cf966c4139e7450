/**
 * Exact binomial confidence intervals (Clopper & Pearson 1934): the two-sided
 * interval at level 1 − α for k successes in n trials is
 *   [Beta⁻¹(α/2; k, n − k + 1), Beta⁻¹(1 − α/2; k + 1, n − k)],
 * with 0 as the lower end when k = 0 and 1 as the upper end when k = n (closed forms
 * there: 1 − (α/2)^{1/n} and (α/2)^{1/n}). Conservative: the coverage is at least
 * 1 − α for every true rate, which is what a lower bound on ε needs.
 */
import type { Proportion } from "../document.js";
import { betaQuantile } from "./beta.js";

/**
 * A two-sided interval [lo, hi].
 *
 * @example
 * ```ts
 * import { clopperPearson, type Interval } from "equipoise/audit/light";
 * const interval: Interval = clopperPearson(8, 10); // exact 95 % interval of 8 successes in 10
 * interval.lo; // ≈ 0.444
 * interval.hi; // ≈ 0.975
 * ```
 */
export interface Interval {
  lo: number;
  hi: number;
}

/**
 * The exact two-sided Clopper–Pearson interval of a binomial proportion at `confidence`.
 *
 * @example
 * ```ts
 * import { clopperPearson } from "equipoise/audit/light";
 * clopperPearson(8, 10); // { lo: ≈ 0.444, hi: ≈ 0.975 }
 * ```
 */
export function clopperPearson(successes: number, trials: number, confidence = 0.95): Interval {
  if (!Number.isInteger(trials) || trials < 0) throw new RangeError(`trials must be a whole number ≥ 0`);
  if (!Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw new RangeError(`successes must be a whole number in [0, ${trials}], got ${successes}`);
  }
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1)`);
  if (trials === 0) return { lo: 0, hi: 1 };
  const alpha = 1 - confidence;
  const k = successes;
  const n = trials;
  return {
    lo: k === 0 ? 0 : betaQuantile(alpha / 2, k, n - k + 1),
    hi: k === n ? 1 : betaQuantile(1 - alpha / 2, k + 1, n - k),
  };
}

/**
 * An estimated rate with its interval: value = successes / trials.
 *
 * @example
 * ```ts
 * import { proportion } from "equipoise/audit/light";
 * proportion(8, 10); // { successes: 8, trials: 10, value: 0.8, lo: ≈ 0.444, hi: ≈ 0.975 }
 * ```
 */
export function proportion(successes: number, trials: number, confidence = 0.95): Proportion {
  return {
    successes,
    trials,
    value: trials > 0 ? successes / trials : Number.NaN,
    ...clopperPearson(successes, trials, confidence),
  };
}
