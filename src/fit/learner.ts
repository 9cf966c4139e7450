/**
 * A recipe as a WeightedLearner (fairness/learner.ts's estimator contract: fit with
 * sample weights, predict), so that reweighing and the reductions (exponentiated
 * gradient) compose with any model the engine trains. Each fit is `fitRecipe` with
 * the reduction's weights; a warm start begins from another learner's parameters.
 * The tensor backend must be initialised (initBackend) before `fit`.
 */
import type { FeatureMatrix, WeightedLearner } from "../fairness/learner.js";
import type { Vector } from "../fairness/metrics.js";
import type { Sequential } from "../nn/index.js";
import { predict } from "../train/index.js";
import { fitRecipe } from "./fit.js";
import { parseRecipe, type Recipe, type RecipeInput } from "./recipe.js";

function float32Matrix(X: FeatureMatrix): { rows: number; cols: number; data: Float32Array } {
  return X.data instanceof Float32Array
    ? { rows: X.rows, cols: X.cols, data: X.data }
    : { rows: X.rows, cols: X.cols, data: Float32Array.from(X.data) };
}

/**
 * A recipe as a fairness WeightedLearner: fit with sample weights, predict (see the module comment).
 *
 * @example
 * ```ts
 * import { RecipeLearner } from "equipoise/fit";
 * import { nn } from "equipoise";
 * import type { PreparedTask } from "equipoise/data";
 * declare const task: PreparedTask; // see prepareTask in equipoise/data
 * await nn.initBackend("wasm"); // fit needs the tensor backend
 * const learner = new RecipeLearner({ model: "logreg", epochs: 5 });
 * learner.fit(task.train.X, task.train.y); // optional third argument: sample weights
 * const predictions = learner.predict(task.test.X); // Float64Array of 0/1
 * ```
 */
export class RecipeLearner implements WeightedLearner {
  readonly recipe: Recipe;
  model: Sequential | null = null;
  private start: Float32Array[] | null = null;

  constructor(recipe: RecipeInput | Recipe) {
    this.recipe = parseRecipe(recipe);
  }

  warmStartFrom(previous: WeightedLearner): void {
    if (previous instanceof RecipeLearner && previous.model) this.start = previous.model.readParameters();
  }

  fit(X: FeatureMatrix, y: Vector, sampleWeight?: Vector): void {
    const fitted = fitRecipe(
      this.recipe,
      {
        train: { X: float32Matrix(X), y: Float32Array.from(y as ArrayLike<number>), sensitive: [] },
        numClasses: 2,
        inputShape: [X.cols],
        ...(sampleWeight ? { sampleWeights: sampleWeight as ArrayLike<number> } : {}),
      },
      this.start ? { initialParameters: this.start } : {},
    );
    this.model?.dispose();
    this.model = fitted.model;
  }

  predictProba(X: FeatureMatrix): Float64Array {
    if (!this.model) throw new Error("the recipe learner is not fitted");
    return Float64Array.from(predict(this.model, float32Matrix(X)).probabilities);
  }

  predict(X: FeatureMatrix): Float64Array {
    if (!this.model) throw new Error("the recipe learner is not fitted");
    return Float64Array.from(predict(this.model, float32Matrix(X)).classes);
  }
}
