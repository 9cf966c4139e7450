/**
 * Cryptographically secure randomness for privacy noise, from the Web Crypto API
 * (`globalThis.crypto.getRandomValues`), so the same code runs in Node ≥ 19 and in
 * browsers. Words are drawn in batches of 16,384 (65,536 bytes, the most one call may
 * ask for), not one call per number.
 *
 * Normals by Box–Muller, r = √(−2 log u₁) with u₁ uniform on the 53-bit grid of (0, 1],
 * refined below 2^-21 with further words (u₁ uniform within its grid cell). The largest
 * attainable |z| is then ≈ 38.6 (u₁ down to the smallest double) instead of the 8.6 of a bare
 * 53-bit u₁ (or 6.7 with 32 bits): a capped tail makes the supports of the outputs for
 * neighbouring inputs differ, an outcome of probability P(|Z| > cap − Δ/std) that reveals the
 * input (with σ = 0.6 and a cap of 8.6, 7e-5 over one Adult DP-SGD run of 1.3e7 draws, more
 * than δ = 1e-5); with the cap at 38.6 it is below 1e-300.
 *
 * These are plain floating-point normals: private paths do not add them to data directly but
 * through `GaussianNoise` (noise.ts), which snaps its output to a lattice, or use the exact
 * integer samplers (mechanisms/exact-sampling.ts).
 *
 * Implements the project's `Random` interface, so any code that takes a Random (a seeded
 * one for reproducible experiments) takes this one for releases.
 */
import type { Random } from "../common/rng.js";

const BUFFER_WORDS = 16384; // getRandomValues accepts at most 65,536 bytes per call
const TWO_PI = 2 * Math.PI;
const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;
/**
 * Below this u₁ the 53-bit grid is too coarse for the tail (r = √(−2 log u₁) would jump by more
 * than 2^-25 between grid points beyond r ≈ 6.5): refine. Probability 2^-21 per pair.
 */
const TAIL_REFINEMENT_THRESHOLD = 2 ** -21;

interface RandomValuesSource {
  getRandomValues<T extends ArrayBufferView | null>(array: T): T;
}

function platformCrypto(): RandomValuesSource {
  const source = (globalThis as { crypto?: Partial<RandomValuesSource> }).crypto;
  if (!source || typeof source.getRandomValues !== "function") {
    throw new Error(
      "no secure random source: globalThis.crypto.getRandomValues is missing (Node >= 19 or a browser is needed)",
    );
  }
  return source as RandomValuesSource;
}

/**
 * For u = m/2^53 on the 53-bit grid of (0, 1]: a uniform draw from ((m − 1)/2^53, m/2^53],
 * the low-order bits a 53-bit draw lacks taken from `draw` (uniform on the same grid),
 * recursively while they are small too, down to 2^-1060 (19 levels of 53 bits; the smallest
 * positive double is 2^-1074), so u stays > 0 and log u finite.
 */
export function refineTailUniform(u: number, draw: () => number, depth = 0): number {
  const cell = Math.round(u * TWO_POW_53);
  let fraction = draw();
  if (fraction < TAIL_REFINEMENT_THRESHOLD && depth < 18)
    fraction = refineTailUniform(fraction, draw, depth + 1);
  return (cell - 1 + fraction) / TWO_POW_53;
}

/**
 * The cryptographically secure `Random` every release draws from (Web Crypto
 * `getRandomValues`, buffered); it has no seed, so its draws cannot be replayed.
 *
 * @example
 * ```ts
 * import { createSecureRandom } from "equipoise/privacy/accounting";
 * const random = createSecureRandom();
 * const u = random.uniform(); // in [0, 1)
 * const z = random.normal(); // N(0, 1)
 * ```
 */
export class SecureRandom implements Random {
  private readonly crypto = platformCrypto();
  private readonly buffer = new Uint32Array(BUFFER_WORDS);
  private position = BUFFER_WORDS;
  private spareNormal: number | null = null;

  private refill(): void {
    this.crypto.getRandomValues(this.buffer);
    this.position = 0;
  }

  uint32(): number {
    if (this.position >= BUFFER_WORDS) this.refill();
    return this.buffer[this.position++];
  }

  uniform(): number {
    const hi = this.uint32() >>> 5;
    const lo = this.uint32() >>> 6;
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /** Unbiased integer in [0, n) (rejection, no modulo bias). */
  integer(n: number): number {
    if (!(n >= 1) || !Number.isInteger(n))
      throw new RangeError(`integer(n) needs a positive integer, got ${n}`);
    if (n <= TWO_POW_32) {
      const limit = TWO_POW_32 - (TWO_POW_32 % n);
      for (;;) {
        const word = this.uint32();
        if (word < limit) return word % n;
      }
    }
    return Math.floor(this.uniform() * n);
  }

  normal(): number {
    if (this.spareNormal !== null) {
      const value = this.spareNormal;
      this.spareNormal = null;
      return value;
    }
    // u1 in (0, 1] so log(u1) is finite.
    let u1 = 1 - this.uniform();
    if (u1 < TAIL_REFINEMENT_THRESHOLD) u1 = this.refinedTail(u1);
    const angle = (TWO_PI * this.uint32()) / TWO_POW_32;
    const radius = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  private refinedTail(u: number): number {
    return refineTailUniform(u, () => 1 - this.uniform());
  }

  /** Independent standard normals into `out`, reading the random words straight from the batch buffer. */
  fillNormal(out: Float32Array | Float64Array): void {
    const n = out.length;
    let i = 0;
    const buffer = this.buffer;
    while (i + 1 < n) {
      if (this.position + 3 > BUFFER_WORDS) this.refill();
      let p = this.position;
      // As many pairs as the buffer still holds, without per-number bounds checks.
      const pairs = Math.min((n - i) >> 1, Math.floor((BUFFER_WORDS - p) / 3));
      for (let k = 0; k < pairs; k++) {
        let u1 = 1 - ((buffer[p] >>> 5) * 67108864 + (buffer[p + 1] >>> 6)) / TWO_POW_53;
        const angle = (TWO_PI * buffer[p + 2]) / TWO_POW_32;
        p += 3;
        if (u1 < TAIL_REFINEMENT_THRESHOLD) {
          // The refinement reads (and may refill) the buffer: finish this pair, then resynchronise.
          this.position = p;
          u1 = this.refinedTail(u1);
          const radius = Math.sqrt(-2 * Math.log(u1));
          out[i++] = radius * Math.cos(angle);
          out[i++] = radius * Math.sin(angle);
          p = this.position;
          break;
        }
        const radius = Math.sqrt(-2 * Math.log(u1));
        out[i++] = radius * Math.cos(angle);
        out[i++] = radius * Math.sin(angle);
      }
      this.position = p;
    }
    if (i < n) out[i] = this.normal();
  }

  fork(): Random {
    return new SecureRandom();
  }
}

/**
 * A fresh secure generator (each has its own buffer; there is no seed).
 *
 * @example
 * ```ts
 * import { createSecureRandom } from "equipoise/privacy/accounting";
 * const random = createSecureRandom(); // Web Crypto underneath: for anything released
 * random.uniform(); // in [0, 1)
 * ```
 */
export function createSecureRandom(): SecureRandom {
  return new SecureRandom();
}
