/**
 * Exact hypervolume of a set of points, all objectives MINIMISED: the volume of
 * the region dominated by the points and bounded above by the reference point,
 * i.e. the union of the boxes [p, reference].
 *
 * - 2 objectives: sort + sweep, O(n log n).
 * - 3 objectives: the dimension-sweep algorithm (Beume, Fonseca, López-Ibáñez,
 *   Paquete & Vahrenhold, "On the complexity of computing the hypervolume
 *   indicator", IEEE TEC 2009; Fonseca, Paquete & López-Ibáñez 2006): sweep z
 *   upwards while keeping the 2-D staircase of the (x, y) projections, whose area
 *   is updated incrementally. The staircase lives in a Fenwick tree over x-ranks
 *   (predecessor / successor / insert / delete in O(log n)); each point is inserted
 *   and removed at most once, so O(n log n) in all.
 * - 4+ objectives: WFG (While, Bradstreet & Barone, "A fast way of calculating
 *   exact hypervolumes", IEEE TEC 2012): the sum of exclusive contributions, each
 *   the inclusive volume minus the hypervolume of the non-dominated "limit set".
 *   Points are processed from worst to best in the last objective, so every limit
 *   set shares that coordinate and is computed in one dimension fewer, down to
 *   the 3-D sweep.
 *
 * A point that is not strictly better than the reference in every objective
 * dominates no volume inside the box and is ignored.
 */
import type { Point } from "./pareto.js";

/**
 * The exact hypervolume dominated by `points` (every objective minimised) and bounded by `reference`:
 * the volume of the union of the boxes [p, reference]. Points not strictly better than the reference
 * in every objective add nothing. Exact in any dimension; 3-D by a dimension sweep (10,000 points in
 * about 20 ms).
 *
 * @example
 * ```ts
 * import { hypervolume } from "equipoise/search";
 * hypervolume([[0.5, 0.5]], [1, 1]); // 0.25
 * hypervolume([[0, 0.5], [0.5, 0]], [1, 1]); // 0.75
 * ```
 */
export function hypervolume(points: readonly Point[], reference: ArrayLike<number>): number {
  const d = reference.length;
  for (let k = 0; k < d; k++) {
    if (!Number.isFinite(reference[k]))
      throw new RangeError(`hypervolume: reference[${k}] is ${reference[k]}`);
  }
  const { flat, n } = pointsInsideBox(points, reference);
  return hypervolumeFlat(flat, n, d, Float64Array.from(reference));
}

/**
 * Exclusive contribution of each point: the hypervolume lost when it alone is
 * removed. Zero for points outside the box, dominated points and duplicates;
 * for the others hypervolume(all) − hypervolume(all but that one), so
 * O(f · cost of one hypervolume) for a front of f points.
 *
 * @example
 * ```ts
 * import { hypervolumeContributions } from "equipoise/search";
 * hypervolumeContributions([[1, 3], [2, 2], [3, 1], [3, 3]], [4, 4]); // [1, 1, 1, 0]
 * ```
 */
export function hypervolumeContributions(
  points: readonly Point[],
  reference: ArrayLike<number>,
): Float64Array {
  const n = points.length;
  const d = reference.length;
  const contributions = new Float64Array(n);
  // Distinct points inside the box, with how many copies each has.
  const copies = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    checkLength(points[i], d, i);
    if (!isInside(points[i], reference)) continue;
    const key = Array.from(points[i]).join(",");
    const list = copies.get(key);
    if (list) list.push(i);
    else copies.set(key, [i]);
  }
  const distinct = [...copies.values()].map((list) => list[0]);
  // Only non-dominated points bound the volume; a duplicated one loses nothing when one copy goes.
  const front = distinct.filter(
    (i) => !distinct.some((j) => j !== i && weaklyDominates(points[j], points[i])),
  );
  // Removing a front point can uncover points it dominated, so every distinct point stays in the sets.
  const contributionOf = new Map<number, number>();
  if (front.length > 0) {
    const distinctPoints = distinct.map((i) => points[i]);
    const total = hypervolume(distinctPoints, reference);
    for (const i of front) {
      const without = distinct.filter((j) => j !== i).map((j) => points[j]);
      contributionOf.set(i, Math.max(0, total - hypervolume(without, reference)));
    }
  }
  for (const list of copies.values()) {
    if (list.length === 1) contributions[list[0]] = contributionOf.get(list[0]) ?? 0;
  }
  return contributions;
}

// ---- internals on flat row-major arrays -------------------------------------------------

function checkLength(point: Point, d: number, index: number): void {
  if (point.length !== d) {
    throw new RangeError(
      `hypervolume: point ${index} has ${point.length} objectives, the reference has ${d}`,
    );
  }
}

function isInside(point: Point, reference: ArrayLike<number>): boolean {
  for (let k = 0; k < reference.length; k++) if (!(point[k] < reference[k])) return false; // NaN → outside
  return true;
}

function weaklyDominates(a: Point, b: Point): boolean {
  for (let k = 0; k < a.length; k++) if (a[k] > b[k]) return false;
  return true;
}

function pointsInsideBox(
  points: readonly Point[],
  reference: ArrayLike<number>,
): { flat: Float64Array; n: number } {
  const d = reference.length;
  const flat = new Float64Array(points.length * d);
  let n = 0;
  for (let i = 0; i < points.length; i++) {
    checkLength(points[i], d, i);
    if (!isInside(points[i], reference)) continue;
    for (let k = 0; k < d; k++) flat[n * d + k] = points[i][k];
    n++;
  }
  return { flat, n };
}

function hypervolumeFlat(flat: Float64Array, n: number, d: number, reference: Float64Array): number {
  if (n === 0) return 0;
  switch (d) {
    case 1: {
      let best = reference[0];
      for (let i = 0; i < n; i++) best = Math.min(best, flat[i]);
      return reference[0] - best;
    }
    case 2:
      return hypervolume2d(flat, n, reference);
    case 3:
      return hypervolume3d(flat, n, reference);
    default:
      return hypervolumeWfg(flat, n, d, reference);
  }
}

function hypervolume2d(flat: Float64Array, n: number, reference: Float64Array): number {
  const order = sortedIndices(n, (i, j) => flat[2 * i] - flat[2 * j] || flat[2 * i + 1] - flat[2 * j + 1]);
  let volume = 0;
  let bestY = reference[1];
  for (let r = 0; r < n; r++) {
    const i = order[r];
    const y = flat[2 * i + 1];
    if (y < bestY) {
      volume += (reference[0] - flat[2 * i]) * (bestY - y);
      bestY = y;
    }
  }
  return volume;
}

function hypervolume3d(flat: Float64Array, n: number, reference: Float64Array): number {
  const x = (i: number) => flat[3 * i];
  const y = (i: number) => flat[3 * i + 1];
  const z = (i: number) => flat[3 * i + 2];
  // Ranks by (x, y); points sharing an x form a block of consecutive ranks.
  const byX = sortedIndices(n, (i, j) => x(i) - x(j) || y(i) - y(j));
  const rankOf = new Int32Array(n);
  for (let r = 0; r < n; r++) rankOf[byX[r]] = r;
  const blockStart = new Int32Array(n);
  const blockEnd = new Int32Array(n);
  for (let r = 0; r < n; r++) blockStart[r] = r > 0 && x(byX[r]) === x(byX[r - 1]) ? blockStart[r - 1] : r;
  for (let r = n - 1; r >= 0; r--)
    blockEnd[r] = r < n - 1 && x(byX[r]) === x(byX[r + 1]) ? blockEnd[r + 1] : r;

  const staircase = new RankSet(n); // active ranks: x increasing, y strictly decreasing
  const byZ = sortedIndices(n, (i, j) => z(i) - z(j));
  let area = 0;
  let volume = 0;
  let previousZ = z(byZ[0]);
  for (let t = 0; t < n; t++) {
    const q = byZ[t];
    volume += area * (z(q) - previousZ);
    previousZ = z(q);
    const r = rankOf[q];
    const qx = x(q);
    const qy = y(q);
    // The active point with the largest x <= qx has the smallest y among them.
    const left = staircase.largestAtMost(blockEnd[r]);
    if (left >= 0 && y(byX[left]) <= qy) continue; // dominated: nothing new
    const previous = staircase.largestAtMost(blockStart[r] - 1);
    let height = previous >= 0 ? y(byX[previous]) : reference[1];
    let fromX = qx;
    let increment = 0;
    let s = staircase.smallestAtLeast(blockStart[r]);
    while (s >= 0 && y(byX[s]) >= qy) {
      const sx = x(byX[s]);
      increment += (sx - fromX) * (height - qy);
      fromX = sx;
      height = y(byX[s]);
      staircase.remove(s);
      s = staircase.smallestAtLeast(s + 1);
    }
    const toX = s >= 0 ? x(byX[s]) : reference[0];
    increment += (toX - fromX) * (height - qy);
    area += increment;
    staircase.add(r);
  }
  volume += area * (reference[2] - previousZ);
  return volume;
}

function hypervolumeWfg(flat: Float64Array, n: number, d: number, reference: Float64Array): number {
  const last = d - 1;
  const order = sortedIndices(n, (i, j) => flat[j * d + last] - flat[i * d + last]); // worst first
  const lower = d - 1;
  const lowerReference = reference.subarray(0, lower);
  const limit = new Float64Array(n * lower);
  let total = 0;
  for (let t = 0; t < n; t++) {
    const k = order[t] * d;
    let inclusive = 1;
    for (let c = 0; c < lower; c++) inclusive *= reference[c] - flat[k + c];
    // Limit set: each later point made no better than p_k; all share p_k's last coordinate.
    let m = 0;
    for (let u = t + 1; u < n; u++) {
      const j = order[u] * d;
      for (let c = 0; c < lower; c++) limit[m * lower + c] = Math.max(flat[k + c], flat[j + c]);
      m++;
    }
    const kept = nonDominatedRows(limit, m, lower);
    const exclusive = inclusive - hypervolumeFlat(kept.flat, kept.n, lower, lowerReference);
    total += (reference[last] - flat[k + last]) * exclusive;
  }
  return total;
}

/** Rows not weakly dominated by another row (one copy of duplicates kept). */
function nonDominatedRows(flat: Float64Array, n: number, d: number): { flat: Float64Array; n: number } {
  const order = sortedIndices(n, (i, j) => {
    for (let c = 0; c < d; c++) {
      const diff = flat[i * d + c] - flat[j * d + c];
      if (diff !== 0) return diff;
    }
    return 0;
  });
  // In lexicographic order a row can only be weakly dominated by an earlier one.
  const kept: number[] = [];
  for (const i of order) {
    let dominated = false;
    for (const j of kept) {
      let weakly = true;
      for (let c = 0; c < d; c++) {
        if (flat[j * d + c] > flat[i * d + c]) {
          weakly = false;
          break;
        }
      }
      if (weakly) {
        dominated = true;
        break;
      }
    }
    if (!dominated) kept.push(i);
  }
  const out = new Float64Array(kept.length * d);
  for (let r = 0; r < kept.length; r++) out.set(flat.subarray(kept[r] * d, kept[r] * d + d), r * d);
  return { flat: out, n: kept.length };
}

function sortedIndices(n: number, compare: (i: number, j: number) => number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order.sort(compare);
}

/**
 * A set of integers in [0, size) with O(log size) insert, delete, predecessor and
 * successor, as a Fenwick tree of 0/1 counts.
 */
class RankSet {
  private readonly tree: Int32Array;
  private readonly size: number;
  private readonly topBit: number;
  private count = 0;

  constructor(size: number) {
    this.size = size;
    this.tree = new Int32Array(size + 1);
    let bit = 1;
    while (bit * 2 <= size) bit *= 2;
    this.topBit = bit;
  }

  add(i: number): void {
    this.update(i, 1);
    this.count++;
  }

  remove(i: number): void {
    this.update(i, -1);
    this.count--;
  }

  /** The largest member <= i, or -1. */
  largestAtMost(i: number): number {
    if (i < 0) return -1;
    const c = this.prefix(i);
    return c === 0 ? -1 : this.kth(c);
  }

  /** The smallest member >= i, or -1. */
  smallestAtLeast(i: number): number {
    const c = i > 0 ? this.prefix(i - 1) : 0;
    return c === this.count ? -1 : this.kth(c + 1);
  }

  private update(i: number, delta: number): void {
    for (let j = i + 1; j <= this.size; j += j & -j) this.tree[j] += delta;
  }

  /** Number of members <= i. */
  private prefix(i: number): number {
    let sum = 0;
    for (let j = Math.min(i, this.size - 1) + 1; j > 0; j -= j & -j) sum += this.tree[j];
    return sum;
  }

  /** The k-th smallest member (k >= 1). */
  private kth(k: number): number {
    let position = 0;
    for (let bit = this.topBit; bit > 0; bit >>= 1) {
      const next = position + bit;
      if (next <= this.size && this.tree[next] < k) {
        position = next;
        k -= this.tree[next];
      }
    }
    return position; // 0-based index of the (position + 1)-th slot
  }
}
