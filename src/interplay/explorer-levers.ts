/**
 * The interplay's levers for the explorer, as data and pure functions (wired in
 * src/explore: space.ts, objectives.ts, trial-interplay.ts, trial-private-fair.ts): the
 * search-space parameters that choose group-aware clipping or private fair learning, the
 * public rule for the private fair method's statistics noise, and the normaliser of the
 * privacy cost gap into [0, 1].
 */
import { type AccountantKind, calibrateNoise } from "../privacy/accounting.js";
import type { Parameter } from "../search/index.js";

/**
 * The explorer objective and constraint name of the privacy-cost gap (largest minus smallest group accuracy cost).
 *
 * @example
 * ```ts
 * import { PRIVACY_COST_GAP } from "equipoise/interplay";
 * PRIVACY_COST_GAP; // "privacy-cost-gap": an objective or a constraint metric of `equipoise explore`
 * const objectives = ["accuracy", "epsilon", PRIVACY_COST_GAP]; // e.g. for --objectives
 * ```
 */
export const PRIVACY_COST_GAP = "privacy-cost-gap";

/**
 * How stored per-group costs of privacy are labelled (DESIGN.md, "what epsilon covers").
 *
 * @example
 * ```ts
 * import { PRIVACY_COST_NOT_COVERED } from "equipoise/interplay";
 * PRIVACY_COST_NOT_COVERED.endsWith("NOT covered by epsilon"); // true
 * // stored with every trial's per-group cost of privacy as its notCoveredByEpsilon note
 * ```
 */
export const PRIVACY_COST_NOT_COVERED =
  "per-group cost of privacy: the matched model is trained without DP and both models are scored on validation/test rows without noise; NOT covered by epsilon";

/**
 * The private methods the explorer's interplay levers choose among (`privateMethod`).
 *
 * @example
 * ```ts
 * import { EXPLORER_PRIVATE_METHODS } from "equipoise/interplay";
 * EXPLORER_PRIVATE_METHODS; // ["dp-sgd", "dpsgd-f", "dp-fair-reductions"]: the choices of the explorer's `privateMethod`
 * ```
 */
export const EXPLORER_PRIVATE_METHODS = ["dp-sgd", "dpsgd-f", "dp-fair-reductions"] as const;
/**
 * One of {@link EXPLORER_PRIVATE_METHODS}: plain DP-SGD, group-aware clipping, or private fair reductions.
 *
 * @example
 * ```ts
 * import type { ExplorerPrivateMethod } from "equipoise/interplay";
 * const method: ExplorerPrivateMethod = "dp-fair-reductions"; // private fair learning (Jagielski et al. 2019)
 * // a trial's `privateMethod` parameter, searched when `dp` is true
 * ```
 */
export type ExplorerPrivateMethod = (typeof EXPLORER_PRIVATE_METHODS)[number];

/**
 * Rounds T of a "dp-fair-reductions" trial (src/interplay/private-fair.ts). Each round is
 * a full DP-SGD fit and the T runs compose in ε (their noise grows ~√T at a fixed ε), so
 * a trial costs T fits and noisier ones: 5 keeps a trial within ~5 ordinary trials and
 * lets exponentiated gradient move λ a few times; the output mixes these 5 models.
 *
 * @example
 * ```ts
 * import { PRIVATE_FAIR_ROUNDS, privateFairStatisticsNoise } from "equipoise/interplay";
 * PRIVATE_FAIR_ROUNDS; // 5: DP-SGD fits per "dp-fair-reductions" trial, composed in ε
 * privateFairStatisticsNoise({ rounds: PRIVATE_FAIR_ROUNDS, targetEpsilon: 4, delta: 1e-5, accountant: "rdp" });
 * ```
 */
export const PRIVATE_FAIR_ROUNDS = 5;

/**
 * Exponentiated gradient's step η in a "dp-fair-reductions" trial, fixed rather than the
 * library's 2/B: with B = 1/bound, λ = B·e^θ/(1 + Σe^θ) and θ moving by η(±γ − bound),
 * the multipliers grow per round by ≈ η·B·γ, so at η = 2/B they grow alike whatever the
 * bound, and in 5 rounds the bound hardly mattered (Adult, sex, ε = 1, logistic
 * regression, validation DP gap 0.106–0.112 for bounds 0.005–0.2). At a fixed η the
 * pressure is η/bound and the bound moves the trade-off; η = 0.1 was chosen on Adult's
 * VALIDATION split (same setting, one seed): bound 0.3 → accuracy 0.826, DP gap 0.194;
 * 0.05 → 0.816, 0.107; 0.02 → 0.804, 0.043; 0.01 → 0.569, 0.050 (too much pressure: the
 * later best responses overshoot). η = 0.04 traced the same front over a narrower span.
 *
 * @example
 * ```ts
 * import { PRIVATE_FAIR_STEP } from "equipoise/interplay";
 * PRIVATE_FAIR_STEP; // 0.1: exponentiated gradient's step η in every "dp-fair-reductions" trial
 * ```
 */
export const PRIVATE_FAIR_STEP = 0.1;

/**
 * Range of the allowed violation `fairBound` of each γ, at PRIVATE_FAIR_STEP: from strong
 * mitigation (0.02) to nearly none (0.3); below 0.02 the measured trials overshot.
 *
 * @example
 * ```ts
 * import { FAIR_BOUND_RANGE } from "equipoise/interplay";
 * const [low, high] = FAIR_BOUND_RANGE; // [0.02, 0.3]: the log-scale range the explorer searches `fairBound` in
 * ```
 */
export const FAIR_BOUND_RANGE: readonly [number, number] = [0.02, 0.3];

/**
 * Share of a trial's target ε the statistics' 1 + T releases may spend at most (alone,
 * at the trial's δ): the rest goes to the T best responses, which need it more.
 *
 * @example
 * ```ts
 * import { STATISTICS_EPSILON_SHARE } from "equipoise/interplay";
 * STATISTICS_EPSILON_SHARE * 4; // 1: at a target ε = 4, the statistics' releases may spend at most ε = 1
 * ```
 */
export const STATISTICS_EPSILON_SHARE = 0.25;

/**
 * The noise multiplier σ_s of a private fair trial's 1 + T count/sum releases (L2
 * sensitivity 1 each), from public quantities only (T, the target ε, δ, the accountant):
 * σ_s = max(10·√(1 + T), the σ at which the 1 + T releases alone spend
 * STATISTICS_EPSILON_SHARE of the target). The first term: the 1 + T releases at
 * 10·√(1 + T) compose to one Gaussian release at σ = 10 (ε = 0.375 at δ = 1e-5 by the
 * RDP accountant), while each count's noise (σ_s ≈ 24.5 rows for T = 5) is 2.5 % of a
 * group of 1,000 rows and 0.3 % of Adult's ~8,000 women — more precision buys the game
 * little. The second term rules below a target of 1.5, where the floor alone would spend
 * more than a quarter of the budget (and all of it under 0.375): it keeps small targets
 * reachable.
 *
 * @example
 * ```ts
 * import { privateFairStatisticsNoise } from "equipoise/interplay";
 * privateFairStatisticsNoise({ rounds: 5, targetEpsilon: 4, delta: 1e-5, accountant: "rdp" }); // ≈ 24.5, the floor 10·√6
 * privateFairStatisticsNoise({ rounds: 5, targetEpsilon: 0.5, delta: 1e-5, accountant: "rdp" }); // ≈ 68: a quarter of ε = 0.5
 * ```
 */
export function privateFairStatisticsNoise(options: {
  rounds: number;
  targetEpsilon: number;
  delta: number;
  accountant: AccountantKind;
}): number {
  const floor = 10 * Math.sqrt(1 + options.rounds);
  const { noise } = calibrateNoise({
    targetEpsilon: STATISTICS_EPSILON_SHARE * options.targetEpsilon,
    delta: options.delta,
    sampleRate: 1,
    steps: 1 + options.rounds,
    accountant: options.accountant,
  });
  return Math.max(floor, noise);
}

/**
 * Added to the default space: under DP, plain DP-SGD, DPSGD-F or private fair learning
 * (Jagielski et al. 2019, "dp-fair-reductions"), with DPSGD-F's γ (0.25–4, log scale:
 * γ = 0 is DP-SGD; beyond ~4 the largest bound, and with it the noise, grows for little
 * change in relative clipping) and the private fair method's allowed violation
 * `fairBound` (FAIR_BOUND_RANGE, log scale).
 *
 * @example
 * ```ts
 * import { interplayParameters } from "equipoise/interplay";
 * interplayParameters.map((p) => p.name); // ["privateMethod", "groupClipGamma", "fairBound"]
 * // each has a condition: searched only under DP (privateMethod) or with its method chosen
 * ```
 */
export const interplayParameters: Parameter[] = [
  {
    kind: "categorical",
    name: "privateMethod",
    choices: [...EXPLORER_PRIVATE_METHODS],
    condition: { parameter: "dp", oneOf: [true] },
  },
  {
    kind: "float",
    name: "groupClipGamma",
    low: 0.25,
    high: 4,
    log: true,
    condition: { parameter: "privateMethod", oneOf: ["dpsgd-f"] },
  },
  {
    kind: "float",
    name: "fairBound",
    low: FAIR_BOUND_RANGE[0],
    high: FAIR_BOUND_RANGE[1],
    log: true,
    condition: { parameter: "privateMethod", oneOf: ["dp-fair-reductions"] },
  },
];

/**
 * g = min(1, gap / (1 − majority accuracy)): the gap in units of the headroom of the
 * majority-class predictor, the unit of the explorer's normalised error — so a gap that
 * costs one group as much as the whole headroom counts as bad as the majority model's error.
 *
 * @example
 * ```ts
 * import { normalisedPrivacyCostGap } from "equipoise/interplay";
 * normalisedPrivacyCostGap(0.05, 0.75); // 0.2: a 5-point gap is a fifth of the 25-point headroom
 * normalisedPrivacyCostGap(0.5, 0.75); // 1 (capped)
 * ```
 */
export function normalisedPrivacyCostGap(gap: number, majorityAccuracy: number): number {
  const headroom = 1 - majorityAccuracy;
  if (!(headroom > 0)) return gap > 0 ? 1 : 0;
  return Math.min(1, Math.max(0, gap / headroom));
}
