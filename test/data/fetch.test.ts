import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { type FetchFunction, locateFile, type RemoteFile } from "../../src/data/index.js";

const good = new TextEncoder().encode("a,b\n1,2\n");
const file: RemoteFile = {
  name: "tiny.csv",
  url: "https://example.invalid/tiny.csv",
  sha256: createHash("sha256").update(good).digest("hex"),
};

function serving(bytes: Uint8Array, calls: string[] = []): FetchFunction {
  return async (url) => {
    calls.push(url);
    return new Response(Buffer.from(bytes), { status: 200 });
  };
}

const fresh = () => mkdtempSync(join(tmpdir(), "equipoise-fetch-"));

test("a download with the right checksum is cached, and the cache is used next time", async () => {
  const cacheDir = fresh();
  const calls: string[] = [];
  const first = await locateFile("tiny", file, { cacheDir, fetch: serving(good, calls) });
  assert.equal(first.origin, "download");
  assert.deepEqual(new Uint8Array(readFileSync(first.path)), good);
  const second = await locateFile("tiny", file, { cacheDir, fetch: serving(good, calls) });
  assert.equal(second.origin, "cache");
  assert.deepEqual(calls, [file.url]);
  assert.deepEqual(readdirSync(join(cacheDir, "tiny")), ["tiny.csv"]);
});

test("wrong bytes are refused and nothing is kept", async () => {
  const cacheDir = fresh();
  const wrong = new TextEncoder().encode("a,b\n1,3\n");
  await assert.rejects(
    locateFile("tiny", file, { cacheDir, fetch: serving(wrong) }),
    /refusing tiny\.csv downloaded from https:\/\/example\.invalid\/tiny\.csv: SHA-256 [0-9a-f]{64} does not match/,
  );
  const folder = join(cacheDir, "tiny");
  assert.ok(!existsSync(folder) || readdirSync(folder).length === 0);
});

test("an HTTP error or a network failure is a one-line error that suggests a data directory", async () => {
  const notFound: FetchFunction = async () => new Response("no", { status: 404, statusText: "Not Found" });
  await assert.rejects(
    locateFile("tiny", file, { cacheDir: fresh(), fetch: notFound }),
    /HTTP 404 Not Found.*--data-dir/,
  );
  const offline: FetchFunction = async () => {
    throw new TypeError("fetch failed", { cause: new Error("getaddrinfo ENOTFOUND example.invalid") });
  };
  await assert.rejects(
    locateFile("tiny", file, { cacheDir: fresh(), fetch: offline }),
    /fetch failed \(getaddrinfo ENOTFOUND/,
  );
});

test("a data directory is searched in DIR/<dataset>/ and DIR/, and its files are checked too", async () => {
  const never: FetchFunction = async () => assert.fail("must not download");
  for (const sub of ["tiny", ""]) {
    const dataDir = fresh();
    mkdirSync(join(dataDir, sub), { recursive: true });
    writeFileSync(join(dataDir, sub, "tiny.csv"), good);
    const found = await locateFile("tiny", file, { dataDir, cacheDir: fresh(), fetch: never });
    assert.deepEqual(
      { path: found.path, origin: found.origin },
      { path: join(dataDir, sub, "tiny.csv"), origin: "data-dir" },
    );
  }
  const corrupt = fresh();
  writeFileSync(join(corrupt, "tiny.csv"), "tampered");
  await assert.rejects(
    locateFile("tiny", file, { dataDir: corrupt, fetch: never }),
    /does not match the expected/,
  );
});

test("a mirror replaces the canonical base address", async () => {
  const calls: string[] = [];
  await locateFile("tiny", file, {
    cacheDir: fresh(),
    mirror: "http://127.0.0.1:9/files",
    fetch: serving(good, calls),
  });
  assert.deepEqual(calls, ["http://127.0.0.1:9/files/tiny.csv"]);
});
