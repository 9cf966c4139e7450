/**
 * Distributed DP for federated learning with secure aggregation: the distributed
 * discrete Gaussian mechanism (Kairouz, Liu & Steinke 2021, "The Distributed Discrete
 * Gaussian Mechanism for Federated Learning with Secure Aggregation"). Every honest
 * client clips its update to L2 norm C, encodes it in the ring at scale s (C·s =
 * 2^16 ring units), and adds N_Z(0, σ_c²) per coordinate; the server only ever sees
 * the sum, whose noise is the sum of at least m_min clients' shares.
 *
 * Sampling is exact (Canonne, Kamath & Steinke 2020, the project's sampler in
 * privacy/mechanisms/exact-sampling.ts, with σ_c² an integer): no floating point
 * decides an outcome, so the attacks on floating-point noise (Mironov 2012; Jin et al.
 * 2022) do not apply.
 *
 * Accounting (the shared accountant's sampled-Gaussian analysis does not apply to
 * discrete noise): per round the RDP of the distributed discrete Gaussian,
 *   ε(α) = min(α Δ²/(2σ²) + τ d, (α/2)(Δ/σ + τ √d)²)       (Kairouz et al., Prop. 14)
 * with σ² = m_min σ_c², Δ = C·s + √d (stochastic rounding moves each coordinate by
 * less than one unit), τ = 10 Σ_{k=1}^{m_min−1} exp(−2π²σ_c² k/(k+1)) (their Thm. 1);
 * amplified by Poisson sampling with Zhu & Wang's general bound (2019, Thm. 9); and
 * converted to (ε, δ) with the shared conversion (Balle et al. 2020).
 */
import { DataError } from "../common/errors.js";
import type { Random } from "../common/rng.js";
import { rdpToEpsilon } from "../privacy/analysis/rdp.js";
import { logAbsBinomial, logAddExp } from "../privacy/analysis/special.js";
import { sampleDiscreteGaussian } from "../privacy/mechanisms/exact-sampling.js";
import type { FixedPoint } from "./secagg/ring.js";

/** Ring units per clip norm: C·s = 2^16 keeps rounding's norm inflation √d/2^16 below 0.2 % for d ≤ 100k. */
export const DISTRIBUTED_UNITS_PER_CLIP = 2 ** 16;
/** Noise shares are drawn so that the round's noisy sum stays this many total standard deviations from wrapping. */
const WRAP_STANDARD_DEVIATIONS = 20;

/**
 * How distributed DP adds noise inside secure aggregation: the fixed-point encoding, each client's share of
 * the integer noise, the clients the guarantee counts on and the encoded sensitivity.
 *
 * @example
 * ```ts
 * import { type DistributedNoisePlan, distributedEpsilon, planDistributedNoise } from "equipoise/federated";
 * const plan: DistributedNoisePlan = planDistributedNoise({ noise: 1, clip: 1, dimension: 1000, expectedClients: 10 });
 * plan.fixedPoint; // { bound: 1, scale: 65536 }: updates clipped to ±1, 2^16 ring units per unit
 * plan.minimumClients; // 5: rounds with fewer clients abort before unmasking
 * distributedEpsilon(plan, 1000, 0.1, 100, 1e-5); // ε after 100 rounds at q = 0.1
 * ```
 */
export interface DistributedNoisePlan {
  /** The fixed-point encoding of updates into the ring (scale and modulus). */
  fixedPoint: FixedPoint;
  /** Integer variance of each client's noise share, in ring units². */
  shareVariance: bigint;
  /** Clients whose noise the guarantee counts on: rounds with fewer included clients abort before unmasking. */
  minimumClients: number;
  /** L2 sensitivity of one client's encoded update, in ring units. */
  sensitivity: number;
}

/**
 * What distributed noise is planned from: noise multiplier, clipping norm, update size and expected clients per round.
 *
 * @example
 * ```ts
 * import { type DistributedNoiseSettings, planDistributedNoise } from "equipoise/federated";
 * const settings: DistributedNoiseSettings = { noise: 1, clip: 1, dimension: 1000, expectedClients: 10, participants: 12 };
 * const plan = planDistributedNoise(settings); // a DataError if 12 clients' noise could overflow the 32-bit ring
 * ```
 */
export interface DistributedNoiseSettings {
  noise: number;
  clip: number;
  dimension: number;
  /** q·N. */
  expectedClients: number;
  /** Clients taking part in this round (to check the ring's headroom). */
  participants?: number;
}

/**
 * m_min = max(2, ⌈qN/2⌉): with fewer clients, the noise would be short of σ = z·Δ,
 * so such rounds abort. Each share has variance ⌈(zΔ)²/m_min⌉ (rounded up: more noise, never less).
 *
 * @example
 * ```ts
 * import { planDistributedNoise } from "equipoise/federated";
 * const plan = planDistributedNoise({ noise: 1, clip: 1, dimension: 1000, expectedClients: 10 });
 * plan.minimumClients; // 5 = ⌈qN/2⌉: rounds with fewer clients abort
 * plan.shareVariance; // each client's share of the noise, in ring units² (a bigint)
 * ```
 */
export function planDistributedNoise(settings: DistributedNoiseSettings): DistributedNoisePlan {
  const { noise, clip, dimension } = settings;
  const minimumClients = Math.max(2, Math.ceil(settings.expectedClients / 2));
  const fixedPoint = { bound: clip, scale: DISTRIBUTED_UNITS_PER_CLIP / clip };
  const sensitivity = DISTRIBUTED_UNITS_PER_CLIP + Math.sqrt(dimension);
  const total = noise * sensitivity;
  const shareVariance = BigInt(Math.ceil((total * total) / minimumClients));
  const participants = Math.max(settings.participants ?? minimumClients, minimumClients);
  const spread = WRAP_STANDARD_DEVIATIONS * Math.sqrt(Number(shareVariance) * participants);
  if (participants * (DISTRIBUTED_UNITS_PER_CLIP + 1) + spread > 2 ** 31 - 1) {
    throw new DataError(
      `distributed DP: ${participants} clients with noise ${noise} overflow the 32-bit ring; lower --noise or sample fewer clients`,
    );
  }
  return { fixedPoint, shareVariance, minimumClients, sensitivity };
}

/**
 * One client's noise share: `dimension` independent draws of N_Z(0, σ_c²), from the
 * project's exact discrete Gaussian sampler (privacy/mechanisms/exact-sampling.ts).
 *
 * @example
 * ```ts
 * import { createSecureRandom } from "equipoise/privacy/accounting";
 * import { distributedNoiseShare, planDistributedNoise } from "equipoise/federated";
 * const plan = planDistributedNoise({ noise: 1, clip: 1, dimension: 1000, expectedClients: 10 });
 * const share = distributedNoiseShare(plan.shareVariance, 1000, createSecureRandom()); // Int32Array(1000)
 * ```
 */
export function distributedNoiseShare(shareVariance: bigint, dimension: number, random: Random): Int32Array {
  const variance = { numerator: shareVariance, denominator: 1n };
  const out = new Int32Array(dimension);
  for (let i = 0; i < dimension; i++) out[i] = Number(sampleDiscreteGaussian(variance, random));
  return out;
}

// ---- accounting ---------------------------------------------------------------------------

/** Integer orders: Zhu & Wang's bound is for integer α. */
export const DISTRIBUTED_RDP_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 127 }, (_, k) => k + 2),
  256,
]);

/** RDP at order α of one round of the distributed discrete Gaussian without sampling (Kairouz et al., Prop. 14). */
export function distributedGaussianRdp(plan: DistributedNoisePlan, dimension: number, order: number): number {
  const sigma = Math.sqrt(plan.minimumClients * Number(plan.shareVariance));
  const tau = ddgTau(Number(plan.shareVariance), plan.minimumClients);
  const scale = plan.sensitivity / sigma;
  return Math.min(
    (order * scale * scale) / 2 + tau * dimension,
    (order / 2) * (scale + Math.sqrt(dimension) * tau) ** 2,
  );
}

/** τ of Kairouz et al., Thm. 1: how far the sum of m discrete Gaussians is from one. */
export function ddgTau(shareVariance: number, clients: number): number {
  let tau = 0;
  for (let k = 1; k < clients; k++) tau += Math.exp(-2 * Math.PI * Math.PI * shareVariance * (k / (k + 1)));
  return 10 * tau;
}

/**
 * Zhu & Wang 2019, Thm. 9: RDP at integer order α ≥ 2 of a mechanism with RDP ε(·)
 * under Poisson sampling with rate q (an upper bound), never above ε(α) itself.
 */
export function poissonSampledRdp(q: number, order: number, rdp: (order: number) => number): number {
  if (!Number.isInteger(order) || order < 2)
    throw new RangeError(`Zhu & Wang's bound needs an integer order ≥ 2, got ${order}`);
  if (q >= 1) return rdp(order);
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  let total = (order - 1) * log1mQ + Math.log(order * q - q + 1);
  total = logAddExp(total, logAbsBinomial(order, 2).log + 2 * logQ + (order - 2) * log1mQ + rdp(2));
  for (let l = 3; l <= order; l++) {
    const term =
      Math.log(3) + logAbsBinomial(order, l).log + l * logQ + (order - l) * log1mQ + (l - 1) * rdp(l);
    total = logAddExp(total, term);
  }
  return Math.min(total / (order - 1), rdp(order));
}

/**
 * ε after `rounds` rounds with client sampling rate q: ε against anyone who sees
 * only the models. The server, which picks and sees the participants, gets no
 * amplification: ask with q = 1 for ε against it.
 *
 * @example
 * ```ts
 * import { distributedEpsilon, planDistributedNoise } from "equipoise/federated";
 * const plan = planDistributedNoise({ noise: 1, clip: 1, dimension: 1000, expectedClients: 10 });
 * distributedEpsilon(plan, 1000, 0.1, 100, 1e-5); // ≈ 9.8 against those who see only the models
 * distributedEpsilon(plan, 1000, 1, 100, 1e-5); // ≈ 110 against the server, which sees who took part
 * ```
 */
export function distributedEpsilon(
  plan: DistributedNoisePlan,
  dimension: number,
  sampleRate: number,
  rounds: number,
  delta: number,
): number {
  if (rounds === 0) return 0;
  const perRound = (order: number) => distributedGaussianRdp(plan, dimension, order);
  const rdp = DISTRIBUTED_RDP_ORDERS.map((order) => rounds * poissonSampledRdp(sampleRate, order, perRound));
  return Math.max(0, rdpToEpsilon(DISTRIBUTED_RDP_ORDERS, rdp, delta).epsilon);
}
