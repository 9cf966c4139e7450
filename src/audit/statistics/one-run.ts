/**
 * Privacy auditing with one training run (Steinke, Nasr & Jagielski, NeurIPS 2023).
 *
 * m canaries are each included in the training set independently with probability ½.
 * After training, the auditor guesses "in" for some canaries and "out" for others
 * (r guesses in all, abstaining on the rest) and scores v correct guesses. If training
 * is (ε, δ)-DP then (their Theorem 5.2 / Corollary 5.4, computed as in their
 * Appendix D) the probability of v or more correct guesses is at most
 *     β + α·δ·2m,   β = P[Bin(r, q) ≥ v],   q = e^ε / (1 + e^ε),
 *     α = max_{1≤i≤v} (1/i)·P[v > Bin(r, q) ≥ v − i],
 * so an observed v whose p-value is below the significance level rejects (ε, δ)-DP; the
 * reported lower bound is the largest ε so rejected, found as their Appendix D does
 * (step an upper bracket by 1, then 30 bisections, keeping the rejected end).
 */
import { binomialPmf, binomialUpperTail } from "./beta.js";

function checkCounts(m: number, r: number, v: number): void {
  for (const [name, value] of [
    ["m", m],
    ["r", r],
    ["v", v],
  ] as const) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number ≥ 0`);
  }
  if (!(v <= r && r <= m)) throw new RangeError(`need 0 ≤ v ≤ r ≤ m, got v=${v}, r=${r}, m=${m}`);
}

/**
 * The p-value of v or more correct guesses out of r, with m canaries, under (ε, δ)-DP.
 *
 * @example
 * ```ts
 * import { oneRunPValue } from "equipoise/audit/light";
 * // 1,000 canaries, 100 guesses, 95 correct
 * oneRunPValue(1000, 100, 95, 1, 1e-5); // ≈ 0.00066: ε = 1 is rejected
 * oneRunPValue(1000, 100, 95, 3, 1e-5); // ≈ 0.665: ε = 3 is not
 * ```
 */
export function oneRunPValue(m: number, r: number, v: number, epsilon: number, delta: number): number {
  checkCounts(m, r, v);
  if (!(epsilon >= 0)) throw new RangeError(`epsilon must be ≥ 0, got ${epsilon}`);
  if (!(delta >= 0 && delta <= 1)) throw new RangeError(`delta must be in [0, 1], got ${delta}`);
  const q = 1 / (1 + Math.exp(-epsilon));
  const beta = binomialUpperTail(v, r, q);
  if (delta === 0) return Math.min(beta, 1);
  let alpha = 0;
  let sum = 0;
  for (let i = 1; i <= v; i++) {
    sum += binomialPmf(v - i, r, q);
    if (sum > i * alpha) alpha = sum / i;
  }
  return Math.min(beta + alpha * delta * 2 * m, 1);
}

/**
 * The largest ε that v correct guesses out of r reject at `significance` (e.g. 0.05 for
 * 95 % confidence): a lower bound on the ε of the training run. 0 when none is rejected.
 *
 * @example
 * ```ts
 * import { oneRunEpsilonLowerBound } from "equipoise/audit/light";
 * // 1,000 canaries, 100 guesses, 95 right, δ = 1e-5: ε ≥ ≈ 2.17 at 95 % confidence
 * oneRunEpsilonLowerBound(1000, 100, 95, 1e-5);
 * ```
 */
export function oneRunEpsilonLowerBound(
  m: number,
  r: number,
  v: number,
  delta: number,
  significance = 0.05,
): number {
  checkCounts(m, r, v);
  if (!(significance > 0 && significance < 1)) throw new RangeError(`significance must be in (0, 1)`);
  let low = 0;
  let high = 1;
  // All r guesses right rejects every finite ε once β ≈ q^r is small; cap the bracket.
  while (oneRunPValue(m, r, v, high, delta) < significance) {
    high += 1;
    if (high > 1000) return Number.POSITIVE_INFINITY;
  }
  if (oneRunPValue(m, r, v, low, delta) >= significance) return 0;
  for (let step = 0; step < 30; step++) {
    const middle = (low + high) / 2;
    if (oneRunPValue(m, r, v, middle, delta) < significance) low = middle;
    else high = middle;
  }
  return low;
}

/**
 * How many canaries the auditor guesses in and out.
 *
 * @example
 * ```ts
 * import { type GuessCounts, oneRunAudit } from "equipoise/audit/light";
 * declare const scores: Float64Array; declare const included: Uint8Array; // one per canary; 1 = trained on
 * const tried: GuessCounts[] = [{ in: 50, out: 50 }, { in: 100, out: 0 }]; // guess "in" for the top 50, "out" for the bottom 50; or "in" for the top 100
 * const outcome = oneRunAudit(scores, included, { delta: 1e-5, tried });
 * outcome.chosen; // the guess counts of the reported bound
 * ```
 */
export interface GuessCounts {
  in: number;
  out: number;
}

/**
 * The outcome of a one-run audit: the guess counts tried, the one chosen, and the ε lower bound.
 *
 * @example
 * ```ts
 * import { type OneRunOutcome, oneRunAudit } from "equipoise/audit/light";
 * declare const scores: Float64Array; declare const included: Uint8Array; // one per canary; 1 = trained on
 * const outcome: OneRunOutcome = oneRunAudit(scores, included, { delta: 1e-5, tried: [{ in: 50, out: 50 }] });
 * `${outcome.correct} of ${outcome.guesses} guesses right among ${outcome.canaries} canaries`;
 * outcome.epsilonLowerBound; // ε ≥ this, at significance 0.05 over every tried configuration
 * ```
 */
export interface OneRunOutcome {
  /** Guesses tried; the bound holds for all of them at once (Bonferroni). */
  tried: GuessCounts[];
  /** The guess counts that gave the reported bound. */
  chosen: GuessCounts;
  guesses: number;
  correct: number;
  canaries: number;
  /** Each configuration is tested at significance / tried.length. */
  significance: number;
  epsilonLowerBound: number;
}

/**
 * The one-run audit's guessing game on canary scores (higher = more likely included):
 * guess "in" for the `in` highest and "out" for the `out` lowest, for every entry of
 * `tried`, each at level significance / tried.length so that the best of them is
 * still a valid bound (the paper picks one configuration; trying several without the
 * correction would overstate the bound).
 *
 * @example
 * ```ts
 * import { oneRunAudit } from "equipoise/audit/light";
 * // scores: one per canary (higher = more likely included); included: 1 for the canaries trained on
 * declare const scores: Float64Array, included: Uint8Array;
 * const outcome = oneRunAudit(scores, included, { delta: 1e-5, tried: [{ in: 50, out: 50 }, { in: 100, out: 100 }] });
 * outcome.epsilonLowerBound; // holds at 95 % for the best of the tried guess counts (Bonferroni)
 * ```
 */
export function oneRunAudit(
  scores: ArrayLike<number>,
  included: ArrayLike<number | boolean>,
  options: { delta: number; significance?: number; tried: GuessCounts[] },
): OneRunOutcome {
  const m = scores.length;
  if (included.length !== m)
    throw new RangeError(`${m} canary scores but ${included.length} inclusion flags`);
  const significance = options.significance ?? 0.05;
  const tried = options.tried.filter((g) => g.in + g.out > 0 && g.in + g.out <= m);
  if (tried.length === 0) throw new RangeError("the one-run audit needs at least one guess");
  const order = Int32Array.from({ length: m }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const level = significance / tried.length;
  let best: OneRunOutcome | undefined;
  for (const counts of tried) {
    let correct = 0;
    for (let k = 0; k < counts.in; k++) if (included[order[k]]) correct++;
    for (let k = m - counts.out; k < m; k++) if (!included[order[k]]) correct++;
    const guesses = counts.in + counts.out;
    const bound = oneRunEpsilonLowerBound(m, guesses, correct, options.delta, level);
    if (!best || bound > best.epsilonLowerBound) {
      best = {
        tried,
        chosen: counts,
        guesses,
        correct,
        canaries: m,
        significance,
        epsilonLowerBound: bound,
      };
    }
  }
  return best!;
}
