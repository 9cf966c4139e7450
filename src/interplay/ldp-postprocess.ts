/**
 * Fair post-processing with locally private sensitive attributes: step 2 of Mozannar,
 * Ohannessian & Srebro (ICML 2020), "Fair learning with private demographic data".
 *
 * Step 1 is any predictor Ŷ = h(X) (it may have been trained with the noisy attributes).
 * Step 2 derives Ỹ from (Ŷ, Z), Z the person's randomized response, with
 * t[z][ŷ] = P(Ỹ = 1 | Ŷ = ŷ, Z = z), chosen on held-out rows by a linear program whose
 * constraints hold for the TRUE groups. Because Z is drawn from A alone (independent of X,
 * Y and Ŷ given A), a person of true group a is treated with the mixture
 * t̄_a(ŷ) = Σ_z M[a][z]·t[z][ŷ], so
 *
 *   P(Ỹ = 1 | Y ∈ E, A = a) = Σ_ŷ P(Ŷ = ŷ | Y ∈ E, A = a)·t̄_a(ŷ),
 *
 * linear in t. The unknown P(Ŷ, Y, A) is estimated without bias from (Ŷ, Y, Z) by inverting
 * the channel (ldp.ts). The program minimises the estimated error subject to
 * |P(Ỹ=1 | E, A=a) − P(Ỹ=1 | E, A=b)| ≤ α for every pair of groups and every conditioning
 * event E of the constraint (demographic parity: all rows; equalized odds: Y = 0 and Y = 1;
 * equal opportunity: Y = 1). Treating Z as if it were A (the naive post-processing) satisfies
 * the constraint for Z only; the gap for A is then larger by about 1/(p − q) (tested).
 *
 * Privacy: the sensitive attribute is protected by ε-local DP (everything here is
 * post-processing of the reports); features and labels are not protected by this method.
 * Light: no tensor engine.
 */
import { UserError } from "../common/errors.js";
import type { Random } from "../common/rng.js";
import type { FairnessConstraint } from "../fairness/constraint.js";
import { solveLinearProgram } from "../fairness/linprog.js";
import { createSecureRandom } from "../privacy/secure-random.js";
import { debiasedCounts, type RandomizedResponseChannel, randomizedResponseChannel } from "./ldp.js";

/**
 * Mozannar, Ohannessian & Srebro's (2020) derived predictor from (ŷ, reported group), whose
 * constraint holds for the true groups.
 *
 * @example
 * ```ts
 * import { fitLdpPostprocessor, type LdpPostprocessor } from "equipoise/interplay";
 * declare const yTrue: Int32Array; // held-out 0/1 labels
 * declare const yPred: Int32Array; // step-1 0/1 predictions on those rows
 * declare const reported: Int32Array; // each row's group as reported under ε = 1 (2 groups)
 * const post: LdpPostprocessor = fitLdpPostprocessor({ yTrue, yPred, reported, epsilon: 1, k: 2, constraint: "equalized_odds", tolerance: 0.02 });
 * post.table; // P(Ỹ = 1 | Ŷ = ŷ, Z = z) per reported group z and ŷ
 * post.estimatedError; // the error it reached on the fitted rows
 * ```
 */
export interface LdpPostprocessor {
  constraint: FairnessConstraint;
  /** α: the largest gap allowed between any two true groups, per conditioning event. */
  tolerance: number;
  channel: RandomizedResponseChannel;
  /** t[z][ŷ] = P(Ỹ = 1 | Ŷ = ŷ, Z = z), z over the reported groups. */
  table: number[][];
  /** The estimated rates P(Ỹ = 1 | E, A = a) the program reached, per event E (rows) and group. */
  estimatedRates: number[][];
  /** Estimated error P(Ỹ ≠ Y) on the rows it was fitted on. */
  estimatedError: number;
}

/** The conditioning events of a constraint: which label values each event keeps (null: all rows). */
function eventsOf(constraint: FairnessConstraint): (number | null)[] {
  return constraint === "demographic_parity" ? [null] : constraint === "equal_opportunity" ? [1] : [0, 1];
}

/**
 * Fits step 2 on held-out rows: binary labels, step-1 hard predictions and each row's
 * reported group under ε-LDP randomized response over k groups.
 * `assumeReportedIsTrue` gives the naive post-processing (the channel taken as the identity),
 * for comparison only.
 *
 * @example
 * ```ts
 * import type { SensitiveAttribute } from "equipoise/data";
 * import { fitLdpPostprocessor, privatiseAttribute } from "equipoise/interplay";
 * // held-out rows: labels yTrue, step-1 predictions yPred and the attribute `group` (2 categories)
 * declare const yTrue: Float32Array, yPred: Int32Array, group: SensitiveAttribute;
 * const reported = privatiseAttribute(group, 1).codes; // what people report under ε = 1
 * const post = fitLdpPostprocessor({ yTrue, yPred, reported, epsilon: 1, k: 2, constraint: "demographic_parity" });
 * ```
 */
export function fitLdpPostprocessor(options: {
  yTrue: ArrayLike<number>;
  yPred: ArrayLike<number>;
  reported: ArrayLike<number>;
  epsilon: number;
  k: number;
  constraint: FairnessConstraint;
  tolerance?: number;
  assumeReportedIsTrue?: boolean;
}): LdpPostprocessor {
  const { yTrue, yPred, reported, k, constraint } = options;
  const tolerance = options.tolerance ?? 0.01;
  if (!(tolerance >= 0 && tolerance < 1))
    throw new UserError(`the tolerance must be in [0, 1), got ${tolerance}`);
  const channel = options.assumeReportedIsTrue
    ? { epsilon: Number.POSITIVE_INFINITY, k, keep: 1, other: 0 }
    : randomizedResponseChannel(options.epsilon, k);
  const n = yTrue.length;
  if (yPred.length !== n || reported.length !== n)
    throw new UserError("labels, predictions and reported groups must have one entry per row");
  // Reported counts of every (y, ŷ, z), then debiased over z: N̂(y, ŷ, a).
  const joint: Float64Array[][] = [0, 1].map(() => [0, 1].map(() => new Float64Array(k)));
  let rows = 0;
  for (let i = 0; i < n; i++) {
    const z = reported[i];
    if (z < 0) continue;
    if (!(z < k)) throw new UserError(`reported group ${z} is outside the ${k} groups`);
    const y = yTrue[i];
    const p = yPred[i];
    if ((y !== 0 && y !== 1) || (p !== 0 && p !== 1))
      throw new UserError(`the post-processing needs binary labels and predictions (row ${i})`);
    joint[y][p][z]++;
    rows++;
  }
  if (rows === 0) throw new UserError("no rows with a reported group to fit the post-processing on");
  const estimated = joint.map((byPrediction) =>
    byPrediction.map((counts) => debiasedCounts(counts, channel)),
  );
  const m = (a: number, z: number) => (a === z ? channel.keep : channel.other);
  const variable = (z: number, prediction: number) => z * 2 + prediction;
  const width = 2 * k;
  // P̂(ŷ | E, a), clamped into [0, 1] (the debiased counts may be slightly negative).
  const conditional = (event: number | null, a: number, prediction: number) => {
    const ys = event === null ? [0, 1] : [event];
    let selected = 0;
    let total = 0;
    for (const y of ys)
      for (const p of [0, 1]) {
        const count = Math.max(0, estimated[y][p][a]);
        total += count;
        if (p === prediction) selected += count;
      }
    return total > 0 ? selected / total : 0;
  };
  /** Coefficients of P(Ỹ = 1 | E, A = a) in t. */
  const rateRow = (event: number | null, a: number) => {
    const row = new Array(width).fill(0);
    for (const prediction of [0, 1]) {
      const weight = conditional(event, a, prediction);
      for (let z = 0; z < k; z++) row[variable(z, prediction)] += weight * m(a, z);
    }
    return row;
  };
  const aUpper: number[][] = [];
  const bUpper: number[] = [];
  const events = eventsOf(constraint);
  const rateRows = events.map((event) => Array.from({ length: k }, (_, a) => rateRow(event, a)));
  for (const byGroup of rateRows) {
    for (let a = 0; a < k; a++)
      for (let b = 0; b < k; b++) {
        if (a === b) continue;
        aUpper.push(byGroup[a].map((v, j) => v - byGroup[b][j]));
        bUpper.push(tolerance);
      }
  }
  for (let j = 0; j < width; j++) {
    const row = new Array(width).fill(0);
    row[j] = 1;
    aUpper.push(row);
    bUpper.push(1);
  }
  // Error = Σ_{a,ŷ} [N̂(1,ŷ,a)(1 − t̄_a(ŷ)) + N̂(0,ŷ,a) t̄_a(ŷ)] / rows: minimise the part linear in t.
  const c = new Array(width).fill(0);
  let constant = 0;
  for (let a = 0; a < k; a++)
    for (const prediction of [0, 1]) {
      constant += estimated[1][prediction][a];
      for (let z = 0; z < k; z++)
        c[variable(z, prediction)] +=
          ((estimated[0][prediction][a] - estimated[1][prediction][a]) * m(a, z)) / rows;
    }
  const solution = solveLinearProgram({ c, aUpper, bUpper });
  if (solution.status !== "optimal")
    throw new UserError(`the fair post-processing program is ${solution.status} (tolerance ${tolerance})`);
  const t = Array.from(solution.x, (v) => Math.min(1, Math.max(0, v)));
  const table = Array.from({ length: k }, (_, z) => [t[variable(z, 0)], t[variable(z, 1)]]);
  const estimatedRates = rateRows.map((byGroup) =>
    byGroup.map((row) => row.reduce((s, v, j) => s + v * t[j], 0)),
  );
  return {
    constraint,
    tolerance,
    channel,
    table,
    estimatedRates,
    estimatedError: constant / rows + solution.value,
  };
}

/**
 * P(Ỹ = 1) of every row: t[zᵢ][ŷᵢ] (rows without a reported group keep their step-1 prediction).
 *
 * @example
 * ```ts
 * import { type LdpPostprocessor, postprocessedProbabilities } from "equipoise/interplay";
 * declare const post: LdpPostprocessor; // from fitLdpPostprocessor
 * declare const yPred: Int32Array, reported: Int32Array; // the new rows' predictions and reported groups
 * const p = postprocessedProbabilities(post, yPred, reported); // expected metrics use these
 * ```
 */
export function postprocessedProbabilities(
  postprocessor: LdpPostprocessor,
  yPred: ArrayLike<number>,
  reported: ArrayLike<number>,
): Float64Array {
  return Float64Array.from({ length: yPred.length }, (_, i) =>
    reported[i] >= 0 ? postprocessor.table[reported[i]][yPred[i] === 1 ? 1 : 0] : yPred[i],
  );
}

/**
 * Randomised predictions Ỹ (secure coins unless a seeded `random` is given).
 *
 * @example
 * ```ts
 * import { applyLdpPostprocessor, type LdpPostprocessor } from "equipoise/interplay";
 * declare const post: LdpPostprocessor; // from fitLdpPostprocessor
 * declare const yPred: Int32Array, reported: Int32Array; // the new rows' predictions and reported groups
 * const decisions = applyLdpPostprocessor(post, yPred, reported); // 0/1, secure coins
 * ```
 */
export function applyLdpPostprocessor(
  postprocessor: LdpPostprocessor,
  yPred: ArrayLike<number>,
  reported: ArrayLike<number>,
  random: Random = createSecureRandom(),
): Int32Array {
  const probabilities = postprocessedProbabilities(postprocessor, yPred, reported);
  return Int32Array.from(probabilities, (p) => (random.uniform() < p ? 1 : 0));
}
