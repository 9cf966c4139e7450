/**
 * ROC curves of membership scores. A higher score means "more likely a member"; the
 * rule at threshold t guesses "member" exactly when score ≥ t. The ROC points are
 * those of every distinct score taken as t (tied scores move together, so a curve
 * never splits a tie), plus (0, 0).
 *
 *  - AUC: the area under those points by the trapezoid rule, which equals
 *    P[s_member > s_non-member] + ½·P[tie] (the Mann–Whitney statistic).
 *  - TPR at FPR ≤ α: the largest TPR among the ROC points with FPR ≤ α (no
 *    interpolation: a point between two thresholds is not a rule one can run).
 *
 * Scores are ranked once; every statistic then takes optional per-candidate weights
 * (integer multiplicities), which is how the bootstrap resamples candidates without
 * sorting again.
 */

/**
 * The ROC curve of membership scores: FPR and TPR at every distinct score taken as threshold, plus (0, 0).
 *
 * @example
 * ```ts
 * import { areaUnder, type RocCurve, rocCurve } from "equipoise/audit/light";
 * const curve: RocCurve = rocCurve([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0]); // scores, 1 = member
 * curve.fpr; // Float64Array [0, 0, 0.5, 0.5, 1]
 * curve.tpr; // Float64Array [0, 0.5, 0.5, 1, 1]
 * areaUnder(curve); // 0.75
 * ```
 */
export interface RocCurve {
  /** Non-decreasing, from 0. */
  fpr: Float64Array;
  /** Non-decreasing, from 0. */
  tpr: Float64Array;
  /** The threshold of each point (+∞ for the first, which guesses no member). */
  thresholds: Float64Array;
}

/** Members and non-members counted at each tie group of the ranking. */
interface GroupCounts {
  members: Float64Array;
  nonMembers: Float64Array;
  memberTotal: number;
  nonMemberTotal: number;
}

/**
 * Attack scores ranked once (ties grouped), from which ROC curves, AUC and TPR at FPR levels are read,
 * also under bootstrap weights.
 *
 * @example
 * ```ts
 * import { RankedScores } from "equipoise/audit/light";
 * const ranked = new RankedScores([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0]); // scores, 1 = member
 * ranked.auc(); // 0.75
 * ranked.tprAtFpr([0, 0.5]); // [0.5, 1]
 * ranked.auc([2, 1, 1, 1]); // 0.8333333333333334, under bootstrap weights
 * ```
 */
export class RankedScores {
  /** Candidate indices by descending score. */
  readonly order: Int32Array;
  /** End (exclusive) of each tie group in `order`. */
  readonly groupEnds: Int32Array;
  /** The score of each tie group. */
  readonly groupScores: Float64Array;
  readonly isMember: Uint8Array;

  constructor(scores: ArrayLike<number>, isMember: ArrayLike<number | boolean>) {
    const n = scores.length;
    if (isMember.length !== n) throw new RangeError(`${n} scores but ${isMember.length} membership labels`);
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(scores[i])) throw new RangeError(`candidate ${i} has a NaN membership score`);
    }
    this.isMember = Uint8Array.from({ length: n }, (_, i) => (isMember[i] ? 1 : 0));
    const order = Int32Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => scores[b] - scores[a] || a - b);
    // Infinite scores: a − b of two equal infinities is NaN; the comparator above then
    // falls through to the index, which keeps them together.
    this.order = order;
    const ends: number[] = [];
    const values: number[] = [];
    for (let k = 0; k < n; k++) {
      const score = scores[order[k]];
      if (k + 1 === n || scores[order[k + 1]] !== score) {
        ends.push(k + 1);
        values.push(score);
      }
    }
    this.groupEnds = Int32Array.from(ends);
    this.groupScores = Float64Array.from(values);
  }

  /** How many scores were ranked. */
  get size(): number {
    return this.order.length;
  }

  private counts(weights?: ArrayLike<number>): GroupCounts {
    const groups = this.groupEnds.length;
    const members = new Float64Array(groups);
    const nonMembers = new Float64Array(groups);
    let memberTotal = 0;
    let nonMemberTotal = 0;
    let start = 0;
    for (let g = 0; g < groups; g++) {
      let m = 0;
      let o = 0;
      for (let k = start; k < this.groupEnds[g]; k++) {
        const i = this.order[k];
        const w = weights ? weights[i] : 1;
        if (this.isMember[i]) m += w;
        else o += w;
      }
      members[g] = m;
      nonMembers[g] = o;
      memberTotal += m;
      nonMemberTotal += o;
      start = this.groupEnds[g];
    }
    return { members, nonMembers, memberTotal, nonMemberTotal };
  }

  /** The ROC points (NaN rates when a class is empty). */
  curve(weights?: ArrayLike<number>): RocCurve {
    const c = this.counts(weights);
    const groups = c.members.length;
    const fpr = new Float64Array(groups + 1);
    const tpr = new Float64Array(groups + 1);
    const thresholds = new Float64Array(groups + 1);
    thresholds[0] = Number.POSITIVE_INFINITY;
    let tp = 0;
    let fp = 0;
    for (let g = 0; g < groups; g++) {
      tp += c.members[g];
      fp += c.nonMembers[g];
      tpr[g + 1] = tp / c.memberTotal;
      fpr[g + 1] = fp / c.nonMemberTotal;
      thresholds[g + 1] = this.groupScores[g];
    }
    return { fpr, tpr, thresholds };
  }

  /** P[s_member > s_non-member] + ½·P[tie]; NaN when a class is empty. */
  auc(weights?: ArrayLike<number>): number {
    return aucOf(this.counts(weights));
  }

  /** For each level α: the largest TPR among ROC points with FPR ≤ α. */
  tprAtFpr(levels: readonly number[], weights?: ArrayLike<number>): number[] {
    return tprAtLevels(this.counts(weights), levels);
  }

  /** The AUC followed by the TPR at each level, from one pass over the ranking. */
  summary(levels: readonly number[], weights?: ArrayLike<number>): number[] {
    const c = this.counts(weights);
    return [aucOf(c), ...tprAtLevels(c, levels)];
  }
}

function aucOf(c: GroupCounts): number {
  if (c.memberTotal === 0 || c.nonMemberTotal === 0) return Number.NaN;
  let above = 0;
  let area = 0;
  for (let g = 0; g < c.members.length; g++) {
    area += c.nonMembers[g] * (above + c.members[g] / 2);
    above += c.members[g];
  }
  return area / (c.memberTotal * c.nonMemberTotal);
}

function tprAtLevels(c: GroupCounts, levels: readonly number[]): number[] {
  if (c.memberTotal === 0 || c.nonMemberTotal === 0) return levels.map(() => Number.NaN);
  return levels.map((level) => {
    // FPR and TPR only grow along the ranking: the last point within the level is the best.
    let tp = 0;
    let fp = 0;
    let best = 0;
    for (let g = 0; g < c.members.length; g++) {
      fp += c.nonMembers[g];
      if (fp / c.nonMemberTotal > level) break;
      tp += c.members[g];
      best = tp / c.memberTotal;
    }
    return best;
  });
}

/**
 * The ROC curve of scores against membership (convenience over RankedScores).
 *
 * @example
 * ```ts
 * import { areaUnder, rocCurve, tprAtFprOf } from "equipoise/audit/light";
 * const curve = rocCurve([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0]); // scores, 1 = member
 * areaUnder(curve); // 0.75
 * tprAtFprOf(curve, 0); // 0.5
 * ```
 */
export function rocCurve(scores: ArrayLike<number>, isMember: ArrayLike<number | boolean>): RocCurve {
  return new RankedScores(scores, isMember).curve();
}

/**
 * The largest TPR among the points of `curve` with FPR ≤ level.
 *
 * @example
 * ```ts
 * import { rocCurve, tprAtFprOf } from "equipoise/audit/light";
 * tprAtFprOf(rocCurve([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0]), 0); // 0.5
 * ```
 */
export function tprAtFprOf(curve: RocCurve, level: number): number {
  let best = 0;
  for (let k = 0; k < curve.fpr.length; k++) if (curve.fpr[k] <= level) best = Math.max(best, curve.tpr[k]);
  return best;
}

/**
 * The area under ROC points by the trapezoid rule.
 *
 * @example
 * ```ts
 * import { areaUnder, rocCurve } from "equipoise/audit/light";
 * areaUnder(rocCurve([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0])); // 0.75
 * ```
 */
export function areaUnder(curve: RocCurve): number {
  let area = 0;
  for (let k = 1; k < curve.fpr.length; k++) {
    area += ((curve.fpr[k] - curve.fpr[k - 1]) * (curve.tpr[k] + curve.tpr[k - 1])) / 2;
  }
  return area;
}

/**
 * At most about `points` ROC points for plotting on log–log axes: every point whose
 * FPR crosses the next of `points` log-spaced levels between 1/negatives and 1, plus
 * the first and last. The statistics are always computed on the full curve.
 *
 * @example
 * ```ts
 * import { rocCurve, thinCurve } from "equipoise/audit/light";
 * // scores, isMember: 5,000 candidates give a curve of up to 5,001 points
 * declare const scores: Float64Array, isMember: Uint8Array;
 * const { fpr, tpr } = thinCurve(rocCurve(scores, isMember), 100); // about 100 points, log-spaced in FPR
 * ```
 */
export function thinCurve(curve: RocCurve, points = 200): { fpr: number[]; tpr: number[] } {
  const n = curve.fpr.length;
  if (n <= points) return { fpr: Array.from(curve.fpr), tpr: Array.from(curve.tpr) };
  const smallest = curve.fpr.find((v) => v > 0) ?? 1;
  const logMin = Math.log(smallest);
  const fpr: number[] = [curve.fpr[0]];
  const tpr: number[] = [curve.tpr[0]];
  let nextLevel = logMin;
  const step = -logMin / points;
  for (let k = 1; k < n; k++) {
    const isLast = k === n - 1;
    const v = curve.fpr[k];
    // Keep the last point at each FPR (the highest TPR there) once it passes the next level.
    const lastAtThisFpr = isLast || curve.fpr[k + 1] !== v;
    if (isLast || (lastAtThisFpr && v > 0 && Math.log(v) >= nextLevel)) {
      fpr.push(v);
      tpr.push(curve.tpr[k]);
      if (v > 0) nextLevel = Math.log(v) + step;
    }
  }
  return { fpr, tpr };
}
