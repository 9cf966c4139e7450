/**
 * IDX files (LeCun's MNIST format, also Fashion-MNIST), optionally gzipped:
 * magic 0x0000 TT DD (TT = element type, DD = number of dimensions), DD big-endian
 * uint32 sizes, then the elements. Only unsigned bytes (0x08) are needed here.
 */
import { gunzipSync } from "node:zlib";
import { DataError } from "../common/errors.js";

/**
 * An array read from an IDX file (the MNIST format): its shape and unsigned bytes, row-major.
 *
 * @example
 * ```ts
 * import { type IdxArray, readIdx } from "equipoise/data";
 * import { readFileSync } from "node:fs";
 * const labels: IdxArray = readIdx(readFileSync("data/fashion-mnist/train-labels-idx1-ubyte.gz"));
 * labels.shape; // [60000]
 * labels.data[0]; // the class of the first image (an index into FASHION_MNIST_CLASSES)
 * ```
 */
export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

/**
 * Reads an IDX file of unsigned bytes (gzipped or not), as the MNIST and Fashion-MNIST files are.
 *
 * @throws `DataError` when the bytes are not an IDX file of unsigned bytes or are truncated.
 * @example
 * ```ts
 * import { readIdx } from "equipoise/data";
 * import { readFileSync } from "node:fs";
 * const images = readIdx(readFileSync("train-images-idx3-ubyte.gz"), "train images");
 * console.log(images.shape); // [60000, 28, 28]
 * ```
 */
export function readIdx(raw: Uint8Array, source = "IDX input"): IdxArray {
  const bytes = isGzip(raw) ? new Uint8Array(gunzipSync(raw)) : raw;
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new DataError(`${source}: not an IDX file`);
  const type = bytes[2];
  const dims = bytes[3];
  if (type !== UNSIGNED_BYTE) {
    throw new DataError(
      `${source}: IDX element type 0x${type.toString(16)} is not supported (only unsigned bytes)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerBytes = 4 + 4 * dims;
  if (bytes.length < headerBytes) throw new DataError(`${source}: truncated IDX header`);
  const shape: number[] = [];
  for (let d = 0; d < dims; d++) shape.push(view.getUint32(4 + 4 * d, false));
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length - headerBytes !== count) {
    throw new DataError(
      `${source}: IDX data has ${bytes.length - headerBytes} bytes, the header says ${count}`,
    );
  }
  return { shape, data: bytes.subarray(headerBytes) };
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}
