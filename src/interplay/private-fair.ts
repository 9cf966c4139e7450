/**
 * Fair learning that is differentially private with respect to the sensitive attribute
 * as well as the features and the label: the reductions approach with private constraint
 * statistics (Jagielski, Kearns, Mao, Oprea, Roth, Sharifi-Malvajerdi & Ullman 2019,
 * "Differentially Private Fair Learning", DP-FairReductions), built on the exponentiated-
 * gradient game of Agarwal et al. 2018 (src/fairness/exponentiated-gradient.ts is its
 * non-private form).
 *
 * The game, for demographic parity (events: all rows) or equalized odds (events: Y = y):
 *   γ_{a,e}(h) = E[h | A = a, E = e] − E[h | E = e], constraints ±γ_{a,e} ≤ bound,
 *   λ ∈ R₊^{2K}, ‖λ‖₁ ≤ B, updated by exponentiated gradient on the NOISY γ̂;
 *   the learner's best response to λ minimises err(h) + Σ μ_{a,e} γ_{a,e}(h), μ = λ⁺ − λ⁻,
 *   which is linear in h: each row costs d_i = (1 − 2yᵢ)/ñ + μ_{aᵢ,eᵢ}/ñ_{aᵢ,eᵢ} − Σ_a μ_{a,eᵢ}/ñ_{·,eᵢ}
 *   more when predicted 1 than 0, so the best response is a weighted classification with
 *   labels 1[dᵢ < 0] and weights |dᵢ| (costSensitiveExamples) — fitted with DP-SGD.
 * The output is the uniform mixture of the T best responses (a randomised classifier).
 *
 * What is released, with its sensitivity under adding or removing one row (x, y, a):
 *   - once, the counts n_{a,e}: one row is in one cell, L2 sensitivity 1, N(0, σ_s²) each;
 *   - each round, the sums s_{a,e} = Σ_{i ∈ (a,e)} h(xᵢ) with h ∈ {0, 1}: one row changes
 *     one cell by ≤ 1, L2 sensitivity 1, N(0, σ_s²) each;
 *   - each round, the best response, by DP-SGD: the relabelled label and the weight of a
 *     row are functions of its own (y, a) and of public quantities (λ and the noisy
 *     counts); the weights are scaled into [0, 1] by their largest possible value, so a
 *     row's clipped, weighted gradient still has norm ≤ C and DP-SGD's sensitivity holds.
 * λ, γ̂ and every later choice are post-processing of these releases. The whole run is
 * accounted in ONE RDP accountant (the shared one, src/privacy): 1 + T Gaussian releases
 * at sample rate 1 and noise multiplier σ_s, and T DP-SGD runs with their own (q, σ, steps).
 * Guarantee: (ε, δ)-DP for the released mixture, λ trajectory and noisy statistics,
 * jointly in x, y AND a — the sensitive attribute is protected too. The row count N and
 * the hyper-parameters (T, B, bound, recipe) are public, as DP-SGD treats N.
 */
import { UserError } from "../common/errors.js";
import type { Split } from "../data/types.js";
import { fitRecipe, parseRecipe, type Recipe, type RecipeInput } from "../fit/index.js";
import type { Sequential } from "../nn/index.js";
import { createAccountant, type GaussianNoise, secureGaussianNoise } from "../privacy/accounting.js";
import { predict } from "../train/index.js";

/** The constraints private fair learning supports. */
export type PrivateFairConstraint = "demographic_parity" | "equalized_odds";

/** Row layout of the game: each row's group a and event e (−1: in no cell, e.g. a missing group). */
export interface GameCells {
  groups: number;
  events: number;
  /** Cell a·events + e of each row, or −1. */
  cellOfRow: Int32Array;
}

/**
 * The game's cell (group × event) of every row, for a constraint; rows with a missing group are in none.
 *
 * @example
 * ```ts
 * const cells = gameCells([1, 0, 1], [0, 1, 1], 2, "equalized_odds"); // cellOfRow: [1, 2, 3]
 * ```
 */
export function gameCells(
  y: ArrayLike<number>,
  groupOfRow: ArrayLike<number>,
  groups: number,
  constraint: PrivateFairConstraint,
): GameCells {
  const events = constraint === "equalized_odds" ? 2 : 1;
  const cellOfRow = Int32Array.from({ length: y.length }, (_, i) => {
    const a = groupOfRow[i];
    if (!(a >= 0 && a < groups)) return -1;
    return a * events + (events === 2 ? (y[i] === 1 ? 1 : 0) : 0);
  });
  return { groups, events, cellOfRow };
}

/**
 * Per cell, the sum of `values` (each in [0, 1]) over its rows: the statistic released
 * with noise. Removing one row changes one coordinate by its value ≤ 1: L2 sensitivity 1.
 *
 * @example
 * ```ts
 * import { cellSums, gameCells } from "equipoise/interplay";
 * const cells = gameCells([1, 0, 1], [0, 1, 1], 2, "demographic_parity"); // cellOfRow: [0, 1, 1]
 * cellSums([0.5, 1, 0.25], cells); // [0.5, 1.25]
 * ```
 */
export function cellSums(values: ArrayLike<number>, cells: GameCells): Float64Array {
  const sums = new Float64Array(cells.groups * cells.events);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0 && v <= 1)) throw new RangeError(`a released value must be in [0, 1], got ${v} (row ${i})`);
    const c = cells.cellOfRow[i];
    if (c >= 0) sums[c] += v;
  }
  return sums;
}

/**
 * γ̂_{a,e} = s_{a,e}/ñ_{a,e} − Σ_a s_{a,e} / Σ_a ñ_{a,e}, from noisy sums and counts (counts floored at 1).
 *
 * @example
 * ```ts
 * import { constraintViolations, gameCells } from "equipoise/interplay";
 * const cells = gameCells([1, 0, 1], [0, 1, 1], 2, "demographic_parity");
 * constraintViolations(Float64Array.from([1, 1]), Float64Array.from([2, 4]), cells);
 * // ≈ [0.167, −0.083]: group 0's rate 1/2 and group 1's 1/4 against the overall 2/6
 * ```
 */
export function constraintViolations(
  sums: Float64Array,
  counts: Float64Array,
  cells: GameCells,
): Float64Array {
  const { groups, events } = cells;
  const gamma = new Float64Array(groups * events);
  for (let e = 0; e < events; e++) {
    let totalSum = 0;
    let totalCount = 0;
    for (let a = 0; a < groups; a++) {
      totalSum += sums[a * events + e];
      totalCount += Math.max(1, counts[a * events + e]);
    }
    for (let a = 0; a < groups; a++) {
      const c = a * events + e;
      gamma[c] = sums[c] / Math.max(1, counts[c]) - totalSum / totalCount;
    }
  }
  return gamma;
}

/**
 * The best response to μ = λ⁺ − λ⁻ as a weighted classification: labels 1[dᵢ < 0] and
 * weights |dᵢ| / d_max, d_max the largest |d| any (y, cell) can have — a function of
 * public quantities only — so every weight is in [0, 1]. Minimising Σ wᵢ·[h(xᵢ) ≠ labelᵢ]
 * minimises the Lagrangian err(h) + Σ μ·γ(h) (both differ by a constant and the scale d_max).
 *
 * @example
 * ```ts
 * import { costSensitiveExamples, gameCells } from "equipoise/interplay";
 * const y = [1, 0, 1];
 * const cells = gameCells(y, [0, 1, 1], 2, "demographic_parity");
 * const { labels, weights } = costSensitiveExamples(y, cells, Float64Array.from([0.5, 0]), Float64Array.from([1, 2]));
 * // relabelled rows and weights in [0, 1] for the next DP-SGD best response
 * ```
 */
export function costSensitiveExamples(
  y: ArrayLike<number>,
  cells: GameCells,
  mu: Float64Array,
  counts: Float64Array,
): { labels: Float32Array; weights: Float32Array; scale: number } {
  const { groups, events } = cells;
  const n = y.length;
  const cellCoefficient = new Float64Array(groups * events);
  for (let e = 0; e < events; e++) {
    let muOverTotal = 0;
    let totalCount = 0;
    for (let a = 0; a < groups; a++) totalCount += Math.max(1, counts[a * events + e]);
    for (let a = 0; a < groups; a++) muOverTotal += mu[a * events + e];
    muOverTotal /= totalCount;
    for (let a = 0; a < groups; a++) {
      const c = a * events + e;
      cellCoefficient[c] = mu[c] / Math.max(1, counts[c]) - muOverTotal;
    }
  }
  const cost = (label: number, cell: number) => (1 - 2 * label) / n + (cell >= 0 ? cellCoefficient[cell] : 0);
  let scale = 0;
  for (let c = -1; c < groups * events; c++)
    for (const label of [0, 1]) scale = Math.max(scale, Math.abs(cost(label, c)));
  const labels = new Float32Array(n);
  const weights = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const d = cost(y[i] === 1 ? 1 : 0, cells.cellOfRow[i]);
    labels[i] = d < 0 ? 1 : 0;
    weights[i] = scale > 0 ? Math.abs(d) / scale : 0;
  }
  return { labels, weights, scale };
}

/** Options of {@link privateFairLearning}: the constraint and its bound, rounds, the DP-SGD learner and both noise multipliers. */
export interface PrivateFairOptions {
  /** The fairness constraint. */
  constraint: PrivateFairConstraint;
  /** Allowed violation of each γ (default 0.01) and the multipliers' bound B (default 1/bound). */
  bound?: number;
  maxMultiplier?: number;
  /** Rounds T (default 10). */
  rounds?: number;
  /** EG step size (default 2/B, as exponentiated-gradient.ts starts). */
  eta?: number;
  /** Best response: a recipe with privacy.clip (its noise multiplier is set here). */
  learner: RecipeInput | Recipe;
  /** Noise multiplier of the constraint statistics (σ_s, sensitivity 1). */
  statisticsNoise: number;
  /** Noise multiplier of every best response's DP-SGD. */
  learnerNoise: number;
  /** δ of the reported (ε, δ). */
  delta: number;
  /** The Gaussian noise source (default secure; a seeded one is for tests, not release). */
  noise?: GaussianNoise;
}

/** What the run released: the noisy counts, and per round the noisy constraint values and the multipliers. */
export interface PrivateFairHistory {
  /** The released noisy counts and, per round, the noisy sums, γ̂ and λ (all public). */
  counts: Float64Array;
  /** Per round: γ̂ from the noisy sums and the multipliers λ. */
  rounds: { gamma: Float64Array; lambda: Float64Array }[];
}

/** The result of {@link privateFairLearning}: the T models of the randomised classifier and its (ε, δ). */
export interface PrivateFairResult {
  /** The best responses; the classifier predicts with one drawn uniformly. */
  models: Sequential[];
  /** ε of the whole run at `delta`, covering the features, labels and the sensitive attribute. */
  epsilon: number;
  /** δ of the guarantee. */
  delta: number;
  /** The accountant's history: 1 + T statistics releases and T DP-SGD runs. */
  accounting: { sampleRate: number; noise: number; steps: number }[];
  /** What was released along the way. */
  history: PrivateFairHistory;
  /** P(ŷ = 1 | x) of the uniform mixture: the share of the T models that predict 1. */
  predictProba(X: Split["X"]): Float64Array;
  /** Frees the models' tensors. */
  dispose(): void;
}

/**
 * ε of a run before it is run: the composition the accountant will record, for
 * `privateFairEpsilon` calibration (steps and q of each best response known in advance).
 *
 * @example
 * ```ts
 * import { privateFairEpsilon } from "equipoise/interplay";
 * privateFairEpsilon({
 *   rounds: 3, statisticsNoise: 20, learnerNoise: 1.5, learnerSampleRate: 0.01, learnerSteps: 100, delta: 1e-5,
 * }); // ≈ 0.70
 * ```
 */
export function privateFairEpsilon(options: {
  rounds: number;
  statisticsNoise: number;
  learnerNoise: number;
  learnerSampleRate: number;
  learnerSteps: number;
  delta: number;
}): number {
  const accountant = createAccountant("rdp");
  accountant.step(1, options.statisticsNoise, 1 + options.rounds);
  accountant.step(options.learnerSampleRate, options.learnerNoise, options.rounds * options.learnerSteps);
  return accountant.epsilon(options.delta);
}

/**
 * Fair learning that is differentially private with respect to the sensitive attribute as well as the features and
 * the label (Jagielski et al. 2019): exponentiated gradient on noisy constraint statistics, best responses by DP-SGD.
 *
 * @throws `UserError` when `attribute` is not a sensitive attribute of `train`.
 * @example
 * ```ts
 * const result = privateFairLearning(task.train, "sex", {
 *   constraint: "demographic_parity",
 *   rounds: 3,
 *   learner: { model: "logreg", epochs: 1, batchSize: 256, privacy: { clip: 1, delta: 1e-5 } },
 *   statisticsNoise: 20,
 *   learnerNoise: 1.5,
 *   delta: 1e-5,
 * });
 * console.log(result.epsilon);
 * result.dispose();
 * ```
 */
export function privateFairLearning(
  train: Split,
  attribute: string,
  options: PrivateFairOptions,
): PrivateFairResult {
  const sensitive = train.sensitive.find((s) => s.name === attribute);
  if (!sensitive) throw new UserError(`'${attribute}' is not a sensitive attribute of the data`);
  const bound = options.bound ?? 0.01;
  const B = options.maxMultiplier ?? 1 / bound;
  const rounds = options.rounds ?? 10;
  const eta = options.eta ?? 2 / B;
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new UserError(`rounds must be ≥ 1, got ${rounds}`);
  if (!(options.statisticsNoise > 0 && options.learnerNoise > 0))
    throw new UserError("both noise multipliers must be > 0: every release is noised");
  const base = parseRecipe(options.learner);
  if (!base.privacy) throw new UserError("the best response needs a private recipe (privacy.clip)");
  const noise = options.noise ?? secureGaussianNoise();
  const cells = gameCells(train.y, sensitive.codes, sensitive.categories.length, options.constraint);
  const k = cells.groups * cells.events;
  const accountant = createAccountant("rdp");
  // The counts, once: L2 sensitivity 1.
  const counts = cellSums(new Float64Array(train.y.length).fill(1), cells);
  noise.add(counts, options.statisticsNoise, 1);
  accountant.step(1, options.statisticsNoise, 1);
  const theta = new Float64Array(2 * k);
  const models: Sequential[] = [];
  const history: PrivateFairHistory = { counts: Float64Array.from(counts), rounds: [] };
  try {
    for (let t = 0; t < rounds; t++) {
      let expSum = 0;
      for (const v of theta) expSum += Math.exp(v);
      const lambda = theta.map((v) => (B * Math.exp(v)) / (1 + expSum));
      const mu = Float64Array.from({ length: k }, (_, c) => lambda[c] - lambda[k + c]);
      const examples = costSensitiveExamples(train.y, cells, mu, counts);
      const { noiseMultiplier: _n, targetEpsilon: _t, ...privacy } = base.privacy;
      const fit = fitRecipe(
        { ...base, seed: base.seed + t, privacy: { ...privacy, noiseMultiplier: options.learnerNoise } },
        {
          train: { X: train.X, y: examples.labels, sensitive: [] },
          numClasses: 2,
          inputShape: [train.X.cols],
          sampleWeights: examples.weights,
        },
      );
      models.push(fit.model);
      const used = fit.privacy!;
      accountant.step(used.sampleRate, used.noise, used.steps);
      // The λ-player's statistic: noisy per-cell sums of the new model's hard predictions.
      const predictions = predict(fit.model, train.X).classes;
      const sums = cellSums(predictions, cells);
      noise.add(sums, options.statisticsNoise, 1);
      accountant.step(1, options.statisticsNoise, 1);
      const gamma = constraintViolations(sums, counts, cells);
      for (let c = 0; c < k; c++) {
        theta[c] += eta * (gamma[c] - bound);
        theta[k + c] += eta * (-gamma[c] - bound);
      }
      history.rounds.push({ gamma, lambda });
    }
  } catch (error) {
    for (const model of models) model.dispose();
    throw error;
  }
  return {
    models,
    epsilon: accountant.epsilon(options.delta),
    delta: options.delta,
    accounting: accountant.history.map((g) => ({ sampleRate: g.sampleRate, noise: g.noise, steps: g.steps })),
    history,
    predictProba(X) {
      const proba = new Float64Array(X.rows);
      for (const model of models) {
        const classes = predict(model, X).classes;
        for (let i = 0; i < X.rows; i++) proba[i] += classes[i] / models.length;
      }
      return proba;
    },
    dispose() {
      for (const model of models) model.dispose();
    },
  };
}
