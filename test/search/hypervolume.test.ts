import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRandom, type Random } from "../../src/common/rng.js";
import { hypervolume, hypervolumeContributions } from "../../src/search/hypervolume.js";
import { hypervolumeGrid, hypervolumeInclusionExclusion } from "./brute-force.js";

function close(actual: number, expected: number, tolerance = 1e-12): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `${actual} != ${expected} (difference ${actual - expected})`,
  );
}

/** A mix that exercises the corner cases: points on a sphere (mutually non-dominated), uniform points,
 *  duplicates, shared coordinates, and points on or outside the reference box. */
function mixedPoints(random: Random, n: number, d: number): number[][] {
  const points: number[][] = [];
  while (points.length < n) {
    const kind = random.integer(10);
    if (kind < 4) {
      const v = Array.from({ length: d }, () => Math.abs(random.normal()));
      const norm = Math.hypot(...v);
      points.push(v.map((x) => 1 - x / norm));
    } else if (kind < 7) {
      points.push(Array.from({ length: d }, () => random.uniform()));
    } else if (kind === 7 && points.length > 0) {
      points.push([...points[random.integer(points.length)]]);
    } else if (kind === 8 && points.length > 0) {
      const copy = [...points[random.integer(points.length)]];
      copy[random.integer(d)] = Math.round(random.uniform() * 4) / 4; // shared coordinates
      points.push(copy);
    } else {
      const p = Array.from({ length: d }, () => random.uniform() * 1.3 - 0.1);
      if (random.uniform() < 0.3) p[random.integer(d)] = 1.1; // exactly on the reference
      points.push(p);
    }
  }
  return points;
}

describe("hypervolume: hand-computed cases", () => {
  it("2-D staircase", () => {
    assert.equal(
      hypervolume(
        [
          [1, 3],
          [2, 2],
          [3, 1],
        ],
        [4, 4],
      ),
      6,
    );
    assert.equal(
      hypervolume(
        [
          [3, 1],
          [1, 3],
          [2, 2],
          [2, 2],
          [2.5, 2.5],
        ],
        [4, 4],
      ),
      6,
    ); // order, duplicate, dominated
  });
  it("3-D single box, two overlapping boxes", () => {
    assert.equal(hypervolume([[0, 0, 0]], [1, 2, 3]), 6);
    // boxes of volume 4 and 2 overlapping in the unit cube [1,2]^3
    assert.equal(
      hypervolume(
        [
          [0, 0, 1],
          [1, 1, 0],
        ],
        [2, 2, 2],
      ),
      5,
    );
    assert.equal(
      hypervolume(
        [
          [0, 0, 1],
          [1, 1, 0],
          [0, 0, 1],
          [1, 1, 0],
        ],
        [2, 2, 2],
      ),
      5,
    );
  });
  it("points on or beyond the reference contribute nothing; below it, their whole box", () => {
    assert.equal(hypervolume([[0.5, 5, 0.5]], [1, 1, 1]), 0);
    assert.equal(
      hypervolume(
        [
          [0.5, 1, 0.5],
          [1, 0, 0],
        ],
        [1, 1, 1],
      ),
      0,
    );
    assert.equal(hypervolume([[-1, 0, 0]], [1, 1, 1]), 2);
    assert.equal(hypervolume([], [1, 1]), 0);
  });
  it("4-D and 5-D: a single point and two boxes", () => {
    assert.equal(hypervolume([[0, 0, 0, 0]], [1, 2, 3, 4]), 24);
    // 1*1*1*2 + 2*2*2*1 - overlap 1*1*1*1
    assert.equal(
      hypervolume(
        [
          [1, 1, 1, 0],
          [0, 0, 0, 1],
        ],
        [2, 2, 2, 2],
      ),
      9,
    );
    assert.equal(hypervolume([[0, 0, 0, 0, 0]], [1, 1, 1, 1, 2]), 2);
  });
  it("1-D is the distance from the best point to the reference", () => {
    assert.equal(hypervolume([[3], [1], [5]], [4]), 3);
  });
  it("rejects a point of the wrong length", () => {
    assert.throws(() => hypervolume([[1, 2]], [3, 3, 3]), /point 0 has 2 objectives/);
  });
});

describe("hypervolume against brute force", () => {
  it("inclusion–exclusion on small sets, 2 to 5 objectives", () => {
    const random = createRandom(11);
    for (let d = 2; d <= 5; d++) {
      for (let trial = 0; trial < 15; trial++) {
        const points = mixedPoints(random, 1 + random.integer(10), d);
        const reference = new Array(d).fill(1.1);
        close(hypervolume(points, reference), hypervolumeInclusionExclusion(points, reference));
      }
    }
  });

  it("3-D: exact to 1e-12 on random sets of up to 200 points (grid of cells)", () => {
    const random = createRandom(3);
    for (const n of [1, 2, 5, 30, 100, 200]) {
      const points = mixedPoints(random, n, 3);
      const reference = [1.1, 1.1, 1.1];
      close(hypervolume(points, reference), hypervolumeGrid(points, reference));
    }
  });

  it("3-D: points on a grid (many ties in every coordinate)", () => {
    const random = createRandom(5);
    const points = Array.from({ length: 150 }, () => [
      random.integer(6) / 5,
      random.integer(6) / 5,
      random.integer(6) / 5,
    ]);
    close(hypervolume(points, [1, 1, 1]), hypervolumeGrid(points, [1, 1, 1]));
  });

  it("2-D, 4-D and 5-D (WFG) on larger random sets (grid of cells)", () => {
    const random = createRandom(8);
    for (const [d, n] of [
      [2, 200],
      [4, 40],
      [5, 14],
    ] as const) {
      const points = mixedPoints(random, n, d);
      const reference = new Array(d).fill(1.1);
      close(hypervolume(points, reference), hypervolumeGrid(points, reference));
    }
  });
});

describe("hypervolumeContributions", () => {
  function leaveOneOut(points: number[][], reference: number[]): number[] {
    const total = hypervolumeInclusionExclusion(points, reference);
    return points.map(
      (_, i) =>
        total -
        hypervolumeInclusionExclusion(
          points.filter((__, j) => j !== i),
          reference,
        ),
    );
  }

  it("matches leave-one-out inclusion–exclusion in 2, 3 and 4 objectives", () => {
    const random = createRandom(21);
    for (let d = 2; d <= 4; d++) {
      for (let trial = 0; trial < 8; trial++) {
        const points = mixedPoints(random, 2 + random.integer(8), d);
        const reference = new Array(d).fill(1.1);
        const expected = leaveOneOut(points, reference);
        const actual = hypervolumeContributions(points, reference);
        for (let i = 0; i < expected.length; i++) close(actual[i], expected[i]);
      }
    }
  });

  it("is zero for duplicates, dominated points and points outside the box", () => {
    const c = hypervolumeContributions(
      [
        [1, 3],
        [1, 3],
        [2, 2],
        [3, 3],
        [0, 5],
        [3, 1],
      ],
      [4, 4],
    );
    assert.deepEqual([...c], [0, 0, 1, 0, 0, 1]);
  });
});
