/**
 * Preprocessing fitted under differential privacy (the "private" mode of prepareTask):
 * what "fit" computes exactly from the training rows — means, standard deviations,
 * the categories seen — computed instead from ONE release of the Gaussian mechanism,
 * recorded in the run's accountant next to DP-SGD so that ε covers the model and its
 * preprocessor together.
 *
 * The released vector, for n training rows (n is treated as public, as Opacus does
 * when it sets the sample rate to batch / n; the neighbouring relation is adding or
 * removing one row, that of the Poisson-sampled DP-SGD accountants):
 * - per numeric column with declared bounds [lo, hi]: each value is clipped to the
 *   bounds (then, if the column declares the log1p transform, mapped to log(1 + x), the
 *   bounds alike: a public, data-independent map) and mapped to
 *   u = (x − mid) / half-range ∈ [−1, 1] (a missing value counts
 *   as u = 0, the midpoint), and the row contributes (u, u² − ½). Its squared norm is
 *   u² + (u² − ½)² = u⁴ + ¼ ≤ 5/4; the shift by ½ (undone with the public n) makes
 *   it 5/4 instead of the 2 of (u, u²).
 * - per categorical column WITHOUT declared categories: a count per category present
 *   in the training rows; a row adds 1 to one count (0 if missing), squared norm ≤ 1.
 * - a categorical column with declared categories releases nothing: its one-hot
 *   block is the declared list, as in "public" mode.
 * So the L2 sensitivity is Δ₂ = sqrt(5/4 · numeric + undeclared categorical), the
 * noise standard deviation σ = z · Δ₂ for the noise multiplier z, and the release is
 * one accountant step { sampleRate: 1, noise: z, count: 1 }.
 *
 * Categories that were not declared are chosen by thresholding the noisy counts
 * (partition selection: Korolova et al. 2009, "Releasing search queries and clicks
 * privately"; with Gaussian noise, Wilson et al. 2020, "Differentially private SQL
 * with bounded user contribution", PETS): a category kept only when its noisy count
 * is at least τ = 1 + σ · Φ⁻¹(1 − δ_c). A category that one row alone holds appears
 * in the output with probability δ_c at most, which the accountant cannot see: the
 * whole run is (ε, δ + thresholdDelta)-DP, with thresholdDelta = the sum of δ_c over
 * those columns (the union bound over the categories one row can add). Only the set
 * of kept categories is released, never the counts.
 *
 * Floating point is part of the argument (Casacuberta et al. 2022, "Widespread
 * underestimation of sensitivity in differentially private libraries and how to fix
 * it", CCS): a rounded float sum can move by more than the one row's contribution.
 * So u and u² − ½ are rounded to multiples of 2⁻²⁰ and summed as integers, exactly
 * (up to 2³³ rows); the rounding keeps every row's squared norm ≤ 5/4 (at |u| = 1 it
 * is exact, below it the slack 1 − u⁴ ≥ 2⁻¹⁸ exceeds the rounding's 2⁻²¹).
 *
 * The noisy sums are rounded to a power-of-two grid about σ/1024 wide before use:
 * the low-order bits of a floating-point sum x + noise can carry x itself (Mironov
 * 2012, "On significance of the least significant bits for differential privacy");
 * rounding is post-processing and costs nothing. The normal samples themselves come
 * from the `GaussianNoise` source, the one every private path uses.
 */
import { DataError } from "../common/errors.js";
import { type DatasetMetadata, declarationOf } from "../data/metadata.js";
import { compareText, type FeatureTransform, Preprocessor } from "../data/preprocess.js";
import type {
  GaussianRelease,
  PrivatePreprocessingFit,
  PrivatePreprocessor,
} from "../data/preprocessing-record.js";
import { checkNumeric, declaredTransform, missingDeclaration } from "../data/public-preprocessing.js";
import { MISSING_CODE, type Table, toCategorical } from "../data/table.js";
import { logNormalCdf } from "../math/normal.js";
import type { Accountant } from "./accountants/accountant.js";
import type { GaussianNoise } from "./noise.js";

/**
 * σ/Δ₂ of the one release. Its Rényi cost is α/(2z²) — at z = 10, 0.005·α, e.g. 0.05
 * at order 10, small beside a DP-SGD run of ε ≈ 1 to 8 — while on Adult (30,162
 * rows) it moves a mean by about 4·10⁻⁴ of a column's half-range.
 *
 * @example
 * ```ts
 * import { privacy } from "equipoise";
 * import { secureGaussianNoise } from "equipoise/privacy/accounting";
 * privacy.DEFAULT_PREPROCESSING_NOISE_MULTIPLIER; // 10: σ = 10·Δ₂ unless noiseMultiplier says otherwise
 * const noisier = privacy.privatePreprocessing({
 *   noise: secureGaussianNoise(), noiseMultiplier: 2 * privacy.DEFAULT_PREPROCESSING_NOISE_MULTIPLIER,
 * }); // less ε spent on preprocessing, noisier statistics
 * ```
 */
export const DEFAULT_PREPROCESSING_NOISE_MULTIPLIER = 10;

/**
 * δ spent on choosing undeclared categories (1 % of the default δ = 1e-5).
 *
 * @example
 * ```ts
 * import { privacy } from "equipoise";
 * import { secureGaussianNoise } from "equipoise/privacy/accounting";
 * privacy.DEFAULT_CATEGORY_DELTA; // 1e-7: δ spent on discovering undeclared categories
 * const fitPrivately = privacy.privatePreprocessing({ noise: secureGaussianNoise(), categoryDelta: privacy.DEFAULT_CATEGORY_DELTA / 10 });
 * ```
 */
export const DEFAULT_CATEGORY_DELTA = 1e-7;

/**
 * Smallest standard deviation kept, as a share of the half-range: the noisy variance
 * of a near-constant column can be ≤ 0, and dividing by a tiny sd would blow the
 * feature up.
 *
 * @example
 * ```ts
 * import { privacy } from "equipoise";
 * privacy.MIN_SCALED_SD; // 0.01: a privately fitted standard deviation is never below 1% of the column's half-range
 * ```
 */
export const MIN_SCALED_SD = 0.01;

/** Per-row squared norm bound of a numeric column's contribution (u, u² − ½). */
const NUMERIC_SQUARED_SENSITIVITY = 1.25;

/** u and u² − ½ are multiples of 2⁻²⁰, summed as integers (exact while |Σ| < 2⁵³, i.e. below 2³³ rows). */
const FIXED_POINT = 2 ** 20;
const MAX_EXACT_ROWS = 2 ** 33;

/**
 * Settings of a private preprocessing fit: the noise source and multiplier, and δ for category discovery.
 *
 * @example
 * ```ts
 * import { data, privacy } from "equipoise";
 * import { secureGaussianNoise } from "equipoise/privacy/accounting";
 * const options: privacy.PrivatePreprocessingOptions = { noise: secureGaussianNoise(), noiseMultiplier: 10, categoryDelta: 1e-7 };
 * const task = await data.prepareTask({ data: "synthetic", preprocessing: "private", fitPrivately: privacy.privatePreprocessing(options) });
 * ```
 */
export interface PrivatePreprocessingOptions {
  /** Where the Gaussian noise comes from: secureGaussianNoise() for a release. */
  noise: GaussianNoise;
  /** z = σ/Δ₂ (default DEFAULT_PREPROCESSING_NOISE_MULTIPLIER). */
  noiseMultiplier?: number;
  /** δ spent in all on thresholding undeclared categories (default DEFAULT_CATEGORY_DELTA). */
  categoryDelta?: number;
}

/**
 * One feature's part of the released vector.
 *
 * @example
 * ```ts
 * import { data, privacy } from "equipoise";
 * const train = new data.Table([{ kind: "numeric", name: "income", values: Float64Array.from([0, 50, 100]) }]);
 * const statistics = privacy.preprocessingStatistics(train, ["income"], { income: { bounds: [0, 100] } });
 * const block: privacy.StatisticBlock = statistics.blocks[0];
 * // { kind: "moments", column: "income", offset: 0, bounds: [0, 100], log1p: false }
 * if (block.kind === "moments") console.log(statistics.values[block.offset]); // Σu = 0
 * ```
 */
export type StatisticBlock =
  | {
      kind: "moments";
      column: string;
      offset: number;
      /** The declared bounds (values are clipped to them). */
      bounds: [number, number];
      /** The declared log1p transform, applied after clipping (the scaling then uses the bounds' images). */
      log1p: boolean;
    }
  | { kind: "counts"; column: string; offset: number; categories: string[] }
  | { kind: "declared"; column: string; transform: FeatureTransform };

/**
 * The noise-free statistics a private fit releases (noise is added by `fitPrivatePreprocessor`).
 *
 * @example
 * ```ts
 * import { data, privacy } from "equipoise";
 * const train = new data.Table([{ kind: "numeric", name: "income", values: Float64Array.from([0, 50, 100]) }]);
 * const statistics: privacy.PreprocessingStatistics = privacy.preprocessingStatistics(train, ["income"], { income: { bounds: [0, 100] } });
 * console.log(statistics.rows, statistics.values, statistics.sensitivity); // 3, [0, 0.5], ≈ 1.118
 * ```
 */
export interface PreprocessingStatistics {
  /** Training rows (public). */
  rows: number;
  blocks: StatisticBlock[];
  /** The vector released: per numeric column (Σu, Σ(u² − ½)), per undeclared categorical column its counts. */
  values: Float64Array;
  /** L2 sensitivity of `values` under adding or removing one row. */
  sensitivity: number;
}

/**
 * The noise-free statistics of `features` of the training rows `train`, and their sensitivity.
 *
 * @example
 * ```ts
 * import { data, privacy } from "equipoise";
 * const train = new data.Table([{ kind: "numeric", name: "income", values: Float64Array.from([0, 50, 100]) }]);
 * const statistics = privacy.preprocessingStatistics(train, ["income"], { income: { bounds: [0, 100] } });
 * // values = [Σu, Σ(u² − ½)] = [0, 0.5] for u = (x − 50)/50; sensitivity = √(5/4) ≈ 1.118
 * ```
 */
export function preprocessingStatistics(
  train: Table,
  features: readonly string[],
  declared: DatasetMetadata,
): PreprocessingStatistics {
  const blocks: StatisticBlock[] = [];
  let length = 0;
  let numeric = 0;
  let counted = 0;
  for (const name of features) {
    const column = train.column(name, "feature column");
    const meta = declarationOf(declared, name);
    if (meta?.categories) {
      blocks.push({ kind: "declared", column: name, transform: declaredTransform(column, meta)! });
    } else if (meta?.bounds) {
      checkNumeric(column);
      blocks.push({
        kind: "moments",
        column: name,
        offset: length,
        bounds: [meta.bounds[0], meta.bounds[1]],
        log1p: meta.transform === "log1p",
      });
      length += 2;
      numeric++;
    } else if (column.kind === "numeric") {
      throw missingDeclaration(column, "private");
    } else {
      const present = new Set<number>();
      for (const code of column.codes) if (code !== MISSING_CODE) present.add(code);
      const categories = [...present].map((code) => column.categories[code]).sort(compareText);
      blocks.push({ kind: "counts", column: name, offset: length, categories });
      length += categories.length;
      counted++;
    }
  }
  if (train.rows >= MAX_EXACT_ROWS) {
    throw new DataError(`private preprocessing sums exactly up to ${MAX_EXACT_ROWS} rows; got ${train.rows}`);
  }
  const values = new Float64Array(length);
  for (const block of blocks) {
    const column = train.column(block.column);
    if (block.kind === "moments" && column.kind === "numeric") {
      const [lower, upper] = block.bounds;
      const { mid, half } = scaleOf(block);
      let sum = 0;
      let shiftedSquares = 0;
      for (const x of column.values) {
        const clipped = Math.min(upper, Math.max(lower, x));
        const scaled = Number.isNaN(x) ? 0 : ((block.log1p ? Math.log1p(clipped) : clipped) - mid) / half;
        const u = Math.round(clamp(scaled, -1, 1) * FIXED_POINT) / FIXED_POINT;
        sum += u * FIXED_POINT;
        shiftedSquares += Math.round((u * u - 0.5) * FIXED_POINT);
      }
      values[block.offset] = sum / FIXED_POINT;
      values[block.offset + 1] = shiftedSquares / FIXED_POINT;
    } else if (block.kind === "counts") {
      const categorical = toCategorical(column);
      const slot = new Map(block.categories.map((category, i) => [category, i]));
      const slotOfCode = Int32Array.from(categorical.categories, (category) => slot.get(category) ?? -1);
      for (const code of categorical.codes) {
        if (code !== MISSING_CODE && slotOfCode[code] >= 0) values[block.offset + slotOfCode[code]] += 1;
      }
    }
  }
  return {
    rows: train.rows,
    blocks,
    values,
    sensitivity: Math.sqrt(NUMERIC_SQUARED_SENSITIVITY * numeric + counted),
  };
}

/**
 * Fits a preprocessor of `features` on the training rows under DP (see the module comment).
 *
 * @example
 * ```ts
 * import { privacy } from "equipoise";
 * import type { DatasetMetadata, Table } from "equipoise/data";
 * import { secureGaussianNoise } from "equipoise/privacy/accounting";
 * declare const train: Table; // the training rows
 * declare const declared: DatasetMetadata; // the dataset's metadata (bounds, categories)
 * const fit = privacy.fitPrivatePreprocessor(train, ["age", "income"], declared, { noise: secureGaussianNoise() });
 * console.log(fit.releases, fit.thresholdDelta); // what to record in the run's accountant
 * ```
 */
export function fitPrivatePreprocessor(
  train: Table,
  features: readonly string[],
  declared: DatasetMetadata,
  options: PrivatePreprocessingOptions,
): PrivatePreprocessingFit {
  const z = options.noiseMultiplier ?? DEFAULT_PREPROCESSING_NOISE_MULTIPLIER;
  const categoryDelta = options.categoryDelta ?? DEFAULT_CATEGORY_DELTA;
  if (!(Number.isFinite(z) && z > 0)) throw new RangeError(`noise multiplier must be > 0, got ${z}`);
  if (!(categoryDelta > 0 && categoryDelta < 1))
    throw new RangeError(`category delta must be in (0, 1), got ${categoryDelta}`);
  if (train.rows === 0) throw new DataError("private preprocessing needs at least one training row");

  const statistics = preprocessingStatistics(train, features, declared);
  const sigma = z * statistics.sensitivity;
  const noisy = Float64Array.from(statistics.values);
  // With the sensitivity, the lattice sampler covers its own rounding (noise.ts), so the
  // accounted noise multiplier z stays exact.
  if (noisy.length > 0) options.noise.add(noisy, sigma, statistics.sensitivity);
  const grid = 2 ** Math.ceil(Math.log2(sigma / 1024));
  for (let i = 0; i < noisy.length; i++) noisy[i] = Math.round(noisy[i] / grid) * grid;

  const counted = statistics.blocks.filter((block) => block.kind === "counts").length;
  const threshold = counted > 0 ? 1 + sigma * upperNormalQuantile(categoryDelta / counted) : Number.NaN;
  const notes: string[] = [];
  const transforms = statistics.blocks.map((block) =>
    transformFromNoisy(block, noisy, statistics.rows, threshold, notes),
  );
  const numeric = statistics.blocks.filter((block) => block.kind === "moments").length;
  const declaredCount = statistics.blocks.length - numeric - counted;
  const releases: GaussianRelease[] =
    noisy.length === 0
      ? []
      : [
          {
            sampleRate: 1,
            noise: z,
            count: 1,
            description: `preprocessing statistics: clipped sums of ${numeric} numeric column(s) and category counts of ${counted} categorical column(s), L2 sensitivity ${statistics.sensitivity.toPrecision(4)}`,
          },
        ];
  if (releases.length > 0) {
    notes.unshift(
      `one Gaussian release (noise multiplier ${z}, σ = ${sigma.toPrecision(4)}) of ${releases[0].description}; recorded as an accountant step (sample rate 1); the training row count ${statistics.rows} is treated as public`,
    );
  }
  if (counted > 0) {
    notes.push(
      `categories of ${counted} undeclared column(s) chosen by noisy count ≥ ${threshold.toPrecision(4)}: δ ${categoryDelta} spent outside the accountant`,
    );
  }
  if (declaredCount > 0)
    notes.push(`${declaredCount} column(s) one-hot over their declared categories (no cost)`);
  const seeded = options.noise.kind === "seeded" && releases.length > 0;
  return {
    preprocessor: Preprocessor.fromTransforms(transforms),
    releases,
    thresholdDelta: counted > 0 ? categoryDelta : 0,
    notForRelease: seeded ? "the preprocessing noise is seeded (reproducible, hence predictable)" : null,
    notes,
  };
}

/**
 * Records a task's preprocessing releases in the run's accountant (the same one as
 * DP-SGD, so that ε covers both). The run's δ must also cover `thresholdDelta`:
 * ask the accountant for ε at δ − thresholdDelta.
 *
 * @example
 * ```ts
 * import { data, privacy } from "equipoise";
 * import { RdpAccountant, secureGaussianNoise } from "equipoise/privacy/accounting";
 * const fitPrivately = privacy.privatePreprocessing({ noise: secureGaussianNoise() });
 * const task = await data.prepareTask({ data: "synthetic", preprocessing: "private", fitPrivately });
 * const accountant = new RdpAccountant();
 * privacy.recordPreprocessingReleases(accountant, task.preprocessing); // one step at q = 1
 * ```
 */
export function recordPreprocessingReleases(
  accountant: Accountant,
  preprocessing: { releases: readonly GaussianRelease[] },
): void {
  for (const release of preprocessing.releases)
    accountant.step(release.sampleRate, release.noise, release.count);
}

/**
 * `fitPrivatePreprocessor` with these options, in the shape prepareTask takes (`fitPrivately`).
 *
 * @example
 * ```ts
 * import { data, privacy } from "equipoise";
 * import { secureGaussianNoise } from "equipoise/privacy/accounting";
 * const fitPrivately = privacy.privatePreprocessing({ noise: secureGaussianNoise() });
 * const task = await data.prepareTask({ data: "synthetic", preprocessing: "private", fitPrivately });
 * console.log(task.preprocessing.releases); // the Gaussian release to account with DP-SGD
 * ```
 */
export function privatePreprocessing(options: PrivatePreprocessingOptions): PrivatePreprocessor {
  return (train, features, declared) => fitPrivatePreprocessor(train, features, declared, options);
}

function transformFromNoisy(
  block: StatisticBlock,
  noisy: Float64Array,
  rows: number,
  threshold: number,
  notes: string[],
): FeatureTransform {
  if (block.kind === "declared") return block.transform;
  if (block.kind === "counts") {
    const categories = block.categories.filter((_, i) => noisy[block.offset + i] >= threshold);
    if (categories.length === 0) {
      notes.push(`'${block.column}': no category passed the threshold; the column gives no feature`);
    }
    return { kind: "one-hot", column: block.column, categories };
  }
  const [lower, upper] = block.bounds;
  const { mid, half } = scaleOf(block);
  // Post-processing of the noisy sums into the ranges the true values lie in.
  const meanU = clamp(noisy[block.offset] / rows, -1, 1);
  const secondMomentU = clamp((noisy[block.offset + 1] + rows / 2) / rows, 0, 1);
  let sdU = Math.sqrt(Math.max(0, secondMomentU - meanU * meanU));
  if (sdU < MIN_SCALED_SD) {
    notes.push(
      `'${block.column}': noisy standard deviation below ${MIN_SCALED_SD} of the half-range, raised to it`,
    );
    sdU = MIN_SCALED_SD;
  }
  return {
    kind: "standardise",
    column: block.column,
    mean: mid + half * meanU,
    sd: half * sdU,
    clip: [lower, upper],
    ...(block.log1p ? { log1p: true as const } : {}),
  };
}

/** Midpoint and half-range of a numeric block's bounds, in the units after its transform. */
function scaleOf(block: { bounds: [number, number]; log1p: boolean }): { mid: number; half: number } {
  const [low, high] = block.log1p ? [Math.log1p(block.bounds[0]), Math.log1p(block.bounds[1])] : block.bounds;
  return { mid: low / 2 + high / 2, half: high / 2 - low / 2 };
}

function clamp(value: number, lower: number, upper: number): number {
  return Math.min(upper, Math.max(lower, value));
}

/**
 * z with P(N(0, 1) > z) = p, by bisection on log Φ(−z) (p as small as 1e-300).
 *
 * @example
 * ```ts
 * import { privacy } from "equipoise";
 * privacy.upperNormalQuantile(0.025); // ≈ 1.96
 * ```
 */
export function upperNormalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`tail probability must be in (0, 1), got ${p}`);
  const target = Math.log(p);
  let lo = -40;
  let hi = 40;
  for (let i = 0; i < 200 && hi - lo > 1e-13; i++) {
    const mid = (lo + hi) / 2;
    if (logNormalCdf(-mid) > target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
