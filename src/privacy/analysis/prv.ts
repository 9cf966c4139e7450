/**
 * Numerical composition of privacy loss random variables (PRVs): Gopi, Lee &
 * Wutschitz, "Numerical composition of differential privacy", NeurIPS 2021 — the
 * method behind Opacus's PRV accountant.
 *
 * The privacy loss of one step of the Poisson-subsampled Gaussian mechanism (noise
 * multiplier σ, sample rate q) is Y = log(1 - q + q·exp((2x - 1)/(2σ²))) with
 * x ~ (1 - q)·N(0, σ²) + q·N(1, σ²) (the same pair as the RDP analysis and Opacus).
 * For a composition, δ(ε) = E[(1 - e^{ε - ΣY})⁺]. Each Y is discretised on a grid
 * of mesh h with its mean preserved, the discrete laws are composed by FFT, and ε(δ)
 * is read off the composed law.
 *
 * Error bound (Gopi et al., Theorem 5.5, re-derived here for this implementation):
 * rounding each Yᵢ to its cell and shifting by the mean correction gives a coupling
 * with Ỹᵢ - Yᵢ of mean 0 in an interval of width h, so by Hoeffding
 * P(|Σ(Ỹᵢ - Yᵢ)| ≥ ε_err) ≤ 2·exp(-2ε_err²/(n h²)) = δ_err/2 for
 * h = ε_err / sqrt(n/2 · ln(4/δ_err)). The mass cut off when each Yᵢ is truncated
 * (≤ δ_err/4 in all, from Markov bounds on the RDP moments) and the mass of the
 * composed law outside the FFT window (≤ δ_err/4, from Chernoff bounds on the
 * discrete moment generating functions) are counted in δ_err too. Hence
 *   ε_true(δ) ≤ ε_grid(δ - δ_err) + ε_err   (upper bound, reported as "epsilon")
 *   ε_true(δ) ≥ ε_grid(δ + δ_err) - ε_err   (lower bound)
 * FFT round-off (~1e-16 relative, ~1e-11 absolute on δ for 2^24 points) is far
 * below δ_err and is not counted.
 */
import { UserError } from "../../common/errors.js";
import { fft, nextPowerOfTwo } from "../../math/fft.js";
import { normalCdf, normalSurvival } from "../../math/normal.js";
import { sampledGaussianRdp } from "./rdp.js";

export interface GaussianStepGroup {
  /** Poisson sample rate q in [0, 1]. */
  sampleRate: number;
  /** Noise multiplier σ ≥ 0 (noise std / clipping norm). */
  noise: number;
  /** Number of identical steps. */
  steps: number;
}

export interface PrvOptions {
  /** ε_err: the epsilon error the result is allowed (default 0.01, as Opacus). */
  epsError?: number;
  /** δ_err: the delta error budget (default δ/1000, as Opacus). */
  deltaError?: number;
  /** Largest FFT length accepted (default 2^24); larger problems ask for a larger epsError. */
  maxGridSize?: number;
}

export interface PrvEpsilon {
  /** Upper bound on the true ε: ε_grid(δ - δ_err) + ε_err. */
  upperBound: number;
  /** ε_grid(δ): the estimate, typically within a small fraction of ε_err of the truth. */
  estimate: number;
  /** Lower bound on the true ε: ε_grid(δ + δ_err) - ε_err. */
  lowerBound: number;
  epsError: number;
  deltaError: number;
  meshSize: number;
  gridSize: number;
}

/** CDF and survival function of the one-step privacy loss Y at t. */
export function subsampledGaussianLossCdf(q: number, sigma: number, t: number): { cdf: number; sf: number } {
  if (q < 1 && t <= Math.log1p(-q)) return { cdf: 0, sf: 1 };
  // z = log((e^t - 1 + q)/q) is the Gaussian log-likelihood ratio u = (2x-1)/(2σ²) at loss t.
  const z = q === 1 ? t : Math.log((Math.expm1(t) + q) / q);
  const a = sigma * z + 1 / (2 * sigma); // standardised x under N(0, σ²)
  const b = sigma * z - 1 / (2 * sigma); // standardised x under N(1, σ²)
  return {
    cdf: (1 - q) * normalCdf(a) + q * normalCdf(b),
    sf: (1 - q) * normalSurvival(a) + q * normalSurvival(b),
  };
}

interface DiscreteLoss {
  /** Grid index of pmf[0]: cell centres are (firstIndex + k)·h + shift. */
  firstIndex: number;
  pmf: Float64Array;
  shift: number;
  steps: number;
}

/** Smallest T with P(Y > T) ≤ tail, by Markov on E[e^{(α-1)Y}] = e^{(α-1)·RDP(α)}. */
function upperTailPoint(q: number, sigma: number, tail: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let alpha = 2; alpha <= 512; alpha = alpha < 32 ? alpha + 1 : Math.ceil(alpha * 1.25)) {
    const rdp = sampledGaussianRdp(q, sigma, alpha);
    if (!Number.isFinite(rdp)) break;
    best = Math.min(best, rdp + Math.log(1 / tail) / (alpha - 1));
  }
  return best;
}

/** ∫_a^b f by adaptive Simpson with an absolute tolerance. */
function integrate(f: (t: number) => number, a: number, b: number, tolerance: number): number {
  const simpson = (fa: number, fm: number, fb: number, width: number) => (width / 6) * (fa + 4 * fm + fb);
  const recurse = (
    lo: number,
    hi: number,
    flo: number,
    fmid: number,
    fhi: number,
    whole: number,
    tol: number,
    depth: number,
  ): number => {
    const mid = (lo + hi) / 2;
    const fl = f((lo + mid) / 2);
    const fr = f((mid + hi) / 2);
    const left = simpson(flo, fl, fmid, mid - lo);
    const right = simpson(fmid, fr, fhi, hi - mid);
    const diff = left + right - whole;
    if (depth <= 0 || Math.abs(diff) <= 15 * tol) return left + right + diff / 15;
    return (
      recurse(lo, mid, flo, fl, fmid, left, tol / 2, depth - 1) +
      recurse(mid, hi, fmid, fr, fhi, right, tol / 2, depth - 1)
    );
  };
  // Split into panels first so narrow features are not missed by the first estimate.
  const panels = 256;
  const width = (b - a) / panels;
  let total = 0;
  for (let p = 0; p < panels; p++) {
    const lo = a + p * width;
    const hi = p === panels - 1 ? b : lo + width;
    const flo = f(lo);
    const fmid = f((lo + hi) / 2);
    const fhi = f(hi);
    total += recurse(lo, hi, flo, fmid, fhi, simpson(flo, fmid, fhi, hi - lo), tolerance / panels, 40);
  }
  return total;
}

/**
 * Mean-preserving discretisation of one step's loss on the grid k·h, truncated to
 * [lo, hi] where the mass outside is at most `tail`.
 */
function discretiseLoss(group: GaussianStepGroup, h: number, tail: number): DiscreteLoss {
  const { sampleRate: q, noise: sigma } = group;
  const lo = q < 1 ? Math.log1p(-q) : -Math.log(1 / tail);
  const hi = upperTailPoint(q, sigma, tail);
  const firstIndex = Math.floor(lo / h);
  const lastIndex = Math.ceil(hi / h);
  const size = lastIndex - firstIndex + 1;
  const pmf = new Float64Array(size);
  let previous = subsampledGaussianLossCdf(q, sigma, (firstIndex - 0.5) * h);
  const regionLo = (firstIndex - 0.5) * h;
  const regionHi = (lastIndex + 0.5) * h;
  let discreteMean = 0;
  let mass = 0;
  for (let k = 0; k < size; k++) {
    const next = subsampledGaussianLossCdf(q, sigma, (firstIndex + k + 0.5) * h);
    // Differences of whichever tail is small, so tiny masses keep their relative precision.
    const p = next.cdf < 0.5 ? next.cdf - previous.cdf : previous.sf - next.sf;
    pmf[k] = p;
    mass += p;
    discreteMean += p * (firstIndex + k) * h;
    previous = next;
  }
  // Continuous mean over the region: ∫ t dF = lo·P(region) + ∫_lo^hi (S(t) - S(hi)) dt.
  const sfHi = subsampledGaussianLossCdf(q, sigma, regionHi).sf;
  const integral = integrate(
    (t) => subsampledGaussianLossCdf(q, sigma, t).sf - sfHi,
    regionLo,
    regionHi,
    1e-13,
  );
  const continuousMean = regionLo * mass + integral;
  const shift = (continuousMean - discreteMean) / mass;
  return { firstIndex, pmf, shift, steps: group.steps };
}

/** log E[e^{λỸ}] of a discrete loss (log-sum-exp, no overflow). */
function logMgf(loss: DiscreteLoss, lambda: number, h: number): number {
  let max = Number.NEGATIVE_INFINITY;
  const { pmf, firstIndex, shift } = loss;
  for (let k = 0; k < pmf.length; k++) {
    if (pmf[k] > 0) max = Math.max(max, lambda * ((firstIndex + k) * h + shift));
  }
  let sum = 0;
  for (let k = 0; k < pmf.length; k++) {
    if (pmf[k] > 0) sum += pmf[k] * Math.exp(lambda * ((firstIndex + k) * h + shift) - max);
  }
  return Math.log(sum) + max;
}

/**
 * Chernoff bound point: the smallest b with P(ΣỸ ≥ b) ≤ tail (direction +1), or the
 * largest a with P(ΣỸ ≤ a) ≤ tail (direction -1).
 */
function chernoffPoint(losses: DiscreteLoss[], h: number, tail: number, direction: 1 | -1): number {
  const bound = (lambda: number) => {
    let logM = 0;
    for (const loss of losses) logM += loss.steps * logMgf(loss, direction * lambda, h);
    return (logM + Math.log(1 / tail)) / lambda;
  };
  const grid = Array.from({ length: 41 }, (_, i) => 10 ** (-3 + (i * 6) / 40));
  let bestIndex = 0;
  let bestValue = Number.POSITIVE_INFINITY;
  grid.forEach((lambda, i) => {
    const value = bound(lambda);
    if (value < bestValue) {
      bestValue = value;
      bestIndex = i;
    }
  });
  // Golden-section refinement between the grid neighbours (the bound is quasi-convex in λ).
  let lo = Math.log(grid[Math.max(0, bestIndex - 1)]);
  let hi = Math.log(grid[Math.min(grid.length - 1, bestIndex + 1)]);
  const ratio = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 25; it++) {
    const m1 = hi - ratio * (hi - lo);
    const m2 = lo + ratio * (hi - lo);
    const v1 = bound(Math.exp(m1));
    const v2 = bound(Math.exp(m2));
    bestValue = Math.min(bestValue, v1, v2);
    if (v1 < v2) hi = m2;
    else lo = m1;
  }
  return direction * bestValue;
}

/** The composed discrete law on a window of the grid: values (firstIndex + j)·h + shift. */
interface ComposedLoss {
  firstIndex: number;
  pmf: Float64Array;
  shift: number;
  h: number;
}

function compose(losses: DiscreteLoss[], h: number, windowLo: number, windowHi: number, maxGridSize: number) {
  const totalShift = losses.reduce((sum, loss) => sum + loss.steps * loss.shift, 0);
  const firstIndex = Math.floor((windowLo - totalShift) / h) - 1;
  const needed = Math.ceil((windowHi - totalShift) / h) + 2 - firstIndex;
  const m = nextPowerOfTwo(Math.max(needed, 2));
  if (m > maxGridSize) {
    throw new UserError(
      `the PRV grid would need ${m} points (more than ${maxGridSize}); use a larger epsilon error`,
    );
  }
  const accRe = new Float64Array(m);
  const accIm = new Float64Array(m);
  const re = new Float64Array(m);
  const im = new Float64Array(m);
  losses.forEach((loss, index) => {
    re.fill(0);
    im.fill(0);
    // Circular placement: grid index k goes to k mod m; the window unwraps it below.
    for (let k = 0; k < loss.pmf.length; k++) {
      const slot = (((loss.firstIndex + k) % m) + m) % m;
      re[slot] += loss.pmf[k];
    }
    fft(re, im);
    const n = loss.steps;
    for (let j = 0; j < m; j++) {
      const r = Math.hypot(re[j], im[j]);
      const rn = r === 0 ? 0 : Math.exp(n * Math.log(r));
      const angle = n * Math.atan2(im[j], re[j]);
      const pr = rn * Math.cos(angle);
      const pi = rn * Math.sin(angle);
      if (index === 0) {
        accRe[j] = pr;
        accIm[j] = pi;
      } else {
        const ar = accRe[j];
        accRe[j] = ar * pr - accIm[j] * pi;
        accIm[j] = ar * pi + accIm[j] * pr;
      }
    }
  });
  fft(accRe, accIm, true);
  const pmf = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const gridIndex = firstIndex + j;
    pmf[j] = accRe[((gridIndex % m) + m) % m];
  }
  return { firstIndex, pmf, shift: totalShift, h } satisfies ComposedLoss;
}

/** ε(δ) curve of a composed discrete loss: δ(ε) = Σ_{t>ε} p (1 - e^{ε-t}), inverted by bisection. */
function epsilonCurve(composed: ComposedLoss): (delta: number) => number {
  const { pmf, firstIndex, shift, h } = composed;
  const m = pmf.length;
  const value = (j: number) => (firstIndex + j) * h + shift;
  // Suffix sums over values > 0 only (ε ≥ 0 is all that is asked), from the top down.
  const tailMass = new Float64Array(m + 1);
  const tailWeighted = new Float64Array(m + 1);
  for (let j = m - 1; j >= 0; j--) {
    const t = value(j);
    tailMass[j] = tailMass[j + 1] + (t > 0 ? pmf[j] : 0);
    tailWeighted[j] = tailWeighted[j + 1] + (t > 0 ? pmf[j] * Math.exp(-t) : 0);
  }
  const deltaAt = (eps: number) => {
    let j = Math.ceil((eps - shift) / h) - firstIndex;
    while (j < m && j >= 0 && value(j) <= eps) j++;
    if (j < 0) j = 0;
    if (j >= m) return 0;
    return tailMass[j] - Math.exp(eps) * tailWeighted[j];
  };
  const top = value(m - 1);
  return (delta: number) => {
    if (deltaAt(0) <= delta) return 0;
    let lo = 0;
    let hi = Math.max(top, 1);
    for (let it = 0; it < 200 && hi - lo > 1e-12 * Math.max(1, hi); it++) {
      const mid = (lo + hi) / 2;
      if (deltaAt(mid) > delta) lo = mid;
      else hi = mid;
    }
    return hi;
  };
}

/** ε of the composition of the given step groups at δ, with the PRV error bounds. */
export function prvEpsilon(
  groups: readonly GaussianStepGroup[],
  delta: number,
  options: PrvOptions = {},
): PrvEpsilon {
  const epsError = options.epsError ?? 0.01;
  const deltaError = options.deltaError ?? delta / 1000;
  const maxGridSize = options.maxGridSize ?? 2 ** 24;
  if (!(deltaError > 0 && deltaError < delta)) throw new RangeError("deltaError must be in (0, delta)");
  if (!(epsError > 0)) throw new RangeError("epsError must be > 0");
  const active = groups.filter((g) => g.sampleRate > 0 && g.steps > 0);
  const infinite = {
    upperBound: Number.POSITIVE_INFINITY,
    estimate: Number.POSITIVE_INFINITY,
    lowerBound: Number.POSITIVE_INFINITY,
  };
  const base = { epsError, deltaError, meshSize: Number.NaN, gridSize: 0 };
  if (active.some((g) => g.noise === 0)) return { ...infinite, ...base };
  if (active.length === 0) return { upperBound: 0, estimate: 0, lowerBound: 0, ...base };
  const totalSteps = active.reduce((sum, g) => sum + g.steps, 0);
  const h = epsError / Math.sqrt((totalSteps / 2) * Math.log(4 / deltaError));
  const componentTail = deltaError / (8 * totalSteps); // per side, per step: δ_err/4 in all
  const losses = active.map((g) => discretiseLoss(g, h, componentTail));
  const windowTail = deltaError / 8; // per side: δ_err/4 in all
  const windowHi = chernoffPoint(losses, h, windowTail, 1);
  const windowLo = chernoffPoint(losses, h, windowTail, -1);
  const composed = compose(losses, h, windowLo, windowHi, maxGridSize);
  const epsilonAt = epsilonCurve(composed);
  return {
    upperBound: epsilonAt(delta - deltaError) + epsError,
    estimate: epsilonAt(delta),
    lowerBound: Math.max(0, epsilonAt(delta + deltaError) - epsError),
    epsError,
    deltaError,
    meshSize: h,
    gridSize: composed.pmf.length,
  };
}
