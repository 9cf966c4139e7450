/**
 * Feature preprocessing fitted on the training split only, then applied unchanged to
 * any other split or to new data:
 * - numeric columns are standardised, (x - mean) / sd with the population sd (as
 *   scikit-learn's StandardScaler); a missing value becomes 0, the training mean;
 *   a constant column gets sd 1;
 * - categorical columns are one-hot encoded over the training categories, sorted;
 *   a category not seen in training, or a missing value, gives all zeros;
 * - images are scaled from bytes to [0, 1].
 * The fitted state is plain JSON so that a saved model carries it.
 */
import { DataError } from "../common/errors.js";
import { type Column, MISSING_CODE, type Table, toCategorical } from "./table.js";
import type { Matrix } from "./types.js";

export type FeatureTransform =
  | { kind: "standardise"; column: string; mean: number; sd: number }
  | { kind: "one-hot"; column: string; categories: string[] };

export type PreprocessorJSON =
  | { format: "equipoise-preprocessor"; version: 1; kind: "tabular"; transforms: FeatureTransform[] }
  | {
      format: "equipoise-preprocessor";
      version: 1;
      kind: "image";
      shape: [number, number, number];
      maxValue: number;
    };

export class Preprocessor {
  private constructor(private readonly state: PreprocessorJSON) {}

  /** Fits on `table` (the training split) for the columns `features`, in that order. */
  static fit(table: Table, features: string[]): Preprocessor {
    const transforms = features.map((name) => fitColumn(table.column(name, "feature column")));
    return new Preprocessor({ format: "equipoise-preprocessor", version: 1, kind: "tabular", transforms });
  }

  /** Scales byte images of `shape` ([height, width, channels]) to [0, 1]. */
  static forImages(shape: [number, number, number], maxValue = 255): Preprocessor {
    return new Preprocessor({ format: "equipoise-preprocessor", version: 1, kind: "image", shape, maxValue });
  }

  static fromJSON(json: unknown): Preprocessor {
    const doc = json as Partial<PreprocessorJSON> | null;
    if (doc?.format !== "equipoise-preprocessor" || doc.version !== 1) {
      throw new DataError(
        "not an Equipoise preprocessor (expected format 'equipoise-preprocessor', version 1)",
      );
    }
    if (doc.kind === "tabular" && Array.isArray(doc.transforms)) {
      doc.transforms.forEach(checkTransform);
      return new Preprocessor(structuredClone(doc as PreprocessorJSON));
    }
    if (doc.kind === "image" && Array.isArray(doc.shape) && typeof doc.maxValue === "number") {
      return new Preprocessor(structuredClone(doc as PreprocessorJSON));
    }
    throw new DataError(`preprocessor of unknown kind '${String(doc.kind)}'`);
  }

  toJSON(): PreprocessorJSON {
    return structuredClone(this.state);
  }

  get kind(): "tabular" | "image" {
    return this.state.kind;
  }

  /** The columns of the table that the features are computed from. */
  get inputColumns(): string[] {
    return this.state.kind === "tabular" ? this.state.transforms.map((t) => t.column) : [];
  }

  get featureNames(): string[] {
    if (this.state.kind === "image") {
      const [h, w, c] = this.state.shape;
      return Array.from({ length: h * w * c }, (_, i) => `pixel${i}`);
    }
    return this.state.transforms.flatMap((t) =>
      t.kind === "standardise" ? [t.column] : t.categories.map((category) => `${t.column}=${category}`),
    );
  }

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
    const data = new Float32Array(rows * cols);
    let offset = 0;
    for (const t of this.state.transforms) {
      const column = table.column(t.column, "feature column");
      if (t.kind === "standardise") {
        writeStandardised(column, t.mean, t.sd, data, rows, cols, offset);
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

/** A transform read from a file, checked field by field so that a damaged one fails in one line. */
function checkTransform(t: Partial<FeatureTransform> | null, index: number): void {
  const where = `preprocessor transform ${index + 1}`;
  if (typeof t?.column !== "string") throw new DataError(`${where} has no column name`);
  if (t.kind === "standardise") {
    if (!Number.isFinite(t.mean) || !(Number.isFinite(t.sd) && (t.sd as number) > 0)) {
      throw new DataError(`${where} ('${t.column}') needs a finite mean and a positive sd`);
    }
  } else if (t.kind === "one-hot") {
    if (!Array.isArray(t.categories) || !t.categories.every((c) => typeof c === "string")) {
      throw new DataError(`${where} ('${t.column}') needs a list of category names`);
    }
  } else {
    throw new DataError(`${where} ('${t.column}') has unknown kind '${String(t.kind)}'`);
  }
}

function fitColumn(column: Column): FeatureTransform {
  if (column.kind === "numeric") {
    const values = column.values;
    let sum = 0;
    let count = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isNaN(v)) {
        sum += v;
        count++;
      }
    }
    const mean = count > 0 ? sum / count : 0;
    let squares = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isNaN(v)) squares += (v - mean) * (v - mean);
    }
    const sd = count > 0 ? Math.sqrt(squares / count) : 0;
    return { kind: "standardise", column: column.name, mean, sd: sd > 0 ? sd : 1 };
  }
  const seen = new Uint8Array(column.categories.length);
  for (let i = 0; i < column.codes.length; i++) {
    const code = column.codes[i];
    if (code !== MISSING_CODE) seen[code] = 1;
  }
  const categories = column.categories.filter((_, code) => seen[code] === 1).sort(compareText);
  return { kind: "one-hot", column: column.name, categories };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function writeStandardised(
  column: Column,
  mean: number,
  sd: number,
  out: Float32Array,
  rows: number,
  stride: number,
  offset: number,
): void {
  if (column.kind !== "numeric") {
    throw new DataError(`feature column '${column.name}' was numeric in training but is categorical here`);
  }
  const values = column.values;
  const inverse = 1 / sd;
  for (let r = 0, at = offset; r < rows; r++, at += stride) {
    const v = values[r];
    out[at] = Number.isNaN(v) ? 0 : (v - mean) * inverse;
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
