/**
 * The likelihood-ratio attack, LiRA (Carlini, Chien, Nasr, Song, Terzis & Tramèr,
 * "Membership Inference Attacks From First Principles", S&P 2022). For each candidate
 * x, the shadows that trained on x (IN) and those that did not (OUT) give two samples
 * of φ(x), each fitted by a Gaussian; the target's φ(x) is then scored by
 *   online:  log N(φ; μ_in, σ²_in) − log N(φ; μ_out, σ²_out)   (their Eq. 4),
 *   offline: (φ − μ_out)/σ_out, a one-sided test against the OUT fit alone (their
 *            §VI-C; any increasing function of it has the same ROC).
 *
 * Variances: per candidate from its own shadows when it has at least 2 of the kind,
 * else the pooled within-candidate variance Σᵢ Σ (φ − μᵢ)² / Σᵢ (nᵢ − 1) over all
 * candidates; `variance: "global"` uses the pooled one for every candidate (the
 * paper's "fixed variance", which it recommends below 64 shadows: a variance from 2–8
 * samples is too noisy, and on a known Gaussian world with 4 shadows the per-candidate
 * fit loses 0.05 of AUC to it — test/audit/attacks.test.ts). The default, "auto",
 * follows that advice: global below 64 shadows, per candidate from 64. A candidate with no IN
 * (or no OUT) shadow at all — rare beyond 8 shadows, probability 2^−K — takes the
 * other fit's mean shifted by the average IN − OUT gap over candidates that have both.
 */
import { checkShadows, type ShadowSignals } from "./signals.js";

/**
 * Settings of {@link liraScores}: online (IN and OUT Gaussians) or offline (OUT only), and the variance.
 *
 * @example
 * ```ts
 * import { type LiraOptions, liraScores, type ShadowSignals } from "equipoise/audit/light";
 * declare const targetPhi: Float64Array; declare const shadows: ShadowSignals; // see ShadowSignals
 * const options: LiraOptions = { online: true, variance: "global" }; // "auto" (default): global below 64 shadows
 * const scores = liraScores(targetPhi, shadows, options); // higher = more likely a member
 * ```
 */
export interface LiraOptions {
  online: boolean;
  /** Per-candidate variances with a pooled fallback, the pooled one throughout, or "auto" (default): global below 64 shadows. */
  variance?: "auto" | "per-example" | "global";
}

/**
 * Shadow counts below which "auto" pools the variance (Carlini et al. 2022, §VI-A).
 *
 * @example
 * ```ts
 * import { GLOBAL_VARIANCE_BELOW, type ShadowSignals } from "equipoise/audit/light";
 * declare const shadows: ShadowSignals; // see ShadowSignals
 * GLOBAL_VARIANCE_BELOW; // 64
 * const variance = shadows.phi.length < GLOBAL_VARIANCE_BELOW ? "global" : "per-example"; // what "auto" picks
 * ```
 */
export const GLOBAL_VARIANCE_BELOW = 64;

/** Variances below this are floored: φ of a shadow equals another's only by accident. */
const MIN_VARIANCE = 1e-8;

interface Fit {
  mean: Float64Array;
  variance: Float64Array;
  count: Int32Array;
  pooledVariance: number;
}

function fitGaussians(shadows: ShadowSignals, n: number, wantIn: boolean): Fit {
  const mean = new Float64Array(n);
  const variance = new Float64Array(n);
  const count = new Int32Array(n);
  let squares = 0;
  let freedom = 0;
  const k = shadows.phi.length;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let c = 0;
    for (let s = 0; s < k; s++) {
      if (Boolean(shadows.inTraining[s][i]) !== wantIn) continue;
      sum += shadows.phi[s][i];
      c++;
    }
    count[i] = c;
    if (c === 0) continue;
    const mu = sum / c;
    mean[i] = mu;
    let ss = 0;
    for (let s = 0; s < k; s++) {
      if (Boolean(shadows.inTraining[s][i]) !== wantIn) continue;
      const d = shadows.phi[s][i] - mu;
      ss += d * d;
    }
    if (c >= 2) {
      variance[i] = ss / (c - 1);
      squares += ss;
      freedom += c - 1;
    }
  }
  return { mean, variance, count, pooledVariance: freedom > 0 ? squares / freedom : Number.NaN };
}

function logNormalDensity(x: number, mean: number, variance: number): number {
  const d = x - mean;
  return -0.5 * ((d * d) / variance + Math.log(2 * Math.PI * variance));
}

/**
 * LiRA (Carlini et al. 2022): per candidate, the likelihood ratio of the target's φ under Gaussians
 * fitted to the shadows that trained on it and those that did not (offline: a one-sided test
 * against the OUT fit alone). Higher scores mean more likely a member.
 *
 * @example
 * ```ts
 * import { liraScores, type ShadowSignals } from "equipoise/audit/light";
 * // targetPhi: φ of each candidate under the target; shadows: { phi[k][i], inTraining[k][i] } of K shadows
 * declare const targetPhi: Float64Array, shadows: ShadowSignals; // e.g. from experimentSignals
 * const scores = liraScores(targetPhi, shadows, { online: false });
 * // higher = more likely a member; evaluate with rocCurve(scores, isMember)
 * ```
 */
export function liraScores(target: Float64Array, shadows: ShadowSignals, options: LiraOptions): Float64Array {
  const n = target.length;
  checkShadows(options.online ? "LiRA (online)" : "LiRA (offline)", shadows, n);
  const out = fitGaussians(shadows, n, false);
  const inside = fitGaussians(shadows, n, true);
  const global =
    options.variance === "global" ||
    ((options.variance ?? "auto") === "auto" && shadows.phi.length < GLOBAL_VARIANCE_BELOW);
  // The pooled variance of a kind no candidate has two of (tiny K): the other kind's.
  const pooledOut = Number.isNaN(out.pooledVariance) ? inside.pooledVariance : out.pooledVariance;
  const pooledIn = Number.isNaN(inside.pooledVariance) ? pooledOut : inside.pooledVariance;
  const varianceOf = (fit: Fit, pooled: number, i: number) =>
    Math.max(
      MIN_VARIANCE,
      !global && fit.count[i] >= 2 ? fit.variance[i] : Number.isNaN(pooled) ? 1 : pooled,
    );

  let gapSum = 0;
  let gapCount = 0;
  for (let i = 0; i < n; i++) {
    if (inside.count[i] > 0 && out.count[i] > 0) {
      gapSum += inside.mean[i] - out.mean[i];
      gapCount++;
    }
  }
  const gap = gapCount > 0 ? gapSum / gapCount : 0;

  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const hasOut = out.count[i] > 0;
    const hasIn = inside.count[i] > 0;
    const muOut = hasOut ? out.mean[i] : inside.mean[i] - gap;
    const varOut = varianceOf(out, pooledOut, i);
    if (!options.online) {
      scores[i] = (target[i] - muOut) / Math.sqrt(varOut);
      continue;
    }
    const muIn = hasIn ? inside.mean[i] : out.mean[i] + gap;
    const varIn = varianceOf(inside, pooledIn, i);
    scores[i] = logNormalDensity(target[i], muIn, varIn) - logNormalDensity(target[i], muOut, varOut);
  }
  return scores;
}
