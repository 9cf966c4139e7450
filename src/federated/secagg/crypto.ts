// Types only: nothing of node:crypto is imported at run time (see `nodeCrypto` below).
import type * as NodeCrypto from "node:crypto";

/**
 * The cryptographic primitives of secure aggregation, from the platform (nothing here
 * is home-made cryptography: only compositions of these primitives):
 * - X25519 key agreement (RFC 7748) for the pairwise secrets;
 * - HKDF-SHA-256 (RFC 5869) to turn a shared secret into keys, one per purpose
 *   (domain separation by the `info` label, round binding by the salt);
 * - AES-256-GCM to encrypt the Shamir shares one client sends another through the server;
 * - AES-256-CTR keystreams as the PRG that expands a 32-byte seed into a mask
 *   (Bonawitz et al. 2017, §4: "PRG" is any secure pseudorandom generator).
 *
 * Two implementations, byte for byte the same: the Web Crypto API
 * (`globalThis.crypto.subtle`: browsers, where Chromium has X25519 since 2024, and Node
 * before 20.16), and Node's synchronous `node:crypto` (OpenSSL), used wherever
 * `process.getBuiltinModule` reaches it. A round does thousands of small key
 * agreements, derivations and encryptions, and Web Crypto's per-call promise and
 * thread-pool hop cost several times the work itself (100 clients at SecAgg+ degree
 * 84: about 10 s through Web Crypto, 2 s through node:crypto). `node:crypto` is reached
 * at run time, never imported, so the browser bundle does not carry it. Keys are
 * opaque (`PrivateKey`, `PublicKey`, `SymmetricKey`): only the implementation that
 * made a key uses it; bytes cross between the two.
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

type KeyObject = NodeCrypto.KeyObject;

/** An X25519 private key: a CryptoKey under Web Crypto, a KeyObject under node:crypto. */
export type PrivateKey = CryptoKey | KeyObject;
/**
 * A peer's X25519 public key: a CryptoKey under Web Crypto, a KeyObject under node:crypto.
 *
 * @example
 * ```ts
 * import { type PublicKey, SecAggClient } from "equipoise/federated";
 * declare const importOnce: (publicKey: Uint8Array) => Promise<PublicKey>; // a memo: each distinct key imported once
 * const client = new SecAggClient(3, importOnce); // the simulated clients of one round share the memo
 * ```
 */
export type PublicKey = CryptoKey | NodeCrypto.KeyObject;
/** An AES-256 key (GCM or CTR): a CryptoKey under Web Crypto, its 32 raw bytes under node:crypto. */
export type SymmetricKey = CryptoKey | Bytes;

export interface KeyPair {
  /** 32-byte X25519 public key. */
  publicKey: Bytes;
  privateKey: PrivateKey;
}

/** Every keyed primitive of secure aggregation, from one implementation. */
export interface CryptoPrimitives {
  readonly name: "web-crypto" | "node-crypto";
  /** A fresh X25519 key pair; the private key is exportable so that it can be secret-shared. */
  generateKeyPair(): Promise<KeyPair>;
  /** The 32-byte private scalar (for Shamir sharing). */
  exportPrivateKey(key: PrivateKey): Promise<Bytes>;
  /** A private key back from its 32-byte scalar (after Shamir reconstruction). */
  importPrivateKey(scalar: Uint8Array): Promise<PrivateKey>;
  /** The public key of a private key (to check a reconstructed key against the advertised one). */
  publicKeyOf(privateKey: PrivateKey): Promise<Bytes>;
  /** A peer's 32-byte X25519 public key. */
  importPublicKey(publicKey: Uint8Array): Promise<PublicKey>;
  /** The raw X25519 shared secret of our private key and a peer's public key. */
  agree(privateKey: PrivateKey, peerPublicKey: PublicKey): Promise<Bytes>;
  /** An AES-256 key by HKDF-SHA-256 (see {@link deriveKey}). */
  deriveKey(
    secret: Uint8Array,
    salt: Uint8Array,
    label: string,
    algorithm: "AES-GCM" | "AES-CTR",
  ): Promise<SymmetricKey>;
  /** AES-256-GCM: a random 96-bit IV followed by the ciphertext and its 128-bit tag. */
  encrypt(key: SymmetricKey, plaintext: Uint8Array, associatedData: Uint8Array): Promise<Bytes>;
  /** Opens what `encrypt` sealed; null when the tag does not verify. */
  decrypt(key: SymmetricKey, sealed: Uint8Array, associatedData: Uint8Array): Promise<Bytes | null>;
  /** `words` little-endian words of AES-256-CTR keystream (see {@link expandMask}). */
  expandMask(seed: Uint8Array | SymmetricKey, words: number): Promise<Uint32Array>;
  /** SHA-256 digest. */
  sha256(data: Uint8Array): Promise<Bytes>;
}

const X25519 = { name: "X25519" } as const;
/** PKCS#8 header of an X25519 private key (RFC 8410): the 32-byte scalar follows it. */
const PKCS8_X25519_PREFIX = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);
const GCM_IV_BYTES = 12;
const GCM_TAG_BYTES = 16;
const encoder = new TextEncoder();

/** Requests up to this many bytes are served from a pool of CSPRNG output. */
const POOLED = 64;
const randomPool = new Uint8Array(4096);
let randomPoolOffset = randomPool.length;

/** Cryptographically secure random bytes. */
export function randomBytes(length: number): Bytes {
  const out = new Uint8Array(length);
  if (length <= POOLED) {
    takeRandom(out);
    return out;
  }
  // getRandomValues fills at most 65,536 bytes per call.
  for (let offset = 0; offset < length; offset += 65536)
    globalThis.crypto.getRandomValues(out.subarray(offset, Math.min(length, offset + 65536)));
  return out;
}

/**
 * Fills `out` (at most POOLED bytes) from a pool refilled by getRandomValues 4 KB at a
 * time: a round draws thousands of 12-byte IVs and 32-byte seeds, and each call to
 * getRandomValues costs Node about 8 µs whatever its length. Bytes handed out are
 * zeroed in the pool, so a secret drawn from it lives only where it was delivered.
 */
function takeRandom(out: Uint8Array): void {
  if (randomPoolOffset + out.length > randomPool.length) {
    globalThis.crypto.getRandomValues(randomPool);
    randomPoolOffset = 0;
  }
  const taken = randomPool.subarray(randomPoolOffset, randomPoolOffset + out.length);
  out.set(taken);
  taken.fill(0);
  randomPoolOffset += out.length;
}

const subtle = (): SubtleCrypto => {
  const api = globalThis.crypto?.subtle;
  if (!api)
    throw new Error("Web Crypto is unavailable (a browser page must be served over https or localhost)");
  return api;
};

/** The primitives through Web Crypto (`globalThis.crypto.subtle`): browsers, and Node without getBuiltinModule. */
export const webCryptoPrimitives: CryptoPrimitives = {
  name: "web-crypto",

  async generateKeyPair() {
    const pair = (await subtle().generateKey(X25519, true, ["deriveBits"])) as CryptoKeyPair;
    const publicKey = new Uint8Array(await subtle().exportKey("raw", pair.publicKey));
    return { publicKey, privateKey: pair.privateKey };
  },

  async exportPrivateKey(key) {
    const pkcs8 = new Uint8Array(await subtle().exportKey("pkcs8", key as CryptoKey));
    return pkcs8.slice(pkcs8.length - 32);
  },

  async importPrivateKey(scalar) {
    return subtle().importKey("pkcs8", withPrefix(PKCS8_X25519_PREFIX, scalar, "private"), X25519, true, [
      "deriveBits",
    ]);
  },

  async publicKeyOf(privateKey) {
    const jwk = await subtle().exportKey("jwk", privateKey as CryptoKey);
    if (!jwk.x) throw new Error("this platform's Web Crypto does not export the X25519 public key");
    return base64UrlDecode(jwk.x);
  },

  async importPublicKey(publicKey) {
    checkLength(publicKey, 32, "an X25519 public key");
    return subtle().importKey("raw", copy(publicKey), X25519, true, []);
  },

  async agree(privateKey, peerPublicKey) {
    return new Uint8Array(
      await subtle().deriveBits(
        { name: "X25519", public: peerPublicKey as CryptoKey },
        privateKey as CryptoKey,
        256,
      ),
    );
  },

  async deriveKey(secret, salt, label, algorithm) {
    const base = await subtle().importKey("raw", copy(secret), "HKDF", false, ["deriveKey"]);
    return subtle().deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: copy(salt), info: encoder.encode(label) },
      base,
      { name: algorithm, length: 256 },
      false,
      algorithm === "AES-GCM" ? ["encrypt", "decrypt"] : ["encrypt"],
    );
  },

  async encrypt(key, plaintext, associatedData) {
    const iv = randomBytes(GCM_IV_BYTES);
    const sealed = new Uint8Array(
      await subtle().encrypt(
        { name: "AES-GCM", iv, additionalData: copy(associatedData) },
        key as CryptoKey,
        copy(plaintext),
      ),
    );
    const out = new Uint8Array(GCM_IV_BYTES + sealed.length);
    out.set(iv);
    out.set(sealed, GCM_IV_BYTES);
    return out;
  },

  async decrypt(key, sealed, associatedData) {
    if (sealed.length < GCM_IV_BYTES + GCM_TAG_BYTES) return null;
    try {
      const plain = await subtle().decrypt(
        { name: "AES-GCM", iv: sealed.slice(0, GCM_IV_BYTES), additionalData: copy(associatedData) },
        key as CryptoKey,
        sealed.slice(GCM_IV_BYTES),
      );
      return new Uint8Array(plain);
    } catch {
      return null;
    }
  },

  async expandMask(seed, words) {
    let key: CryptoKey;
    if (seed instanceof Uint8Array) {
      checkLength(seed, 32, "a mask seed");
      key = await subtle().importKey("raw", copy(seed), "AES-CTR", false, ["encrypt"]);
    } else {
      key = seed;
    }
    // A 64-bit counter (the low half of the block) from zero: the same keystream as
    // OpenSSL's 128-bit counter below 2^64 blocks (2^68 bytes), far beyond any mask.
    const stream = await subtle().encrypt(
      { name: "AES-CTR", counter: new Uint8Array(16), length: 64 },
      key,
      zeroBytes(words * 4),
    );
    return littleEndianWords(new Uint8Array(stream), words);
  },

  async sha256(data) {
    return new Uint8Array(await subtle().digest("SHA-256", copy(data)));
  },
};

/**
 * node:crypto, reached at run time (Node ≥ 20.16) so that bundlers never see an
 * import of it; undefined in browsers, older Node, and a Node built without OpenSSL.
 */
const nodeCrypto = ((): typeof NodeCrypto | undefined => {
  try {
    const node = (
      globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
    ).process?.getBuiltinModule?.("node:crypto") as typeof NodeCrypto | undefined;
    return node?.diffieHellman ? node : undefined;
  } catch {
    return undefined;
  }
})();

/** The primitives through node:crypto's synchronous calls (OpenSSL); undefined where it is unreachable. */
export const nodeCryptoPrimitives: CryptoPrimitives | undefined = nodeCrypto && nodePrimitives(nodeCrypto);

function nodePrimitives(node: typeof NodeCrypto): CryptoPrimitives {
  const ZERO_COUNTER = new Uint8Array(16);
  // Keys cross OpenSSL's boundary as JWK, not DER: OpenSSL 3 decodes a DER key by
  // trying its decoders in turn (createPublicKey: 130 µs from SPKI, 17 µs from JWK).
  /** A JWK's base64url member as bytes of their own. */
  const fromBase64Url = (text: string | undefined): Bytes => {
    if (!text) throw new Error("node:crypto did not export the X25519 key");
    return new Uint8Array(Buffer.from(text, "base64url"));
  };
  const publicKeyBytes = (key: KeyObject): Bytes => fromBase64Url(key.export({ format: "jwk" }).x);
  const HKDF_T1 = new Uint8Array([1]);
  return {
    name: "node-crypto",

    async generateKeyPair() {
      const { publicKey, privateKey } = node.generateKeyPairSync("x25519");
      return { publicKey: publicKeyBytes(publicKey), privateKey };
    },

    async exportPrivateKey(key) {
      return fromBase64Url((key as KeyObject).export({ format: "jwk" }).d);
    },

    async importPrivateKey(scalar) {
      // From PKCS#8 (400 µs, but only for the masking keys of clients that dropped out):
      // a JWK private key needs its public half, which is what is to be checked.
      return node.createPrivateKey({
        key: Buffer.from(withPrefix(PKCS8_X25519_PREFIX, scalar, "private").buffer),
        format: "der",
        type: "pkcs8",
      });
    },

    async publicKeyOf(privateKey) {
      return publicKeyBytes(node.createPublicKey(privateKey as KeyObject));
    },

    async importPublicKey(publicKey) {
      checkLength(publicKey, 32, "an X25519 public key");
      const x = Buffer.from(publicKey.buffer, publicKey.byteOffset, 32).toString("base64url");
      return node.createPublicKey({ key: { kty: "OKP", crv: "X25519", x }, format: "jwk" });
    },

    async agree(privateKey, peerPublicKey) {
      const secret = node.diffieHellman({
        privateKey: privateKey as KeyObject,
        publicKey: peerPublicKey as KeyObject,
      });
      return new Uint8Array(secret);
    },

    async deriveKey(secret, salt, label) {
      // HKDF-SHA-256 (RFC 5869) of length L = 32, the bytes Web Crypto's deriveKey takes
      // as the AES-256 key (GCM and CTR keys differ only by their label). With L equal
      // to the hash length, HKDF is two HMACs: PRK = HMAC(salt, IKM), OKM = T(1) =
      // HMAC(PRK, info ‖ 0x01). Spelled out because node's hkdfSync costs 20 µs a call
      // (a KeyObject and a crypto job for every call) against 8 µs for the two HMACs,
      // and a round derives a key for every pair twice. Checked against RFC 5869's test
      // vectors, hkdfSync and Web Crypto (test/federated/secagg-crypto.test.ts).
      const prk = node.createHmac("sha256", salt).update(secret).digest();
      return new Uint8Array(
        node.createHmac("sha256", prk).update(labelBytes(label)).update(HKDF_T1).digest(),
      );
    },

    async encrypt(key, plaintext, associatedData) {
      const out = new Uint8Array(GCM_IV_BYTES + plaintext.length + GCM_TAG_BYTES);
      const iv = out.subarray(0, GCM_IV_BYTES);
      takeRandom(iv);
      const cipher = node.createCipheriv("aes-256-gcm", key as Bytes, iv, { authTagLength: GCM_TAG_BYTES });
      cipher.setAAD(associatedData);
      const body = cipher.update(plaintext);
      const last = cipher.final();
      out.set(body, GCM_IV_BYTES);
      out.set(last, GCM_IV_BYTES + body.length);
      out.set(cipher.getAuthTag(), GCM_IV_BYTES + plaintext.length);
      return out;
    },

    async decrypt(key, sealed, associatedData) {
      if (sealed.length < GCM_IV_BYTES + GCM_TAG_BYTES) return null;
      try {
        const decipher = node.createDecipheriv(
          "aes-256-gcm",
          key as Bytes,
          sealed.subarray(0, GCM_IV_BYTES),
          {
            authTagLength: GCM_TAG_BYTES,
          },
        );
        decipher.setAuthTag(sealed.subarray(sealed.length - GCM_TAG_BYTES));
        decipher.setAAD(associatedData);
        const body = decipher.update(sealed.subarray(GCM_IV_BYTES, sealed.length - GCM_TAG_BYTES));
        const last = decipher.final(); // throws when the tag does not verify
        const out = new Uint8Array(body.length + last.length);
        out.set(body);
        out.set(last, body.length);
        return out;
      } catch {
        return null;
      }
    },

    async expandMask(seed, words) {
      if (!(seed instanceof Uint8Array))
        throw new TypeError("a Web Crypto key given to node:crypto's AES-CTR");
      checkLength(seed, 32, "a mask seed");
      // OpenSSL's AES-CTR increments the whole 128-bit block; from a zero block it
      // matches Web Crypto's 64-bit counter (`length: 64`) as long as the low 64 bits
      // do not wrap, i.e. for the first 2^64 blocks: every mask, by far.
      const cipher = node.createCipheriv("aes-256-ctr", seed, ZERO_COUNTER);
      const stream = cipher.update(zeroBytes(words * 4));
      // The words are a view of the keystream's own memory (no copy), unless the
      // Buffer is a slice of a larger (pooled) one, which a view must not alias.
      return littleEndianWords(stream.byteLength === stream.buffer.byteLength ? stream : copy(stream), words);
    },

    async sha256(data) {
      return new Uint8Array(node.createHash("sha256").update(data).digest());
    },
  };
}

/** The implementation this platform uses: node:crypto where reachable, Web Crypto otherwise. */
export const cryptoPrimitives: CryptoPrimitives = nodeCryptoPrimitives ?? webCryptoPrimitives;

/** A fresh X25519 key pair; the private key is exportable so that it can be secret-shared. */
export function generateKeyPair(): Promise<KeyPair> {
  return cryptoPrimitives.generateKeyPair();
}

/** The 32-byte private scalar (for Shamir sharing). */
export function exportPrivateKey(key: PrivateKey): Promise<Bytes> {
  return cryptoPrimitives.exportPrivateKey(key);
}

/** A private key back from its 32-byte scalar (after Shamir reconstruction). */
export function importPrivateKey(scalar: Uint8Array): Promise<PrivateKey> {
  return cryptoPrimitives.importPrivateKey(scalar);
}

/** The public key of a private key (to check a reconstructed key against the advertised one). */
export function publicKeyOf(privateKey: PrivateKey): Promise<Bytes> {
  return cryptoPrimitives.publicKeyOf(privateKey);
}

/** A peer's 32-byte X25519 public key as a key for {@link agree}. */
export function importPublicKey(publicKey: Uint8Array): Promise<PublicKey> {
  return cryptoPrimitives.importPublicKey(publicKey);
}

/** The raw X25519 shared secret of our private key and a peer's public key. */
export function agree(privateKey: PrivateKey, peerPublicKey: PublicKey): Promise<Bytes> {
  return cryptoPrimitives.agree(privateKey, peerPublicKey);
}

/**
 * An AES-256 key by HKDF-SHA-256 from a shared secret, for one purpose (`label`) in
 * one context (`salt`): GCM for the shares' encryption, CTR for a mask's keystream.
 */
export function deriveKey(
  secret: Uint8Array,
  salt: Uint8Array,
  label: string,
  algorithm: "AES-GCM" | "AES-CTR",
): Promise<SymmetricKey> {
  return cryptoPrimitives.deriveKey(secret, salt, label, algorithm);
}

/** AES-256-GCM: a random 96-bit IV followed by the ciphertext and its 128-bit tag. */
export function encrypt(
  key: SymmetricKey,
  plaintext: Uint8Array,
  associatedData: Uint8Array,
): Promise<Bytes> {
  return cryptoPrimitives.encrypt(key, plaintext, associatedData);
}

/** Opens what `encrypt` sealed; null when the tag does not verify (tampered, wrong key or context). */
export function decrypt(
  key: SymmetricKey,
  sealed: Uint8Array,
  associatedData: Uint8Array,
): Promise<Bytes | null> {
  return cryptoPrimitives.decrypt(key, sealed, associatedData);
}

/**
 * `words` pseudorandom 32-bit words: the AES-256-CTR keystream (encryption of zeros)
 * under `seed` (32 raw bytes, or a derived AES-CTR key), counter block starting at
 * zero, read as little-endian words. A key is only ever used for one mask (fresh
 * keys every round), so the counter never repeats.
 */
export function expandMask(seed: Uint8Array | SymmetricKey, words: number): Promise<Uint32Array> {
  return cryptoPrimitives.expandMask(seed, words);
}

/** SHA-256 digest. */
export function sha256(data: Uint8Array): Promise<Bytes> {
  return cryptoPrimitives.sha256(data);
}

let zeros = new Uint8Array(0);

/**
 * `length` zero bytes, read-only by convention: a round expands hundreds of masks of
 * the same length, and a fresh zero plaintext for each was a third of the round's
 * garbage (Web Crypto and node:crypto copy or only read their input, so sharing one
 * buffer is safe).
 */
function zeroBytes(length: number): Bytes {
  if (zeros.length < length) zeros = new Uint8Array(length);
  return zeros.subarray(0, length);
}

const labels = new Map<string, Bytes>();

/** The UTF-8 bytes of an HKDF label, encoded once (a round uses two labels thousands of times). */
function labelBytes(label: string): Bytes {
  let bytes = labels.get(label);
  if (!bytes) {
    bytes = encoder.encode(label);
    if (labels.size < 64) labels.set(label, bytes);
  }
  return bytes;
}

/** `prefix` followed by a 32-byte X25519 key: the DER encoding of that key. */
function withPrefix(prefix: Uint8Array, key: Uint8Array, kind: "private" | "public"): Bytes {
  checkLength(key, 32, `an X25519 ${kind} key`);
  const der = new Uint8Array(prefix.length + 32);
  der.set(prefix);
  der.set(key, prefix.length);
  return der;
}

function checkLength(bytes: Uint8Array, length: number, what: string): void {
  if (bytes.length !== length) throw new RangeError(`${what} has ${length} bytes, got ${bytes.length}`);
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

/**
 * Words of `bytes` read as little-endian, whatever the platform's byte order: a view
 * without a copy when the platform is little-endian and the bytes are 4-aligned.
 */
function littleEndianWords(bytes: Uint8Array, words: number): Uint32Array {
  if (littleEndian && bytes.byteOffset % 4 === 0)
    return new Uint32Array(bytes.buffer, bytes.byteOffset, words);
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
