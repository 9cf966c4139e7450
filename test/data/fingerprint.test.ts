import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DataError } from "../../src/common/errors.js";
import {
  encodeStrings,
  fileFingerprint,
  prepareTask,
  sha256HexWebCrypto,
  Table,
  tabularFingerprint,
} from "../../src/data/index.js";

const dir = mkdtempSync(join(tmpdir(), "equipoise-fingerprint-"));

function writeLoans(name: string, edit?: (row: number, income: number) => number): string {
  const lines = ["income,gender,approved"];
  for (let i = 0; i < 60; i++) {
    const income = 1000 + 37 * i;
    lines.push(`${edit ? edit(i, income) : income},${i % 3 ? "f" : "m"},${i % 4 ? "no" : "yes"}`);
  }
  const path = join(dir, name);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

test("SHA-256 by Web Crypto: the FIPS 180-2 test vector, and a file's fingerprint is the hash of its bytes", async () => {
  assert.equal(
    await sha256HexWebCrypto(new TextEncoder().encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  const path = writeLoans("bytes.csv");
  const bytes = (await import("node:fs")).readFileSync(path);
  assert.equal(await fileFingerprint(path), createHash("sha256").update(bytes).digest("hex"));
  await assert.rejects(
    fileFingerprint(join(dir, "nope.csv")),
    (e: Error) => e instanceof DataError && /file not found/.test(e.message),
  );
});

test("a data file edited in place (same rows) changes the fingerprint; the same data and seed do not", async () => {
  const original = writeLoans("loans.csv");
  const request = { data: original, target: "approved", sensitive: ["gender"] };
  const first = await prepareTask(request);
  assert.match(first.fingerprint, /^[0-9a-f]{64}$/);
  assert.equal((await prepareTask(request)).fingerprint, first.fingerprint);
  const edited = writeLoans("loans.csv", (row, income) => (row === 17 ? income + 1 : income));
  assert.equal(edited, original);
  const after = await prepareTask(request);
  assert.equal(after.train.X.rows + after.test.X.rows, first.train.X.rows + first.test.X.rows);
  assert.notEqual(after.fingerprint, first.fingerprint);
  // Another split seed is other data for a study.
  assert.notEqual((await prepareTask({ ...request, seed: 1 })).fingerprint, after.fingerprint);
});

test("categories are hashed by their text, not by how a reader numbered them", async () => {
  const y = Float32Array.from([0, 1, 1]);
  const inOrder = new Table([encodeStrings("c", ["a", "b", null])]);
  const reordered = new Table([
    { kind: "categorical", name: "c", categories: ["b", "a"], codes: Int32Array.from([1, 0, -1]) },
  ]);
  const hash = (table: Table) =>
    tabularFingerprint({
      seed: 0,
      target: "t",
      classNames: ["0", "1"],
      features: ["c"],
      parts: [{ name: "train", table, y, sensitive: [] }],
    });
  assert.equal(await hash(reordered), await hash(inOrder));
  const changed = new Table([encodeStrings("c", ["a", "a", null])]);
  assert.notEqual(await hash(changed), await hash(inOrder));
});
