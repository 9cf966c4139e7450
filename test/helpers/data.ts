/** Small seeded training sets for engine, trainer and privacy tests. */
import { createRandom } from "../../src/common/rng.js";
import type { TrainingData } from "../../src/train/index.js";

/** n standard-normal rows of d features, labelled 1 when x₀ > x₁: linearly separable. */
export function separableData(n: number, d: number, seed: number): TrainingData {
  const random = createRandom(seed);
  const X = new Float32Array(n * d);
  random.fillNormal(X);
  const y = Float32Array.from({ length: n }, (_, i) => (X[i * d] - X[i * d + 1] > 0 ? 1 : 0));
  return { X: { rows: n, cols: d, data: X }, y };
}
