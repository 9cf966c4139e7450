/**
 * The exponential mechanism (McSherry & Talwar 2007): choose candidate r with
 * probability ∝ exp(ε·u(r)/(2Δ)) (or exp(ε·u(r)/Δ) when the utility is monotone in
 * the data). Sampled by the Gumbel-max trick: argmax of ε·u/(2Δ) + Gumbel noise is
 * exactly that softmax draw, with no normalising constant to overflow.
 */
import type { Random } from "../../common/rng.js";
import { createSecureRandom } from "../secure-random.js";

/**
 * Settings of the exponential mechanism (McSherry & Talwar 2007).
 *
 * @example
 * ```ts
 * import { type ExponentialMechanismOptions, exponentialMechanism } from "equipoise/privacy/accounting";
 * const options: ExponentialMechanismOptions = { epsilon: 1, sensitivity: 1, monotonic: true };
 * const chosen = exponentialMechanism([1, 5, 2], options); // an index; 1 the most likely
 * ```
 */
export interface ExponentialMechanismOptions {
  epsilon: number;
  /** Sensitivity Δ of the utility. */
  sensitivity: number;
  /** Utility is monotone in the data set: the factor 2 can be dropped. */
  monotonic?: boolean;
  random?: Random;
}

/**
 * The selection probabilities the mechanism realises (for tests and reports).
 *
 * @example
 * ```ts
 * import { exponentialMechanismProbabilities } from "equipoise/privacy/accounting";
 * exponentialMechanismProbabilities([1, 5, 2], { epsilon: 1, sensitivity: 1 });
 * // ∝ exp(ε·u/(2Δ)): ≈ [0.0996, 0.7361, 0.1643]
 * ```
 */
export function exponentialMechanismProbabilities(
  utilities: ArrayLike<number>,
  options: ExponentialMechanismOptions,
): Float64Array {
  const scale = exponentScale(options);
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < utilities.length; i++) max = Math.max(max, scale * utilities[i]);
  const out = new Float64Array(utilities.length);
  let sum = 0;
  for (let i = 0; i < utilities.length; i++) sum += out[i] = Math.exp(scale * utilities[i] - max);
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

function exponentScale(options: ExponentialMechanismOptions): number {
  if (!(options.epsilon > 0)) throw new RangeError(`epsilon must be > 0, got ${options.epsilon}`);
  if (!(options.sensitivity > 0)) throw new RangeError(`sensitivity must be > 0, got ${options.sensitivity}`);
  return options.epsilon / ((options.monotonic ? 1 : 2) * options.sensitivity);
}

/**
 * Index of the selected candidate.
 *
 * @example
 * ```ts
 * import { exponentialMechanism } from "equipoise/privacy/accounting";
 * const chosen = exponentialMechanism([1, 5, 2], { epsilon: 1, sensitivity: 1 }); // an index, 1 most likely
 * ```
 */
export function exponentialMechanism(
  utilities: ArrayLike<number>,
  options: ExponentialMechanismOptions,
): number {
  if (utilities.length === 0) throw new RangeError("the exponential mechanism needs at least one candidate");
  const scale = exponentScale(options);
  const random = options.random ?? createSecureRandom();
  let best = -1;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < utilities.length; i++) {
    let u: number;
    do u = random.uniform();
    while (u === 0);
    const score = scale * utilities[i] - Math.log(-Math.log(u));
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return best;
}
