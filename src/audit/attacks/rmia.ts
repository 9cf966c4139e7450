/**
 * RMIA (Zarifzadeh, Liu, Nguyen, Shokri, "Low-Cost High-Power Membership Inference
 * Attacks", ICML 2024). With p(x|θ) = p_y(x) under model θ (= σ(φ)), and p(x) its
 * average over reference models, the pairwise likelihood ratio of a candidate x
 * against a population sample z is
 *     LR(x, z) = [p(x|θ) / p(x)] / [p(z|θ) / p(z)],
 * and the score of x is the share of population samples it dominates,
 *     score(x) = Pr_z[ LR(x, z) ≥ γ ]   (their Eq. 6–7; γ = 1 by default).
 * p(x): online, the mean of the IN and OUT reference averages (as if half the
 * references had trained on x); offline, from OUT references only, through their
 * linear approximation p(x) ≈ ½((1 + a)·p_OUT(x) + (1 − a)) (their §4.2), which is
 * also how p(z) is formed (no reference trained on a population sample). The
 * coefficient a is chosen as their reference code does: attack one reference model
 * with the others for a in {0, 0.1, …, 1} and keep the a with the largest AUC — the
 * target's membership is never looked at.
 *
 * The score is computed by sorting the population's ratios once and counting with a
 * binary search, O((n + Z) log Z) instead of n·Z comparisons.
 */
import { UserError } from "../../common/errors.js";
import { labelProbability } from "../signal.js";
import { RankedScores } from "../statistics/roc.js";
import { checkShadows, type PopulationSignals, type ShadowSignals } from "./signals.js";

/**
 * Settings of {@link rmiaScores}.
 *
 * @example
 * ```ts
 * import { type PopulationSignals, type RmiaOptions, rmiaScores, type ShadowSignals } from "equipoise/audit/light";
 * declare const targetPhi: Float64Array; declare const shadows: ShadowSignals; declare const population: PopulationSignals;
 * const options: RmiaOptions = { online: false, gamma: 2, offlineA: "tune" }; // a fixed a in [0, 1] skips the tuning
 * const { scores } = rmiaScores(targetPhi, shadows, population, options);
 * ```
 */
export interface RmiaOptions {
  online: boolean;
  /** The LR threshold γ (default 1). */
  gamma?: number;
  /** The offline coefficient a, or "tune" (default) to choose it on a reference model. */
  offlineA?: number | "tune";
}

/**
 * RMIA's scores and the settings it used.
 *
 * @example
 * ```ts
 * import { type PopulationSignals, type RmiaResult, rmiaScores, type ShadowSignals } from "equipoise/audit/light";
 * declare const targetPhi: Float64Array; declare const shadows: ShadowSignals; declare const population: PopulationSignals;
 * const result: RmiaResult = rmiaScores(targetPhi, shadows, population, { online: false });
 * result.scores; // per candidate: the share of population rows it dominates
 * result.offlineA; // the a chosen by tuneOfflineA (in 0, 0.1, ..., 1)
 * result.populationSize; // z-samples compared against
 * ```
 */
export interface RmiaResult {
  scores: Float64Array;
  offlineA: number;
  gamma: number;
  populationSize: number;
}

const A_GRID = Array.from({ length: 11 }, (_, k) => k / 10);

/** p_y = σ(φ) of every row under each model. */
function probabilities(phi: readonly Float64Array[]): Float64Array[] {
  return phi.map((row) => row.map(labelProbability));
}

/** Mean p over the models in `use` of each row, split by whether the model trained on it. */
function referenceMeans(
  probs: readonly Float64Array[],
  inTraining: readonly Uint8Array[] | null,
  use: Uint8Array,
): { meanIn: Float64Array; meanOut: Float64Array } {
  const n = probs[0].length;
  const meanIn = new Float64Array(n);
  const meanOut = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sumIn = 0;
    let countIn = 0;
    let sumOut = 0;
    let countOut = 0;
    for (let s = 0; s < probs.length; s++) {
      if (!use[s]) continue;
      if (inTraining?.[s][i]) {
        sumIn += probs[s][i];
        countIn++;
      } else {
        sumOut += probs[s][i];
        countOut++;
      }
    }
    meanIn[i] = countIn > 0 ? sumIn / countIn : Number.NaN;
    meanOut[i] = countOut > 0 ? sumOut / countOut : Number.NaN;
  }
  return { meanIn, meanOut };
}

function offlineMarginal(pOut: number, a: number): number {
  return 0.5 * ((1 + a) * pOut + (1 - a));
}

function candidateMarginal(meanIn: number, meanOut: number, online: boolean, a: number): number {
  if (online && !Number.isNaN(meanIn) && !Number.isNaN(meanOut)) return 0.5 * (meanIn + meanOut);
  if (!Number.isNaN(meanOut)) return offlineMarginal(meanOut, a);
  return meanIn; // no OUT reference for this candidate (probability 2^−K)
}

function scoresAgainstPopulation(ratioX: Float64Array, ratioZ: Float64Array, gamma: number): Float64Array {
  const sorted = Float64Array.from(ratioZ).sort();
  const z = sorted.length;
  const scores = new Float64Array(ratioX.length);
  for (let i = 0; i < ratioX.length; i++) {
    // LR(x, z) ≥ γ  ⟺  ratio_z ≤ ratio_x / γ: count the sorted ratios up to that bound.
    const bound = ratioX[i] / gamma;
    let lo = 0;
    let hi = z;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] <= bound) lo = mid + 1;
      else hi = mid;
    }
    scores[i] = lo / z;
  }
  return scores;
}

interface Prepared {
  targetX: Float64Array;
  targetZ: Float64Array;
  candidates: { meanIn: Float64Array; meanOut: Float64Array };
  population: { meanOut: Float64Array };
}

function prepare(
  targetX: Float64Array,
  targetZ: Float64Array,
  shadowX: readonly Float64Array[],
  inTraining: readonly Uint8Array[],
  shadowZ: readonly Float64Array[],
  use: Uint8Array,
): Prepared {
  return {
    targetX: targetX.map(labelProbability),
    targetZ: targetZ.map(labelProbability),
    candidates: referenceMeans(probabilities(shadowX), inTraining, use),
    population: { meanOut: referenceMeans(probabilities(shadowZ), null, use).meanOut },
  };
}

function scoresOf(prepared: Prepared, online: boolean, a: number, gamma: number): Float64Array {
  const { meanIn, meanOut } = prepared.candidates;
  const ratioX = prepared.targetX.map((p, i) => p / candidateMarginal(meanIn[i], meanOut[i], online, a));
  const ratioZ = prepared.targetZ.map((p, j) => p / offlineMarginal(prepared.population.meanOut[j], a));
  return scoresAgainstPopulation(ratioX, ratioZ, gamma);
}

/**
 * The a with the largest AUC when shadow 0 is attacked offline by the other shadows
 * (its membership is known to the auditor who trained it).
 *
 * @example
 * ```ts
 * import { type PopulationSignals, type ShadowSignals, tuneOfflineA } from "equipoise/audit/light";
 * // shadows, population: as for rmiaScores; shadow 0 plays the target
 * declare const shadows: ShadowSignals, population: PopulationSignals; // e.g. from experimentSignals
 * const a = tuneOfflineA(shadows, population); // in {0, 0.1, ..., 1}, the a with the best AUC
 * ```
 */
export function tuneOfflineA(shadows: ShadowSignals, population: PopulationSignals, gamma = 1): number {
  const k = shadows.phi.length;
  const others = new Uint8Array(k).fill(1);
  others[0] = 0;
  const prepared = prepare(
    shadows.phi[0],
    population.shadows[0],
    shadows.phi,
    shadows.inTraining,
    population.shadows,
    others,
  );
  let best = { a: A_GRID[0], auc: Number.NEGATIVE_INFINITY };
  for (const a of A_GRID) {
    const auc = new RankedScores(scoresOf(prepared, false, a, gamma), shadows.inTraining[0]).auc();
    if (auc > best.auc) best = { a, auc };
  }
  return best.a;
}

/**
 * RMIA (Zarifzadeh et al. 2024): the share of population rows z that candidate x dominates in the
 * pairwise likelihood ratio of target and reference models, at threshold γ.
 *
 * @example
 * ```ts
 * import { type PopulationSignals, rmiaScores, type ShadowSignals } from "equipoise/audit/light";
 * // targetPhi, shadows: as for liraScores; population: φ of rows no model trained on
 * declare const targetPhi: Float64Array, shadows: ShadowSignals, population: PopulationSignals;
 * const { scores, offlineA } = rmiaScores(targetPhi, shadows, population, { online: false, gamma: 1 });
 * ```
 */
export function rmiaScores(
  targetPhi: Float64Array,
  shadows: ShadowSignals,
  population: PopulationSignals | undefined,
  options: RmiaOptions,
): RmiaResult {
  const n = targetPhi.length;
  checkShadows(options.online ? "RMIA (online)" : "RMIA (offline)", shadows, n);
  if (!population || population.target.length === 0) {
    throw new UserError("the RMIA attack needs population rows that no model trained on (z-samples)");
  }
  const k = shadows.phi.length;
  if (population.shadows.length !== k) {
    throw new RangeError(`population signals of ${population.shadows.length} shadows, expected ${k}`);
  }
  const gamma = options.gamma ?? 1;
  if (!(gamma > 0)) throw new RangeError(`gamma must be > 0, got ${gamma}`);
  const a =
    options.offlineA === undefined || options.offlineA === "tune"
      ? tuneOfflineA(shadows, population, gamma)
      : options.offlineA;
  const all = new Uint8Array(k).fill(1);
  const prepared = prepare(
    targetPhi,
    population.target,
    shadows.phi,
    shadows.inTraining,
    population.shadows,
    all,
  );
  const scores = scoresOf(prepared, options.online, a, gamma);
  return { scores, offlineA: a, gamma, populationSize: population.target.length };
}
