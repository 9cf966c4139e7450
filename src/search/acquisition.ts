/**
 * Expected hypervolume improvement (all objectives minimised), exact for independent
 * Gaussian posteriors and any number of objectives, in log space.
 *
 * The region that a new point y can add to the dominated hypervolume is the part of the
 * reference box that the current front does not dominate. Decomposed once per `ask` into
 * disjoint boxes [l_k, u_k] (l may be −∞),
 *   HVI(y) = Σ_k Π_j (u_kj − max(l_kj, y_j))⁺ = Σ_k Π_j [(u_kj − y_j)⁺ − (l_kj − y_j)⁺],
 * and with independent y_j ~ N(μ_j, σ_j²) each factor has expectation ψ_j(u) − ψ_j(l),
 * ψ(v) = E[(v − Y)⁺] = σ·(φ(z) + zΦ(z)), z = (v − μ)/σ (Yang, Emmerich, Deutz & Bäck 2019
 * derive the same for their box decomposition). ∂ψ/∂μ = −Φ(z), ∂ψ/∂σ = φ(z).
 *
 * Working with log EHVI (as BoTorch's qLogNEHVI) keeps values and gradients informative far
 * from the front, where EHVI itself underflows to 0 and gives a multi-start optimiser
 * nothing to climb.
 */
import { logExpectedPositivePart, logNormalCdf, logNormalPdf } from "../math/normal.js";
import type { GaussianProcess } from "./gp.js";

/**
 * Disjoint boxes covering the non-dominated part of the reference box; row-major count × m.
 *
 * @example
 * ```ts
 * import { type BoxDecomposition, nonDominatedBoxes } from "equipoise/search";
 * const boxes: BoxDecomposition = nonDominatedBoxes([[1, 3], [2, 2], [3, 1]], [4, 4]);
 * boxes.m; // 2 objectives
 * boxes.lower.slice(0, boxes.m); // the first box's lower corner (row-major, `count` rows)
 * ```
 */
export interface BoxDecomposition {
  m: number;
  count: number;
  lower: Float64Array;
  upper: Float64Array;
}

interface Box {
  lower: number[];
  upper: number[];
}

/**
 * Boxes whose union is {y ≤ reference : no point p has p ≤ y} (up to boundaries). Sweeps
 * the last objective: in the slab between consecutive levels the dominating points are
 * those at or below the slab, and the slab's cross-section is the (m−1)-dimensional
 * decomposition of their projections; boxes that do not change between slabs are merged.
 *
 * @example
 * ```ts
 * import { hypervolumeImprovement, nonDominatedBoxes } from "equipoise/search";
 * const boxes = nonDominatedBoxes([[1, 3], [2, 2], [3, 1]], [4, 4]); // minimised, reference (4, 4)
 * boxes.count; // 4 boxes cover the region no point dominates
 * hypervolumeImprovement([1.5, 1.5], boxes); // 1.25
 * ```
 */
export function nonDominatedBoxes(
  points: readonly ArrayLike<number>[],
  reference: ArrayLike<number>,
): BoxDecomposition {
  const m = reference.length;
  if (m < 1) throw new RangeError("the reference point needs at least one objective");
  const inside: number[][] = [];
  for (const p of points) {
    if (p.length !== m) throw new RangeError(`point has ${p.length} objectives, the reference point ${m}`);
    let strictlyBetter = true;
    for (let j = 0; j < m; j++) if (!(p[j] < reference[j])) strictlyBetter = false;
    if (strictlyBetter) inside.push(Array.from(p));
  }
  const boxes = decompose(inside, Array.from(reference), m);
  const lower = new Float64Array(boxes.length * m);
  const upper = new Float64Array(boxes.length * m);
  boxes.forEach((box, k) => {
    lower.set(box.lower, k * m);
    upper.set(box.upper, k * m);
  });
  return { m, count: boxes.length, lower, upper };
}

function decompose(points: number[][], reference: number[], m: number): Box[] {
  if (m === 1) {
    let upper = reference[0];
    for (const p of points) if (p[0] < upper) upper = p[0];
    return [{ lower: [Number.NEGATIVE_INFINITY], upper: [upper] }];
  }
  const last = m - 1;
  const sorted = [...points].sort((a, b) => a[last] - b[last]);
  const levels: number[] = [];
  for (const p of sorted)
    if (levels.length === 0 || p[last] > levels[levels.length - 1]) levels.push(p[last]);
  const subReference = reference.slice(0, last);
  const open = new Map<string, { box: Box; from: number }>();
  const out: Box[] = [];
  const included: number[][] = [];
  let next = 0;
  for (let s = 0; s <= levels.length; s++) {
    const from = s === 0 ? Number.NEGATIVE_INFINITY : levels[s - 1];
    while (next < sorted.length && sorted[next][last] <= from) included.push(sorted[next++].slice(0, last));
    const section = decompose(included, subReference, last);
    const keys = new Set<string>();
    for (const box of section) {
      const key = `${box.lower.join(",")}|${box.upper.join(",")}`;
      keys.add(key);
      if (!open.has(key)) open.set(key, { box, from });
    }
    for (const [key, entry] of open) {
      if (keys.has(key)) continue;
      out.push({ lower: [...entry.box.lower, entry.from], upper: [...entry.box.upper, from] });
      open.delete(key);
    }
  }
  for (const entry of open.values()) {
    if (entry.from < reference[last]) {
      out.push({ lower: [...entry.box.lower, entry.from], upper: [...entry.box.upper, reference[last]] });
    }
  }
  return out;
}

/**
 * Hypervolume improvement of one point over the front the boxes were built from.
 *
 * @example
 * ```ts
 * import { hypervolumeImprovement, nonDominatedBoxes } from "equipoise/search";
 * const boxes = nonDominatedBoxes([[1, 3], [2, 2], [3, 1]], [4, 4]);
 * hypervolumeImprovement([1.5, 1.5], boxes); // 1.25
 * hypervolumeImprovement([3, 3], boxes); // 0: (3, 3) is dominated
 * ```
 */
export function hypervolumeImprovement(y: ArrayLike<number>, boxes: BoxDecomposition): number {
  const { m, count, lower, upper } = boxes;
  let total = 0;
  for (let k = 0; k < count; k++) {
    let volume = 1;
    for (let j = 0; j < m; j++) {
      const side = upper[k * m + j] - Math.max(lower[k * m + j], y[j]);
      if (side <= 0) {
        volume = 0;
        break;
      }
      volume *= side;
    }
    total += volume;
  }
  return total;
}

/**
 * log EHVI with its gradient in the posterior means and standard deviations. The box
 * coordinates of each objective are gathered in a grid so that ψ is evaluated once per
 * distinct coordinate rather than once per box.
 *
 * @example
 * ```ts
 * import { LogExpectedHypervolumeImprovement, nonDominatedBoxes } from "equipoise/search";
 * const ehvi = new LogExpectedHypervolumeImprovement(nonDominatedBoxes([[1, 3], [2, 2], [3, 1]], [4, 4]));
 * ehvi.evaluate([1.5, 1.5], [0.1, 0.1]); // ≈ 0.223 = log 1.25: a confident prediction of an improvement
 * ehvi.evaluate([3.5, 3.5], [0.1, 0.1]); // ≈ −139.5: hopeless, yet finite and still differentiable
 * ```
 */
export class LogExpectedHypervolumeImprovement {
  readonly boxes: BoxDecomposition;
  private readonly grids: Float64Array[];
  private readonly lowerIndex: Int32Array;
  private readonly upperIndex: Int32Array;
  private readonly logPsi: Float64Array[];
  private readonly logCdf: Float64Array[];
  private readonly logPdf: Float64Array[];
  private readonly boxLog: Float64Array;
  private readonly termLog: Float64Array;

  constructor(boxes: BoxDecomposition) {
    this.boxes = boxes;
    const { m, count } = boxes;
    this.grids = [];
    this.lowerIndex = new Int32Array(count * m);
    this.upperIndex = new Int32Array(count * m);
    for (let j = 0; j < m; j++) {
      const values = new Set<number>();
      for (let k = 0; k < count; k++) {
        values.add(boxes.upper[k * m + j]);
        const l = boxes.lower[k * m + j];
        if (Number.isFinite(l)) values.add(l);
      }
      const grid = Float64Array.from([...values].sort((a, b) => a - b));
      const index = new Map<number, number>();
      for (let i = 0; i < grid.length; i++) index.set(grid[i], i);
      for (let k = 0; k < count; k++) {
        const l = boxes.lower[k * m + j];
        this.lowerIndex[k * m + j] = Number.isFinite(l) ? (index.get(l) as number) : -1;
        this.upperIndex[k * m + j] = index.get(boxes.upper[k * m + j]) as number;
      }
      this.grids.push(grid);
    }
    this.logPsi = this.grids.map((g) => new Float64Array(g.length));
    this.logCdf = this.grids.map((g) => new Float64Array(g.length));
    this.logPdf = this.grids.map((g) => new Float64Array(g.length));
    this.boxLog = new Float64Array(count);
    this.termLog = new Float64Array(count * m);
  }

  /**
   * log EHVI at independent N(mean_j, std_j²); when the gradient arrays are given, writes
   * ∂/∂mean_j and ∂/∂std_j into them. Returns −∞ when there is nothing to improve.
   */
  evaluate(
    mean: ArrayLike<number>,
    std: ArrayLike<number>,
    meanGradient?: Float64Array,
    stdGradient?: Float64Array,
  ): number {
    const { m, count } = this.boxes;
    for (let j = 0; j < m; j++) {
      const grid = this.grids[j];
      const sigma = std[j];
      const logSigma = Math.log(sigma);
      for (let g = 0; g < grid.length; g++) {
        const z = (grid[g] - mean[j]) / sigma;
        this.logPsi[j][g] = logSigma + logExpectedPositivePart(z);
        if (meanGradient) {
          this.logCdf[j][g] = logNormalCdf(z);
          this.logPdf[j][g] = logNormalPdf(z);
        }
      }
    }
    let maxLog = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < count; k++) {
      let sum = 0;
      for (let j = 0; j < m; j++) {
        const u = this.upperIndex[k * m + j];
        const l = this.lowerIndex[k * m + j];
        const logU = this.logPsi[j][u];
        let term = logU;
        if (l >= 0) {
          term = logU + log1mExp(this.logPsi[j][l] - logU);
          if (!Number.isFinite(term)) {
            // ψ(u) − ψ(l) lost to rounding in a very thin box: (u − l)·Φ(z_l) bounds it from below.
            const width = this.grids[j][u] - this.grids[j][l];
            term = Math.log(width) + logNormalCdf((this.grids[j][l] - mean[j]) / std[j]);
          }
        }
        this.termLog[k * m + j] = term;
        sum += term;
      }
      this.boxLog[k] = sum;
      if (sum > maxLog) maxLog = sum;
    }
    if (!Number.isFinite(maxLog)) {
      meanGradient?.fill(0);
      stdGradient?.fill(0);
      return Number.NEGATIVE_INFINITY;
    }
    let total = 0;
    for (let k = 0; k < count; k++) total += Math.exp(this.boxLog[k] - maxLog);
    const value = maxLog + Math.log(total);
    if (meanGradient && stdGradient) {
      meanGradient.fill(0);
      stdGradient.fill(0);
      for (let k = 0; k < count; k++) {
        const weight = Math.exp(this.boxLog[k] - value);
        if (weight === 0) continue;
        for (let j = 0; j < m; j++) {
          const u = this.upperIndex[k * m + j];
          const l = this.lowerIndex[k * m + j];
          const term = this.termLog[k * m + j];
          // ∂ log t/∂μ = −(Φ(z_u) − Φ(z_l))/t, ∂ log t/∂σ = (φ(z_u) − φ(z_l))/t.
          let dMean = -Math.exp(this.logCdf[j][u] - term);
          let dStd = Math.exp(this.logPdf[j][u] - term);
          if (l >= 0) {
            dMean += Math.exp(this.logCdf[j][l] - term);
            dStd -= Math.exp(this.logPdf[j][l] - term);
          }
          meanGradient[j] += weight * dMean;
          stdGradient[j] += weight * dStd;
        }
      }
    }
    return value;
  }
}

/** log(1 − eˣ) for x ≤ 0, accurate on both sides of −ln 2 (Mächler 2012). */
function log1mExp(x: number): number {
  return x > -Math.LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}

/**
 * log P(feasible) = Σ_c log Φ(−μ_c/σ_c) for constraints "c(x) ≤ 0", with gradients in the
 * means and standard deviations when the arrays are given.
 */
export function logProbabilityOfFeasibility(
  mean: ArrayLike<number>,
  std: ArrayLike<number>,
  meanGradient?: Float64Array,
  stdGradient?: Float64Array,
): number {
  let total = 0;
  for (let c = 0; c < mean.length; c++) {
    const z = -mean[c] / std[c];
    const logCdf = logNormalCdf(z);
    total += logCdf;
    if (meanGradient && stdGradient) {
      const ratio = Math.exp(logNormalPdf(z) - logCdf);
      meanGradient[c] = -ratio / std[c];
      stdGradient[c] = (-ratio * z) / std[c];
    }
  }
  return total;
}

/**
 * log EHVI × P(feasible) of a point in the unit cube, from one GP per objective and one per
 * constraint; the gradient in x is assembled by the chain rule through the GP posteriors.
 *
 * @example
 * ```ts
 * import { ConstrainedLogEhvi, type GaussianProcess, LogExpectedHypervolumeImprovement, nonDominatedBoxes } from "equipoise/search";
 * declare const f1: GaussianProcess, f2: GaussianProcess; // fits of the two objectives, on unit-cube inputs
 * declare const g: GaussianProcess; // a fit of the constraint
 * const front = [[0.2, 0.8], [0.6, 0.3]]; // the feasible observations' objectives (minimised)
 * const referencePoint = [1, 1];
 * const ehvi = new LogExpectedHypervolumeImprovement(nonDominatedBoxes(front, referencePoint));
 * const acquisition = new ConstrainedLogEhvi([f1, f2], [g], ehvi);
 * const gradient = new Float64Array(2);
 * const value = acquisition.evaluate([0.3, 0.7], gradient); // log EHVI + log P(feasible), and ∂/∂x
 * ```
 */
export class ConstrainedLogEhvi {
  private readonly meanBuffer: Float64Array;
  private readonly stdBuffer: Float64Array;
  private readonly dMean: Float64Array;
  private readonly dStd: Float64Array;
  private readonly constraintMean: Float64Array;
  private readonly constraintStd: Float64Array;
  private readonly dConstraintMean: Float64Array;
  private readonly dConstraintStd: Float64Array;
  private readonly models: readonly GaussianProcess[];
  private readonly meanGradients: Float64Array[];
  private readonly varianceGradients: Float64Array[];

  constructor(
    readonly objectives: readonly GaussianProcess[],
    readonly constraints: readonly GaussianProcess[],
    readonly ehvi: LogExpectedHypervolumeImprovement,
  ) {
    const m = objectives.length;
    const c = constraints.length;
    const d = objectives[0]?.inputs.d ?? 0;
    this.meanBuffer = new Float64Array(m);
    this.stdBuffer = new Float64Array(m);
    this.dMean = new Float64Array(m);
    this.dStd = new Float64Array(m);
    this.constraintMean = new Float64Array(c);
    this.constraintStd = new Float64Array(c);
    this.dConstraintMean = new Float64Array(c);
    this.dConstraintStd = new Float64Array(c);
    this.models = [...objectives, ...constraints];
    this.meanGradients = [...objectives, ...constraints].map(() => new Float64Array(d));
    this.varianceGradients = [...objectives, ...constraints].map(() => new Float64Array(d));
  }

  /** The acquisition value at x; with `gradient`, also ∂/∂x written into it. */
  evaluate(x: ArrayLike<number>, gradient?: Float64Array): number {
    const models = this.models;
    const m = this.objectives.length;
    for (let i = 0; i < models.length; i++) {
      const prediction = gradient
        ? models[i].predictWithGradient(x, this.meanGradients[i], this.varianceGradients[i])
        : models[i].predict(x);
      const std = Math.sqrt(prediction.variance);
      if (i < m) {
        this.meanBuffer[i] = prediction.mean;
        this.stdBuffer[i] = std;
      } else {
        this.constraintMean[i - m] = prediction.mean;
        this.constraintStd[i - m] = std;
      }
    }
    const logEhvi = gradient
      ? this.ehvi.evaluate(this.meanBuffer, this.stdBuffer, this.dMean, this.dStd)
      : this.ehvi.evaluate(this.meanBuffer, this.stdBuffer);
    const logFeasible = gradient
      ? logProbabilityOfFeasibility(
          this.constraintMean,
          this.constraintStd,
          this.dConstraintMean,
          this.dConstraintStd,
        )
      : logProbabilityOfFeasibility(this.constraintMean, this.constraintStd);
    const value = logEhvi + logFeasible;
    if (gradient) {
      gradient.fill(0);
      if (!Number.isFinite(value)) return value;
      for (let i = 0; i < models.length; i++) {
        const dMean = i < m ? this.dMean[i] : this.dConstraintMean[i - m];
        const dStd = i < m ? this.dStd[i] : this.dConstraintStd[i - m];
        const std = i < m ? this.stdBuffer[i] : this.constraintStd[i - m];
        const meanGradient = this.meanGradients[i];
        const varianceGradient = this.varianceGradients[i];
        // σ = √v ⇒ ∂σ/∂x = (∂v/∂x)/(2σ).
        const stdFactor = dStd / (2 * std);
        for (let k = 0; k < gradient.length; k++) {
          gradient[k] += dMean * meanGradient[k] + stdFactor * varianceGradient[k];
        }
      }
    }
    return value;
  }
}
