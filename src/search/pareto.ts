/**
 * Pareto dominance for any number of objectives, all MINIMISED: non-dominated
 * sorting, the Pareto set, and crowding distance (Deb, Pratap, Agarwal & Meyarivan,
 * "A fast and elitist multiobjective genetic algorithm: NSGA-II", IEEE TEC 2002).
 */

/**
 * Objective values of one point, all minimised: any array-like of numbers.
 *
 * @example
 * ```ts
 * import { dominates, type Point } from "equipoise/search";
 * const a: Point = [0.1, 0.2];
 * const b: Point = Float64Array.from([0.3, 0.2]);
 * dominates(a, b); // true
 * ```
 */
export type Point = ArrayLike<number>;

/**
 * True when `a` is no worse than `b` in every objective and better in at least one.
 *
 * @example
 * ```ts
 * import { dominates } from "equipoise/search";
 * dominates([1, 2], [2, 2]); // true: no worse anywhere, better in the first objective
 * ```
 */
export function dominates(a: Point, b: Point): boolean {
  let strictlyBetter = false;
  for (let k = 0; k < a.length; k++) {
    if (a[k] > b[k]) return false;
    if (a[k] < b[k]) strictlyBetter = true;
  }
  return strictlyBetter;
}

/**
 * Deb's constrained domination: a feasible point (violation 0) beats an infeasible
 * one; of two infeasible points the smaller total violation wins; two feasible
 * points compare by Pareto dominance.
 *
 * @example
 * ```ts
 * import { constrainedDominates } from "equipoise/search";
 * constrainedDominates([2, 2], 0, [1, 1], 0.5); // true: feasible beats infeasible
 * constrainedDominates([1, 1], 0.2, [0, 0], 0.5); // true: the smaller violation wins
 * ```
 */
export function constrainedDominates(a: Point, violationA: number, b: Point, violationB: number): boolean {
  if (violationA === 0 && violationB === 0) return dominates(a, b);
  if (violationA === 0) return true;
  if (violationB === 0) return false;
  return violationA < violationB;
}

/**
 * Fronts of indices: front 0 is the Pareto set, front 1 is the Pareto set of the
 * rest, and so on (the fast non-dominated sort of Deb et al. 2002, O(M N²)).
 * With `violations` (total constraint violation per point, 0 = feasible) the sort
 * uses constrained domination. Duplicates share a front.
 *
 * @example
 * ```ts
 * import { nonDominatedSort } from "equipoise/search";
 * nonDominatedSort([[1, 3], [2, 2], [3, 1], [3, 3]]); // [[0, 1, 2], [3]]
 * ```
 */
export function nonDominatedSort(points: readonly Point[], violations?: ArrayLike<number>): number[][] {
  const n = points.length;
  const better = violations
    ? (i: number, j: number) => constrainedDominates(points[i], violations[i], points[j], violations[j])
    : (i: number, j: number) => dominates(points[i], points[j]);
  const dominatedBy = new Int32Array(n); // how many points dominate i
  const dominatedSets: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (better(i, j)) {
        dominatedSets[i].push(j);
        dominatedBy[j]++;
      } else if (better(j, i)) {
        dominatedSets[j].push(i);
        dominatedBy[i]++;
      }
    }
  }
  const fronts: number[][] = [];
  let current: number[] = [];
  for (let i = 0; i < n; i++) if (dominatedBy[i] === 0) current.push(i);
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current) {
      for (const j of dominatedSets[i]) if (--dominatedBy[j] === 0) next.push(j);
    }
    current = next.sort((a, b) => a - b);
  }
  return fronts;
}

/**
 * Indices (ascending) of the points no other point dominates. Duplicates are all kept.
 *
 * @example
 * ```ts
 * import { paretoFront } from "equipoise/search";
 * paretoFront([[1, 3], [2, 2], [3, 1], [3, 3]]); // [0, 1, 2]: (3, 3) is dominated
 * ```
 */
export function paretoFront(points: readonly Point[]): number[] {
  const n = points.length;
  if (n === 0) return [];
  // Sorting lexicographically means a point can only be dominated by an earlier one.
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => lexicographic(points[i], points[j]));
  const front: number[] = [];
  for (const i of order) {
    let dominated = false;
    for (const j of front) {
      if (dominates(points[j], points[i])) {
        dominated = true;
        break;
      }
    }
    if (!dominated) front.push(i);
  }
  return front.sort((a, b) => a - b);
}

function lexicographic(a: Point, b: Point): number {
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k] - b[k];
  return 0;
}

/**
 * Crowding distance of each point of `front` (indices into `points`), in the same
 * order: for each objective, the extreme points get Infinity and the others the
 * normalised side length of the cuboid formed by their two neighbours.
 * An objective with no spread in the front adds nothing.
 *
 * @example
 * ```ts
 * import { crowdingDistance } from "equipoise/search";
 * crowdingDistance([[1, 3], [2, 2], [3, 1]]); // [∞, 2, ∞]: the ends are always kept
 * ```
 */
export function crowdingDistance(points: readonly Point[], front?: readonly number[]): Float64Array {
  const members = front ?? points.map((_, i) => i);
  const m = members.length;
  const distance = new Float64Array(m);
  if (m === 0) return distance;
  if (m <= 2) return distance.fill(Number.POSITIVE_INFINITY);
  const numObjectives = points[members[0]].length;
  const order = new Int32Array(m);
  for (let k = 0; k < numObjectives; k++) {
    for (let i = 0; i < m; i++) order[i] = i;
    order.sort((a, b) => points[members[a]][k] - points[members[b]][k]);
    const low = points[members[order[0]]][k];
    const high = points[members[order[m - 1]]][k];
    distance[order[0]] = Number.POSITIVE_INFINITY;
    distance[order[m - 1]] = Number.POSITIVE_INFINITY;
    const range = high - low;
    if (!(range > 0)) continue;
    for (let r = 1; r < m - 1; r++) {
      const gap = points[members[order[r + 1]]][k] - points[members[order[r - 1]]][k];
      distance[order[r]] += gap / range;
    }
  }
  return distance;
}
