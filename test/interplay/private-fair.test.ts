import assert from "node:assert/strict";
import { before, test } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import type { TrialData } from "../../src/explore/trial.js";
import {
  calibratePrivateFairNoise,
  cellSums,
  constraintViolations,
  costSensitiveExamples,
  gameCells,
  nonPrivateFairReductions,
  privateFairEpsilon,
  privateFairLearning,
} from "../../src/interplay/private-fair.js";
import { createAccountant, seededGaussianNoise } from "../../src/privacy/accounting.js";
import { predict } from "../../src/train/index.js";
import { syntheticTrialData } from "../helpers/trial-data.js";

function randomRows(n: number, seed: number) {
  const random = createRandom(seed);
  const y = Float32Array.from({ length: n }, () => (random.uniform() < 0.4 ? 1 : 0));
  const groups = Int32Array.from(
    { length: n },
    () => Math.floor(random.uniform() * 3) - (random.uniform() < 0.05 ? 4 : 0),
  );
  const values = Float64Array.from({ length: n }, () => random.uniform());
  return { y, groups, values };
}

test("every released statistic has L2 sensitivity ≤ 1: removing any one row moves the cell sums by at most 1", () => {
  for (const constraint of ["demographic_parity", "equalized_odds"] as const) {
    const { y, groups, values } = randomRows(60, constraint.length);
    const cells = gameCells(y, groups, 3, constraint);
    const all = cellSums(values, cells);
    const counts = cellSums(new Float64Array(60).fill(1), cells);
    for (let i = 0; i < 60; i++) {
      const keep = (_: unknown, j: number) => j !== i;
      const without = gameCells(y.filter(keep), groups.filter(keep), 3, constraint);
      for (const [full, vector] of [
        [all, values.filter(keep)],
        [counts, new Float64Array(59).fill(1)],
      ] as const) {
        const reduced = cellSums(vector, without);
        const distance = Math.hypot(...full.map((v, c) => v - reduced[c]));
        assert.ok(distance <= 1 + 1e-12, `row ${i}: ${distance}`);
      }
    }
  }
  assert.throws(() => cellSums([1.5], gameCells([1], [0], 1, "demographic_parity")), /in \[0, 1\]/);
});

test("the relabelled weighted classification minimises the Lagrangian (brute force over every h), weights in [0, 1]", () => {
  const n = 10;
  for (const constraint of ["demographic_parity", "equalized_odds"] as const) {
    for (let seed = 1; seed <= 4; seed++) {
      const { y, groups } = randomRows(n, seed * 7);
      const cells = gameCells(y, groups, 3, constraint);
      const random = createRandom(seed);
      const k = cells.groups * cells.events;
      const mu = Float64Array.from({ length: k }, () => 40 * (random.uniform() - 0.5));
      const counts = Float64Array.from(
        cellSums(new Float64Array(n).fill(1), cells),
        (c) => c + random.normal(),
      );
      const { labels, weights } = costSensitiveExamples(y, cells, mu, counts);
      assert.ok(weights.every((w) => w >= 0 && w <= 1));
      const lagrangian = (h: Float64Array) => {
        let errors = 0;
        for (let i = 0; i < n; i++) errors += h[i] === y[i] ? 0 : 1;
        const gamma = constraintViolations(cellSums(h, cells), counts, cells);
        return errors / n + gamma.reduce((s, g, c) => s + mu[c] * g, 0);
      };
      const best = lagrangian(Float64Array.from(labels));
      for (let mask = 0; mask < 1 << n; mask++) {
        const h = Float64Array.from({ length: n }, (_, i) => (mask >> i) & 1);
        assert.ok(
          best <= lagrangian(h) + 1e-12,
          `${constraint} seed ${seed}: h ${mask} beats the relabelling`,
        );
      }
    }
  }
});

let data: TrialData;
before(async () => {
  data = await syntheticTrialData();
});

test("the whole run is counted by the shared accountant: 1 + T statistics releases and T DP-SGD runs", () => {
  const learner = {
    model: "logreg",
    epochs: 1,
    batchSize: 256,
    optimizer: { kind: "sgd" as const, learningRate: 0.5, schedule: "constant" as const },
    privacy: { clip: 1, delta: 1e-5, noiseMultiplier: 1, noiseSeed: 5 },
  };
  const rounds = 3;
  const result = privateFairLearning(data.train, "group", {
    constraint: "demographic_parity",
    rounds,
    bound: 0.02,
    learner,
    statisticsNoise: 20,
    learnerNoise: 1.5,
    delta: 1e-5,
    noise: seededGaussianNoise(9),
  });
  try {
    assert.equal(result.models.length, rounds);
    assert.equal(result.history.rounds.length, rounds);
    const statistics = result.accounting.filter((g) => g.sampleRate === 1 && g.noise === 20);
    assert.equal(
      statistics.reduce((s, g) => s + g.steps, 0),
      1 + rounds,
    );
    const sgd = result.accounting.filter((g) => g.sampleRate < 1);
    assert.ok(sgd.every((g) => g.noise === 1.5));
    const steps = sgd.reduce((s, g) => s + g.steps, 0);
    const q = sgd[0].sampleRate;
    assert.equal(steps, rounds * Math.round(1 / q));
    // An independent composition in a fresh accountant, in another order, gives the same ε.
    const independent = createAccountant("rdp");
    independent.step(q, 1.5, steps);
    independent.step(1, 20, 1 + rounds);
    assert.ok(Math.abs(result.epsilon - independent.epsilon(1e-5)) < 1e-9);
    const planned = privateFairEpsilon({
      rounds,
      statisticsNoise: 20,
      learnerNoise: 1.5,
      learnerSampleRate: q,
      learnerSteps: Math.round(1 / q),
      delta: 1e-5,
    });
    assert.ok(Math.abs(planned - result.epsilon) < 1e-9);
    // Composition: one round more costs more.
    assert.ok(
      privateFairEpsilon({
        rounds: rounds + 1,
        statisticsNoise: 20,
        learnerNoise: 1.5,
        learnerSampleRate: q,
        learnerSteps: Math.round(1 / q),
        delta: 1e-5,
      }) > result.epsilon,
    );
    const proba = result.predictProba(data.test.X);
    assert.ok(
      // The uniform mixture of T hard classifiers: each probability is a multiple of 1/T.
      proba.every((p) => p >= 0 && p <= 1 && Math.abs(p * rounds - Math.round(p * rounds)) < 1e-9),
    );
  } finally {
    result.dispose();
  }
});

test("the best responses' noise is calibrated to the target with the statistics, prior releases and reserved δ composed", () => {
  const composition = {
    rounds: 5,
    statisticsNoise: 30,
    learnerSampleRate: 0.01,
    learnerSteps: 300,
    delta: 1e-5,
    priorReleases: [{ sampleRate: 1, noise: 50, count: 3 }],
    reservedDelta: 1e-7,
  };
  const { learnerNoise, epsilon } = calibratePrivateFairNoise({ ...composition, targetEpsilon: 1.5 });
  assert.ok(epsilon <= 1.5 && epsilon >= 1.5 - 0.01, `${epsilon}`);
  assert.ok(Math.abs(privateFairEpsilon({ ...composition, learnerNoise }) - epsilon) < 1e-12);
  // A fresh accountant fed the same composition, run by run.
  const fresh = createAccountant("rdp");
  fresh.step(1, 50, 3);
  fresh.step(1, 30, 6);
  for (let t = 0; t < 5; t++) fresh.step(0.01, learnerNoise, 300);
  assert.ok(Math.abs(fresh.epsilon(1e-5 - 1e-7) - epsilon) < 1e-9);
  // Without the prior releases the same ε needs less noise: they are counted.
  const bare = calibratePrivateFairNoise({ ...composition, priorReleases: [], targetEpsilon: 1.5 });
  assert.ok(bare.learnerNoise < learnerNoise);
  // A target the statistics and prior releases already spend cannot be reached.
  assert.throws(() => calibratePrivateFairNoise({ ...composition, statisticsNoise: 1, targetEpsilon: 1.5 }));
});

test("prior releases and reserved δ enter the run's own accountant; the matched game is deterministic and noise-free", () => {
  const learner = {
    model: "logreg",
    epochs: 1,
    batchSize: 512,
    optimizer: { kind: "sgd" as const, learningRate: 0.5, schedule: "constant" as const },
    privacy: { clip: 1, delta: 1e-5, noiseMultiplier: 1, noiseSeed: 5 },
  };
  const rounds = 2;
  const result = privateFairLearning(data.train, "group", {
    constraint: "equalized_odds",
    rounds,
    bound: 0.05,
    learner,
    statisticsNoise: 20,
    learnerNoise: 2,
    delta: 1e-5,
    noise: seededGaussianNoise(4),
    priorReleases: [{ sampleRate: 1, noise: 40, count: 2 }],
    reservedDelta: 1e-6,
  });
  try {
    assert.deepEqual(result.accounting[0], { sampleRate: 1, noise: 40, steps: 2 });
    const fresh = createAccountant("rdp");
    for (const group of result.accounting) fresh.step(group.sampleRate, group.noise, group.steps);
    assert.ok(Math.abs(result.epsilon - fresh.epsilon(1e-5 - 1e-6)) < 1e-12);
    assert.ok(result.epsilon > fresh.epsilon(1e-5), "ε is taken at δ minus the reserved δ");
    // Equalized odds: one cell per (group, label).
    assert.equal(result.history.counts.length, 2 * data.train.sensitive[0].categories.length);
  } finally {
    result.dispose();
  }
  const game = { constraint: "demographic_parity" as const, rounds, bound: 0.05, learner };
  const first = nonPrivateFairReductions(data.train, "group", game);
  const second = nonPrivateFairReductions(data.train, "group", game);
  try {
    assert.equal(first.models.length, rounds);
    for (let t = 0; t < rounds; t++)
      assert.deepEqual(
        predict(first.models[t], data.test.X).classes,
        predict(second.models[t], data.test.X).classes,
      );
  } finally {
    first.dispose();
    second.dispose();
  }
});
