/** The Laplace mechanism: noise of scale Δ/ε gives ε-DP for a query of L1 sensitivity Δ. */
import type { Random } from "../../common/rng.js";
import { createSecureRandom } from "../secure-random.js";

export function laplaceScale(sensitivity: number, epsilon: number): number {
  if (!(sensitivity > 0)) throw new RangeError(`sensitivity must be > 0, got ${sensitivity}`);
  if (!(epsilon > 0)) throw new RangeError(`epsilon must be > 0, got ${epsilon}`);
  return sensitivity / epsilon;
}

/** One Laplace(0, scale) draw by inversion of the CDF. */
export function sampleLaplace(scale: number, random: Random): number {
  let u: number;
  do u = random.uniform() - 0.5;
  while (u === -0.5);
  return -scale * Math.sign(u) * Math.log1p(-2 * Math.abs(u));
}

export function laplaceCdf(x: number, scale: number): number {
  return x < 0 ? 0.5 * Math.exp(x / scale) : 1 - 0.5 * Math.exp(-x / scale);
}

/** value + Laplace(Δ/ε) noise; secure randomness unless a seeded Random is given. */
export function laplaceMechanism(
  value: number,
  options: { sensitivity: number; epsilon: number; random?: Random },
): number {
  const scale = laplaceScale(options.sensitivity, options.epsilon);
  return value + sampleLaplace(scale, options.random ?? createSecureRandom());
}
