import assert from "node:assert/strict";
import { test } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import {
  allTrialsEpsilon,
  calibratedCandidates,
  calibrateSelection,
  planPrivateSelection,
  preprocessingEpsilon,
  selectionEpsilon,
} from "../../src/explore/private-selection.js";
import { selectionGrid } from "../../src/explore/space.js";
import { epsilonForNoise, sampleTrialCount } from "../../src/privacy/accounting.js";

const trainRows = 24_130;
const grid = selectionGrid({ trainRows, minorityShare: 0.24 });
const none = { releases: [], thresholdDelta: 0 };

test("each candidate's noise is calibrated to the per-trial ε (checked by the accountant)", () => {
  const candidates = calibratedCandidates(trainRows, grid, 1, 1e-5);
  assert.equal(candidates.length, grid.batches.length * grid.epochs.length);
  for (const c of candidates) {
    const spent = epsilonForNoise(c.noise, {
      sampleRate: c.sampleRate,
      steps: c.steps,
      delta: 1e-5,
      accountant: "rdp",
    });
    assert.ok(spent <= 1 + 1e-9 && spent > 0.95, `batch ${c.batch}, ${c.epochs} epochs: ε ${spent}`);
  }
});

test("the selection costs more than one trial, grows with the mean number of trials, and less than running them all", () => {
  const candidates = calibratedCandidates(trainRows, grid, 1, 1e-5);
  const at = (mean: number) => selectionEpsilon(candidates, { kind: "geometric", mean }, 1e-5, none);
  const [ten, forty] = [at(10), at(40)];
  assert.ok(ten > 1 && forty > ten, `${ten} ${forty}`);
  // Papernot & Steinke, geometric law: ε 1 per trial, mean 10 → ~2.4 (private-selection.ts).
  assert.ok(ten > 2 && ten < 3, `${ten}`);
  assert.ok(allTrialsEpsilon({ candidates, delta: 1e-5, preprocessing: none }, 10) > ten);
});

// One (batch, epochs) pair keeps the calibrations fast (each candidate is calibrated at every step).
const oneCandidate = { batches: [240], epochs: [2] };

test("calibrateSelection meets the total ε within 3 % from below; preprocessing releases take their share", () => {
  const request = {
    trainRows,
    grid: oneCandidate,
    targetEpsilon: 3,
    delta: 1e-5,
    meanTrials: 10,
    preprocessing: none,
  };
  const plain = calibrateSelection(request);
  assert.ok(plain.epsilon <= 3 && plain.epsilon >= 3 * 0.97, `${plain.epsilon}`);
  assert.ok(plain.trialEpsilon < 3);
  const preprocessing = { releases: [{ sampleRate: 1, noise: 3, count: 1 }], thresholdDelta: 0 };
  // σ = 3 alone: ε ≈ 1.7 at δ = 1e-5, a share the trials must give up.
  assert.ok(preprocessingEpsilon(preprocessing, 1e-5) > 1);
  const withPreprocessing = calibrateSelection({ ...request, preprocessing });
  assert.ok(withPreprocessing.epsilon <= 3 && withPreprocessing.epsilon >= 3 * 0.97);
  assert.ok(withPreprocessing.trialEpsilon < plain.trialEpsilon);
});

test("an ε too small for the selection is refused in one line; K is drawn with the mean asked for", () => {
  assert.throws(
    () =>
      calibrateSelection({
        trainRows,
        grid: oneCandidate,
        targetEpsilon: 1e-4,
        delta: 1e-5,
        meanTrials: 10,
        preprocessing: none,
      }),
    /cannot cover a private selection among 10 trials on average.*larger --epsilon/,
  );
  const random = createRandom(7);
  const counts = Array.from({ length: 4000 }, () => sampleTrialCount({ kind: "geometric", mean: 5 }, random));
  assert.ok(counts.every((k) => Number.isInteger(k) && k >= 1));
  const mean = counts.reduce((s, k) => s + k, 0) / counts.length;
  // Geometric with mean 5: standard error of the mean of 4000 draws ≈ 0.07.
  assert.ok(Math.abs(mean - 5) < 0.3, `${mean}`);
  // The plan draws K from that law (seeded here; the explorer uses the secure generator).
  const request = {
    trainRows,
    grid: oneCandidate,
    targetEpsilon: 4,
    delta: 1e-5,
    meanTrials: 5,
    preprocessing: none,
  };
  const plan = planPrivateSelection(request, createRandom(11));
  assert.deepEqual(plan.distribution, { kind: "geometric", mean: 5 });
  assert.equal(plan.trials, sampleTrialCount({ kind: "geometric", mean: 5 }, createRandom(11)));
  assert.ok(plan.epsilon <= 4);
});
