import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import {
  BoundedGroupLoss,
  demographicParity,
  demographicParityDifference,
  ErrorRate,
  equalizedOdds,
  equalizedOddsDifference,
  exponentiatedGradient,
  groupRows,
  logisticObjective,
  reweighingWeights,
  solveLinearProgram,
  truePositiveRateParity,
  WeightedLogisticRegression,
} from "../../src/fairness/index.js";

describe("linear programs", () => {
  it("solve a textbook LP, a free variable with an equality, and detect infeasibility", () => {
    const lp = solveLinearProgram({
      c: [-1, -1],
      aUpper: [
        [1, 2],
        [3, 1],
      ],
      bUpper: [4, 6],
    });
    assert.equal(lp.status, "optimal");
    assert.ok(
      Math.abs(lp.x[0] - 1.6) < 1e-9 && Math.abs(lp.x[1] - 1.2) < 1e-9 && Math.abs(lp.value + 2.8) < 1e-9,
    );
    const free = solveLinearProgram({
      c: [1, 1],
      aUpper: [[-1, 0]],
      bUpper: [3],
      aEqual: [[1, 1]],
      bEqual: [2],
      free: [true, false],
    });
    assert.ok(Math.abs(free.x[0] + 3) < 1e-9 && Math.abs(free.x[1] - 5) < 1e-9, `${free.x}`);
    assert.equal(solveLinearProgram({ c: [1], aUpper: [[1]], bUpper: [-1] }).status, "infeasible");
  });
});

describe("moments", () => {
  // Independent check of signed_weights against gamma: for any two classifiers h, h',
  // λ·(γ(h) − γ(h')) = −(1/n) Σᵢ swᵢ (hᵢ − h'ᵢ), since swᵢ is n × the benefit of predicting 1.
  const random = createRandom(11);
  const n = 60;
  const y = Float64Array.from({ length: n }, () => (random.uniform() < 0.4 ? 1 : 0));
  const sampleWeight = Float64Array.from({ length: n }, () => 0.5 + random.uniform());
  const grouping = groupRows(
    [{ name: "g", values: Array.from({ length: n }, (_, i) => ["a", "b", "c"][i % 3]) }],
    n,
  );
  const data = {
    y,
    groupOfRow: grouping.groupOfRow,
    groupLabels: grouping.groups.map((g) => g.label),
    sampleWeight,
  };
  const h1 = Float64Array.from({ length: n }, () => (random.uniform() < 0.5 ? 1 : 0));
  const h2 = Float64Array.from({ length: n }, () => (random.uniform() < 0.5 ? 1 : 0));
  for (const moment of [
    demographicParity(),
    equalizedOdds(),
    truePositiveRateParity(),
    new BoundedGroupLoss(0.2),
  ]) {
    it(`${moment.name}: signed weights are the Lagrangian's coefficients of h`, () => {
      moment.loadData(data);
      const lambda = Float64Array.from(moment.index, () => random.uniform());
      const g1 = moment.gamma(h1);
      const g2 = moment.gamma(h2);
      let lhs = 0;
      for (let c = 0; c < lambda.length; c++) lhs += lambda[c] * (g1[c] - g2[c]);
      const sw = moment.signedWeights(lambda);
      let rhs = 0;
      for (let i = 0; i < n; i++) rhs -= (sw[i] * (h1[i] - h2[i])) / n;
      assert.ok(Math.abs(lhs - rhs) < 1e-12, `${lhs} vs ${rhs}`);
    });
  }
  it("error rate: signed weights are its coefficients too", () => {
    const objective = new ErrorRate();
    objective.loadData(data);
    const sw = objective.signedWeights();
    let rhs = 0;
    for (let i = 0; i < n; i++) rhs -= (sw[i] * (h1[i] - h2[i])) / n;
    assert.ok(Math.abs(objective.gamma(h1) - objective.gamma(h2) - rhs) < 1e-12);
  });
});

describe("weighted logistic regression", () => {
  it("gradient matches finite differences", () => {
    const random = createRandom(2);
    const X = {
      rows: 40,
      cols: 3,
      data: Float64Array.from({ length: 120 }, () => (random.uniform() < 0.3 ? 0 : random.normal())),
    };
    const y = Float64Array.from({ length: 40 }, () => (random.uniform() < 0.5 ? 1 : 0));
    const w = Float64Array.from({ length: 40 }, () => random.uniform() * 2);
    const params = Float64Array.from({ length: 4 }, () => random.normal());
    const grad = new Float64Array(4);
    logisticObjective(X, y, w, 0.7, params, grad);
    for (let j = 0; j < 4; j++) {
      const h = 1e-6;
      const plus = Float64Array.from(params);
      const minus = Float64Array.from(params);
      plus[j] += h;
      minus[j] -= h;
      const scratch = new Float64Array(4);
      const numeric =
        (logisticObjective(X, y, w, 0.7, plus, scratch) - logisticObjective(X, y, w, 0.7, minus, scratch)) /
        (2 * h);
      assert.ok(Math.abs(numeric - grad[j]) < 1e-7, `${numeric} vs ${grad[j]}`);
    }
  });
});

/** Biased synthetic data: group b has a higher base rate and a feature correlated with the group. */
function biased(n: number, seed: number) {
  const random = createRandom(seed);
  const data = new Float32Array(n * 3);
  const y = new Float32Array(n);
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const g = random.uniform() < 0.5 ? 1 : 0;
    const label = random.uniform() < (g ? 0.6 : 0.2) ? 1 : 0;
    data[i * 3] = label + random.normal();
    data[i * 3 + 1] = g + 0.5 * random.normal();
    data[i * 3 + 2] = random.normal();
    y[i] = label;
    codes[i] = g;
  }
  return { X: { rows: n, cols: 3, data }, y, sensitive: [{ name: "g", categories: ["a", "b"], codes }] };
}

describe("mitigation on synthetic biased data", () => {
  const train = biased(3000, 1);
  const test = biased(3000, 2);
  const base = new WeightedLogisticRegression();
  base.fit(train.X, train.y);
  const basePred = base.predict(test.X);
  const options = { sensitiveFeatures: test.sensitive };
  const baseDP = demographicParityDifference(test.y, basePred, options);
  const baseEO = equalizedOddsDifference(test.y, basePred, options);

  it("reweighing makes labels independent of the group and lowers the DP gap", () => {
    const w = reweighingWeights(train.y, train.sensitive);
    const rate = [0, 1].map((g) => {
      let pos = 0;
      let tot = 0;
      for (let i = 0; i < train.y.length; i++) {
        if (train.sensitive[0].codes[i] !== g) continue;
        tot += w[i];
        pos += w[i] * train.y[i];
      }
      return pos / tot;
    });
    assert.ok(Math.abs(rate[0] - rate[1]) < 1e-12);
    const learner = new WeightedLogisticRegression();
    learner.fit(train.X, train.y, w);
    const dp = demographicParityDifference(test.y, learner.predict(test.X), options);
    assert.ok(dp < 0.6 * baseDP, `${dp} vs ${baseDP}`);
  });

  it("exponentiated gradient lowers the DP and EO gaps", () => {
    const dp = exponentiatedGradient(
      () => new WeightedLogisticRegression(),
      { X: train.X, y: train.y, sensitiveFeatures: train.sensitive },
      { constraint: demographicParity() },
    );
    const dpGap = demographicParityDifference(test.y, dp.predict(test.X, 1), options);
    assert.ok(Math.abs(dp.weights.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    assert.ok(dpGap < 0.05 && baseDP > 0.2, `${dpGap} vs ${baseDP}`);
    const eo = exponentiatedGradient(
      () => new WeightedLogisticRegression(),
      { X: train.X, y: train.y, sensitiveFeatures: train.sensitive },
      { constraint: equalizedOdds() },
    );
    const eoGap = equalizedOddsDifference(test.y, eo.predict(test.X, 1), options);
    assert.ok(eoGap < 0.06 && eoGap < 0.5 * baseEO, `${eoGap} vs ${baseEO}`);
  });
});
