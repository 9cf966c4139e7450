/**
 * Leave-one-out unfairness (Black & Fredrikson 2021): how many individual decisions
 * change when one training example is removed and the model retrained. A decision
 * that flips with the presence of a single training row is arbitrary for that person;
 * counting them per group shows who bears that arbitrariness.
 *
 * Exact: every listed row is removed and the model refitted to convergence. For a
 * logistic regression only test rows whose margin could flip are re-scored: the
 * score of row t moves by x̃_t·Δθ, at most ‖x̃_t‖‖Δθ‖ (Cauchy–Schwarz), so rows with
 * |z_t| > ‖x̃_t‖‖Δθ‖ cannot flip; the others are re-scored exactly.
 */
import type { SensitiveAttribute } from "../../data/types.js";
import { type Examples, sparseRowsOf } from "../data.js";
import { refitWithout } from "../loo.js";
import type { ExplainableModel } from "../model.js";
import { decisions } from "./surrogate.js";

/**
 * How many test decisions depend on a single training row, by group (Black & Fredrikson 2021).
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type ExplainData, type LooUnfairness, looUnfairness } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task) with a sensitive attribute
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const result: LooUnfairness = looUnfairness(model, data.test, data.task.test.sensitive[0], Int32Array.of(0, 1, 2, 3, 4));
 * result.byGroup.map((g) => `${g.group}: ${g.unstable} of ${g.testRows} decisions depend on one training row`);
 * result.removalsThatFlip; // share of the 5 removals that flip at least one decision
 * ```
 */
export interface LooUnfairness {
  /** Training rows removed one at a time. */
  trainRows: Int32Array;
  /** Test decisions flipped by removing each of them. */
  flipsPerTrainRow: Int32Array;
  /** For every test row, how many of the removals flipped its decision. */
  flipsPerTestRow: Int32Array;
  /** Per group of the attribute: test rows, those flipped by at least one removal, and mean flips per row. */
  byGroup: {
    group: string;
    testRows: number;
    unstable: number;
    unstableFraction: number;
    meanFlips: number;
  }[];
  /** Share of the removals that flip at least one decision. */
  removalsThatFlip: number;
  seconds: number;
}

/**
 * Leave-one-out unfairness (Black & Fredrikson 2021): retrains without each given training row and
 * counts the test decisions that flip, by group.
 *
 * @example
 * ```ts
 * import { type ExplainData, type LogisticModel, looUnfairness } from "equipoise/explain";
 * import type { SensitiveAttribute } from "equipoise/data";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: LogisticModel; // from fitLogisticRegression(data.train)
 * declare const testSex: SensitiveAttribute; // data.task.test.sensitive[0]
 * const result = looUnfairness(model, data.test, testSex, Int32Array.of(0, 1, 2, 3, 4));
 * result.flipsPerTrainRow; // test decisions each removal flips
 * result.byGroup; // how the flips fall on each group
 * ```
 */
export function looUnfairness(
  model: ExplainableModel,
  test: Examples,
  attribute: SensitiveAttribute,
  trainRows: Int32Array,
  onRow?: (done: number, total: number) => void,
): LooUnfairness {
  const started = performance.now();
  const base = decisions(model, test);
  const flipsPerTrainRow = new Int32Array(trainRows.length);
  const flipsPerTestRow = new Int32Array(test.rows);
  const linear = model.family === "logistic-regression" ? linearScreen(model, test) : undefined;
  for (let r = 0; r < trainRows.length; r++) {
    const refit = refitWithout(model, trainRows[r]);
    let flipped: number[];
    if (linear) {
      flipped = linear.flips(refit.parameters);
    } else {
      const after = decisions(model.withParameters(refit.parameters), test);
      flipped = [];
      for (let t = 0; t < test.rows; t++) if (after[t] !== base[t]) flipped.push(t);
    }
    flipsPerTrainRow[r] = flipped.length;
    for (const t of flipped) flipsPerTestRow[t]++;
    onRow?.(r + 1, trainRows.length);
  }
  const byGroup = attribute.categories.map((group, g) => {
    let rows = 0;
    let unstable = 0;
    let flips = 0;
    for (let t = 0; t < test.rows; t++) {
      if (attribute.codes[t] !== g) continue;
      rows++;
      if (flipsPerTestRow[t] > 0) unstable++;
      flips += flipsPerTestRow[t];
    }
    return {
      group,
      testRows: rows,
      unstable,
      unstableFraction: rows > 0 ? unstable / rows : 0,
      meanFlips: rows > 0 ? flips / rows : 0,
    };
  });
  let removalsThatFlip = 0;
  for (const f of flipsPerTrainRow) if (f > 0) removalsThatFlip++;
  return {
    trainRows,
    flipsPerTrainRow,
    flipsPerTestRow,
    byGroup,
    removalsThatFlip: trainRows.length > 0 ? removalsThatFlip / trainRows.length : 0,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Test rows sorted by |z_t| / ‖x̃_t‖, the smallest parameter change that could flip them. */
function linearScreen(model: ExplainableModel, test: Examples) {
  const theta = model.parameters;
  const p = theta.length;
  const { rowStart, column, value } = sparseRowsOf(test);
  const score = (parameters: Float64Array, t: number) => {
    let z = parameters[p - 1];
    for (let q = rowStart[t]; q < rowStart[t + 1]; q++) z += value[q] * parameters[column[q]];
    return z;
  };
  const margin = new Float64Array(test.rows);
  for (let t = 0; t < test.rows; t++) {
    let norm = 1;
    for (let q = rowStart[t]; q < rowStart[t + 1]; q++) norm += value[q] * value[q];
    margin[t] = Math.abs(score(theta, t)) / Math.sqrt(norm);
  }
  const order = Int32Array.from({ length: test.rows }, (_, t) => t).sort((a, b) => margin[a] - margin[b]);
  return {
    flips(parameters: Float64Array): number[] {
      let change = 0;
      for (let j = 0; j < p; j++) change += (parameters[j] - theta[j]) ** 2;
      const radius = Math.sqrt(change) * (1 + 1e-9);
      const out: number[] = [];
      for (let k = 0; k < order.length && margin[order[k]] <= radius; k++) {
        const t = order[k];
        // Decisions are P(y = 1) > 0.5, i.e. z > 0.
        if (score(theta, t) > 0 !== score(parameters, t) > 0) out.push(t);
      }
      return out.sort((a, b) => a - b);
    },
  };
}
