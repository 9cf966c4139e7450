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
 * accounted in ONE accountant (the shared ones, src/privacy; RDP unless asked): any prior
 * releases of the same run (privately fitted preprocessing), 1 + T Gaussian releases at
 * sample rate 1 and noise multiplier σ_s, and T DP-SGD runs with their own (q, σ, steps).
 * Guarantee: (ε, δ)-DP for the released mixture, λ trajectory and noisy statistics,
 * jointly in x, y AND a — the sensitive attribute is protected too. The row count N and
 * the hyper-parameters (T, B, bound, recipe) are public, as DP-SGD treats N.
 */
import { UserError } from "../common/errors.js";
import type { Split } from "../data/types.js";
import { fitRecipe, parseRecipe, type Recipe, type RecipeInput } from "../fit/index.js";
import type { Sequential } from "../nn/index.js";
import {
  type AccountantKind,
  calibrateNoise,
  createAccountant,
  epsilonForNoise,
  type GaussianNoise,
  type PriorStep,
  secureGaussianNoise,
} from "../privacy/accounting.js";
import { predict } from "../train/index.js";
import { matchedRecipe } from "./cost.js";

/**
 * The constraints private fair learning supports.
 *
 * @example
 * ```ts
 * import type { PrivateFairConstraint } from "equipoise/interplay";
 * const constraint: PrivateFairConstraint = "equalized_odds"; // or "demographic_parity"
 * // PrivateFairOptions.constraint; gameCells(y, groupOfRow, groups, constraint)
 * ```
 */
export type PrivateFairConstraint = "demographic_parity" | "equalized_odds";

/**
 * Row layout of the game: each row's group a and event e (−1: in no cell, e.g. a missing group).
 *
 * @example
 * ```ts
 * import { type GameCells, gameCells } from "equipoise/interplay";
 * const cells: GameCells = gameCells([1, 0, 1], [0, 1, 1], 2, "equalized_odds");
 * cells.events; // 2: Y = 0 and Y = 1
 * cells.cellOfRow; // [1, 2, 3]: cell a·events + e of each row
 * ```
 */
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
 * import { gameCells } from "equipoise/interplay";
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

/**
 * Options of {@link privateFairLearning}: the constraint and its bound, rounds, the DP-SGD learner and both noise multipliers.
 *
 * @example
 * ```ts
 * import { type PrivateFairOptions, privateFairLearning } from "equipoise/interplay";
 * import type { data } from "equipoise";
 * declare const train: data.Split; // training rows with the sensitive attribute "sex"
 * const options: PrivateFairOptions = {
 *   constraint: "demographic_parity", bound: 0.05, rounds: 5, eta: 0.1,
 *   learner: { model: "logreg", epochs: 1, batchSize: 256, privacy: { clip: 1, delta: 1e-5 } },
 *   statisticsNoise: 24.5, learnerNoise: 1.5, delta: 1e-5, accountant: "rdp",
 * };
 * const result = privateFairLearning(train, "sex", options);
 * ```
 */
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
  /**
   * Best response: a recipe with privacy.clip (its noise multiplier is set here). A
   * `privacy.noiseSeed` s seeds round t's DP-SGD with s + t, so no two rounds share a noise stream.
   */
  learner: RecipeInput | Recipe;
  /** Noise multiplier of the constraint statistics (σ_s, sensitivity 1). */
  statisticsNoise: number;
  /** Noise multiplier of every best response's DP-SGD. */
  learnerNoise: number;
  /** δ of the reported (ε, δ). */
  delta: number;
  /** The Gaussian noise source (default secure; a seeded one is for tests, not release). */
  noise?: GaussianNoise;
  /** The accountant of the whole run (default RDP). */
  accountant?: AccountantKind;
  /**
   * Releases of the same run made before it (privately fitted preprocessing), recorded
   * first in the run's accountant, so ε covers them too.
   */
  priorReleases?: readonly PriorStep[];
  /** δ spent outside the accountant (thresholded category discovery): ε is taken at δ − reservedDelta. */
  reservedDelta?: number;
}

/**
 * What the run released: the noisy counts, and per round the noisy constraint values and the multipliers.
 *
 * @example
 * ```ts
 * import type { PrivateFairHistory, PrivateFairResult } from "equipoise/interplay";
 * declare const result: PrivateFairResult; // from privateFairLearning
 * const history: PrivateFairHistory = result.history;
 * history.counts; // the noisy row counts of each (group, event) cell
 * history.rounds.map((r) => Math.max(...r.gamma.map(Math.abs))); // the largest noisy violation per round
 * ```
 */
export interface PrivateFairHistory {
  /** The released noisy counts and, per round, the noisy sums, γ̂ and λ (all public). */
  counts: Float64Array;
  /** Per round: γ̂ from the noisy sums and the multipliers λ. */
  rounds: { gamma: Float64Array; lambda: Float64Array }[];
}

/**
 * The result of {@link privateFairLearning}: the T models of the randomised classifier and its (ε, δ).
 *
 * @example
 * ```ts
 * import { type PrivateFairResult, privateFairLearning } from "equipoise/interplay";
 * import type { data } from "equipoise";
 * declare const task: data.PreparedTask; // with the sensitive attribute "sex"
 * const result: PrivateFairResult = privateFairLearning(task.train, "sex", {
 *   constraint: "demographic_parity", rounds: 3, statisticsNoise: 20, learnerNoise: 1.5, delta: 1e-5,
 *   learner: { model: "logreg", epochs: 1, batchSize: 256, privacy: { clip: 1, delta: 1e-5 } },
 * });
 * const proba = result.predictProba(task.test.X); // the share of the 3 models that predict 1
 * console.log(result.epsilon, result.accountant); // ε at δ = 1e-5, covering features, labels and "sex"
 * result.dispose();
 * ```
 */
export interface PrivateFairResult {
  /** The best responses; the classifier predicts with one drawn uniformly. */
  models: Sequential[];
  /** ε of the whole run at `delta`, covering the features, labels and the sensitive attribute. */
  epsilon: number;
  /** δ of the guarantee. */
  delta: number;
  /** The accountant's history: prior releases, 1 + T statistics releases and T DP-SGD runs. */
  accounting: { sampleRate: number; noise: number; steps: number }[];
  /** The accountant that certified `epsilon` (PRV falls back to RDP where it cannot bound). */
  accountant: AccountantKind;
  /** What was released along the way. */
  history: PrivateFairHistory;
  /** P(ŷ = 1 | x) of the uniform mixture: the share of the T models that predict 1. */
  predictProba(X: Split["X"]): Float64Array;
  /** Frees the models' tensors. */
  dispose(): void;
}

/**
 * The composition a private fair run records, known before it runs (all public quantities).
 *
 * @example
 * ```ts
 * import { type PrivateFairComposition, privateFairEpsilon } from "equipoise/interplay";
 * const composition: PrivateFairComposition = {
 *   rounds: 3, statisticsNoise: 20, learnerNoise: 1.5, learnerSampleRate: 0.01, learnerSteps: 100, delta: 1e-5,
 * };
 * privateFairEpsilon(composition); // ≈ 0.70, before anything is trained
 * ```
 */
export interface PrivateFairComposition {
  rounds: number;
  statisticsNoise: number;
  learnerNoise: number;
  learnerSampleRate: number;
  /** Steps of ONE best response's DP-SGD run. */
  learnerSteps: number;
  delta: number;
  accountant?: AccountantKind;
  priorReleases?: readonly PriorStep[];
  reservedDelta?: number;
}

/** The releases before the DP-SGD steps: the prior ones, then the 1 + T statistics releases at q = 1. */
function releasesBeforeLearning(options: Omit<PrivateFairComposition, "learnerNoise">): PriorStep[] {
  return [
    ...(options.priorReleases ?? []),
    { sampleRate: 1, noise: options.statisticsNoise, count: 1 + options.rounds },
  ];
}

/**
 * ε of a run before it is run: the composition the accountant will record, for
 * calibration (steps and q of each best response known in advance). The T runs share
 * (q, σ, steps), so they compose as one group of T·steps steps.
 *
 * @example
 * ```ts
 * import { privateFairEpsilon } from "equipoise/interplay";
 * privateFairEpsilon({
 *   rounds: 3, statisticsNoise: 20, learnerNoise: 1.5, learnerSampleRate: 0.01, learnerSteps: 100, delta: 1e-5,
 * }); // ≈ 0.70
 * ```
 */
export function privateFairEpsilon(options: PrivateFairComposition): number {
  return epsilonForNoise(options.learnerNoise, {
    delta: options.delta - (options.reservedDelta ?? 0),
    sampleRate: options.learnerSampleRate,
    steps: options.rounds * options.learnerSteps,
    accountant: options.accountant ?? "rdp",
    priorSteps: releasesBeforeLearning(options),
  });
}

/**
 * The best responses' noise multiplier that spends a target ε over the whole run (the
 * statistics' σ_s and the prior releases fixed): the shared calibration (false position
 * on log σ, privacy/calibration.ts), ε monotone decreasing in σ. The achieved ε is never
 * above the target and within min(0.01, 1 % of it).
 *
 * @example
 * ```ts
 * import { calibratePrivateFairNoise } from "equipoise/interplay";
 * const { learnerNoise, epsilon } = calibratePrivateFairNoise({
 *   rounds: 5, statisticsNoise: 24.5, learnerSampleRate: 0.01, learnerSteps: 200, delta: 1e-5, targetEpsilon: 2,
 * }); // learnerNoise ≈ 1.03, epsilon ≈ 1.995 (never above 2)
 * ```
 */
export function calibratePrivateFairNoise(
  options: Omit<PrivateFairComposition, "learnerNoise"> & { targetEpsilon: number },
): { learnerNoise: number; epsilon: number } {
  const { noise, epsilon } = calibrateNoise({
    targetEpsilon: options.targetEpsilon,
    delta: options.delta - (options.reservedDelta ?? 0),
    sampleRate: options.learnerSampleRate,
    steps: options.rounds * options.learnerSteps,
    accountant: options.accountant ?? "rdp",
    priorSteps: releasesBeforeLearning(options),
  });
  return { learnerNoise: noise, epsilon };
}

/** What one round's best response is fitted from: the relabelled, weighted rows and the round. */
type BestResponse = (examples: { labels: Float32Array; weights: Float32Array }, round: number) => Sequential;

/**
 * The exponentiated-gradient game of the reductions approach (Agarwal et al. 2018), on
 * counts and per-round sums that `release` may noise in place (the private run) or leave
 * exact (the matched, non-private run).
 */
function playReductionsGame(
  train: Split,
  cells: GameCells,
  settings: { bound: number; maxMultiplier: number; rounds: number; eta: number },
  release: (statistic: Float64Array) => void,
  bestResponse: BestResponse,
): { models: Sequential[]; history: PrivateFairHistory } {
  const { bound, maxMultiplier: B, rounds, eta } = settings;
  const k = cells.groups * cells.events;
  // The counts, once: L2 sensitivity 1.
  const counts = cellSums(new Float64Array(train.y.length).fill(1), cells);
  release(counts);
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
      const model = bestResponse(examples, t);
      models.push(model);
      // The λ-player's statistic: per-cell sums of the new model's hard predictions.
      const sums = cellSums(predict(model, train.X).classes, cells);
      release(sums);
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
  return { models, history };
}

function gameSettings(options: Pick<PrivateFairOptions, "bound" | "maxMultiplier" | "rounds" | "eta">) {
  const bound = options.bound ?? 0.01;
  const maxMultiplier = options.maxMultiplier ?? 1 / bound;
  const rounds = options.rounds ?? 10;
  const eta = options.eta ?? 2 / maxMultiplier;
  if (!(bound > 0)) throw new UserError(`the allowed violation (bound) must be > 0, got ${bound}`);
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new UserError(`rounds must be ≥ 1, got ${rounds}`);
  return { bound, maxMultiplier, rounds, eta };
}

function attributeOf(train: Split, attribute: string) {
  const sensitive = train.sensitive.find((s) => s.name === attribute);
  if (!sensitive) throw new UserError(`'${attribute}' is not a sensitive attribute of the data`);
  return sensitive;
}

/**
 * The uniform mixture's P(ŷ = 1 | x): the share of its models that predict 1.
 *
 * @example
 * ```ts
 * import type { PreparedTask } from "equipoise/data";
 * import { mixtureProbability, type PrivateFairResult } from "equipoise/interplay";
 * declare const result: PrivateFairResult; // from privateFairLearning
 * declare const task: PreparedTask; // the prepared data set
 * const proba = mixtureProbability(result.models, task.test.X); // each entry in {0, 1/T, …, 1}
 * ```
 */
export function mixtureProbability(models: readonly Sequential[], X: Split["X"]): Float64Array {
  const proba = new Float64Array(X.rows);
  for (const model of models) {
    const classes = predict(model, X).classes;
    for (let i = 0; i < X.rows; i++) proba[i] += classes[i] / models.length;
  }
  return proba;
}

/**
 * Fair learning that is differentially private with respect to the sensitive attribute as well as the features and
 * the label (Jagielski et al. 2019): exponentiated gradient on noisy constraint statistics, best responses by DP-SGD.
 *
 * @throws `UserError` when `attribute` is not a sensitive attribute of `train`.
 * @example
 * ```ts
 * import type { PreparedTask } from "equipoise/data";
 * import { privateFairLearning } from "equipoise/interplay";
 * declare const task: PreparedTask; // a binary task with a "sex" attribute (see prepareTask)
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
  const sensitive = attributeOf(train, attribute);
  const settings = gameSettings(options);
  if (!(options.statisticsNoise > 0 && options.learnerNoise > 0))
    throw new UserError("both noise multipliers must be > 0: every release is noised");
  const reservedDelta = options.reservedDelta ?? 0;
  if (!(reservedDelta >= 0 && reservedDelta < options.delta))
    throw new UserError(
      `delta ${options.delta} must exceed the delta ${reservedDelta} spent outside the accountant`,
    );
  const base = parseRecipe(options.learner);
  if (!base.privacy) throw new UserError("the best response needs a private recipe (privacy.clip)");
  const noise = options.noise ?? secureGaussianNoise();
  const cells = gameCells(train.y, sensitive.codes, sensitive.categories.length, options.constraint);
  const accountant = createAccountant(options.accountant ?? "rdp");
  for (const prior of options.priorReleases ?? [])
    accountant.step(prior.sampleRate, prior.noise, prior.count);
  const { noiseMultiplier: _n, targetEpsilon: _t, noiseSeed, ...privacy } = base.privacy;
  const { models, history } = playReductionsGame(
    train,
    cells,
    settings,
    (statistic) => {
      noise.add(statistic, options.statisticsNoise, 1);
      accountant.step(1, options.statisticsNoise, 1);
    },
    (examples, t) => {
      const fit = fitRecipe(
        {
          ...base,
          seed: base.seed + t,
          privacy: {
            ...privacy,
            noiseMultiplier: options.learnerNoise,
            ...(noiseSeed !== undefined ? { noiseSeed: noiseSeed + t } : {}),
          },
        },
        {
          train: { X: train.X, y: examples.labels, sensitive: [] },
          numClasses: 2,
          inputShape: [train.X.cols],
          sampleWeights: examples.weights,
        },
      );
      const used = fit.privacy!;
      accountant.step(used.sampleRate, used.noise, used.steps);
      return fit.model;
    },
  );
  const spent = accountant.spent(options.delta - reservedDelta);
  return {
    models,
    epsilon: spent.epsilon,
    delta: options.delta,
    accountant: spent.accountant,
    accounting: accountant.history.map((g) => ({ sampleRate: g.sampleRate, noise: g.noise, steps: g.steps })),
    history,
    predictProba: (X) => mixtureProbability(models, X),
    dispose() {
      for (const model of models) model.dispose();
    },
  };
}

/**
 * The matched, non-private run of {@link privateFairLearning} (for the per-group cost of
 * privacy): the same game, rounds and seeds, on exact statistics, each best response the
 * learner's recipe without clipping or noise (interplay/cost.ts `matchedRecipe`).
 *
 * @example
 * ```ts
 * import type { PreparedTask } from "equipoise/data";
 * import type { RecipeInput } from "equipoise/fit";
 * import { nonPrivateFairReductions } from "equipoise/interplay";
 * declare const task: PreparedTask; // the prepared data set
 * declare const learner: RecipeInput; // the private run's recipe (its privacy is dropped here)
 * const matched = nonPrivateFairReductions(task.train, "sex", { constraint: "demographic_parity", rounds: 5, learner });
 * matched.dispose();
 * ```
 */
export function nonPrivateFairReductions(
  train: Split,
  attribute: string,
  options: Pick<PrivateFairOptions, "constraint" | "bound" | "maxMultiplier" | "rounds" | "eta" | "learner">,
): {
  /** The non-private best responses, one per round. */
  models: Sequential[];
  /** Frees the models' tensors. */
  dispose(): void;
} {
  const sensitive = attributeOf(train, attribute);
  const settings = gameSettings(options);
  const base = matchedRecipe(parseRecipe(options.learner));
  const cells = gameCells(train.y, sensitive.codes, sensitive.categories.length, options.constraint);
  const { models } = playReductionsGame(
    train,
    cells,
    settings,
    () => {},
    (examples, t) =>
      fitRecipe(
        { ...base, seed: base.seed + t },
        {
          train: { X: train.X, y: examples.labels, sensitive: [] },
          numClasses: 2,
          inputShape: [train.X.cols],
          sampleWeights: examples.weights,
        },
      ).model,
  );
  return {
    models,
    dispose() {
      for (const model of models) model.dispose();
    },
  };
}
