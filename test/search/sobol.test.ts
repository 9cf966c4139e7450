import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import { SOBOL_MAX_DIMENSION, SobolSequence } from "../../src/search/sobol.js";

describe("SobolSequence", () => {
  it("unscrambled: the first points of the first two dimensions (as scipy.stats.qmc.Sobol(scramble=False))", () => {
    const sequence = new SobolSequence(2);
    const points = Array.from({ length: 8 }, (_, i) => [...sequence.point(i)]);
    assert.deepEqual(points, [
      [0, 0],
      [0.5, 0.5],
      [0.75, 0.25],
      [0.25, 0.75],
      [0.375, 0.375],
      [0.875, 0.875],
      [0.625, 0.125],
      [0.125, 0.625],
    ]);
  });

  for (const scrambled of [false, true]) {
    it(`${scrambled ? "scrambled" : "unscrambled"}: every block of 2^m points stratifies each coordinate, and (x1, x2) is a (0, m, 2)-net`, () => {
      const sequence = new SobolSequence(SOBOL_MAX_DIMENSION, scrambled ? createRandom(7) : undefined);
      const m = 8;
      const n = 2 ** m;
      const points = Array.from({ length: n }, (_, i) => sequence.point(i));
      for (let d = 0; d < SOBOL_MAX_DIMENSION; d++) {
        const cells = new Set(points.map((p) => Math.floor(p[d] * n)));
        assert.equal(cells.size, n, `dimension ${d}`);
      }
      for (let a = 0; a <= m; a++) {
        const cells = new Set(
          points.map((p) => `${Math.floor(p[0] * 2 ** a)},${Math.floor(p[1] * 2 ** (m - a))}`),
        );
        assert.equal(cells.size, n, `elementary intervals 2^${a} x 2^${m - a}`);
      }
    });
  }

  it("scrambled points have mean 1/2 per coordinate across seeds (unbiased)", () => {
    let sum = 0;
    const seeds = 200;
    for (let seed = 0; seed < seeds; seed++) sum += new SobolSequence(5, createRandom(seed)).point(3)[4];
    assert.ok(Math.abs(sum / seeds - 0.5) < 4 * Math.sqrt(1 / 12 / seeds));
  });
});
