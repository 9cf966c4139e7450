/**
 * The server's step from the aggregated update Δ (the mean of wₖ − w), after Reddi
 * et al. 2021, "Adaptive Federated Optimization", Alg. 2, with −Δ as the
 * pseudo-gradient:
 * - fedavg: w ← w + η Δ (η = 1 is McMahan et al.'s FedAvg; with momentum β, FedAvgM:
 *   m ← β m + Δ, w ← w + η m);
 * - fedadam: m ← β₁ m + (1 − β₁) Δ, v ← β₂ v + (1 − β₂) Δ², w ← w + η m / (√v + τ),
 *   without bias correction, as in the paper. β₁ 0.9, β₂ 0.99 and τ 10⁻³ are the
 *   paper's values; the server learning rate (default 0.03) must be tuned per task, on
 *   validation data (the benchmark in bench/federated.bench.ts does so).
 * FedProx (Li et al. 2020) changes the clients' objective, not this step: see
 * local-training.ts.
 */
import { UsageError } from "../common/errors.js";

/**
 * How the server applies the aggregated update: FedAvg (with momentum: FedAvgM) or FedAdam.
 *
 * @example
 * ```ts
 * import { data } from "equipoise";
 * import { type ServerOptimizerSpec, simulateFederated } from "equipoise/federated";
 * const server: ServerOptimizerSpec = { kind: "fedavg", learningRate: 1, momentum: 0.9 }; // FedAvgM = parseServerOptimizer("fedavgm")
 * const task = await data.prepareTask({ data: "synthetic" });
 * await simulateFederated(task, { clients: 10, rounds: 3, workers: 1, server });
 * ```
 */
export type ServerOptimizerSpec =
  | { kind: "fedavg"; learningRate: number; momentum: number }
  | { kind: "fedadam"; learningRate: number; beta1: number; beta2: number; tau: number };

/**
 * FedAdam's defaults (Reddi et al. 2021): server learning rate, β₁, β₂ and τ.
 *
 * @example
 * ```ts
 * import { FEDADAM_DEFAULTS, type ServerOptimizerSpec } from "equipoise/federated";
 * FEDADAM_DEFAULTS; // { learningRate: 0.03, beta1: 0.9, beta2: 0.99, tau: 0.001 }
 * const server: ServerOptimizerSpec = { kind: "fedadam", ...FEDADAM_DEFAULTS, learningRate: 0.1 }; // a server rate tuned on validation data
 * ```
 */
export const FEDADAM_DEFAULTS = { learningRate: 0.03, beta1: 0.9, beta2: 0.99, tau: 1e-3 } as const;

/**
 * "fedavg", "fedavg:LR", "fedavgm:LR,MOMENTUM", "fedadam" or "fedadam:LR".
 *
 * @example
 * ```ts
 * import { parseServerOptimizer } from "equipoise/federated";
 * parseServerOptimizer("fedadam"); // { kind: "fedadam", learningRate: 0.03, beta1: 0.9, beta2: 0.99, tau: 0.001 }
 * ```
 */
export function parseServerOptimizer(text: string): ServerOptimizerSpec {
  const [kind, argument] = text.split(":", 2).map((part) => part.trim());
  const numbers = (argument ?? "").split(",").map((p) => (p.trim() === "" ? undefined : Number(p)));
  const check = (
    name: string,
    value: number | undefined,
    fallback: number,
    max = Number.POSITIVE_INFINITY,
  ) => {
    if (value === undefined) return fallback;
    if (!(value > 0 && value < max))
      throw new UsageError(`--server-optimizer ${kind}: ${name} must be in (0, ${max}), got '${argument}'`);
    return value;
  };
  if (kind === "fedavg")
    return { kind, learningRate: check("the learning rate", numbers[0], 1), momentum: 0 };
  if (kind === "fedavgm")
    return {
      kind: "fedavg",
      learningRate: check("the learning rate", numbers[0], 1),
      momentum: check("the momentum", numbers[1], 0.9, 1),
    };
  if (kind === "fedadam")
    return {
      kind,
      ...FEDADAM_DEFAULTS,
      learningRate: check("the learning rate", numbers[0], FEDADAM_DEFAULTS.learningRate),
    };
  throw new UsageError(
    `--server-optimizer must be fedavg[:LR], fedavgm[:LR,M] or fedadam[:LR], got '${text}'`,
  );
}

/**
 * A server optimiser in the syntax {@link parseServerOptimizer} reads.
 *
 * @example
 * ```ts
 * import { describeServerOptimizer, parseServerOptimizer } from "equipoise/federated";
 * describeServerOptimizer(parseServerOptimizer("fedavgm:1,0.9")); // "fedavgm:1,0.9"
 * ```
 */
export function describeServerOptimizer(spec: ServerOptimizerSpec): string {
  if (spec.kind === "fedadam") return `fedadam:${spec.learningRate}`;
  return spec.momentum > 0 ? `fedavgm:${spec.learningRate},${spec.momentum}` : `fedavg:${spec.learningRate}`;
}

/**
 * Applies the aggregated update to the global model: FedAvg(M) or FedAdam (Reddi et al. 2021).
 *
 * @example
 * ```ts
 * import { type Aggregate, ServerOptimizer, parseServerOptimizer } from "equipoise/federated";
 * declare const weights: Float32Array; // the global model (flat)
 * declare const aggregate: Aggregate; // the round's aggregated update (see aggregateUpdates)
 * const optimizer = new ServerOptimizer(parseServerOptimizer("fedavgm:1,0.9"));
 * optimizer.step(weights, aggregate.update); // updates weights in place, with server momentum
 * ```
 */
export class ServerOptimizer {
  private m: Float64Array | undefined;
  private v: Float64Array | undefined;

  constructor(readonly spec: ServerOptimizerSpec) {}

  /** Applies the aggregated update `delta` to `weights` in place. */
  step(weights: Float32Array, delta: ArrayLike<number>): void {
    if (delta.length !== weights.length)
      throw new RangeError(`an update of ${delta.length} values for ${weights.length} weights`);
    const spec = this.spec;
    const d = weights.length;
    if (spec.kind === "fedavg") {
      if (spec.momentum === 0) {
        for (let i = 0; i < d; i++) weights[i] += spec.learningRate * delta[i];
        return;
      }
      const m = (this.m ??= new Float64Array(d));
      for (let i = 0; i < d; i++) {
        m[i] = spec.momentum * m[i] + delta[i];
        weights[i] += spec.learningRate * m[i];
      }
      return;
    }
    const m = (this.m ??= new Float64Array(d));
    const v = (this.v ??= new Float64Array(d));
    const { learningRate, beta1, beta2, tau } = spec;
    for (let i = 0; i < d; i++) {
      m[i] = beta1 * m[i] + (1 - beta1) * delta[i];
      v[i] = beta2 * v[i] + (1 - beta2) * delta[i] * delta[i];
      weights[i] += (learningRate * m[i]) / (Math.sqrt(v[i]) + tau);
    }
  }
}
