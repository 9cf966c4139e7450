/**
 * The one per-example signal every membership attack here reads: the logit-scaled
 * confidence in the true label (Carlini et al. 2022, §4),
 *     φ = log(p_y / (1 − p_y)),
 * computed from the logits in float64 without ever forming p_y, so that it stays
 * exact where p_y rounds to 1 (a memorised example with logit 40 has 1 − p_y ≈ 4e-18,
 * below float64's resolution near 1, and far below float32's):
 *   - one logit z (binary models, p_1 = σ(z)): φ = z for y = 1 and −z for y = 0;
 *   - K logits (softmax): 1 − p_y = Σ_{j≠y} e^{z_j} / Σ_j e^{z_j}, so
 *     φ = z_y − logsumexp_{j≠y} z_j, with the maximum taken out of the sum.
 * Every other per-example quantity an attack needs follows from φ: p_y = σ(φ) and the
 * cross-entropy loss −log p_y = softplus(−φ).
 */

/**
 * φ for each row of row-major logits [rows, outputs]; `outputs` = 1 for a binary model.
 *
 * @example
 * ```ts
 * import { logitScaledConfidence } from "equipoise/audit/light";
 * logitScaledConfidence([2, -1], [1, 1], 1); // Float64Array [2, -1]: a binary logit is φ for label 1
 * logitScaledConfidence([1, 3, 0, 0], [1, 0], 2); // Float64Array [2, 0]: two-class softmax rows
 * ```
 */
export function logitScaledConfidence(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  outputs: number,
): Float64Array {
  if (!(Number.isInteger(outputs) && outputs >= 1))
    throw new RangeError(`outputs must be ≥ 1, got ${outputs}`);
  const rows = labels.length;
  if (logits.length !== rows * outputs) {
    throw new RangeError(`${logits.length} logits for ${rows} rows of ${outputs} outputs`);
  }
  const phi = new Float64Array(rows);
  if (outputs === 1) {
    for (let i = 0; i < rows; i++) {
      const label = labels[i];
      if (label !== 0 && label !== 1) throw new RangeError(`row ${i}: label ${label} of a binary model`);
      phi[i] = label === 1 ? logits[i] : -logits[i];
    }
    return phi;
  }
  for (let i = 0; i < rows; i++) {
    const y = labels[i];
    if (!(Number.isInteger(y) && y >= 0 && y < outputs)) {
      throw new RangeError(`row ${i}: label ${y} is not a class index in [0, ${outputs})`);
    }
    const base = i * outputs;
    let largest = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < outputs; j++) if (j !== y) largest = Math.max(largest, logits[base + j]);
    let sum = 0;
    for (let j = 0; j < outputs; j++) if (j !== y) sum += Math.exp(logits[base + j] - largest);
    phi[i] = logits[base + y] - largest - Math.log(sum);
  }
  return phi;
}

/**
 * p_y = σ(φ), without overflow for either sign.
 *
 * @example
 * ```ts
 * import { labelProbability } from "equipoise/audit/light";
 * labelProbability(0); // 0.5
 * labelProbability(2); // 0.8807970779778823
 * ```
 */
export function labelProbability(phi: number): number {
  return phi >= 0 ? 1 / (1 + Math.exp(-phi)) : Math.exp(phi) / (1 + Math.exp(phi));
}

/**
 * The cross-entropy loss −log p_y = softplus(−φ) = log(1 + e^{−φ}).
 *
 * @example
 * ```ts
 * import { crossEntropyOf } from "equipoise/audit/light";
 * crossEntropyOf(0); // 0.6931471805599453 = log 2
 * crossEntropyOf(800); // 0, without overflow
 * ```
 */
export function crossEntropyOf(phi: number): number {
  return phi >= 0 ? Math.log1p(Math.exp(-phi)) : -phi + Math.log1p(Math.exp(phi));
}
