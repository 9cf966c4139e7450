import assert from "node:assert/strict";
import { test } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import { normalCdf } from "../../src/math/normal.js";
import {
  ConstrainedLogEhvi,
  hypervolumeImprovement,
  LogExpectedHypervolumeImprovement,
  logProbabilityOfFeasibility,
  nonDominatedBoxes,
} from "../../src/search/acquisition.js";
import { GaussianProcess } from "../../src/search/gp.js";
import { hypervolume } from "../../src/search/hypervolume.js";

function randomFront(count: number, m: number, seed: number): number[][] {
  // Points on a curved front (sum of squares = 1) plus a few dominated ones.
  const random = createRandom(seed);
  const points: number[][] = [];
  for (let i = 0; i < count; i++) {
    const p = Array.from({ length: m }, () => Math.abs(random.normal()) + 1e-3);
    const norm = Math.hypot(...p);
    points.push(p.map((v) => v / norm + (i % 4 === 0 ? 0.2 * random.uniform() : 0)));
  }
  return points;
}

for (const m of [2, 3, 4]) {
  test(`box decomposition gives the exact hypervolume improvement (${m} objectives)`, () => {
    const front = randomFront(m === 4 ? 12 : 25, m, m);
    const reference = new Array(m).fill(1.1);
    const boxes = nonDominatedBoxes(front, reference);
    const base = hypervolume(front, reference);
    const random = createRandom(10 + m);
    for (let t = 0; t < 40; t++) {
      const y = Array.from({ length: m }, () => 1.2 * random.uniform());
      const expected = hypervolume([...front, y], reference) - base;
      const got = hypervolumeImprovement(y, boxes);
      assert.ok(Math.abs(got - expected) < 1e-12, `${got} vs ${expected}`);
    }
    // Boxes are disjoint and cover the non-dominated part of [lowest, reference].
    const lowest = new Array(m).fill(-0.5);
    let covered = 0;
    for (let k = 0; k < boxes.count; k++) {
      let v = 1;
      for (let j = 0; j < m; j++) v *= boxes.upper[k * m + j] - Math.max(boxes.lower[k * m + j], lowest[j]);
      covered += v;
    }
    const shifted = front.map((p) => p.map((v, j) => v - lowest[j]));
    const box = reference.reduce((a, r, j) => a * (r - lowest[j]), 1);
    const dominated = hypervolume(
      shifted,
      reference.map((r, j) => r - lowest[j]),
    );
    assert.ok(Math.abs(covered - (box - dominated)) < 1e-10);
  });
}

test("log EHVI agrees with Monte Carlo and its gradient with finite differences", () => {
  const front = randomFront(15, 3, 7);
  const reference = [1.1, 1.1, 1.1];
  const ehvi = new LogExpectedHypervolumeImprovement(nonDominatedBoxes(front, reference));
  const mean = [0.5, 0.6, 0.55];
  const std = [0.2, 0.1, 0.3];
  const random = createRandom(8);
  const samples = 200000;
  let sum = 0;
  let sumSq = 0;
  for (let s = 0; s < samples; s++) {
    const y = mean.map((mu, j) => mu + std[j] * random.normal());
    const v = hypervolumeImprovement(y, ehvi.boxes);
    sum += v;
    sumSq += v * v;
  }
  const mc = sum / samples;
  const se = Math.sqrt((sumSq / samples - mc * mc) / samples);
  const exact = Math.exp(ehvi.evaluate(mean, std));
  assert.ok(Math.abs(exact - mc) < 4 * se, `exact ${exact}, MC ${mc} ± ${se}`);

  const dMean = new Float64Array(3);
  const dStd = new Float64Array(3);
  ehvi.evaluate(mean, std, dMean, dStd);
  const h = 1e-6;
  for (let j = 0; j < 3; j++) {
    const up = [...mean];
    const down = [...mean];
    up[j] += h;
    down[j] -= h;
    const fd = (ehvi.evaluate(up, std) - ehvi.evaluate(down, std)) / (2 * h);
    assert.ok(Math.abs(fd - dMean[j]) < 1e-5 * (1 + Math.abs(fd)), `∂μ${j}: ${dMean[j]} vs ${fd}`);
    const sUp = [...std];
    const sDown = [...std];
    sUp[j] += h;
    sDown[j] -= h;
    const fdStd = (ehvi.evaluate(mean, sUp) - ehvi.evaluate(mean, sDown)) / (2 * h);
    assert.ok(Math.abs(fdStd - dStd[j]) < 1e-5 * (1 + Math.abs(fdStd)), `∂σ${j}: ${dStd[j]} vs ${fdStd}`);
  }
});

test("log EHVI stays finite and smooth far behind the front", () => {
  const ehvi = new LogExpectedHypervolumeImprovement(nonDominatedBoxes(randomFront(10, 2, 9), [1.1, 1.1]));
  const near = ehvi.evaluate([1.5, 1.5], [0.05, 0.05]);
  const far = ehvi.evaluate([3, 3], [0.05, 0.05]);
  assert.ok(Number.isFinite(far) && far < near && far < -500, `${near} ${far}`);
  const dMean = new Float64Array(2);
  const dStd = new Float64Array(2);
  ehvi.evaluate([3, 3], [0.05, 0.05], dMean, dStd);
  assert.ok(dMean[0] < 0 && dMean[1] < 0 && Number.isFinite(dMean[0]));
  // Empty front: EHVI is the expected volume dominated inside the box; for a deterministic
  // point it is that volume.
  const empty = new LogExpectedHypervolumeImprovement(nonDominatedBoxes([], [1, 2]));
  assert.ok(Math.abs(Math.exp(empty.evaluate([0.5, 0.5], [1e-9, 1e-9])) - 0.75) < 1e-6);
});

test("probability of feasibility and its gradient", () => {
  const mean = [0.3, -0.2];
  const std = [0.5, 0.1];
  const expected = Math.log(normalCdf(-0.6)) + Math.log(normalCdf(2));
  const dMean = new Float64Array(2);
  const dStd = new Float64Array(2);
  assert.ok(Math.abs(logProbabilityOfFeasibility(mean, std, dMean, dStd) - expected) < 1e-12);
  const h = 1e-6;
  const fd =
    (logProbabilityOfFeasibility([0.3 + h, -0.2], std) - logProbabilityOfFeasibility([0.3 - h, -0.2], std)) /
    (2 * h);
  assert.ok(Math.abs(fd - dMean[0]) < 1e-6);
  const fdStd =
    (logProbabilityOfFeasibility(mean, [0.5, 0.1 + h]) - logProbabilityOfFeasibility(mean, [0.5, 0.1 - h])) /
    (2 * h);
  assert.ok(Math.abs(fdStd - dStd[1]) < 1e-5);
});

test("constrained log EHVI: gradient in x matches finite differences", () => {
  const random = createRandom(11);
  const n = 15;
  const d = 3;
  const data = new Float64Array(n * d);
  for (let i = 0; i < data.length; i++) data[i] = random.uniform();
  const inputs = { data, n, d };
  const column = (f: (p: Float64Array) => number) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = f(data.subarray(i * d, i * d + d));
    return out;
  };
  const hyper = { lengthscales: Float64Array.from([0.4, 0.5, 0.6]), outputscale: 1, noise: 1e-4 };
  const f1 = new GaussianProcess(
    inputs,
    column((p) => p[0] + 0.1 * p[1]),
    hyper,
    0.5,
    0.3,
  );
  const f2 = new GaussianProcess(
    inputs,
    column((p) => 1 - p[0] + p[2] ** 2),
    hyper,
    0.5,
    0.3,
  );
  const g = new GaussianProcess(
    inputs,
    column((p) => p[1] - 0.5),
    hyper,
    0,
    0.3,
  );
  const front = Array.from({ length: n }, (_, i) => [f1.targets[i], f2.targets[i]]);
  const acquisition = new ConstrainedLogEhvi(
    [f1, f2],
    [g],
    new LogExpectedHypervolumeImprovement(nonDominatedBoxes(front, [1.5, 2])),
  );
  const x = Float64Array.from([0.3, 0.45, 0.7]);
  const gradient = new Float64Array(d);
  const value = acquisition.evaluate(x, gradient);
  assert.ok(Number.isFinite(value));
  const h = 1e-6;
  for (let k = 0; k < d; k++) {
    const up = Float64Array.from(x);
    const down = Float64Array.from(x);
    up[k] += h;
    down[k] -= h;
    const fd = (acquisition.evaluate(up) - acquisition.evaluate(down)) / (2 * h);
    assert.ok(Math.abs(fd - gradient[k]) < 1e-4 * (1 + Math.abs(fd)), `∂x${k}: ${gradient[k]} vs ${fd}`);
  }
});
