/**
 * Exact Gaussian-process regression with a Matérn-5/2 ARD kernel, as BoTorch's
 * SingleTaskGP: inputs in the unit cube, outputs standardised, hyper-parameters
 * (lengthscales, outputscale, noise) fitted by maximising the log marginal likelihood plus
 * log priors (MAP) with multi-start L-BFGS-B in log space.
 *
 * Priors (GPyTorch/BoTorch ≤ 0.11 defaults for SingleTaskGP on standardised outputs):
 * lengthscale ~ Gamma(3, 6), outputscale ~ Gamma(2, 0.15), noise ~ Gamma(1.1, 0.05).
 *
 * Kernel: k(x, x') = s·(1 + √5 r + 5r²/3)·exp(−√5 r), r² = Σ_k (x_k − x'_k)²/ℓ_k².
 * Useful identities (g(r) = (1 + √5 r)·exp(−√5 r)):
 *   ∂k/∂log ℓ_k = s·(5/3)·g(r)·Δ_k²/ℓ_k²,   ∂k/∂x_k = −s·(5/3)·g(r)·Δ_k/ℓ_k².
 */
import type { Random } from "../common/rng.js";
import { minimize } from "../math/lbfgs.js";
import {
  type CholeskyFactor,
  cholesky,
  choleskyInverse,
  choleskyLogDeterminant,
  choleskySolve,
  solveLower,
  solveLowerTransposed,
} from "../math/linalg.js";

const SQRT5 = Math.sqrt(5);
const LOG_2PI = Math.log(2 * Math.PI);

/**
 * A Gaussian process's hyper-parameters: ARD length scales, output scale and noise variance.
 *
 * @example
 * ```ts
 * import { GaussianProcess, type GpHyperparameters } from "equipoise/search";
 * const x = { data: Float64Array.from([0, 0.5, 1]), n: 3, d: 1 };
 * const gp = GaussianProcess.fit(x, Float64Array.from([0, 1, 0]));
 * const fitted: GpHyperparameters = gp.hyperparameters; // one length scale per input dimension
 * fitted.lengthscales[0];
 * ```
 */
export interface GpHyperparameters {
  lengthscales: Float64Array;
  outputscale: number;
  noise: number;
}

/**
 * A Gamma prior on a hyperparameter: concentration and rate.
 *
 * @example
 * ```ts
 * import type { GammaPrior } from "equipoise/search";
 * const lengthscalePrior: GammaPrior = { concentration: 3, rate: 6 }; // the default prior on length scales
 * ```
 */
export interface GammaPrior {
  concentration: number;
  rate: number;
}

/**
 * The Gaussian process's priors on lengthscales, output scale and noise.
 *
 * @example
 * ```ts
 * import { GaussianProcess, type GpPriors } from "equipoise/search";
 * const priors: GpPriors = {
 *   lengthscale: { concentration: 3, rate: 6 },
 *   outputscale: { concentration: 2, rate: 0.15 },
 *   noise: { concentration: 1.1, rate: 0.05 },
 * }; // the defaults
 * const x = { data: Float64Array.from([0, 0.5, 1]), n: 3, d: 1 };
 * const gp = GaussianProcess.fit(x, Float64Array.from([0, 1, 0]), { priors });
 * ```
 */
export interface GpPriors {
  lengthscale: GammaPrior;
  outputscale: GammaPrior;
  noise: GammaPrior;
}

export const DEFAULT_GP_PRIORS: GpPriors = {
  lengthscale: { concentration: 3, rate: 6 },
  outputscale: { concentration: 2, rate: 0.15 },
  noise: { concentration: 1.1, rate: 0.05 },
};

/**
 * Box for the hyper-parameters (on the standardised scale).
 *
 * @example
 * ```ts
 * import { GaussianProcess, type GpBounds } from "equipoise/search";
 * const bounds: GpBounds = { lengthscale: [0.005, 50], outputscale: [0.01, 50], noise: [1e-6, 2] }; // the defaults
 * const x = { data: Float64Array.from([0, 0.5, 1]), n: 3, d: 1 };
 * const gp = GaussianProcess.fit(x, Float64Array.from([0, 1, 0]), { bounds });
 * ```
 */
export interface GpBounds {
  lengthscale: [number, number];
  outputscale: [number, number];
  noise: [number, number];
}

export const DEFAULT_GP_BOUNDS: GpBounds = {
  lengthscale: [0.005, 50],
  outputscale: [0.01, 50],
  noise: [1e-6, 2],
};

/**
 * Training inputs: n points of dimension d, row-major.
 *
 * @example
 * ```ts
 * import { GaussianProcess, type Inputs } from "equipoise/search";
 * // 3 points of dimension 2, row-major: (0, 0), (0.5, 1), (1, 0.5)
 * const x: Inputs = { data: Float64Array.from([0, 0, 0.5, 1, 1, 0.5]), n: 3, d: 2 };
 * const gp = GaussianProcess.fit(x, Float64Array.from([0, 1, 0]));
 * ```
 */
export interface Inputs {
  data: Float64Array;
  n: number;
  d: number;
}

/** Parameter vector θ = (log ℓ₁…log ℓ_d, log s, log σ²_noise). */
export function hyperparametersToVector(h: GpHyperparameters): Float64Array {
  const d = h.lengthscales.length;
  const theta = new Float64Array(d + 2);
  for (let k = 0; k < d; k++) theta[k] = Math.log(h.lengthscales[k]);
  theta[d] = Math.log(h.outputscale);
  theta[d + 1] = Math.log(h.noise);
  return theta;
}

export function vectorToHyperparameters(theta: ArrayLike<number>, d: number): GpHyperparameters {
  const lengthscales = new Float64Array(d);
  for (let k = 0; k < d; k++) lengthscales[k] = Math.exp(theta[k]);
  return { lengthscales, outputscale: Math.exp(theta[d]), noise: Math.exp(theta[d + 1]) };
}

/** Pairwise squared differences per dimension for i > j, computed once per fit. */
function pairwiseSquaredDifferences(x: Inputs): Float64Array {
  const { data, n, d } = x;
  const out = new Float64Array(((n * (n - 1)) / 2) * d);
  let p = 0;
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) {
      for (let k = 0; k < d; k++) {
        const delta = data[i * d + k] - data[j * d + k];
        out[p++] = delta * delta;
      }
    }
  }
  return out;
}

/** The Matérn-5/2 value from a squared scaled distance. */
function matern52(r2: number): { value: number; g: number } {
  const r = Math.sqrt(r2);
  const e = Math.exp(-SQRT5 * r);
  const g = (1 + SQRT5 * r) * e;
  return { value: (1 + SQRT5 * r + (5 / 3) * r2) * e, g };
}

/** K(X, X) + noise·I (row-major). */
export function kernelMatrix(x: Inputs, h: GpHyperparameters): Float64Array {
  const { data, n, d } = x;
  const K = new Float64Array(n * n);
  const inv = h.lengthscales.map((l) => 1 / (l * l));
  for (let i = 0; i < n; i++) {
    K[i * n + i] = h.outputscale + h.noise;
    for (let j = 0; j < i; j++) {
      let r2 = 0;
      for (let k = 0; k < d; k++) {
        const delta = data[i * d + k] - data[j * d + k];
        r2 += delta * delta * inv[k];
      }
      const v = h.outputscale * matern52(r2).value;
      K[i * n + j] = v;
      K[j * n + i] = v;
    }
  }
  return K;
}

function logGammaDensity(value: number, prior: GammaPrior): number {
  // Constant terms dropped: only differences matter for the MAP estimate.
  return (prior.concentration - 1) * Math.log(value) - prior.rate * value;
}

/** d/d log v of the Gamma log density (no Jacobian term, as GPyTorch's MAP). */
function logGammaDensityGradient(value: number, prior: GammaPrior): number {
  return prior.concentration - 1 - prior.rate * value;
}

/**
 * The log marginal likelihood, the log posterior and its gradient.
 *
 * @example
 * ```ts
 * import { logMarginalLikelihood, type MarginalLikelihoodResult } from "equipoise/search";
 * const x = { data: Float64Array.from([0, 0.5, 1]), n: 3, d: 1 };
 * const h = { lengthscales: Float64Array.from([0.3]), outputscale: 1, noise: 1e-4 };
 * const result: MarginalLikelihoodResult = logMarginalLikelihood(x, Float64Array.from([0, 1, 0]), h);
 * result.logPosterior; // what the hyper-parameter fit maximises, with `result.gradient`
 * ```
 */
export interface MarginalLikelihoodResult {
  /** log p(y | X, θ) (exact, with the 2π term). */
  logLikelihood: number;
  /** log p(y | X, θ) + Σ log priors (constants of the priors dropped). */
  logPosterior: number;
  /** ∂ logPosterior / ∂θ, θ as in hyperparametersToVector. */
  gradient: Float64Array;
}

/**
 * Log marginal likelihood and its gradient: ∂/∂θ = ½ tr((α αᵀ − K⁻¹) ∂K/∂θ), α = K⁻¹y
 * (Rasmussen & Williams, eq. 5.9).
 *
 * @example
 * ```ts
 * import { logMarginalLikelihood } from "equipoise/search";
 * const x = { data: Float64Array.from([0, 0.5, 1]), n: 3, d: 1 };
 * const y = Float64Array.from([0, 1, 0]);
 * const h = { lengthscales: Float64Array.from([0.3]), outputscale: 1, noise: 1e-4 };
 * logMarginalLikelihood(x, y, h).logLikelihood; // ≈ −3.26; `.gradient` is ∂ log posterior / ∂θ
 * ```
 */
export function logMarginalLikelihood(
  x: Inputs,
  y: Float64Array,
  h: GpHyperparameters,
  priors: GpPriors = DEFAULT_GP_PRIORS,
  squaredDifferences: Float64Array = pairwiseSquaredDifferences(x),
): MarginalLikelihoodResult {
  const { n, d } = x;
  const K = kernelMatrix(x, h);
  const factor = cholesky(K, n);
  const alpha = choleskySolve(factor, y);
  let fit = 0;
  for (let i = 0; i < n; i++) fit += y[i] * alpha[i];
  const logLikelihood = -0.5 * fit - 0.5 * choleskyLogDeterminant(factor) - 0.5 * n * LOG_2PI;

  const Kinv = choleskyInverse(factor);
  const gradient = new Float64Array(d + 2);
  const inv = h.lengthscales.map((l) => 1 / (l * l));
  let outputscaleTrace = 0;
  let noiseTrace = 0;
  for (let i = 0; i < n; i++) {
    const wii = alpha[i] * alpha[i] - Kinv[i * n + i];
    outputscaleTrace += wii * h.outputscale;
    noiseTrace += wii * h.noise;
  }
  let p = 0;
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) {
      // Off-diagonal pairs appear twice in the trace.
      const w = 2 * (alpha[i] * alpha[j] - Kinv[i * n + j]);
      let r2 = 0;
      for (let k = 0; k < d; k++) r2 += squaredDifferences[p + k] * inv[k];
      const { value, g } = matern52(r2);
      outputscaleTrace += w * h.outputscale * value;
      const c = w * h.outputscale * (5 / 3) * g;
      for (let k = 0; k < d; k++) gradient[k] += c * squaredDifferences[p + k] * inv[k];
      p += d;
    }
  }
  for (let k = 0; k < d; k++) gradient[k] *= 0.5;
  gradient[d] = 0.5 * outputscaleTrace;
  gradient[d + 1] = 0.5 * noiseTrace;

  let logPrior = logGammaDensity(h.outputscale, priors.outputscale) + logGammaDensity(h.noise, priors.noise);
  gradient[d] += logGammaDensityGradient(h.outputscale, priors.outputscale);
  gradient[d + 1] += logGammaDensityGradient(h.noise, priors.noise);
  for (let k = 0; k < d; k++) {
    logPrior += logGammaDensity(h.lengthscales[k], priors.lengthscale);
    gradient[k] += logGammaDensityGradient(h.lengthscales[k], priors.lengthscale);
  }
  return { logLikelihood, logPosterior: logLikelihood + logPrior, gradient };
}

/**
 * Options of fitting the Gaussian process's hyperparameters.
 *
 * @example
 * ```ts
 * import { createRandom } from "equipoise";
 * import { GaussianProcess, type GpFitOptions } from "equipoise/search";
 * const options: GpFitOptions = { restarts: 4, maxIterations: 100, random: createRandom(0) };
 * const x = { data: Float64Array.from([0, 0.5, 1]), n: 3, d: 1 };
 * const gp = GaussianProcess.fit(x, Float64Array.from([0, 1, 0]), options);
 * ```
 */
export interface GpFitOptions {
  priors?: GpPriors;
  bounds?: GpBounds;
  /** Extra random starting points besides the defaults and `initial` (default 2). */
  restarts?: number;
  /** Warm start, e.g. the previous fit's hyper-parameters. */
  initial?: GpHyperparameters;
  maxIterations?: number;
  random?: Random;
}

/**
 * The posterior mean and variance at one point.
 *
 * @example
 * ```ts
 * import { GaussianProcess, type Prediction } from "equipoise/search";
 * const x = { data: Float64Array.from([0, 0.5, 1]), n: 3, d: 1 };
 * const gp = GaussianProcess.fit(x, Float64Array.from([0, 1, 0]));
 * const p: Prediction = gp.predict([0.25]);
 * const upper = p.mean + 2 * Math.sqrt(p.variance); // an upper bound of a ≈ 95% band
 * ```
 */
export interface Prediction {
  mean: number;
  variance: number;
}

/**
 * A fitted GP. Predictions are of the latent function (without observation noise), in
 * the original units of y.
 *
 * @example
 * ```ts
 * import { GaussianProcess } from "equipoise/search";
 * const x = { data: Float64Array.from([0, 0.5, 1]), n: 3, d: 1 }; // 3 points in [0, 1]
 * const gp = GaussianProcess.fit(x, Float64Array.from([0, 1, 0]));
 * const { mean, variance } = gp.predict([0.25]); // between the data: a mean near 0.5, a larger variance
 * ```
 */
export class GaussianProcess {
  readonly inputs: Inputs;
  readonly hyperparameters: GpHyperparameters;
  /** Standardisation of y: y_std = (y − yMean)/yScale. */
  readonly yMean: number;
  readonly yScale: number;
  /** Training targets in original units. */
  readonly targets: Float64Array;
  private readonly factor: CholeskyFactor;
  private readonly alpha: Float64Array;
  private readonly inverseSquaredLengthscales: Float64Array;
  // Work buffers for predictions (a GP is used from one thread).
  private readonly kStar: Float64Array;
  private readonly gStar: Float64Array;
  private readonly v: Float64Array;

  constructor(
    inputs: Inputs,
    y: Float64Array,
    hyperparameters: GpHyperparameters,
    yMean: number,
    yScale: number,
  ) {
    if (y.length !== inputs.n) throw new RangeError(`GP has ${inputs.n} inputs but ${y.length} outputs`);
    this.inputs = inputs;
    this.hyperparameters = hyperparameters;
    this.yMean = yMean;
    this.yScale = yScale;
    this.targets = y;
    const standardised = y.map((v) => (v - yMean) / yScale);
    this.factor = cholesky(kernelMatrix(inputs, hyperparameters), inputs.n);
    this.alpha = choleskySolve(this.factor, standardised);
    this.inverseSquaredLengthscales = hyperparameters.lengthscales.map((l) => 1 / (l * l));
    this.kStar = new Float64Array(inputs.n);
    this.gStar = new Float64Array(inputs.n);
    this.v = new Float64Array(inputs.n);
  }

  /** Fits the hyper-parameters by MAP on standardised y and returns the GP. */
  static fit(inputs: Inputs, y: Float64Array, options: GpFitOptions = {}): GaussianProcess {
    const { n } = inputs;
    if (n === 0) throw new RangeError("cannot fit a GP without observations");
    let mean = 0;
    for (const v of y) mean += v;
    mean /= n;
    let variance = 0;
    for (const v of y) variance += (v - mean) ** 2;
    // Unbiased std as BoTorch's Standardize; a constant y keeps scale 1.
    const scale = n > 1 && variance > 0 ? Math.sqrt(variance / (n - 1)) : 1;
    const standardised = y.map((v) => (v - mean) / scale);
    const hyperparameters = fitHyperparameters(inputs, standardised, options);
    return new GaussianProcess(inputs, y, hyperparameters, mean, scale);
  }

  /** The same GP conditioned on extra (e.g. fantasised) observations, hyper-parameters and standardisation kept. */
  withObservations(points: Float64Array, values: Float64Array): GaussianProcess {
    const { n, d } = this.inputs;
    const m = values.length;
    if (points.length !== m * d)
      throw new RangeError(`expected ${m}×${d} points, got ${points.length} values`);
    const data = new Float64Array((n + m) * d);
    data.set(this.inputs.data);
    data.set(points, n * d);
    const y = new Float64Array(n + m);
    y.set(this.targets);
    y.set(values, n);
    return new GaussianProcess({ data, n: n + m, d }, y, this.hyperparameters, this.yMean, this.yScale);
  }

  /** Posterior mean and variance of f(x) in original units. */
  predict(x: ArrayLike<number>): Prediction {
    const { n } = this.inputs;
    this.crossCovariance(x, null);
    let mean = 0;
    for (let i = 0; i < n; i++) mean += this.kStar[i] * this.alpha[i];
    solveLower(this.factor.L, n, this.kStar, this.v);
    let explained = 0;
    for (let i = 0; i < n; i++) explained += this.v[i] * this.v[i];
    const latent = Math.max(
      this.hyperparameters.outputscale - explained,
      1e-12 * this.hyperparameters.outputscale,
    );
    return { mean: mean * this.yScale + this.yMean, variance: latent * this.yScale * this.yScale };
  }

  /**
   * Posterior mean and variance with their gradients in x (written into meanGradient and
   * varianceGradient, length d): ∂μ/∂x = Σ αᵢ ∂kᵢ/∂x, ∂σ²/∂x = −2 Σ wᵢ ∂kᵢ/∂x with w = K⁻¹k*.
   */
  predictWithGradient(
    x: ArrayLike<number>,
    meanGradient: Float64Array,
    varianceGradient: Float64Array,
  ): Prediction {
    const { n, d, data } = this.inputs;
    this.crossCovariance(x, this.gStar);
    let mean = 0;
    for (let i = 0; i < n; i++) mean += this.kStar[i] * this.alpha[i];
    solveLower(this.factor.L, n, this.kStar, this.v);
    let explained = 0;
    for (let i = 0; i < n; i++) explained += this.v[i] * this.v[i];
    const floor = 1e-12 * this.hyperparameters.outputscale;
    const rawLatent = this.hyperparameters.outputscale - explained;
    const latent = Math.max(rawLatent, floor);
    const w = solveLowerTransposed(this.factor.L, n, this.v, this.v);
    meanGradient.fill(0);
    varianceGradient.fill(0);
    const inv = this.inverseSquaredLengthscales;
    for (let i = 0; i < n; i++) {
      // ∂kᵢ/∂x_k = −gStarᵢ · (x_k − X_ik)/ℓ_k², gStar = s·(5/3)·g(r).
      const a = this.alpha[i] * this.gStar[i];
      const b = w[i] * this.gStar[i];
      const row = i * d;
      for (let k = 0; k < d; k++) {
        const scaled = (x[k] - data[row + k]) * inv[k];
        meanGradient[k] -= a * scaled;
        varianceGradient[k] += 2 * b * scaled;
      }
    }
    const s2 = this.yScale * this.yScale;
    for (let k = 0; k < d; k++) {
      meanGradient[k] *= this.yScale;
      varianceGradient[k] = rawLatent > floor ? varianceGradient[k] * s2 : 0;
    }
    return { mean: mean * this.yScale + this.yMean, variance: latent * s2 };
  }

  private crossCovariance(x: ArrayLike<number>, gOut: Float64Array | null): void {
    const { n, d, data } = this.inputs;
    if (x.length !== d) throw new RangeError(`GP input has ${x.length} coordinates, expected ${d}`);
    const inv = this.inverseSquaredLengthscales;
    const s = this.hyperparameters.outputscale;
    for (let i = 0; i < n; i++) {
      let r2 = 0;
      const row = i * d;
      for (let k = 0; k < d; k++) {
        const delta = x[k] - data[row + k];
        r2 += delta * delta * inv[k];
      }
      const { value, g } = matern52(r2);
      this.kStar[i] = s * value;
      if (gOut) gOut[i] = s * (5 / 3) * g;
    }
  }
}

function fitHyperparameters(inputs: Inputs, y: Float64Array, options: GpFitOptions): GpHyperparameters {
  const { d } = inputs;
  const priors = options.priors ?? DEFAULT_GP_PRIORS;
  const bounds = options.bounds ?? DEFAULT_GP_BOUNDS;
  const lower = new Float64Array(d + 2);
  const upper = new Float64Array(d + 2);
  for (let k = 0; k < d; k++) {
    lower[k] = Math.log(bounds.lengthscale[0]);
    upper[k] = Math.log(bounds.lengthscale[1]);
  }
  lower[d] = Math.log(bounds.outputscale[0]);
  upper[d] = Math.log(bounds.outputscale[1]);
  lower[d + 1] = Math.log(bounds.noise[0]);
  upper[d + 1] = Math.log(bounds.noise[1]);

  const starts: Float64Array[] = [];
  if (options.initial) starts.push(hyperparametersToVector(options.initial));
  // GPyTorch's initial values: softplus(0) ≈ 0.69 for lengthscale and outputscale; small noise.
  starts.push(
    hyperparametersToVector({ lengthscales: new Float64Array(d).fill(0.69), outputscale: 0.69, noise: 1e-3 }),
  );
  const restarts = options.restarts ?? 2;
  for (let r = 0; r < restarts && options.random; r++) {
    const random = options.random;
    const theta = new Float64Array(d + 2);
    for (let k = 0; k < d; k++) theta[k] = Math.log(0.1) + random.uniform() * Math.log(20);
    theta[d] = Math.log(0.3) + random.uniform() * Math.log(10);
    theta[d + 1] = Math.log(1e-5) + random.uniform() * Math.log(1e4);
    starts.push(theta);
  }

  const squaredDifferences = pairwiseSquaredDifferences(inputs);
  const n = inputs.n;
  const objective = (theta: Float64Array, grad: Float64Array): number => {
    try {
      const result = logMarginalLikelihood(
        inputs,
        y,
        vectorToHyperparameters(theta, d),
        priors,
        squaredDifferences,
      );
      // Per-observation scale keeps the gradient tolerance meaningful for every n.
      for (let k = 0; k < grad.length; k++) grad[k] = -result.gradient[k] / n;
      return -result.logPosterior / n;
    } catch {
      grad.fill(0);
      return Number.POSITIVE_INFINITY;
    }
  };
  let best: { x: Float64Array; value: number } | null = null;
  for (const start of starts) {
    const result = minimize(objective, start, {
      lower,
      upper,
      maxIterations: options.maxIterations ?? 100,
      gradientTolerance: 1e-5,
      functionTolerance: 1e-9,
    });
    if (Number.isFinite(result.value) && (best === null || result.value < best.value)) best = result;
  }
  if (best === null) throw new RangeError("GP hyper-parameter fitting failed from every starting point");
  return vectorToHyperparameters(best.x, d);
}
