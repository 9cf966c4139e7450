/**
 * k-ary randomized response (Warner 1965; Kairouz, Oh & Viswanath 2014): report the
 * true category with probability e^ε/(e^ε + k - 1), otherwise one of the k - 1
 * others uniformly. ε-local DP. Frequencies are recovered without bias by
 * f̂ = (observed/n - q)/(p - q) with p = e^ε/(e^ε+k-1), q = 1/(e^ε+k-1).
 */
import type { Random } from "../../common/rng.js";
import { createSecureRandom } from "../secure-random.js";

/**
 * k-ary randomized response at ε: the probability of reporting the true value (e^ε/(e^ε + k − 1)) and
 * each other value (1/(e^ε + k − 1)).
 *
 * @example
 * ```ts
 * import { randomizedResponseProbabilities } from "equipoise/privacy/accounting";
 * randomizedResponseProbabilities(Math.log(3), 2); // { keep: 0.75, other: 0.25 } (up to rounding)
 * ```
 */
export function randomizedResponseProbabilities(epsilon: number, k: number): { keep: number; other: number } {
  if (!(epsilon > 0)) throw new RangeError(`epsilon must be > 0, got ${epsilon}`);
  if (!(Number.isInteger(k) && k >= 2)) throw new RangeError(`k must be an integer >= 2, got ${k}`);
  // Written with e^{-ε} so that large ε does not overflow.
  const denominator = 1 + (k - 1) * Math.exp(-epsilon);
  return { keep: 1 / denominator, other: Math.exp(-epsilon) / denominator };
}

/**
 * Privatises each category code in [0, k).
 *
 * @example
 * ```ts
 * import { randomizedResponse } from "equipoise/privacy/accounting";
 * const reported = randomizedResponse(Int32Array.from([0, 1, 2, 1]), { epsilon: 2, k: 3 }); // k-ary RR, ε = 2
 * ```
 */
export function randomizedResponse(
  codes: Int32Array,
  options: { epsilon: number; k: number; random?: Random },
): Int32Array {
  const { epsilon, k } = options;
  const { keep } = randomizedResponseProbabilities(epsilon, k);
  const random = options.random ?? createSecureRandom();
  const out = new Int32Array(codes.length);
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i];
    if (!(code >= 0 && code < k)) throw new RangeError(`category code ${code} is outside [0, ${k})`);
    if (random.uniform() < keep) out[i] = code;
    else {
      const other = random.integer(k - 1);
      out[i] = other >= code ? other + 1 : other;
    }
  }
  return out;
}

/**
 * Unbiased estimate of the true category frequencies from privatised codes (may be < 0 or > 1).
 *
 * @example
 * ```ts
 * import { estimateFrequencies, randomizedResponse } from "equipoise/privacy/accounting";
 * declare const trueCodes: Int32Array; // each respondent's category, in [0, 3)
 * const reported = randomizedResponse(trueCodes, { epsilon: 1, k: 3 });
 * const frequencies = estimateFrequencies(reported, { epsilon: 1, k: 3 }); // unbiased, may leave [0, 1]
 * ```
 */
export function estimateFrequencies(
  reported: Int32Array,
  options: { epsilon: number; k: number },
): Float64Array {
  const { keep, other } = randomizedResponseProbabilities(options.epsilon, options.k);
  const counts = new Float64Array(options.k);
  for (const code of reported) counts[code]++;
  const n = reported.length;
  return counts.map((c) => (c / n - other) / (keep - other));
}
