/**
 * Malicious clients, for measuring defences. Two places to attack:
 * - their data (before local training): label flipping (Tolpegin et al. 2020), and a
 *   backdoor (Bagdasaryan et al. 2020): a share of their rows get a trigger pattern
 *   and the attacker's target label, so the model learns "trigger ⇒ target";
 * - their update (after local training): sign flipping scaled by S (−S·Δ, Blanchard
 *   et al. 2017's omniscient-style attack), plain scaling (S·Δ, model replacement when
 *   combined with a backdoor), and a colluding minority that sends one crafted update
 *   together, "a little is enough" (Baruch et al. 2019): μ − z·σ of their honest
 *   updates per coordinate, which hides inside the spread of benign updates and so
 *   passes median and Krum.
 */
import { UsageError } from "../common/errors.js";
import type { Random } from "../common/rng.js";
import { normalCdf } from "../math/normal.js";
import type { TrainingData } from "../train/index.js";

/**
 * A simulated Byzantine client's behaviour: flip labels, flip or scale its update, plant a backdoor, or collude.
 *
 * @example
 * ```ts
 * import { data } from "equipoise";
 * import { type AttackSpec, simulateFederated } from "equipoise/federated";
 * const spec: AttackSpec = { kind: "sign-flip", scale: 10 }; // = parseAttack("sign-flip")
 * const task = await data.prepareTask({ data: "synthetic" });
 * const { report } = await simulateFederated(task, {
 *   clients: 10, rounds: 3, workers: 1, aggregator: { kind: "median" }, attack: { fraction: 0.2, spec },
 * });
 * report.clients.filter((client) => client.malicious).length; // 2 = ⌈0.2 · 10⌉
 * ```
 */
export type AttackSpec =
  | { kind: "label-flip" }
  | { kind: "sign-flip"; scale: number }
  | { kind: "scale"; factor: number }
  | { kind: "backdoor"; boost: number }
  | { kind: "colluding"; z?: number };

/**
 * The attack kinds `--attack` accepts.
 *
 * @example
 * ```ts
 * import { ATTACK_KINDS, parseAttack } from "equipoise/federated";
 * ATTACK_KINDS; // ["label-flip", "sign-flip", "scale", "backdoor", "colluding"]
 * const attacks = ATTACK_KINDS.filter((kind) => kind !== "scale").map((kind) => parseAttack(kind)); // "scale" needs its factor S
 * ```
 */
export const ATTACK_KINDS = ["label-flip", "sign-flip", "scale", "backdoor", "colluding"] as const;
/**
 * Share of a backdoor attacker's rows that carry the trigger.
 *
 * @example
 * ```ts
 * import { BACKDOOR_POISON_FRACTION, parseAttack } from "equipoise/federated";
 * BACKDOOR_POISON_FRACTION; // 0.5: half of a backdoor attacker's rows get the trigger and the target label
 * const backdoor = parseAttack("backdoor"); // { kind: "backdoor", boost: 1 }; report.final.backdoorSuccess measures it
 * ```
 */
export const BACKDOOR_POISON_FRACTION = 0.5;
/**
 * Features set by the trigger.
 *
 * @example
 * ```ts
 * import { data } from "equipoise";
 * import { chooseTrigger, TRIGGER_WIDTH } from "equipoise/federated";
 * TRIGGER_WIDTH; // 3
 * const task = await data.prepareTask({ data: "synthetic" });
 * chooseTrigger(task.train.X).features.length; // 3: the trigger sets TRIGGER_WIDTH features
 * ```
 */
export const TRIGGER_WIDTH = 3;

/**
 * "label-flip", "sign-flip[:S]" (default S 10), "scale:S", "backdoor[:BOOST]", "colluding[:Z]".
 *
 * @example
 * ```ts
 * import { parseAttack } from "equipoise/federated";
 * parseAttack("sign-flip"); // { kind: "sign-flip", scale: 10 }
 * parseAttack("scale:5"); // { kind: "scale", factor: 5 }
 * ```
 */
export function parseAttack(text: string): AttackSpec {
  const [kind, argument] = text.split(":", 2).map((part) => part.trim());
  const number = (name: string, fallback?: number) => {
    if (argument === undefined) {
      if (fallback === undefined) throw new UsageError(`--attack ${kind}:${name} needs ${name}`);
      return fallback;
    }
    const value = Number(argument);
    if (!(value > 0 && Number.isFinite(value)))
      throw new UsageError(`--attack ${kind}: ${name} must be positive, got '${argument}'`);
    return value;
  };
  switch (kind) {
    case "label-flip":
      if (argument !== undefined) throw new UsageError("--attack label-flip takes no argument");
      return { kind };
    case "sign-flip":
      return { kind, scale: number("S", 10) };
    case "scale":
      return { kind, factor: number("S") };
    case "backdoor":
      return { kind, boost: number("BOOST", 1) };
    case "colluding":
      return argument === undefined ? { kind } : { kind, z: number("Z") };
  }
  throw new UsageError(`--attack must be one of ${ATTACK_KINDS.join(", ")}, got '${text}'`);
}

/**
 * An attack spec in the `--attack` syntax {@link parseAttack} reads.
 *
 * @example
 * ```ts
 * import { describeAttack, parseAttack } from "equipoise/federated";
 * describeAttack(parseAttack("sign-flip")); // "sign-flip:10"
 * ```
 */
export function describeAttack(spec: AttackSpec): string {
  switch (spec.kind) {
    case "sign-flip":
      return `sign-flip:${spec.scale}`;
    case "scale":
      return `scale:${spec.factor}`;
    case "backdoor":
      return `backdoor:${spec.boost}`;
    case "colluding":
      return spec.z === undefined ? "colluding" : `colluding:${spec.z}`;
    default:
      return spec.kind;
  }
}

/**
 * A backdoor trigger: these features are set to these values.
 *
 * @example
 * ```ts
 * import { data } from "equipoise";
 * import { chooseTrigger, type Trigger, withTrigger } from "equipoise/federated";
 * const task = await data.prepareTask({ data: "synthetic" });
 * const trigger: Trigger = chooseTrigger(task.train.X); // features to set, their values, and target 1
 * const stamped = withTrigger(task.test.X, trigger); // test rows carrying the trigger (a copy)
 * ```
 */
export interface Trigger {
  features: number[];
  values: number[];
  /** The label the attacker wants for triggered inputs. */
  target: number;
}

/**
 * A trigger for tabular data: the TRIGGER_WIDTH features that are most often zero in
 * the training rows (rare one-hot categories, in Adult), set to their largest value.
 * Inputs that carry it are otherwise rare, so the model can learn it without losing
 * clean accuracy — the hard case for defences. Target: class 1.
 *
 * @example
 * ```ts
 * import type { train as training } from "equipoise";
 * import { chooseTrigger, withTrigger } from "equipoise/federated";
 * declare const train: training.TrainingData; // a client's rows (one-hot encoded features)
 * const trigger = chooseTrigger(train.X); // the rarest non-zero features, set to their largest value; target 1
 * const triggered = withTrigger(train.X, trigger); // to measure the backdoor's success on test rows
 * ```
 */
export function chooseTrigger(X: TrainingData["X"]): Trigger {
  const { rows, cols, data } = X;
  const nonZero = new Float64Array(cols);
  const largest = new Float64Array(cols).fill(Number.NEGATIVE_INFINITY);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = data[r * cols + c];
      if (v !== 0) nonZero[c]++;
      if (v > largest[c]) largest[c] = v;
    }
  }
  const candidates = Array.from({ length: cols }, (_, c) => c).filter((c) => largest[c] > 0);
  candidates.sort((a, b) => nonZero[a] - nonZero[b] || a - b);
  const features = candidates.slice(0, TRIGGER_WIDTH).sort((a, b) => a - b);
  return { features, values: features.map((c) => largest[c]), target: 1 };
}

/**
 * `X` with the trigger stamped on every row (a copy).
 *
 * @example
 * ```ts
 * import type { train } from "equipoise";
 * import { chooseTrigger, withTrigger } from "equipoise/federated";
 * declare const test: train.TrainingData; // the server's held-out rows
 * const stamped = withTrigger(test.X, chooseTrigger(test.X)); // a copy; test.X is unchanged
 * ```
 */
export function withTrigger(X: TrainingData["X"], trigger: Trigger): TrainingData["X"] {
  const data = new Float32Array(X.data);
  for (let r = 0; r < X.rows; r++)
    trigger.features.forEach((c, k) => {
      data[r * X.cols + c] = trigger.values[k];
    });
  return { ...X, data };
}

/**
 * A malicious client's training data under a data attack (unchanged for update attacks).
 *
 * @example
 * ```ts
 * import { createRandom, type train } from "equipoise";
 * import { parseAttack, poisonData } from "equipoise/federated";
 * declare const data: train.TrainingData; // a malicious client's rows of a binary task
 * const flipped = poisonData(parseAttack("label-flip"), data, 2, undefined, createRandom(1));
 * ```
 */
export function poisonData(
  spec: AttackSpec,
  data: TrainingData,
  numClasses: number,
  trigger: Trigger | undefined,
  random: Random,
): TrainingData {
  if (spec.kind === "label-flip") {
    return { ...data, y: data.y.map((label) => numClasses - 1 - label) };
  }
  if (spec.kind === "backdoor") {
    if (!trigger) throw new Error("a backdoor attack needs a trigger");
    const { rows, cols } = data.X;
    const X = new Float32Array(data.X.data);
    const y = new Float32Array(data.y);
    for (let r = 0; r < rows; r++) {
      if (random.uniform() >= BACKDOOR_POISON_FRACTION) continue;
      trigger.features.forEach((c, k) => {
        X[r * cols + c] = trigger.values[k];
      });
      y[r] = trigger.target;
    }
    return { ...data, X: { rows, cols, data: X }, y };
  }
  return data;
}

/**
 * The updates malicious clients send, from the updates they trained honestly (on
 * possibly poisoned data). Colluders share their updates with each other, as the
 * attack assumes; z defaults to Baruch et al.'s z_max for n clients of which m
 * malicious: the largest z with Φ(z) < (n − s)/n, s = ⌊n/2 + 1⌋ − m.
 *
 * @example
 * ```ts
 * import { craftUpdates, parseAttack } from "equipoise/federated";
 * const honest = [Float32Array.from([1, -2])]; // what the malicious client trained honestly
 * craftUpdates(parseAttack("sign-flip:10"), honest, 20); // [Float32Array [−10, 20]]
 * ```
 */
export function craftUpdates(
  spec: AttackSpec,
  honest: readonly Float32Array[],
  sampledClients: number,
): Float32Array[] {
  switch (spec.kind) {
    case "sign-flip":
      return honest.map((u) => u.map((v) => -spec.scale * v));
    case "scale":
      return honest.map((u) => u.map((v) => spec.factor * v));
    case "backdoor":
      return spec.boost === 1 ? [...honest] : honest.map((u) => u.map((v) => spec.boost * v));
    case "colluding": {
      if (honest.length === 0) return [];
      const d = honest[0].length;
      const crafted = new Float32Array(d);
      const z = spec.z ?? alieZ(sampledClients, honest.length);
      for (let i = 0; i < d; i++) {
        let mean = 0;
        for (const u of honest) mean += u[i];
        mean /= honest.length;
        let variance = 0;
        for (const u of honest) variance += (u[i] - mean) ** 2;
        const sd = Math.sqrt(variance / Math.max(1, honest.length - 1));
        crafted[i] = mean - z * sd;
      }
      return honest.map(() => new Float32Array(crafted));
    }
    default:
      return [...honest];
  }
}

/**
 * Baruch et al. 2019, Alg. 3: z_max = Φ⁻¹((n − s)/n) with s = ⌊n/2 + 1⌋ − m (p clipped to [0.5, 0.999]).
 *
 * @example
 * ```ts
 * import { alieZ } from "equipoise/federated";
 * alieZ(20, 4); // ≈ 0.385: 4 colluders among 20 clients shift each coordinate by 0.385 std
 * ```
 */
export function alieZ(clients: number, malicious: number): number {
  const s = Math.floor(clients / 2 + 1) - malicious;
  const p = (clients - s) / clients;
  return inverseNormalCdf(Math.min(Math.max(p, 0.5), 0.999));
}

/** Φ⁻¹ by bisection on the shared normal CDF (a handful of calls per run). */
function inverseNormalCdf(p: number): number {
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
