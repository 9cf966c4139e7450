/**
 * Column statistics that stay finite and accurate over the whole double range.
 *
 * The textbook two-pass formula squares x − mean, which overflows to +∞ once |x| is
 * above ~1.3e154 (so the standard deviation became ∞ and the standardised feature
 * silently 0) and underflows below ~1e-154. Here every value is first divided by the
 * largest |x|, so the sums and squares are in [−n, n]; the result is scaled back. The
 * sums are compensated (Neumaier's variant of Kahan summation) and the variance uses
 * the corrected two-pass formula of Chan, Golub & LeVeque (1983),
 *   var = (Σ d² − (Σ d)² / n) / n,  d = x/s − mean(x/s),
 * whose second term cancels the rounding error left in the mean.
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

export interface MeanAndSd {
  /** Non-missing values. */
  count: number;
  mean: number;
  /** Population standard deviation (divisor n, as scikit-learn's StandardScaler). */
  sd: number;
}

/**
 * Mean and population standard deviation of the values that are not NaN (missing).
 * The values must be finite (check with `firstNonFinite` first); count 0 gives 0, 0.
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
  const scaledMean = sum.value / count;
  const squares = new CompensatedSum();
  const deviations = new CompensatedSum();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    const d = v / scale - scaledMean;
    squares.add(d * d);
    deviations.add(d);
  }
  const correction = deviations.value;
  const scaledVariance = Math.max(0, (squares.value - (correction * correction) / count) / count);
  return { count, mean: scaledMean * scale, sd: Math.sqrt(scaledVariance) * scale };
}

/** Index of the first ±∞ among `values` (NaN is a missing value, not a non-finite one); −1 if none. */
export function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) return i;
  }
  return -1;
}
