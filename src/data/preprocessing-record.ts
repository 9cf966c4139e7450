/**
 * How a task's features were preprocessed, and what that means for a private run.
 *
 * - "fit": exact statistics of the training rows (means, standard deviations, the
 *   categories seen). Two data sets that differ in one row give different
 *   preprocessors, and standardising by data-dependent statistics couples every row
 *   to every other, so DP-SGD's one-row sensitivity argument no longer covers the
 *   released model: a private run with it is not for release.
 * - "public": declared metadata only (./metadata.ts); nothing is computed from rows.
 * - "private": statistics fitted under DP (privacy/private-preprocessing.ts); the
 *   Gaussian releases are recorded in the run's accountant, composed with DP-SGD.
 * - "saved": a preprocessor given by the caller (a saved model's), applied unchanged.
 *
 * The data layer cannot import privacy (which sits above it), so private fitting is
 * passed in as a function of this module's `PrivatePreprocessor` type.
 */
import type { DatasetMetadata } from "./metadata.js";
import type { Preprocessor } from "./preprocess.js";
import type { Table } from "./table.js";

/**
 * How features are preprocessed: "fit" on the rows, "public" from declared metadata only, or
 * "private" with noisy statistics counted in ε.
 *
 * @example
 * ```ts
 * import { type PreprocessingMode, prepareTask } from "equipoise/data";
 * const preprocessing: PreprocessingMode = "public"; // declared metadata only: nothing computed from rows
 * const task = await prepareTask({ data: "german-credit", sensitive: ["sex"], preprocessing });
 * task.preprocessing.mode; // "public"
 * ```
 */
export type PreprocessingMode = "fit" | "public" | "private";
/**
 * Every {@link PreprocessingMode}.
 *
 * @example
 * ```ts
 * import { PREPROCESSING_MODES, type PreprocessingMode } from "equipoise/data";
 * PREPROCESSING_MODES; // ["fit", "public", "private"]
 * declare const input: string; // e.g. a command-line value
 * const valid = (PREPROCESSING_MODES as readonly string[]).includes(input);
 * ```
 */
export const PREPROCESSING_MODES: readonly PreprocessingMode[] = ["fit", "public", "private"];

/**
 * One Gaussian-mechanism release as accountant steps: `accountant.step(sampleRate,
 * noise, count)`. `noise` is σ/Δ₂, the noise standard deviation relative to the L2
 * sensitivity of the released vector under adding or removing one row.
 *
 * @example
 * ```ts
 * import { type GaussianRelease, prepareTask } from "equipoise/data";
 * import { privacy } from "equipoise";
 * const fitPrivately = privacy.privatePreprocessing({ noise: privacy.secureGaussianNoise() });
 * const task = await prepareTask({ data: "synthetic", preprocessing: "private", fitPrivately });
 * const releases: GaussianRelease[] = task.preprocessing.releases;
 * for (const release of releases) console.log(release.description, release.noise, release.count);
 * ```
 */
export interface GaussianRelease {
  sampleRate: 1;
  noise: number;
  count: number;
  /** What was released, e.g. "sums of 6 numeric columns and counts of 2 categorical columns". */
  description: string;
}

/**
 * How a task's preprocessor was built, and what that means for a private run: the releases ε
 * must account, and whether the result may be released.
 *
 * @example
 * ```ts
 * import { type PreprocessingRecord, prepareTask } from "equipoise/data";
 * const task = await prepareTask({ data: "german-credit", sensitive: ["sex"] });
 * const record: PreprocessingRecord = task.preprocessing;
 * record.mode; // "fit" (the default)
 * record.notForRelease; // FIT_NOT_FOR_RELEASE: a private run with it is not for release
 * ```
 */
export interface PreprocessingRecord {
  mode: PreprocessingMode | "saved";
  /** Whether the preprocessor was computed from the training rows (exactly for "fit", through noise for "private"). */
  dataDependent: boolean;
  /** Releases to record in the run's accountant ("private" only; empty otherwise). */
  releases: GaussianRelease[];
  /**
   * δ spent outside the accountant by releasing category sets through a threshold
   * (0 unless "private" discovered undeclared categories): the run is
   * (ε, δ + thresholdDelta)-DP where (ε, δ) comes from the accountant.
   */
  thresholdDelta: number;
  /** Why a private run's model carrying this preprocessor must not be released; null when it may. */
  notForRelease: string | null;
  notes: string[];
}

/**
 * What a private fitting returns: the preprocessor and what it cost.
 *
 * @example
 * ```ts
 * import { type PrivatePreprocessingFit, readCsv } from "equipoise/data";
 * import { privacy } from "equipoise";
 * const fitPrivately = privacy.privatePreprocessing({ noise: privacy.secureGaussianNoise() });
 * const train = readCsv("age,group\n34,A\n51,B\n29,A\n");
 * const fit: PrivatePreprocessingFit = fitPrivately(train, ["age", "group"], { age: { bounds: [17, 90] }, group: { categories: ["A", "B"] } });
 * fit.preprocessor.featureNames; // the features; fit.releases: what to record in the accountant
 * ```
 */
export interface PrivatePreprocessingFit {
  preprocessor: Preprocessor;
  releases: GaussianRelease[];
  thresholdDelta: number;
  notForRelease: string | null;
  notes: string[];
}

/**
 * Fits a preprocessor for `features` of the training rows `train` under DP, using the
 * declared metadata; built by `privatePreprocessing(...)` in privacy/private-preprocessing.ts.
 *
 * @example
 * ```ts
 * import { type PrivatePreprocessor, prepareTask } from "equipoise/data";
 * import { privacy } from "equipoise";
 * const fitPrivately: PrivatePreprocessor = privacy.privatePreprocessing({ noise: privacy.secureGaussianNoise() });
 * const task = await prepareTask({ data: "synthetic", preprocessing: "private", fitPrivately });
 * ```
 */
export type PrivatePreprocessor = (
  train: Table,
  features: readonly string[],
  declared: DatasetMetadata,
) => PrivatePreprocessingFit;

/**
 * Why a private run whose preprocessing was fitted on the rows is marked not for release.
 *
 * @example
 * ```ts
 * import { FIT_NOT_FOR_RELEASE, prepareTask } from "equipoise/data";
 * const task = await prepareTask({ data: "german-credit", sensitive: ["sex"], preprocessing: "fit" });
 * task.preprocessing.notForRelease === FIT_NOT_FOR_RELEASE; // true: the default "fit" mode
 * ```
 */
export const FIT_NOT_FOR_RELEASE =
  "the preprocessor holds exact statistics of the training rows (means, standard deviations, categories seen), not covered by epsilon; use preprocessing 'public' or 'private'";

export function fitRecord(): PreprocessingRecord {
  return {
    mode: "fit",
    dataDependent: true,
    releases: [],
    thresholdDelta: 0,
    notForRelease: FIT_NOT_FOR_RELEASE,
    notes: [
      "fitted on the training rows (exact means, standard deviations, categories seen): not covered by epsilon, so a private run with it is not for release",
    ],
  };
}
