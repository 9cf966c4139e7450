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

export type SecAggGraph = { kind: "complete" } | { kind: "harary"; degree: number };

/** Neighbours of every participant (symmetric, no self-loops), sorted by id. */
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
 * Our default degree for n clients, about 3·log₂ n (even, at least 4): O(log n) as
 * Bell et al. require, with a margin so that a neighbourhood keeps its threshold
 * through 30 % dropouts. An odd degree is rounded up to the next even one.
 */
export function recommendedDegree(clients: number): number {
  const degree = 2 * Math.ceil(1.5 * Math.log2(Math.max(2, clients)));
  return Math.max(4, degree);
}
