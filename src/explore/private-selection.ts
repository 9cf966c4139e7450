/**
 * Private selection (`explore --private-selection`): a study whose chosen trial is
 * covered by ε, choice included (Papernot & Steinke 2022, "Hyperparameter tuning with
 * Renyi differential privacy", ICLR, Theorem 2, as implemented in privacy/selection.ts).
 *
 * How the explorer meets the theorem's conditions:
 *  - the number of trials K is drawn once, before the first trial, from the secure
 *    generator, with mean the study's budget, and stored (a resumed study keeps it);
 *  - the trials are i.i.d. runs of one randomised algorithm Q = "draw a configuration
 *    uniformly from the space, train it with DP-SGD": independent uniform draws from the
 *    secure generator (the search strategy "random" with `independent: true`, never an
 *    adaptive strategy, which the theorem does not cover), secure DP noise and sampling;
 *  - Q's RDP is bounded by the largest RDP, order by order, of every configuration the
 *    sampler CAN draw (quasi-convexity of Rényi divergence): batch size and epochs take
 *    a few values each (space.ts, `selectionGrid`), and each pair's noise multiplier is
 *    calibrated here, once, to the per-trial ε; the trials train with exactly these
 *    multipliers;
 *  - one trial is released: the best by a score fixed before the study (summary.ts,
 *    `selectionScore`), computed on the validation split.
 * The privately fitted preprocessing (one release for the whole study) is composed
 * once with the selection, in RDP. The per-trial ε is chosen so that the total meets
 * the ε the user asked for.
 *
 * The law of K: geometric (the truncated negative binomial with η = 1). Measured with
 * privacy/selection.ts on Adult-sized candidates (per-trial ε 1, δ 1e-5, mean 10 / 40):
 * total ε 2.39 / 2.82 geometric, 2.05 / 2.37 logarithmic (η = 0), 2.33 / 5.01 Poisson.
 * The logarithmic law is cheapest but runs a single trial with probability 0.27 / 0.19
 * and more than 4× the mean with 0.05 / 0.06; the geometric law 0.10 / 0.025 and
 * 0.015 / 0.017; Poisson's ε grows fast with the mean.
 */
import { UserError } from "../common/errors.js";
import type { Random } from "../common/rng.js";
import {
  calibrateNoise,
  composedRdp,
  DEFAULT_RDP_ORDERS,
  expectedTrialCount,
  type PriorStep,
  rdpToEpsilon,
  sampleTrialCount,
  selectionRdp,
  stepsForEpochs,
  type TrialCountDistribution,
} from "../privacy/accounting.js";

/**
 * One configuration class the sampler can draw, with the noise multiplier it trains with.
 *
 * @example
 * ```ts
 * import { planPrivateSelection, type SelectionCandidate } from "equipoise/explore";
 * const plan = planPrivateSelection({
 *   trainRows: 20000, grid: { batches: [64, 256], epochs: [1, 3] },
 *   targetEpsilon: 2, delta: 1e-5, meanTrials: 10, preprocessing: { releases: [], thresholdDelta: 0 },
 * });
 * const candidates: SelectionCandidate[] = plan.candidates; // one per (batch, epochs) of the grid
 * for (const c of candidates) console.log(c.batch, c.epochs, c.steps, c.noise);
 * ```
 */
export interface SelectionCandidate {
  batch: number;
  epochs: number;
  sampleRate: number;
  steps: number;
  noise: number;
}

/**
 * The study's preprocessing releases, composed once beside the selection.
 *
 * @example
 * ```ts
 * import { planPrivateSelection, type SelectionPreprocessing } from "equipoise/explore";
 * const preprocessing: SelectionPreprocessing = { releases: [], thresholdDelta: 0 }; // no private preprocessing release to compose
 * const plan = planPrivateSelection({
 *   trainRows: 20000, grid: { batches: [64, 256], epochs: [1, 3] }, targetEpsilon: 2, delta: 1e-5, meanTrials: 10, preprocessing,
 * });
 * ```
 */
export interface SelectionPreprocessing {
  releases: readonly PriorStep[];
  /** δ spent outside the accountant (thresholded categories): ε is taken at δ minus it. */
  thresholdDelta: number;
}

/**
 * A private selection's plan, drawn once and stored in the study: the number of trials, the
 * candidates' noise, and the ε the released trial will have.
 *
 * @example
 * ```ts
 * import { type PrivateSelectionPlan, planPrivateSelection } from "equipoise/explore";
 * const plan: PrivateSelectionPlan = planPrivateSelection({
 *   trainRows: 20000, grid: { batches: [64, 256], epochs: [1, 3] },
 *   targetEpsilon: 2, delta: 1e-5, meanTrials: 10, preprocessing: { releases: [], thresholdDelta: 0 },
 * });
 * console.log(`${plan.trials} trials at ε ${plan.trialEpsilon} each; releasing the best costs ε ${plan.epsilon} ≤ ${plan.targetEpsilon}`);
 * ```
 */
export interface PrivateSelectionPlan {
  distribution: TrialCountDistribution;
  /** K: how many trials the study runs, drawn once. */
  trials: number;
  /** The total ε asked for (--epsilon). */
  targetEpsilon: number;
  /** The ε each candidate's noise multiplier is calibrated to (before the selection's cost). */
  trialEpsilon: number;
  candidates: SelectionCandidate[];
  /** ε of releasing the selected trial: its training, the preprocessing and the choice (≤ targetEpsilon). */
  epsilon: number;
  delta: number;
  preprocessing: SelectionPreprocessing;
}

export function selectionDistribution(mean: number): TrialCountDistribution {
  return { kind: "geometric", mean };
}

/** RDP, order by order, of the preprocessing releases. */
function preprocessingRdp(preprocessing: SelectionPreprocessing, orders: readonly number[]): Float64Array {
  const total = new Float64Array(orders.length);
  for (const release of preprocessing.releases) {
    const rdp = composedRdp(release.sampleRate, release.noise, release.count, orders);
    for (let k = 0; k < total.length; k++) total[k] += rdp[k];
  }
  return total;
}

/** Q's RDP: the largest of the candidates', order by order. */
function trialRdp(candidates: readonly SelectionCandidate[], orders: readonly number[]): Float64Array {
  const worst = new Float64Array(orders.length);
  for (const c of candidates) {
    const rdp = composedRdp(c.sampleRate, c.noise, c.steps, orders);
    for (let k = 0; k < worst.length; k++) worst[k] = Math.max(worst[k], rdp[k]);
  }
  return worst;
}

function epsilonAt(rdp: Float64Array, orders: readonly number[], delta: number, thresholdDelta: number) {
  if (!(thresholdDelta < delta))
    throw new UserError(`delta ${delta} must exceed the delta ${thresholdDelta} the preprocessing spent`);
  return Math.max(0, rdpToEpsilon(orders, rdp, delta - thresholdDelta).epsilon);
}

/**
 * ε of releasing the best of K ~ `distribution` trials, with the preprocessing composed once.
 *
 * @example
 * ```ts
 * import { planPrivateSelection, selectionEpsilon } from "equipoise/explore";
 * const plan = planPrivateSelection({
 *   trainRows: 20000, grid: { batches: [64, 256], epochs: [1, 3] },
 *   targetEpsilon: 2, delta: 1e-5, meanTrials: 10, preprocessing: { releases: [], thresholdDelta: 0 },
 * });
 * selectionEpsilon(plan.candidates, plan.distribution, plan.delta, plan.preprocessing); // ≈ 2.0 = plan.epsilon
 * ```
 */
export function selectionEpsilon(
  candidates: readonly SelectionCandidate[],
  distribution: TrialCountDistribution,
  delta: number,
  preprocessing: SelectionPreprocessing,
  orders: readonly number[] = DEFAULT_RDP_ORDERS,
): number {
  const selection = selectionRdp(orders, trialRdp(candidates, orders), distribution);
  const prep = preprocessingRdp(preprocessing, orders);
  for (let k = 0; k < selection.length; k++) selection[k] += prep[k];
  return epsilonAt(selection, orders, delta, preprocessing.thresholdDelta);
}

/**
 * ε of the study file as a whole: `trials` trials composed (each bounded by the worst
 * candidate) with the preprocessing — what releasing every trial's results costs,
 * as opposed to the one selected trial.
 *
 * @example
 * ```ts
 * import { allTrialsEpsilon, planPrivateSelection } from "equipoise/explore";
 * const plan = planPrivateSelection({
 *   trainRows: 20000, grid: { batches: [64, 256], epochs: [1, 3] },
 *   targetEpsilon: 2, delta: 1e-5, meanTrials: 10, preprocessing: { releases: [], thresholdDelta: 0 },
 * });
 * allTrialsEpsilon(plan, plan.trials); // ε of releasing every trial's results, not just the selected one
 * ```
 */
export function allTrialsEpsilon(
  plan: Pick<PrivateSelectionPlan, "candidates" | "delta" | "preprocessing">,
  trials: number,
  orders: readonly number[] = DEFAULT_RDP_ORDERS,
): number {
  const total = trialRdp(plan.candidates, orders);
  const prep = preprocessingRdp(plan.preprocessing, orders);
  for (let k = 0; k < total.length; k++) total[k] = trials * total[k] + prep[k];
  return epsilonAt(total, orders, plan.delta, plan.preprocessing.thresholdDelta);
}

/** ε of the preprocessing releases alone (0 without any). */
export function preprocessingEpsilon(
  preprocessing: SelectionPreprocessing,
  delta: number,
  orders: readonly number[] = DEFAULT_RDP_ORDERS,
): number {
  if (preprocessing.releases.length === 0) return 0;
  return epsilonAt(preprocessingRdp(preprocessing, orders), orders, delta, preprocessing.thresholdDelta);
}

/** Every (batch, epochs) pair calibrated to `trialEpsilon` at δ (RDP, as the selection bound). */
export function calibratedCandidates(
  trainRows: number,
  grid: { batches: readonly number[]; epochs: readonly number[] },
  trialEpsilon: number,
  delta: number,
): SelectionCandidate[] {
  const candidates: SelectionCandidate[] = [];
  for (const requested of grid.batches) {
    const batch = Math.min(requested, trainRows);
    const sampleRate = Math.min(1, batch / trainRows);
    for (const epochs of grid.epochs) {
      const steps = stepsForEpochs(epochs, sampleRate);
      const { noise } = calibrateNoise({
        targetEpsilon: trialEpsilon,
        delta,
        sampleRate,
        steps,
        accountant: "rdp",
      });
      candidates.push({ batch: requested, epochs, sampleRate, steps, noise });
    }
  }
  return candidates;
}

/**
 * What private hyperparameter selection is planned from: training rows, the grid, the total ε and δ.
 *
 * @example
 * ```ts
 * import { planPrivateSelection, type SelectionRequest } from "equipoise/explore";
 * const request: SelectionRequest = {
 *   trainRows: 20000, // rows of the training part
 *   grid: { batches: [64, 256], epochs: [1, 3] },
 *   targetEpsilon: 2, delta: 1e-5, meanTrials: 10,
 *   preprocessing: { releases: [], thresholdDelta: 0 },
 * };
 * const plan = planPrivateSelection(request);
 * ```
 */
export interface SelectionRequest {
  trainRows: number;
  grid: { batches: readonly number[]; epochs: readonly number[] };
  /** The total ε the study may spend (--epsilon). */
  targetEpsilon: number;
  delta: number;
  /** E[K] (--budget). */
  meanTrials: number;
  preprocessing: SelectionPreprocessing;
}

/** Relative gap below the target accepted for the total ε (the search stops within it). */
const EPSILON_TOLERANCE = 0.03;
const MAX_EVALUATIONS = 12;

/**
 * The per-trial ε whose selection costs at most `targetEpsilon` in all (within 3 % of
 * it), and the candidates calibrated to it. False position on log ε_sel against
 * log ε_trial (nearly linear), bracketed in [target/1000, target].
 */
export function calibrateSelection(request: SelectionRequest): Omit<PrivateSelectionPlan, "trials"> {
  const { targetEpsilon, delta, preprocessing, trainRows, grid } = request;
  if (!(targetEpsilon > 0 && Number.isFinite(targetEpsilon)))
    throw new UserError(`--epsilon must be a number > 0, got ${targetEpsilon}`);
  const distribution = selectionDistribution(request.meanTrials);
  const evaluate = (trialEpsilon: number) => {
    const candidates = calibratedCandidates(trainRows, grid, trialEpsilon, delta);
    return {
      trialEpsilon,
      candidates,
      epsilon: selectionEpsilon(candidates, distribution, delta, preprocessing),
    };
  };
  const tooSmall = (trialEpsilon: number, epsilon: number | null) =>
    new UserError(
      `a total epsilon of ${targetEpsilon} cannot cover a private selection among ${Number(expectedTrialCount(distribution).toPrecision(6))} trials on average: ` +
        `even trials at epsilon ${trialEpsilon.toPrecision(2)} ${epsilon === null ? "cannot be calibrated" : `cost ${epsilon.toPrecision(3)} with the choice${preprocessing.releases.length > 0 ? " and the preprocessing" : ""}`}; ask for a larger --epsilon or a smaller --budget`,
    );
  let low: ReturnType<typeof evaluate>;
  try {
    low = evaluate(targetEpsilon / 1000);
  } catch (error) {
    // No noise multiplier reaches so small a per-trial ε (calibration.ts names the floor).
    if (error instanceof UserError) throw tooSmall(targetEpsilon / 1000, null);
    throw error;
  }
  if (low.epsilon > targetEpsilon) throw tooSmall(low.trialEpsilon, low.epsilon);
  let high = evaluate(targetEpsilon);
  if (high.epsilon <= targetEpsilon) return { ...high, distribution, targetEpsilon, delta, preprocessing };
  const logGap = (point: { epsilon: number }) => Math.log(point.epsilon) - Math.log(targetEpsilon);
  let [xLow, fLow] = [Math.log(low.trialEpsilon), logGap(low)];
  let [xHigh, fHigh] = [Math.log(high.trialEpsilon), logGap(high)];
  // Illinois false position: an end kept twice in a row has its value halved.
  let kept: "low" | "high" | null = null;
  for (let i = 0; i < MAX_EVALUATIONS; i++) {
    const x = (xLow * fHigh - xHigh * fLow) / (fHigh - fLow);
    const next = evaluate(Math.exp(x));
    const f = logGap(next);
    if (f <= 0) {
      [low, xLow, fLow] = [next, x, f];
      if (kept === "high") fHigh /= 2;
      kept = "high";
      if (next.epsilon >= targetEpsilon * (1 - EPSILON_TOLERANCE)) break;
    } else {
      [high, xHigh, fHigh] = [next, x, f];
      if (kept === "low") fLow /= 2;
      kept = "low";
    }
  }
  return { ...low, distribution, targetEpsilon, delta, preprocessing };
}

/**
 * The selection's plan with K drawn (from the secure generator unless `random` is given).
 *
 * @example
 * ```ts
 * import { planPrivateSelection } from "equipoise/explore";
 * const plan = planPrivateSelection({
 *   trainRows: 20000, grid: { batches: [64, 256], epochs: [1, 3] },
 *   targetEpsilon: 2, delta: 1e-5, meanTrials: 10, preprocessing: { releases: [], thresholdDelta: 0 },
 * });
 * plan.trials; // K, drawn once from the secure generator
 * plan.trialEpsilon; // ≈ 0.87 per trial, so that releasing the best trial costs plan.epsilon ≤ 2
 * ```
 */
export function planPrivateSelection(request: SelectionRequest, random?: Random): PrivateSelectionPlan {
  const calibrated = calibrateSelection(request);
  return { ...calibrated, trials: sampleTrialCount(calibrated.distribution, random) };
}
