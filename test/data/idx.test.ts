import assert from "node:assert/strict";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { readIdx } from "../../src/data/index.js";

function idx(shape: number[], values: number[]): Uint8Array {
  const header = new Uint8Array(4 + 4 * shape.length);
  const view = new DataView(header.buffer);
  header[2] = 0x08;
  header[3] = shape.length;
  for (let d = 0; d < shape.length; d++) view.setUint32(4 + 4 * d, shape[d], false);
  return new Uint8Array([...header, ...values]);
}

test("reads raw and gzipped IDX byte arrays", () => {
  const raw = idx([2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
  for (const bytes of [raw, new Uint8Array(gzipSync(raw))]) {
    const { shape, data } = readIdx(bytes);
    assert.deepEqual(shape, [2, 2, 3]);
    assert.deepEqual(Array.from(data), [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
  }
});

test("a truncated file or another element type is refused", () => {
  assert.throws(() => readIdx(idx([3], [1, 2])), /has 2 bytes, the header says 3/);
  const floats = idx([1], [0]);
  floats[2] = 0x0d;
  assert.throws(() => readIdx(floats), /not supported/);
  assert.throws(() => readIdx(new Uint8Array([1, 2, 3, 4])), /not an IDX file/);
});
