/**
 * Who shares masks and secrets with whom. The original protocol (Bonawitz et al.
 * 2017) uses the complete graph: every pair of clients agrees a mask, so a round
 * costs O(n²) key agreements and mask expansions. SecAgg+ (Bell et al. 2020) uses a
 * random k-regular Harary graph instead: the clients, in a random order drawn from
 * the round's public seed, sit on a ring and each is joined to its k/2 nearest on
 * either side. With k = O(log n) the sum stays hidden and dropouts recoverable with
 * high probability, at O(n log n) cost. The order must be unpredictable to clients
 * before they commit, so the seed is fresh every round.
 */
import { createRandom, permutation } from "../../common/rng.js";

/**
 * Who shares masks with whom: every pair (complete) or a random Harary graph of the given degree.
 *
 * @example
 * ```ts
 * import { createRoundSetup, recommendedDegree, type SecAggGraph } from "equipoise/federated";
 * const graph: SecAggGraph = { kind: "harary", degree: recommendedDegree(1000) }; // SecAgg+: 110 neighbours each, not 999
 * const clients = Array.from({ length: 1000 }, (_, i) => i + 1);
 * const setup = createRoundSetup(1, clients, 100, { graph }); // setup.threshold: shares needed of each client's neighbours
 * ```
 */
export type SecAggGraph = { kind: "complete" } | { kind: "harary"; degree: number };

/**
 * Neighbours of every participant (symmetric, no self-loops), sorted by id.
 *
 * @example
 * ```ts
 * import { neighbourhoods } from "equipoise/federated";
 * neighbourhoods([1, 2, 3, 4], { kind: "harary", degree: 2 }, 0); // each client masks with 2 others
 * neighbourhoods([1, 2, 3], { kind: "complete" }, 0); // Map { 1 => [2, 3], 2 => [1, 3], 3 => [1, 2] }
 * ```
 */
export function neighbourhoods(
  participants: readonly number[],
  graph: SecAggGraph,
  seed: number,
): Map<number, number[]> {
  const n = participants.length;
  const out = new Map<number, number[]>();
  if (graph.kind === "complete" || graph.degree >= n - 1) {
    for (const u of participants)
      out.set(
        u,
        participants.filter((v) => v !== u),
      );
    return out;
  }
  const half = Math.ceil(graph.degree / 2);
  const order = permutation(n, createRandom(seed));
  const sets = new Map<number, Set<number>>(participants.map((u) => [u, new Set<number>()]));
  for (let position = 0; position < n; position++) {
    const u = participants[order[position]];
    for (let step = 1; step <= half; step++) {
      const v = participants[order[(position + step) % n]];
      sets.get(u)!.add(v);
      sets.get(v)!.add(u);
    }
  }
  for (const [u, set] of sets)
    out.set(
      u,
      [...set].sort((a, b) => a - b),
    );
  return out;
}

/**
 * The neighbours of one participant: `neighbourhoods(participants, graph, seed).get(u) ?? []`
 * without building the whole graph: each client needs only its own (O(n + k), not O(n·k);
 * 100 simulated clients built the whole graph 100 times a round).
 */
export function neighboursOf(
  participants: readonly number[],
  graph: SecAggGraph,
  seed: number,
  u: number,
): number[] {
  const n = participants.length;
  if (!participants.includes(u)) return [];
  if (graph.kind === "complete" || graph.degree >= n - 1) return participants.filter((v) => v !== u);
  const half = Math.ceil(graph.degree / 2);
  const order = permutation(n, createRandom(seed));
  const set = new Set<number>();
  for (let position = 0; position < n; position++) {
    if (participants[order[position]] !== u) continue;
    for (let step = 1; step <= half; step++) {
      set.add(participants[order[(position + step) % n]]);
      set.add(participants[order[(((position - step) % n) + n) % n]]);
    }
  }
  return [...set].sort((a, b) => a - b);
}

/**
 * What the default SecAgg+ degree must survive.
 *
 * @example
 * ```ts
 * import { type DegreeTarget, recommendedDegree } from "equipoise/federated";
 * const target: DegreeTarget = { thresholdFraction: 0.3, dropout: 0.1, failure: 0.01 };
 * recommendedDegree(100, target); // 6, against 84 with the defaults (majority threshold, 30 % dropouts)
 * ```
 */
export interface DegreeTarget {
  /** Shares needed, as a fraction of a client's neighbours (as in SecAggSettings). Default 0.5. */
  thresholdFraction?: number;
  /** Fraction of clients assumed to drop out during a round. Default 0.3. */
  dropout?: number;
  /** Accepted chance that some client keeps fewer than the threshold of live neighbours. Default 0.01. */
  failure?: number;
}

/**
 * The smallest even degree k for which a round of n clients, each dropping out
 * independently with probability δ, leaves every client at least t = ⌊f·k⌋ + 1
 * live neighbours except with probability ≤ `failure` (union bound: n · P[Bin(k, 1 − δ) < t]).
 * When no degree below n − 1 achieves it, the complete graph (n − 1) is returned.
 *
 * A fixed multiple of log n is not enough: with a majority threshold and 30 %
 * dropouts, degree 3·log₂ n aborts about half of all rounds (Monte Carlo: 38 % at
 * n = 30, 59 % at n = 100). A majority threshold needs a large degree (84 of 99 at
 * n = 100, 134 at n = 10,000); SecAgg+'s saving is for large n, or for a lower
 * threshold when the server is trusted to follow the protocol (Bell et al. 2020).
 *
 * @example
 * ```ts
 * import { recommendedDegree } from "equipoise/federated";
 * recommendedDegree(100); // 84 for a majority threshold with 30 % dropouts and 1 % failure
 * ```
 */
export function recommendedDegree(clients: number, target: DegreeTarget = {}): number {
  const fraction = target.thresholdFraction ?? 0.5;
  const dropout = target.dropout ?? 0.3;
  const failure = target.failure ?? 0.01;
  const complete = Math.max(1, clients - 1);
  for (let k = 4; k < complete; k += 2) {
    const threshold = Math.max(2, Math.floor(fraction * k) + 1);
    if (clients * binomialLowerTail(k, 1 - dropout, threshold) <= failure) return k;
  }
  return complete;
}

/** P[Bin(n, p) < t], summed in log space so that large n neither overflows nor underflows. */
export function binomialLowerTail(n: number, p: number, t: number): number {
  if (t <= 0) return 0;
  if (p <= 0) return 1;
  if (p >= 1) return t > n ? 1 : 0;
  let logChoose = 0;
  let total = 0;
  for (let j = 0; j < Math.min(t, n + 1); j++) {
    if (j > 0) logChoose += Math.log(n - j + 1) - Math.log(j);
    total += Math.exp(logChoose + j * Math.log(p) + (n - j) * Math.log1p(-p));
  }
  return Math.min(1, total);
}
