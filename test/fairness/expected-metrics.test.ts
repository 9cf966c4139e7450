/**
 * Metrics of randomised classifiers as expectations over their draws, checked by
 * exhaustive enumeration of every draw on a tiny case (a second method), by a closed
 * form, and by the law of large numbers on many seeded draws of the two randomised
 * mitigations.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import {
  accuracy,
  demographicParityDifference,
  equalizedOddsDifference,
  expectedAccuracy,
  exponentiatedGradient,
  fairnessReport,
  falsePositiveRate,
  fitThresholds,
  MetricFrame,
  selectionRate,
  thresholdPredictions,
  thresholdProbabilities,
  truePositiveRate,
  WeightedLogisticRegression,
} from "../../src/fairness/index.js";

const close = (actual: number, expected: number, tolerance = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} != ${expected} (tolerance ${tolerance})`);

const yTrue = [1, 0, 1, 0, 1, 0];
const group = ["a", "a", "a", "b", "b", "b"];
const probabilities = [0.9, 0.3, 0.5, 0.2, 0.6, 1];
const weights = [1, 2, 1, 0.5, 1, 3];
const sensitiveFeatures = [{ name: "g", values: group }];
const metrics = ["accuracy", "selection_rate", "true_positive_rate", "false_positive_rate"] as const;

/** E[metric] by enumerating all 2^n draws with their probabilities. */
function enumeratedExpectation(
  metric: (yt: number[], yp: number[], w?: number[]) => number,
  rows: number[],
  sampleWeight?: number[],
): number {
  let expectation = 0;
  for (let mask = 0; mask < 1 << rows.length; mask++) {
    let probability = 1;
    const draw = rows.map((i, k) => {
      const one = (mask >> k) & 1;
      probability *= one ? probabilities[i] : 1 - probabilities[i];
      return one;
    });
    expectation +=
      probability *
      metric(
        rows.map((i) => yTrue[i]),
        draw,
        sampleWeight && rows.map((i) => sampleWeight[i]),
      );
  }
  return expectation;
}

describe("expected metrics of a randomised classifier", () => {
  const labelMetric = {
    accuracy,
    selection_rate: selectionRate,
    true_positive_rate: truePositiveRate,
    false_positive_rate: falsePositiveRate,
  };

  for (const sampleWeight of [undefined, weights]) {
    it(`equal the average over every draw, overall and by group (${sampleWeight ? "weighted" : "unweighted"})`, () => {
      const frame = new MetricFrame({
        metrics: [...metrics],
        yTrue,
        yPred: probabilities,
        predictionKind: "probability",
        sensitiveFeatures,
        sampleWeight,
      });
      const all = [0, 1, 2, 3, 4, 5];
      const byGroup = [
        [0, 1, 2],
        [3, 4, 5],
      ];
      for (const name of metrics) {
        close(frame.overall[name], enumeratedExpectation(labelMetric[name], all, sampleWeight));
        byGroup.forEach((rows, g) => {
          close(frame.byGroup[name][g], enumeratedExpectation(labelMetric[name], rows, sampleWeight));
        });
      }
      assert.deepEqual(frame.warnings, []);
    });
  }

  it("match the closed form on the tiny case, and the gaps are those of the expected rates", () => {
    const options = { sensitiveFeatures, predictionKind: "probability" as const };
    // a: selection (0.9 + 0.3 + 0.5)/3, TPR (0.9 + 0.5)/2 = 0.7, FPR 0.3; b: selection 0.6, TPR 0.6, FPR 0.6.
    close(expectedAccuracy(yTrue, probabilities), (0.9 + 0.7 + 0.5 + 0.8 + 0.6 + 0) / 6);
    close(demographicParityDifference(yTrue, probabilities, options), 0.6 - 1.7 / 3);
    close(equalizedOddsDifference(yTrue, probabilities, options), Math.max(0.7 - 0.6, 0.6 - 0.3));
    // 0/1 probabilities are labels: the same values as the label metrics.
    const labels = [1, 0, 0, 0, 1, 1];
    close(
      demographicParityDifference(yTrue, labels, options),
      demographicParityDifference(yTrue, labels, { sensitiveFeatures }),
    );
  });

  it("say when a value is a ratio of expectations, and refuse metrics without an expected form", () => {
    const frame = new MetricFrame({
      metrics: ["precision"],
      yTrue,
      yPred: probabilities,
      predictionKind: "probability",
      sensitiveFeatures,
    });
    close(frame.overall.precision, (0.9 + 0.5 + 0.6) / (0.9 + 0.3 + 0.5 + 0.2 + 0.6 + 1));
    assert.ok(
      frame.warnings.some((w) => /precision .* ratio of expected counts/.test(w)),
      `${frame.warnings}`,
    );
    assert.throws(
      () =>
        new MetricFrame({
          metrics: { custom: (yt: ArrayLike<number>) => yt.length },
          yTrue,
          yPred: probabilities,
          predictionKind: "probability",
          sensitiveFeatures,
        }),
      /metric 'custom' has no expected value/,
    );
    assert.throws(
      () =>
        new MetricFrame({
          metrics: ["accuracy"],
          yTrue,
          yPred: [0.5, 0.5, 1.5, 0, 0, 0],
          predictionKind: "probability",
          sensitiveFeatures,
        }),
      /probabilities in \[0, 1\]; row 2 has 1.5/,
    );
    const report = fairnessReport({
      yTrue,
      yPred: probabilities,
      predictionKind: "probability",
      sensitiveFeatures,
    });
    assert.equal(report.predictionKind, "probability");
  });
});

/** Biased synthetic data: group b has a higher base rate and a feature correlated with the group. */
function biased(n: number, seed: number) {
  const random = createRandom(seed);
  const data = new Float64Array(n * 2);
  const y = new Float64Array(n);
  const scores = new Float64Array(n);
  const values: string[] = [];
  for (let i = 0; i < n; i++) {
    const b = random.uniform() < 0.5;
    const label = random.uniform() < (b ? 0.6 : 0.25) ? 1 : 0;
    data[i * 2] = label + random.normal();
    data[i * 2 + 1] = (b ? 1 : 0) + 0.5 * random.normal();
    scores[i] = Math.round(100 / (1 + Math.exp(-(data[i * 2] + data[i * 2 + 1] - 1)))) / 100;
    y[i] = label;
    values.push(b ? "b" : "a");
  }
  return { X: { rows: n, cols: 2, data }, y, scores, sensitiveFeatures: [{ name: "g", values }], values };
}

/**
 * Law of large numbers: the mean over K seeded draws of a group's realised rate is
 * within 5 standard errors of the expected rate, where the standard error
 * sqrt(Σ p_i (1 − p_i)) / m / sqrt(K) follows from the independent Bernoulli draws of
 * the m rows the rate averages over. The seeds are fixed, so the check is deterministic.
 */
function assertDrawsAverageToExpectation(
  draw: (seed: number) => ArrayLike<number>,
  p: Float64Array,
  y: Float64Array,
  values: string[],
  draws: number,
) {
  const cells = ["a", "b"].flatMap((g) => [
    { name: `${g} selection rate`, rows: values.flatMap((v, i) => (v === g ? [i] : [])) },
    { name: `${g} TPR`, rows: values.flatMap((v, i) => (v === g && y[i] === 1 ? [i] : [])) },
    { name: `${g} FPR`, rows: values.flatMap((v, i) => (v === g && y[i] === 0 ? [i] : [])) },
  ]);
  const sums = new Float64Array(cells.length);
  for (let seed = 0; seed < draws; seed++) {
    const predictions = draw(seed);
    cells.forEach((cell, c) => {
      let selected = 0;
      for (const i of cell.rows) selected += predictions[i];
      sums[c] += selected / cell.rows.length;
    });
  }
  let randomised = 0;
  cells.forEach((cell, c) => {
    const m = cell.rows.length;
    let expected = 0;
    let variance = 0;
    for (const i of cell.rows) {
      expected += p[i] / m;
      variance += (p[i] * (1 - p[i])) / (m * m);
    }
    if (variance > 0) randomised++;
    const standardError = Math.sqrt(variance / draws);
    const mean = sums[c] / draws;
    assert.ok(
      Math.abs(mean - expected) <= 5 * standardError + 1e-12,
      `${cell.name}: mean of ${draws} draws ${mean} vs expected ${expected} (5 s.e. = ${5 * standardError})`,
    );
  });
  assert.ok(randomised > 0, "the classifier is not randomised on this data: the check would be vacuous");
}

describe("expected rates are the limit of the seeded draws", () => {
  const data = biased(400, 5);

  it("threshold optimiser (equalized odds), 2000 draws", () => {
    const fitted = fitThresholds(
      { scores: data.scores, yTrue: data.y, sensitiveFeatures: data.sensitiveFeatures },
      { constraint: "equalized_odds", gridSize: 100 },
    );
    const input = { scores: data.scores, sensitiveFeatures: data.sensitiveFeatures };
    const p = thresholdProbabilities(fitted, input);
    assertDrawsAverageToExpectation(
      (seed) => thresholdPredictions(fitted, input, seed),
      p,
      data.y,
      data.values,
      2000,
    );
  });

  it("exponentiated gradient (demographic parity), 2000 draws", () => {
    const result = exponentiatedGradient(
      () => new WeightedLogisticRegression(),
      { X: data.X, y: data.y, sensitiveFeatures: data.sensitiveFeatures },
      { constraint: "demographic_parity" },
    );
    const p = result.predictProba(data.X);
    assertDrawsAverageToExpectation((seed) => result.predict(data.X, seed), p, data.y, data.values, 2000);
  });
});
