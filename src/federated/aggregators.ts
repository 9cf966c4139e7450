/**
 * How the server combines the clients' model updates Δₖ = wₖ − w:
 * - mean: the (example-weighted) average, FedAvg (McMahan et al. 2017);
 * - median: the coordinate-wise median (Yin et al. 2018);
 * - trimmed:β: the coordinate-wise mean after dropping the ⌊βm⌋ largest and smallest
 *   values (Yin et al. 2018);
 * - krum:f / multikrum:f,k: the update(s) whose m − f − 2 nearest neighbours are
 *   closest in squared distance (Blanchard et al. 2017); Multi-Krum averages the k
 *   best (El Mhamdi et al. 2018). f is the number of attackers tolerated (default the
 *   largest Krum allows, ⌊(m − 3)/2⌋).
 * The robust ones need each update in the clear: under secure aggregation only the
 * sum exists and only `mean` applies (see secure.ts for what still works there).
 */
import { UsageError } from "../common/errors.js";
import { weightedMean } from "./vectors.js";

/**
 * An aggregation rule (see the module comment).
 *
 * @example
 * ```ts
 * import { data } from "equipoise";
 * import { type AggregatorSpec, describeAggregator, simulateFederated } from "equipoise/federated";
 * const aggregator: AggregatorSpec = { kind: "trimmed", fraction: 0.1 }; // = parseAggregator("trimmed:0.1")
 * describeAggregator(aggregator); // "trimmed:0.1"
 * const task = await data.prepareTask({ data: "synthetic" });
 * const { report } = await simulateFederated(task, { clients: 10, rounds: 3, workers: 1, aggregator }); // robust rules: without --secure and --dp
 * ```
 */
export type AggregatorSpec =
  | { kind: "mean" }
  | { kind: "median" }
  | { kind: "trimmed"; fraction: number }
  | { kind: "krum"; byzantine?: number }
  | { kind: "multikrum"; byzantine?: number; selected?: number };

/**
 * An aggregator from its command-line form ("mean", "median", "trimmed:0.1", "krum:2", "multikrum:2,5").
 *
 * @example
 * ```ts
 * import { parseAggregator } from "equipoise/federated";
 * parseAggregator("trimmed:0.1"); // { kind: "trimmed", fraction: 0.1 }
 * parseAggregator("krum:2"); // Krum, tolerating 2 Byzantine clients
 * ```
 */
export function parseAggregator(text: string): AggregatorSpec {
  const [kind, argument] = text.split(":", 2).map((part) => part.trim());
  if (kind === "mean" && argument === undefined) return { kind: "mean" };
  if (kind === "median" && argument === undefined) return { kind: "median" };
  if (kind === "trimmed") {
    const fraction = argument === undefined ? 0.1 : Number(argument);
    if (!(fraction >= 0 && fraction < 0.5))
      throw new UsageError(`--aggregate trimmed:BETA needs BETA in [0, 0.5), got '${argument}'`);
    return { kind: "trimmed", fraction };
  }
  if (kind === "krum" || kind === "multikrum") {
    const [f, k] = (argument ?? "").split(",").map((p) => (p.trim() === "" ? undefined : Number(p)));
    for (const [name, value] of [
      ["f", f],
      ["k", k],
    ] as const) {
      if (value !== undefined && !(Number.isInteger(value) && value >= (name === "f" ? 0 : 1)))
        throw new UsageError(`--aggregate ${kind}: ${name} must be a whole number, got '${argument}'`);
    }
    if (kind === "krum") {
      if (k !== undefined)
        throw new UsageError("--aggregate krum:F takes one number (multikrum:F,K takes two)");
      return f === undefined ? { kind } : { kind, byzantine: f };
    }
    return {
      kind,
      ...(f === undefined ? {} : { byzantine: f }),
      ...(k === undefined ? {} : { selected: k }),
    };
  }
  throw new UsageError(
    `--aggregate must be mean, median, trimmed[:BETA], krum[:F] or multikrum[:F,K], got '${text}'`,
  );
}

/**
 * An aggregator in words.
 *
 * @example
 * ```ts
 * import { describeAggregator, parseAggregator } from "equipoise/federated";
 * describeAggregator(parseAggregator("trimmed:0.1")); // "trimmed:0.1"
 * ```
 */
export function describeAggregator(spec: AggregatorSpec): string {
  switch (spec.kind) {
    case "trimmed":
      return `trimmed:${spec.fraction}`;
    case "krum":
      return spec.byzantine === undefined ? "krum" : `krum:${spec.byzantine}`;
    case "multikrum":
      return `multikrum${spec.byzantine === undefined ? "" : `:${spec.byzantine}${spec.selected === undefined ? "" : `,${spec.selected}`}`}`;
    default:
      return spec.kind;
  }
}

/**
 * The combined update and, for Krum, the clients it kept.
 *
 * @example
 * ```ts
 * import { type Aggregate, aggregateUpdates, parseAggregator } from "equipoise/federated";
 * const updates = [[1, 1], [1.2, 0.8], [0.9, 1.1], [50, -50]].map((u) => Float32Array.from(u)); // the last is an attacker
 * const result: Aggregate = aggregateUpdates(updates, [10, 10, 10, 10], parseAggregator("multikrum:1,2"));
 * result.selected; // [0, 2]: the two updates Multi-Krum kept
 * result.update; // their mean, ≈ [0.95, 1.05]
 * ```
 */
export interface Aggregate {
  update: Float64Array;
  /** Krum / Multi-Krum: positions (in the input order) of the updates chosen. */
  selected?: number[];
}

/**
 * Combines `updates` (weights: examples per client, used by `mean` only).
 *
 * @example
 * ```ts
 * import { aggregateUpdates, parseAggregator } from "equipoise/federated";
 * const updates = [[1, 1], [1.2, 0.8], [0.9, 1.1], [50, -50]].map((u) => Float32Array.from(u)); // one attacker
 * aggregateUpdates(updates, [10, 10, 10, 10], parseAggregator("median")).update; // ≈ [1.1, 0.9]
 * aggregateUpdates(updates, [10, 10, 10, 10], parseAggregator("krum:1")).selected; // [0]
 * ```
 */
export function aggregateUpdates(
  updates: readonly Float32Array[],
  weights: readonly number[],
  spec: AggregatorSpec,
): Aggregate {
  if (updates.length === 0) throw new RangeError("no updates to aggregate");
  switch (spec.kind) {
    case "mean":
      return { update: weightedMean(updates, weights) };
    case "median":
      return { update: coordinatewise(updates, median) };
    case "trimmed": {
      const cut = Math.floor(spec.fraction * updates.length);
      return { update: coordinatewise(updates, (sorted) => mean(sorted, cut, sorted.length - cut)) };
    }
    case "krum":
    case "multikrum": {
      const m = updates.length;
      const f = spec.byzantine ?? Math.max(0, Math.floor((m - 3) / 2));
      const scores = krumScores(updates, f);
      const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => scores[a] - scores[b] || a - b);
      const k = spec.kind === "krum" ? 1 : Math.min(m, spec.selected ?? Math.max(1, m - f));
      const selected = order.slice(0, k).sort((a, b) => a - b);
      return {
        update: weightedMean(
          selected.map((i) => updates[i]),
          selected.map(() => 1),
        ),
        selected,
      };
    }
  }
}

/**
 * Krum's score of every update: the sum of squared distances to its m − f − 2
 * nearest other updates (at least 1 neighbour when m is too small for the bound).
 *
 * @example
 * ```ts
 * import { krumScores } from "equipoise/federated";
 * const updates = [[1, 1], [1.2, 0.8], [0.9, 1.1], [50, -50]].map((u) => Float32Array.from(u));
 * krumScores(updates, 1); // ≈ [0.02, 0.08, 0.02, 4962]: the outlier scores worst
 * ```
 */
export function krumScores(updates: readonly Float32Array[], byzantine: number): Float64Array {
  const m = updates.length;
  const distances = Array.from({ length: m }, () => new Float64Array(m));
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      let d = 0;
      const a = updates[i];
      const b = updates[j];
      for (let c = 0; c < a.length; c++) d += (a[c] - b[c]) ** 2;
      distances[i][j] = distances[j][i] = d;
    }
  }
  const neighbours = Math.max(1, Math.min(m - 1, m - byzantine - 2));
  return Float64Array.from(distances, (row, i) => {
    const others = Array.from(row)
      .filter((_, j) => j !== i)
      .sort((a, b) => a - b);
    return others.slice(0, neighbours).reduce((s, d) => s + d, 0);
  });
}

function coordinatewise(
  updates: readonly Float32Array[],
  statistic: (sorted: Float64Array) => number,
): Float64Array {
  const d = updates[0].length;
  const column = new Float64Array(updates.length);
  const out = new Float64Array(d);
  for (let c = 0; c < d; c++) {
    for (let k = 0; k < updates.length; k++) column[k] = updates[k][c];
    column.sort();
    out[c] = statistic(column);
  }
  return out;
}

function median(sorted: Float64Array): number {
  const n = sorted.length;
  return n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

function mean(sorted: Float64Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += sorted[i];
  return sum / (end - start);
}
