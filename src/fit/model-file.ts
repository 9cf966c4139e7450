/**
 * A fitted model as a model file, and back. The file stores the normalised recipe,
 * and loading validates it with the same schema that validates a command line, so a
 * model always says exactly how it was trained; a file without one (saved before
 * recipes existed) or with a malformed one is refused with one clear line.
 *
 * What a private fit writes is what it may release: the weights, the recipe, the
 * privacy section (with the quantities treated as public and what is not covered by
 * ε) — never the noise-free training loss, and no training time (a timing side
 * channel that ε does not cover).
 */
import { UserError } from "../common/errors.js";
import { type ModelFile, modelFromJSON, modelToJSON, type Sequential } from "../nn/index.js";
import type { FitResult } from "./fit.js";
import { parseRecipe, type Recipe } from "./recipe.js";

/**
 * What a model file holds besides the model and its recipe.
 *
 * @example
 * ```ts
 * import { type FitResult, type ModelFileExtras, modelFileOf } from "equipoise/fit";
 * import type { PreparedTask } from "equipoise/data";
 * declare const fit: FitResult; // from fitRecipe
 * declare const task: PreparedTask; // the data it was trained on
 * const extras: ModelFileExtras = { preprocessor: task.preprocessor.toJSON(), metadata: { data: task.name } };
 * const file = modelFileOf(fit, extras);
 * ```
 */
export interface ModelFileExtras {
  preprocessor?: unknown;
  /** The caller's part of the metadata: the data trained on, the backend, test metrics... */
  metadata?: Record<string, unknown>;
}

/**
 * The model file of a trained recipe (`train --out`): without the loss history, and for a private run without its wall-clock time.
 *
 * @example
 * ```ts
 * import { type FitData, fitRecipe, modelFileOf } from "equipoise/fit";
 * import { toJson } from "equipoise";
 * import type { PreparedTask } from "equipoise/data";
 * declare const task: PreparedTask; // see prepareTask in equipoise/data
 * declare const data: FitData; // task's training split, classes and input shape (see fitRecipe)
 * const fit = fitRecipe({ model: "logreg" }, data);
 * const json = toJson(modelFileOf(fit, { preprocessor: task.preprocessor.toJSON() })); // what `train --out` writes
 * ```
 */
export function modelFileOf(fit: FitResult, extras: ModelFileExtras = {}): ModelFile {
  const { history: _history, seconds, ...rest } = fit.training;
  const training = fit.privacy ? rest : { ...rest, seconds };
  return modelToJSON(fit.model, {
    spec: fit.recipe.model,
    recipe: fit.recipe,
    ...(extras.preprocessor !== undefined ? { preprocessor: extras.preprocessor } : {}),
    metadata: {
      ...extras.metadata,
      training,
      epsilon: fit.privacy?.epsilon ?? Number.POSITIVE_INFINITY,
      ...(fit.privacy ? { privacy: fit.privacy } : {}),
      ...(fit.fairness ? { fairness: fit.fairness } : {}),
    },
  });
}

/**
 * A model file read back: the model, its recipe and preprocessor, and its metadata.
 *
 * @example
 * ```ts
 * import { type LoadedModel, readModelFile } from "equipoise/fit";
 * import { readFileSync } from "node:fs";
 * const loaded: LoadedModel = readModelFile(JSON.parse(readFileSync("model.json", "utf8")), "model.json");
 * loaded.recipe.epochs; // how it was trained
 * loaded.metadata.epsilon; // what `train --out` recorded: ε (Infinity when not private), training, metrics...
 * ```
 */
export interface LoadedModel {
  model: Sequential;
  recipe: Recipe;
  preprocessor?: unknown;
  metadata: Record<string, unknown>;
}

/**
 * A model file's contents, checked; `source` names it in error messages.
 *
 * @example
 * ```ts
 * import { readModelFile } from "equipoise/fit";
 * import { readFileSync } from "node:fs";
 * const { model, recipe } = readModelFile(JSON.parse(readFileSync("model.json", "utf8")), "model.json");
 * recipe.model; // e.g. "logreg"; a UserError naming model.json if the file is not a model
 * ```
 */
export function readModelFile(json: unknown, source: string): LoadedModel {
  const saved = modelFromJSON(json, source);
  try {
    if (saved.recipe === undefined) {
      throw new UserError(
        `${source} has no training recipe (it was saved by an older version of Equipoise): retrain it with 'equipoise train'`,
      );
    }
    const recipe = parseRecipe(saved.recipe, `${source}: the stored recipe is invalid`);
    if (saved.spec !== undefined && saved.spec !== recipe.model) {
      throw new UserError(
        `${source}: the stored recipe trains '${recipe.model}' but the file holds a '${saved.spec}' model`,
      );
    }
    return {
      model: saved.model,
      recipe,
      ...(saved.preprocessor !== undefined ? { preprocessor: saved.preprocessor } : {}),
      metadata: saved.metadata,
    };
  } catch (error) {
    saved.model.dispose();
    throw error;
  }
}
