/**
 * Column statistics that stay finite and accurate over the whole double range.
 *
 * The textbook two-pass formula squares x − mean, which overflows to +∞ once |x| is
 * above ~1.3e154 (so the standard deviation became ∞ and the standardised feature
 * silently 0) and underflows below ~1e-154. Here the mean is the mean of x/s with
 * s = max |x| (terms in [−1, 1]), and the variance is taken over the deviations
 * d = x − mean divided by their own largest magnitude t, so every square is in [0, 1];
 * both are scaled back at the end. Scaling the deviations rather than the values keeps
 * the cancellation of nearly constant data exact (x − mean loses nothing when x is
 * close to the mean, x/s − mean/s would). The sums are compensated (Neumaier's variant
 * of Kahan summation) and the variance uses the corrected two-pass formula of Chan,
 * Golub & LeVeque (1983), var = (Σ e² − (Σ e)² / n) / n with e = d/t, whose second
 * term cancels the rounding error left in the mean.
 */

/** Neumaier-compensated running sum. */
class CompensatedSum {
  private sum = 0;
  private compensation = 0;

  add(value: number): void {
    const t = this.sum + value;
    if (Math.abs(this.sum) >= Math.abs(value)) this.compensation += this.sum - t + value;
    else this.compensation += value - t + this.sum;
    this.sum = t;
  }

  get value(): number {
    return this.sum + this.compensation;
  }
}

/**
 * The mean and population standard deviation of a column's non-missing values.
 *
 * @example
 * ```ts
 * import { type MeanAndSd, meanAndSd } from "equipoise/data";
 * const { count, mean, sd }: MeanAndSd = meanAndSd([1, Number.NaN, 3]);
 * // count 2 (NaN is missing), mean 2, sd 1 (population)
 * ```
 */
export interface MeanAndSd {
  /** Non-missing values. */
  count: number;
  /** Mean of the non-missing values. */
  mean: number;
  /** Population standard deviation (divisor n, as scikit-learn's StandardScaler). */
  sd: number;
}

/**
 * Mean and population standard deviation of the values that are not NaN (missing).
 * The values must be finite (check with `firstNonFinite` first); count 0 gives 0, 0.
 *
 * @example
 * ```ts
 * import { meanAndSd } from "equipoise/data";
 * meanAndSd([1, 2, 3, 4]); // { count: 4, mean: 2.5, sd: 1.118033988749895 } (population sd)
 * ```
 */
export function meanAndSd(values: ArrayLike<number>): MeanAndSd {
  let count = 0;
  let scale = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    count++;
    const magnitude = Math.abs(v);
    if (magnitude > scale) scale = magnitude;
  }
  if (count === 0 || scale === 0) return { count, mean: 0, sd: 0 };
  const sum = new CompensatedSum();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isNaN(v)) sum.add(v / scale);
  }
  const mean = (sum.value / count) * scale;
  // x − mean overflows only when both are near ±1.8e308; then halves are used, and doubled back.
  let factor = 1;
  let spread = largestDeviation(values, mean, factor);
  if (!Number.isFinite(spread)) {
    factor = 0.5;
    spread = largestDeviation(values, mean, factor);
  }
  if (spread === 0) return { count, mean, sd: 0 };
  const squares = new CompensatedSum();
  const deviations = new CompensatedSum();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    const e = (v * factor - mean * factor) / spread;
    squares.add(e * e);
    deviations.add(e);
  }
  const correction = deviations.value;
  const variance = Math.max(0, (squares.value - (correction * correction) / count) / count);
  return { count, mean, sd: (Math.sqrt(variance) * spread) / factor };
}

function largestDeviation(values: ArrayLike<number>, mean: number, factor: number): number {
  let largest = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    const d = Math.abs(v * factor - mean * factor);
    if (d > largest) largest = d;
  }
  return largest;
}

/**
 * Index of the first ±∞ among `values` (NaN is a missing value, not a non-finite one); −1 if none.
 *
 * @example
 * ```ts
 * import { firstNonFinite } from "equipoise/data";
 * firstNonFinite([1, 2, Number.POSITIVE_INFINITY, 4]); // 2
 * firstNonFinite([1, 2]); // -1
 * ```
 */
export function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) return i;
  }
  return -1;
}
