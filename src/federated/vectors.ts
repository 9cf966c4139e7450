/**
 * Model parameters as one flat vector (the unit clients train, attack, clip, quantise
 * and the server aggregates), in the order of `Sequential.parameterSpecs()`.
 */
export function flatten(parts: readonly Float32Array[]): Float32Array {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const out = new Float32Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Splits `flat` into pieces of the given sizes (copies). */
export function unflatten(flat: ArrayLike<number>, sizes: readonly number[]): Float32Array[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (flat.length !== total)
    throw new RangeError(`a vector of ${flat.length} values for ${total} parameters`);
  const out: Float32Array[] = [];
  let offset = 0;
  for (const size of sizes) {
    const part = new Float32Array(size);
    for (let i = 0; i < size; i++) part[i] = flat[offset + i];
    out.push(part);
    offset += size;
  }
  return out;
}

export function l2Norm(v: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  return Math.sqrt(sum);
}

/** v scaled by min(1, bound / ‖v‖) (a copy), and the norm before clipping. */
export function clipToNorm(v: Float32Array, bound: number): { vector: Float32Array; norm: number } {
  const norm = l2Norm(v);
  const factor = norm > bound ? bound / norm : 1;
  if (factor === 1) return { vector: new Float32Array(v), norm };
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] * factor;
  return { vector: out, norm };
}

/** a − b. */
export function difference(a: ArrayLike<number>, b: ArrayLike<number>): Float32Array {
  if (a.length !== b.length) throw new RangeError(`vectors of lengths ${a.length} and ${b.length}`);
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
  return out;
}

/** Σ wᵢ vᵢ / Σ wᵢ in float64, summed in the given order (so the result is reproducible). */
export function weightedMean(
  vectors: readonly ArrayLike<number>[],
  weights: readonly number[],
): Float64Array {
  if (vectors.length === 0) throw new RangeError("the mean of no vectors");
  const out = new Float64Array(vectors[0].length);
  let total = 0;
  vectors.forEach((v, k) => {
    const w = weights[k];
    total += w;
    for (let i = 0; i < out.length; i++) out[i] += w * v[i];
  });
  for (let i = 0; i < out.length; i++) out[i] /= total;
  return out;
}
