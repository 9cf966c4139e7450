/**
 * A logistic regression trained with the demographic-parity penalty of
 * src/fairness/penalty.ts, at full batch, as an explainable model:
 *   F(θ) = Σᵢ wᵢ ℓᵢ + ‖β‖²/(2C) + μ P(θ),   P = Σ_g (m_g − m)²,
 *   m_g = Σ_{i∈g} wᵢpᵢ / W_g,   m = Σᵢ wᵢpᵢ / W,   μ = n·λ
 * (λ the weight of the mean-loss form L = (1/n)Σℓ + λP that the engine trains).
 * The penalty couples rows: removing row i changes every group mean it belongs to,
 * so its removal gradient rᵢ = ∇F(θ̂) − ∇F₋ᵢ(θ̂) has a coupling term besides wᵢ∇ℓᵢ,
 * computed exactly here (the group sums without row i). With p = β's size + 1:
 *   ∇P = 2 Σ_g (m_g − m) u_g,   u_g = ∇m_g − ∇m,   ∇pᵢ = pᵢ(1 − pᵢ) x̃ᵢ,
 *   ∇²P = 2 Σ_g u_g u_gᵀ + Σᵢ dᵢ x̃ᵢx̃ᵢᵀ,
 *   dᵢ = 2 wᵢ p″ᵢ [(m_{g(i)} − m)/W_{g(i)} − Σ_g (m_g − m)/W],   p″ = p(1 − p)(1 − 2p).
 */
import { UserError } from "../../common/errors.js";
import { cholesky, choleskySolve } from "../../math/linalg.js";
import { type Examples, sparseRowsOf } from "../data.js";
import {
  type ExplainableModel,
  maxAbs,
  type RefitOptions,
  type RefitResult,
  type Stationarity,
} from "../model.js";
import {
  LOGISTIC_TOLERANCE,
  LogisticModel,
  linearScores,
  logisticHessian,
  logisticObjective,
  sigmoid,
} from "./logistic.js";

export interface PenaltySpec {
  /** Group of every training row (codes 0 … groups − 1). */
  groups: Int32Array;
  /** μ = n·λ. */
  strength: number;
}

interface GroupSums {
  /** W_g, S_g = Σ wᵢpᵢ, ∇S_g = Σ wᵢp'ᵢx̃ᵢ, per group; and the totals. */
  W: Float64Array;
  S: Float64Array;
  dS: Float64Array[];
  total: { W: number; S: number; dS: Float64Array };
}

export class PenalisedLogisticModel extends LogisticModel implements ExplainableModel {
  readonly penalty: PenaltySpec;
  private readonly groupCount: number;

  constructor(
    train: Examples,
    parameters: Float64Array,
    options: { C?: number; weights?: Float64Array; penalty: PenaltySpec },
  ) {
    super(train, parameters, options);
    this.penalty = options.penalty;
    if (this.penalty.groups.length !== train.rows)
      throw new RangeError("one group per training row is needed");
    this.groupCount = Math.max(...this.penalty.groups) + 1;
    if (this.groupCount < 2) throw new UserError("the fairness penalty needs at least two groups");
  }

  override get description(): string {
    return `logistic regression (C = ${this.C}) with a demographic-parity penalty (μ = ${this.penalty.strength.toPrecision(3)})`;
  }

  private sums(theta: Float64Array, weights: Float64Array): GroupSums {
    const p = this.parameterCount;
    const G = this.groupCount;
    const { rowStart, column, value } = sparseRowsOf(this.train);
    const z = linearScores(this.train, theta);
    const W = new Float64Array(G);
    const S = new Float64Array(G);
    const dS = Array.from({ length: G }, () => new Float64Array(p));
    for (let i = 0; i < this.train.rows; i++) {
      const w = weights[i];
      if (w === 0) continue;
      const g = this.penalty.groups[i];
      const q = sigmoid(z[i]);
      W[g] += w;
      S[g] += w * q;
      const c = w * q * (1 - q);
      const target = dS[g];
      for (let k = rowStart[i]; k < rowStart[i + 1]; k++) target[column[k]] += c * value[k];
      target[p - 1] += c;
    }
    const total = { W: 0, S: 0, dS: new Float64Array(p) };
    for (let g = 0; g < G; g++) {
      total.W += W[g];
      total.S += S[g];
      for (let j = 0; j < p; j++) total.dS[j] += dS[g][j];
    }
    return { W, S, dS, total };
  }

  /** P and ∇P from group sums. */
  private penaltyOf(sums: GroupSums): {
    value: number;
    gradient: Float64Array;
    u: Float64Array[];
    deviation: Float64Array;
  } {
    const p = this.parameterCount;
    const m = sums.total.S / sums.total.W;
    const gradient = new Float64Array(p);
    const u: Float64Array[] = [];
    const deviation = new Float64Array(this.groupCount);
    let value = 0;
    for (let g = 0; g < this.groupCount; g++) {
      if (sums.W[g] === 0) {
        u.push(new Float64Array(p));
        continue;
      }
      deviation[g] = sums.S[g] / sums.W[g] - m;
      value += deviation[g] ** 2;
      const ug = new Float64Array(p);
      for (let j = 0; j < p; j++) ug[j] = sums.dS[g][j] / sums.W[g] - sums.total.dS[j] / sums.total.W;
      for (let j = 0; j < p; j++) gradient[j] += 2 * deviation[g] * ug[j];
      u.push(ug);
    }
    return { value, gradient, u, deviation };
  }

  private objectiveAt(theta: Float64Array, weights: Float64Array, gradient?: Float64Array): number {
    const loss = logisticObjective(this.train, weights, this.C, theta, gradient);
    const penalty = this.penaltyOf(this.sums(theta, weights));
    if (gradient)
      for (let j = 0; j < gradient.length; j++) gradient[j] += this.penalty.strength * penalty.gradient[j];
    return loss + this.penalty.strength * penalty.value;
  }

  override objective(): number {
    return this.objectiveAt(this.parameters, this.weights);
  }

  override objectiveGradient(): Float64Array {
    const gradient = new Float64Array(this.parameterCount);
    this.objectiveAt(this.parameters, this.weights, gradient);
    return gradient;
  }

  override stationarity(): Stationarity {
    const gradientNorm = maxAbs(this.objectiveGradient());
    return {
      gradientNorm,
      tolerance: LOGISTIC_TOLERANCE * 100,
      stationary: gradientNorm <= LOGISTIC_TOLERANCE * 100,
    };
  }

  private hessianAt(theta: Float64Array, weights: Float64Array): Float64Array {
    const p = this.parameterCount;
    const sums = this.sums(theta, weights);
    const penalty = this.penaltyOf(sums);
    const z = linearScores(this.train, theta);
    const mu = this.penalty.strength;
    const totalDeviation = penalty.deviation.reduce((a, b) => a + b, 0);
    const curvature = new Float64Array(this.train.rows);
    for (let i = 0; i < this.train.rows; i++) {
      const w = weights[i];
      if (w === 0) continue;
      const q = sigmoid(z[i]);
      const first = q * (1 - q);
      const second = first * (1 - 2 * q);
      const g = this.penalty.groups[i];
      const d = 2 * w * second * (penalty.deviation[g] / sums.W[g] - totalDeviation / sums.total.W);
      curvature[i] = w * first + mu * d;
    }
    const H = logisticHessian(this.train, curvature, this.C);
    for (const ug of penalty.u) {
      for (let a = 0; a < p; a++) {
        const scaled = 2 * mu * ug[a];
        if (scaled === 0) continue;
        for (let b = 0; b < p; b++) H[a * p + b] += scaled * ug[b];
      }
    }
    return H;
  }

  override hessian(): Float64Array {
    return this.hessianAt(this.parameters, this.weights);
  }

  /** Through the explicit Hessian (p is small for a logistic regression). Mini-batch rows are not supported. */
  override hessianVectorProducts(
    vectors: Float64Array,
    count: number,
    rows?: ArrayLike<number>,
  ): Float64Array {
    if (rows)
      throw new UserError(
        "stochastic Hessian estimates (LiSSA) are not defined for the penalised objective; use exact or cg",
      );
    const p = this.parameterCount;
    const H = this.hessian();
    const out = new Float64Array(count * p);
    for (let k = 0; k < count; k++) {
      for (let a = 0; a < p; a++) {
        let s = 0;
        for (let b = 0; b < p; b++) s += H[a * p + b] * vectors[k * p + b];
        out[k * p + a] = s;
      }
    }
    return out;
  }

  override removalGradients(rows: ArrayLike<number>): Float64Array {
    const p = this.parameterCount;
    const full = this.objectiveGradient();
    const out = new Float64Array(rows.length * p);
    const weights = Float64Array.from(this.weights);
    for (let r = 0; r < rows.length; r++) {
      const i = rows[r];
      const saved = weights[i];
      weights[i] = 0;
      const reduced = new Float64Array(p);
      this.objectiveAt(this.parameters, weights, reduced);
      weights[i] = saved;
      for (let j = 0; j < p; j++) out[r * p + j] = full[j] - reduced[j];
    }
    return out;
  }

  override removalGradientProducts(
    rows: ArrayLike<number>,
    vectors: Float64Array,
    count: number,
  ): Float64Array {
    const p = this.parameterCount;
    const gradients = this.removalGradients(rows);
    const out = new Float64Array(count * rows.length);
    for (let k = 0; k < count; k++) {
      for (let r = 0; r < rows.length; r++) {
        let s = 0;
        for (let j = 0; j < p; j++) s += gradients[r * p + j] * vectors[k * p + j];
        out[k * rows.length + r] = s;
      }
    }
    return out;
  }

  override get kroneckerLayers(): never {
    return undefined as never;
  }

  override withParameters(parameters: Float64Array): PenalisedLogisticModel {
    return new PenalisedLogisticModel(this.train, parameters, {
      C: this.C,
      weights: this.weights,
      penalty: this.penalty,
    });
  }

  override withWeights(weights: Float64Array): PenalisedLogisticModel {
    return new PenalisedLogisticModel(this.train, this.parameters, {
      C: this.C,
      weights,
      penalty: this.penalty,
    });
  }

  override refitWithout(row: number, options: RefitOptions = {}): RefitResult {
    const weights = Float64Array.from(this.weights);
    weights[row] = 0;
    const refitted = this.refit(weights, options);
    const gradientNorm = maxAbs(refitted.objectiveGradient());
    return {
      parameters: refitted.parameters,
      gradientNorm,
      iterations: 0,
      converged: gradientNorm <= (options.tolerance ?? LOGISTIC_TOLERANCE),
    };
  }

  override refit(weights: Float64Array, options: RefitOptions = {}): PenalisedLogisticModel {
    return fitPenalisedLogistic(this.train, {
      C: this.C,
      weights,
      penalty: this.penalty,
      start: options.start ?? this.parameters,
      tolerance: options.tolerance,
      maxIterations: options.maxIterations,
    }).model;
  }
}

/** Newton with backtracking on the penalised objective, to ‖∇F‖∞ ≤ tolerance (default 1e-10). */
export function fitPenalisedLogistic(
  train: Examples,
  options: {
    C?: number;
    weights?: Float64Array;
    penalty: PenaltySpec;
    start?: Float64Array;
    tolerance?: number;
    maxIterations?: number;
  },
): { model: PenalisedLogisticModel; iterations: number; gradientNorm: number; converged: boolean } {
  const p = train.cols + 1;
  const tolerance = options.tolerance ?? LOGISTIC_TOLERANCE;
  let model = new PenalisedLogisticModel(
    train,
    options.start ? Float64Array.from(options.start) : new Float64Array(p),
    options,
  );
  let gradient = model.objectiveGradient();
  let value = model.objective();
  let iterations = 0;
  while (maxAbs(gradient) > tolerance && iterations < (options.maxIterations ?? 100)) {
    iterations++;
    const factor = cholesky(model.hessian(), p, { maxTries: 12 });
    const step = choleskySolve(factor, gradient);
    let scale = 1;
    let next: PenalisedLogisticModel | undefined;
    for (let halvings = 0; halvings < 40; halvings++) {
      const candidate = model.withParameters(model.parameters.map((t, j) => t - scale * step[j]));
      const candidateValue = candidate.objective();
      if (candidateValue <= value + 1e-12 * Math.abs(value)) {
        next = candidate;
        value = candidateValue;
        break;
      }
      scale /= 2;
    }
    if (!next) break;
    model = next;
    gradient = model.objectiveGradient();
  }
  const gradientNorm = maxAbs(gradient);
  return { model, iterations, gradientNorm, converged: gradientNorm <= tolerance };
}
