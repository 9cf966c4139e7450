/**
 * The reference model every study trains first (DESIGN.md): the default model family
 * (logistic regression), non-private, unmitigated, `train`'s default
 * hyper-parameters, seed 0, same split. Its gaps are the u-normalisation's gap_ref.
 */
import { buildModel } from "../nn/index.js";
import { predict, trainModel } from "../train/index.js";
import { majorityAccuracy, type SplitMetrics, splitMetrics } from "./metrics.js";
import type { NormalisationBasis } from "./objectives.js";
import type { TrialData } from "./trial.js";

export const referenceRecipe = { model: "logreg", epochs: 10, batch: 256, lr: 0.1, seed: 0 } as const;

export interface ReferenceModel {
  validation: SplitMetrics;
  test: SplitMetrics;
  /** Normalisation of objectives measured on the validation split (what the search sees). */
  validationBasis: NormalisationBasis;
  /** Normalisation of objectives measured on the test split (what is reported). */
  testBasis: NormalisationBasis;
}

export function trainReferenceModel(data: TrialData): ReferenceModel {
  const model = buildModel(referenceRecipe.model, data.inputShape, data.numClasses, referenceRecipe.seed);
  try {
    trainModel(
      model,
      { X: data.train.X, y: data.train.y },
      {
        epochs: referenceRecipe.epochs,
        batchSize: referenceRecipe.batch,
        optimizer: { kind: "sgd", learningRate: referenceRecipe.lr },
        seed: referenceRecipe.seed,
      },
    );
    const score = (split: TrialData["validation"]) =>
      splitMetrics(
        split.y,
        predict(model, split.X).classes,
        split.sensitive,
        data.primary,
        Number.POSITIVE_INFINITY,
      );
    const validation = score(data.validation);
    const test = score(data.test);
    const basis = (metrics: SplitMetrics, y: Float32Array): NormalisationBasis => ({
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
    model.dispose();
  }
}
