/**
 * Cryptographically secure randomness for privacy noise. Uniform words come from
 * crypto.getRandomValues in large batches (one call per 16,384 words, not one per
 * number); normals by Box–Muller with a 53-bit radius uniform, so the Gaussian's
 * tail is not cut at the 6.7σ a 32-bit uniform would impose.
 *
 * Implements the project's `Random` interface, so any code that takes a Random (a
 * seeded one for reproducible experiments) takes this one for releases.
 */
import { webcrypto } from "node:crypto";
import type { Random } from "../common/rng.js";

const BUFFER_WORDS = 16384; // getRandomValues accepts at most 65,536 bytes per call
const TWO_PI = 2 * Math.PI;
const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

export class SecureRandom implements Random {
  private readonly buffer = new Uint32Array(BUFFER_WORDS);
  private position = BUFFER_WORDS;
  private spareNormal: number | null = null;

  private refill(): void {
    webcrypto.getRandomValues(this.buffer);
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
    const pair = this.boxMuller();
    this.spareNormal = pair[1];
    return pair[0];
  }

  private readonly pairOut = [0, 0];
  private boxMuller(): number[] {
    // u1 in (0, 1] so log(u1) is finite.
    const u1 = 1 - this.uniform();
    const u2 = this.uint32() / TWO_POW_32;
    const radius = Math.sqrt(-2 * Math.log(u1));
    this.pairOut[0] = radius * Math.cos(TWO_PI * u2);
    this.pairOut[1] = radius * Math.sin(TWO_PI * u2);
    return this.pairOut;
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
        const u1 = 1 - ((buffer[p] >>> 5) * 67108864 + (buffer[p + 1] >>> 6)) / TWO_POW_53;
        const angle = (TWO_PI * buffer[p + 2]) / TWO_POW_32;
        p += 3;
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

/** A fresh secure generator (each has its own buffer; there is no seed). */
export function createSecureRandom(): SecureRandom {
  return new SecureRandom();
}
