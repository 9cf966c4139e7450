/**
 * Sensitive attributes collected under local differential privacy, and fairness
 * metrics estimated from them without bias.
 *
 * Each person reports their group through k-ary randomized response at ε (Warner 1965;
 * Kairouz, Oh & Viswanath 2014): the true group a with probability p = e^ε/(e^ε + k − 1),
 * each other group with q = 1/(e^ε + k − 1). The channel M[a][z] = P(Z = z | A = a) =
 * q + (p − q)·[a = z] is symmetric and M⁻¹ = (I − q·11ᵀ)/(p − q) (because p + (k−1)q = 1),
 * so for any set of rows the reported counts c (E[c] = Mᵀn) give the unbiased estimate
 * n̂ = M⁻¹c of the true group counts n.
 *
 * A group's rate (selection rate, TPR, FPR) is u_a/(u_a + v_a) with u = M⁻¹c¹ and v = M⁻¹c⁰
 * the debiased counts of the rows predicted 1 and 0 (within Y = 1 or Y = 0 for TPR/FPR).
 * The randomness is the randomized response alone (the data and the predictions are
 * fixed), so Cov(c) = Σ_a n_a (diag(M_a) − M_a M_aᵀ) exactly, estimated by plugging in n̂;
 * Cov(n̂) = M⁻¹ Cov(c) M⁻¹; the rates' (co)variances follow by the delta method, and the gap
 * intervals from intervals.ts. The coverage of the demographic-parity interval is measured
 * over 200 seeded repetitions (test/interplay/ldp.test.ts).
 *
 * Light: no tensor engine.
 */
import { UserError } from "../common/errors.js";
import type { Random } from "../common/rng.js";
import type { SensitiveAttribute } from "../data/types.js";
import {
  randomizedResponse,
  randomizedResponseProbabilities,
} from "../privacy/mechanisms/randomized-response.js";
import { createSecureRandom } from "../privacy/secure-random.js";
import { type EstimatedRate, gapInterval, maxOfIntervals, normalInterval } from "./intervals.js";

/**
 * Below this many rows (estimated), a group's rates carry too little information for an interval to mean much.
 *
 * @example
 * ```ts
 * import { MIN_GROUP_ROWS } from "equipoise/interplay";
 * MIN_GROUP_ROWS; // 30: below this many (estimated) rows a group's rates get a warning
 * ```
 */
export const MIN_GROUP_ROWS = 30;

/**
 * k-ary randomized response at ε as a channel: the probabilities of keeping and of changing a value.
 *
 * @example
 * ```ts
 * import { type RandomizedResponseChannel, randomizedResponseChannel } from "equipoise/interplay";
 * const channel: RandomizedResponseChannel = randomizedResponseChannel(Math.log(3), 2);
 * channel.keep; // 0.75: a person reports their own group with probability e^ε/(e^ε + k − 1)
 * channel.other; // 0.25: and each other group with 1/(e^ε + k − 1)
 * ```
 */
export interface RandomizedResponseChannel {
  epsilon: number;
  /** Number of categories. */
  k: number;
  /** P(Z = a | A = a). */
  keep: number;
  /** P(Z = z | A = a) for z ≠ a. */
  other: number;
}

/**
 * The k-ary randomized-response channel at ε; one clear line for an ε that is not > 0.
 *
 * @example
 * ```ts
 * import { randomizedResponseChannel } from "equipoise/interplay";
 * randomizedResponseChannel(Math.log(3), 2); // { epsilon: ln 3, k: 2, keep: 0.75, other: 0.25 } (up to rounding)
 * ```
 */
export function randomizedResponseChannel(epsilon: number, k: number): RandomizedResponseChannel {
  if (!(epsilon > 0) || Number.isNaN(epsilon))
    throw new UserError(`the local-DP epsilon of the sensitive attribute must be > 0, got ${epsilon}`);
  if (!(Number.isInteger(k) && k >= 2))
    throw new UserError(
      `randomized response needs a sensitive attribute with at least 2 categories, got ${k}`,
    );
  const { keep, other } = randomizedResponseProbabilities(Math.min(epsilon, 700), k);
  return { epsilon, k, keep, other };
}

/**
 * A sensitive attribute whose codes are randomized responses (what the collector holds).
 *
 * @example
 * ```ts
 * import { type LocallyPrivateAttribute, privatiseAttribute } from "equipoise/interplay";
 * import type { data } from "equipoise";
 * declare const group: data.SensitiveAttribute; // the true attribute, e.g. 2 categories
 * const reported: LocallyPrivateAttribute = privatiseAttribute(group, 1); // randomized response at ε = 1
 * reported.ldp; // { epsilon: 1, k: 2 }: the channel to debias with
 * ```
 */
export interface LocallyPrivateAttribute extends SensitiveAttribute {
  ldp: { epsilon: number; k: number };
}

/**
 * The attribute as people would report it under ε-local DP: every code replaced by its
 * k-ary randomized response over the attribute's categories (secure randomness unless a
 * seeded `random` is given, for experiments). Missing values (negative codes) stay missing.
 *
 * @example
 * ```ts
 * import { privatiseAttribute } from "equipoise/interplay";
 * const group = { name: "group", categories: ["A", "B"], codes: Int32Array.from([0, 1, 1, 0]) };
 * const reported = privatiseAttribute(group, 1); // randomized response at ε = 1, secure randomness
 * ```
 */
export function privatiseAttribute(
  attribute: SensitiveAttribute,
  epsilon: number,
  random: Random = createSecureRandom(),
): LocallyPrivateAttribute {
  const k = attribute.categories.length;
  randomizedResponseChannel(epsilon, k);
  const present = attribute.codes.filter((c) => c >= 0);
  const reported = randomizedResponse(Int32Array.from(present), {
    epsilon: Math.min(epsilon, 700),
    k,
    random,
  });
  const codes = new Int32Array(attribute.codes.length);
  let next = 0;
  attribute.codes.forEach((code, i) => {
    codes[i] = code >= 0 ? reported[next++] : code;
  });
  return { name: attribute.name, categories: [...attribute.categories], codes, ldp: { epsilon, k } };
}

/**
 * n̂ = M⁻¹c: unbiased estimates of the true group counts from reported counts (may be < 0).
 *
 * @example
 * ```ts
 * import { debiasedCounts, randomizedResponseChannel } from "equipoise/interplay";
 * const channel = randomizedResponseChannel(Math.log(3), 2);
 * debiasedCounts([60, 40], channel); // ≈ [70, 30]: 70·0.75 + 30·0.25 = 60 were reported as group 0
 * ```
 */
export function debiasedCounts(
  reportedCounts: ArrayLike<number>,
  channel: RandomizedResponseChannel,
): Float64Array {
  const { keep, other, k } = channel;
  let total = 0;
  for (let z = 0; z < k; z++) total += reportedCounts[z];
  return Float64Array.from({ length: k }, (_, a) => (reportedCounts[a] - other * total) / (keep - other));
}

/**
 * Cov(n̂) = M⁻¹ [Σ_a n_a (diag(M_a) − M_a M_aᵀ)] M⁻¹, with n the true counts (plug in n̂,
 * clamped at 0). Row-major k × k.
 *
 * @example
 * ```ts
 * import { debiasedCountCovariance, randomizedResponseChannel } from "equipoise/interplay";
 * const channel = randomizedResponseChannel(Math.log(3), 2);
 * debiasedCountCovariance([70, 30], channel); // ≈ [75, −75, −75, 75]: a standard error of ≈ 8.7 on each count
 * ```
 */
export function debiasedCountCovariance(
  trueCounts: ArrayLike<number>,
  channel: RandomizedResponseChannel,
): Float64Array {
  const { k, keep, other } = channel;
  const m = (a: number, z: number) => (a === z ? keep : other);
  const reported = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    const n = Math.max(0, trueCounts[a]);
    if (n === 0) continue;
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) reported[i * k + j] += n * ((i === j ? m(a, i) : 0) - m(a, i) * m(a, j));
    }
  }
  // M⁻¹ = (I − q·11ᵀ)/(p − q): apply on both sides.
  const inverse = (i: number, j: number) => ((i === j ? 1 : 0) - other) / (keep - other);
  const left = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += inverse(i, l) * reported[l * k + j];
      left[i * k + j] = s;
    }
  const out = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += left[i * k + l] * inverse(l, j);
      out[i * k + j] = s;
    }
  return out;
}

/**
 * Rates of every true group within one set of rows, estimated from reported groups.
 *
 * @example
 * ```ts
 * import { type DebiasedRates, debiasedRates, randomizedResponseChannel } from "equipoise/interplay";
 * declare const yPred: Int32Array; // 0/1 predictions
 * declare const reported: Int32Array; // each row's group as reported under ε = 1 (2 groups)
 * const selection: DebiasedRates = debiasedRates(yPred, reported, () => true, randomizedResponseChannel(1, 2), 0.95);
 * selection.rates[0].estimate; // group 0's selection rate, debiased
 * selection.counts; // the estimated number of rows of each true group
 * ```
 */
export interface DebiasedRates {
  /** u_a/(u_a + v_a) with their delta-method standard errors and intervals. */
  rates: EstimatedRate[];
  /** Estimated number of rows of each group in the set (u_a + v_a). */
  counts: Float64Array;
  /** Cov(r_a, r_b), row-major k × k. */
  covariance: Float64Array;
}

/**
 * Debiased rates P(ŷ = 1 | A = a, row ∈ S) of every group a over the rows with `inSet`
 * (all rows: selection rate; Y = 1: TPR; Y = 0: FPR).
 *
 * @example
 * ```ts
 * import { debiasedRates, randomizedResponseChannel } from "equipoise/interplay";
 * declare const yPred: Int32Array; // 0/1 predictions
 * declare const reported: Int32Array; // each row's group as reported under ε = 1
 * const channel = randomizedResponseChannel(1, 2);
 * const selection = debiasedRates(yPred, reported, () => true, channel, 0.95);
 * selection.rates; // each group's selection rate with a 95 % interval
 * ```
 */
export function debiasedRates(
  yPred: ArrayLike<number>,
  reported: ArrayLike<number>,
  inSet: (i: number) => boolean,
  channel: RandomizedResponseChannel,
  confidence: number,
): DebiasedRates {
  const { k } = channel;
  const positive = new Float64Array(k);
  const negative = new Float64Array(k);
  for (let i = 0; i < yPred.length; i++) {
    const z = reported[i];
    if (z < 0 || !inSet(i)) continue;
    if (yPred[i] === 1) positive[z]++;
    else negative[z]++;
  }
  const u = debiasedCounts(positive, channel);
  const v = debiasedCounts(negative, channel);
  const covU = debiasedCountCovariance(u, channel);
  const covV = debiasedCountCovariance(v, channel);
  const counts = Float64Array.from(u, (ua, a) => ua + v[a]);
  // ∂r/∂u = v/t², ∂r/∂v = −u/t² with t = u + v.
  const du = Float64Array.from(v, (va, a) => va / counts[a] ** 2);
  const dv = Float64Array.from(u, (ua, a) => -ua / counts[a] ** 2);
  const covariance = new Float64Array(k * k);
  for (let a = 0; a < k; a++)
    for (let b = 0; b < k; b++)
      covariance[a * k + b] = du[a] * du[b] * covU[a * k + b] + dv[a] * dv[b] * covV[a * k + b];
  const rates = Array.from({ length: k }, (_, a) =>
    counts[a] > 0
      ? normalInterval(u[a] / counts[a], covariance[a * k + a], confidence)
      : { estimate: Number.NaN, standardError: Number.NaN, low: Number.NaN, high: Number.NaN },
  );
  return { rates, counts, covariance };
}

/**
 * A group's rates debiased from randomized-response attributes, with their uncertainty.
 *
 * @example
 * ```ts
 * import type { LdpFairnessEstimate, LdpGroupEstimate } from "equipoise/interplay";
 * declare const estimate: LdpFairnessEstimate; // from estimateFairnessFromLdp
 * const groups: LdpGroupEstimate[] = estimate.groups;
 * for (const g of groups) console.log(g.group, Math.round(g.estimatedCount), g.tpr.estimate, g.fpr.estimate);
 * ```
 */
export interface LdpGroupEstimate {
  /** The group's value. */
  group: string;
  /** Estimated number of rows of the group (from the randomized responses). */
  estimatedCount: number;
  selectionRate: EstimatedRate;
  tpr: EstimatedRate;
  fpr: EstimatedRate;
}

/**
 * Group rates and fairness gaps estimated from randomized-response reports, debiased, with
 * delta-method intervals.
 *
 * @example
 * ```ts
 * import { estimateFairnessFromLdp, type LdpFairnessEstimate, privatiseAttribute } from "equipoise/interplay";
 * import type { data } from "equipoise";
 * declare const yTrue: Int32Array; // 0/1 labels
 * declare const yPred: Int32Array; // 0/1 predictions
 * declare const group: data.SensitiveAttribute; // the true attribute (only its reports are used)
 * const estimate: LdpFairnessEstimate = estimateFairnessFromLdp({ yTrue, yPred, reported: privatiseAttribute(group, 1), epsilon: 1 });
 * estimate.equalizedOddsDifference; // debiased, with an interval (coverage ≥ 1 − 2(1 − confidence))
 * estimate.warnings; // groups too small for their intervals to mean much
 * ```
 */
export interface LdpFairnessEstimate {
  attribute: string;
  epsilon: number;
  confidence: number;
  rows: number;
  groups: LdpGroupEstimate[];
  /** Fairlearn's differences, debiased, with intervals (see intervals.ts for their coverage). */
  demographicParityDifference: EstimatedRate;
  equalOpportunityDifference: EstimatedRate;
  /** max of the TPR and FPR differences; interval coverage ≥ 1 − 2(1 − confidence). */
  equalizedOddsDifference: EstimatedRate;
  warnings: string[];
}

/**
 * Group rates and fairness gaps of binary predictions, estimated without bias from
 * sensitive attributes reported through ε-LDP randomized response.
 *
 * @example
 * ```ts
 * import type { SensitiveAttribute } from "equipoise/data";
 * import { estimateFairnessFromLdp, privatiseAttribute } from "equipoise/interplay";
 * declare const yTrue: Float32Array, yPred: Int32Array, group: SensitiveAttribute; // labels, 0/1 predictions, groups
 * const reported = privatiseAttribute(group, 1);
 * const estimate = estimateFairnessFromLdp({ yTrue, yPred, reported, epsilon: 1 });
 * const { estimate: gap, low, high } = estimate.demographicParityDifference;
 * ```
 */
export function estimateFairnessFromLdp(options: {
  yTrue: ArrayLike<number>;
  yPred: ArrayLike<number>;
  reported: SensitiveAttribute;
  epsilon: number;
  confidence?: number;
}): LdpFairnessEstimate {
  const { yTrue, yPred, reported, epsilon } = options;
  const confidence = options.confidence ?? 0.95;
  if (yTrue.length !== yPred.length || yTrue.length !== reported.codes.length)
    throw new UserError(
      `labels (${yTrue.length}), predictions (${yPred.length}) and sensitive values (${reported.codes.length}) must have one entry per row`,
    );
  for (let i = 0; i < yTrue.length; i++) {
    if ((yTrue[i] !== 0 && yTrue[i] !== 1) || (yPred[i] !== 0 && yPred[i] !== 1))
      throw new UserError(
        `estimating rates from randomized responses needs binary labels and predictions (row ${i})`,
      );
  }
  const channel = randomizedResponseChannel(epsilon, reported.categories.length);
  const codes = reported.codes;
  const all = debiasedRates(yPred, codes, () => true, channel, confidence);
  const positives = debiasedRates(yPred, codes, (i) => yTrue[i] === 1, channel, confidence);
  const negatives = debiasedRates(yPred, codes, (i) => yTrue[i] === 0, channel, confidence);
  const k = channel.k;
  const gap = (r: DebiasedRates) =>
    gapInterval(
      r.rates.map((rate, a) => ({ estimate: rate.estimate, variance: r.covariance[a * k + a] })),
      confidence,
      (a, b) => r.covariance[a * k + b],
    );
  const tprGap = gap(positives);
  const warnings: string[] = [];
  const groups = reported.categories.map((group, a) => {
    const estimatedCount = all.counts[a];
    if (!(estimatedCount >= MIN_GROUP_ROWS)) {
      warnings.push(
        `group '${group}' of '${reported.name}' has about ${Math.round(estimatedCount)} rows (estimated from the randomized responses): too few for its interval to mean much`,
      );
    }
    return {
      group,
      estimatedCount,
      selectionRate: all.rates[a],
      tpr: positives.rates[a],
      fpr: negatives.rates[a],
    };
  });
  return {
    attribute: reported.name,
    epsilon,
    confidence,
    rows: yTrue.length,
    groups,
    demographicParityDifference: gap(all),
    equalOpportunityDifference: tprGap,
    equalizedOddsDifference: maxOfIntervals(tprGap, gap(negatives)),
    warnings,
  };
}
