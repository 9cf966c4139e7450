/**
 * Noise calibration: the smallest noise multiplier σ whose accounted ε reaches a
 * target, by bracketing then bisection on σ (ε is decreasing in σ), as Opacus's
 * `get_noise_multiplier`. The returned σ's ε is ≤ the target and within
 * `epsilonTolerance` of it.
 */
import { UserError } from "../common/errors.js";
import type { AccountantKind } from "./accountants/accountant.js";
import { createAccountant } from "./accountants/index.js";
import type { PrvOptions } from "./analysis/prv.js";

/** Largest σ tried before a target is declared unreachable. */
export const MAX_NOISE_MULTIPLIER = 1e6;

export interface NoiseCalibrationRequest {
  targetEpsilon: number;
  delta: number;
  sampleRate: number;
  steps: number;
  accountant?: AccountantKind;
  /** Accepted gap between the achieved ε and the target (default 0.01). */
  epsilonTolerance?: number;
  prv?: PrvOptions;
}

export interface NoiseCalibration {
  noise: number;
  /** The ε actually achieved with `noise` (≤ target). */
  epsilon: number;
  accountant: AccountantKind;
}

/**
 * Steps of a run of `epochs` epochs with Poisson sampling at rate q = batch/N:
 * epochs · round(1/q) = epochs · round(N / batch), the number the trainer then runs.
 */
export function stepsForEpochs(epochs: number, sampleRate: number): number {
  if (!(epochs > 0) || !(sampleRate > 0 && sampleRate <= 1))
    throw new RangeError("epochs must be > 0 and q in (0, 1]");
  // The trainer's Poisson sampler runs round(1/q) batches per epoch.
  return epochs * Math.max(1, Math.round(1 / sampleRate));
}

export function epsilonForNoise(
  noise: number,
  request: Omit<NoiseCalibrationRequest, "targetEpsilon" | "epsilonTolerance">,
): number {
  const accountant = createAccountant(request.accountant ?? "rdp", { prv: request.prv });
  accountant.step(request.sampleRate, noise, request.steps);
  return accountant.epsilon(request.delta);
}

export function calibrateNoise(request: NoiseCalibrationRequest): NoiseCalibration {
  const { targetEpsilon, sampleRate, steps, delta } = request;
  const kind = request.accountant ?? "rdp";
  const tolerance = request.epsilonTolerance ?? 0.01;
  if (!(targetEpsilon > 0)) throw new RangeError(`target epsilon must be > 0, got ${targetEpsilon}`);
  if (!(tolerance > 0)) throw new RangeError("epsilonTolerance must be > 0");
  const epsilonOf = (sigma: number) =>
    epsilonForNoise(sigma, { sampleRate, steps, delta, accountant: kind, prv: request.prv });
  let sigmaLow = 0;
  let sigmaHigh = 10;
  let epsHigh = epsilonOf(sigmaHigh);
  while (epsHigh > targetEpsilon) {
    sigmaLow = sigmaHigh;
    sigmaHigh *= 2;
    if (sigmaHigh > MAX_NOISE_MULTIPLIER) {
      throw new UserError(
        `target epsilon ${targetEpsilon} cannot be reached with any noise multiplier up to ${MAX_NOISE_MULTIPLIER} ` +
          `(sample rate ${sampleRate}, ${steps} steps, delta ${delta}, ${kind} accountant); ask for a larger epsilon`,
      );
    }
    epsHigh = epsilonOf(sigmaHigh);
  }
  for (let it = 0; it < 200 && targetEpsilon - epsHigh > tolerance; it++) {
    const sigma = (sigmaLow + sigmaHigh) / 2;
    const eps = epsilonOf(sigma);
    if (eps <= targetEpsilon) {
      sigmaHigh = sigma;
      epsHigh = eps;
    } else {
      sigmaLow = sigma;
    }
  }
  return { noise: sigmaHigh, epsilon: epsHigh, accountant: kind };
}
