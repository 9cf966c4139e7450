/**
 * Which architectures of a rung go on: the order NSGA-II's survival uses — Pareto
 * rank first (non-dominated sorting), then crowding distance within a front, larger
 * first — on the minimised objectives measured at that rung, the selection rule of
 * multi-objective successive halving (Schmucker, Donini, Zafar, Salinas & Archambeau
 * 2021, "Multi-objective asynchronous successive halving"). Ties keep the trial order,
 * so a promotion is a deterministic function of the measurements.
 */
import { crowdingDistance, nonDominatedSort, type Point } from "../search/index.js";

/** Indices of `points` (all objectives minimised), best first. */
export function promotionOrder(points: readonly Point[]): number[] {
  const order: number[] = [];
  for (const front of nonDominatedSort(points)) {
    const distance = crowdingDistance(points, front);
    const ranked = front.map((index, k) => ({ index, distance: distance[k] }));
    ranked.sort((a, b) => b.distance - a.distance || a.index - b.index);
    order.push(...ranked.map((r) => r.index));
  }
  return order;
}

/** The `count` best of `points`, in their original order. */
export function promoted(points: readonly Point[], count: number): number[] {
  return promotionOrder(points)
    .slice(0, count)
    .sort((a, b) => a - b);
}
