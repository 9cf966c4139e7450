/**
 * The reference model every study trains first (DESIGN.md): the default model family
 * (logistic regression), non-private, unmitigated, the recipe's default
 * hyper-parameters (those of `train`), seed 0, same split. Its gaps are the
 * u-normalisation's gap_ref.
 */
import { fitRecipe } from "../fit/fit.js";
import { type ModelMetrics, majorityAccuracy } from "../fit/metrics.js";
import { parseRecipe } from "../fit/recipe.js";
import { predict } from "../train/index.js";
import type { NormalisationBasis } from "./objectives.js";
import { studyMetrics } from "./sensitive-ldp.js";
import type { TrialData } from "./trial.js";

/** Every field not given takes the recipe schema's default. */
export const referenceRecipe = parseRecipe({ model: "logreg", seed: 0 });

export interface ReferenceModel {
  validation: ModelMetrics;
  test: ModelMetrics;
  /** Normalisation of objectives measured on the validation split (what the search sees). */
  validationBasis: NormalisationBasis;
  /** Normalisation of objectives measured on the test split (what is reported). */
  testBasis: NormalisationBasis;
}

/**
 * `trainedOn: "validation"` (private selection) trains it on the validation split,
 * which the study reads without protection anyway, so that the normalisation the
 * selection's score uses reads nothing of the training part.
 */
export function trainReferenceModel(
  data: TrialData,
  trainedOn: "training" | "validation" = "training",
): ReferenceModel {
  const fitted = fitRecipe(referenceRecipe, {
    train: trainedOn === "training" ? data.train : data.validation,
    numClasses: data.numClasses,
    inputShape: data.inputShape,
  });
  try {
    const score = (split: TrialData["validation"]) =>
      studyMetrics(
        split.y,
        predict(fitted.model, split.X).classes,
        split.sensitive,
        data.primary,
        Number.POSITIVE_INFINITY,
      );
    const validation = score(data.validation);
    const test = score(data.test);
    const basis = (metrics: ModelMetrics, y: Float32Array): NormalisationBasis => ({
      majorityAccuracy: majorityAccuracy(y),
      referenceGaps: { dp: metrics.dpDifference, eo: metrics.eoDifference, eop: metrics.eopDifference },
    });
    return {
      validation,
      test,
      validationBasis: basis(validation, data.validation.y),
      testBasis: basis(test, data.test.y),
    };
  } finally {
    fitted.model.dispose();
  }
}
