/**
 * Goodness-of-fit tests used to check that mechanisms draw from the distribution
 * their privacy proof assumes: one-sample Kolmogorov–Smirnov against a CDF, and
 * Pearson's chi-square against expected category probabilities.
 */
import { upperIncompleteGammaRatio } from "./special.js";

/**
 * A test statistic and its p-value.
 *
 * @example
 * ```ts
 * import { chiSquareTest, type TestResult } from "equipoise/privacy/accounting";
 * const result: TestResult = chiSquareTest([48, 52], [0.5, 0.5]); // observed counts, expected probabilities
 * console.log(result.statistic, result.pValue); // 0.16 and ≈ 0.69: no evidence against a fair coin
 * ```
 */
export interface TestResult {
  statistic: number;
  pValue: number;
}

/**
 * Asymptotic Kolmogorov distribution P(D_n > d) with Stephens' small-sample
 * correction λ = (√n + 0.12 + 0.11/√n)·d: Q(λ) = 2 Σ_{k≥1} (-1)^{k-1} e^{-2k²λ²}.
 */
export function kolmogorovPValue(statistic: number, n: number): number {
  const sqrtN = Math.sqrt(n);
  const lambda = (sqrtN + 0.12 + 0.11 / sqrtN) * statistic;
  if (lambda < 0.2) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = (k % 2 === 1 ? 2 : -2) * Math.exp(-2 * k * k * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-16) break;
  }
  return Math.min(1, Math.max(0, sum));
}

/**
 * One-sample KS test of `samples` against the continuous CDF `cdf`.
 *
 * @example
 * ```ts
 * import { kolmogorovSmirnov, laplaceCdf } from "equipoise/privacy/accounting";
 * declare const samples: Float64Array; // draws of a Laplace(0, 1) sampler under test
 * const { statistic, pValue } = kolmogorovSmirnov(samples, (x) => laplaceCdf(x, 1)); // small p: reject
 * ```
 */
export function kolmogorovSmirnov(samples: ArrayLike<number>, cdf: (x: number) => number): TestResult {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return { statistic: d, pValue: kolmogorovPValue(d, n) };
}

/**
 * Pearson's chi-square test of observed counts against expected probabilities (k - 1 degrees of freedom).
 *
 * @example
 * ```ts
 * import { chiSquareTest } from "equipoise/privacy/accounting";
 * chiSquareTest([48, 52], [0.5, 0.5]); // { statistic: 0.16, pValue ≈ 0.689 }: consistent with a fair coin
 * ```
 */
export function chiSquareTest(observed: ArrayLike<number>, probabilities: ArrayLike<number>): TestResult {
  if (observed.length !== probabilities.length || observed.length < 2) {
    throw new RangeError(
      "chiSquareTest needs matching observed counts and probabilities for >= 2 categories",
    );
  }
  let n = 0;
  for (let i = 0; i < observed.length; i++) n += observed[i];
  let statistic = 0;
  for (let i = 0; i < observed.length; i++) {
    const expected = n * probabilities[i];
    statistic += ((observed[i] - expected) * (observed[i] - expected)) / expected;
  }
  const dof = observed.length - 1;
  return { statistic, pValue: upperIncompleteGammaRatio(dof / 2, statistic / 2) };
}
