import assert from "node:assert/strict";
import { before, test } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import type { Split } from "../../src/data/types.js";
import {
  BoundAssumptionError,
  denseNetworkOf,
  fairnessBound,
  parameterDistance,
  scoreMovementBounds,
  scoresAndInputNorms,
  spectralNormUpperBound,
} from "../../src/interplay/bound.js";
import { architectureFor, initBackend, Sequential } from "../../src/nn/index.js";

before(async () => {
  await initBackend("cpu");
});

function parametersOf(spec: string, inputs: number, seed: number): Float32Array[] {
  const architecture = architectureFor(spec, [inputs], 2);
  const random = createRandom(seed);
  return new Sequential(architecture, { seed }).layers.flatMap((layer) =>
    layer.parameters.map((p) => {
      const size = p.shape.reduce((a, b) => a * b, 1);
      return Float32Array.from({ length: size }, () => random.normal() * 0.7);
    }),
  );
}

/** θ + D·u for a random unit direction u (seeded). */
function perturbed(parameters: Float32Array[], radius: number, seed: number): Float32Array[] {
  const random = createRandom(seed);
  const direction = parameters.map((p) => Float64Array.from(p, () => random.normal()));
  const norm = Math.sqrt(direction.reduce((s, d) => s + d.reduce((t, v) => t + v * v, 0), 0));
  return parameters.map((p, k) => Float32Array.from(p, (v, i) => v + (radius * direction[k][i]) / norm));
}

function split(n: number, inputs: number, seed: number): Split {
  const random = createRandom(seed);
  const X = new Float32Array(n * inputs);
  random.fillNormal(X);
  const codes = Int32Array.from({ length: n }, () => (random.uniform() < 0.3 ? 1 : 0));
  const y = Float32Array.from(codes, (g, i) => (X[i * inputs] + 0.5 * g + 0.3 * random.normal() > 0 ? 1 : 0));
  return {
    X: { rows: n, cols: inputs, data: X },
    y,
    sensitive: [{ name: "sex", categories: ["M", "F"], codes }],
  };
}

test("a linear score moves by at most ‖(x, 1)‖·D: the paper's pointwise constant, exactly", () => {
  const architecture = architectureFor("logreg", [4], 2);
  const network = denseNetworkOf(architecture, parametersOf("logreg", 4, 1));
  const data = split(20, 4, 2);
  const { inputNorms } = scoresAndInputNorms(network, data.X);
  const bounds = scoreMovementBounds(network, inputNorms, 0.3);
  for (let i = 0; i < 20; i++) {
    const x = data.X.data.subarray(i * 4, i * 4 + 4);
    const expected = 0.3 * Math.sqrt(1 + x.reduce((s, v) => s + v * v, 0));
    assert.ok(Math.abs(bounds[i] - expected) < 1e-12 * expected);
  }
});

test("the spectral-norm bound is certified: above every ‖Wv‖ and the 2×2 closed form, below the Frobenius norm", () => {
  const [a, b, c, d] = [3, -1, 2, 0.5];
  const s = a * a + b * b + c * c + d * d;
  const det = a * d - b * c;
  const exact = Math.sqrt((s + Math.sqrt(s * s - 4 * det * det)) / 2);
  const bound = spectralNormUpperBound(Float64Array.from([a, b, c, d]), 2, 2);
  assert.ok(bound >= exact && bound <= exact * (1 + 1e-4), `${bound} vs ${exact}`);
  const random = createRandom(3);
  const rows = 30;
  const cols = 20;
  const w = Float64Array.from({ length: rows * cols }, () => random.normal());
  const upper = spectralNormUpperBound(w, rows, cols);
  let largest = 0;
  for (let trial = 0; trial < 200; trial++) {
    const v = Float64Array.from({ length: cols }, () => random.normal());
    const norm = Math.hypot(...v);
    let squared = 0;
    for (let r = 0; r < rows; r++) {
      let dot = 0;
      for (let j = 0; j < cols; j++) dot += w[r * cols + j] * v[j];
      squared += dot * dot;
    }
    largest = Math.max(largest, Math.sqrt(squared) / norm);
  }
  assert.ok(upper >= largest);
  assert.ok(upper <= Math.hypot(...w));
});

test("no model within D of a network moves a score by more than B_x(D) (random and gradient-aligned directions)", () => {
  for (const spec of ["mlp:8", "mlp:6,5"]) {
    const architecture = architectureFor(spec, [4], 2);
    const theta = parametersOf(spec, 4, 5);
    const network = denseNetworkOf(architecture, theta);
    const data = split(60, 4, 6);
    const { scores, inputNorms } = scoresAndInputNorms(network, data.X);
    for (const radius of [0.01, 0.3, 2]) {
      const bounds = scoreMovementBounds(network, inputNorms, radius);
      for (let seed = 0; seed < 40; seed++) {
        const other = perturbed(theta, radius, 100 + seed);
        assert.ok(parameterDistance(theta, other) <= radius * (1 + 1e-5));
        const moved = scoresAndInputNorms(denseNetworkOf(architecture, other), data.X).scores;
        for (let i = 0; i < data.X.rows; i++) {
          assert.ok(
            Math.abs(moved[i] - scores[i]) <= bounds[i] * (1 + 1e-5) + 1e-6,
            `${spec}, D ${radius}, row ${i}: moved ${Math.abs(moved[i] - scores[i])} > bound ${bounds[i]}`,
          );
        }
      }
    }
  }
});

test("the measured change of every gap lies within the bound; far-apart models make it vacuous, and it says so", () => {
  const architecture = architectureFor("logreg", [4], 2);
  const theta = parametersOf("logreg", 4, 8);
  const data = split(3000, 4, 9);
  for (const [radius, vacuous] of [
    [0.02, false],
    [50, true],
  ] as const) {
    for (let seed = 0; seed < 5; seed++) {
      const other = perturbed(theta, radius, seed);
      const result = fairnessBound({ architecture, reference: theta, other, data, attribute: "sex" });
      assert.ok(Math.abs(result.distance - radius) < 1e-4 * Math.max(1, radius));
      for (const m of result.measures) {
        assert.ok(m.measuredChange <= m.bound + 1e-12, `${m.measure}: ${m.measuredChange} > ${m.bound}`);
        assert.ok(m.measured >= m.low - 1e-12 && m.measured <= m.high + 1e-12);
        assert.equal(m.vacuous, vacuous, `${m.measure} at D ${radius}`);
      }
      if (vacuous) assert.ok(result.notes.some((n) => /vacuous/.test(n)));
      for (const g of result.groups) assert.ok(g.movableShare >= 0 && g.movableShare <= 1);
    }
  }
});

test("a bound whose assumptions fail says which", () => {
  const cnn = architectureFor("cnn:2,2", [8, 8, 1], 2);
  assert.throws(
    () => denseNetworkOf(cnn, []),
    (e: unknown) => e instanceof BoundAssumptionError && /conv2d/.test(e.message),
  );
  const multiclass = architectureFor("mlp:4", [3], 3);
  assert.throws(() => denseNetworkOf(multiclass, []), /binary classifier with one score/);
  const logreg = architectureFor("logreg", [4], 2);
  assert.throws(
    () =>
      fairnessBound({
        architecture: logreg,
        reference: parametersOf("logreg", 4, 1),
        other: [new Float32Array(4), new Float32Array(2)],
        data: split(10, 4, 1),
        attribute: "sex",
      }),
    /parameters do not match|different architectures/,
  );
  const broken = parametersOf("logreg", 4, 1);
  broken[0][0] = Number.NaN;
  assert.throws(() => denseNetworkOf(logreg, broken), /not finite/);
});
