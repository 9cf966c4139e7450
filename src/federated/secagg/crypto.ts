/**
 * The cryptographic primitives of secure aggregation, all from the platform's Web
 * Crypto API (`globalThis.crypto.subtle`), so the same code runs in Node 20 and in
 * browsers (Chromium has X25519 in Web Crypto since 2024; checked on this machine):
 * - X25519 key agreement (RFC 7748) for the pairwise secrets;
 * - HKDF-SHA-256 (RFC 5869) to turn a shared secret into keys, one per purpose
 *   (domain separation by the `info` label, round binding by the salt);
 * - AES-256-GCM to encrypt the Shamir shares one client sends another through the server;
 * - AES-256-CTR keystreams as the PRG that expands a 32-byte seed into a mask
 *   (Bonawitz et al. 2017, §4: "PRG" is any secure pseudorandom generator).
 * Nothing here is home-made cryptography: only compositions of those primitives.
 *
 * @example
 * ```ts
 * import { type Bytes, createRoundSetup, SecAggClient } from "equipoise/federated";
 * const setup = createRoundSetup(1, [1, 2, 3], 2, { graph: { kind: "complete" } });
 * const advert = await new SecAggClient(1).advertise(setup);
 * const key: Bytes = advert.maskingKey; // a Uint8Array over an ArrayBuffer, as Web Crypto takes it
 * ```
 */

export type Bytes = Uint8Array<ArrayBuffer>;

const subtle = (): SubtleCrypto => {
  const api = globalThis.crypto?.subtle;
  if (!api)
    throw new Error("Web Crypto is unavailable (a browser page must be served over https or localhost)");
  return api;
};

const X25519 = { name: "X25519" } as const;
/** PKCS#8 header of an X25519 private key (RFC 8410): the 32-byte scalar follows it. */
const PKCS8_X25519_PREFIX = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);
const encoder = new TextEncoder();

/** Cryptographically secure random bytes. */
export function randomBytes(length: number): Bytes {
  const out = new Uint8Array(length);
  // getRandomValues fills at most 65,536 bytes per call.
  for (let offset = 0; offset < length; offset += 65536)
    globalThis.crypto.getRandomValues(out.subarray(offset, Math.min(length, offset + 65536)));
  return out;
}

export interface KeyPair {
  /** 32-byte X25519 public key. */
  publicKey: Bytes;
  privateKey: CryptoKey;
}

/** A fresh X25519 key pair; the private key is exportable so that it can be secret-shared. */
export async function generateKeyPair(): Promise<KeyPair> {
  const pair = (await subtle().generateKey(X25519, true, ["deriveBits"])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await subtle().exportKey("raw", pair.publicKey));
  return { publicKey, privateKey: pair.privateKey };
}

/** The 32-byte private scalar (for Shamir sharing). */
export async function exportPrivateKey(key: CryptoKey): Promise<Bytes> {
  const pkcs8 = new Uint8Array(await subtle().exportKey("pkcs8", key));
  return pkcs8.slice(pkcs8.length - 32);
}

/** A private key back from its 32-byte scalar (after Shamir reconstruction). */
export async function importPrivateKey(scalar: Uint8Array): Promise<CryptoKey> {
  if (scalar.length !== 32) throw new RangeError(`an X25519 private key has 32 bytes, got ${scalar.length}`);
  const pkcs8 = new Uint8Array(PKCS8_X25519_PREFIX.length + 32);
  pkcs8.set(PKCS8_X25519_PREFIX);
  pkcs8.set(scalar, PKCS8_X25519_PREFIX.length);
  return subtle().importKey("pkcs8", pkcs8, X25519, true, ["deriveBits"]);
}

/** The public key of a private key (to check a reconstructed key against the advertised one). */
export async function publicKeyOf(privateKey: CryptoKey): Promise<Bytes> {
  const jwk = await subtle().exportKey("jwk", privateKey);
  if (!jwk.x) throw new Error("this platform's Web Crypto does not export the X25519 public key");
  return base64UrlDecode(jwk.x);
}

/** A peer's 32-byte X25519 public key as a CryptoKey. */
export async function importPublicKey(publicKey: Uint8Array): Promise<CryptoKey> {
  if (publicKey.length !== 32)
    throw new RangeError(`an X25519 public key has 32 bytes, got ${publicKey.length}`);
  return subtle().importKey("raw", copy(publicKey), X25519, true, []);
}

/** The raw X25519 shared secret of our private key and a peer's public key. */
export async function agree(privateKey: CryptoKey, peerPublicKey: CryptoKey): Promise<Bytes> {
  return new Uint8Array(
    await subtle().deriveBits({ name: "X25519", public: peerPublicKey }, privateKey, 256),
  );
}

/**
 * An AES-256 key by HKDF-SHA-256 from a shared secret, for one purpose (`label`) in
 * one context (`salt`): GCM for the shares' encryption, CTR for a mask's keystream.
 */
export async function deriveKey(
  secret: Uint8Array,
  salt: Uint8Array,
  label: string,
  algorithm: "AES-GCM" | "AES-CTR",
): Promise<CryptoKey> {
  const base = await subtle().importKey("raw", copy(secret), "HKDF", false, ["deriveKey"]);
  return subtle().deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: copy(salt), info: encoder.encode(label) },
    base,
    { name: algorithm, length: 256 },
    false,
    algorithm === "AES-GCM" ? ["encrypt", "decrypt"] : ["encrypt"],
  );
}

const GCM_IV_BYTES = 12;

/** AES-256-GCM: a random 96-bit IV followed by the ciphertext and its 128-bit tag. */
export async function encrypt(
  key: CryptoKey,
  plaintext: Uint8Array,
  associatedData: Uint8Array,
): Promise<Bytes> {
  const iv = randomBytes(GCM_IV_BYTES);
  const sealed = new Uint8Array(
    await subtle().encrypt(
      { name: "AES-GCM", iv, additionalData: copy(associatedData) },
      key,
      copy(plaintext),
    ),
  );
  const out = new Uint8Array(GCM_IV_BYTES + sealed.length);
  out.set(iv);
  out.set(sealed, GCM_IV_BYTES);
  return out;
}

/** Opens what `encrypt` sealed; null when the tag does not verify (tampered, wrong key or context). */
export async function decrypt(
  key: CryptoKey,
  sealed: Uint8Array,
  associatedData: Uint8Array,
): Promise<Bytes | null> {
  if (sealed.length < GCM_IV_BYTES + 16) return null;
  try {
    const plain = await subtle().decrypt(
      { name: "AES-GCM", iv: sealed.slice(0, GCM_IV_BYTES), additionalData: copy(associatedData) },
      key,
      sealed.slice(GCM_IV_BYTES),
    );
    return new Uint8Array(plain);
  } catch {
    return null;
  }
}

/**
 * `words` pseudorandom 32-bit words: the AES-256-CTR keystream (encryption of zeros)
 * under `seed` (32 raw bytes, or a derived AES-CTR key), counter block starting at
 * zero. A key is only ever used for one mask (fresh keys every round), so the
 * counter never repeats.
 */
export async function expandMask(seed: Uint8Array | CryptoKey, words: number): Promise<Uint32Array> {
  let key: CryptoKey;
  if (seed instanceof Uint8Array) {
    if (seed.length !== 32) throw new RangeError(`a mask seed has 32 bytes, got ${seed.length}`);
    key = await subtle().importKey("raw", copy(seed), "AES-CTR", false, ["encrypt"]);
  } else {
    key = seed;
  }
  const stream = await subtle().encrypt(
    { name: "AES-CTR", counter: new Uint8Array(16), length: 64 },
    key,
    zeroBytes(words * 4),
  );
  return littleEndianWords(new Uint8Array(stream), words);
}

let zeros = new Uint8Array(0);

/**
 * `length` zero bytes, read-only by convention: a round expands hundreds of masks of
 * the same length, and a fresh zero plaintext for each was a third of the round's
 * garbage (Web Crypto copies its input, so sharing one buffer is safe).
 */
function zeroBytes(length: number): Bytes {
  if (zeros.length < length) zeros = new Uint8Array(length);
  return zeros.subarray(0, length);
}

/** SHA-256 digest. */
export async function sha256(data: Uint8Array): Promise<Bytes> {
  return new Uint8Array(await subtle().digest("SHA-256", copy(data)));
}

/** Constant-time comparison of two byte strings of public length. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
  return difference === 0;
}

/** UTF-8 bytes of a context string (salts and associated data). */
export function utf8(text: string): Bytes {
  return encoder.encode(text);
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Words of `bytes` read as little-endian, whatever the platform's byte order. */
function littleEndianWords(bytes: Bytes, words: number): Uint32Array {
  if (littleEndian) return new Uint32Array(bytes.buffer, bytes.byteOffset, words);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const out = new Uint32Array(words);
  for (let i = 0; i < words; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}

/** A copy backed by its own ArrayBuffer (Web Crypto wants BufferSource over ArrayBuffer). */
function copy(bytes: Uint8Array): Bytes {
  return new Uint8Array(bytes);
}

function base64UrlDecode(text: string): Bytes {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
