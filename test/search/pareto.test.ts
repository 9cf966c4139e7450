import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import {
  constrainedDominates,
  crowdingDistance,
  dominates,
  nonDominatedSort,
  paretoFront,
} from "../../src/search/pareto.js";

/** Peels fronts by the definition: the points no remaining point dominates. */
function bruteForceFronts(points: number[][], better: (i: number, j: number) => boolean): number[][] {
  let remaining = points.map((_, i) => i);
  const fronts: number[][] = [];
  while (remaining.length > 0) {
    const front = remaining.filter((i) => !remaining.some((j) => better(j, i)));
    fronts.push(front);
    remaining = remaining.filter((i) => !front.includes(i));
  }
  return fronts;
}

describe("pareto", () => {
  it("dominates is strict in one objective and weak in all", () => {
    assert.equal(dominates([1, 2], [1, 3]), true);
    assert.equal(dominates([1, 3], [1, 3]), false);
    assert.equal(dominates([0, 4], [1, 3]), false);
  });

  it("non-dominated sort and Pareto set agree with peeling by definition (2-4 objectives, ties)", () => {
    const random = createRandom(4);
    for (let d = 2; d <= 4; d++) {
      const points = Array.from({ length: 60 }, () => Array.from({ length: d }, () => random.integer(5)));
      const expected = bruteForceFronts(points, (i, j) => dominates(points[i], points[j]));
      const fronts = nonDominatedSort(points).map((f) => [...f].sort((a, b) => a - b));
      assert.deepEqual(fronts, expected);
      assert.deepEqual(paretoFront(points), expected[0]);
    }
  });

  it("constrained sort: feasible fronts first, then infeasible by violation", () => {
    const random = createRandom(9);
    const points = Array.from({ length: 40 }, () => [random.uniform(), random.uniform()]);
    const violations = points.map(() => (random.uniform() < 0.5 ? 0 : random.integer(4) + 1));
    const expected = bruteForceFronts(points, (i, j) =>
      constrainedDominates(points[i], violations[i], points[j], violations[j]),
    );
    const fronts = nonDominatedSort(points, violations).map((f) => [...f].sort((a, b) => a - b));
    assert.deepEqual(fronts, expected);
    for (const i of fronts[0]) assert.equal(violations[i], 0);
    assert.deepEqual(new Set(fronts.at(-1)!.map((i) => violations[i])), new Set([4]));
  });

  it("crowding distance: hand-computed", () => {
    // sorted by f1: a(0,4) b(1,2) c(3,1) d(4,0); ranges 4 and 4
    const points = [
      [3, 1],
      [0, 4],
      [4, 0],
      [1, 2],
    ];
    const distance = crowdingDistance(points);
    assert.equal(distance[1], Infinity);
    assert.equal(distance[2], Infinity);
    assert.equal(distance[3], (3 - 0) / 4 + (4 - 1) / 4); // b: neighbours a and c
    assert.equal(distance[0], (4 - 1) / 4 + (2 - 0) / 4); // c: neighbours b and d
    assert.deepEqual([...crowdingDistance(points, [0, 3])], [Infinity, Infinity]);
  });
});
