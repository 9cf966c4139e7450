/**
 * How the rows of a training set are spread over simulated clients:
 * - iid: a random permutation cut into equal parts;
 * - dirichlet:α (label skew, Hsu et al. 2019): for each class, the proportions of its
 *   rows that go to each client are drawn from Dirichlet(α, …, α); small α gives
 *   clients that hold mostly one class;
 * - group-skew:s: client k is "dominant" in sensitive group k mod G; a fraction s of
 *   every group's rows goes to the clients dominant in it (evenly), the rest to all
 *   clients evenly; so half the clients of a two-group attribute hold mostly one group.
 * Seeded and pure: the same seed gives the same partition.
 */
import { DataError, UsageError } from "../common/errors.js";
import { type Random, shuffleInPlace } from "../common/rng.js";

/**
 * A partition of rows among clients (see {@link partitionSchema}).
 *
 * @example
 * ```ts
 * import { createRandom, data } from "equipoise";
 * import { describePartition, type PartitionSpec, partitionRows } from "equipoise/federated";
 * const partition: PartitionSpec = { kind: "group-skew", skew: 0.9 }; // = parsePartition("group-skew:0.9")
 * describePartition(partition); // "group-skew:0.9"
 * const task = await data.prepareTask({ data: "synthetic", sensitive: ["group"] });
 * const rows = partitionRows(partition, { labels: task.train.y, groups: task.train.sensitive[0].codes, clients: 4 }, createRandom(0));
 * ```
 */
export type PartitionSpec =
  | { kind: "iid" }
  | { kind: "dirichlet"; alpha: number }
  | { kind: "group-skew"; skew: number };

/**
 * `group-skew` without S: the fraction of every group's rows that goes to the clients dominant in it.
 *
 * @example
 * ```ts
 * import { DEFAULT_GROUP_SKEW, parsePartition } from "equipoise/federated";
 * DEFAULT_GROUP_SKEW; // 0.8
 * parsePartition("group-skew"); // { kind: "group-skew", skew: 0.8 }: the default share made explicit
 * ```
 */
export const DEFAULT_GROUP_SKEW = 0.8;
/**
 * Dirichlet draws are repeated until every client has at least this many rows (as in common FL benchmarks).
 *
 * @example
 * ```ts
 * import { MIN_ROWS_PER_CLIENT } from "equipoise/federated";
 * MIN_ROWS_PER_CLIENT; // 10
 * // a Dirichlet or group-skew partition of 2800 rows allows at most 2800 / 10 = 280 clients (a DataError beyond)
 * const mostClients = Math.floor(2800 / MIN_ROWS_PER_CLIENT);
 * ```
 */
export const MIN_ROWS_PER_CLIENT = 10;

/**
 * "iid", "dirichlet:0.3", "group-skew" or "group-skew:0.9".
 *
 * @example
 * ```ts
 * import { parsePartition } from "equipoise/federated";
 * parsePartition("dirichlet:0.3"); // { kind: "dirichlet", alpha: 0.3 }: label skew, stronger as α falls
 * ```
 */
export function parsePartition(text: string): PartitionSpec {
  const [kind, argument] = text.split(":", 2).map((part) => part.trim());
  if (kind === "iid" && argument === undefined) return { kind: "iid" };
  if (kind === "dirichlet") {
    const alpha = Number(argument);
    if (!(alpha > 0 && Number.isFinite(alpha)))
      throw new UsageError(`--partition dirichlet:ALPHA needs a positive ALPHA, got '${argument ?? ""}'`);
    return { kind: "dirichlet", alpha };
  }
  if (kind === "group-skew") {
    const skew = argument === undefined ? DEFAULT_GROUP_SKEW : Number(argument);
    if (!(skew >= 0 && skew <= 1))
      throw new UsageError(`--partition group-skew:S needs S in [0, 1], got '${argument}'`);
    return { kind: "group-skew", skew };
  }
  throw new UsageError(`--partition must be iid, dirichlet:ALPHA or group-skew[:S], got '${text}'`);
}

/**
 * A partition in words.
 *
 * @example
 * ```ts
 * import { describePartition, parsePartition } from "equipoise/federated";
 * describePartition(parsePartition("group-skew")); // "group-skew:0.8", the default share made explicit
 * ```
 */
export function describePartition(spec: PartitionSpec): string {
  return spec.kind === "iid"
    ? "iid"
    : spec.kind === "dirichlet"
      ? `dirichlet:${spec.alpha}`
      : `group-skew:${spec.skew}`;
}

/**
 * What a partition splits: labels, groups, number of clients.
 *
 * @example
 * ```ts
 * import { createRandom, data } from "equipoise";
 * import { type PartitionInput, partitionRows } from "equipoise/federated";
 * const task = await data.prepareTask({ data: "synthetic", sensitive: ["group"] });
 * const input: PartitionInput = { labels: task.train.y, groups: task.train.sensitive[0].codes, clients: 4 };
 * const rows = partitionRows({ kind: "group-skew", skew: 0.8 }, input, createRandom(0)); // 4 Int32Arrays of row indices
 * ```
 */
export interface PartitionInput {
  /** Class of every row (0/1 for binary tasks). */
  labels: ArrayLike<number>;
  /** Code of every row's sensitive group (group-skew only); negative = missing. */
  groups?: ArrayLike<number>;
  clients: number;
}

/**
 * Row indices of every client, each sorted ascending.
 *
 * @example
 * ```ts
 * import { createRandom } from "equipoise";
 * import { parsePartition, partitionRows } from "equipoise/federated";
 * const rows = partitionRows(parsePartition("iid"), { labels: [0, 1, 0, 1, 0, 1], clients: 2 }, createRandom(0));
 * // two Int32Arrays of row indices, 3 rows each, sorted
 * ```
 */
export function partitionRows(spec: PartitionSpec, input: PartitionInput, random: Random): Int32Array[] {
  const { labels, clients } = input;
  const n = labels.length;
  if (!(Number.isInteger(clients) && clients >= 1))
    throw new UsageError(`--clients must be ≥ 1, got ${clients}`);
  if (n < clients * (spec.kind === "iid" ? 1 : MIN_ROWS_PER_CLIENT)) {
    throw new DataError(`${n} training rows are too few for ${clients} clients`);
  }
  let parts: number[][];
  if (spec.kind === "iid") parts = iidParts(n, clients, random);
  else if (spec.kind === "dirichlet") parts = dirichletParts(labels, clients, spec.alpha, random);
  else {
    if (!input.groups)
      throw new UsageError("--partition group-skew needs a sensitive attribute (--sensitive)");
    parts = groupSkewParts(input.groups, clients, spec.skew, random);
  }
  return parts.map((rows) => Int32Array.from(rows).sort());
}

function iidParts(n: number, clients: number, random: Random): number[][] {
  const order = Array.from({ length: n }, (_, i) => i);
  shuffleInPlace(order, random);
  return Array.from({ length: clients }, (_, k) =>
    order.slice(Math.floor((k * n) / clients), Math.floor(((k + 1) * n) / clients)),
  );
}

function rowsByValue(values: ArrayLike<number>): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < 0) continue;
    let rows = out.get(v);
    if (!rows) out.set(v, (rows = []));
    rows.push(i);
  }
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

/** Cuts `rows` (shuffled) into consecutive pieces of the given proportions. */
function allocate(rows: number[], proportions: ArrayLike<number>, parts: number[][], random: Random): void {
  const shuffled = [...rows];
  shuffleInPlace(shuffled, random);
  let total = 0;
  for (let k = 0; k < proportions.length; k++) total += proportions[k];
  let cumulative = 0;
  let start = 0;
  for (let k = 0; k < proportions.length; k++) {
    cumulative += proportions[k];
    const end =
      k === proportions.length - 1 ? shuffled.length : Math.round((cumulative / total) * shuffled.length);
    for (let i = start; i < end; i++) parts[k].push(shuffled[i]);
    start = end;
  }
}

function dirichletParts(
  labels: ArrayLike<number>,
  clients: number,
  alpha: number,
  random: Random,
): number[][] {
  const byClass = rowsByValue(labels);
  for (let attempt = 0; attempt < 1000; attempt++) {
    const parts: number[][] = Array.from({ length: clients }, () => []);
    for (const rows of byClass.values()) allocate(rows, dirichlet(clients, alpha, random), parts, random);
    if (parts.every((rows) => rows.length >= MIN_ROWS_PER_CLIENT)) return parts;
  }
  throw new DataError(
    `dirichlet:${alpha} left a client with fewer than ${MIN_ROWS_PER_CLIENT} rows in 1000 draws; use fewer clients or a larger alpha`,
  );
}

function groupSkewParts(
  groups: ArrayLike<number>,
  clients: number,
  skew: number,
  random: Random,
): number[][] {
  const byGroup = rowsByValue(groups);
  const codes = [...byGroup.keys()];
  const parts: number[][] = Array.from({ length: clients }, () => []);
  codes.forEach((code, g) => {
    const dominant = Array.from({ length: clients }, (_, k) => k).filter((k) => k % codes.length === g);
    const weights = Float64Array.from(
      { length: clients },
      (_, k) => (dominant.includes(k) ? skew / dominant.length : 0) + (1 - skew) / clients,
    );
    allocate(byGroup.get(code)!, weights, parts, random);
  });
  if (parts.some((rows) => rows.length === 0)) {
    throw new DataError(`group-skew:${skew} left a client without rows; use fewer clients`);
  }
  return parts;
}

/**
 * A draw from the symmetric Dirichlet(α, …, α) of dimension k (normalised Gammas).
 *
 * @example
 * ```ts
 * import { createRandom } from "equipoise";
 * import { dirichlet } from "equipoise/federated";
 * dirichlet(3, 0.3, createRandom(0)); // three shares summing to 1; small α makes them uneven
 * ```
 */
export function dirichlet(k: number, alpha: number, random: Random): Float64Array {
  const out = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < k; i++) total += out[i] = gamma(alpha, random);
  // All draws can underflow to 0 for tiny α: fall back to one random vertex (the α → 0 limit).
  if (total === 0) {
    out[random.integer(k)] = 1;
    return out;
  }
  for (let i = 0; i < k; i++) out[i] /= total;
  return out;
}

/**
 * Gamma(shape, 1) by Marsaglia & Tsang (2000); for shape < 1 through
 * Gamma(a) = Gamma(a + 1) · U^{1/a} (their §6).
 *
 * @example
 * ```ts
 * import { createRandom } from "equipoise";
 * import { gamma } from "equipoise/federated";
 * const draw = gamma(2, createRandom(0)); // Gamma(2, 1): mean 2, variance 2
 * ```
 */
export function gamma(shape: number, random: Random): number {
  if (!(shape > 0)) throw new RangeError(`gamma shape must be positive, got ${shape}`);
  if (shape < 1) {
    let u = random.uniform();
    while (u === 0) u = random.uniform();
    return gamma(shape + 1, random) * u ** (1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = random.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random.uniform();
    if (u < 1 - 0.0331 * x ** 4) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}
