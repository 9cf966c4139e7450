/**
 * How far privacy can move fairness, bounded from the trained models: Mangold, Perrot,
 * Bellet & Tommasi (ICML 2023), "Differential privacy has bounded impact on fairness in
 * classification".
 *
 * Their argument: a model θ' predicts differently from θ at x only if the score moves past
 * the threshold, |z(θ, x)| ≤ |z(θ', x) − z(θ, x)| ≤ L_x‖θ' − θ‖ (the score is pointwise
 * Lipschitz in the parameters). So every group-conditional rate P(ŷ = 1 | E, S = s) of θ'
 * differs from θ's by at most the share of the group's rows whose margin |z(θ, x)| is
 * ≤ L_x·D, D = ‖θ' − θ‖, and the fairness measures built from those rates are bounded in
 * turn. Markov's inequality (1{|z| ≤ L D} ≤ L D/|z|) gives their Lipschitz form
 * |rate(θ') − rate(θ)| ≤ χ·D with χ = E[L_X/|z(θ, X)| | E, S = s], the pointwise Lipschitz
 * constant reported beside the (tighter) share itself.
 *
 * L_x: for a linear score z = wᵀx + b, L_x = ‖(x, 1)‖ exactly (the paper's case). For a
 * network of dense layers with 1-Lipschitz activations (ReLU, tanh, sigmoid), z is not
 * globally Lipschitz in θ, but on the ball ‖θ' − θ‖ ≤ D the recurrence
 *   ‖Δa_l‖ ≤ (s_l + δ_l)‖Δa_{l−1}‖ + δ_l·‖(a_{l−1}, 1)‖,   δ_l = ‖(ΔW_l, Δb_l)‖_F, Σδ_l² ≤ D²,
 * (s_l the spectral norm of W_l, a_l the activations of θ at x) gives, by Cauchy–Schwarz,
 *   |Δz| ≤ B_x(D) = D·√(Σ_l c_l²),   c_l = ‖(a_{l−1}, 1)‖·Π_{j>l}(s_j + D),
 * which equals ‖(x, 1)‖·D for one layer. B_x(D)/D is the pointwise constant at radius D.
 *
 * D here is the measured distance between the private and the matched model's parameter
 * vectors. The paper's high-probability bound on D assumes a strongly convex, smooth
 * objective (output perturbation, or DP-SGD on regularised logistic regression); DP-SGD on
 * a network has none, so the bound says what any model within D of the matched one can do,
 * and it is reported as vacuous when it cannot exclude any value of the gap.
 *
 * Scores are computed here in double precision from the stored float32 parameters, for both
 * models, so the measured change and the bound refer to the same predictions; the tensor
 * engine's float32 predictions can differ on rows whose score is within ~1e-6 of 0.
 * Light: no tensor engine.
 */
import { UserError } from "../common/errors.js";
import type { Split } from "../data/types.js";
import { cholesky } from "../math/linalg.js";
import type { Architecture } from "../nn/sequential.js";

/**
 * One assumption of the bound that the models or data do not meet, named.
 *
 * @example
 * ```ts
 * import { BoundAssumptionError, fairnessBound } from "equipoise/interplay";
 * import type { nn } from "equipoise";
 * import type { PreparedTask } from "equipoise/data";
 * declare const architecture: nn.Architecture, reference: Float32Array[], other: Float32Array[]; // two models' architecture and parameters
 * declare const task: PreparedTask; // their data (see prepareTask)
 * try {
 *   fairnessBound({ architecture, reference, other, data: task.test, attribute: "sex" });
 * } catch (error) {
 *   if (error instanceof BoundAssumptionError) console.log(`no bound: ${error.message}`); // e.g. a non-ReLU layer
 * }
 * ```
 */
export class BoundAssumptionError extends UserError {
  override name = "BoundAssumptionError";
  constructor(readonly assumption: string) {
    super(`the fairness bound of Mangold et al. (2023) does not apply: ${assumption}`);
  }
}

interface DenseLayer {
  inputs: number;
  outputs: number;
  /** [inputs, outputs] row-major, as the Dense layer stores it. */
  kernel: Float64Array;
  bias: Float64Array;
  /** Certified upper bound on the spectral norm of the kernel. */
  spectralNorm: number;
}

/**
 * A network of dense layers with 1-Lipschitz activations between them and one output score.
 *
 * @example
 * ```ts
 * import { type DenseNetwork, denseNetworkOf } from "equipoise/interplay";
 * import type { nn } from "equipoise";
 * declare const model: nn.Sequential; // a trained binary classifier of dense layers
 * const network: DenseNetwork = denseNetworkOf(model.architecture, model.readParameters()); // or a BoundAssumptionError
 * network.layers.length; // 1 for logistic regression: the bound's Lipschitz constant is then exact
 * network.activations; // between the layers, e.g. ["relu"] for one hidden layer
 * ```
 */
export interface DenseNetwork {
  layers: DenseLayer[];
  /** The activation after each hidden layer. */
  activations: ("relu" | "tanh" | "sigmoid")[];
  parameterCount: number;
}

const LIPSCHITZ_ACTIVATIONS = new Set(["relu", "tanh", "sigmoid"]);

/**
 * The network of a model, or a BoundAssumptionError naming what does not fit.
 *
 * @example
 * ```ts
 * import { denseNetworkOf } from "equipoise/interplay";
 * import type { nn } from "equipoise";
 * declare const model: nn.Sequential; // a trained Sequential of dense layers
 * const network = denseNetworkOf(model.architecture, model.readParameters()); // or a BoundAssumptionError
 * ```
 */
export function denseNetworkOf(
  architecture: Architecture,
  parameters: readonly Float32Array[],
): DenseNetwork {
  if (architecture.loss !== "binary-cross-entropy")
    throw new BoundAssumptionError(
      "it needs a binary classifier with one score (this model has several classes)",
    );
  const layers: DenseLayer[] = [];
  const activations: DenseNetwork["activations"] = [];
  let k = 0;
  let inputs = architecture.inputShape.reduce((a, b) => a * b, 1);
  let expectDense = true;
  for (const [index, layer] of architecture.layers.entries()) {
    if (layer.type === "flatten" && index === 0) continue;
    if (expectDense) {
      if (layer.type !== "dense")
        throw new BoundAssumptionError(
          `it needs dense layers with 1-Lipschitz activations (ReLU, tanh, sigmoid) between them; this model has a ${layer.type} layer`,
        );
      const kernel = parameters[k++];
      const bias = parameters[k++];
      if (!kernel || !bias || kernel.length !== inputs * layer.units || bias.length !== layer.units)
        throw new BoundAssumptionError("the parameters do not match the architecture");
      for (const v of kernel)
        if (!Number.isFinite(v)) throw new BoundAssumptionError("a parameter is not finite");
      for (const v of bias)
        if (!Number.isFinite(v)) throw new BoundAssumptionError("a parameter is not finite");
      const weights = Float64Array.from(kernel);
      layers.push({
        inputs,
        outputs: layer.units,
        kernel: weights,
        bias: Float64Array.from(bias),
        spectralNorm: spectralNormUpperBound(weights, inputs, layer.units),
      });
      inputs = layer.units;
      expectDense = false;
    } else {
      if (!LIPSCHITZ_ACTIVATIONS.has(layer.type))
        throw new BoundAssumptionError(
          `it needs dense layers with 1-Lipschitz activations (ReLU, tanh, sigmoid) between them; this model has ${layer.type} after a dense layer`,
        );
      activations.push(layer.type as DenseNetwork["activations"][number]);
      expectDense = true;
    }
  }
  if (expectDense || layers.length === 0 || layers[layers.length - 1].outputs !== 1)
    throw new BoundAssumptionError("it needs a network that ends in a dense layer with one output score");
  return {
    layers,
    activations,
    parameterCount: layers.reduce((s, l) => s + l.kernel.length + l.bias.length, 0),
  };
}

/**
 * An upper bound on the largest singular value of W ([rows, cols] row-major): power
 * iteration on WᵀW gives λ̂ ≤ λ_max from below; λ_max < λ_up is then certified by a
 * Cholesky factorisation of λ_up·I − WᵀW succeeding (it is positive definite).
 *
 * @example
 * ```ts
 * import { spectralNormUpperBound } from "equipoise/interplay";
 * spectralNormUpperBound(Float64Array.from([3, 0, 0, 4]), 2, 2); // ≈ 4.000002: just above the true norm 4
 * ```
 */
export function spectralNormUpperBound(w: Float64Array, rows: number, cols: number): number {
  if (rows === 1 || cols === 1) {
    let s = 0;
    for (const v of w) s += v * v;
    return Math.sqrt(s) * (1 + 1e-12);
  }
  const gram = new Float64Array(cols * cols);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < cols; i++) {
      const wi = w[r * cols + i];
      if (wi === 0) continue;
      for (let j = 0; j < cols; j++) gram[i * cols + j] += wi * w[r * cols + j];
    }
  let v = Float64Array.from({ length: cols }, (_, i) => 1 + (i % 7) / 10);
  let estimate = 0;
  for (let iteration = 0; iteration < 500; iteration++) {
    const next = new Float64Array(cols);
    for (let i = 0; i < cols; i++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += gram[i * cols + j] * v[j];
      next[i] = s;
    }
    const norm = Math.hypot(...next);
    if (norm === 0) return 0;
    const previous = estimate;
    estimate = norm / Math.hypot(...v);
    v = next.map((x) => x / norm);
    if (Math.abs(estimate - previous) < 1e-12 * estimate) break;
  }
  let upper = estimate * (1 + 1e-6) + 1e-300;
  for (;;) {
    const shifted = Float64Array.from(gram, (g, idx) => (idx % (cols + 1) === 0 ? upper - g : -g));
    let certified = false;
    try {
      // No jitter: the factorisation must succeed on λ_up·I − WᵀW itself.
      certified = cholesky(shifted, cols, { maxTries: 0 }).jitter === 0;
    } catch {
      certified = false;
    }
    if (certified) return Math.sqrt(upper);
    upper *= 1.01;
  }
}

/**
 * Scores z(θ, x) of every row and the norms ‖(a_{l−1}, 1)‖ of each layer's input, in double precision.
 *
 * @example
 * ```ts
 * import { denseNetworkOf, scoresAndInputNorms } from "equipoise/interplay";
 * import type { nn } from "equipoise";
 * import type { PreparedTask } from "equipoise/data";
 * declare const model: nn.Sequential; // a trained Sequential
 * declare const task: PreparedTask; // its data (see prepareTask)
 * const network = denseNetworkOf(model.architecture, model.readParameters());
 * const { scores, inputNorms } = scoresAndInputNorms(network, task.test.X); // one score per test row
 * ```
 */
export function scoresAndInputNorms(
  network: DenseNetwork,
  X: Split["X"],
): { scores: Float64Array; inputNorms: Float64Array[] } {
  const scores = new Float64Array(X.rows);
  const inputNorms = network.layers.map(() => new Float64Array(X.rows));
  let current = new Float64Array(Math.max(...network.layers.map((l) => Math.max(l.inputs, l.outputs))));
  let next = new Float64Array(current.length);
  for (let row = 0; row < X.rows; row++) {
    for (let j = 0; j < X.cols; j++) current[j] = X.data[row * X.cols + j];
    network.layers.forEach((layer, l) => {
      let squared = 1;
      for (let i = 0; i < layer.inputs; i++) squared += current[i] * current[i];
      inputNorms[l][row] = Math.sqrt(squared);
      for (let o = 0; o < layer.outputs; o++) next[o] = layer.bias[o];
      for (let i = 0; i < layer.inputs; i++) {
        const a = current[i];
        if (a === 0) continue;
        const offset = i * layer.outputs;
        for (let o = 0; o < layer.outputs; o++) next[o] += a * layer.kernel[offset + o];
      }
      const activation = network.activations[l];
      if (activation !== undefined) {
        for (let o = 0; o < layer.outputs; o++) {
          const v = next[o];
          next[o] =
            activation === "relu"
              ? Math.max(0, v)
              : activation === "tanh"
                ? Math.tanh(v)
                : 1 / (1 + Math.exp(-v));
        }
      }
      [current, next] = [next, current];
    });
    scores[row] = current[0];
  }
  return { scores, inputNorms };
}

/**
 * B_x(D) for every row: no model within distance D of the network moves the score of x by more.
 *
 * @example
 * ```ts
 * import { denseNetworkOf, parameterDistance, scoreMovementBounds, scoresAndInputNorms } from "equipoise/interplay";
 * import type { nn } from "equipoise";
 * import type { PreparedTask } from "equipoise/data";
 * declare const architecture: nn.Architecture; // the matched and private models' (a Sequential's .architecture)
 * declare const reference: Float32Array[], privateParameters: Float32Array[]; // their readParameters()
 * declare const task: PreparedTask; // their data (see prepareTask)
 * const network = denseNetworkOf(architecture, reference); // reference: the matched model's parameters
 * const { inputNorms } = scoresAndInputNorms(network, task.test.X);
 * const bounds = scoreMovementBounds(network, inputNorms, parameterDistance(reference, privateParameters));
 * ```
 */
export function scoreMovementBounds(
  network: DenseNetwork,
  inputNorms: readonly Float64Array[],
  radius: number,
): Float64Array {
  const layers = network.layers.length;
  // Π_{j>l}(s_j + D), the same for every row.
  const downstream = new Float64Array(layers);
  let product = 1;
  for (let l = layers - 1; l >= 0; l--) {
    downstream[l] = product;
    product *= network.layers[l].spectralNorm + radius;
  }
  const rows = inputNorms[0].length;
  return Float64Array.from({ length: rows }, (_, row) => {
    let squared = 0;
    for (let l = 0; l < layers; l++) squared += (inputNorms[l][row] * downstream[l]) ** 2;
    return radius * Math.sqrt(squared);
  });
}

/**
 * ‖θ' − θ‖₂ over every parameter.
 *
 * @example
 * ```ts
 * import { parameterDistance } from "equipoise/interplay";
 * parameterDistance([Float32Array.from([0, 0])], [Float32Array.from([3, 4])]); // 5
 * ```
 */
export function parameterDistance(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  if (a.length !== b.length) throw new BoundAssumptionError("the two models have different architectures");
  let squared = 0;
  a.forEach((values, k) => {
    if (values.length !== b[k].length)
      throw new BoundAssumptionError("the two models have different architectures");
    for (let i = 0; i < values.length; i++) squared += (values[i] - b[k][i]) ** 2;
  });
  return Math.sqrt(squared);
}

/**
 * The fairness measures the bound covers: demographic parity, equalized odds, equal opportunity differences.
 *
 * @example
 * ```ts
 * import type { BoundedMeasure, FairnessBound } from "equipoise/interplay";
 * declare const bound: FairnessBound; // from fairnessBound
 * const measure: BoundedMeasure = "eo"; // equalized odds; "dp" and "eop" are the others
 * bound.measures.find((m) => m.measure === measure)?.bound;
 * ```
 */
export type BoundedMeasure = "dp" | "eo" | "eop";

/**
 * The bound of Mangold et al. (2023) on how far a fairness measure can move between two models at distance D.
 *
 * @example
 * ```ts
 * import { fairnessBound, type MeasureBound } from "equipoise/interplay";
 * import type { data, nn } from "equipoise";
 * declare const matched: nn.Sequential; // the non-private model
 * declare const privateModel: nn.Sequential; // the DP-SGD model of the same recipe and seed
 * declare const test: data.Split; // the test rows, with the sensitive attribute "sex"
 * const bound = fairnessBound({ architecture: matched.architecture, reference: matched.readParameters(), other: privateModel.readParameters(), data: test, attribute: "sex" });
 * const dp: MeasureBound = bound.measures[0]; // "dp", then "eo" and "eop"
 * dp.vacuous ? "no information" : `moved ${dp.measuredChange}, at most ${dp.bound}`;
 * ```
 */
export interface MeasureBound {
  /** The measure bounded. */
  measure: BoundedMeasure;
  /** The gap of the matched (reference) model. */
  reference: number;
  /** The gap of the other (private) model, measured. */
  measured: number;
  /** |measured − reference|. */
  measuredChange: number;
  /** Every model within D of the reference has its gap in [low, high]. */
  low: number;
  high: number;
  /** max(high − reference, reference − low): the bound on the change. */
  bound: number;
  /** The interval excludes no value of the gap in [0, 1]. */
  vacuous: boolean;
}

/**
 * One group's contribution to the bound.
 *
 * @example
 * ```ts
 * import type { FairnessBound, GroupBoundDetail } from "equipoise/interplay";
 * declare const bound: FairnessBound; // from fairnessBound
 * const groups: GroupBoundDetail[] = bound.groups;
 * for (const g of groups) console.log(g.group, g.rows, g.movableShare); // share of the group whose prediction may flip within D
 * ```
 */
export interface GroupBoundDetail {
  /** The group's value. */
  group: string;
  /** The group's rows. */
  rows: number;
  /** Share of the group's rows whose prediction a model within D may change. */
  movableShare: number;
  /** The pointwise Lipschitz constant E[B_x(D)/(D·|z(θ, x)|)] over the group (∞ when a row lies on the threshold). */
  lipschitz: number;
}

/**
 * The bound of Mangold et al. (2023) on how far the private model's fairness gaps can be from the
 * matched model's, at the measured parameter distance; `vacuous` when it excludes no value.
 *
 * @example
 * ```ts
 * import { type FairnessBound, fairnessBound } from "equipoise/interplay";
 * import type { data, nn } from "equipoise";
 * declare const matched: nn.Sequential; // the non-private model
 * declare const privateModel: nn.Sequential; // the DP-SGD model of the same recipe and seed
 * declare const test: data.Split; // the test rows, with the sensitive attribute "sex"
 * const bound: FairnessBound = fairnessBound({ architecture: matched.architecture, reference: matched.readParameters(), other: privateModel.readParameters(), data: test, attribute: "sex" });
 * bound.distance; // D = ‖θ_private − θ_matched‖
 * bound.measures.map((m) => [m.measure, m.measuredChange, m.bound]); // measured change against its bound
 * ```
 */
export interface FairnessBound {
  attribute: string;
  /** D = ‖θ_private − θ_matched‖. */
  distance: number;
  distanceSource: string;
  parameterCount: number;
  groups: GroupBoundDetail[];
  measures: MeasureBound[];
  notes: string[];
}

interface GroupInterval {
  low: number;
  high: number;
  rate: number;
}

function gapRange(intervals: readonly GroupInterval[]): { low: number; high: number; value: number } {
  const defined = intervals.filter((i) => Number.isFinite(i.rate));
  if (defined.length < 2) return { low: Number.NaN, high: Number.NaN, value: Number.NaN };
  const lows = defined.map((i) => i.low);
  const highs = defined.map((i) => i.high);
  const rates = defined.map((i) => i.rate);
  return {
    low: Math.max(0, Math.max(...lows) - Math.min(...highs)),
    high: Math.min(1, Math.max(...highs) - Math.min(...lows)),
    value: Math.max(...rates) - Math.min(...rates),
  };
}

/**
 * The bound on the change of the demographic-parity, equalized-odds and equal-opportunity
 * differences between a reference (matched, non-private) model and another (private) one,
 * from their parameters and the rows of `data`, beside the change measured on those rows.
 *
 * @example
 * ```ts
 * import { fairnessBound } from "equipoise/interplay";
 * import type { nn } from "equipoise";
 * import type { PreparedTask } from "equipoise/data";
 * declare const matched: nn.Sequential, privateModel: nn.Sequential; // one architecture (same recipe and seed, with and without DP)
 * declare const task: PreparedTask; // their data (see prepareTask)
 * const bound = fairnessBound({
 *   architecture: matched.architecture, reference: matched.readParameters(), other: privateModel.readParameters(),
 *   data: task.test, attribute: "sex",
 * }); // per measure: the bound on the change of the gap, beside the change measured on task.test
 * ```
 */
export function fairnessBound(options: {
  architecture: Architecture;
  reference: readonly Float32Array[];
  other: readonly Float32Array[];
  data: Split;
  attribute: string;
}): FairnessBound {
  const { architecture, data } = options;
  const network = denseNetworkOf(architecture, options.reference);
  const otherNetwork = denseNetworkOf(architecture, options.other);
  const distance = parameterDistance(options.reference, options.other);
  const attribute = data.sensitive.find((s) => s.name === options.attribute);
  if (!attribute) throw new UserError(`'${options.attribute}' is not a sensitive attribute of the data`);
  for (const y of data.y)
    if (y !== 0 && y !== 1) throw new BoundAssumptionError("it needs binary labels (0/1) for TPR and FPR");
  const { scores, inputNorms } = scoresAndInputNorms(network, data.X);
  const otherScores = scoresAndInputNorms(otherNetwork, data.X).scores;
  const movement = scoreMovementBounds(network, inputNorms, distance);
  const k = attribute.categories.length;
  const predicted = (z: number) => (z > 0 ? 1 : 0);

  /** Per group: rows in the event, their predictions under both models, and the movable ones. */
  const intervalsFor = (inEvent: (i: number) => boolean) => {
    const rows = new Float64Array(k);
    const positive = new Float64Array(k);
    const otherPositive = new Float64Array(k);
    const canRise = new Float64Array(k);
    const canFall = new Float64Array(k);
    for (let i = 0; i < data.X.rows; i++) {
      const g = attribute.codes[i];
      if (g < 0 || !inEvent(i)) continue;
      rows[g]++;
      const p = predicted(scores[i]);
      positive[g] += p;
      otherPositive[g] += predicted(otherScores[i]);
      if (Math.abs(scores[i]) <= movement[i]) {
        if (p === 1) canFall[g]++;
        else canRise[g]++;
      }
    }
    const reference = Array.from(rows, (n, g) => {
      const rate = n > 0 ? positive[g] / n : Number.NaN;
      return { rate, low: rate - canFall[g] / n, high: rate + canRise[g] / n };
    });
    const other = Array.from(rows, (n, g) => {
      const rate = n > 0 ? otherPositive[g] / n : Number.NaN;
      return { rate, low: rate, high: rate };
    });
    return { reference: gapRange(reference), other: gapRange(other) };
  };
  const all = intervalsFor(() => true);
  const positives = intervalsFor((i) => data.y[i] === 1);
  const negatives = intervalsFor((i) => data.y[i] === 0);
  const measure = (
    name: BoundedMeasure,
    reference: { low: number; high: number; value: number },
    measured: number,
  ): MeasureBound => ({
    measure: name,
    reference: reference.value,
    measured,
    measuredChange: Math.abs(measured - reference.value),
    low: reference.low,
    high: reference.high,
    bound: Math.max(reference.high - reference.value, reference.value - reference.low),
    vacuous: reference.low <= 0 && reference.high >= 1,
  });
  const equalizedOdds = {
    low: Math.max(positives.reference.low, negatives.reference.low),
    high: Math.max(positives.reference.high, negatives.reference.high),
    value: Math.max(positives.reference.value, negatives.reference.value),
  };
  const measures = [
    measure("dp", all.reference, all.other.value),
    measure("eo", equalizedOdds, Math.max(positives.other.value, negatives.other.value)),
    measure("eop", positives.reference, positives.other.value),
  ];
  const groups = attribute.categories.map((group, g) => {
    let rows = 0;
    let movable = 0;
    let lipschitz = 0;
    for (let i = 0; i < data.X.rows; i++) {
      if (attribute.codes[i] !== g) continue;
      rows++;
      if (Math.abs(scores[i]) <= movement[i]) movable++;
      lipschitz += distance > 0 ? movement[i] / distance / Math.abs(scores[i]) : 0;
    }
    return {
      group,
      rows,
      movableShare: rows > 0 ? movable / rows : Number.NaN,
      lipschitz: rows > 0 ? lipschitz / rows : Number.NaN,
    };
  });
  const notes = [
    "D is the measured distance between the private and the matched model's parameters; no high-probability bound on D holds for DP-SGD on a non-convex model",
    network.layers.length === 1
      ? "linear score: the pointwise Lipschitz constant is ‖(x, 1)‖, as in the paper"
      : `network of ${network.layers.length} dense layers: pointwise constants hold on the ball of radius D only and grow with D (products of spectral norms + D)`,
  ];
  if (measures.every((m) => m.vacuous))
    notes.push(
      "the bound is vacuous for every measure: the models are too far apart for it to exclude any gap",
    );
  return {
    attribute: attribute.name,
    distance,
    distanceSource: "measured",
    parameterCount: network.parameterCount,
    groups,
    measures,
    notes,
  };
}
