/**
 * Inverse-Hessian-vector products s = (H + λI)⁻¹ q, the core of influence functions
 * (Koh & Liang 2017), for a block of query vectors at once. Each solver reports what
 * it did and, when its answer cannot be trusted (negative curvature, no convergence,
 * a Hessian that is not positive definite), says so in `warnings` instead of
 * returning numbers silently.
 */
import { UserError } from "../../common/errors.js";
import type { Random } from "../../common/rng.js";
import { createRandom } from "../../common/rng.js";
import { cholesky, choleskySolve } from "../../math/linalg.js";
import { symmetricEigen } from "../linalg.js";
import type { ExplainableModel } from "../model.js";
import { kroneckerPreconditioner } from "./kronecker.js";

/**
 * The ways to apply the inverse Hessian: exact (Cholesky), conjugate gradient, LiSSA, Arnoldi, K-FAC, EK-FAC.
 *
 * @example
 * ```ts
 * import { INVERSE_METHODS } from "equipoise/explain";
 * INVERSE_METHODS; // ["exact", "cg", "lissa", "arnoldi", "kfac", "ekfac"]
 * ```
 */
export const INVERSE_METHODS = ["exact", "cg", "lissa", "arnoldi", "kfac", "ekfac"] as const;
/**
 * One of {@link INVERSE_METHODS}.
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type InverseMethod, solveInverseHvp } from "equipoise/explain";
 * declare const model: ExplainableModel; // the model to explain
 * const method: InverseMethod = "cg";
 * const report = solveInverseHvp(model, method, model.objectiveGradient(), 1);
 * ```
 */
export type InverseMethod = (typeof INVERSE_METHODS)[number];

/**
 * Options of {@link solveInverseHvp}, per method.
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type SolverOptions, solveInverseHvp } from "equipoise/explain";
 * declare const model: ExplainableModel; // the model to explain
 * declare const queries: Float64Array; // 2 query gradients, row-major [2 × model.parameterCount]
 * const options: SolverOptions = { damping: 1e-3, cgTolerance: 1e-10, cgMaxIterations: 500 };
 * const report = solveInverseHvp(model, "cg", queries, 2, options);
 * ```
 */
export interface SolverOptions {
  /** λ in (H + λI)⁻¹ (default 0). */
  damping?: number;
  /** Largest explicit Hessian the exact method builds (default 512 MiB). */
  memoryLimitBytes?: number;
  /** Conjugate gradient: relative residual to reach (default 1e-8) and iteration cap (default 1000). */
  cgTolerance?: number;
  cgMaxIterations?: number;
  /** LiSSA (Agarwal et al. 2017): recursion depth, repeats averaged, mini-batch size, scale, seed. */
  lissaDepth?: number;
  lissaRepeats?: number;
  lissaBatchSize?: number;
  lissaScale?: number;
  /** Arnoldi (Schioppa et al. 2022): Krylov iterations and eigenpairs kept. */
  arnoldiIterations?: number;
  arnoldiRank?: number;
  seed?: number;
}

/**
 * The solutions (count × p, row-major), what went wrong, and method details (iterations, residuals...).
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type SolverReport, solveInverseHvp } from "equipoise/explain";
 * declare const model: ExplainableModel; // the model to explain
 * declare const queries: Float64Array; // 2 query gradients, row-major [2 × model.parameterCount]
 * const report: SolverReport = solveInverseHvp(model, "cg", queries, 2);
 * report.solutions.subarray(0, model.parameterCount); // (H + λI)⁻¹ of the first query
 * report.details.iterations; // conjugate-gradient iterations taken; report.warnings: why not to trust it
 * ```
 */
export interface SolverReport {
  /** (H + λI)⁻¹ q for each query q, row-major. */
  solutions: Float64Array;
  /** Why the solutions may not be trusted (no convergence, negative curvature...). */
  warnings: string[];
  /** Method details: iterations, residuals, the damping used. */
  details: Record<string, number | string | boolean>;
}

/**
 * The largest explicit Hessian the exact method builds by default: 512 MiB.
 *
 * @example
 * ```ts
 * import { DEFAULT_MEMORY_LIMIT, explicitHessianBytes } from "equipoise/explain";
 * DEFAULT_MEMORY_LIMIT; // 536870912 bytes (512 MiB): the exact method's default memoryLimitBytes
 * explicitHessianBytes(5000) <= DEFAULT_MEMORY_LIMIT; // true: 5,000 parameters fit (400 MB)
 * ```
 */
export const DEFAULT_MEMORY_LIMIT = 512 * 2 ** 20;

/**
 * The bytes an explicit p × p Hessian and its Cholesky factor take.
 *
 * @example
 * ```ts
 * import { explicitHessianBytes } from "equipoise/explain";
 * explicitHessianBytes(105); // 176400: a 105 × 105 Hessian and its Cholesky factor in float64
 * ```
 */
export function explicitHessianBytes(parameterCount: number): number {
  return 2 * 8 * parameterCount * parameterCount;
}

/**
 * Solves (H + λI) x = q for `count` queries packed row-major in `queries` (each of the model's parameter count),
 * by the chosen method. The exact method refuses Hessians above `memoryLimitBytes`.
 *
 * @throws `UserError` when the exact Hessian would exceed the memory limit or is not positive definite,
 * or K-FAC / EK-FAC is asked of a model without Kronecker layers.
 * @example
 * ```ts
 * import { type Examples, fitLogisticRegression, solveInverseHvp } from "equipoise/explain";
 * declare const train: Examples; // the training rows, e.g. explainData(task).train
 * const { model } = fitLogisticRegression(train, { C: 1 });
 * const q = new Float64Array(model.parameterCount).fill(1);
 * const { solutions, warnings } = solveInverseHvp(model, "cg", q, 1, { damping: 1e-3 });
 * ```
 */
export function solveInverseHvp(
  model: ExplainableModel,
  method: InverseMethod,
  queries: Float64Array,
  count: number,
  options: SolverOptions = {},
): SolverReport {
  switch (method) {
    case "exact":
      return exactSolve(model, queries, count, options);
    case "cg":
      return conjugateGradientSolve(model, queries, count, options);
    case "lissa":
      return lissaSolve(model, queries, count, options);
    case "arnoldi":
      return arnoldiSolve(model, queries, count, options);
    case "kfac":
    case "ekfac":
      return kroneckerSolve(model, method, queries, count, options);
  }
}

function exactSolve(
  model: ExplainableModel,
  queries: Float64Array,
  count: number,
  options: SolverOptions,
): SolverReport {
  const p = model.parameterCount;
  const limit = options.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT;
  const bytes = explicitHessianBytes(p);
  if (bytes > limit) {
    throw new UserError(
      `the explicit Hessian of this ${model.description} (${p} parameters) needs ${formatBytes(bytes)}, beyond the limit of ${formatBytes(limit)}; use --method cg (exact Hessian-vector products) or ekfac`,
    );
  }
  const damping = options.damping ?? 0;
  const H = model.hessian();
  if (damping !== 0) for (let j = 0; j < p; j++) H[j * p + j] += damping;
  const warnings: string[] = [];
  let factor: ReturnType<typeof cholesky>;
  try {
    factor = cholesky(H, p, { initialRelativeJitter: 1e-12, maxTries: 6 });
  } catch {
    throw new UserError(
      `the Hessian of this ${model.description} is not positive definite (the model is not at a minimum); add --damping or retrain it to a minimum`,
    );
  }
  if (factor.jitter > 0) {
    warnings.push(
      `the Hessian is not positive definite: a jitter of ${factor.jitter.toExponential(2)} was added to factorise it; the model is not at a strict minimum and influence estimates are unreliable`,
    );
  }
  const solutions = new Float64Array(count * p);
  for (let k = 0; k < count; k++) {
    choleskySolve(factor, queries.subarray(k * p, (k + 1) * p), solutions.subarray(k * p, (k + 1) * p));
  }
  return { solutions, warnings, details: { jitter: factor.jitter } };
}

/**
 * Conjugate gradient on every query in lockstep, so that each round costs one block
 * Hessian-vector product (the model shares its forward pass across the block).
 * pᵀ(H + λI)p ≤ 0 means negative curvature: that query stops and is flagged, since CG
 * (and the influence approximation itself) assumes a positive-definite Hessian.
 */
function conjugateGradientSolve(
  model: ExplainableModel,
  queries: Float64Array,
  count: number,
  options: SolverOptions,
): SolverReport {
  const p = model.parameterCount;
  const damping = options.damping ?? 0;
  const tolerance = options.cgTolerance ?? 1e-8;
  const maxIterations = options.cgMaxIterations ?? 1000;
  const x = new Float64Array(count * p);
  const r = Float64Array.from(queries);
  const d = Float64Array.from(queries);
  const residual = new Float64Array(count);
  const target = new Float64Array(count);
  const state = new Uint8Array(count); // 0 running, 1 converged, 2 negative curvature
  for (let k = 0; k < count; k++) {
    residual[k] = norm2(r, k * p, p);
    target[k] = tolerance * residual[k];
    if (residual[k] <= target[k] || residual[k] === 0) state[k] = 1;
  }
  let iterations = 0;
  let products = 0;
  while (iterations < maxIterations) {
    const active: number[] = [];
    for (let k = 0; k < count; k++) if (state[k] === 0) active.push(k);
    if (active.length === 0) break;
    iterations++;
    const block = new Float64Array(active.length * p);
    for (let a = 0; a < active.length; a++) block.set(d.subarray(active[a] * p, (active[a] + 1) * p), a * p);
    const Hd = model.hessianVectorProducts(block, active.length);
    products += active.length;
    active.forEach((k, a) => {
      const o = k * p;
      const h = a * p;
      let curvature = 0;
      for (let j = 0; j < p; j++) {
        Hd[h + j] += damping * d[o + j];
        curvature += d[o + j] * Hd[h + j];
      }
      if (!(curvature > 0)) {
        state[k] = 2;
        return;
      }
      const rr = residual[k] * residual[k];
      const alpha = rr / curvature;
      let next = 0;
      for (let j = 0; j < p; j++) {
        x[o + j] += alpha * d[o + j];
        r[o + j] -= alpha * Hd[h + j];
        next += r[o + j] * r[o + j];
      }
      const beta = next / rr;
      residual[k] = Math.sqrt(next);
      if (residual[k] <= target[k]) {
        state[k] = 1;
        return;
      }
      for (let j = 0; j < p; j++) d[o + j] = r[o + j] + beta * d[o + j];
    });
  }
  const warnings: string[] = [];
  const negative = state.reduce((n, s) => n + (s === 2 ? 1 : 0), 0);
  const unconverged = state.reduce((n, s) => n + (s === 0 ? 1 : 0), 0);
  if (negative > 0) {
    warnings.push(
      `conjugate gradient met negative curvature for ${negative} of ${count} queries: the Hessian is not positive definite at these parameters (not a minimum); add damping or retrain to a minimum`,
    );
  }
  if (unconverged > 0) {
    let worst = 0;
    for (let k = 0; k < count; k++)
      if (state[k] === 0) worst = Math.max(worst, residual[k] / (target[k] / tolerance));
    warnings.push(
      `conjugate gradient did not converge for ${unconverged} of ${count} queries in ${maxIterations} iterations (worst relative residual ${worst.toExponential(2)}); add damping or raise the iteration cap`,
    );
  }
  return {
    solutions: x,
    warnings,
    details: { iterations, hessianVectorProducts: products, damping, tolerance },
  };
}

/**
 * LiSSA: the truncated Neumann series (H/s)⁻¹ = Σⱼ (I − H/s)ʲ evaluated by the
 * recursion hⱼ = q + (I − (H_B + λI)/s) hⱼ₋₁ with mini-batch Hessians H_B, then h/s.
 * The scale s must exceed the largest eigenvalue of H + λI; when not given it is
 * 1.5 times a power-iteration estimate of it.
 */
function lissaSolve(
  model: ExplainableModel,
  queries: Float64Array,
  count: number,
  options: SolverOptions,
): SolverReport {
  const p = model.parameterCount;
  const n = model.train.rows;
  const damping = options.damping ?? 0;
  const depth = options.lissaDepth ?? 1000;
  const repeats = options.lissaRepeats ?? 1;
  const batchSize = Math.min(options.lissaBatchSize ?? 256, n);
  const random = createRandom(options.seed ?? 0);
  const largest = options.lissaScale === undefined ? largestEigenvalue(model, random, 30) + damping : 0;
  const scale = options.lissaScale ?? 1.5 * largest;
  const solutions = new Float64Array(count * p);
  const batch = new Int32Array(batchSize);
  let diverged = false;
  for (let repeat = 0; repeat < repeats; repeat++) {
    const h = Float64Array.from(queries);
    for (let step = 0; step < depth; step++) {
      for (let b = 0; b < batchSize; b++) batch[b] = random.integer(n);
      const Hh = model.hessianVectorProducts(h, count, batch);
      for (let j = 0; j < h.length; j++) h[j] = queries[j] + h[j] - (Hh[j] + damping * h[j]) / scale;
    }
    for (let j = 0; j < h.length; j++) {
      if (!Number.isFinite(h[j])) diverged = true;
      solutions[j] += h[j] / scale / repeats;
    }
  }
  const warnings = diverged
    ? [
        `LiSSA diverged (scale ${scale.toPrecision(3)} below the largest eigenvalue of a mini-batch Hessian); give a larger scale`,
      ]
    : [];
  return { solutions, warnings, details: { depth, repeats, batchSize, scale, damping } };
}

/**
 * Power iteration on H (full data): the largest eigenvalue, for LiSSA's scale.
 *
 * @example
 * ```ts
 * import { largestEigenvalue } from "equipoise/explain";
 * import { createRandom } from "equipoise";
 * import type { LogisticModel } from "equipoise/explain";
 * declare const model: LogisticModel; // from fitLogisticRegression(data.train)
 * const scale = largestEigenvalue(model, createRandom(0), 50); // LiSSA divides H by a bound above this
 * ```
 */
export function largestEigenvalue(model: ExplainableModel, random: Random, iterations: number): number {
  const p = model.parameterCount;
  let v: Float64Array = new Float64Array(p);
  random.fillNormal(v);
  let value = 0;
  for (let t = 0; t < iterations; t++) {
    const length = norm2(v, 0, p);
    for (let j = 0; j < p; j++) v[j] /= length;
    const Hv = model.hessianVectorProducts(v, 1);
    value = 0;
    for (let j = 0; j < p; j++) value += v[j] * Hv[j];
    v = Hv;
  }
  return Math.abs(value);
}

/**
 * Arnoldi (Schioppa et al. 2022): a Krylov basis of H from a random start, fully
 * re-orthogonalised, the projected matrix diagonalised, and the `rank` eigenpairs of
 * largest magnitude kept; then H⁻¹ ≈ U Λ⁻¹ Uᵀ on that subspace. Every query and every
 * training gradient is then a projection, so many queries cost little more than one.
 */
function arnoldiSolve(
  model: ExplainableModel,
  queries: Float64Array,
  count: number,
  options: SolverOptions,
): SolverReport {
  const p = model.parameterCount;
  const damping = options.damping ?? 0;
  const iterations = Math.min(options.arnoldiIterations ?? 200, p);
  const rank = Math.min(options.arnoldiRank ?? Math.max(1, Math.floor(iterations / 2)), iterations);
  const random = createRandom(options.seed ?? 0);
  const basis: Float64Array[] = [];
  const start = new Float64Array(p);
  random.fillNormal(start);
  scaleInPlace(start, 1 / norm2(start, 0, p));
  basis.push(start);
  const projected = new Float64Array(iterations * iterations);
  let size = iterations;
  for (let k = 0; k < iterations; k++) {
    const w = model.hessianVectorProducts(basis[k], 1);
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j <= k; j++) {
        let h = 0;
        for (let i = 0; i < p; i++) h += basis[j][i] * w[i];
        if (pass === 0) projected[j * iterations + k] = h;
        else projected[j * iterations + k] += h;
        for (let i = 0; i < p; i++) w[i] -= h * basis[j][i];
      }
    }
    const length = norm2(w, 0, p);
    if (k + 1 === iterations) break;
    if (length < 1e-12 * Math.abs(projected[k * iterations + k] || 1)) {
      size = k + 1; // invariant subspace found: the Krylov space is exhausted
      break;
    }
    projected[(k + 1) * iterations + k] = length;
    scaleInPlace(w, 1 / length);
    basis.push(w);
  }
  // H is symmetric: use the symmetric part of the projection (equal up to rounding).
  const T = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++)
      T[i * size + j] = 0.5 * (projected[i * iterations + j] + projected[j * iterations + i]);
  }
  const eigen = symmetricEigen(T, size);
  const order = Array.from({ length: size }, (_, i) => i).sort(
    (a, b) => Math.abs(eigen.values[b]) - Math.abs(eigen.values[a]),
  );
  const kept = order.slice(0, Math.min(rank, size));
  const solutions = new Float64Array(count * p);
  const warnings: string[] = [];
  let negative = 0;
  for (const e of kept) {
    const lambda = eigen.values[e] + damping;
    if (!(lambda > 0)) {
      negative++;
      continue;
    }
    const u = new Float64Array(p);
    for (let j = 0; j < size; j++) {
      const c = eigen.vectors[j * size + e];
      if (c !== 0) for (let i = 0; i < p; i++) u[i] += c * basis[j][i];
    }
    for (let k = 0; k < count; k++) {
      let projection = 0;
      for (let i = 0; i < p; i++) projection += u[i] * queries[k * p + i];
      const c = projection / lambda;
      for (let i = 0; i < p; i++) solutions[k * p + i] += c * u[i];
    }
  }
  if (negative > 0) {
    warnings.push(
      `Arnoldi found ${negative} non-positive eigenvalues among the ${kept.length} kept: the Hessian is not positive definite (not a minimum); they were left out`,
    );
  }
  return { solutions, warnings, details: { iterations: size, rank: kept.length, damping } };
}

function kroneckerSolve(
  model: ExplainableModel,
  method: "kfac" | "ekfac",
  queries: Float64Array,
  count: number,
  options: SolverOptions,
): SolverReport {
  if (!model.kroneckerLayers || !model.kroneckerStatistics) {
    throw new UserError(
      `${method} needs a layered model; ${model.description} has no Kronecker factors (use exact or cg)`,
    );
  }
  const preconditioner = kroneckerPreconditioner(model, method === "ekfac", options.damping ?? 0);
  const p = model.parameterCount;
  const solutions = new Float64Array(count * p);
  for (let k = 0; k < count; k++) {
    preconditioner.apply(queries.subarray(k * p, (k + 1) * p), solutions.subarray(k * p, (k + 1) * p));
  }
  return {
    solutions,
    warnings: preconditioner.warnings,
    details: { damping: options.damping ?? 0, layers: model.kroneckerLayers.length },
  };
}

function norm2(values: Float64Array, offset: number, length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i++) sum += values[offset + i] * values[offset + i];
  return Math.sqrt(sum);
}

function scaleInPlace(values: Float64Array, factor: number): void {
  for (let i = 0; i < values.length; i++) values[i] *= factor;
}

function formatBytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}
