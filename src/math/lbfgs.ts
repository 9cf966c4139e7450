/**
 * Limited-memory BFGS with box bounds handled by projection (a "projected L-BFGS",
 * in the spirit of L-BFGS-B without its generalised Cauchy point): variables that sit
 * on a bound with the gradient pushing outwards are frozen for the step, the quasi-Newton
 * direction is computed on the free variables, and a backtracking Armijo search runs
 * along the projected path x(t) = P(x + t·d).
 *
 * Why projection rather than the full Byrd–Lu–Nocedal–Zhu algorithm: the problems in this
 * code base (GP hyper-parameters, acquisition functions on [0,1]^d) have few variables and
 * cheap bound handling matters more than the last iterations of superlinear convergence.
 */

export interface MinimizeOptions {
  /** Lower bounds per variable (−∞ when absent). */
  lower?: Float64Array;
  /** Upper bounds per variable (+∞ when absent). */
  upper?: Float64Array;
  /** Maximum number of quasi-Newton iterations (default 200). */
  maxIterations?: number;
  /** Stop when the infinity norm of the projected gradient is below this (default 1e-6). */
  gradientTolerance?: number;
  /** Stop when the relative decrease of f in one iteration is below this (default 1e-10, SciPy's factr·eps order). */
  functionTolerance?: number;
  /** Number of correction pairs kept (default 10). */
  memory?: number;
  /** Maximum number of function evaluations (default 20·maxIterations). */
  maxEvaluations?: number;
}

export interface MinimizeResult {
  x: Float64Array;
  value: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
}

/** Objective and gradient: writes ∇f(x) into `grad` and returns f(x). */
export type ObjectiveWithGradient = (x: Float64Array, grad: Float64Array) => number;

const ARMIJO = 1e-4;
const MAX_BACKTRACKS = 40;

/** Minimises f over the box [lower, upper] starting from the projection of x0. */
export function minimize(
  fg: ObjectiveWithGradient,
  x0: Float64Array,
  options: MinimizeOptions = {},
): MinimizeResult {
  const n = x0.length;
  const lower = options.lower ?? new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  const upper = options.upper ?? new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  if (lower.length !== n || upper.length !== n) {
    throw new RangeError(`bounds have length ${lower.length}/${upper.length}, expected ${n}`);
  }
  for (let i = 0; i < n; i++) {
    if (!(lower[i] <= upper[i]))
      throw new RangeError(`lower[${i}] = ${lower[i]} exceeds upper[${i}] = ${upper[i]}`);
  }
  const maxIterations = options.maxIterations ?? 200;
  const gradientTolerance = options.gradientTolerance ?? 1e-6;
  const functionTolerance = options.functionTolerance ?? 1e-10;
  const memory = Math.max(1, options.memory ?? 10);
  const maxEvaluations = options.maxEvaluations ?? 20 * maxIterations;

  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = clamp(x0[i], lower[i], upper[i]);
  const grad = new Float64Array(n);
  let value = fg(x, grad);
  let evaluations = 1;
  if (!Number.isFinite(value)) return { x, value, iterations: 0, evaluations, converged: false };

  const sHistory: Float64Array[] = [];
  const yHistory: Float64Array[] = [];
  const rhoHistory: number[] = [];
  const direction = new Float64Array(n);
  const free = new Uint8Array(n);
  const alpha = new Float64Array(memory);
  const trial = new Float64Array(n);
  const trialGrad = new Float64Array(n);

  let iterations = 0;
  let converged = projectedGradientNorm(x, grad, lower, upper) <= gradientTolerance;

  while (!converged && iterations < maxIterations && evaluations < maxEvaluations) {
    // Variables on a bound whose gradient points out of the box stay put this step.
    for (let i = 0; i < n; i++) {
      const atLower = x[i] <= lower[i] && grad[i] > 0;
      const atUpper = x[i] >= upper[i] && grad[i] < 0;
      free[i] = atLower || atUpper ? 0 : 1;
    }
    twoLoopDirection(grad, free, sHistory, yHistory, rhoHistory, alpha, direction);
    let slope = dotMasked(direction, grad, free);
    if (!(slope < 0)) {
      // The curvature pairs gave no descent direction on the free set: restart from steepest descent.
      sHistory.length = 0;
      yHistory.length = 0;
      rhoHistory.length = 0;
      for (let i = 0; i < n; i++) direction[i] = free[i] ? -grad[i] : 0;
      slope = dotMasked(direction, grad, free);
      if (!(slope < 0)) {
        converged = true;
        break;
      }
    }

    // First step of a fresh memory: scale so that the step has unit length.
    let step = sHistory.length === 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
    let accepted = false;
    let trialValue = Number.NaN;
    for (let k = 0; k < MAX_BACKTRACKS && evaluations < maxEvaluations; k++) {
      let predicted = 0;
      let moved = false;
      for (let i = 0; i < n; i++) {
        trial[i] = clamp(x[i] + step * direction[i], lower[i], upper[i]);
        const delta = trial[i] - x[i];
        if (delta !== 0) moved = true;
        predicted += grad[i] * delta;
      }
      if (!moved) break;
      trialValue = fg(trial, trialGrad);
      evaluations++;
      if (Number.isFinite(trialValue) && trialValue <= value + ARMIJO * predicted) {
        accepted = true;
        break;
      }
      step *= Number.isFinite(trialValue) ? 0.5 : 0.1;
    }
    iterations++;
    if (!accepted) {
      if (sHistory.length > 0) {
        // Stale curvature information can produce poor directions: retry once with a clean memory.
        sHistory.length = 0;
        yHistory.length = 0;
        rhoHistory.length = 0;
        continue;
      }
      break;
    }

    const s = new Float64Array(n);
    const y = new Float64Array(n);
    let sy = 0;
    let yy = 0;
    for (let i = 0; i < n; i++) {
      s[i] = trial[i] - x[i];
      y[i] = trialGrad[i] - grad[i];
      sy += s[i] * y[i];
      yy += y[i] * y[i];
    }
    // Curvature condition; skipping the update keeps the inverse Hessian positive definite.
    if (sy > 1e-10 * yy && sy > 0) {
      if (sHistory.length === memory) {
        sHistory.shift();
        yHistory.shift();
        rhoHistory.shift();
      }
      sHistory.push(s);
      yHistory.push(y);
      rhoHistory.push(1 / sy);
    }
    const previous = value;
    x.set(trial);
    grad.set(trialGrad);
    value = trialValue;

    if (projectedGradientNorm(x, grad, lower, upper) <= gradientTolerance) converged = true;
    else if (previous - value <= functionTolerance * Math.max(Math.abs(previous), Math.abs(value), 1))
      converged = true;
  }
  return { x, value, iterations, evaluations, converged };
}

/** Two-loop recursion (Nocedal & Wright, Algorithm 7.4) restricted to the free variables. */
function twoLoopDirection(
  grad: Float64Array,
  free: Uint8Array,
  sHistory: Float64Array[],
  yHistory: Float64Array[],
  rhoHistory: number[],
  alpha: Float64Array,
  out: Float64Array,
): void {
  const n = grad.length;
  for (let i = 0; i < n; i++) out[i] = free[i] ? grad[i] : 0;
  const m = sHistory.length;
  for (let k = m - 1; k >= 0; k--) {
    const a = rhoHistory[k] * dotMasked(sHistory[k], out, free);
    alpha[k] = a;
    const y = yHistory[k];
    for (let i = 0; i < n; i++) if (free[i]) out[i] -= a * y[i];
  }
  if (m > 0) {
    const y = yHistory[m - 1];
    const yy = dotMasked(y, y, free);
    const gamma = yy > 0 ? 1 / (rhoHistory[m - 1] * yy) : 1;
    for (let i = 0; i < n; i++) out[i] *= gamma;
  }
  for (let k = 0; k < m; k++) {
    const b = rhoHistory[k] * dotMasked(yHistory[k], out, free);
    const s = sHistory[k];
    const coefficient = alpha[k] - b;
    for (let i = 0; i < n; i++) if (free[i]) out[i] += coefficient * s[i];
  }
  for (let i = 0; i < n; i++) out[i] = free[i] ? -out[i] : 0;
}

function dotMasked(a: Float64Array, b: Float64Array, mask: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) if (mask[i]) sum += a[i] * b[i];
  return sum;
}

/** ‖x − P(x − ∇f)‖∞: zero exactly at a KKT point of the box-constrained problem. */
function projectedGradientNorm(
  x: Float64Array,
  grad: Float64Array,
  lower: Float64Array,
  upper: Float64Array,
): number {
  let norm = 0;
  for (let i = 0; i < x.length; i++) {
    const moved = Math.abs(clamp(x[i] - grad[i], lower[i], upper[i]) - x[i]);
    if (moved > norm) norm = moved;
  }
  return norm;
}

function clamp(value: number, low: number, high: number): number {
  return value < low ? low : Math.min(value, high);
}
