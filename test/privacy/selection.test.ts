import assert from "node:assert/strict";
import { test } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import { RdpAccountant } from "../../src/privacy/accountants/rdp.js";
import { chiSquareTest } from "../../src/privacy/analysis/goodness-of-fit.js";
import {
  expectedTrialCount,
  privateSelectionEpsilon,
  sampleTrialCount,
  selectionRdp,
  type TrialCountDistribution,
  trialCountProbability,
  truncatedNegativeBinomialGamma,
  truncatedNegativeBinomialMean,
} from "../../src/privacy/selection.js";

/** A fine order grid, so that minima over orders approach their closed forms. */
const FINE_ORDERS = Array.from({ length: 4000 }, (_, i) => 1 + 0.01 * (i + 1));

test("the truncated negative binomial: mean ↔ γ, probabilities sum to 1, the geometric is 1/mean", () => {
  assert.equal(truncatedNegativeBinomialGamma(1, 10), 0.1);
  for (const [shape, mean] of [
    [0, 5],
    [0.5, 20],
    [2, 8],
  ]) {
    const gamma = truncatedNegativeBinomialGamma(shape, mean);
    const solved = truncatedNegativeBinomialMean(shape, gamma);
    assert.ok(solved >= mean && solved < mean * (1 + 1e-12), `${shape}: ${solved}`);
    const distribution: TrialCountDistribution = { kind: "truncated-negative-binomial", shape, mean };
    let total = 0;
    let first = 0;
    for (let k = 1; k < 5000; k++) {
      const p = trialCountProbability(distribution, k);
      total += p;
      first += k * p;
    }
    assert.ok(
      Math.abs(total - 1) < 1e-9 && Math.abs(first / solved - 1) < 1e-6,
      `${shape}: ${total}, ${first}`,
    );
  }
  assert.equal(trialCountProbability({ kind: "geometric", mean: 4 }, 3), 0.25 * 0.75 ** 2);
});

test("K is drawn from its law (chi-square, fixed seed): geometric (exact), logarithmic, η = 2, Poisson", () => {
  const random = createRandom(9);
  const distributions: TrialCountDistribution[] = [
    { kind: "geometric", mean: 5 },
    { kind: "logarithmic", mean: 5 },
    { kind: "truncated-negative-binomial", shape: 2, mean: 5 },
    { kind: "poisson", mean: 5 },
  ];
  for (const distribution of distributions) {
    const bins = 16; // k = 0 … 14, and ≥ 15
    const observed = new Array(bins).fill(0);
    for (let i = 0; i < 20_000; i++) observed[Math.min(bins - 1, sampleTrialCount(distribution, random))]++;
    const expected = Array.from({ length: bins - 1 }, (_, k) => trialCountProbability(distribution, k));
    expected.push(1 - expected.reduce((s, p) => s + p, 0));
    const kept = expected.map((p, k) => [observed[k], p]).filter(([, p]) => p > 0);
    const fit = chiSquareTest(
      kept.map(([o]) => o),
      kept.map(([, p]) => p),
    );
    assert.ok(fit.pValue > 0.001, `${distribution.kind}: p = ${fit.pValue}`);
  }
});

test("zCDP trials: Theorem 2 matches its closed form ρλ + (1+η)(2√(ρ log 1/γ) − ρ) + log E[K]/(λ−1)", () => {
  const rho = 0.02;
  const trialRdp = FINE_ORDERS.map((a) => rho * a);
  for (const [kind, shape] of [
    ["geometric", 1],
    ["logarithmic", 0],
  ] as const) {
    const distribution: TrialCountDistribution = { kind, mean: 10 };
    const gamma = truncatedNegativeBinomialGamma(shape, 10);
    const mean = expectedTrialCount(distribution);
    const out = selectionRdp(FINE_ORDERS, trialRdp, distribution);
    const constant = (1 + shape) * (2 * Math.sqrt(rho * Math.log(1 / gamma)) - rho);
    // Past λ = 1 + √(log E[K]/ρ) the unconstrained bound increases, so the monotone tightening is idle there.
    for (const lambda of [30, 40]) {
      const i = FINE_ORDERS.findIndex((a) => Math.abs(a - lambda) < 1e-9);
      const closed = rho * lambda + constant + Math.log(mean) / (lambda - 1);
      assert.ok(Math.abs(out[i] - closed) < 1e-4 * closed, `${kind} λ=${lambda}: ${out[i]} vs ${closed}`);
    }
  }
});

test("pure-DP trials: the geometric case tends to Liu & Talwar's 3ε; Theorem 6 by hand for Poisson", () => {
  const epsilon0 = 0.3;
  const orders = [...FINE_ORDERS, 100, 1000, 1e4, 1e5];
  const trialRdp = orders.map(() => epsilon0); // ε-DP ⇒ RDP ≤ ε at every order
  const geometric = selectionRdp(orders, trialRdp, { kind: "geometric", mean: 10 });
  const last = geometric[geometric.length - 1];
  assert.ok(last >= 3 * epsilon0 && last < 3 * epsilon0 + 1e-3, `${last}`);
  // Poisson(10) at the single order λ = 20, one trial 0.01-DP: ε̂ = log(1 + 1/19), and
  // log δ̂ = min(½ log(1 − e^{−r}), (λ−1)(r − ε̂ + log(1 − 1/λ)) − log λ) (Canonne et al., Prop. 12).
  const lambda = 20;
  const r = 0.01;
  const epsilonHat = Math.log1p(1 / (lambda - 1));
  const deltaHat = Math.exp(
    Math.min(
      0.5 * Math.log1p(-Math.exp(-r)),
      (lambda - 1) * (r - epsilonHat + Math.log1p(-1 / lambda)) - Math.log(lambda),
    ),
  );
  const closed = r + 10 * deltaHat + Math.log(10) / (lambda - 1);
  const [poisson] = selectionRdp([lambda], [r], { kind: "poisson", mean: 10 });
  assert.ok(
    Math.abs(poisson - closed) < 1e-12 && deltaHat > 0.008 && deltaHat < 0.009,
    `${poisson} vs ${closed}`,
  );
  // With every order, each bound is at least the trial's RDP plus log μ/(λ−1) at some order ≥ λ.
  const all = selectionRdp(
    FINE_ORDERS,
    FINE_ORDERS.map(() => r),
    { kind: "poisson", mean: 10 },
  );
  assert.ok(all.every((v) => v >= r + Math.log(10) / (FINE_ORDERS.at(-1)! - 1)));
});

test("selection costs at least one trial, more with more trials, and covers the worst candidate", () => {
  const trial = [{ sampleRate: 0.01, noise: 1.1, steps: 1000 }];
  const single = new RdpAccountant();
  single.step(0.01, 1.1, 1000);
  const alone = single.epsilon(1e-5);
  for (const kind of ["geometric", "logarithmic", "poisson"] as const) {
    let previous = alone;
    for (const mean of [2, 5, 10, 40]) {
      const spent = privateSelectionEpsilon([trial], { kind, mean }, 1e-5);
      assert.ok(Math.abs(spent.trialEpsilon - alone) < 1e-12);
      assert.ok(spent.epsilon > previous, `${kind} mean ${mean}: ${spent.epsilon} <= ${previous}`);
      previous = spent.epsilon;
    }
  }
  // Geometric mean 10: the selection costs a small multiple of one trial (Papernot & Steinke, Fig. 1).
  const tuned = privateSelectionEpsilon([trial], { kind: "geometric", mean: 10 }, 1e-5);
  assert.ok(tuned.epsilon > 1.5 * alone && tuned.epsilon < 4 * alone, `${tuned.epsilon} vs ${alone}`);
  // Heterogeneous candidates: bounded by the worst one, which costs more than the mild one alone.
  const mild = [{ sampleRate: 0.01, noise: 3, steps: 1000 }];
  const both = privateSelectionEpsilon([mild, trial], { kind: "geometric", mean: 10 }, 1e-5);
  assert.equal(both.epsilon, tuned.epsilon);
  assert.ok(privateSelectionEpsilon([mild], { kind: "geometric", mean: 10 }, 1e-5).epsilon < both.epsilon);
  assert.throws(() => privateSelectionEpsilon([], { kind: "geometric", mean: 10 }, 1e-5), /at least one/);
  assert.throws(
    () => expectedTrialCount({ kind: "geometric", mean: 0.5 }),
    /mean number of trials must be >= 1/,
  );
});
