/**
 * The one JSON convention for numbers JSON cannot carry. Every file Equipoise writes
 * (model files, studies, reports, `--json` output) uses it, and every reader accepts it:
 *   +∞ → "Infinity", −∞ → "-Infinity" (the epsilon of a non-private model),
 *   NaN → null (a rate that is undefined, e.g. the TPR of a group without positives),
 *   typed arrays → plain arrays.
 * Decoding is by position (a reader that expects a number calls `decodeJsonNumber`),
 * never by a global reviver: a category or group may legitimately be named "Infinity".
 */

/**
 * The JSON form of one number.
 *
 * @example
 * ```ts
 * import { encodeJsonNumber } from "equipoise";
 * encodeJsonNumber(Number.POSITIVE_INFINITY); // "Infinity"
 * encodeJsonNumber(Number.NaN); // null
 * encodeJsonNumber(0.25); // 0.25
 * ```
 */
export function encodeJsonNumber(value: number): number | string | null {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return null;
  return value > 0 ? "Infinity" : "-Infinity";
}

/**
 * A number back from its JSON form; anything else is NaN.
 *
 * @example
 * ```ts
 * import { decodeJsonNumber } from "equipoise";
 * decodeJsonNumber("Infinity"); // Infinity
 * decodeJsonNumber(null); // NaN
 * ```
 */
export function decodeJsonNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (value === "Infinity") return Number.POSITIVE_INFINITY;
  if (value === "-Infinity") return Number.NEGATIVE_INFINITY;
  return Number.NaN;
}

/**
 * `JSON.stringify` replacer implementing the convention above.
 *
 * @example
 * ```ts
 * import { jsonReplacer } from "equipoise";
 * JSON.stringify(Float64Array.of(1, Number.NEGATIVE_INFINITY), jsonReplacer); // '[1,"-Infinity"]'
 * ```
 */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "number") return encodeJsonNumber(value);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>, (v) =>
      typeof v === "number" ? encodeJsonNumber(v) : v,
    );
  }
  return value;
}

/**
 * `JSON.stringify` with the convention above.
 *
 * @example
 * ```ts
 * import { toJson } from "equipoise";
 * toJson({ epsilon: Number.POSITIVE_INFINITY, gap: Number.NaN }); // '{"epsilon":"Infinity","gap":null}'
 * ```
 */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, jsonReplacer, indent);
}

/**
 * A copy of `value` in which every number-or-marker at a position where `isNumberPath`
 * holds is decoded. For documents whose numeric fields are known by name.
 *
 * @example
 * ```ts
 * import { decodeNumbersWhere } from "equipoise";
 * const doc = decodeNumbersWhere(JSON.parse('{"epsilon":"Infinity","group":"Infinity"}'), (key) => key === "epsilon");
 * // { epsilon: Infinity, group: "Infinity" }: only the numeric field is decoded
 * ```
 */
export function decodeNumbersWhere(value: unknown, isNumberKey: (key: string) => boolean): unknown {
  const walk = (node: unknown, key: string): unknown => {
    if (Array.isArray(node)) return node.map((item) => walk(item, key));
    if (node !== null && typeof node === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) out[k] = walk(v, k);
      return out;
    }
    if (isNumberKey(key) && (node === null || node === "Infinity" || node === "-Infinity"))
      return decodeJsonNumber(node);
    return node;
  };
  return walk(value, "");
}
