/**
 * The data a recipe trains on, preprocessed as its privacy allows (issue: "a DP model
 * must not leak what its epsilon does not cover"):
 *   - a non-private recipe fits the preprocessor on the training rows ("fit");
 *   - a private recipe uses public metadata when every feature column has it
 *     ("public": declared categories and bounds, nothing read from the rows); else it
 *     fits the preprocessor under DP when the numeric columns have declared bounds
 *     ("private": noisy sums and thresholded counts, recorded in the run's accountant);
 *     else it falls back to "fit" and the model is marked not for release, with the
 *     reason and what to declare.
 * An explicit mode is honoured as asked (an impossible one is the data layer's one-line
 * error naming the column).
 */
import { UsageError } from "../common/errors.js";
import {
  MissingDeclarationError,
  type PreparedTask,
  type PreprocessingMode,
  prepareTask,
  type TaskRequest,
} from "../data/index.js";
import { type GaussianNoise, secureGaussianNoise, seededGaussianNoise } from "../privacy/noise.js";
import { privatePreprocessing } from "../privacy/private-preprocessing.js";
import type { Recipe } from "./recipe.js";

/**
 * A task prepared for a recipe, with the preprocessing mode chosen and why.
 *
 * @example
 * ```ts
 * import { type PreparedForRecipe, parseRecipe, prepareForRecipe } from "equipoise/fit";
 * const recipe = parseRecipe({ model: "logreg", privacy: { targetEpsilon: 1, clip: 1 } });
 * const prepared: PreparedForRecipe = await prepareForRecipe({ data: "german-credit" }, recipe);
 * prepared.mode; // "public", "private" or "fit": how the features were preprocessed
 * prepared.notes; // why, when the mode was chosen automatically
 * ```
 */
export interface PreparedForRecipe {
  task: PreparedTask;
  /** The mode used, and why when it was chosen automatically. */
  mode: PreprocessingMode;
  notes: string[];
}

/**
 * Prepares the data for a recipe: a private recipe gets public-metadata preprocessing when the data
 * declares it, a private fit counted in ε when it declares bounds, and a fit marked not for release otherwise.
 *
 * @example
 * ```ts
 * import { parseRecipe, prepareForRecipe } from "equipoise/fit";
 * const recipe = parseRecipe({ model: "logreg", privacy: { targetEpsilon: 1, clip: 1 } });
 * const { task, mode } = await prepareForRecipe({ data: "german-credit" }, recipe);
 * mode; // "public": german-credit declares its metadata, so nothing is read from the rows
 * ```
 */
export async function prepareForRecipe(
  request: TaskRequest,
  recipe: Pick<Recipe, "privacy">,
  options: {
    mode?: PreprocessingMode;
    noise?: GaussianNoise;
    /** σ/Δ₂ of a private fit (default: privacy/private-preprocessing.ts's). */
    noiseMultiplier?: number;
  } = {},
): Promise<PreparedForRecipe> {
  const privacy = recipe.privacy;
  if (request.preprocessor) return { task: await prepareTask(request), mode: "fit", notes: [] };
  // A seeded run derives the preprocessing stream from its seed, apart from DP-SGD's.
  const noise = () =>
    options.noise ??
    (privacy?.noiseSeed === undefined
      ? secureGaussianNoise()
      : seededGaussianNoise((privacy.noiseSeed ^ 0x0a11_5eed) >>> 0));
  const withMode = (mode: PreprocessingMode) =>
    prepareTask({
      ...request,
      preprocessing: mode,
      ...(mode === "private"
        ? {
            fitPrivately: privatePreprocessing({
              noise: noise(),
              ...(options.noiseMultiplier !== undefined ? { noiseMultiplier: options.noiseMultiplier } : {}),
            }),
          }
        : {}),
    });
  if (options.mode !== undefined) {
    if (options.mode === "private" && !privacy) {
      throw new UsageError(
        "--preprocessing private needs --dp: its noisy statistics are accounted in the run's epsilon",
      );
    }
    return { task: await withMode(options.mode), mode: options.mode, notes: [] };
  }
  if (!privacy) return { task: await withMode("fit"), mode: "fit", notes: [] };
  const notes: string[] = [];
  for (const mode of ["public", "private"] as const) {
    try {
      const task = await withMode(mode);
      if (mode === "private")
        notes.push(`preprocessing: private (${notes.join("; ")}); its statistics are counted in epsilon`);
      return { task, mode, notes: mode === "public" ? [] : notes };
    } catch (error) {
      if (!(error instanceof MissingDeclarationError)) throw error;
      notes.push(`${mode}: ${error.message}`);
    }
  }
  notes.push(
    "preprocessing: fitted on the training rows (no public metadata for every column, no bounds for a private fit); the model is NOT for release",
  );
  return { task: await withMode("fit"), mode: "fit", notes };
}
