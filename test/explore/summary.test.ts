import assert from "node:assert/strict";
import { test } from "node:test";
import type { NormalisationBasis } from "../../src/explore/objectives.js";
import { type ExplorerMetadata, summariseStudy } from "../../src/explore/summary.js";
import type { ModelMetrics } from "../../src/fit/metrics.js";
import type { StudySnapshot, TrialRecord } from "../../src/search/index.js";

/**
 * A study where validation and test disagree: the front chosen on validation is
 * {0, 1}; on test, trial 2 would dominate trial 1 and trial 0 would be dominated by
 * trial 3. The two bases differ too (majority accuracy 0.5 vs 0.75, reference
 * gap 0.2 vs 0.1), so using the wrong one shows in every normalised number.
 */
const validationBasis: NormalisationBasis = {
  majorityAccuracy: 0.5,
  referenceGaps: { dp: 0.2, eo: 0.2, eop: 0.2 },
};
const testBasis: NormalisationBasis = {
  majorityAccuracy: 0.75,
  referenceGaps: { dp: 0.1, eo: 0.1, eop: 0.1 },
};

const metrics = (accuracy: number, dpDifference: number): ModelMetrics => ({
  accuracy,
  balancedAccuracy: accuracy,
  epsilon: Number.POSITIVE_INFINITY,
  dpDifference,
  eoDifference: 0,
  eopDifference: 0,
  perGroup: {},
});

// [validation (accuracy, dp gap), test (accuracy, dp gap)] per trial.
const plan: [[number, number], [number, number]][] = [
  [
    [0.9, 0.1],
    [0.8, 0.09],
  ],
  [
    [0.8, 0.02],
    [0.85, 0.05],
  ],
  [
    [0.7, 0.1],
    [0.95, 0.01],
  ],
  [
    [0.6, 0.15],
    [0.9, 0.02],
  ],
];

const encode = (m: ModelMetrics) => ({ ...m, epsilon: "Infinity" });

function trial(number: number, state: TrialRecord["state"] = "complete"): TrialRecord {
  const [[va, vg], [ta, tg]] = plan[number] ?? [
    [0, 0],
    [0, 0],
  ];
  return {
    id: number + 1,
    number,
    config: { model: "logreg", dp: false },
    state,
    // What the explorer stores as objectives: validation metrics, validation basis.
    objectives: state === "complete" ? [(1 - va) / 0.5, 1, vg / 0.2] : null,
    constraints: state === "complete" ? [] : null,
    metrics:
      state === "complete"
        ? {
            validation: encode(metrics(va, vg)),
            test: encode(metrics(ta, tg)),
            recipe: { model: "logreg" },
            privacy: null,
            trainSeconds: 0.1,
          }
        : null,
    seed: number,
    error: state === "failed" ? "boom" : null,
    workerId: "w",
    attempts: 1,
    startedAt: 0,
    finishedAt: 1,
    durationMs: 1,
  };
}

const metadata: ExplorerMetadata = {
  kind: "equipoise-explorer",
  dataset: "made-up",
  target: "y",
  positive: "1",
  sensitive: ["group"],
  primarySensitive: "group",
  rows: { train: 80, validation: 20, test: 50 },
  features: 3,
  validationFraction: 0.2,
  splitSeed: 0,
  validationSeed: 0,
  fingerprint: "0".repeat(64),
  delta: 1e-5,
  accountant: "rdp",
  reference: {
    validation: encode(metrics(0.85, 0.2)),
    test: encode(metrics(0.85, 0.1)),
    basis: { validation: validationBasis, test: testBasis },
  },
};

const snapshot: StudySnapshot = {
  location: "made-up.db",
  objectives: ["accuracy", "epsilon", "dp"].map((name) => ({ name, direction: "minimize" as const })),
  constraints: [],
  strategy: "random",
  seed: 0,
  metadata: metadata as unknown as Record<string, unknown>,
  trials: [trial(3), trial(1), trial(0), trial(2), trial(4, "failed")],
};

const close = (a: number[], b: number[]) =>
  assert.ok(
    a.length === b.length && a.every((x, i) => Math.abs(x - b[i]) < 1e-12),
    `${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`,
  );

test("summariseStudy chooses the front on validation metrics and normalises the test metrics with the test basis", () => {
  const summary = summariseStudy(snapshot);
  const onFront = summary.pareto.map((i) => summary.decoded[i].record.number);
  assert.deepEqual(onFront, [0, 1], "the validation front, not the test front (which is [2])");
  assert.deepEqual(
    summary.records.map((r) => r.number),
    [0, 1, 2, 3, 4],
  );
  assert.deepEqual(summary.trials, { total: 5, complete: 4, failed: 1, running: 0, feasible: 4 });

  const [zero, one] = summary.pareto.map((i) => summary.decoded[i]);
  // e = (1 − accuracy)/(1 − majority), p = 1 (non-private), u = gap/gap_ref, each on its own split.
  close(zero.objectives.validation, [(1 - 0.9) / 0.5, 1, 0.1 / 0.2]);
  close(zero.objectives.test, [(1 - 0.8) / 0.25, 1, 0.09 / 0.1]);
  close(one.objectives.validation, [(1 - 0.8) / 0.5, 1, 0.02 / 0.2]);
  close(one.objectives.test, [(1 - 0.85) / 0.25, 1, 0.05 / 0.1]);

  // Hypervolume in the unit cube with reference (1, 1, 1): p = 1 for every trial, so every
  // box is flat in that coordinate and both volumes are 0 — measure the (e, u) areas instead.
  assert.equal(summary.hypervolume.validation, 0);
  assert.equal(summary.hypervolume.test, 0);
});

test("summariseStudy's hypervolumes: validation front scored with validation numbers, the same front with test numbers", () => {
  // Two objectives (accuracy, dp) so that the areas are not flat. By hand:
  // validation points of the front {0, 1}: (0.2, 0.5), (0.4, 0.1) → area 0.8·0.5 + 0.6·0.4 = 0.64.
  // test points of the same trials: (0.8, 0.9), (0.6, 0.5) → area 0.4·0.5 = 0.2 (trial 0 adds nothing).
  // Had the front been chosen on test ({2} dominates): (0.2, 0.1) → 0.72; on validation numbers
  // with the test basis, or test numbers with the validation basis, other values again.
  const twoObjectives: StudySnapshot = {
    ...snapshot,
    objectives: [
      { name: "accuracy", direction: "minimize" },
      { name: "dp", direction: "minimize" },
    ],
  };
  const summary = summariseStudy(twoObjectives);
  assert.deepEqual(
    summary.pareto.map((i) => summary.decoded[i].record.number),
    [0, 1],
  );
  assert.ok(Math.abs(summary.hypervolume.validation - 0.64) < 1e-12, `${summary.hypervolume.validation}`);
  assert.ok(Math.abs(summary.hypervolume.test - 0.2) < 1e-12, `${summary.hypervolume.test}`);
  // The history follows the validation front as trials finish, in trial order.
  const history = summary.hypervolumeHistory.map((h) => [h.trial, Number(h.hypervolume.toFixed(12))]);
  assert.deepEqual(history, [
    [0, 0.4],
    [1, 0.64],
    [2, 0.64],
    [3, 0.64],
    [4, 0.64],
  ]);
});

test("summariseStudy refuses a study that the explorer did not make", () => {
  assert.throws(
    () => summariseStudy({ ...snapshot, metadata: { problem: "zdt1" } }),
    /made-up.db is a study, but not one made by 'equipoise explore'/,
  );
});
