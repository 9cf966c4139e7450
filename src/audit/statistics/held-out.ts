/**
 * What a membership attack proves about a model, with a threshold chosen on one half
 * of the candidates and measured on the other (choosing and measuring on the same
 * candidates would overstate both):
 *
 *  - an empirical lower bound on ε. If training is (ε, δ)-DP, every test between
 *    "x was in" and "x was out" has TPR ≤ e^ε·FPR + δ (Kairouz et al. 2015; used for
 *    auditing by Jagielski et al. 2020 and Nasr et al. 2021), so with two-sided
 *    Clopper–Pearson intervals on the evaluation half,
 *        ε ≥ log((TPR_lo − δ) / FPR_hi)
 *    holds with confidence at least 1 − α (each end fails with probability ≤ α/2).
 *    The complementary test — guessing "non-member" — gives the same inequality with
 *    members and non-members exchanged; both are tried on the calibration half, and
 *    only the better one is measured on the evaluation half.
 *  - the membership advantage TPR − FPR (Yeom et al. 2018) of the rule whose threshold
 *    maximises it on the calibration half, with the conservative interval
 *    [TPR_lo − FPR_hi, TPR_hi − FPR_lo] from two intervals at level 1 − α/2 each.
 */
import { createRandom, shuffleInPlace } from "../../common/rng.js";
import type { EpsilonLowerBound, HeldOutAdvantage } from "../document.js";
import { clopperPearson, proportion } from "./clopper-pearson.js";

/**
 * Options of the held-out analysis: δ of the ε lower bound, the seed of the random halves and the level.
 *
 * @example
 * ```ts
 * import { type HeldOutOptions, heldOutAnalysis } from "equipoise/audit";
 * declare const scores: Float64Array; declare const isMember: Uint8Array; // an attack's scores, 1 = member
 * const options: HeldOutOptions = { delta: 1e-5, seed: 0, confidence: 0.95 };
 * const { epsilonLowerBound } = heldOutAnalysis(scores, isMember, options);
 * ```
 */
export interface HeldOutOptions {
  delta: number;
  /** Seed of the random halves (default 0). */
  seed?: number;
  /** Two-sided level of the intervals (default 0.95). */
  confidence?: number;
}

/**
 * The held-out analysis: an ε lower bound and the attack advantage, both measured on the half not used to tune the attack.
 *
 * @example
 * ```ts
 * import { type HeldOutResult, heldOutAnalysis } from "equipoise/audit";
 * declare const scores: Float64Array; declare const isMember: Uint8Array; // an attack's scores, 1 = member
 * const result: HeldOutResult = heldOutAnalysis(scores, isMember, { delta: 1e-5 });
 * result.epsilonLowerBound.value; // ε ≥ this at 95 %, measured on the half not used to choose the threshold
 * result.advantage.value; // TPR − FPR of the advantage-maximising rule, with result.advantage.lo / .hi
 * ```
 */
export interface HeldOutResult {
  epsilonLowerBound: EpsilonLowerBound;
  advantage: HeldOutAdvantage;
}

/**
 * Random halves, split within members and within non-members.
 *
 * @example
 * ```ts
 * import { stratifiedHalves } from "equipoise/audit/light";
 * stratifiedHalves([1, 1, 1, 1, 0, 0, 0, 0], 0);
 * // { calibration: Int32Array [1, 2, 6, 7], evaluation: Int32Array [0, 3, 4, 5] }: two members and two non-members each
 * ```
 */
export function stratifiedHalves(
  isMember: ArrayLike<number | boolean>,
  seed: number,
): { calibration: Int32Array; evaluation: Int32Array } {
  const random = createRandom(seed);
  const calibration: number[] = [];
  const evaluation: number[] = [];
  for (const wanted of [true, false]) {
    const rows: number[] = [];
    for (let i = 0; i < isMember.length; i++) if (Boolean(isMember[i]) === wanted) rows.push(i);
    shuffleInPlace(rows, random);
    const half = Math.floor(rows.length / 2);
    calibration.push(...rows.slice(0, half));
    evaluation.push(...rows.slice(half));
  }
  const ascending = (list: number[]) => Int32Array.from(list).sort();
  return { calibration: ascending(calibration), evaluation: ascending(evaluation) };
}

function midpoint(a: number, b: number): number {
  const middle = a / 2 + b / 2;
  return Number.isFinite(middle) ? middle : b === Number.NEGATIVE_INFINITY ? a : middle;
}

/** Counts of a "guess positive when score ≥ t" rule at every distinct threshold. */
interface Sweep {
  thresholds: number[];
  truePositives: number[];
  falsePositives: number[];
  positives: number;
  negatives: number;
}

function sweep(scores: ArrayLike<number>, isPositive: (i: number) => boolean, rows: Int32Array): Sweep {
  const sorted = Array.from(rows).sort((a, b) => scores[b] - scores[a] || a - b);
  const thresholds: number[] = [];
  const truePositives: number[] = [];
  const falsePositives: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < sorted.length; k++) {
    const i = sorted[k];
    if (isPositive(i)) tp++;
    else fp++;
    const next = sorted[k + 1];
    if (next === undefined || scores[next] !== scores[i]) {
      // Midway to the next lower score: the same rule on these rows, less brittle on others.
      thresholds.push(next === undefined ? Number.NEGATIVE_INFINITY : midpoint(scores[i], scores[next]));
      truePositives.push(tp);
      falsePositives.push(fp);
    }
  }
  return { thresholds, truePositives, falsePositives, positives: tp, negatives: fp };
}

function boundOf(tp: number, p: number, fp: number, n: number, delta: number, confidence: number): number {
  const tprLow = clopperPearson(tp, p, confidence).lo;
  const fprHigh = clopperPearson(fp, n, confidence).hi;
  return tprLow - delta > 0 ? Math.log((tprLow - delta) / fprHigh) : Number.NEGATIVE_INFINITY;
}

interface Choice {
  threshold: number;
  score: number;
}

/**
 * The threshold of the calibration sweep with the largest ε bound. Only the corners of
 * the staircase (the last threshold before another negative is let in) can be best,
 * since the bound grows with TP and falls with FP.
 */
function bestBoundThreshold(s: Sweep, delta: number, confidence: number): Choice {
  let best: Choice = { threshold: Number.POSITIVE_INFINITY, score: Number.NEGATIVE_INFINITY };
  for (let k = 0; k < s.thresholds.length; k++) {
    const isCorner = k + 1 === s.thresholds.length || s.falsePositives[k + 1] > s.falsePositives[k];
    if (!isCorner) continue;
    const score = boundOf(
      s.truePositives[k],
      s.positives,
      s.falsePositives[k],
      s.negatives,
      delta,
      confidence,
    );
    if (score > best.score) best = { threshold: s.thresholds[k], score };
  }
  return best;
}

function bestAdvantageThreshold(s: Sweep): Choice {
  let best: Choice = { threshold: Number.POSITIVE_INFINITY, score: 0 };
  for (let k = 0; k < s.thresholds.length; k++) {
    const score = s.truePositives[k] / s.positives - s.falsePositives[k] / s.negatives;
    if (score > best.score) best = { threshold: s.thresholds[k], score };
  }
  return best;
}

function measure(
  scores: ArrayLike<number>,
  isPositive: (i: number) => boolean,
  rows: Int32Array,
  threshold: number,
): { tp: number; fp: number; positives: number; negatives: number } {
  let tp = 0;
  let fp = 0;
  let positives = 0;
  for (const i of rows) {
    const positive = isPositive(i);
    if (positive) positives++;
    if (scores[i] >= threshold) {
      if (positive) tp++;
      else fp++;
    }
  }
  return { tp, fp, positives, negatives: rows.length - positives };
}

/**
 * The held-out ε lower bound and membership advantage of membership scores (higher =
 * more likely a member).
 *
 * @example
 * ```ts
 * import { heldOutAnalysis } from "equipoise/audit/light";
 * // scores: an attack's membership scores; isMember: 1 for the target's training rows
 * declare const scores: Float64Array, isMember: Uint8Array;
 * const { epsilonLowerBound, advantage } = heldOutAnalysis(scores, isMember, { delta: 1e-5 });
 * epsilonLowerBound.value; // threshold chosen on one half, bound measured on the other
 * ```
 */
export function heldOutAnalysis(
  scores: ArrayLike<number>,
  isMember: ArrayLike<number | boolean>,
  options: HeldOutOptions,
): HeldOutResult {
  const { delta } = options;
  const confidence = options.confidence ?? 0.95;
  if (!(delta >= 0 && delta < 1)) throw new RangeError(`delta must be in [0, 1), got ${delta}`);
  const { calibration, evaluation } = stratifiedHalves(isMember, options.seed ?? 0);
  const member = (i: number) => Boolean(isMember[i]);
  const nonMember = (i: number) => !isMember[i];
  const negated = Float64Array.from({ length: scores.length }, (_, i) => -scores[i]);

  const sweeps = {
    member: sweep(scores, member, calibration),
    "non-member": sweep(negated, nonMember, calibration),
  } as const;
  const forMembers = bestBoundThreshold(sweeps.member, delta, confidence);
  const forNonMembers = bestBoundThreshold(sweeps["non-member"], delta, confidence);
  const guesses: "member" | "non-member" = forNonMembers.score > forMembers.score ? "non-member" : "member";
  const chosen = guesses === "member" ? forMembers : forNonMembers;
  const rule = (guessed: "member" | "non-member", threshold: number, level: number) => {
    const m =
      guessed === "member"
        ? measure(scores, member, evaluation, threshold)
        : measure(negated, nonMember, evaluation, threshold);
    return {
      threshold: guessed === "member" ? threshold : -threshold,
      guesses: guessed,
      tpr: proportion(m.tp, m.positives, level),
      fpr: proportion(m.fp, m.negatives, level),
    };
  };
  const boundRule = rule(guesses, chosen.threshold, confidence);
  const raw =
    boundRule.tpr.lo - delta > 0 ? Math.log((boundRule.tpr.lo - delta) / boundRule.fpr.hi) : Number.NaN;
  const counts = (rows: Int32Array) => {
    let members = 0;
    for (const i of rows) if (isMember[i]) members++;
    return { members, nonMembers: rows.length - members };
  };

  const advantageChoice = bestAdvantageThreshold(sweeps.member);
  const advantageRule = rule("member", advantageChoice.threshold, 1 - (1 - confidence) / 2);
  return {
    epsilonLowerBound: {
      ...boundRule,
      value: Number.isNaN(raw) ? 0 : Math.max(raw, 0),
      positive: raw > 0,
      delta,
      confidence,
      calibrationSize: counts(calibration),
      evaluationSize: counts(evaluation),
    },
    advantage: {
      ...advantageRule,
      value: advantageRule.tpr.value - advantageRule.fpr.value,
      lo: advantageRule.tpr.lo - advantageRule.fpr.hi,
      hi: advantageRule.tpr.hi - advantageRule.fpr.lo,
    },
  };
}
