import assert from "node:assert/strict";
import { test } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import { minimize } from "../../src/math/lbfgs.js";
import { cholesky, choleskySolve } from "../../src/math/linalg.js";

function rosenbrock(x: Float64Array, g: Float64Array): number {
  let f = 0;
  g.fill(0);
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1] - x[i] * x[i];
    const b = 1 - x[i];
    f += 100 * a * a + b * b;
    g[i] += -400 * x[i] * a - 2 * b;
    g[i + 1] += 200 * a;
  }
  return f;
}

test("minimises the Rosenbrock function from the classic start", () => {
  const result = minimize(rosenbrock, Float64Array.from([-1.2, 1]), {
    maxIterations: 500,
    gradientTolerance: 1e-8,
  });
  assert.ok(result.converged);
  assert.ok(Math.abs(result.x[0] - 1) < 1e-5 && Math.abs(result.x[1] - 1) < 1e-5, `${result.x}`);
  const tenDimensional = minimize(rosenbrock, new Float64Array(10).fill(-0.5), { maxIterations: 2000 });
  for (const v of tenDimensional.x) assert.ok(Math.abs(v - 1) < 1e-4, `${tenDimensional.x}`);
});

test("a bound cuts off the Rosenbrock minimum: solution lies on the bound", () => {
  // With x₀ ≤ 0.5 the constrained minimum is at x₀ = 0.5, x₁ = 0.25 (minimise over x₁ exactly).
  const upper = Float64Array.from([0.5, 10]);
  const lower = Float64Array.from([-10, -10]);
  const result = minimize(rosenbrock, Float64Array.from([-1.2, 1]), { lower, upper, maxIterations: 500 });
  assert.ok(Math.abs(result.x[0] - 0.5) < 1e-9);
  assert.ok(Math.abs(result.x[1] - 0.25) < 1e-5);
});

test("box-constrained quadratic: KKT conditions hold and match projected gradient descent", () => {
  const n = 8;
  const random = createRandom(4);
  const b = new Float64Array(n * n);
  random.fillNormal(b);
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += b[i * n + k] * b[j * n + k];
      q[i * n + j] = s + (i === j ? 1 : 0);
    }
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) c[i] = 6 * random.normal();
  const fg = (x: Float64Array, g: Float64Array) => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      let qi = 0;
      for (let j = 0; j < n; j++) qi += q[i * n + j] * x[j];
      g[i] = qi - c[i];
      f += 0.5 * x[i] * qi - c[i] * x[i];
    }
    return f;
  };
  const lower = new Float64Array(n).fill(-0.3);
  const upper = new Float64Array(n).fill(0.4);
  const result = minimize(fg, new Float64Array(n), {
    lower,
    upper,
    gradientTolerance: 1e-10,
    functionTolerance: 0,
    maxIterations: 1000,
  });
  const g = new Float64Array(n);
  fg(result.x, g);
  let active = 0;
  for (let i = 0; i < n; i++) {
    if (result.x[i] <= lower[i]) {
      active++;
      assert.ok(g[i] >= -1e-8);
    } else if (result.x[i] >= upper[i]) {
      active++;
      assert.ok(g[i] <= 1e-8);
    } else assert.ok(Math.abs(g[i]) < 1e-7, `free gradient ${g[i]}`);
  }
  assert.ok(active >= 2, `test needs active bounds, got ${active}`);
  // Second method: projected gradient descent with step 1/λmax bound (trace), many iterations.
  let trace = 0;
  for (let i = 0; i < n; i++) trace += q[i * n + i];
  const x = new Float64Array(n);
  const gp = new Float64Array(n);
  for (let it = 0; it < 200000; it++) {
    fg(x, gp);
    for (let i = 0; i < n; i++) x[i] = Math.min(upper[i], Math.max(lower[i], x[i] - gp[i] / trace));
  }
  for (let i = 0; i < n; i++) assert.ok(Math.abs(x[i] - result.x[i]) < 1e-6, `${x[i]} vs ${result.x[i]}`);
});

test("logistic regression agrees with Newton's method", () => {
  const n = 200;
  const d = 4;
  const random = createRandom(5);
  const X = new Float64Array(n * d);
  const y = new Float64Array(n);
  const truth = [1.5, -2, 0.5, 0.3];
  for (let i = 0; i < n; i++) {
    X[i * d] = 1;
    let z = truth[0];
    for (let j = 1; j < d; j++) {
      X[i * d + j] = random.normal();
      z += truth[j] * X[i * d + j];
    }
    y[i] = random.uniform() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  const lambda = 0.1;
  const fg = (w: Float64Array, g: Float64Array) => {
    let f = 0;
    g.fill(0);
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let j = 0; j < d; j++) z += X[i * d + j] * w[j];
      f += Math.log1p(Math.exp(-Math.abs(z))) + Math.max(z, 0) - y[i] * z;
      const p = 1 / (1 + Math.exp(-z));
      for (let j = 0; j < d; j++) g[j] += (p - y[i]) * X[i * d + j];
    }
    for (let j = 0; j < d; j++) {
      f += 0.5 * lambda * w[j] * w[j];
      g[j] += lambda * w[j];
    }
    return f;
  };
  const result = minimize(fg, new Float64Array(d), { gradientTolerance: 1e-10 });
  assert.ok(result.converged);
  // Newton: w ← w − H⁻¹ g with H = Xᵀ diag(p(1−p)) X + λI.
  const w = new Float64Array(d);
  const g = new Float64Array(d);
  for (let it = 0; it < 30; it++) {
    fg(w, g);
    const h = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let j = 0; j < d; j++) z += X[i * d + j] * w[j];
      const p = 1 / (1 + Math.exp(-z));
      for (let a = 0; a < d; a++)
        for (let b = 0; b < d; b++) h[a * d + b] += p * (1 - p) * X[i * d + a] * X[i * d + b];
    }
    for (let a = 0; a < d; a++) h[a * d + a] += lambda;
    const step = choleskySolve(cholesky(h, d), g);
    for (let j = 0; j < d; j++) w[j] -= step[j];
  }
  for (let j = 0; j < d; j++) assert.ok(Math.abs(w[j] - result.x[j]) < 1e-6, `${w[j]} vs ${result.x[j]}`);
});
