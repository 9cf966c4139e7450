import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import type { SensitiveAttribute } from "../../src/data/types.js";
import { batchKey, runTrialBatch } from "../../src/explore/batched.js";
import { studyMetrics } from "../../src/explore/sensitive-ldp.js";
import { explorerSpace, recipeOf } from "../../src/explore/space.js";
import { summariseStudy } from "../../src/explore/summary.js";
import { runTrial, type TrialData, type TrialSettings } from "../../src/explore/trial.js";
import { mixtureMetrics, runPrivateFairTrial } from "../../src/explore/trial-private-fair.js";
import { FAIR_BOUND_RANGE, PRIVATE_FAIR_ROUNDS } from "../../src/interplay/explorer-levers.js";
import { createAccountant } from "../../src/privacy/accounting.js";
import { Study } from "../../src/search/index.js";
import { runCli } from "../helpers/cli.js";
import { syntheticTrialData } from "../helpers/trial-data.js";

test("a mixture is scored by its expected metrics: rates averaged over its models, gaps between the averaged group rates", () => {
  const yTrue = [1, 0, 1, 0, 1, 0];
  const group: SensitiveAttribute = {
    name: "g",
    categories: ["a", "b"],
    codes: Int32Array.from([0, 0, 0, 1, 1, 1]),
  };
  const first = [1, 1, 1, 0, 0, 0];
  const second = [0, 0, 0, 1, 1, 1];
  const mixture = mixtureMetrics(yTrue, [first, second], [group], 0, 2);
  // By hand: model 1 is right on rows 0, 2, 3, 5 (4/6), model 2 on rows 1, 4 (2/6): expected 1/2.
  assert.equal(mixture.accuracy, 0.5);
  // Selection rates: a = (1 + 0)/2, b = (0 + 1)/2, so the mixture's gap is 0 although
  // each model's own gap is 1: the gap of the expected rates, not the expected gap.
  assert.equal(mixture.perGroup.g.a.selectionRate, 0.5);
  assert.equal(mixture.perGroup.g.b.selectionRate, 0.5);
  assert.equal(mixture.dpDifference, 0);
  assert.equal(studyMetrics(yTrue, first, [group], 0, 2).dpDifference, 1);
  // Group a has positives at rows 0, 2: TPR 1 (model 1) and 0 (model 2) → 0.5; b's positive row 4: 0 and 1 → 0.5.
  assert.equal(mixture.perGroup.g.a.tpr, 0.5);
  assert.equal(mixture.perGroup.g.b.tpr, 0.5);
  assert.equal(mixture.perGroup.g.a.count, 3, "counts are rows of the split, not of the stacked copies");
  assert.equal(mixture.epsilon, 2);
  // One model: the mixture is that model.
  assert.deepEqual(mixtureMetrics(yTrue, [first], [group], 0, 2), studyMetrics(yTrue, first, [group], 0, 2));
  assert.throws(() => mixtureMetrics(yTrue, [[1, 0]], [group], 0, 2), /predicts 2 rows/);
});

test("the space: fairBound exists only under dp-fair-reductions, which exists only under DP and never under private selection", () => {
  const profile = { trainRows: 2000, minorityShare: 0.4 };
  const random = createRandom(3);
  for (const kind of ["mixed", "private"] as const) {
    const space = explorerSpace(profile, {
      privacy: { kind, epsilonLow: 0.1 },
      classWeighting: false,
      interplayLevers: true,
    });
    const methods = new Set<unknown>();
    for (let i = 0; i < 300; i++) {
      const config = space.sample(random);
      const isPrivate = kind === "private" || config.dp === true;
      assert.equal("privateMethod" in config, isPrivate, JSON.stringify(config));
      methods.add(config.privateMethod);
      const reductions = config.privateMethod === "dp-fair-reductions";
      assert.equal("fairBound" in config, reductions, JSON.stringify(config));
      if (reductions) {
        const bound = Number(config.fairBound);
        assert.ok(bound >= FAIR_BOUND_RANGE[0] && bound <= FAIR_BOUND_RANGE[1]);
        const recipe = recipeOf(config);
        assert.equal(recipe.fairBound, bound);
        // The game is the trial's mitigation: no penalty, no class weights on top.
        assert.equal(recipe.fairWeight, 0);
        assert.equal(recipe.classWeight, "none");
      }
    }
    assert.deepEqual([...methods].filter(Boolean).sort(), ["dp-fair-reductions", "dp-sgd", "dpsgd-f"]);
  }
  const selection = explorerSpace(profile, {
    privacy: { kind: "selection", batches: [64], epochs: [1] },
    classWeighting: false,
    interplayLevers: true,
  });
  assert.throws(() => selection.parameter("privateMethod"));
  assert.throws(() => selection.parameter("fairBound"));
  const nonPrivate = recipeOf({
    model: "logreg",
    lr: 0.5,
    epochs: 1,
    batch: 64,
    dp: false,
    privateMethod: "dp-fair-reductions",
    fairBound: 0.1,
  });
  assert.equal(nonPrivate.privateMethod, "dp-sgd");
  assert.equal(nonPrivate.fairBound, 0);
});

let data: TrialData;
before(async () => {
  data = await syntheticTrialData();
});

const config = {
  model: "logreg",
  epsilon: 2,
  clip: 1,
  lr: 0.5,
  epochs: 1,
  batch: 128,
  fairWeight: 3,
  privateMethod: "dp-fair-reductions",
  fairBound: 0.02,
};
const settings: TrialSettings = {
  delta: 1e-5,
  accountant: "rdp",
  fairness: "demographic_parity",
  noise: "seeded",
};

test("a private fair trial spends its target ε, composed exactly as a fresh accountant composes its releases", () => {
  const preprocessing = {
    mode: "private" as const,
    releases: [{ sampleRate: 1 as const, noise: 40, count: 4, description: "feature statistics (test)" }],
    thresholdDelta: 1e-7,
    notForRelease: null,
  };
  const outcome = runTrial(config, 7, data, {
    ...settings,
    preprocessing,
    measure: { privacyCost: true, membershipRisk: true },
  });
  const privacy = outcome.privacy!;
  assert.equal(outcome.recipe.privateMethod, "dp-fair-reductions");
  // The shared calibration's contract: never above the target, within min(0.01, 1 %) of it.
  assert.ok(
    privacy.trainingEpsilon <= 2 && privacy.trainingEpsilon >= 2 - 0.01,
    `${privacy.trainingEpsilon}`,
  );
  assert.equal(outcome.validation.epsilon, privacy.trainingEpsilon);
  assert.equal(outcome.test.epsilon, privacy.trainingEpsilon);
  const n = data.train.X.rows;
  const q = 128 / n;
  const stepsPerRun = Math.round(n / 128);
  assert.equal(privacy.sampleRate, q);
  assert.equal(privacy.steps, PRIVATE_FAIR_ROUNDS * stepsPerRun);
  const composition = privacy.composition!;
  assert.equal(composition.method, "dp-fair-reductions");
  assert.equal(composition.runs, PRIVATE_FAIR_ROUNDS);
  assert.equal(composition.stepsPerRun, stepsPerRun);
  assert.equal(composition.statisticsReleases, 1 + PRIVATE_FAIR_ROUNDS);
  assert.equal(composition.preprocessingReleases, 4);
  assert.equal(composition.constraint, "demographic_parity");
  assert.equal(composition.fairBound, 0.02);
  const statisticsNoise = composition.statisticsNoise;
  // The public rule's floor: 10·√(1 + T).
  assert.ok(statisticsNoise >= 10 * Math.sqrt(1 + PRIVATE_FAIR_ROUNDS) * 0.9999, `${statisticsNoise}`);
  const fresh = (withPreprocessing: boolean) => {
    const accountant = createAccountant("rdp");
    // Another order than the run's: composition does not depend on it.
    for (let t = 0; t < PRIVATE_FAIR_ROUNDS; t++) accountant.step(q, privacy.noise, stepsPerRun);
    accountant.step(1, statisticsNoise, 1 + PRIVATE_FAIR_ROUNDS);
    if (withPreprocessing) accountant.step(1, 40, 4);
    return accountant.epsilon(1e-5 - 1e-7);
  };
  assert.ok(Math.abs(fresh(true) - privacy.trainingEpsilon) < 1e-9);
  assert.ok(fresh(false) < privacy.trainingEpsilon - 0.01, "the preprocessing releases are counted");
  assert.match(privacy.notForRelease!, /seeded/);
  // Measurements: the matched game without noise, the strongest attack on the mixture's models.
  assert.equal(outcome.privacyCost?.matched.test.epsilon, "Infinity");
  assert.ok(outcome.privacyCost!.test.groups.length >= 2);
  assert.match(outcome.membership!.attacked!, /among the mixture's 5 models/);
});

test("the batched engine never takes a private fair trial; alone or beside a batch it trains the same", () => {
  const plain = { ...config, privateMethod: "dp-sgd", fairWeight: 0.01 };
  assert.equal(batchKey(config), null);
  assert.equal(batchKey(plain), "logreg");
  const alone = runTrial(config, 5, data, settings);
  const [first, second, fair] = runTrialBatch(
    [
      { config: plain, seed: 3 },
      { config: plain, seed: 4 },
      { config, seed: 5 },
    ],
    data,
    settings,
  );
  for (const outcome of [first, second]) {
    assert.ok(!(outcome instanceof Error));
    assert.equal(outcome.privacy?.composition, undefined);
  }
  assert.ok(!(fair instanceof Error));
  assert.equal(fair.privacy!.composition?.method, "dp-fair-reductions");
  // Seeded noise: the same trial alone gives the same mixture.
  assert.deepEqual(fair.test, alone.test);
  assert.equal(fair.privacy!.trainingEpsilon, alone.privacy!.trainingEpsilon);
});

test("the constraint follows the study's fairness objective; private selection never runs the method", () => {
  const eo = runTrial(config, 9, data, { ...settings, fairness: "equalized_odds" });
  assert.equal(eo.privacy!.composition?.constraint, "equalized_odds");
  const recipe = {
    model: "logreg",
    epochs: 1,
    batchSize: 128,
    seed: 1,
    privacy: { clip: 1, noiseMultiplier: 1 },
  };
  assert.throws(
    () =>
      runPrivateFairTrial(
        config,
        1,
        data,
        { ...settings, selection: { noise: [{ batch: 128, epochs: 1, noise: 1 }], epsilon: 3 } },
        recipe as never,
      ),
    /private selection/,
  );
});

test("explore --interplay-levers on german-credit draws private fair learning and stores its accounted trial", async () => {
  const study = join(mkdtempSync(join(tmpdir(), "equipoise-private-fair-")), "study.db");
  // Seed 3 of the random strategy (scrambled Sobol') draws dp-fair-reductions first.
  const run = runCli([
    "explore",
    "--data",
    "german-credit",
    "--sensitive",
    "sex",
    "--strategy",
    "random",
    "--seed",
    "3",
    "--workers",
    "1",
    "--budget",
    "1",
    "--interplay-levers",
    "--study",
    study,
    "--json",
  ]);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.equal(result.trials.complete, 1);
  assert.ok(
    result.privacyNotes.some((note: string) =>
      /dp-fair-reductions.*covers the sensitive attribute/s.test(note),
    ),
  );
  const opened = await Study.openReadOnly(study);
  const summary = summariseStudy(await opened.snapshot(), study);
  await opened.close();
  const fair = summary.decoded.filter((t) => t.recipe.privateMethod === "dp-fair-reductions");
  assert.ok(fair.length >= 1, "the seeded sampler draws the private fair method");
  for (const trial of fair) {
    const privacy = trial.privacy as {
      trainingEpsilon: number;
      targetEpsilon: number;
      composition: { method: string; note: string };
    };
    assert.ok(privacy.trainingEpsilon <= privacy.targetEpsilon);
    assert.ok(
      privacy.trainingEpsilon >= privacy.targetEpsilon - Math.min(0.01, 0.01 * privacy.targetEpsilon),
    );
    assert.equal(privacy.composition.method, "dp-fair-reductions");
    assert.match(privacy.composition.note, /covers the sensitive attribute/);
    assert.equal(trial.validation.epsilon, privacy.trainingEpsilon);
  }
});
