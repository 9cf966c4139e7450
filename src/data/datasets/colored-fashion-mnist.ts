/**
 * Colored Fashion-MNIST: a biased benchmark in the manner of Colored MNIST (Nam et
 * al. 2020, "Learning from Failure"; Biased-MNIST, Bahng et al. 2020). Each class
 * has a colour; a training image's foreground (the garment) takes its class's
 * colour with probability ρ (bias-aligned) and otherwise one of the nine other
 * colours, uniformly (bias-conflicting). A network can then classify the training
 * set by colour alone, a shortcut that fails as soon as colour and class part.
 *
 * Splits, all from the official files:
 *  - train: training images not held out, coloured with correlation ρ;
 *  - validation: held-out training images, each twice — once in its class colour
 *    (aligned) and once in a uniformly drawn other colour (conflicting) — the
 *    group-annotated validation set of Sagawa et al. 2020 / Liu et al. 2021, on
 *    which architectures and debiasing settings are chosen;
 *  - test: every test image twice, aligned and conflicting (both test sets of the
 *    debiasing literature kept, labelled by the `bias` attribute).
 * Every split carries two sensitive attributes: `bias` (aligned / conflicting) and
 * `colour` (the colour's name).
 *
 * Colouring: pixel p of a grey image g ∈ [0, 1] becomes g_p · c for a colour c whose
 * largest component is 1, so the background stays black and g_p = max over the
 * three channels: recolouring an image needs neither the grey image nor its colour
 * (`recolour`).
 */
import { createHash } from "node:crypto";
import { DataError } from "../../common/errors.js";
import { createRandom, permutation } from "../../common/rng.js";
import type { FileLocationOptions } from "../fetch.js";
import { Preprocessor } from "../preprocess.js";
import { stratifiedSplit } from "../split.js";
import type { Matrix, PreparedTask, SensitiveAttribute, Split } from "../types.js";
import { FASHION_MNIST_CLASSES, fashionMnistTask } from "./fashion-mnist.js";

/** Ten saturated colours, each with a largest component of exactly 1 (so g = max over channels). */
export const BIAS_COLOURS: readonly { name: string; rgb: readonly [number, number, number] }[] = [
  { name: "red", rgb: [1, 0, 0] },
  { name: "green", rgb: [0, 1, 0] },
  { name: "blue", rgb: [0, 0, 1] },
  { name: "yellow", rgb: [1, 1, 0] },
  { name: "magenta", rgb: [1, 0, 1] },
  { name: "cyan", rgb: [0, 1, 1] },
  { name: "orange", rgb: [1, 0.5, 0] },
  { name: "violet", rgb: [0.5, 0, 1] },
  { name: "lime", rgb: [0.5, 1, 0] },
  { name: "azure", rgb: [0, 0.5, 1] },
];

export const BIAS_CATEGORIES = ["aligned", "conflicting"];

/** The correlations of the literature's Colored MNIST benchmarks (Nam et al. 2020, table 1). */
export const COLORED_RHOS = [0.95, 0.99, 0.995] as const;

/**
 * How Colored Fashion-MNIST is built: the bias strength ρ and the sizes of its splits.
 *
 * @example
 * ```ts
 * import type { ColoredOptions } from "equipoise/data";
 * import { loadNasTask } from "equipoise/nas";
 * // the sizes of the splits are what a NAS task lets you choose
 * const images: Partial<Pick<ColoredOptions, "trainSize" | "validationSize" | "testSize">> = { trainSize: 10000, validationSize: 2000, testSize: 2000 };
 * const task = await loadNasTask("colored-fashion-mnist", { dataDir: "data", seed: 0, images });
 * ```
 */
export interface ColoredOptions {
  /** Share of training images in their class's colour, in [0, 1]. */
  rho: number;
  /** Training images used (a seeded, class-stratified subset of those not held out); default all. */
  trainSize?: number;
  /** Training images held out for validation (each appears aligned and conflicting). */
  validationSize: number;
  /** Test images used (each appears aligned and conflicting); default all. */
  testSize?: number;
  /** Seed of the colours, the held-out rows and the subsets. */
  seed: number;
}

export const COLORED_DEFAULTS: ColoredOptions = { rho: 0.99, validationSize: 5000, seed: 0 };

/** Grey images in [0, 1], one flattened HWC image (one channel) per row, and their classes. */
export interface GreyImages {
  X: Matrix;
  y: Float32Array;
}

export interface ColoredBenchmark {
  task: PreparedTask;
  validation: Split;
}

/**
 * Colours `count` grey images of `pixels` values each: image i becomes g · colour
 * `colourOf[i]`, laid out HWC with three channels.
 */
export function colorizeImages(
  grey: Float32Array,
  pixels: number,
  colourOf: ArrayLike<number>,
): Float32Array {
  const count = colourOf.length;
  if (grey.length < count * pixels)
    throw new RangeError(`${count} images of ${pixels} pixels need more values`);
  const out = new Float32Array(count * pixels * 3);
  for (let i = 0; i < count; i++) {
    const [r, g, b] = BIAS_COLOURS[colourOf[i]].rgb;
    const source = i * pixels;
    let at = source * 3;
    for (let p = 0; p < pixels; p++, at += 3) {
      const value = grey[source + p];
      out[at] = value * r;
      out[at + 1] = value * g;
      out[at + 2] = value * b;
    }
  }
  return out;
}

/**
 * The same coloured images in other colours: the grey intensity of a pixel is the
 * largest of its three channels (every colour's largest component is 1).
 */
export function recolour(X: Matrix, colourOf: ArrayLike<number>): Matrix {
  if (X.cols % 3 !== 0) throw new RangeError(`coloured images have 3 channels; ${X.cols} values per row`);
  const pixels = X.cols / 3;
  const grey = new Float32Array(X.rows * pixels);
  for (let k = 0, at = 0; k < grey.length; k++, at += 3) {
    grey[k] = Math.max(X.data[at], X.data[at + 1], X.data[at + 2]);
  }
  return { rows: X.rows, cols: X.cols, data: colorizeImages(grey, pixels, colourOf) };
}

/** A colour other than `aligned`, uniformly among the other nine. */
function conflictingColour(aligned: number, random: ReturnType<typeof createRandom>): number {
  const draw = random.integer(BIAS_COLOURS.length - 1);
  return draw >= aligned ? draw + 1 : draw;
}

function checkOptions(options: ColoredOptions, classes: number): void {
  if (classes !== BIAS_COLOURS.length) {
    throw new DataError(
      `colored images need ${BIAS_COLOURS.length} classes (one colour each), got ${classes}`,
    );
  }
  if (!(options.rho >= 0 && options.rho <= 1)) {
    throw new DataError(`the colour correlation rho must be in [0, 1], got ${options.rho}`);
  }
  for (const [name, value] of [
    ["trainSize", options.trainSize],
    ["validationSize", options.validationSize],
    ["testSize", options.testSize],
  ] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
      throw new DataError(`colored images: ${name} must be a whole number ≥ 1, got ${value}`);
    }
  }
}

/** Rows of `images` as a split of coloured images with their bias and colour attributes. */
function colouredSplit(
  images: GreyImages,
  rows: ArrayLike<number>,
  colourOf: Int32Array,
  pixels: number,
): Split {
  const grey = new Float32Array(rows.length * pixels);
  const y = new Float32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    grey.set(images.X.data.subarray(rows[i] * pixels, (rows[i] + 1) * pixels), i * pixels);
    y[i] = images.y[rows[i]];
  }
  const bias = Int32Array.from(colourOf, (colour, i) => (colour === y[i] ? 0 : 1));
  const sensitive: SensitiveAttribute[] = [
    { name: "bias", categories: [...BIAS_CATEGORIES], codes: bias },
    { name: "colour", categories: BIAS_COLOURS.map((c) => c.name), codes: Int32Array.from(colourOf) },
  ];
  return {
    X: { rows: rows.length, cols: pixels * 3, data: colorizeImages(grey, pixels, colourOf) },
    y,
    sensitive,
  };
}

/** Every row twice: first all in their class colour, then all in another colour. */
function alignedAndConflicting(images: GreyImages, rows: Int32Array, pixels: number, seed: number): Split {
  const random = createRandom(seed);
  const doubled = new Int32Array(rows.length * 2);
  doubled.set(rows);
  doubled.set(rows, rows.length);
  const colourOf = new Int32Array(doubled.length);
  for (let i = 0; i < rows.length; i++) {
    const label = images.y[rows[i]];
    colourOf[i] = label;
    colourOf[rows.length + i] = conflictingColour(label, random);
  }
  return colouredSplit(images, doubled, colourOf, pixels);
}

/** A class-stratified seeded subset of `rows` of size `size` (all of them when size ≥ rows). */
function subset(rows: Int32Array, labels: Float32Array, size: number | undefined, seed: number): Int32Array {
  if (size === undefined || size >= rows.length) return rows;
  const y = Float32Array.from(rows, (row) => labels[row]);
  const picked = stratifiedSplit(y, size / rows.length, seed).test;
  return Int32Array.from(picked, (i) => rows[i]);
}

/**
 * The biased benchmark from grey images (Fashion-MNIST's, or a test's synthetic ones):
 * shape is the grey image's [height, width, 1].
 */
export function coloredBenchmark(
  name: string,
  train: GreyImages,
  test: GreyImages,
  shape: [number, number, number],
  classNames: string[],
  options: ColoredOptions,
  fingerprintOf: string,
): ColoredBenchmark {
  checkOptions(options, classNames.length);
  const pixels = shape[0] * shape[1];
  if (shape[2] !== 1 || train.X.cols !== pixels || test.X.cols !== pixels) {
    throw new DataError(`colored images are made from grey images of ${pixels} pixels`);
  }
  if (options.validationSize >= train.X.rows) {
    throw new DataError(
      `colored images: validationSize ${options.validationSize} leaves no training image of ${train.X.rows}`,
    );
  }
  const held = stratifiedSplit(train.y, options.validationSize / train.X.rows, options.seed);
  const trainRows = subset(held.train, train.y, options.trainSize, options.seed + 1);
  const testRows = subset(
    Int32Array.from({ length: test.X.rows }, (_, i) => i),
    test.y,
    options.testSize,
    options.seed + 2,
  );
  // Colours of the training images: aligned with probability ρ, in a seeded order.
  const random = createRandom(options.seed + 3);
  const order = permutation(trainRows.length, random);
  const colourOf = new Int32Array(trainRows.length);
  for (const i of order) {
    const label = train.y[trainRows[i]];
    colourOf[i] = random.uniform() < options.rho ? label : conflictingColour(label, random);
  }
  const coloured: [number, number, number] = [shape[0], shape[1], 3];
  const preprocessor = Preprocessor.forImages(coloured);
  const task: PreparedTask = {
    name,
    target: "label",
    positiveLabel: null,
    numClasses: classNames.length,
    classNames: [...classNames],
    featureNames: preprocessor.featureNames,
    imageShape: coloured,
    train: colouredSplit(train, trainRows, colourOf, pixels),
    test: alignedAndConflicting(test, testRows, pixels, options.seed + 4),
    preprocessor,
    preprocessing: {
      mode: "public",
      dataDependent: false,
      releases: [],
      thresholdDelta: 0,
      notForRelease: null,
      notes: ["pixels are divided by 255 and coloured by a fixed rule: nothing is computed from the rows"],
    },
    declared: {},
    warnings: [],
    fingerprint: createHash("sha256")
      .update(JSON.stringify({ source: fingerprintOf, name, options }))
      .digest("hex"),
  };
  return { task, validation: alignedAndConflicting(train, held.test, pixels, options.seed + 5) };
}

/** "colored-fashion-mnist" or "colored-fashion-mnist:RHO" → ρ (default 0.99); undefined for other names. */
export function coloredFashionMnistRho(dataset: string): number | undefined {
  const match = /^colored-fashion-mnist(?::(.*))?$/.exec(dataset);
  if (!match) return undefined;
  if (match[1] === undefined) return COLORED_DEFAULTS.rho;
  const rho = Number(match[1]);
  if (match[1].trim() === "" || !(rho >= 0 && rho <= 1)) {
    throw new DataError(
      `'${dataset}': the colour correlation after ':' must be a number in [0, 1], e.g. 0.99`,
    );
  }
  return rho;
}

/** Colored Fashion-MNIST from the official files (fetched, or read from a data directory). */
export async function coloredFashionMnist(
  options: Partial<ColoredOptions> = {},
  files: FileLocationOptions = {},
): Promise<ColoredBenchmark> {
  const settings = { ...COLORED_DEFAULTS, ...options };
  const source = await fashionMnistTask(files);
  const rho = settings.rho;
  return coloredBenchmark(
    `colored-fashion-mnist:${rho}`,
    { X: source.train.X, y: source.train.y },
    { X: source.test.X, y: source.test.y },
    [source.imageShape![0], source.imageShape![1], 1],
    [...FASHION_MNIST_CLASSES],
    settings,
    source.fingerprint,
  );
}
