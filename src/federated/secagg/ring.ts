/**
 * Fixed-point encoding of real vectors into the ring Z_{2^32}, where secure
 * aggregation adds them. Arithmetic is exact: a word is a Uint32 and sums wrap
 * modulo 2^32 (`(a + b) >>> 0`), so a masked sum equals the plain sum of the
 * encoded inputs bit for bit. Decoding reads the sum as a two's-complement int32,
 * which is the integer sum itself as long as |Σ| < 2^31; `fixedPointFor` picks the
 * scale so that this holds for the largest number of summands.
 *
 * Rounding is stochastic (unbiased: E[round(v)] = v), as in Kairouz et al. 2021, §4,
 * so that quantisation does not bias the aggregate.
 */
import type { Random } from "../../common/rng.js";

const INT32_MAX = 2 ** 31 - 1;

/**
 * How real updates are encoded into the ring: clipped to ±bound, scaled, rounded.
 *
 * @example
 * ```ts
 * import { type FixedPoint, planDistributedNoise } from "equipoise/federated";
 * const plan = planDistributedNoise({ noise: 1, clip: 1, dimension: 1000, expectedClients: 10 });
 * const encoding: FixedPoint = plan.fixedPoint; // { bound: 1, scale: 65536 }
 * // a coordinate x is clipped to ±1, then encoded as round(65536 · x) in the ring
 * ```
 */
export interface FixedPoint {
  /** Every coordinate is clipped to [-bound, bound] before encoding. */
  bound: number;
  /** x is encoded as round(x · scale). */
  scale: number;
}

/**
 * The largest scale at which `summands` encoded values, each within ±bound, plus
 * `headroom` (integer units reserved for noise added in the ring), cannot overflow:
 * summands · (bound · scale + 1) + headroom ≤ 2^31 − 1 (the +1 is stochastic rounding's).
 */
export function fixedPointFor(bound: number, summands: number, headroom = 0): FixedPoint {
  if (!(bound > 0 && Number.isFinite(bound))) throw new RangeError(`bound must be positive, got ${bound}`);
  if (!(Number.isInteger(summands) && summands >= 1))
    throw new RangeError(`summands must be a whole number ≥ 1, got ${summands}`);
  const room = (INT32_MAX - headroom) / summands - 1;
  if (!(room > 1)) throw new RangeError(`no room left in a 32-bit ring for ${summands} summands`);
  return { bound, scale: room / bound };
}

/** Encodes `values` (clipped to ±bound) with stochastic rounding driven by `random`. */
export function encode(values: ArrayLike<number>, fixedPoint: FixedPoint, random: Random): Uint32Array {
  const { bound, scale } = fixedPoint;
  const out = new Uint32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const clipped = v > bound ? bound : v < -bound ? -bound : Number.isNaN(v) ? 0 : v;
    const scaled = clipped * scale;
    const floor = Math.floor(scaled);
    out[i] = (floor + (random.uniform() < scaled - floor ? 1 : 0)) >>> 0;
  }
  return out;
}

/** target ← target + source (mod 2^32). */
export function addInto(target: Uint32Array, source: Uint32Array): void {
  checkLengths(target, source);
  for (let i = 0; i < target.length; i++) target[i] = (target[i] + source[i]) >>> 0;
}

/** target ← target − source (mod 2^32). */
export function subtractInto(target: Uint32Array, source: Uint32Array): void {
  checkLengths(target, source);
  for (let i = 0; i < target.length; i++) target[i] = (target[i] - source[i]) >>> 0;
}

/** Adds integers (e.g. discrete noise) into ring words. */
export function addIntegersInto(target: Uint32Array, integers: ArrayLike<number>): void {
  checkLengths(target, integers);
  for (let i = 0; i < target.length; i++) target[i] = (target[i] + integers[i]) >>> 0;
}

/** The ring words as signed integers (two's complement). */
export function toSigned(words: Uint32Array): Int32Array {
  return new Int32Array(words.buffer.slice(words.byteOffset, words.byteOffset + words.byteLength));
}

/** Real values of a sum of encodings: signed integer sum divided by the scale. */
export function decode(sum: Uint32Array, fixedPoint: FixedPoint): Float64Array {
  const signed = toSigned(sum);
  const out = new Float64Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = signed[i] / fixedPoint.scale;
  return out;
}

function checkLengths(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`vectors of lengths ${a.length} and ${b.length}`);
}
