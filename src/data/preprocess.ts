/**
 * Feature preprocessing, built once (fitted on the training split, or from declared
 * metadata, or under DP: see ./public-preprocessing.ts and
 * privacy/private-preprocessing.ts), then applied unchanged to any split or new data:
 * - numeric columns are standardised, (x - mean) / sd, after clipping x to `clip`
 *   when the transform has one, and mapping it to log(1 + x) when it declares `log1p`
 *   (mean and sd are then in those units); `fit` uses the population sd (as scikit-learn's
 *   StandardScaler), computed stably (./statistics.ts); a missing value becomes 0,
 *   the mean; a constant column gets sd 1;
 * - categorical columns are one-hot encoded over a fixed, sorted list of categories
 *   (at most MAX_ONE_HOT_LEVELS); a category not in the list, or a missing value,
 *   gives all zeros;
 * - images are scaled from bytes to [0, 1].
 * The state is plain JSON, built in a fixed key order, so that a saved model carries
 * it and two equal preprocessors serialise to the same bytes.
 */
import { DataError } from "../common/errors.js";
import { MAX_ONE_HOT_LEVELS } from "./metadata.js";
import { firstNonFinite, meanAndSd } from "./statistics.js";
import { type Column, MISSING_CODE, type Table, toCategorical } from "./table.js";
import type { Matrix } from "./types.js";

/**
 * How one column becomes features: standardised or scaled by bounds, or one-hot encoded.
 *
 * @example
 * ```ts
 * import { type FeatureTransform, Preprocessor } from "equipoise/data";
 * const transforms: FeatureTransform[] = [
 *   { kind: "standardise", column: "age", mean: 40, sd: 12, clip: [17, 90] },
 *   { kind: "one-hot", column: "group", categories: ["A", "B"] },
 * ];
 * const preprocessor = Preprocessor.fromTransforms(transforms);
 * preprocessor.featureNames; // ["age", "group=A", "group=B"]
 * ```
 */
export type FeatureTransform =
  | {
      kind: "standardise";
      column: string;
      mean: number;
      sd: number;
      /** `[lower, upper]`: values are clipped to this range before standardising (public bounds). */
      clip?: [number, number];
      /** Declared (./metadata.ts): the clipped value x becomes log(1 + x) before standardising. */
      log1p?: true;
    }
  | { kind: "one-hot"; column: string; categories: string[] };

/**
 * The largest feature matrix built (float32 values, 1 GiB): beyond it a typed array
 * allocation fails with "Invalid typed array length" or exhausts memory, so the
 * size is refused first with the numbers that make it up.
 *
 * @example
 * ```ts
 * import { MAX_FEATURE_VALUES } from "equipoise/data";
 * MAX_FEATURE_VALUES; // 2 ** 28 = 268435456 float32 values (1 GiB)
 * // rows × features above it: Preprocessor.transform throws a DataError naming both numbers
 * ```
 */
export const MAX_FEATURE_VALUES = 2 ** 28;

/**
 * A preprocessor as JSON (what a model file stores).
 *
 * @example
 * ```ts
 * import { Preprocessor, type PreprocessorJSON, readCsv } from "equipoise/data";
 * const json: PreprocessorJSON = Preprocessor.fit(readCsv("age\n34\n51\n"), ["age"]).toJSON();
 * json.kind; // "tabular"
 * const restored = Preprocessor.fromJSON(JSON.parse(JSON.stringify(json))); // encodes new data alike
 * ```
 */
export type PreprocessorJSON =
  | { format: "equipoise-preprocessor"; version: 1; kind: "tabular"; transforms: FeatureTransform[] }
  | {
      format: "equipoise-preprocessor";
      version: 1;
      kind: "image";
      shape: [number, number, number];
      maxValue: number;
    };

/**
 * Turns table columns into the feature matrix (scaling, one-hot encoding) with transforms fitted on
 * training rows or built from declared metadata; saved with a model so new data is encoded alike.
 *
 * @example
 * ```ts
 * import { Preprocessor, readCsv } from "equipoise/data";
 * const table = readCsv("age,group\n34,A\n51,B\n29,A\n");
 * const preprocessor = Preprocessor.fit(table, ["age", "group"]); // fit on the training rows only
 * preprocessor.featureNames; // ["age", "group=A", "group=B"]
 * const X = preprocessor.transform(table); // a 3 × 3 Matrix: age standardised, group one-hot
 * ```
 */
export class Preprocessor {
  private constructor(private readonly state: PreprocessorJSON) {}

  /** Fits on `table` (the training split) for the columns `features`, in that order. */
  static fit(table: Table, features: string[]): Preprocessor {
    const transforms = features.map((name) => fitColumn(table.column(name, "feature column")));
    return Preprocessor.fromTransforms(transforms);
  }

  /** A tabular preprocessor from transforms built elsewhere (declared metadata, private statistics). */
  static fromTransforms(transforms: FeatureTransform[]): Preprocessor {
    transforms.forEach(checkTransform);
    return new Preprocessor({
      format: "equipoise-preprocessor",
      version: 1,
      kind: "tabular",
      transforms: transforms.map(canonicalTransform),
    });
  }

  /** Scales byte images of `shape` ([height, width, channels]) to [0, 1]. */
  static forImages(shape: [number, number, number], maxValue = 255): Preprocessor {
    return new Preprocessor({ format: "equipoise-preprocessor", version: 1, kind: "image", shape, maxValue });
  }

  /** Restores a preprocessor saved with `toJSON()` (e.g. from a model file). */
  static fromJSON(json: unknown): Preprocessor {
    const doc = json as Partial<PreprocessorJSON> | null;
    if (doc?.format !== "equipoise-preprocessor" || doc.version !== 1) {
      throw new DataError(
        "not an Equipoise preprocessor (expected format 'equipoise-preprocessor', version 1)",
      );
    }
    if (doc.kind === "tabular" && Array.isArray(doc.transforms)) {
      return Preprocessor.fromTransforms(doc.transforms);
    }
    if (doc.kind === "image" && Array.isArray(doc.shape) && typeof doc.maxValue === "number") {
      return new Preprocessor(structuredClone(doc as PreprocessorJSON));
    }
    throw new DataError(`preprocessor of unknown kind '${String(doc.kind)}'`);
  }

  /** The preprocessor's state as plain JSON: its transforms, in feature order. */
  toJSON(): PreprocessorJSON {
    return structuredClone(this.state);
  }

  /** "tabular" for column transforms, "image" for pixel data. */
  get kind(): "tabular" | "image" {
    return this.state.kind;
  }

  /** The columns of the table that the features are computed from. */
  get inputColumns(): string[] {
    return this.state.kind === "tabular" ? this.state.transforms.map((t) => t.column) : [];
  }

  /** The names of the features it produces, in order (one-hot columns as `column=value`). */
  get featureNames(): string[] {
    if (this.state.kind === "image") {
      const [h, w, c] = this.state.shape;
      return Array.from({ length: h * w * c }, (_, i) => `pixel${i}`);
    }
    return this.state.transforms.flatMap((t) =>
      t.kind === "standardise" ? [t.column] : t.categories.map((category) => `${t.column}=${category}`),
    );
  }

  /** How many features it produces. */
  get numFeatures(): number {
    if (this.state.kind === "image") return this.state.shape.reduce((a, b) => a * b, 1);
    return this.state.transforms.reduce(
      (n, t) => n + (t.kind === "standardise" ? 1 : t.categories.length),
      0,
    );
  }

  /** The feature matrix of `table`, whose columns must include the fitted ones. */
  transform(table: Table): Matrix {
    if (this.state.kind !== "tabular") throw new Error("an image preprocessor transforms pixels, not tables");
    const cols = this.numFeatures;
    const rows = table.rows;
    if (rows * cols > MAX_FEATURE_VALUES) {
      throw new DataError(
        `the feature matrix would hold ${rows} rows x ${cols} features = ${rows * cols} values, more than the ${MAX_FEATURE_VALUES} allowed; leave out wide categorical columns (--drop)`,
      );
    }
    const data = new Float32Array(rows * cols);
    let offset = 0;
    for (const t of this.state.transforms) {
      const column = table.column(t.column, "feature column");
      if (t.kind === "standardise") {
        writeStandardised(column, t, data, rows, cols, offset);
        offset += 1;
      } else {
        writeOneHot(toCategorical(column), t.categories, data, rows, cols, offset);
        offset += t.categories.length;
      }
    }
    return { rows, cols, data };
  }

  /** The feature matrix of `count` images stored as consecutive bytes (HWC order). */
  transformImages(pixels: Uint8Array, count: number): Matrix {
    if (this.state.kind !== "image") throw new Error("a tabular preprocessor transforms tables, not pixels");
    const cols = this.numFeatures;
    if (pixels.length !== count * cols) {
      throw new DataError(`expected ${count} images of ${cols} bytes, got ${pixels.length} bytes`);
    }
    const data = new Float32Array(pixels.length);
    const inverse = 1 / this.state.maxValue;
    for (let i = 0; i < pixels.length; i++) data[i] = pixels[i] * inverse;
    return { rows: count, cols, data };
  }
}

/**
 * A transform checked field by field (it may come from a file), so that a damaged
 * one fails in one line; a one-hot block wider than MAX_ONE_HOT_LEVELS is refused
 * here, before any feature matrix is allocated.
 */
function checkTransform(t: Partial<FeatureTransform> | null, index: number): void {
  const where = `preprocessor transform ${index + 1}`;
  if (typeof t?.column !== "string") throw new DataError(`${where} has no column name`);
  if (t.kind === "standardise") {
    if (!Number.isFinite(t.mean) || !(Number.isFinite(t.sd) && (t.sd as number) > 0)) {
      throw new DataError(`${where} ('${t.column}') needs a finite mean and a positive sd`);
    }
    if (t.clip !== undefined) {
      const ok = Array.isArray(t.clip) && t.clip.length === 2 && t.clip.every(Number.isFinite);
      if (!ok || !(t.clip[0] < t.clip[1])) {
        throw new DataError(`${where} ('${t.column}') needs clip bounds [lower, upper] with lower < upper`);
      }
    }
    if (t.log1p !== undefined && !(t.log1p === true && t.clip !== undefined && t.clip[0] > -1)) {
      throw new DataError(`${where} ('${t.column}') applies log1p, which needs clip bounds with lower > -1`);
    }
  } else if (t.kind === "one-hot") {
    if (!Array.isArray(t.categories) || !t.categories.every((c) => typeof c === "string")) {
      throw new DataError(`${where} ('${t.column}') needs a list of category names`);
    }
    checkOneHotWidth(t.column, t.categories.length, "levels");
  } else {
    throw new DataError(`${where} ('${t.column}') has unknown kind '${String(t.kind)}'`);
  }
}

/** A one-hot block of `width` columns for `column`, or a DataError naming it and its width. */
export function checkOneHotWidth(column: string, width: number, what: string): void {
  if (width > MAX_ONE_HOT_LEVELS) {
    throw new DataError(
      `categorical column '${column}' has ${width} ${what}; one-hot encoding allows at most ${MAX_ONE_HOT_LEVELS} (an identifier or free text?): leave it out with --drop ${column}, or declare it numeric`,
    );
  }
}

/** The transform with its keys in one fixed order, so that equal transforms serialise to equal bytes. */
function canonicalTransform(t: FeatureTransform): FeatureTransform {
  if (t.kind === "one-hot") return { kind: "one-hot", column: t.column, categories: [...t.categories] };
  return {
    kind: "standardise",
    column: t.column,
    mean: t.mean,
    sd: t.sd,
    ...(t.clip ? { clip: [t.clip[0], t.clip[1]] as [number, number] } : {}),
    ...(t.log1p ? { log1p: true as const } : {}),
  };
}

function fitColumn(column: Column): FeatureTransform {
  if (column.kind === "numeric") {
    const bad = firstNonFinite(column.values);
    if (bad >= 0) {
      throw new DataError(
        `feature column '${column.name}' has the non-finite value ${column.values[bad]} in training row ${bad + 1}`,
      );
    }
    const { mean, sd } = meanAndSd(column.values);
    return { kind: "standardise", column: column.name, mean, sd: sd > 0 ? sd : 1 };
  }
  const seen = new Uint8Array(column.categories.length);
  for (let i = 0; i < column.codes.length; i++) {
    const code = column.codes[i];
    if (code !== MISSING_CODE) seen[code] = 1;
  }
  const categories = column.categories.filter((_, code) => seen[code] === 1).sort(compareText);
  checkOneHotWidth(column.name, categories.length, "distinct values in the training rows");
  return { kind: "one-hot", column: column.name, categories };
}

/**
 * Code-point order: the order of every category list a preprocessor holds.
 *
 * @example
 * ```ts
 * import { compareText } from "equipoise/data";
 * ["é", "e", "Z", "a"].sort(compareText); // ["Z", "a", "e", "é"]: by UTF-16 code unit, not by locale
 * ```
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function writeStandardised(
  column: Column,
  t: { mean: number; sd: number; clip?: [number, number]; log1p?: true },
  out: Float32Array,
  rows: number,
  stride: number,
  offset: number,
): void {
  if (column.kind !== "numeric") {
    throw new DataError(`feature column '${column.name}' was numeric in training but is categorical here`);
  }
  const values = column.values;
  const { mean, sd } = t;
  const lower = t.clip ? t.clip[0] : Number.NEGATIVE_INFINITY;
  const upper = t.clip ? t.clip[1] : Number.POSITIVE_INFINITY;
  // A division, not a multiplication by 1/sd: 1/sd overflows for a subnormal sd; and
  // x − mean itself overflows when both are near ±1.8e308, so then each is divided first.
  for (let r = 0, at = offset; r < rows; r++, at += stride) {
    const v = values[r];
    if (Number.isNaN(v)) continue;
    const clipped = Math.min(upper, Math.max(lower, v));
    const x = t.log1p ? Math.log1p(clipped) : clipped;
    const deviation = x - mean;
    out[at] = Number.isFinite(deviation) ? deviation / sd : x / sd - mean / sd;
  }
}

function writeOneHot(
  column: { codes: Int32Array; categories: string[] },
  fitted: string[],
  out: Float32Array,
  rows: number,
  stride: number,
  offset: number,
): void {
  const position = new Map(fitted.map((category, i) => [category, i]));
  // One lookup per category of this table, not per cell.
  const slot = Int32Array.from(column.categories, (category) => position.get(category) ?? -1);
  const codes = column.codes;
  for (let r = 0, base = offset; r < rows; r++, base += stride) {
    const code = codes[r];
    if (code === MISSING_CODE) continue;
    const k = slot[code];
    if (k >= 0) out[base + k] = 1;
  }
}
