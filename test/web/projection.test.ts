/**
 * The 3-D front's view maths (web/src/common/projection.ts), checked against
 * independent constructions: the orbit matrix against the product of the two
 * elementary rotations it stands for, multiplied out here; its orthonormality;
 * the fit of the cube in the viewport at every orientation; ticks against their
 * definition; the nearest point against a brute-force sort.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import {
  axisScale,
  clampOrbit,
  fitScale,
  nearestPoint,
  niceTicks,
  orbitMatrix,
  PITCH_LIMIT,
  project,
  toCube,
} from "../../web/src/common/projection.js";

type Matrix = number[][];
const multiply = (a: Matrix, b: Matrix): Matrix =>
  a.map((row) => b[0].map((_, j) => row.reduce((sum, value, k) => sum + value * b[k][j], 0)));
const rotationZ = (t: number): Matrix => [
  [Math.cos(t), -Math.sin(t), 0],
  [Math.sin(t), Math.cos(t), 0],
  [0, 0, 1],
];
const rotationX = (t: number): Matrix => [
  [1, 0, 0],
  [0, Math.cos(t), -Math.sin(t)],
  [0, Math.sin(t), Math.cos(t)],
];

test("the orbit matrix is Rx(pitch − π/2)·Rz(yaw), orthonormal with determinant 1", () => {
  const random = createRandom(7);
  for (let trial = 0; trial < 50; trial++) {
    const yaw = (random.uniform() - 0.5) * 4 * Math.PI;
    const pitch = (random.uniform() - 0.5) * Math.PI;
    const m = orbitMatrix({ yaw, pitch });
    const expected = multiply(rotationX(pitch - Math.PI / 2), rotationZ(yaw)).flat();
    for (const [k, value] of m.entries()) assert.ok(Math.abs(value - expected[k]) < 1e-12, `entry ${k}`);
    const rows = [m.slice(0, 3), m.slice(3, 6), m.slice(6, 9)];
    const gram = multiply(
      rows,
      [0, 1, 2].map((j) => rows.map((r) => r[j])),
    );
    for (const [i, row] of gram.entries()) {
      for (const [j, v] of row.entries()) assert.ok(Math.abs(v - (i === j ? 1 : 0)) < 1e-12);
    }
    const [a, b, c] = rows;
    const det =
      a[0] * (b[1] * c[2] - b[2] * c[1]) -
      a[1] * (b[0] * c[2] - b[2] * c[0]) +
      a[2] * (b[0] * c[1] - b[1] * c[0]);
    assert.ok(Math.abs(det - 1) < 1e-12);
  }
});

test("at yaw 0 and pitch 0, x points right, z up (screen y down) and −y at the viewer", () => {
  const m = orbitMatrix({ yaw: 0, pitch: 0 });
  const viewport = { width: 200, height: 100 };
  const centre = project([0, 0, 0], m, viewport, 10);
  assert.deepEqual([centre.x, centre.y], [100, 50]);
  const right = project([1, 0, 0], m, viewport, 10);
  assert.ok(Math.abs(right.x - 110) < 1e-12 && Math.abs(right.y - 50) < 1e-12);
  const up = project([0, 0, 1], m, viewport, 10);
  assert.ok(Math.abs(up.x - 100) < 1e-12 && Math.abs(up.y - 40) < 1e-12);
  assert.ok(project([0, -1, 0], m, viewport, 10).depth > project([0, 1, 0], m, viewport, 10).depth);
});

test("at zoom 1 every corner of the cube stays inside the viewport, whatever the orientation", () => {
  const random = createRandom(11);
  const viewport = { width: 640, height: 400 };
  for (let trial = 0; trial < 200; trial++) {
    const orbit = clampOrbit({ yaw: random.uniform() * 7, pitch: (random.uniform() - 0.5) * 4, zoom: 1 });
    assert.ok(Math.abs(orbit.pitch) <= PITCH_LIMIT);
    const m = orbitMatrix(orbit);
    const scale = fitScale(viewport, 1);
    for (const x of [-1, 1])
      for (const y of [-1, 1])
        for (const z of [-1, 1]) {
          const p = project([x, y, z], m, viewport, scale);
          assert.ok(
            p.x >= 0 && p.x <= viewport.width && p.y >= 0 && p.y <= viewport.height,
            `${x},${y},${z}`,
          );
        }
  }
});

test("axis scales put the data inside [-1, 1], in log₁₀ units on a log axis", () => {
  const linear = axisScale([0.2, 0.5, 0.8], false, 0);
  for (const [k, value] of [0.2, 0.5, 0.8].entries()) {
    assert.ok(Math.abs(toCube(value, linear) - (k - 1)) < 1e-12);
  }
  const log = axisScale([0.1, 1, 10, 1000], true, 0);
  assert.ok(Math.abs(toCube(1, log) - -0.5) < 1e-12, "1 is a quarter of the way from 0.1 to 1000 in decades");
  const padded = axisScale([0, 1], false);
  assert.ok(toCube(0, padded) > -1 && toCube(1, padded) < 1);
  assert.deepEqual(axisScale([3, 3], false), { low: 2.5, high: 3.5, log: false });
  assert.deepEqual(axisScale([], true), { low: 0, high: 1, log: true });
});

test("ticks are round (1, 2 or 5 × 10ᵏ apart), evenly spaced and inside the range", () => {
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.5, 1]);
  assert.deepEqual(niceTicks(0.13, 0.87, 5), [0.2, 0.4, 0.6, 0.8]);
  assert.deepEqual(niceTicks(-0.03, 0.31, 5), [0, 0.1, 0.2, 0.3]);
  const random = createRandom(5);
  for (let trial = 0; trial < 100; trial++) {
    const low = (random.uniform() - 0.5) * 10 ** Math.floor(random.uniform() * 6 - 3);
    const high = low + random.uniform() * 10 ** Math.floor(random.uniform() * 6 - 3) + 1e-9;
    const ticks = niceTicks(low, high, 5);
    assert.ok(ticks.length >= 1 && ticks.length <= 11, `${ticks.length} ticks for [${low}, ${high}]`);
    for (const t of ticks)
      assert.ok(t >= low - 1e-9 * Math.abs(low) - 1e-12 && t <= high + 1e-9 * Math.abs(high) + 1e-12);
    if (ticks.length < 2) continue;
    const step = ticks[1] - ticks[0];
    const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
    assert.ok(
      [1, 2, 5, 10].some((m) => Math.abs(mantissa - m) < 1e-6),
      `step ${step}`,
    );
  }
});

test("the nearest point is the brute-force nearest within the radius, the nearer the viewer on a tie", () => {
  const random = createRandom(3);
  const n = 500;
  const xs = Float64Array.from({ length: n }, () => random.uniform() * 800);
  const ys = Float64Array.from({ length: n }, () => random.uniform() * 500);
  const depths = Float64Array.from({ length: n }, () => random.uniform());
  for (let trial = 0; trial < 100; trial++) {
    const x = random.uniform() * 800;
    const y = random.uniform() * 500;
    const order = [...xs.keys()].sort(
      (a, b) => Math.hypot(xs[a] - x, ys[a] - y) - Math.hypot(xs[b] - x, ys[b] - y),
    );
    const within = Math.hypot(xs[order[0]] - x, ys[order[0]] - y) < 10;
    assert.equal(nearestPoint(xs, ys, depths, x, y, 10), within ? order[0] : -1);
  }
  const twins = nearestPoint([5, 5], [5, 5], [0.2, 0.9], 5, 6, 10);
  assert.equal(twins, 1);
});
