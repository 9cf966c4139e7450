/**
 * Exponentiated-gradient reduction (Agarwal, Beygelzimer, Dudík, Langford & Wallach
 * 2018), following Fairlearn 0.9's ExponentiatedGradient step by step: a zero-sum game
 * between a learner (best response = one weighted classification fit on relabelled
 * data) and multipliers λ updated by exponentiated gradient with ‖λ‖₁ ≤ B = 1/eps; after
 * each step the LP over the classifiers found so far is tried as well, and the run stops
 * once the duality gap is below ν. The result is a randomised classifier: a
 * distribution Q over the fitted classifiers. On a fixed instance it reproduces
 * Fairlearn 0.9.0's classifiers, Q, the best iterate's λ and ν, with and without the LP
 * step (test/fairness/fairlearn-reference.test.ts).
 */
import { ConvergenceWarning } from "../common/errors.js";
import { createRandom } from "../common/rng.js";
import type { FairnessConstraint } from "./constraint.js";
import { groupRows, type SensitiveFeature } from "./groups.js";
import { ConstantLearner, type FeatureMatrix, type LearnerFactory, type WeightedLearner } from "./learner.js";
import { solveLinearProgram } from "./linprog.js";
import type { Vector } from "./metrics.js";
import { ErrorRate, type Moment, parityMoment } from "./moments.js";

const PRECISION = 1e-8;
const MIN_ITERATIONS = 5;
const ACCURACY_MULTIPLIER = 0.5;
const REGRET_CHECK_START = 5;
const REGRET_CHECK_INCREASE = 1.6;
const SHRINK_REGRET = 0.8;
const SHRINK_ETA = 0.8;

/**
 * Settings of {@link exponentiatedGradient}, with Fairlearn 0.9's names and defaults.
 *
 * @example
 * ```ts
 * import { type ExponentiatedGradientOptions, exponentiatedGradient, type FeatureMatrix, WeightedLogisticRegression } from "equipoise/fairness";
 * declare const X: FeatureMatrix; // the training features
 * declare const y: number[]; // 0/1 labels of the rows of X
 * declare const sex: { name: string; values: string[] }; // the sensitive feature of the same rows
 * const options: ExponentiatedGradientOptions = { constraint: "equalized_odds", eps: 0.02, maxIterations: 50, runLinprogStep: true };
 * const result = exponentiatedGradient(() => new WeightedLogisticRegression(), { X, y, sensitiveFeatures: [sex] }, options);
 * ```
 */
export interface ExponentiatedGradientOptions {
  /** A fairness constraint (its parity moment with the default bound 0.01), or any Moment. */
  constraint: FairnessConstraint | Moment;
  /** Allowed constraint violation; B = 1/eps bounds the multipliers (default 0.01). */
  eps?: number;
  maxIterations?: number;
  /** Convergence threshold on the duality gap (default: Fairlearn's data-dependent ν). */
  nu?: number;
  eta0?: number;
  runLinprogStep?: boolean;
}

/**
 * The training data of {@link exponentiatedGradient}: features, 0/1 labels, sensitive features.
 *
 * @example
 * ```ts
 * import { type ExponentiatedGradientInput, exponentiatedGradient, WeightedLogisticRegression } from "equipoise/fairness";
 * const input: ExponentiatedGradientInput = {
 *   X: { rows: 8, cols: 1, data: [0.9, 0.2, 0.7, 0.6, 0.4, 0.1, 0.8, 0.3] },
 *   y: [1, 0, 1, 0, 1, 0, 1, 1],
 *   sensitiveFeatures: [{ name: "sex", values: ["F", "F", "F", "F", "M", "M", "M", "M"] }],
 * };
 * const result = exponentiatedGradient(() => new WeightedLogisticRegression(), input, { constraint: "demographic_parity" });
 * ```
 */
export interface ExponentiatedGradientInput {
  X: FeatureMatrix;
  y: Vector;
  sensitiveFeatures: SensitiveFeature[];
  sampleWeight?: Vector;
}

/**
 * A randomised classifier Q over the fitted predictors, with the game's diagnostics.
 *
 * @example
 * ```ts
 * import { type ExponentiatedGradientResult, exponentiatedGradient, type FeatureMatrix, WeightedLogisticRegression } from "equipoise/fairness";
 * declare const X: FeatureMatrix; // the training features
 * declare const y: number[]; // 0/1 labels of the rows of X
 * declare const sex: { name: string; values: string[] }; // the sensitive feature of the same rows
 * const result: ExponentiatedGradientResult = exponentiatedGradient(() => new WeightedLogisticRegression(), { X, y, sensitiveFeatures: [sex] }, { constraint: "demographic_parity" });
 * result.weights; // Q: the probability of each of result.predictors
 * result.bestGap < result.nu; // converged; otherwise result.warnings holds a ConvergenceWarning
 * const p = result.predictProba(X); // P(ŷ = 1): measure it with MetricFrame's predictionKind "probability"
 * ```
 */
export interface ExponentiatedGradientResult {
  predictors: WeightedLearner[];
  /** Q: probability of each predictor. */
  weights: Float64Array;
  bestGap: number;
  bestIteration: number;
  iterations: number;
  oracleCalls: number;
  /** Lagrange multipliers of the best iterate. */
  lambda: Float64Array;
  constraintIndex: string[];
  /** The convergence threshold on the duality gap that was used. */
  nu: number;
  /** A ConvergenceWarning when the best duality gap stayed at or above nu after maxIterations. */
  warnings: ConvergenceWarning[];
  /**
   * P(ŷ = 1 | x) = Σ_h Q(h) h(x). Accuracy and gaps of the randomised classifier are
   * expectations over its draws: compute them from these probabilities (MetricFrame
   * with predictionKind "probability"), not from one seeded draw.
   */
  predictProba(X: FeatureMatrix): Float64Array;
  /** Seeded draws from the randomised classifier (what a deployed model outputs). */
  predict(X: FeatureMatrix, seed?: number): Float64Array;
}

interface Hypothesis {
  learner: WeightedLearner;
  predictions: Float64Array;
  error: number;
  gamma: Float64Array;
}

interface GapResult {
  L: number;
  lLow: number;
  lHigh: number;
  gap: number;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

class Lagrangian {
  readonly hypotheses: Hypothesis[] = [];
  oracleCalls = 0;
  /** Every fitted learner with its multipliers: the next fit warm-starts from the nearest λ. */
  private readonly fitted: { lambda: Float64Array; learner: WeightedLearner }[] = [];
  private lastLinprogCount = -1;
  private lastLinprog: { Q: Float64Array; lambda: Float64Array; gap: GapResult } | null = null;
  private readonly n: number;
  private readonly objectiveWeights: Float64Array;
  private readonly bound: Float64Array;

  constructor(
    private readonly X: FeatureMatrix,
    private readonly objective: ErrorRate,
    private readonly constraint: Moment,
    private readonly createLearner: LearnerFactory,
    readonly B: number,
  ) {
    this.n = X.rows;
    this.objectiveWeights = objective.signedWeights();
    this.bound = constraint.bound();
  }

  private callOracle(lambda: Float64Array): WeightedLearner {
    const signed = this.constraint.signedWeights(lambda);
    const labels = new Float64Array(this.n);
    const weights = new Float64Array(this.n);
    let total = 0;
    let positives = 0;
    for (let i = 0; i < this.n; i++) {
      const s = this.objectiveWeights[i] + signed[i];
      labels[i] = s > 0 ? 1 : 0;
      positives += labels[i];
      weights[i] = Math.abs(s);
      total += weights[i];
    }
    this.oracleCalls++;
    if (positives === 0 || positives === this.n) return new ConstantLearner(positives === 0 ? 0 : 1);
    for (let i = 0; i < this.n; i++) weights[i] = (this.n * weights[i]) / total;
    const learner = this.createLearner();
    const nearest = this.nearestFit(lambda);
    if (nearest && learner.warmStartFrom) learner.warmStartFrom(nearest);
    learner.fit(this.X, labels, weights);
    this.fitted.push({ lambda, learner });
    return learner;
  }

  private nearestFit(lambda: Float64Array): WeightedLearner | null {
    let best: WeightedLearner | null = null;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const f of this.fitted) {
      let distance = 0;
      for (let c = 0; c < lambda.length; c++) distance += Math.abs(f.lambda[c] - lambda[c]);
      if (distance <= bestDistance) {
        bestDistance = distance;
        best = f.learner;
      }
    }
    return best;
  }

  /** The best response to λ among the fitted classifiers and a new oracle call. */
  bestH(lambda: Float64Array): number {
    const learner = this.callOracle(lambda);
    const predictions = learner.predict(this.X);
    const error = this.objective.gamma(predictions);
    const gamma = this.constraint.gamma(predictions);
    const value = error + dot(gamma, lambda);
    let bestIndex = -1;
    let bestValue = Number.POSITIVE_INFINITY;
    this.hypotheses.forEach((h, k) => {
      const v = h.error + dot(h.gamma, lambda);
      if (v < bestValue) {
        bestValue = v;
        bestIndex = k;
      }
    });
    if (value < bestValue - PRECISION) {
      this.hypotheses.push({ learner, predictions, error, gamma });
      bestIndex = this.hypotheses.length - 1;
    }
    return bestIndex;
  }

  evaluate(
    Q: Float64Array,
    lambda: Float64Array,
  ): { L: number; lHigh: number; gamma: Float64Array; error: number } {
    const k = this.bound.length;
    const gamma = new Float64Array(k);
    let error = 0;
    this.hypotheses.forEach((h, j) => {
      if (Q[j] === 0) return;
      error += Q[j] * h.error;
      for (let c = 0; c < k; c++) gamma[c] += Q[j] * h.gamma[c];
    });
    const projected = this.constraint.projectLambda(lambda);
    let L = error;
    let maxViolation = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      L += projected[c] * (gamma[c] - this.bound[c]);
      maxViolation = Math.max(maxViolation, gamma[c] - this.bound[c]);
    }
    const lHigh = maxViolation <= 0 ? error : error + this.B * maxViolation;
    return { L, lHigh, gamma, error };
  }

  evalGap(Q: Float64Array, lambdaHat: Float64Array, nu: number): GapResult {
    const { L, lHigh } = this.evaluate(Q, lambdaHat);
    const result: GapResult = { L, lLow: L, lHigh, gap: Math.max(0, lHigh - L) };
    for (const multiplier of [1, 2, 5, 10]) {
      const index = this.bestH(lambdaHat.map((l) => l * multiplier));
      const single = new Float64Array(this.hypotheses.length);
      single[index] = 1;
      const lowMul = this.evaluate(single, lambdaHat).L;
      if (lowMul < result.lLow) result.lLow = lowMul;
      result.gap = Math.max(result.L - result.lLow, result.lHigh - result.L);
      if (result.gap > nu + PRECISION) break;
    }
    return result;
  }

  solveLinprog(nu: number): { Q: Float64Array; lambda: Float64Array; gap: GapResult } {
    const count = this.hypotheses.length;
    if (this.lastLinprog && this.lastLinprogCount === count) return this.lastLinprog;
    const k = this.bound.length;
    // Primal: min Σ Q_h err_h + B ξ  s.t. Σ_h Q_h (γ_hk − bound_k) ≤ ξ, Σ Q_h = 1, Q, ξ ≥ 0.
    const c = [...this.hypotheses.map((h) => h.error), this.B];
    const aUpper = Array.from({ length: k }, (_, r) => [
      ...this.hypotheses.map((h) => h.gamma[r] - this.bound[r]),
      -1,
    ]);
    const aEqual = [[...new Array(count).fill(1), 0]];
    const primal = solveLinearProgram({ c, aUpper, bUpper: new Array(k).fill(0), aEqual, bEqual: [1] });
    const Q = primal.x.slice(0, count);
    // Dual: max z  s.t. z ≤ err_h + Σ_k λ_k (γ_hk − bound_k) ∀h,  Σ λ ≤ B,  λ ≥ 0.
    const dualUpper = c.map((_, j) => [...aUpper.map((row) => -row[j]), aEqual[0][j]]);
    const dual = solveLinearProgram({
      c: [...new Array(k).fill(0), -1],
      aUpper: dualUpper,
      bUpper: c,
      free: [...new Array(k).fill(false), true],
    });
    const lambda = dual.x.slice(0, k);
    this.lastLinprogCount = count;
    this.lastLinprog = { Q, lambda, gap: this.evalGap(Q, lambda, nu) };
    return this.lastLinprog;
  }
}

function padTo(values: Float64Array, length: number): Float64Array {
  const out = new Float64Array(length);
  out.set(values.subarray(0, Math.min(values.length, length)));
  return out;
}

/**
 * Trains a fair randomised classifier by the exponentiated-gradient reduction (Agarwal et al. 2018),
 * step for step as Fairlearn 0.9 does. `createLearner` makes the weighted learner fitted at every
 * best response (e.g. `() => new WeightedLogisticRegression()`). A duality gap still above ν after
 * `maxIterations` is returned as a {@link ConvergenceWarning}, not thrown.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * // X: a FeatureMatrix, y: 0/1 labels, sex: a SensitiveFeature of the same rows
 * declare const X: fairness.FeatureMatrix, y: Float64Array, sex: fairness.SensitiveFeature;
 * const result = fairness.exponentiatedGradient(
 *   () => new fairness.WeightedLogisticRegression(),
 *   { X, y, sensitiveFeatures: [sex] },
 *   { constraint: "demographic_parity" },
 * );
 * const p = result.predictProba(X); // P(ŷ = 1) of the randomised classifier; result.warnings if not converged
 * ```
 */
export function exponentiatedGradient(
  createLearner: LearnerFactory,
  input: ExponentiatedGradientInput,
  options: ExponentiatedGradientOptions,
): ExponentiatedGradientResult {
  const eps = options.eps ?? 0.01;
  const maxIterations = options.maxIterations ?? 50;
  const eta0 = options.eta0 ?? 2;
  const runLinprog = options.runLinprogStep ?? true;
  const { X, y } = input;
  const grouping = groupRows(input.sensitiveFeatures, X.rows);
  const data = {
    y,
    groupOfRow: grouping.groupOfRow,
    groupLabels: grouping.groups.map((g) => g.label),
    sampleWeight: input.sampleWeight,
  };
  const constraint =
    typeof options.constraint === "string" ? parityMoment(options.constraint) : options.constraint;
  constraint.loadData(data);
  const objective = new ErrorRate();
  objective.loadData(data);
  const B = 1 / eps;
  const lagrangian = new Lagrangian(X, objective, constraint, createLearner, B);
  const k = constraint.index.length;
  const bound = constraint.bound();
  const theta = new Float64Array(k);
  const lambdaSum = new Float64Array(k);
  let qSum: Float64Array = new Float64Array(0);
  const gapsEG: number[] = [];
  const gaps: number[] = [];
  const Qs: Float64Array[] = [];
  const lambdas: Float64Array[] = [];
  let nu = options.nu;
  let eta = 0;
  let lastRegretChecked = REGRET_CHECK_START;
  let lastGap = Number.POSITIVE_INFINITY;
  let t = 0;
  for (; t < maxIterations; t++) {
    let expSum = 0;
    for (let c = 0; c < k; c++) expSum += Math.exp(theta[c]);
    const lambda = theta.map((v) => (B * Math.exp(v)) / (1 + expSum));
    for (let c = 0; c < k; c++) lambdaSum[c] += lambda[c];
    const lambdaEG = lambdaSum.map((v) => v / (t + 1));
    const hIndex = lagrangian.bestH(lambda);
    if (t === 0) {
      if (nu === undefined) {
        const residual = Float64Array.from(lagrangian.hypotheses[hIndex].predictions, (p, i) =>
          Math.abs(p - (y[i] === 1 ? 1 : 0)),
        );
        nu = (ACCURACY_MULTIPLIER * standardDeviation(residual)) / Math.sqrt(X.rows);
      }
      eta = eta0 / B;
    }
    qSum = padTo(qSum, lagrangian.hypotheses.length);
    qSum[hIndex] += 1;
    const total = qSum.reduce((a, b) => a + b, 0);
    const qEG = qSum.map((v) => v / total);
    const gapEG = lagrangian.evalGap(qEG, lambdaEG, nu!).gap;
    gapsEG.push(gapEG);
    let qLP: Float64Array = qEG;
    let lambdaLP: Float64Array = lambdaEG;
    let gapLP = gapEG;
    if (runLinprog && t > 0) {
      const lp = lagrangian.solveLinprog(nu!);
      qLP = lp.Q;
      lambdaLP = lp.lambda;
      gapLP = lp.gap.gap;
    }
    if (gapEG < gapLP) {
      Qs.push(qEG);
      lambdas.push(lambdaEG);
      gaps.push(gapEG);
    } else {
      Qs.push(qLP);
      lambdas.push(lambdaLP);
      gaps.push(gapLP);
    }
    if (gaps[t] < nu! && t >= MIN_ITERATIONS) {
      t++;
      break;
    }
    if (t >= lastRegretChecked * REGRET_CHECK_INCREASE) {
      const bestGap = Math.min(...gapsEG);
      if (bestGap > lastGap * SHRINK_REGRET) eta *= SHRINK_ETA;
      lastRegretChecked = t;
      lastGap = bestGap;
    }
    const gamma = lagrangian.hypotheses[hIndex].gamma;
    for (let c = 0; c < k; c++) theta[c] += eta * (gamma[c] - bound[c]);
  }
  const minGap = Math.min(...gaps);
  let best = 0;
  gaps.forEach((g, i) => {
    if (g <= minGap + PRECISION) best = i;
  });
  const predictors = lagrangian.hypotheses.map((h) => h.learner);
  const weights = padTo(Qs[best], predictors.length);
  const predictProba = (Xnew: FeatureMatrix) => {
    const out = new Float64Array(Xnew.rows);
    predictors.forEach((p, j) => {
      if (weights[j] <= 0) return;
      const hard = p.predict(Xnew);
      for (let i = 0; i < out.length; i++) out[i] += weights[j] * hard[i];
    });
    // Q's weights sum to 1 only up to rounding: keep the mixture a probability.
    for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, out[i]));
    return out;
  };
  return {
    predictors,
    weights,
    bestGap: gaps[best],
    bestIteration: best,
    iterations: t,
    oracleCalls: lagrangian.oracleCalls,
    lambda: lambdas[best],
    constraintIndex: constraint.index,
    nu: nu!,
    warnings:
      gaps[best] < nu!
        ? []
        : [
            new ConvergenceWarning(
              `exponentiated gradient stopped after ${t} iterations with duality gap ${gaps[best].toPrecision(3)} ≥ nu = ${nu!.toPrecision(3)}: the constraint may be violated by more than nu; raise maxIterations`,
              t,
            ),
          ],
    predictProba,
    predict(Xnew, seed = 0) {
      const random = createRandom(seed);
      return predictProba(Xnew).map((p) => (p >= random.uniform() ? 1 : 0));
    },
  };
}

/** Sample standard deviation (ddof = 1, as pandas). */
function standardDeviation(values: Float64Array): number {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  let s = 0;
  for (const v of values) s += (v - mean) * (v - mean);
  return Math.sqrt(s / (n - 1));
}
