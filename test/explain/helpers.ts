/** Small seeded problems and the bundled Adult task for the explanation tests. */
import { createRandom } from "../../src/common/rng.js";
import { prepareTask } from "../../src/data/index.js";
import type { Examples } from "../../src/explain/data.js";
import { type ExplainData, explainData } from "../../src/explain/prepare.js";

/** n rows of d features (the last two one-hot), labels from a noisy linear rule. */
export function smallProblem(n: number, d: number, seed: number): Examples {
  const random = createRandom(seed);
  const X = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d - 2; j++) X[i * d + j] = random.normal();
    X[i * d + d - 2 + (i % 2)] = 1;
    const score = X[i * d] - 0.5 * X[i * d + 1] + 0.3 * (i % 2) + 0.8 * random.normal();
    y[i] = score > 0 ? 1 : 0;
  }
  return { rows: n, cols: d, X, y };
}

let adult: Promise<ExplainData> | undefined;

/** The bundled Adult task (sex and race), prepared once per test file. */
export function adultData(): Promise<ExplainData> {
  adult ??= prepareTask({ data: "adult" }).then(explainData);
  return adult;
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}
