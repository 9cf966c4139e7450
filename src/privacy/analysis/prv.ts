/**
 * Numerical composition of privacy loss random variables (PRVs): Gopi, Lee &
 * Wutschitz, "Numerical composition of differential privacy", NeurIPS 2021 — the
 * method behind Opacus's PRV accountant.
 *
 * One step of the Poisson-subsampled Gaussian mechanism (noise multiplier σ, sample rate q)
 * compares P = (1 − q)·N(0, σ²) + q·N(1, σ²) (the data set with the example) with
 * Q = N(0, σ²) (without it). Removing the example gives the loss Y = log(P/Q)(x), x ~ P;
 * adding it gives Y' = log(Q/P)(x), x ~ Q; with u = (2x − 1)/(2σ²),
 *   remove: Y  = log(1 − q + q·e^u),  support (log(1 − q), ∞);
 *   add:    Y' = −log(1 − q + q·e^u), support (−∞, −log(1 − q)).
 * Add-or-remove DP needs both; like Google's dp_accounting we compose each direction and
 * report the larger ε (Opacus composes the remove direction only).
 *
 * For a composition, δ(ε) = E[(1 − e^{ε − ΣY})⁺]. Each Y is discretised on a grid of mesh h
 * with its mean preserved, the discrete laws are composed by FFT, and ε(δ) is read off the
 * composed law.
 *
 * Error bound (Gopi et al., Theorem 5.5, re-derived here for this implementation):
 * rounding each Yᵢ to its cell and shifting by the mean correction gives a coupling
 * with Ỹᵢ − Yᵢ of mean 0 in an interval of width h, so by Hoeffding
 * P(|Σ(Ỹᵢ − Yᵢ)| ≥ ε_err) ≤ 2·exp(−2ε_err²/(n h²)) = δ_err/2 for
 * h = ε_err / sqrt(n/2 · ln(4/δ_err)). The mass cut off when each Yᵢ is truncated to the
 * points where its exact tail falls below δ_err/(8n) on either side (δ_err/4 in all) and the
 * mass of the composed law outside the FFT window (≤ δ_err/4, from Chernoff bounds on the
 * discrete moment generating functions) are counted in δ_err too. Hence
 *   ε_true(δ) ≤ ε_grid(δ − δ_err) + ε_err   (upper bound, reported as "epsilon")
 *   ε_true(δ) ≥ ε_grid(δ + δ_err) − ε_err   (lower bound)
 * FFT round-off (~1e-16 relative, ~1e-11 absolute on δ for 2^22 points) is far below δ_err
 * and is not counted.
 *
 * Bounded work: the grid (per step and composed) may not exceed `maxGridSize` points. When
 * the requested ε_err would need more, the mesh is coarsened — ε_err raised in proportion,
 * up to 100× (the result says so) — and beyond that `PrvGridTooLarge` is thrown before
 * anything large is allocated (the accountant then reports the RDP bound instead).
 */
import { fft, nextPowerOfTwo } from "../../math/fft.js";
import { normalCdf, normalSurvival } from "../../math/normal.js";

/**
 * Identical steps of the sampled Gaussian mechanism.
 *
 * @example
 * ```ts
 * import { type GaussianStepGroup, prvEpsilon } from "equipoise/privacy/accounting";
 * const history: GaussianStepGroup[] = [
 *   { sampleRate: 0.01, noise: 1, steps: 500 },
 *   { sampleRate: 0.02, noise: 1.5, steps: 250 }, // heterogeneous composition: a second phase
 * ];
 * prvEpsilon(history, 1e-5).upperBound; // ε of both phases together
 * ```
 */
export interface GaussianStepGroup {
  /** Poisson sample rate q in [0, 1]. */
  sampleRate: number;
  /** Noise multiplier σ ≥ 0 (noise std / clipping norm). */
  noise: number;
  /** Number of identical steps. */
  steps: number;
}

/**
 * Which neighbouring relation a privacy-loss distribution is of: removing or adding one example.
 *
 * @example
 * ```ts
 * import { type NeighbouringDirection, prvEpsilon } from "equipoise/privacy/accounting";
 * const directions: NeighbouringDirection[] = ["remove"]; // Opacus's choice; the default composes both
 * prvEpsilon([{ sampleRate: 0.01, noise: 1, steps: 1000 }], 1e-5, { directions }).direction; // "remove"
 * ```
 */
export type NeighbouringDirection = "remove" | "add";

/**
 * Settings of the PRV computation (Opacus's defaults).
 *
 * @example
 * ```ts
 * import { createAccountant, type PrvOptions, prvEpsilon } from "equipoise/privacy/accounting";
 * const options: PrvOptions = { epsError: 0.05, maxGridSize: 2 ** 20 }; // coarser and cheaper than the defaults
 * prvEpsilon([{ sampleRate: 0.01, noise: 1, steps: 1000 }], 1e-5, options).upperBound;
 * const accountant = createAccountant("prv", { prv: options }); // the same settings in an accountant
 * ```
 */
export interface PrvOptions {
  /** ε_err: the epsilon error the result is allowed (default 0.01, as Opacus). */
  epsError?: number;
  /** δ_err: the delta error budget (default δ/1000, as Opacus). */
  deltaError?: number;
  /** Largest grid (FFT length, and points per step) accepted (default 2^22: ~170 MB, seconds). */
  maxGridSize?: number;
  /** Neighbouring relations to compose (default both; ε is the larger). */
  directions?: readonly NeighbouringDirection[];
}

/**
 * ε from the PRV computation: the estimate, its upper and lower bounds, and the grid used.
 *
 * @example
 * ```ts
 * import { type PrvEpsilon, prvEpsilon } from "equipoise/privacy/accounting";
 * const result: PrvEpsilon = prvEpsilon([{ sampleRate: 0.01, noise: 1, steps: 1000 }], 1e-5);
 * console.log(result.lowerBound, result.estimate, result.upperBound); // ≈ 1.8181 ≤ 1.8282 ≤ 1.8384
 * result.requestedEpsError; // undefined: the grid bound did not force a coarser mesh
 * ```
 */
export interface PrvEpsilon {
  /** Upper bound on the true ε: ε_grid(δ − δ_err) + ε_err, the larger of the two directions. */
  upperBound: number;
  /** ε_grid(δ): the estimate, typically within a small fraction of ε_err of the truth. */
  estimate: number;
  /** Lower bound on the true ε: ε_grid(δ + δ_err) − ε_err. */
  lowerBound: number;
  /** The ε_err the bounds hold with (larger than requested when the grid had to be coarsened). */
  epsError: number;
  /** Set when the grid bound forced a coarser mesh: the ε_err that was asked for. */
  requestedEpsError?: number;
  deltaError: number;
  meshSize: number;
  gridSize: number;
  /** The neighbouring relation whose ε is reported (the larger). */
  direction: NeighbouringDirection;
}

/**
 * Largest PRV grid accepted by default: 2^22 points (about 170 MB, seconds of CPU).
 *
 * @example
 * ```ts
 * import { DEFAULT_PRV_MAX_GRID_SIZE, prvEpsilon } from "equipoise/privacy/accounting";
 * DEFAULT_PRV_MAX_GRID_SIZE; // 4194304 = 2^22 points
 * const steps = [{ sampleRate: 0.01, noise: 1, steps: 1000 }];
 * prvEpsilon(steps, 1e-5, { maxGridSize: DEFAULT_PRV_MAX_GRID_SIZE / 4 }); // less memory; a coarser mesh if needed
 * ```
 */
export const DEFAULT_PRV_MAX_GRID_SIZE = 2 ** 22;
/** How far ε_err may be raised to fit the grid bound before PRV gives up. */
const MAX_COARSENING = 100;
/** Per-step grids above this size get a cheap coarse estimate of the composed window first. */
const COARSE_ESTIMATE_SIZE = 2 ** 16;

/**
 * The PRV would need more points than allowed even with a 100× coarser mesh.
 *
 * @example
 * ```ts
 * import { type GaussianStepGroup, PrvGridTooLarge, prvEpsilon } from "equipoise/privacy/accounting";
 * declare const steps: GaussianStepGroup[]; // the run's (an accountant's history)
 * try {
 *   prvEpsilon(steps, 1e-5);
 * } catch (error) {
 *   if (error instanceof PrvGridTooLarge) console.log("use the RDP accountant for this run");
 * }
 * ```
 */
export class PrvGridTooLarge extends RangeError {
  override name = "PrvGridTooLarge";
}

/** z = log((e^s − 1 + q)/q), without overflow for large s. */
function logLikelihoodThreshold(q: number, s: number): number {
  if (s > 30) return s - Math.log(q) + Math.log1p(-(1 - q) * Math.exp(-s));
  return Math.log((Math.expm1(s) + q) / q);
}

/** CDF and survival function at t of one step's privacy loss in the given direction. */
export function subsampledGaussianLossCdf(
  q: number,
  sigma: number,
  t: number,
  direction: NeighbouringDirection = "remove",
): { cdf: number; sf: number } {
  if (direction === "remove") {
    if (q < 1 && t <= Math.log1p(-q)) return { cdf: 0, sf: 1 };
    // Y ≤ t ⇔ u ≤ z, i.e. x ≤ σ²z + 1/2; standardised under N(0, σ²) and N(1, σ²).
    const z = logLikelihoodThreshold(q, t);
    const a = sigma * z + 1 / (2 * sigma);
    const b = sigma * z - 1 / (2 * sigma);
    return {
      cdf: (1 - q) * normalCdf(a) + q * normalCdf(b),
      sf: (1 - q) * normalSurvival(a) + q * normalSurvival(b),
    };
  }
  if (q < 1 && t >= -Math.log1p(-q)) return { cdf: 1, sf: 0 };
  // Y' ≤ t ⇔ u ≥ z' with z' = log((e^{−t} − 1 + q)/q), i.e. x ≥ σ²z' + 1/2 under N(0, σ²).
  const a = sigma * logLikelihoodThreshold(q, -t) + 1 / (2 * sigma);
  return { cdf: normalSurvival(a), sf: normalCdf(a) };
}

interface StepLoss {
  group: GaussianStepGroup;
  direction: NeighbouringDirection;
  at(t: number): { cdf: number; sf: number };
  /** Truncation points: the exact tails beyond them are ≤ the tail asked for. */
  lo: number;
  hi: number;
}

/**
 * The smallest t with tailAt(t) ≤ tail for a non-increasing tailAt, searched outwards from
 * `start` in direction `sign` (+1: survival, upper point; −1: CDF, lower point), then bisected.
 */
function tailPoint(
  tailAt: (t: number) => number,
  tail: number,
  sign: 1 | -1,
  start: number,
  limit: number,
): number {
  const value = (s: number) => tailAt(start + sign * s);
  if (value(0) <= tail) return start;
  let far = 1;
  while (value(far) > tail) {
    far *= 2;
    if (far > limit) return start + sign * Number.POSITIVE_INFINITY;
  }
  let near = 0;
  for (let it = 0; it < 200 && far - near > 1e-12 * Math.max(1, far); it++) {
    const mid = (near + far) / 2;
    if (value(mid) > tail) near = mid;
    else far = mid;
  }
  return start + sign * far;
}

function stepLoss(group: GaussianStepGroup, direction: NeighbouringDirection, tail: number): StepLoss {
  const { sampleRate: q, noise: sigma } = group;
  const at = (t: number) => subsampledGaussianLossCdf(q, sigma, t, direction);
  // Supports: remove ⊂ (log(1 − q), ∞), add ⊂ (−∞, −log(1 − q)); the unbounded side is cut
  // where its exact tail is below `tail`. 1e300 caps the search: beyond it the grid is hopeless anyway.
  const edge = q < 1 ? Math.log1p(-q) : Number.NEGATIVE_INFINITY;
  const lo = direction === "remove" && q < 1 ? edge : tailPoint((t) => at(t).cdf, tail, -1, 0, 1e300);
  const hi = direction === "add" && q < 1 ? -edge : tailPoint((t) => at(t).sf, tail, 1, 0, 1e300);
  return { group, direction, at, lo, hi };
}

interface DiscreteLoss {
  /** Grid index of pmf[0]: cell centres are (firstIndex + k)·h + shift. */
  firstIndex: number;
  pmf: Float64Array;
  shift: number;
  steps: number;
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
    // Halving the tolerance at every level asks for more than doubles can give near a steep
    // step of the integrand (σ = 1e9 concentrates a loss within 1e-11): floor it at 1e-20 per
    // panel, which keeps the error of the whole integral far below the 1e-13 asked for.
    if (depth <= 0 || Math.abs(diff) <= 15 * Math.max(tol, 1e-20)) return left + right + diff / 15;
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

function stepGridSize(loss: StepLoss, h: number): number {
  return Math.ceil(loss.hi / h) - Math.floor(loss.lo / h) + 1;
}

/** Mean-preserving discretisation of one step's loss on the grid k·h, truncated to [lo, hi]. */
function discretiseLoss(loss: StepLoss, h: number): DiscreteLoss {
  const firstIndex = Math.floor(loss.lo / h);
  const lastIndex = Math.ceil(loss.hi / h);
  const size = lastIndex - firstIndex + 1;
  const pmf = new Float64Array(size);
  let previous = loss.at((firstIndex - 0.5) * h);
  const regionLo = (firstIndex - 0.5) * h;
  const regionHi = (lastIndex + 0.5) * h;
  let discreteMean = 0;
  let mass = 0;
  for (let k = 0; k < size; k++) {
    const next = loss.at((firstIndex + k + 0.5) * h);
    // Differences of whichever tail is small, so tiny masses keep their relative precision.
    const p = next.cdf < 0.5 ? next.cdf - previous.cdf : previous.sf - next.sf;
    pmf[k] = p;
    mass += p;
    discreteMean += p * (firstIndex + k) * h;
    previous = next;
  }
  // Continuous mean over the region: ∫ t dF = lo·P(region) + ∫_lo^hi (S(t) − S(hi)) dt.
  const sfHi = loss.at(regionHi).sf;
  const integral = integrate((t) => loss.at(t).sf - sfHi, regionLo, regionHi, 1e-13);
  const continuousMean = regionLo * mass + integral;
  const shift = (continuousMean - discreteMean) / mass;
  return { firstIndex, pmf, shift, steps: loss.group.steps };
}

/**
 * A coarse summary of a discrete loss for moment generating functions: the mass of each block
 * of consecutive cells with the block's smallest and largest value. Σ_b mass_b·e^{λ·extreme_b}
 * bounds E[e^{λỸ}] from above (the larger end for λ > 0, the smaller for λ < 0), so the
 * Chernoff window below stays valid, a hair wider, at 1/blockSize of the cost.
 */
interface MgfSummary {
  mass: Float64Array;
  low: Float64Array;
  high: Float64Array;
  steps: number;
}

const MGF_BLOCKS = 32768;

function mgfSummary(loss: DiscreteLoss, h: number): MgfSummary {
  const { pmf, firstIndex, shift } = loss;
  const blockSize = Math.max(1, Math.ceil(pmf.length / MGF_BLOCKS));
  const blocks = Math.ceil(pmf.length / blockSize);
  const mass = new Float64Array(blocks);
  const low = new Float64Array(blocks).fill(Number.POSITIVE_INFINITY);
  const high = new Float64Array(blocks).fill(Number.NEGATIVE_INFINITY);
  for (let k = 0; k < pmf.length; k++) {
    if (!(pmf[k] > 0)) continue;
    const b = Math.floor(k / blockSize);
    const value = (firstIndex + k) * h + shift;
    mass[b] += pmf[k];
    low[b] = Math.min(low[b], value);
    high[b] = Math.max(high[b], value);
  }
  return { mass, low, high, steps: loss.steps };
}

/** An upper bound on log E[e^{λỸ}] (log-sum-exp, no overflow). */
function logMgfBound(summary: MgfSummary, lambda: number): number {
  const ends = lambda > 0 ? summary.high : summary.low;
  let max = Number.NEGATIVE_INFINITY;
  for (let b = 0; b < ends.length; b++) if (summary.mass[b] > 0) max = Math.max(max, lambda * ends[b]);
  let sum = 0;
  for (let b = 0; b < ends.length; b++) {
    if (summary.mass[b] > 0) sum += summary.mass[b] * Math.exp(lambda * ends[b] - max);
  }
  return Math.log(sum) + max;
}

/**
 * Chernoff bound point: the smallest b with P(ΣỸ ≥ b) ≤ tail (direction +1), or the
 * largest a with P(ΣỸ ≤ a) ≤ tail (direction -1).
 */
function chernoffPoint(summaries: MgfSummary[], tail: number, direction: 1 | -1): number {
  const bound = (lambda: number) => {
    let logM = 0;
    for (const summary of summaries) logM += summary.steps * logMgfBound(summary, direction * lambda);
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

function composedWindow(losses: DiscreteLoss[], h: number, tail: number) {
  const totalShift = losses.reduce((sum, loss) => sum + loss.steps * loss.shift, 0);
  const summaries = losses.map((loss) => mgfSummary(loss, h));
  const windowHi = chernoffPoint(summaries, tail, 1);
  const windowLo = chernoffPoint(summaries, tail, -1);
  const firstIndex = Math.floor((windowLo - totalShift) / h) - 1;
  const needed = Math.ceil((windowHi - totalShift) / h) + 2 - firstIndex;
  return { totalShift, firstIndex, size: nextPowerOfTwo(Math.max(needed, 2)) };
}

function compose(losses: DiscreteLoss[], h: number, window: ReturnType<typeof composedWindow>): ComposedLoss {
  const { totalShift, firstIndex, size: m } = window;
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
  // Reuse `re` for the unwrapped window.
  for (let j = 0; j < m; j++) {
    const gridIndex = firstIndex + j;
    re[j] = accRe[((gridIndex % m) + m) % m];
  }
  return { firstIndex, pmf: re, shift: totalShift, h };
}

/**
 * ε(δ) curve of a composed discrete loss: δ(ε) = Σ_{t_k > ε} p_k (1 − e^{ε − t_k}), inverted by
 * bisection. With j the first index above ε, Σ_{k≥j} p_k e^{ε − t_k} = e^{ε − t_j}·S_j where
 * S_j = p_j + e^{−h}·S_{j+1}: every factor is ≤ 1, so nothing overflows for any ε (a plain
 * e^ε·Σ p e^{−t} saturates at ε = log(MAX_VALUE) = 709.78).
 */
function epsilonCurve(composed: ComposedLoss): (delta: number) => number {
  const { pmf, firstIndex, shift, h } = composed;
  const m = pmf.length;
  const value = (j: number) => (firstIndex + j) * h + shift;
  const tailMass = new Float64Array(m + 1);
  const discounted = new Float64Array(m + 1);
  const decay = Math.exp(-h);
  for (let j = m - 1; j >= 0; j--) {
    tailMass[j] = tailMass[j + 1] + pmf[j];
    discounted[j] = pmf[j] + decay * discounted[j + 1];
  }
  const deltaAt = (eps: number) => {
    let j = Math.ceil((eps - shift) / h) - firstIndex;
    if (j < 0) j = 0;
    while (j < m && value(j) <= eps) j++;
    if (j >= m) return 0;
    return tailMass[j] - Math.exp(eps - value(j)) * discounted[j];
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

interface DirectionResult {
  upperBound: number;
  estimate: number;
  lowerBound: number;
  gridSize: number;
}

function directionEpsilon(
  discrete: DiscreteLoss[],
  window: ReturnType<typeof composedWindow>,
  h: number,
  delta: number,
  deltaError: number,
  epsError: number,
): DirectionResult {
  const composed = compose(discrete, h, window);
  const epsilonAt = epsilonCurve(composed);
  return {
    upperBound: epsilonAt(delta - deltaError) + epsError,
    estimate: epsilonAt(delta),
    lowerBound: Math.max(0, epsilonAt(delta + deltaError) - epsError),
    gridSize: composed.pmf.length,
  };
}

/**
 * ε of the composition of the given step groups at δ, with the PRV error bounds.
 *
 * @example
 * ```ts
 * import { prvEpsilon } from "equipoise/privacy/accounting";
 * prvEpsilon([{ sampleRate: 0.01, noise: 1, steps: 1000 }], 1e-5);
 * // { upperBound: ≈ 1.8384, estimate: ≈ 1.8282, lowerBound: ≈ 1.8181, ... }
 * ```
 */
export function prvEpsilon(
  groups: readonly GaussianStepGroup[],
  delta: number,
  options: PrvOptions = {},
): PrvEpsilon {
  const requestedEpsError = options.epsError ?? 0.01;
  const deltaError = options.deltaError ?? delta / 1000;
  const maxGridSize = options.maxGridSize ?? DEFAULT_PRV_MAX_GRID_SIZE;
  if (!(delta > 0 && delta < 1)) throw new RangeError(`delta must be in (0, 1), got ${delta}`);
  if (!(deltaError > 0 && deltaError < delta)) throw new RangeError("deltaError must be in (0, delta)");
  if (!(requestedEpsError > 0)) throw new RangeError("epsError must be > 0");
  const active = groups.filter((g) => g.sampleRate > 0 && g.steps > 0);
  const base = { deltaError, meshSize: Number.NaN, gridSize: 0, direction: "remove" as const };
  if (active.some((g) => g.noise === 0)) {
    const infinity = Number.POSITIVE_INFINITY;
    return {
      upperBound: infinity,
      estimate: infinity,
      lowerBound: infinity,
      epsError: requestedEpsError,
      ...base,
    };
  }
  if (active.length === 0)
    return { upperBound: 0, estimate: 0, lowerBound: 0, epsError: requestedEpsError, ...base };
  const totalSteps = active.reduce((sum, g) => sum + g.steps, 0);
  const meshFor = (epsError: number) => epsError / Math.sqrt((totalSteps / 2) * Math.log(4 / deltaError));
  const componentTail = deltaError / (8 * totalSteps); // per side, per step: δ_err/4 in all
  const windowTail = deltaError / 8; // per side: δ_err/4 in all

  const directions = options.directions ?? (["remove", "add"] as const);
  if (directions.length === 0) throw new RangeError("at least one neighbouring direction is needed");
  const results = directions.map((direction) => {
    const losses = active.map((g) => stepLoss(g, direction, componentTail));
    // Coarsen until every grid fits; each round scales the mesh by the overshoot.
    let epsError = requestedEpsError;
    for (let round = 0; round < 6; round++) {
      if (epsError > MAX_COARSENING * requestedEpsError) break;
      const h = meshFor(epsError);
      const stepSize = Math.max(...losses.map((loss) => stepGridSize(loss, h)));
      if (!(stepSize <= maxGridSize)) {
        epsError *= Number.isFinite(stepSize) ? stepSize / maxGridSize : Number.POSITIVE_INFINITY;
        continue;
      }
      // Before a costly fine discretisation, estimate the composed window on a coarse mesh
      // (its loss has the larger variance, so the estimate errs wide) and coarsen at once.
      if (stepSize > COARSE_ESTIMATE_SIZE) {
        const coarseMesh = h * Math.ceil(stepSize / COARSE_ESTIMATE_SIZE);
        const coarse = composedWindow(
          losses.map((loss) => discretiseLoss(loss, coarseMesh)),
          coarseMesh,
          windowTail,
        );
        const estimated = (coarse.size * coarseMesh) / h;
        if (!(estimated <= maxGridSize)) {
          epsError *= Number.isFinite(estimated) ? estimated / maxGridSize : Number.POSITIVE_INFINITY;
          continue;
        }
      }
      const discrete = losses.map((loss) => discretiseLoss(loss, h));
      const window = composedWindow(discrete, h, windowTail);
      if (!(window.size <= maxGridSize)) {
        epsError *= Number.isFinite(window.size) ? window.size / maxGridSize : Number.POSITIVE_INFINITY;
        continue;
      }
      return {
        direction,
        epsError,
        h,
        ...directionEpsilon(discrete, window, h, delta, deltaError, epsError),
      };
    }
    throw new PrvGridTooLarge(
      `the PRV accountant would need more than ${maxGridSize} grid points even with an epsilon error ` +
        `of ${MAX_COARSENING * requestedEpsError} (${totalSteps} steps)`,
    );
  });
  const worst = results.reduce((a, b) => (b.upperBound > a.upperBound ? b : a));
  const epsError = Math.max(...results.map((r) => r.epsError));
  const out: PrvEpsilon = {
    upperBound: worst.upperBound,
    estimate: Math.max(...results.map((r) => r.estimate)),
    lowerBound: Math.max(...results.map((r) => r.lowerBound)),
    epsError,
    deltaError,
    meshSize: worst.h,
    gridSize: worst.gridSize,
    direction: worst.direction,
  };
  if (epsError > requestedEpsError) out.requestedEpsError = requestedEpsError;
  return out;
}
