/**
 * Everything a membership score vector proves, with honest statistics: the ROC curve,
 * AUC and TPR at low FPR with bootstrap intervals over candidates (statistics/
 * bootstrap.ts), the held-out ε lower bound and membership advantage (statistics/
 * held-out.ts), and the same figures per sensitive group with the gap between the
 * most and the least exposed group — the privacy side of fairness.
 */
import type { SensitiveAttribute } from "../data/types.js";
import type { AttackEvaluation, AttributeExposure, Estimate, GroupExposure } from "./document.js";
import { type BootstrapOptions, bootstrapIntervals } from "./statistics/bootstrap.js";
import { heldOutAnalysis } from "./statistics/held-out.js";
import { RankedScores, thinCurve } from "./statistics/roc.js";

/**
 * Settings of {@link evaluateAttack}.
 *
 * @example
 * ```ts
 * import { type EvaluationOptions, evaluateAttack } from "equipoise/audit/light";
 * import type { SensitiveAttribute } from "equipoise/data";
 * declare const scores: Float64Array; declare const isMember: Uint8Array; // an attack's scores, 1 = member
 * declare const sex: SensitiveAttribute; // the candidates' groups
 * const options: EvaluationOptions = { delta: 1e-5, fprLevels: [0.001, 0.01, 0.1], seed: 0, bootstrap: { replicates: 500 }, groups: [sex] };
 * const evaluation = evaluateAttack(scores, isMember, options);
 * ```
 */
export interface EvaluationOptions {
  delta: number;
  /** FPR levels (default 0.1 % and 1 %). */
  fprLevels?: readonly number[];
  /** Seed of the bootstrap and of the held-out halves (default 0). */
  seed?: number;
  bootstrap?: Omit<BootstrapOptions, "seed">;
  /** Sensitive attributes of the candidates (codes per candidate). */
  groups?: readonly SensitiveAttribute[];
  /** Points of the plotted ROC curve (default 200). */
  rocPoints?: number;
  /** Two-sided confidence of the held-out ε bound (default 0.95). */
  boundConfidence?: number;
}

/**
 * The false-positive rates at which TPR is reported: 0.1 % and 1 %.
 *
 * @example
 * ```ts
 * import { type AttackEvaluation, DEFAULT_FPR_LEVELS } from "equipoise/audit/light";
 * declare const evaluation: AttackEvaluation; // from evaluateAttack without fprLevels
 * DEFAULT_FPR_LEVELS; // [0.001, 0.01]
 * evaluation.tprAtFpr.map((t) => t.fpr); // [0.001, 0.01]
 * ```
 */
export const DEFAULT_FPR_LEVELS = [0.001, 0.01] as const;
/**
 * A group needs this many members and non-members to enter the gap between groups.
 *
 * @example
 * ```ts
 * import { type AttackEvaluation, MIN_GROUP_CLASS } from "equipoise/audit/light";
 * declare const evaluation: AttackEvaluation; // from evaluateAttack with `groups`
 * MIN_GROUP_CLASS; // 20
 * // small: fewer than 20 members or non-members; such a group is shown but left out of the gap
 * const reliable = evaluation.perGroup[0]?.groups.filter((g) => !g.small);
 * ```
 */
export const MIN_GROUP_CLASS = 20;

function estimates(values: readonly number[], intervals: readonly { lo: number; hi: number }[]): Estimate[] {
  return values.map((value, k) => ({ value, lo: intervals[k].lo, hi: intervals[k].hi }));
}

function membershipStrata(isMember: ArrayLike<number>): Int32Array {
  return Int32Array.from({ length: isMember.length }, (_, i) => (isMember[i] ? 1 : 0));
}

/**
 * The figures of one attack from its scores (higher = more likely a member): ROC, AUC and TPR at low
 * FPR with bootstrap intervals, held-out advantage and ε lower bound, and per-group exposure.
 *
 * @example
 * ```ts
 * import { evaluateAttack } from "equipoise/audit/light";
 * // scores: an attack's membership scores; isMember: 1 for training rows, 0 for held-out ones
 * declare const scores: Float64Array, isMember: Uint8Array;
 * const evaluation = evaluateAttack(scores, isMember, { delta: 1e-5 });
 * console.log(evaluation.auc.value, evaluation.tprAtFpr, evaluation.epsilonLowerBound);
 * ```
 */
export function evaluateAttack(
  scores: ArrayLike<number>,
  isMember: ArrayLike<number>,
  options: EvaluationOptions,
): AttackEvaluation {
  const levels = [...(options.fprLevels ?? DEFAULT_FPR_LEVELS)];
  const seed = options.seed ?? 0;
  const ranked = new RankedScores(scores, isMember);
  const point = ranked.summary(levels);
  const intervals = bootstrapIntervals(membershipStrata(ranked.isMember), (w) => ranked.summary(levels, w), {
    ...options.bootstrap,
    seed,
  });
  const [auc, ...tprs] = estimates(point, intervals);
  let members = 0;
  for (const m of ranked.isMember) members += m;
  const heldOut = heldOutAnalysis(scores, ranked.isMember, {
    delta: options.delta,
    seed,
    confidence: options.boundConfidence ?? 0.95,
  });
  return {
    candidates: { members, nonMembers: ranked.size - members },
    auc,
    tprAtFpr: tprs.map((t, k) => ({ fpr: levels[k], ...t })),
    roc: thinCurve(ranked.curve(), options.rocPoints ?? 200),
    advantage: heldOut.advantage,
    epsilonLowerBound: heldOut.epsilonLowerBound,
    perGroup: (options.groups ?? []).map((attribute) =>
      groupExposure(scores, ranked.isMember, attribute, levels, seed, options.bootstrap),
    ),
  };
}

function groupExposure(
  scores: ArrayLike<number>,
  isMember: Uint8Array,
  attribute: SensitiveAttribute,
  levels: number[],
  seed: number,
  bootstrap: Omit<BootstrapOptions, "seed"> | undefined,
): AttributeExposure {
  const n = scores.length;
  if (attribute.codes.length !== n) {
    throw new RangeError(`attribute ${attribute.name}: ${attribute.codes.length} codes for ${n} candidates`);
  }
  const present = attribute.categories
    .map((name, code) => ({ name, code, rows: [] as number[] }))
    .filter((group) => {
      for (let i = 0; i < n; i++) if (attribute.codes[i] === group.code) group.rows.push(i);
      return group.rows.length > 0;
    });
  const rankedGroups = present.map((group) => ({
    ...group,
    ranked: new RankedScores(
      group.rows.map((i) => scores[i]),
      group.rows.map((i) => isMember[i]),
    ),
  }));
  // One bootstrap for every group and the gap: strata are group × membership, so each
  // replicate keeps every group's class sizes, and the gap is a difference of one replicate.
  const strata = new Int32Array(n).fill(-1);
  rankedGroups.forEach((group, g) => {
    for (const i of group.rows) strata[i] = 2 * g + isMember[i];
  });
  const stats = (weights?: Float64Array) =>
    rankedGroups.flatMap((group) =>
      group.ranked.summary(levels, weights ? group.rows.map((i) => weights[i]) : undefined),
    );
  const point = stats();
  const width = levels.length + 1;
  const groups: GroupExposure[] = rankedGroups.map((group, g) => {
    let members = 0;
    for (const m of group.ranked.isMember) members += m;
    const nonMembers = group.rows.length - members;
    return {
      group: group.name,
      members,
      nonMembers,
      auc: { value: point[g * width], lo: Number.NaN, hi: Number.NaN },
      tprAtFpr: levels.map((fpr, k) => ({
        fpr,
        value: point[g * width + 1 + k],
        lo: Number.NaN,
        hi: Number.NaN,
      })),
      small: members < MIN_GROUP_CLASS || nonMembers < MIN_GROUP_CLASS,
    };
  });
  const comparable = groups
    .map((group, g) => ({ group, g }))
    .filter(({ group }) => !group.small)
    .sort((a, b) => b.group.auc.value - a.group.auc.value);
  const pair =
    comparable.length >= 2 ? { most: comparable[0], least: comparable[comparable.length - 1] } : null;
  const rows = Int32Array.from(strata.keys()).filter((i) => strata[i] >= 0);
  const rowStrata = Int32Array.from(rows, (i) => strata[i]);
  const intervals = bootstrapIntervals(
    rowStrata,
    (weights) => {
      const full = new Float64Array(n);
      rows.forEach((i, k) => {
        full[i] = weights[k];
      });
      const values = stats(full);
      const gap = pair ? values[pair.most.g * width] - values[pair.least.g * width] : Number.NaN;
      return [...values, gap];
    },
    { ...bootstrap, seed: seed + 1 },
  );
  groups.forEach((group, g) => {
    group.auc.lo = intervals[g * width].lo;
    group.auc.hi = intervals[g * width].hi;
    group.tprAtFpr.forEach((t, k) => {
      t.lo = intervals[g * width + 1 + k].lo;
      t.hi = intervals[g * width + 1 + k].hi;
    });
  });
  const gapInterval = intervals[intervals.length - 1];
  return {
    attribute: attribute.name,
    groups,
    gap: pair
      ? {
          most: pair.most.group.group,
          least: pair.least.group.group,
          auc: {
            value: pair.most.group.auc.value - pair.least.group.auc.value,
            lo: gapInterval.lo,
            hi: gapInterval.hi,
          },
        }
      : null,
  };
}
