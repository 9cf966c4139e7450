/**
 * Noise calibration: the smallest noise multiplier σ whose accounted ε reaches a target, as
 * Opacus's `get_noise_multiplier`, but with a bounded amount of work for every input:
 *   - a bracket [σ_lo, σ_hi] with ε(σ_hi) ≤ target < ε(σ_lo), found by doubling/halving from
 *     a start (for PRV: the RDP answer, which is cheap and close) within [1e-4, 1e6];
 *   - then false position of log ε against log σ (the Illinois variant, which keeps
 *     bracketing and converges superlinearly on a smooth decreasing curve), at most 40
 *     evaluations.
 * The returned σ always has ε ≤ target (the bracket's safe end); it is within
 * min(`epsilonTolerance`, 1% of the target) of the target unless the evaluation budget ran
 * out, which is said.
 */
import { PrivacyBudgetError, UserError } from "../common/errors.js";
import type { AccountantKind, PrivacySpent } from "./accountants/accountant.js";
import { createAccountant } from "./accountants/index.js";
import type { PrvOptions } from "./analysis/prv.js";

/**
 * Largest σ tried before a target is declared unreachable.
 *
 * @example
 * ```ts
 * import { calibrateNoise, MAX_NOISE_MULTIPLIER } from "equipoise/privacy/accounting";
 * MAX_NOISE_MULTIPLIER; // 1e6: the largest σ calibrateNoise tries
 * // a target that needs more noise than that is refused with a PrivacyBudgetError
 * const { noise } = calibrateNoise({ targetEpsilon: 1, delta: 1e-5, sampleRate: 0.01, steps: 1000 });
 * noise <= MAX_NOISE_MULTIPLIER; // true
 * ```
 */
export const MAX_NOISE_MULTIPLIER = 1e6;
/**
 * Smallest σ searched: a target met even there is met by (almost) no noise.
 *
 * @example
 * ```ts
 * import { calibrateNoise, MIN_NOISE_MULTIPLIER } from "equipoise/privacy/accounting";
 * MIN_NOISE_MULTIPLIER; // 1e-4: the smallest σ calibrateNoise searches
 * const { noise } = calibrateNoise({ targetEpsilon: 1, delta: 1e-5, sampleRate: 0.01, steps: 1000 });
 * noise >= MIN_NOISE_MULTIPLIER; // true
 * ```
 */
export const MIN_NOISE_MULTIPLIER = 1e-4;
const MAX_EVALUATIONS = 40;

/**
 * What {@link calibrateNoise} solves for: the target (ε, δ), the sample rate and number of steps,
 * and what else the same run releases.
 *
 * @example
 * ```ts
 * import { calibrateNoise, type NoiseCalibrationRequest, stepsForEpochs } from "equipoise/privacy/accounting";
 * const sampleRate = 256 / 30162; // batch size / rows
 * const request: NoiseCalibrationRequest = {
 *   targetEpsilon: 1, delta: 1e-5, sampleRate, steps: stepsForEpochs(10, sampleRate), accountant: "rdp",
 * };
 * const { noise } = calibrateNoise(request); // ≈ 1.425
 * ```
 */
export interface NoiseCalibrationRequest {
  targetEpsilon: number;
  delta: number;
  sampleRate: number;
  steps: number;
  accountant?: AccountantKind;
  /**
   * Mechanisms the same run releases before its steps (e.g. privately fitted
   * preprocessing statistics), composed in the same accountant: ε covers them too.
   */
  priorSteps?: readonly PriorStep[];
  /** Accepted gap between the achieved ε and the target (default 0.01). */
  epsilonTolerance?: number;
  prv?: PrvOptions;
}

/**
 * A group of Gaussian-mechanism releases: `count` of them at sample rate q and noise multiplier σ.
 *
 * @example
 * ```ts
 * import { calibrateNoise, type PriorStep } from "equipoise/privacy/accounting";
 * const preprocessing: PriorStep = { sampleRate: 1, noise: 10, count: 2 }; // two releases on all the data
 * const calibration = calibrateNoise({
 *   targetEpsilon: 1, delta: 1e-5, sampleRate: 0.01, steps: 1000, priorSteps: [preprocessing],
 * });
 * calibration.epsilon; // ≤ 1 with the two releases counted
 * ```
 */
export interface PriorStep {
  sampleRate: number;
  noise: number;
  count: number;
}

/**
 * The noise multiplier found by {@link calibrateNoise} and the ε it achieves (never above the target).
 *
 * @example
 * ```ts
 * import { calibrateNoise, type NoiseCalibration } from "equipoise/privacy/accounting";
 * const found: NoiseCalibration = calibrateNoise({ targetEpsilon: 1, delta: 1e-5, sampleRate: 0.01, steps: 1000, accountant: "prv" });
 * console.log(found.noise, found.epsilon, found.accountant); // σ, an ε ≤ 1, and "prv" (or "rdp" after a fallback)
 * for (const warning of found.warnings ?? []) console.warn(warning);
 * ```
 */
export interface NoiseCalibration {
  noise: number;
  /** The ε actually achieved with `noise` (≤ target). */
  epsilon: number;
  /** The accountant that certified `epsilon` (PRV falls back to RDP in regimes it cannot bound). */
  accountant: AccountantKind;
  warnings?: string[];
}

/**
 * Steps of a run of `epochs` epochs with Poisson sampling at rate q = batch/N:
 * epochs · round(1/q) = epochs · round(N / batch), the number the trainer then runs.
 *
 * @example
 * ```ts
 * import { stepsForEpochs } from "equipoise/privacy/accounting";
 * stepsForEpochs(10, 256 / 30162); // 10 · round(30162 / 256) = 1180
 * ```
 */
export function stepsForEpochs(epochs: number, sampleRate: number): number {
  if (!(epochs > 0) || !(sampleRate > 0 && sampleRate <= 1))
    throw new RangeError("epochs must be > 0 and q in (0, 1]");
  // The trainer's Poisson sampler runs round(1/q) batches per epoch.
  return epochs * Math.max(1, Math.round(1 / sampleRate));
}

type AccountingRequest = Omit<NoiseCalibrationRequest, "targetEpsilon" | "epsilonTolerance">;

function checkAccountingRequest(request: AccountingRequest): void {
  const { delta, sampleRate, steps } = request;
  if (!(delta > 0 && delta < 1)) throw new UserError(`delta must be in (0, 1), got ${delta}`);
  if (!(sampleRate > 0 && sampleRate <= 1))
    throw new UserError(`sample rate must be in (0, 1], got ${sampleRate}`);
  if (!(Number.isSafeInteger(steps) && steps >= 1))
    throw new UserError(`steps must be a whole number >= 1, got ${steps}`);
}

/**
 * What the accountant certifies for `steps` steps with noise multiplier `noise`.
 *
 * @example
 * ```ts
 * import { privacyForNoise } from "equipoise/privacy/accounting";
 * const spent = privacyForNoise(1.0, { delta: 1e-5, sampleRate: 0.01, steps: 1000 });
 * console.log(spent.epsilon); // ≈ 2.1014 (RDP)
 * ```
 */
export function privacyForNoise(noise: number, request: AccountingRequest): PrivacySpent {
  checkAccountingRequest(request);
  if (!(noise >= 0 && Number.isFinite(noise)))
    throw new UserError(`noise multiplier must be a finite number >= 0, got ${noise}`);
  const accountant = createAccountant(request.accountant ?? "rdp", { prv: request.prv });
  for (const prior of request.priorSteps ?? []) accountant.step(prior.sampleRate, prior.noise, prior.count);
  accountant.step(request.sampleRate, noise, request.steps);
  return accountant.spent(request.delta);
}

/**
 * ε at the request's δ of a run with noise multiplier `noise`.
 *
 * @example
 * ```ts
 * import { epsilonForNoise } from "equipoise/privacy/accounting";
 * epsilonForNoise(1.0, { delta: 1e-5, sampleRate: 0.01, steps: 1000, accountant: "prv" }); // ≈ 1.84
 * ```
 */
export function epsilonForNoise(noise: number, request: AccountingRequest): number {
  return privacyForNoise(noise, request).epsilon;
}

/**
 * The smallest noise multiplier σ (within the tolerance on ε) whose ε is at most the target, found by
 * false position on log σ; a PrivacyBudgetError when no σ up to MAX_NOISE_MULTIPLIER reaches it.
 *
 * @example
 * ```ts
 * import { calibrateNoise } from "equipoise/privacy/accounting";
 * const { noise, epsilon } = calibrateNoise({ targetEpsilon: 1, delta: 1e-5, sampleRate: 256 / 30162, steps: 1180 });
 * // noise ≈ 1.425 (RDP), epsilon ≤ 1
 * ```
 */
export function calibrateNoise(request: NoiseCalibrationRequest): NoiseCalibration {
  const { targetEpsilon } = request;
  const kind = request.accountant ?? "rdp";
  checkAccountingRequest(request);
  if (!(targetEpsilon > 0 && Number.isFinite(targetEpsilon)))
    throw new UserError(`target epsilon must be a finite number > 0, got ${targetEpsilon}`);
  const requestedTolerance = request.epsilonTolerance ?? 0.01;
  if (!(requestedTolerance > 0))
    throw new UserError(`epsilon tolerance must be > 0, got ${requestedTolerance}`);
  // An absolute 0.01 would accept any noise for a target of 0.005: at most 1% of the target.
  const tolerance = Math.min(requestedTolerance, 0.01 * targetEpsilon);
  const spentAt = new Map<number, PrivacySpent>();
  const spent = (sigma: number) => {
    let value = spentAt.get(sigma);
    if (!value) {
      value = privacyForNoise(sigma, { ...request, accountant: kind });
      spentAt.set(sigma, value);
    }
    return value;
  };
  const gap = (sigma: number) => spent(sigma).epsilon - targetEpsilon; // decreasing in σ
  // The search interpolates log ε, closer to linear in log σ than ε itself (ε ∝ 1/σ for large
  // σ), and aims at the middle of the accepted band [target − tolerance, target].
  const aim = Math.log(targetEpsilon - tolerance / 2);
  const logGap = (sigma: number) => Math.log(Math.max(spent(sigma).epsilon, 1e-300)) - aim;
  const finish = (sigma: number, extra: string[] = []): NoiseCalibration => {
    const at = spent(sigma);
    const warnings = [...extra, ...(at.warnings ?? [])];
    const out: NoiseCalibration = { noise: sigma, epsilon: at.epsilon, accountant: at.accountant };
    if (warnings.length > 0) out.warnings = warnings;
    return out;
  };

  // Bracket. PRV starts from the RDP answer: RDP's ε is the larger, so its σ is a safe end.
  let hi = kind === "prv" ? calibrateNoise({ ...request, accountant: "rdp" }).noise : 1;
  while (!(gap(hi) <= 0)) {
    if (hi >= MAX_NOISE_MULTIPLIER) {
      throw new PrivacyBudgetError(
        `target epsilon ${targetEpsilon} cannot be reached with any noise multiplier up to ${MAX_NOISE_MULTIPLIER}: ` +
          `epsilon stays at ${spent(hi).epsilon.toPrecision(3)} or more (sample rate ${request.sampleRate}, ` +
          `${request.steps} steps, delta ${request.delta}, ${kind} accountant); ask for a larger epsilon`,
      );
    }
    hi = Math.min(MAX_NOISE_MULTIPLIER, hi * 4);
  }
  // PRV's σ is rarely far below RDP's: a gentle first step avoids a costly evaluation at σ/2.
  let lo = kind === "prv" ? hi / 1.5 : hi / 2;
  while (gap(lo) <= 0) {
    hi = lo;
    if (lo <= MIN_NOISE_MULTIPLIER)
      return finish(hi, [
        `the target is met even with the smallest noise multiplier searched (${MIN_NOISE_MULTIPLIER})`,
      ]);
    lo = Math.max(MIN_NOISE_MULTIPLIER, lo / 4);
  }

  // Illinois false position on u = log σ; the bracket keeps ε(lo) > target ≥ ε(hi).
  let uLo = Math.log(lo);
  let uHi = Math.log(hi);
  let gLo = Math.min(logGap(lo), 700); // an infinite ε (σ so small it is not bounded) is just "too much"
  let gHi = logGap(hi);
  let side = 0;
  for (let evaluation = 0; evaluation < MAX_EVALUATIONS; evaluation++) {
    // gHi may be an Illinois-halved value; the stopping rule reads the real gap.
    if (-gap(Math.exp(uHi)) <= tolerance || uHi - uLo < 1e-9) return finish(Math.exp(uHi));
    let u = uHi - (gHi * (uHi - uLo)) / (gHi - gLo);
    if (!(u > uLo && u < uHi)) u = (uLo + uHi) / 2;
    const g = logGap(Math.exp(u));
    if (gap(Math.exp(u)) <= 0) {
      uHi = u;
      gHi = g;
      if (side === -1) gLo /= 2;
      side = -1;
    } else {
      uLo = u;
      gLo = Math.min(g, 700);
      if (side === 1) gHi /= 2;
      side = 1;
    }
  }
  return finish(Math.exp(uHi), [
    `calibration stopped after ${MAX_EVALUATIONS} evaluations: epsilon ${spent(Math.exp(uHi)).epsilon.toPrecision(6)} ` +
      `is below the target by more than ${tolerance}`,
  ]);
}
