/**
 * Class-balanced training in the explorer. scikit-learn's "balanced" weights are
 * N/(K·n_c); here they come from the class frequencies of the VALIDATION split, which
 * the explorer already reads without protection (it scores every trial), so that
 * weighting a private trial reads nothing more of the training rows than DP-SGD does
 * (the recipe's own `classWeighting: "balanced"` counts the training rows' classes,
 * which ε does not cover). They are scaled so that the largest weight is 1: a weight
 * above 1 would let one example's clipped gradient count more than the clipping norm.
 *
 * With frequencies f_c, the weights are f_min/f_c and their mean over the rows is
 * Σ_c f_c·f_min/f_c = K·f_min (2 × the minority share for binary labels).
 */

/** Weight of each class (index = label), the largest 1; classes absent from `labels` get 1. */
export function balancedClassWeights(labels: ArrayLike<number>, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  const present = counts.filter((c) => c > 0);
  if (present.length === 0) return counts.map(() => 1);
  const rarest = Math.min(...present);
  return counts.map((c) => (c > 0 ? rarest / c : 1));
}

/** Mean weight of a row drawn with the same class frequencies as `labels`. */
export function meanClassWeight(labels: ArrayLike<number>, weights: readonly number[]): number {
  if (labels.length === 0) return 1;
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum += weights[labels[i]];
  return sum / labels.length;
}

/** The weight of every row of `labels`. */
export function rowWeights(labels: ArrayLike<number>, weights: readonly number[]): Float32Array {
  return Float32Array.from(labels, (label) => weights[label]);
}
