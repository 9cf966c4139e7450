/**
 * SHA-256 fingerprints of prepared data, by Web Crypto (`crypto.subtle`, in Node 20
 * and in browsers), so that a resumed study can refuse data that changed — including
 * a file edited in place with the same number of rows.
 *
 * What is hashed is the data, not its encoding: the split seed, the target and its
 * labels, the raw values of every feature column, and the sensitive groups, for the
 * training and the test rows in order. The feature matrix X is not hashed, because a
 * private preprocessor with secure noise encodes the same rows differently on every
 * run; the preprocessing is recorded on its own (PreparedTask.preprocessing).
 *
 * (A data set whose files are verified against fixed checksums is fingerprinted by
 * those checksums instead: see verifiedFilesFingerprint.)
 *
 * The byte stream is canonical: every field is tagged and length-prefixed, numbers
 * are little-endian, every NaN is written as the one canonical NaN, and a categorical
 * column is written as the text of each cell (through its sorted dictionary), so
 * the fingerprint does not depend on how a reader happened to number categories.
 */
import { type Column, MISSING_CODE, type Table } from "./table.js";

const FORMAT = "equipoise-data-fingerprint/1";
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * An append-only little-endian byte stream.
 *
 * @example
 * ```ts
 * import { CanonicalBytes, sha256HexWebCrypto } from "equipoise/data";
 * const bytes = new CanonicalBytes().text("adult").uint32(3).float64s([0.5, Number.NaN]).bytes();
 * const fingerprint = await sha256HexWebCrypto(bytes); // 64 hex characters
 * ```
 */
export class CanonicalBytes {
  private chunks: Uint8Array[] = [];
  private length = 0;
  private readonly encoder = new TextEncoder();

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  /** Appends an unsigned 32-bit integer. */
  uint32(value: number): this {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, value, true);
    this.push(bytes);
    return this;
  }

  /** Appends UTF-8 text, prefixed by its byte length. */
  text(value: string): this {
    const bytes = this.encoder.encode(value);
    this.uint32(bytes.length);
    this.push(bytes);
    return this;
  }

  /** Appends float64 values, prefixed by their count. */
  float64s(values: ArrayLike<number>): this {
    const bytes = new Uint8Array(8 * values.length);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat64(8 * i, values[i], true); // NaN → canonical NaN
    this.uint32(values.length);
    this.push(bytes);
    return this;
  }

  /** Appends int32 values, prefixed by their count. */
  int32s(values: ArrayLike<number>): this {
    const bytes = new Uint8Array(4 * values.length);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setInt32(4 * i, values[i], true);
    this.uint32(values.length);
    this.push(bytes);
    return this;
  }

  /** Float32 values; a Float32Array on a little-endian machine is taken as its bytes (X and y never hold NaN). */
  float32s(values: ArrayLike<number>): this {
    if (LITTLE_ENDIAN && values instanceof Float32Array) {
      this.uint32(values.length);
      this.push(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      return this;
    }
    const bytes = new Uint8Array(4 * values.length);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
    this.uint32(values.length);
    this.push(bytes);
    return this;
  }

  /** Everything appended, as one array. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

/**
 * Lower-case hex SHA-256 of `bytes`, by Web Crypto.
 *
 * @example
 * ```ts
 * import { sha256HexWebCrypto } from "equipoise/data";
 * await sha256HexWebCrypto(new TextEncoder().encode("abc"));
 * // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
 * ```
 */
export async function sha256HexWebCrypto(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Writes a column's cells: numbers as float64, text through the sorted dictionary (missing = −1). */
export function writeColumn(out: CanonicalBytes, column: Column): void {
  out.text(column.name);
  if (column.kind === "numeric") {
    out.text("numeric").float64s(column.values);
    return;
  }
  const order = column.categories
    .map((_, code) => code)
    .sort((a, b) => compare(column.categories[a], column.categories[b]));
  const rank = new Int32Array(column.categories.length);
  order.forEach((code, position) => {
    rank[code] = position;
  });
  out.text("categorical").uint32(order.length);
  for (const code of order) out.text(column.categories[code]);
  out.int32s(Array.from(column.codes, (code) => (code === MISSING_CODE ? -1 : rank[code])));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The part of a tabular task that identifies its data (see the module comment).
 *
 * @example
 * ```ts
 * import { readCsv, type TabularFingerprintInput, tabularFingerprint } from "equipoise/data";
 * const table = readCsv("x,label\n1,0\n2,1\n");
 * const input: TabularFingerprintInput = {
 *   seed: 0, target: "label", classNames: ["0", "1"], features: ["x"],
 *   parts: [{ name: "train", table, y: Float32Array.of(0, 1), sensitive: [] }],
 * };
 * const sha256 = await tabularFingerprint(input); // 64 hex digits; any change to the data changes it
 * ```
 */
export interface TabularFingerprintInput {
  seed: number;
  target: string;
  classNames: readonly string[];
  features: readonly string[];
  parts: readonly {
    name: "train" | "test";
    table: Table;
    y: Float32Array;
    sensitive: readonly { name: string; categories: readonly string[]; codes: Int32Array }[];
  }[];
}

/**
 * SHA-256 (hex) of what identifies a tabular task's data: split seed, target, class names, and each split's
 * feature values, labels and sensitive groups. Studies record it and refuse to resume on other data.
 *
 * @example
 * ```ts
 * import { prepareTask } from "equipoise/data";
 * const task = await prepareTask({ data: "german-credit", sensitive: ["sex"] });
 * console.log(task.fingerprint); // computed by tabularFingerprint when the task was built
 * ```
 */
export async function tabularFingerprint(input: TabularFingerprintInput): Promise<string> {
  const out = new CanonicalBytes().text(FORMAT).text("tabular").float64s([input.seed]).text(input.target);
  out.uint32(input.classNames.length);
  for (const name of input.classNames) out.text(name);
  for (const part of input.parts) {
    out.text(part.name).uint32(part.table.rows).float32s(part.y);
    out.uint32(input.features.length);
    for (const name of input.features) writeColumn(out, part.table.column(name));
    out.uint32(part.sensitive.length);
    for (const attribute of part.sensitive) {
      out.text(attribute.name).uint32(attribute.categories.length);
      for (const category of attribute.categories) out.text(category);
      out.int32s(attribute.codes);
    }
  }
  return sha256HexWebCrypto(out.bytes());
}

/**
 * Fingerprint of a data set read from files whose SHA-256 was verified against fixed
 * checksums (Fashion-MNIST): those checksums identify the bytes already, so hashing
 * them (and the split, fixed by the files) costs nothing and hashes 55 MB less.
 */
export async function verifiedFilesFingerprint(
  dataset: string,
  files: readonly { name: string; sha256: string }[],
): Promise<string> {
  const out = new CanonicalBytes().text(FORMAT).text("verified-files").text(dataset).uint32(files.length);
  for (const file of files) out.text(file.name).text(file.sha256);
  return sha256HexWebCrypto(out.bytes());
}
