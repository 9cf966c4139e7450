/**
 * A study's data, prepared ONCE (in the main thread; the workers share it through
 * SharedArrayBuffers, trial-data.ts) with the preprocessing a private trial may use:
 *   - "public" when the data set declares every feature column (categories, bounds):
 *     nothing is read from the rows, nothing to account;
 *   - else "private" when the numeric columns have declared bounds: the statistics are
 *     one Gaussian release (privacy/private-preprocessing.ts), fitted once per study and
 *     composed in the ε of every private trial (or once beside a private selection);
 *     its noise comes from the secure generator, or from the study's seed in a seeded
 *     study — whose trials are not for release anyway;
 *   - else "fit" on the training split, and every private trial is marked not for
 *     release with the reason (private selection refuses to run).
 * Non-private trials and the reference model train on the same features. A second
 * preparation fitted exactly on the training rows would serve them slightly better
 * (on Adult, capital-gain's declared bound squashes it), but would double the study's
 * memory and make the front compare models trained on different inputs; one shared
 * encoding keeps every trial comparable, which is what a front is for.
 *
 * A privately fitted preprocessor is stored in the study's metadata and reused when
 * the study resumes: fitting it again would be a second release, and with fresh
 * noise a second encoding of the same rows.
 */
import { UserError } from "../common/errors.js";
import { type PreparedTask, prepareTask, type TaskRequest } from "../data/index.js";
import { prepareForRecipe } from "../fit/prepare.js";
import { secureGaussianNoise, seededGaussianNoise } from "../privacy/accounting.js";
import type { StudyPreprocessing } from "./summary.js";
import type { TrialData } from "./trial.js";
import { shareTrialData, trialDataOf } from "./trial-data.js";

/**
 * σ/Δ₂ of the explorer's private preprocessing: ε 0.12 alone at δ = 1e-5 (RDP), so
 * that trials down to ε ≈ 0.23 keep room for DP-SGD (the default of `train`, 10, costs
 * 0.38). On 10,000 rows with 5 numeric and 5 undeclared categorical columns the noisy
 * means move by ~0.01 of a column's half-range.
 */
export const EXPLORER_PREPROCESSING_NOISE = 30;

export interface StudyData {
  data: TrialData;
  description: {
    name: string;
    target: string;
    positive: string | null;
    sensitive: string[];
    primarySensitive: string;
    features: number;
  };
  fingerprint: string;
  preprocessing: StudyPreprocessing;
}

export async function prepareStudyData(
  options: { request: TaskRequest; task?: PreparedTask; sensitive?: string; seed: number },
  setup: {
    validationFraction: number;
    /** The preprocessing a resumed study recorded. */
    stored?: StudyPreprocessing;
    /** Where a private fit's noise comes from. */
    noise: "seeded" | "secure";
  },
): Promise<StudyData> {
  const { task, preprocessing } = await preparedTask(options, setup);
  const primarySensitive = options.sensitive ?? task.train.sensitive[0]?.name;
  if (!primarySensitive)
    throw new UserError(`${task.name} has no sensitive attribute: name one with --sensitive`);
  // The data layer hashes the raw rows, labels, groups and split seed (not X, which a
  // privately fitted preprocessor encodes differently on every run).
  const fingerprint = task.fingerprint;
  const data = shareTrialData(
    trialDataOf(task, {
      validationFraction: setup.validationFraction,
      splitSeed: options.seed,
      primarySensitive,
    }),
  );
  const description = {
    name: task.name,
    target: task.target,
    positive: task.positiveLabel,
    sensitive: task.train.sensitive.map((s) => s.name),
    primarySensitive,
    features: task.featureNames.length,
  };
  return { data, description, fingerprint, preprocessing };
}

async function preparedTask(
  options: { request: TaskRequest; task?: PreparedTask; seed: number },
  setup: { stored?: StudyPreprocessing; noise: "seeded" | "secure" },
): Promise<{ task: PreparedTask; preprocessing: StudyPreprocessing }> {
  if (options.task) return { task: options.task, preprocessing: recordOf(options.task, null, null) };
  const { stored } = setup;
  if (stored?.preprocessor) {
    const task = await prepareTask({ ...options.request, preprocessor: stored.preprocessor });
    return { task, preprocessing: stored };
  }
  // The seeded stream of a recipe whose noise seed is the study's (fit/prepare.ts derives it so).
  const noise =
    setup.noise === "secure"
      ? secureGaussianNoise()
      : seededGaussianNoise((options.seed ^ 0x0a11_5eed) >>> 0);
  const prepared = await prepareForRecipe(
    options.request,
    // Any private recipe: the mode is chosen for private training; the noise is given.
    { privacy: { clip: 1, delta: 1e-5, accountant: "rdp", clipping: "flat", noiseMultiplier: 1 } },
    { noise, noiseMultiplier: EXPLORER_PREPROCESSING_NOISE },
  );
  const preprocessing = recordOf(prepared.task, setup.noise, EXPLORER_PREPROCESSING_NOISE);
  if (prepared.notes.length > 0) preprocessing.notes = [...prepared.notes, ...preprocessing.notes];
  return { task: prepared.task, preprocessing };
}

/** The task's record as the study stores it; `noise` and `noiseMultiplier` are null when unknown (a task prepared by the caller). */
function recordOf(
  task: PreparedTask,
  noise: "seeded" | "secure" | null,
  noiseMultiplier: number | null,
): StudyPreprocessing {
  const record = task.preprocessing;
  const mode = record.mode === "saved" ? "fit" : record.mode;
  const isPrivate = mode === "private";
  return {
    mode,
    releases: record.releases.map((release) => ({ ...release })),
    thresholdDelta: record.thresholdDelta,
    notForRelease: record.notForRelease,
    notes: [...record.notes],
    noise: isPrivate ? noise : null,
    noiseMultiplier: isPrivate ? noiseMultiplier : null,
    ...(isPrivate ? { preprocessor: task.preprocessor.toJSON() } : {}),
  };
}
