/**
 * Scrambled Sobol' points in [0, 1)^d for d <= 31, with 32-bit digits.
 *
 * Direction numbers: Joe & Kuo, "Constructing Sobol sequences with better
 * two-dimensional projections", SIAM J. Sci. Comput. 30 (2008), file
 * new-joe-kuo-6.21201 (its first 30 rows; the first dimension is van der Corput).
 * Scrambling: a random linear matrix scramble (lower-triangular over GF(2), unit
 * diagonal) plus a random digital shift, as scipy.stats.qmc.Sobol does; both keep
 * the (t, m, s)-net property of every block of 2^m points, and make the points
 * unbiased (each point is uniform on the cube).
 */
import type { Random } from "../common/rng.js";

/** [s, a, m_1..m_s] for dimensions 2..31 (degree, polynomial coefficients, initial numbers). */
const JOE_KUO: readonly (readonly number[])[] = [
  [1, 0, 1],
  [2, 1, 1, 3],
  [3, 1, 1, 3, 1],
  [3, 2, 1, 1, 1],
  [4, 1, 1, 1, 3, 3],
  [4, 4, 1, 3, 5, 13],
  [5, 2, 1, 1, 5, 5, 17],
  [5, 4, 1, 1, 5, 5, 5],
  [5, 7, 1, 1, 7, 11, 19],
  [5, 11, 1, 1, 5, 1, 1],
  [5, 13, 1, 1, 1, 3, 11],
  [5, 14, 1, 3, 5, 5, 31],
  [6, 1, 1, 3, 3, 9, 7, 49],
  [6, 13, 1, 1, 1, 15, 21, 21],
  [6, 16, 1, 3, 1, 13, 27, 49],
  [6, 19, 1, 1, 1, 15, 7, 5],
  [6, 22, 1, 3, 1, 15, 13, 25],
  [6, 25, 1, 1, 5, 5, 19, 61],
  [7, 1, 1, 3, 7, 11, 23, 15, 103],
  [7, 4, 1, 3, 7, 13, 13, 15, 69],
  [7, 7, 1, 1, 3, 13, 7, 35, 63],
  [7, 8, 1, 3, 5, 9, 1, 25, 53],
  [7, 14, 1, 3, 1, 13, 9, 35, 107],
  [7, 19, 1, 3, 1, 5, 27, 61, 31],
  [7, 21, 1, 1, 5, 11, 19, 41, 61],
  [7, 28, 1, 3, 5, 3, 3, 13, 69],
  [7, 31, 1, 1, 7, 13, 1, 19, 1],
  [7, 32, 1, 3, 7, 5, 13, 19, 59],
  [7, 37, 1, 1, 3, 9, 25, 29, 41],
  [7, 41, 1, 3, 5, 13, 23, 1, 55],
];

const BITS = 32;
/**
 * Largest dimension of a {@link SobolSequence} (the Joe–Kuo direction numbers bundled).
 *
 * @example
 * ```ts
 * import { SOBOL_MAX_DIMENSION } from "equipoise/search";
 * SOBOL_MAX_DIMENSION; // 31: the most dimensions a SobolSequence has; a larger space makes "random" draw independent uniform points
 * ```
 */
export const SOBOL_MAX_DIMENSION = JOE_KUO.length + 1;

/** Unscrambled direction numbers v_j (j = 0..31, most significant digit first) of one dimension. */
function directionNumbers(dimension: number): Uint32Array {
  const v = new Uint32Array(BITS);
  if (dimension === 0) {
    for (let j = 0; j < BITS; j++) v[j] = (1 << (31 - j)) >>> 0;
    return v;
  }
  const [s, a, ...m] = JOE_KUO[dimension - 1];
  for (let j = 0; j < Math.min(s, BITS); j++) v[j] = (m[j] << (31 - j)) >>> 0;
  for (let j = s; j < BITS; j++) {
    let value = (v[j - s] ^ (v[j - s] >>> s)) >>> 0;
    for (let k = 1; k < s; k++) if ((a >>> (s - 1 - k)) & 1) value = (value ^ v[j - k]) >>> 0;
    v[j] = value;
  }
  return v;
}

function parity(x: number): number {
  x ^= x >>> 16;
  x ^= x >>> 8;
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return x & 1;
}

/**
 * Sobol' points in [0, 1)^d, scrambled (linear matrix scramble and digital shift, as SciPy's) when
 * given a random generator; see the module comment for the direction numbers.
 *
 * @example
 * ```ts
 * import { SobolSequence } from "equipoise/search";
 * const sobol = new SobolSequence(2); // unscrambled; pass a Random to scramble
 * sobol.point(0); // [0, 0]
 * sobol.point(1); // [0.5, 0.5]
 * sobol.point(2); // [0.75, 0.25]
 * ```
 */
export class SobolSequence {
  readonly dimension: number;
  private readonly directions: Uint32Array[];
  private readonly shift: Uint32Array;

  /** Without `random`, the plain (unscrambled) sequence, which starts at the origin. */
  constructor(dimension: number, random?: Random) {
    if (!Number.isInteger(dimension) || dimension < 1 || dimension > SOBOL_MAX_DIMENSION) {
      throw new RangeError(`Sobol: dimension must be 1..${SOBOL_MAX_DIMENSION}, got ${dimension}`);
    }
    this.dimension = dimension;
    this.shift = new Uint32Array(dimension);
    this.directions = [];
    for (let d = 0; d < dimension; d++) {
      const v = directionNumbers(d);
      if (random) {
        // Output digit k (bit 31 - k) = parity(row_k & input): row_k has the diagonal
        // bit and random bits among the more significant digits.
        const rows = new Uint32Array(BITS);
        for (let k = 0; k < BITS; k++) {
          const above = k === 0 ? 0 : ((random.uint32() >>> (32 - k)) << (32 - k)) >>> 0;
          rows[k] = (above | (1 << (31 - k))) >>> 0;
        }
        for (let j = 0; j < BITS; j++) {
          let scrambled = 0;
          for (let k = 0; k < BITS; k++) if (parity(rows[k] & v[j])) scrambled |= 1 << (31 - k);
          v[j] = scrambled >>> 0;
        }
        this.shift[d] = random.uint32();
      }
      this.directions.push(v);
    }
  }

  /** The point of the given index (Gray-code order, as Antonov–Saleev and scipy). */
  point(index: number, out: Float64Array = new Float64Array(this.dimension)): Float64Array {
    if (!Number.isInteger(index) || index < 0 || index >= 2 ** 32)
      throw new RangeError(`Sobol: bad index ${index}`);
    const gray = (index ^ Math.floor(index / 2)) >>> 0;
    for (let d = 0; d < this.dimension; d++) {
      let x = this.shift[d];
      const v = this.directions[d];
      for (let j = 0, g = gray; g !== 0; j++, g >>>= 1) if (g & 1) x ^= v[j];
      out[d] = (x >>> 0) / 4294967296;
    }
    return out;
  }
}
