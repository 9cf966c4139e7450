/**
 * Seeded pseudo-random numbers for everything that must be reproducible (splits,
 * initialisation, sampling, search). Not for privacy noise: DP noise uses a
 * cryptographically secure source unless the user asks for a seeded run.
 *
 * Generator: xoshiro128** (Blackman & Vigna), 32-bit state words so it runs on
 * plain JS integers; seeded through splitmix32 so that nearby seeds give unrelated
 * streams.
 *
 * @example
 * ```ts
 * import { createRandom, type Random } from "equipoise";
 * const random: Random = createRandom(42); // the same seed gives the same stream
 * random.uniform(); // in [0, 1)
 * random.integer(10); // in 0..9
 * const child = random.fork(); // an independent stream, e.g. for one worker
 * child.normal();
 * ```
 */
export interface Random {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Uniform 32-bit unsigned integer. */
  uint32(): number;
  /** Uniform integer in [0, n). */
  integer(n: number): number;
  /** Standard normal. */
  normal(): number;
  /** Fills `out` with independent standard normals. */
  fillNormal(out: Float32Array | Float64Array): void;
  /** An independent generator derived from this one's stream. */
  fork(): Random;
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

class Xoshiro128 implements Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    const next = splitmix32(seed);
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  uniform(): number {
    // 53 random bits, as Math.random does.
    const hi = this.uint32() >>> 5;
    const lo = this.uint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  integer(n: number): number {
    if (!(n >= 1) || !Number.isInteger(n))
      throw new RangeError(`integer(n) needs a positive integer, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  normal(): number {
    if (this.spareNormal !== null) {
      const value = this.spareNormal;
      this.spareNormal = null;
      return value;
    }
    // Marsaglia's polar method: two normals per accepted pair.
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const factor = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * factor;
    return u * factor;
  }

  fillNormal(out: Float32Array | Float64Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
  }

  fork(): Random {
    return new Xoshiro128(this.uint32());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * A seeded generator (xoshiro128**): the same seed gives the same numbers on every platform. For
 * experiments only; private releases draw from the secure generator.
 *
 * @example
 * ```ts
 * import { createRandom } from "equipoise";
 * const random = createRandom(42);
 * random.uniform(); // 0.6606157208001621, the same on every platform
 * random.integer(6); // an integer in [0, 6)
 * ```
 */
export function createRandom(seed: number): Random {
  return new Xoshiro128(seed);
}

/**
 * Fisher–Yates shuffle of `array` in place.
 *
 * @example
 * ```ts
 * import { createRandom, shuffleInPlace } from "equipoise";
 * const rows = [1, 2, 3, 4];
 * shuffleInPlace(rows, createRandom(7)); // rows is now [4, 3, 2, 1]
 * ```
 */
export function shuffleInPlace<T>(
  array: T[] | Int32Array | Uint32Array | Float64Array,
  random: Random,
): void {
  for (let i = array.length - 1; i > 0; i--) {
    const j = random.integer(i + 1);
    const tmp = array[i];
    array[i] = array[j];
    array[j] = tmp as never;
  }
}

/**
 * A random permutation of 0..n-1.
 *
 * @example
 * ```ts
 * import { createRandom, permutation } from "equipoise";
 * permutation(5, createRandom(1)); // Int32Array [4, 0, 1, 3, 2]
 * ```
 */
export function permutation(n: number, random: Random): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  shuffleInPlace(out, random);
  return out;
}
