/**
 * Private selection among trials: what it costs to run a random number K of private trials
 * and release the best one (Papernot & Steinke 2022, "Hyperparameter Tuning with Renyi
 * Differential Privacy", ICLR; improving Liu & Talwar 2019). Choosing the best of a FIXED
 * number of private trials by their results is not covered by any one trial's ε — the ε
 * printed beside a Pareto trial does not include the choice. Drawing K at random first, from
 * one of the distributions below, makes the choice cheap, and this module says how cheap.
 *
 * For the explorer (how to use it):
 *   1. Before the first private trial, fix a `TrialCountDistribution` (e.g. geometric with
 *      mean 10) and draw K = sampleTrialCount(distribution) from the secure generator. K is
 *      secret-independent; it may be shown. Poisson can give K = 0: then nothing is released.
 *   2. Run exactly K private trials whose hyperparameters are drawn independently of the
 *      results (random search over the private trials; an adaptive strategy such as BO that
 *      looks at earlier results is NOT covered by this theorem), each trial with its own
 *      accountant.
 *   3. Release only the best trial (by any score computed on the private data), and report
 *      privateSelectionEpsilon(candidateHistories, distribution, δ).epsilon beside it — and
 *      beside every trial of that study — instead of the trial's own ε.
 *   `candidateHistories` must bound every configuration the trial sampler CAN draw, not only
 *   those drawn: pass each candidate configuration's (sampleRate, noise, steps) history, or
 *   one worst-case history (smallest noise, largest rate, most steps). The base algorithm
 *   "draw a configuration, train" then has RDP ≤ the per-order maximum over them (joint
 *   quasi-convexity of Rényi divergence, van Erven & Harremoës 2014, Theorem 13).
 *
 * The bounds (for each order λ > 1, with ε(·) the RDP curve of one trial):
 *   truncated negative binomial K ~ D_{η,γ} (η ≥ 0; η = 1 geometric, η = 0 logarithmic),
 *   Theorem 2: ε'(λ) = ε(λ) + (1 + η)·min_λ̂ [(1 − 1/λ̂)·ε(λ̂) + log(1/γ)/λ̂] + log E[K]/(λ − 1);
 *   Poisson K ~ Poisson(μ), Theorem 6: ε'(λ) = ε(λ) + μ·δ̂ + log μ/(λ − 1), with δ̂ the δ of
 *   one trial at ε̂ = log(1 + 1/(λ − 1));
 * then, RDP being non-decreasing in the order, ε'(λ) ≤ min over λ' ≥ λ of ε'(λ') (as
 * Google's dp_accounting does for its RepeatAndSelect event).
 */
import type { Random } from "../common/rng.js";
import type { GaussianStepGroup } from "./analysis/prv.js";
import {
  composedRdp,
  DEFAULT_RDP_ORDERS,
  rdpGridEdgeWarning,
  rdpToDelta,
  rdpToEpsilon,
} from "./analysis/rdp.js";
import { bernoulliRational, exactRational } from "./mechanisms/exact-sampling.js";
import { createSecureRandom } from "./secure-random.js";

/**
 * The law of the number of trials K, given by its mean (≥ 1; Poisson: > 0).
 *
 * @example
 * ```ts
 * import { expectedTrialCount, privateSelectionEpsilon, type TrialCountDistribution } from "equipoise/privacy/accounting";
 * const distribution: TrialCountDistribution = { kind: "truncated-negative-binomial", shape: 0.5, mean: 10 };
 * expectedTrialCount(distribution); // ≥ 10 once γ is solved
 * const trial = [{ sampleRate: 0.01, noise: 1.1, steps: 300 }];
 * privateSelectionEpsilon([trial], distribution, 1e-5).epsilon; // ε of the best of K trials
 * ```
 */
export type TrialCountDistribution =
  | { kind: "geometric"; mean: number }
  | { kind: "logarithmic"; mean: number }
  | { kind: "truncated-negative-binomial"; shape: number; mean: number }
  | { kind: "poisson"; mean: number };

/** A distribution with its parameters solved: η and γ for the truncated negative binomial. */
type ResolvedDistribution =
  | { kind: "tnb"; shape: number; gamma: number; mean: number }
  | { kind: "poisson"; mean: number };

/**
 * E[K] of the truncated negative binomial D_{η,γ}: η(1 − γ)/(γ(1 − γ^η)), or (1/γ − 1)/log(1/γ) at η = 0.
 *
 * @example
 * ```ts
 * import { truncatedNegativeBinomialMean } from "equipoise/privacy/accounting";
 * truncatedNegativeBinomialMean(1, 0.1); // the geometric law with γ = 0.1: E[K] = 10
 * ```
 */
export function truncatedNegativeBinomialMean(shape: number, gamma: number): number {
  if (shape === 0) return (1 / gamma - 1) / Math.log(1 / gamma);
  return (shape * (1 - gamma)) / (gamma * -Math.expm1(shape * Math.log(gamma)));
}

/**
 * γ with E[K] = mean for shape η (1/mean for the geometric), by bisection on the mean, which
 * decreases in γ. Returns the end whose mean is ≥ the one asked for (dp_accounting's choice).
 *
 * @example
 * ```ts
 * import { truncatedNegativeBinomialGamma } from "equipoise/privacy/accounting";
 * truncatedNegativeBinomialGamma(1, 10); // 0.1 (geometric: γ = 1/mean)
 * ```
 */
export function truncatedNegativeBinomialGamma(shape: number, mean: number): number {
  if (!(shape >= 0 && Number.isFinite(shape))) throw new RangeError(`shape must be >= 0, got ${shape}`);
  if (!(mean >= 1 && Number.isFinite(mean)))
    throw new RangeError(`the mean number of trials must be >= 1, got ${mean}`);
  if (shape === 1) return 1 / mean;
  if (mean === 1) return 1;
  let lo = 0; // mean → ∞
  let hi = Math.min(1, (2 * (shape + 1)) / mean);
  for (let it = 0; it < 200 && hi - lo > 1e-15 * hi; it++) {
    const mid = (lo + hi) / 2;
    if (truncatedNegativeBinomialMean(shape, mid) < mean) hi = mid;
    else lo = mid;
  }
  return lo;
}

function resolve(distribution: TrialCountDistribution): ResolvedDistribution {
  const { mean } = distribution;
  if (distribution.kind === "poisson") {
    // Above 700, e^{−μ} (the sampler's first probability) underflows.
    if (!(mean > 0 && mean <= 700)) throw new RangeError(`the Poisson mean must be in (0, 700], got ${mean}`);
    return { kind: "poisson", mean };
  }
  const shape =
    distribution.kind === "geometric" ? 1 : distribution.kind === "logarithmic" ? 0 : distribution.shape;
  const gamma = truncatedNegativeBinomialGamma(shape, mean);
  return { kind: "tnb", shape, gamma, mean: gamma === 1 ? 1 : truncatedNegativeBinomialMean(shape, gamma) };
}

/**
 * E[K] for the distribution as it is sampled and accounted (the solved γ may round the mean up).
 *
 * @example
 * ```ts
 * import { expectedTrialCount } from "equipoise/privacy/accounting";
 * expectedTrialCount({ kind: "truncated-negative-binomial", shape: 0.5, mean: 10 }); // ≥ 10 once γ is solved
 * ```
 */
export function expectedTrialCount(distribution: TrialCountDistribution): number {
  return resolve(distribution).mean;
}

/**
 * P(K = k).
 *
 * @example
 * ```ts
 * import { trialCountProbability } from "equipoise/privacy/accounting";
 * trialCountProbability({ kind: "geometric", mean: 10 }, 1); // γ = 0.1: P(K = 1) = 0.1
 * ```
 */
export function trialCountProbability(distribution: TrialCountDistribution, k: number): number {
  if (!Number.isInteger(k) || k < 0) return 0;
  const law = resolve(distribution);
  if (law.kind === "poisson") return Math.exp(k * Math.log(law.mean) - law.mean - logFactorial(k));
  if (k === 0) return 0;
  const { shape, gamma } = law;
  if (gamma === 1) return k === 1 ? 1 : 0;
  if (shape === 0) return Math.exp(k * Math.log1p(-gamma)) / (k * Math.log(1 / gamma));
  // (1 − γ)^k / (γ^{−η} − 1) · Π_{ℓ<k} (ℓ + η)/(ℓ + 1)
  let logProduct = 0;
  for (let l = 0; l < k; l++) logProduct += Math.log((l + shape) / (l + 1));
  return Math.exp(k * Math.log1p(-gamma) + logProduct) / Math.expm1(-shape * Math.log(gamma));
}

function logFactorial(k: number): number {
  let sum = 0;
  for (let i = 2; i <= k; i++) sum += Math.log(i);
  return sum;
}

/**
 * One draw of K from the secure generator (or the given one). The geometric law is sampled
 * exactly (Bernoulli(γ) trials on the exact rational γ); the others by inverting the CDF in
 * double precision, whose law differs from the ideal one by ~1e-15 in total variation — a
 * data-independent difference, negligible beside δ.
 *
 * @example
 * ```ts
 * import { sampleTrialCount } from "equipoise/privacy/accounting";
 * const trials = sampleTrialCount({ kind: "geometric", mean: 10 }); // ≥ 1, secure randomness
 * ```
 */
export function sampleTrialCount(
  distribution: TrialCountDistribution,
  random: Random = createSecureRandom(),
): number {
  const law = resolve(distribution);
  if (law.kind === "tnb" && law.gamma === 1) return 1;
  if (law.kind === "tnb" && law.shape === 1) {
    const gamma = exactRational(law.gamma);
    let k = 1;
    while (!bernoulliRational(gamma.numerator, gamma.denominator, random)) k++;
    return k;
  }
  const u = random.uniform();
  let k = law.kind === "poisson" ? 0 : 1;
  let p = trialCountProbability(distribution, k);
  let cumulative = p;
  while (cumulative <= u && p > 0) {
    const next =
      law.kind === "poisson"
        ? (p * law.mean) / (k + 1)
        : law.shape === 0
          ? (p * (1 - law.gamma) * k) / (k + 1)
          : (p * (1 - law.gamma) * (k + law.shape)) / (k + 1);
    k++;
    p = next;
    cumulative += p;
  }
  return k;
}

/**
 * RDP of running K ~ `distribution` trials and releasing the best, from the RDP of one trial at
 * each order (Papernot & Steinke 2022, Theorems 2 and 6; see the module comment).
 *
 * @example
 * ```ts
 * import { DEFAULT_RDP_ORDERS, composedRdp, rdpToEpsilon, selectionRdp } from "equipoise/privacy/accounting";
 * const trial = composedRdp(0.01, 1.1, 300, DEFAULT_RDP_ORDERS); // one DP-SGD trial
 * const rdp = selectionRdp(DEFAULT_RDP_ORDERS, trial, { kind: "geometric", mean: 10 });
 * const { epsilon } = rdpToEpsilon(DEFAULT_RDP_ORDERS, rdp, 1e-5); // the best of K ~ Geometric trials
 * ```
 */
export function selectionRdp(
  orders: readonly number[],
  trialRdp: ArrayLike<number>,
  distribution: TrialCountDistribution,
): Float64Array {
  if (orders.length !== trialRdp.length)
    throw new RangeError("orders and trialRdp must have the same length");
  const law = resolve(distribution);
  const out = new Float64Array(orders.length).fill(Number.POSITIVE_INFINITY);
  if (law.kind === "poisson") {
    for (let i = 0; i < orders.length; i++) {
      const lambda = orders[i];
      if (!(lambda > 1)) continue;
      const deltaHat = rdpToDelta(orders, trialRdp, Math.log1p(1 / (lambda - 1)));
      out[i] = trialRdp[i] + law.mean * deltaHat + Math.log(law.mean) / (lambda - 1);
    }
  } else {
    const logInverseGamma = -Math.log(law.gamma);
    let constant = Number.POSITIVE_INFINITY;
    for (let j = 0; j < orders.length; j++) {
      if (!(orders[j] > 1)) continue;
      constant = Math.min(constant, (1 - 1 / orders[j]) * trialRdp[j] + logInverseGamma / orders[j]);
    }
    constant *= 1 + law.shape;
    for (let i = 0; i < orders.length; i++) {
      if (orders[i] > 1) out[i] = trialRdp[i] + Math.log(law.mean) / (orders[i] - 1) + constant;
    }
  }
  // Monotonicity in the order: a bound at a higher order holds at every lower one.
  const byOrder = orders.map((order, index) => ({ order, index })).sort((a, b) => b.order - a.order);
  let best = Number.POSITIVE_INFINITY;
  for (const { index } of byOrder) {
    best = Math.min(best, out[index]);
    out[index] = best;
  }
  return out;
}

/**
 * (ε, δ) of a private selection among a random number of trials (Papernot & Steinke 2022).
 *
 * @example
 * ```ts
 * import { privateSelectionEpsilon, type SelectionPrivacy } from "equipoise/privacy/accounting";
 * const trial = [{ sampleRate: 0.01, noise: 1.1, steps: 300 }];
 * const spent: SelectionPrivacy = privateSelectionEpsilon([trial], { kind: "geometric", mean: 10 }, 1e-5);
 * console.log(spent.epsilon, spent.trialEpsilon, spent.expectedTrials); // ≈ 2.27 for the selection, ≈ 1.15 for one trial, ≈ 10
 * ```
 */
export interface SelectionPrivacy {
  /** ε of the whole selection (K trials, the best released) at δ: the number to report. */
  epsilon: number;
  delta: number;
  /** The RDP order at which the bound is tightest. */
  order: number;
  /** ε of one trial alone at the same δ (the worst candidate), for comparison. */
  trialEpsilon: number;
  /** E[K] as sampled and accounted. */
  expectedTrials: number;
  warnings?: string[];
}

/**
 * (ε, δ) of the whole private selection, from the DP-SGD histories that bound one trial (see
 * the module comment: every configuration the trial sampler can draw must be covered).
 *
 * @example
 * ```ts
 * import { privateSelectionEpsilon } from "equipoise/privacy/accounting";
 * const trial = [{ sampleRate: 0.01, noise: 1.1, steps: 300 }];
 * const spent = privateSelectionEpsilon([trial], { kind: "geometric", mean: 10 }, 1e-5);
 * // spent.epsilon ≈ 2.27 for the best of ~10 trials, against spent.trialEpsilon ≈ 1.15 for one
 * ```
 */
export function privateSelectionEpsilon(
  candidateHistories: readonly (readonly GaussianStepGroup[])[],
  distribution: TrialCountDistribution,
  delta: number,
  orders: readonly number[] = DEFAULT_RDP_ORDERS,
): SelectionPrivacy {
  if (!(delta > 0 && delta < 1)) throw new RangeError(`delta must be in (0, 1), got ${delta}`);
  if (candidateHistories.length === 0) throw new RangeError("at least one candidate trial history is needed");
  const trialRdp = new Float64Array(orders.length);
  for (const history of candidateHistories) {
    const total = new Float64Array(orders.length);
    for (const group of history) {
      const values = composedRdp(group.sampleRate, group.noise, group.steps, orders);
      for (let k = 0; k < total.length; k++) total[k] += values[k];
    }
    for (let k = 0; k < total.length; k++) trialRdp[k] = Math.max(trialRdp[k], total[k]);
  }
  const selection = rdpToEpsilon(orders, selectionRdp(orders, trialRdp, distribution), delta);
  const trial = rdpToEpsilon(orders, trialRdp, delta);
  const out: SelectionPrivacy = {
    epsilon: Math.max(0, selection.epsilon),
    delta,
    order: selection.order,
    trialEpsilon: Math.max(0, trial.epsilon),
    expectedTrials: expectedTrialCount(distribution),
  };
  const warning = rdpGridEdgeWarning(selection, orders, delta, false);
  if (warning) out.warnings = [warning];
  return out;
}
