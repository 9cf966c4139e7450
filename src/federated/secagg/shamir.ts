/**
 * Shamir secret sharing over GF(2^8) from the audited `shamir-secret-sharing`
 * package (Privy; audits by Cure53 and Zellic). It shares byte strings, here 32-byte
 * keys and seeds; each share is the secret's length plus one byte, its x-coordinate.
 * The package does not check reconstructions, so callers verify every reconstructed
 * secret against a public value (the advertised public key, a commitment).
 */
import { combine, split } from "shamir-secret-sharing";
import type { Bytes } from "./crypto.js";

/** `count` shares of `secret`, any `threshold` of which reconstruct it (2 ≤ threshold ≤ count ≤ 255). */
export async function splitSecret(secret: Uint8Array, count: number, threshold: number): Promise<Bytes[]> {
  if (!(threshold >= 2 && count >= threshold && count <= 255)) {
    throw new RangeError(`cannot split into ${count} shares with threshold ${threshold} (2 ≤ t ≤ n ≤ 255)`);
  }
  const shares = await split(new Uint8Array(secret), count, threshold);
  return shares.map((share) => new Uint8Array(share));
}

/** The secret from at least `threshold` distinct shares (the caller checks the count and verifies the result). */
export async function combineShares(shares: Uint8Array[]): Promise<Bytes> {
  return new Uint8Array(await combine(shares.map((share) => new Uint8Array(share))));
}
