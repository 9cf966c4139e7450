/**
 * Tools to measure the floating-point attack of Mironov (2012, "On significance of the
 * least significant bits for differential privacy") on a noise-adding mechanism: an output
 * y of input x is *impossible* for a neighbouring input x' when no noise value the sampler
 * can produce turns x' into y. The fraction of such outputs is what an attacker who sees
 * one output learns with certainty. Used by the tests and the benchmark to show the attack
 * on the textbook samplers and its absence on the lattice mechanisms.
 */
import type { Random } from "../../common/rng.js";

const TWO_POW_53 = 2 ** 53;

/**
 * The textbook Laplace sampler, kept only as the attack's target: u uniform on the 53-bit
 * grid of (−1/2, 1/2), noise = −scale·sign(u)·log(1 − 2|u|). Not for releases.
 *
 * @example
 * ```ts
 * import { createRandom } from "equipoise";
 * import { textbookLaplaceNoise } from "equipoise/privacy/accounting";
 * const output = 0 + textbookLaplaceNoise(1, createRandom(1)); // what a naive ε = 1 release of 0 prints
 * ```
 */
export function textbookLaplaceNoise(scale: number, random: Random): number {
  let u: number;
  do u = random.uniform() - 0.5;
  while (u === -0.5);
  return textbookLaplaceNoiseAt(scale, u);
}

function textbookLaplaceNoiseAt(scale: number, u: number): number {
  return -scale * Math.sign(u) * Math.log1p(-2 * Math.abs(u));
}

/**
 * Can the textbook sampler turn `input` into `output` (input + noise rounded to a double)?
 * Exact for that sampler: its noise is a non-decreasing function of the grid index m of
 * u = m/2^53 − 1/2 (m = 1 … 2^53 − 1), so a bisection on m finds the only candidates.
 *
 * @example
 * ```ts
 * import { textbookLaplaceCanYield } from "equipoise/privacy/accounting";
 * declare const output: number; // a release of 0 at scale 1: 0 + textbookLaplaceNoise(1, createRandom(1))
 * const neighbourPossible = textbookLaplaceCanYield(1, output, 1); // false: the input was not 1
 * ```
 */
export function textbookLaplaceCanYield(input: number, output: number, scale: number): boolean {
  const valueAt = (m: number) => input + textbookLaplaceNoiseAt(scale, m / TWO_POW_53 - 0.5);
  let lo = 1;
  let hi = TWO_POW_53 - 1;
  if (valueAt(hi) < output || valueAt(lo) > output) return false;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (valueAt(mid) < output) lo = mid;
    else hi = mid;
  }
  // Check a few neighbours too, in case log1p is not perfectly monotone at the last ulp.
  for (let m = Math.max(1, lo - 4); m <= Math.min(TWO_POW_53 - 1, hi + 4); m++)
    if (valueAt(m) === output) return true;
  return false;
}

// Doubles in increasing order ↔ integers: non-negative doubles by their bit pattern,
// negative ones by minus the pattern of their absolute value.
const view = new DataView(new ArrayBuffer(8));
function orderIndex(x: number): bigint {
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  return x < 0 || Object.is(x, -0) ? -bits : bits;
}
function fromOrderIndex(index: bigint): number {
  view.setBigUint64(0, index < 0n ? -index : index);
  const magnitude = view.getFloat64(0);
  return index < 0n ? -magnitude : magnitude;
}
const LARGEST_INDEX = orderIndex(Number.MAX_VALUE);

/**
 * Is there ANY double noise w with round(input + w) = output, the sum rounded to a double
 * and then, for "float32", to a float32 (what `target[i] += std·z` does on a Float32Array)?
 * A false answer is a certificate that no sampler whatsoever could have produced `output`
 * from `input` by adding a double. Bisection on the ordered doubles (the rounded sum is
 * non-decreasing in w).
 *
 * @example
 * ```ts
 * import { additionCanYield } from "equipoise/privacy/accounting";
 * additionCanYield(0, 0.1, "float64"); // true: some double w has 0 + w = 0.1
 * ```
 */
export function additionCanYield(input: number, output: number, format: "float64" | "float32"): boolean {
  const round = format === "float32" ? Math.fround : (x: number) => x;
  const sumAt = (index: bigint) => round(input + fromOrderIndex(index));
  let lo = -LARGEST_INDEX;
  let hi = LARGEST_INDEX;
  if (sumAt(lo) > output || sumAt(hi) < output) return false;
  // Invariant: sumAt(lo) < output ≤ sumAt(hi) once lo moves; find the first index reaching output.
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (sumAt(mid) < output) lo = mid;
    else hi = mid;
  }
  return sumAt(hi) === output || sumAt(lo) === output;
}

/**
 * The fraction of `outputs` (drawn for some input) that are impossible for a neighbouring
 * input according to `canYield`: the share of releases that reveal the input with certainty.
 *
 * @example
 * ```ts
 * import { createRandom } from "equipoise";
 * import { impossibleFraction, textbookLaplaceCanYield, textbookLaplaceNoise } from "equipoise/privacy/accounting";
 * const random = createRandom(1);
 * const outputs = Array.from({ length: 2000 }, () => 0 + textbookLaplaceNoise(1, random));
 * impossibleFraction(outputs, (o) => textbookLaplaceCanYield(1, o, 1)); // ≈ 0.79: most releases give 0 away
 * ```
 */
export function impossibleFraction(
  outputs: ArrayLike<number>,
  canYield: (output: number) => boolean,
): number {
  let impossible = 0;
  for (let i = 0; i < outputs.length; i++) if (!canYield(outputs[i])) impossible++;
  return impossible / outputs.length;
}
