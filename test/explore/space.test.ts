import assert from "node:assert/strict";
import { test } from "node:test";
import {
  batchRange,
  EPSILON_RANGE,
  epochRange,
  explorerParameters,
  offersClassWeighting,
  recipeOf,
  selectionGrid,
} from "../../src/explore/space.js";

test("batch and epoch ranges follow the row count: the Adult ranges, and the same batches per epoch at any size", () => {
  // Adult's training part after the validation split: 24,130 rows.
  assert.deepEqual(batchRange(24_130), [60, 1508]);
  assert.deepEqual(epochRange(24_130), [1, 6]);
  // From 16 to 400 Poisson batches per epoch whatever N (until the floor of 16 rows).
  for (const rows of [12_000, 50_000, 100_000]) {
    const [low, high] = batchRange(rows);
    assert.ok(Math.abs(rows / low - 400) < 2, `${rows}: ${low}`);
    assert.ok(Math.abs(rows / high - 16) < 0.1, `${rows}: ${high}`);
  }
  // Small data sets: the floor of 16 rows per batch, and a range that is never empty.
  assert.deepEqual(batchRange(800), [16, 64]);
  // Epochs: at most ~150,000 example visits, between 3 and 40 epochs at the top.
  assert.deepEqual(epochRange(1_000), [1, 40]);
  assert.deepEqual(epochRange(10_000), [1, 15]);
  assert.deepEqual(epochRange(1_000_000), [1, 3]);
});

test("class weighting is a lever for imbalanced labels or a balanced-accuracy objective only", () => {
  assert.equal(offersClassWeighting({ trainRows: 24_130, minorityShare: 0.24 }, false), false);
  assert.equal(offersClassWeighting({ trainRows: 24_130, minorityShare: 0.24 }, true), true);
  assert.equal(offersClassWeighting({ trainRows: 12_000, minorityShare: 0.11 }, false), true);
});

test("privacy is a target epsilon, log-uniform up to the normalisation's 100; DP a lever only when ε is not an objective", () => {
  const profile = { trainRows: 24_130, minorityShare: 0.24 };
  const byName = (parameters: ReturnType<typeof explorerParameters>) =>
    Object.fromEntries(parameters.map((p) => [p.name, p]));
  const allPrivate = byName(
    explorerParameters(profile, { privacy: { kind: "private", epsilonLow: 0.1 }, classWeighting: false }),
  );
  assert.deepEqual(
    { kind: allPrivate.epsilon.kind, low: (allPrivate.epsilon as { low: number }).low },
    { kind: "float", low: EPSILON_RANGE[0] },
  );
  assert.equal((allPrivate.epsilon as { high: number }).high, 100);
  assert.equal((allPrivate.epsilon as { log?: boolean }).log, true);
  assert.equal(allPrivate.dp, undefined);
  assert.equal(allPrivate.noise, undefined);
  assert.equal(allPrivate.classWeight, undefined);
  assert.deepEqual(
    [(allPrivate.batch as { low: number }).low, (allPrivate.batch as { high: number }).high],
    [60, 1508],
  );

  const mixed = byName(
    explorerParameters(profile, { privacy: { kind: "mixed", epsilonLow: 0.3 }, classWeighting: true }),
  );
  assert.deepEqual((mixed.dp as { choices: unknown[] }).choices, [true, false]);
  assert.deepEqual(mixed.epsilon.condition, { parameter: "dp", oneOf: [true] });
  assert.equal((mixed.epsilon as { low: number }).low, 0.3);
  assert.deepEqual((mixed.classWeight as { choices: unknown[] }).choices, ["none", "balanced"]);

  const grid = selectionGrid(profile);
  const selection = byName(
    explorerParameters(profile, { privacy: { kind: "selection", ...grid }, classWeighting: false }),
  );
  assert.equal(selection.epsilon, undefined);
  assert.deepEqual((selection.batch as { choices: unknown[] }).choices, grid.batches);
  assert.deepEqual((selection.epochs as { choices: unknown[] }).choices, grid.epochs);
});

test("the selection grid spreads a few batch sizes and epochs over the ranges", () => {
  const { batches, epochs } = selectionGrid({ trainRows: 24_130, minorityShare: 0.24 });
  assert.equal(batches.length, 3);
  const [low, high] = batchRange(24_130);
  assert.ok(batches.every((b, k) => b > low && b < high && (k === 0 || b > batches[k - 1])));
  assert.deepEqual(epochs, [1, 4, 6]);
});

test("recipeOf reads a configuration: a private trial keeps its target ε, a non-private one has none", () => {
  const base = { model: "mlp", width: 32, depth: 2, lr: 0.4, epochs: 3, batch: 128, fairWeight: 0.5 };
  const privateTrial = recipeOf({ ...base, epsilon: 2.5, clip: 0.7, classWeight: "balanced" });
  assert.deepEqual(privateTrial, {
    model: "mlp:32,32",
    dp: true,
    targetEpsilon: 2.5,
    clip: 0.7,
    lr: 0.4,
    epochs: 3,
    batch: 128,
    fairWeight: 0.5,
    classWeight: "balanced",
    privateMethod: "dp-sgd",
    groupClipGamma: 0,
    fairBound: 0,
  });
  const plain = recipeOf({ ...base, model: "logreg", dp: false });
  assert.equal(plain.dp, false);
  assert.equal(plain.targetEpsilon, null);
  assert.equal(plain.model, "logreg");
  assert.equal(plain.classWeight, "none");
});
