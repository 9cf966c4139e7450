/**
 * Secure aggregation's two implementations of its primitives, Web Crypto (browsers)
 * and node:crypto (Node), agree byte for byte: a browser client and Node clients take
 * part in the same round, so a key, a share's ciphertext or a mask made by one must be
 * exactly what the other makes or expects. Known answers (RFC 7748, RFC 5869, FIPS
 * 180-2, AES-256-ECB of the counter blocks) pin both to the standards, and a whole
 * round with dropouts runs under each.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createCipheriv, hkdfSync } from "node:crypto";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createRandom } from "../../src/common/rng.js";
import {
  type CryptoPrimitives,
  cryptoPrimitives,
  nodeCryptoPrimitives,
  randomBytes,
  utf8,
  webCryptoPrimitives,
} from "../../src/federated/secagg/crypto.js";
import { aggregateSecurely } from "../../src/federated/secagg/local-round.js";

const hex = (text: string) => Uint8Array.from(text.match(/../g)!, (b) => Number.parseInt(b, 16));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

// process.getBuiltinModule arrived in Node 20.16; before it, Node too uses Web Crypto.
const node = nodeCryptoPrimitives;
const noNodeCrypto = node ? undefined : "process.getBuiltinModule is missing (Node < 20.16)";
const web = webCryptoPrimitives;
const backends: CryptoPrimitives[] = node ? [web, node] : [web];
const pairs = backends.flatMap((a) => backends.map((b) => [a, b] as const));

test("Node uses node:crypto", { skip: noNodeCrypto }, () => {
  assert.equal(cryptoPrimitives, nodeCryptoPrimitives);
  assert.equal(cryptoPrimitives.name, "node-crypto");
});

test("random bytes: the right length, never the same twice, across refills of the pool", () => {
  for (const length of [0, 1, 12, 32, 64, 65, 70_000]) assert.equal(randomBytes(length).length, length);
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) seen.add(toHex(randomBytes(12))); // 12 KB: the 4 KB pool refills
  assert.equal(seen.size, 1000);
  // Not all zeros (the pool zeroes what it hands out, never before).
  assert.ok(Array.from({ length: 50 }, () => randomBytes(32)).every((b) => b.some((x) => x !== 0)));
});

describe("known answers, under both implementations", () => {
  // RFC 7748 §6.1.
  const alice = {
    scalar: hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"),
    publicKey: hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"),
  };
  const bob = {
    scalar: hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"),
    publicKey: hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"),
  };
  const shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

  for (const p of backends) {
    test(`${p.name}: X25519 (RFC 7748 §6.1)`, async () => {
      const a = await p.importPrivateKey(alice.scalar);
      const b = await p.importPrivateKey(bob.scalar);
      assert.equal(toHex(await p.publicKeyOf(a)), toHex(alice.publicKey));
      assert.equal(toHex(await p.publicKeyOf(b)), toHex(bob.publicKey));
      assert.equal(toHex(await p.exportPrivateKey(a)), toHex(alice.scalar));
      assert.equal(toHex(await p.agree(a, await p.importPublicKey(bob.publicKey))), shared);
      assert.equal(toHex(await p.agree(b, await p.importPublicKey(alice.publicKey))), shared);
    });

    test(`${p.name}: AES-256-CTR is AES-256-ECB of the counter blocks 0, 1, 2... (big-endian)`, async () => {
      const seed = hex("603deb1015ca71be2b73aefd0a7d77811f352c073b6108d72d9810a30914dff4"); // SP 800-38A F.5.5's key
      const blocks = 300; // past 255: the carry into the counter's second-to-last byte
      const counters = new Uint8Array(16 * blocks);
      for (let i = 0; i < blocks; i++) new DataView(counters.buffer).setUint32(16 * i + 12, i, false);
      const ecb = createCipheriv("aes-256-ecb", seed, null).setAutoPadding(false);
      const expected = new Uint8Array(Buffer.concat([ecb.update(counters), ecb.final()]));
      // 1,199 words: a keystream that ends inside a block.
      const words = 4 * blocks - 1;
      const stream = await p.expandMask(seed, words);
      assert.equal(stream.length, words);
      const view = new DataView(expected.buffer);
      for (let i = 0; i < words; i++)
        assert.equal(stream[i], view.getUint32(4 * i, true), `word ${i} (little-endian)`);
    });

    test(`${p.name}: HKDF-SHA-256 (RFC 5869 test case 3) gives the AES key`, async () => {
      const ikm = new Uint8Array(22).fill(0x0b);
      const okm = hex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d");
      const key = await p.deriveKey(ikm, new Uint8Array(0), "", "AES-CTR");
      assert.deepEqual(await p.expandMask(key, 64), await p.expandMask(okm, 64));
    });

    test(`${p.name}: HKDF is node:crypto's hkdfSync, whatever the lengths of salt and secret`, async () => {
      const random = createRandom(11);
      const bytes = (n: number) => Uint8Array.from({ length: n }, () => random.integer(256));
      for (const saltLength of [0, 1, 63, 64, 65, 200]) {
        for (const secretLength of [32, 100]) {
          const secret = bytes(secretLength);
          const salt = bytes(saltLength);
          const label = `label ${saltLength}`;
          const expected = new Uint8Array(hkdfSync("sha256", secret, salt, utf8(label), 32));
          const key = await p.deriveKey(secret, salt, label, "AES-CTR");
          if (key instanceof Uint8Array) assert.deepEqual(key, expected);
          assert.deepEqual(await p.expandMask(key, 40), await p.expandMask(expected, 40));
        }
      }
    });

    test(`${p.name}: SHA-256 (FIPS 180-2 "abc")`, async () => {
      assert.equal(
        toHex(await p.sha256(utf8("abc"))),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      );
    });
  }
});

describe("the two implementations interoperate", () => {
  for (const [a, b] of pairs) {
    test(`X25519: keys from ${a.name} and ${b.name} agree, and a scalar moves between them`, async () => {
      const alice = await a.generateKeyPair();
      const bob = await b.generateKeyPair();
      assert.equal(alice.publicKey.length, 32);
      const secret = await a.agree(alice.privateKey, await a.importPublicKey(bob.publicKey));
      assert.equal(secret.length, 32);
      assert.deepEqual(await b.agree(bob.privateKey, await b.importPublicKey(alice.publicKey)), secret);
      // Alice's key reconstructed on the other side (as the server does after a dropout).
      const scalar = await a.exportPrivateKey(alice.privateKey);
      assert.equal(scalar.length, 32);
      const moved = await b.importPrivateKey(scalar);
      assert.deepEqual(await b.publicKeyOf(moved), alice.publicKey);
      assert.deepEqual(await a.publicKeyOf(alice.privateKey), alice.publicKey);
      assert.deepEqual(await b.exportPrivateKey(moved), scalar);
      assert.deepEqual(await b.agree(moved, await b.importPublicKey(bob.publicKey)), secret);
    });

    test(`HKDF and AES-CTR: ${a.name} and ${b.name} expand the same mask`, async () => {
      const secret = crypto.getRandomValues(new Uint8Array(32));
      const salt = utf8("session 1f2e round 3 pair 4-9");
      const [ka, kb] = await Promise.all([
        a.deriveKey(secret, salt, "pairwise-mask", "AES-CTR"),
        b.deriveKey(secret, salt, "pairwise-mask", "AES-CTR"),
      ]);
      const ma = await a.expandMask(ka, 10_945);
      assert.equal(ma.length, 10_945);
      assert.deepEqual(await b.expandMask(kb, 10_945), ma);
      // Another label or salt: another mask.
      const other = await b.deriveKey(secret, salt, "share-encryption", "AES-CTR");
      assert.notDeepEqual(await b.expandMask(other, 16), ma.subarray(0, 16));
      // A raw 32-byte seed (the self mask).
      const seed = crypto.getRandomValues(new Uint8Array(32));
      assert.deepEqual(await a.expandMask(seed, 1001), await b.expandMask(seed, 1001));
    });

    test(`AES-GCM: sealed by ${a.name}, opened by ${b.name}; any flipped bit fails`, async () => {
      const secret = crypto.getRandomValues(new Uint8Array(32));
      const salt = utf8("round salt");
      const sealer = await a.deriveKey(secret, salt, "share-encryption", "AES-GCM");
      const opener = await b.deriveKey(secret, salt, "share-encryption", "AES-GCM");
      const plaintext = crypto.getRandomValues(new Uint8Array(66));
      const ad = utf8("share 1 -> 2");
      const sealed = await a.encrypt(sealer, plaintext, ad);
      assert.equal(sealed.length, 12 + 66 + 16);
      assert.deepEqual(await b.decrypt(opener, sealed, ad), plaintext);
      assert.deepEqual(await a.decrypt(sealer, sealed, ad), plaintext);
      for (const at of [0, 11, 12, 50, 77, 78, 93]) {
        const tampered = sealed.slice();
        tampered[at] ^= 0x10;
        assert.equal(await b.decrypt(opener, tampered, ad), null, `bit flipped in byte ${at}`);
      }
      assert.equal(await b.decrypt(opener, sealed, utf8("share 1 -> 3")), null);
      assert.equal(await b.decrypt(opener, sealed.subarray(0, 27), ad), null);
      const wrong = await b.deriveKey(secret, utf8("another round"), "share-encryption", "AES-GCM");
      assert.equal(await b.decrypt(wrong, sealed, ad), null);
      // Empty plaintext and associated data.
      const empty = await a.encrypt(sealer, new Uint8Array(0), new Uint8Array(0));
      assert.equal(empty.length, 28);
      assert.deepEqual(await b.decrypt(opener, empty, new Uint8Array(0)), new Uint8Array(0));
    });

    test(`SHA-256: ${a.name} and ${b.name} agree`, async () => {
      const data = crypto.getRandomValues(new Uint8Array(1000));
      assert.deepEqual(await a.sha256(data), await b.sha256(data));
    });
  }

  for (const p of backends) {
    test(`${p.name} refuses keys and seeds of the wrong length`, async () => {
      await assert.rejects(p.importPublicKey(new Uint8Array(31)), RangeError);
      await assert.rejects(p.importPrivateKey(new Uint8Array(33)), RangeError);
      await assert.rejects(p.expandMask(new Uint8Array(16), 4), RangeError);
    });
  }
});

describe("a whole round with dropouts is exact under each implementation", () => {
  const clients = 12;
  const length = 333;
  const dropouts: [number, "advertise" | "share" | "input" | "unmask"][] = [
    [2, "advertise"],
    [5, "share"],
    [7, "input"],
    [11, "unmask"],
  ];
  const settings = { graph: { kind: "harary" as const, degree: 8 }, thresholdFraction: 0.3 };

  /** The round's inputs and its expected sum (every client but those that dropped before their input). */
  function round(seed: number) {
    const random = createRandom(seed);
    const inputs = new Map(
      Array.from({ length: clients }, (_, i) => [i + 1, Uint32Array.from({ length }, () => random.uint32())]),
    );
    const included = [...inputs.keys()].filter((id) => ![2, 5, 7].includes(id));
    const expected = new Uint32Array(length);
    for (const id of included) {
      const x = inputs.get(id)!;
      for (let k = 0; k < length; k++) expected[k] = (expected[k] + x[k]) >>> 0;
    }
    return { inputs, included, expected };
  }

  test(`${cryptoPrimitives.name} (this process)`, async () => {
    const { inputs, included, expected } = round(3);
    const result = await aggregateSecurely(inputs, 1, settings, {
      dropouts: new Map(dropouts),
      graphSeed: 5,
    });
    assert.deepEqual(result.included, included);
    assert.deepEqual(result.sum, expected);
  });

  test("Web Crypto (a process without process.getBuiltinModule)", { timeout: 60_000 }, () => {
    const url = (path: string) => new URL(path, import.meta.url).href;
    const script = `
      process.getBuiltinModule = undefined;
      const { cryptoPrimitives } = await import(${JSON.stringify(url("../../src/federated/secagg/crypto.ts"))});
      const { aggregateSecurely } = await import(${JSON.stringify(url("../../src/federated/secagg/local-round.ts"))});
      const { createRandom } = await import(${JSON.stringify(url("../../src/common/rng.ts"))});
      const random = createRandom(3);
      const inputs = new Map(Array.from({ length: ${clients} }, (_, i) => [i + 1, Uint32Array.from({ length: ${length} }, () => random.uint32())]));
      const result = await aggregateSecurely(inputs, 1, ${JSON.stringify(settings)}, { dropouts: new Map(${JSON.stringify(dropouts)}), graphSeed: 5 });
      console.log(JSON.stringify({ backend: cryptoPrimitives.name, included: result.included, sum: [...result.sum] }));
    `;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("../../", import.meta.url)),
      encoding: "utf8",
    });
    assert.equal(child.status, 0, child.stderr);
    const out = JSON.parse(child.stdout.trim().split("\n").at(-1)!);
    const { included, expected } = round(3);
    assert.equal(out.backend, "web-crypto");
    assert.deepEqual(out.included, included);
    assert.deepEqual(Uint32Array.from(out.sum), expected);
  });
});
