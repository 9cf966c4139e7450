import assert from "node:assert/strict";
import { test } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import {
  GaussianProcess,
  type GpHyperparameters,
  hyperparametersToVector,
  type Inputs,
  logMarginalLikelihood,
  vectorToHyperparameters,
} from "../../src/search/gp.js";

function randomInputs(n: number, d: number, seed: number): Inputs {
  const random = createRandom(seed);
  const data = new Float64Array(n * d);
  for (let i = 0; i < data.length; i++) data[i] = random.uniform();
  return { data, n, d };
}

const hyper: GpHyperparameters = {
  lengthscales: Float64Array.from([0.3, 0.7, 1.5]),
  outputscale: 1.3,
  noise: 0.05,
};

test("log marginal likelihood matches the closed form for two points", () => {
  const x: Inputs = { data: Float64Array.from([0.1, 0.2, 0.3, 0.4, 0.6, 0.5]), n: 2, d: 3 };
  const y = Float64Array.from([0.7, -0.4]);
  let r2 = 0;
  for (let k = 0; k < 3; k++) r2 += ((x.data[k] - x.data[3 + k]) / hyper.lengthscales[k]) ** 2;
  const r = Math.sqrt(r2);
  const k12 = hyper.outputscale * (1 + Math.sqrt(5) * r + (5 / 3) * r2) * Math.exp(-Math.sqrt(5) * r);
  const k11 = hyper.outputscale + hyper.noise;
  const det = k11 * k11 - k12 * k12;
  const quad = (k11 * y[0] * y[0] - 2 * k12 * y[0] * y[1] + k11 * y[1] * y[1]) / det;
  const expected = -0.5 * quad - 0.5 * Math.log(det) - Math.log(2 * Math.PI);
  const result = logMarginalLikelihood(x, y, hyper);
  assert.ok(Math.abs(result.logLikelihood - expected) < 1e-12, `${result.logLikelihood} vs ${expected}`);
});

test("log posterior gradient matches central finite differences", () => {
  const x = randomInputs(20, 3, 1);
  const random = createRandom(2);
  const y = new Float64Array(20);
  random.fillNormal(y);
  const theta = hyperparametersToVector(hyper);
  const { gradient } = logMarginalLikelihood(x, y, hyper);
  const h = 1e-6;
  for (let p = 0; p < theta.length; p++) {
    const plus = Float64Array.from(theta);
    const minus = Float64Array.from(theta);
    plus[p] += h;
    minus[p] -= h;
    const fd =
      (logMarginalLikelihood(x, y, vectorToHyperparameters(plus, 3)).logPosterior -
        logMarginalLikelihood(x, y, vectorToHyperparameters(minus, 3)).logPosterior) /
      (2 * h);
    assert.ok(Math.abs(fd - gradient[p]) < 1e-5 * (1 + Math.abs(fd)), `θ${p}: ${gradient[p]} vs ${fd}`);
  }
});

test("posterior mean and variance match the textbook formulas and their gradients match finite differences", () => {
  const x = randomInputs(12, 3, 3);
  const random = createRandom(4);
  const y = new Float64Array(12);
  for (let i = 0; i < 12; i++) y[i] = 3 + 2 * random.normal();
  const gp = new GaussianProcess(x, y, hyper, 3, 2);
  const point = Float64Array.from([0.4, 0.55, 0.2]);
  // Textbook: μ = m + s·k*ᵀ(K+σ²I)⁻¹(y−m)/s, by Gauss–Jordan on the augmented system.
  const n = 12;
  const K: number[][] = [];
  const kStar: number[] = [];
  const kernel = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let r2 = 0;
    for (let k = 0; k < 3; k++) r2 += ((a[k] - b[k]) / hyper.lengthscales[k]) ** 2;
    const r = Math.sqrt(r2);
    return hyper.outputscale * (1 + Math.sqrt(5) * r + (5 / 3) * r2) * Math.exp(-Math.sqrt(5) * r);
  };
  for (let i = 0; i < n; i++) {
    K.push([]);
    for (let j = 0; j < n; j++)
      K[i].push(
        kernel(x.data.subarray(i * 3, i * 3 + 3), x.data.subarray(j * 3, j * 3 + 3)) +
          (i === j ? hyper.noise : 0),
      );
    kStar.push(kernel(point, x.data.subarray(i * 3, i * 3 + 3)));
  }
  // Columns: (y−3)/2 and k*.
  const aug = K.map((row, i) => [...row, (y[i] - 3) / 2, kStar[i]]);
  for (let c = 0; c < n; c++) {
    const pivot = aug[c][c];
    for (let j = 0; j < n + 2; j++) aug[c][j] /= pivot;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = aug[r][c];
      for (let j = 0; j < n + 2; j++) aug[r][j] -= f * aug[c][j];
    }
  }
  let mean = 0;
  let explained = 0;
  for (let i = 0; i < n; i++) {
    mean += kStar[i] * aug[i][n];
    explained += kStar[i] * aug[i][n + 1];
  }
  const prediction = gp.predict(point);
  assert.ok(Math.abs(prediction.mean - (3 + 2 * mean)) < 1e-10);
  assert.ok(Math.abs(prediction.variance - 4 * (hyper.outputscale - explained)) < 1e-10);

  const meanGradient = new Float64Array(3);
  const varianceGradient = new Float64Array(3);
  const withGradient = gp.predictWithGradient(point, meanGradient, varianceGradient);
  assert.ok(Math.abs(withGradient.mean - prediction.mean) < 1e-12);
  const h = 1e-6;
  for (let k = 0; k < 3; k++) {
    const plus = Float64Array.from(point);
    const minus = Float64Array.from(point);
    plus[k] += h;
    minus[k] -= h;
    const fdMean = (gp.predict(plus).mean - gp.predict(minus).mean) / (2 * h);
    const fdVariance = (gp.predict(plus).variance - gp.predict(minus).variance) / (2 * h);
    assert.ok(Math.abs(fdMean - meanGradient[k]) < 1e-6, `mean ∂${k}`);
    assert.ok(Math.abs(fdVariance - varianceGradient[k]) < 1e-6, `variance ∂${k}`);
  }
});

test("fitting finds the relevant dimension and predicts held-out points", () => {
  const n = 40;
  const x = randomInputs(n, 3, 5);
  const f = (p: ArrayLike<number>) => Math.sin(6 * p[0]) + 0.5 * p[0] + 10;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = f(x.data.subarray(i * 3, i * 3 + 3));
  const gp = GaussianProcess.fit(x, y, { random: createRandom(6) });
  const [l0, l1, l2] = gp.hyperparameters.lengthscales;
  assert.ok(l0 < l1 && l0 < l2, `lengthscales ${gp.hyperparameters.lengthscales}`);
  // MAP beats the default starting point.
  const standardised = y.map((v) => (v - gp.yMean) / gp.yScale);
  const fitted = logMarginalLikelihood(x, standardised, gp.hyperparameters).logPosterior;
  const start = logMarginalLikelihood(x, standardised, {
    lengthscales: new Float64Array(3).fill(0.69),
    outputscale: 0.69,
    noise: 1e-3,
  }).logPosterior;
  assert.ok(fitted > start);
  const test = randomInputs(50, 3, 7);
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < 50; i++) {
    const p = test.data.subarray(i * 3, i * 3 + 3);
    sse += (gp.predict(p).mean - f(p)) ** 2;
    sst += (f(p) - 10.25) ** 2;
  }
  assert.ok(sse / sst < 0.01, `relative error ${sse / sst}`);
  // Conditioning on a fantasy at its own mean leaves the mean there and shrinks the variance.
  const point = Float64Array.from([0.31, 0.62, 0.93]);
  const before = gp.predict(point);
  const after = gp.withObservations(point, Float64Array.from([before.mean])).predict(point);
  assert.ok(Math.abs(after.mean - before.mean) < 1e-6 * (1 + Math.abs(before.mean)));
  assert.ok(after.variance < before.variance);
});
