import assert from "node:assert/strict";
import { test } from "node:test";
import { privacyNotes, trialCountsOf } from "../../src/explore/privacy-notes.js";
import type { PrivateSelectionPlan } from "../../src/explore/private-selection.js";
import type { ExplorerMetadata, StudyPreprocessing, StudySummary } from "../../src/explore/summary.js";

const metadata = {
  rows: { train: 24_000, validation: 6_000, test: 15_000 },
  delta: 1e-5,
  accountant: "rdp",
} as ExplorerMetadata;

const preprocessing = (mode: StudyPreprocessing["mode"]): StudyPreprocessing => ({
  mode,
  releases: mode === "private" ? [{ sampleRate: 1, noise: 30, count: 1, description: "sums" }] : [],
  thresholdDelta: 0,
  notForRelease: mode === "fit" ? "the preprocessor holds exact statistics" : null,
  notes: mode === "fit" ? ["public: numeric column 'income' has no declared bounds"] : [],
  noise: mode === "private" ? "seeded" : null,
  noiseMultiplier: mode === "private" ? 30 : null,
});

test("the notes say what ε covers, what it does not, and how to release a model", () => {
  const notes = privacyNotes(metadata, { complete: 40, nonPrivate: 19 }).join("\n");
  assert.match(notes, /covers that one trial's training on the training part \(24000 rows\)/);
  assert.match(notes, /RDP accountant: an upper bound/);
  assert.match(notes, /calibrated to a target ε the search proposes/);
  assert.match(
    notes,
    /Choosing among trials is not covered by any ε\. All 40 complete trials \(19 of them non-private\) and the non-private reference model are trained on the same training rows/,
  );
  assert.match(notes, /\(Liu & Talwar 2019; Papernot & Steinke 2022\)/);
  assert.match(
    notes,
    /validation split \(6000 rows held out from the training data\) is read without protection/,
  );
  assert.match(notes, /seeded generator .* no trial's model is for release/);
  assert.match(notes, /retrain the recipe you choose with `equipoise train --dp`/);
  assert.match(notes, /use private selection \(`equipoise explore --private-selection --epsilon E`\)/);
  // A study made before 0.2 recorded no preprocessing: it was fitted on the training split.
  assert.match(notes, /fitted on the whole training split .* without protection: not covered by ε/);
  // The old, wrong claim: that only the validation rows were exposed by the choice.
  assert.doesNotMatch(notes, /It is not covered by ε: the validation rows are not protected/);
});

test("the preprocessing note follows the study's mode", () => {
  const of = (mode: StudyPreprocessing["mode"]) =>
    privacyNotes({ ...metadata, preprocessing: preprocessing(mode) }).join("\n");
  assert.match(of("public"), /declared public metadata only .* nothing for ε to cover/);
  assert.match(
    of("private"),
    /fitted once for the study under DP .* noise multiplier 30, noise from the study's seed/,
  );
  assert.match(of("private"), /counted in the ε of every private trial/);
  assert.match(of("private"), /it also counts the one private release of the feature statistics/);
  assert.match(
    of("fit"),
    /no private trial is for release \(public: numeric column 'income' has no declared bounds\)/,
  );
});

test("PRV is described as an estimate with an error bound; without counts the notes still hold", () => {
  const notes = privacyNotes({ ...metadata, accountant: "prv" }).join("\n");
  assert.match(notes, /PRV accountant: a numerical estimate with a stated error bound/);
  assert.match(notes, /Every trial and the non-private reference model/);
});

test("private selection: the selection's ε, what it covers, and the study file that it does not", () => {
  const plan: PrivateSelectionPlan = {
    distribution: { kind: "geometric", mean: 10 },
    trials: 7,
    targetEpsilon: 3,
    trialEpsilon: 1.2,
    candidates: [{ batch: 256, epochs: 2, sampleRate: 0.01, steps: 200, noise: 1.1 }],
    epsilon: 2.95,
    delta: 1e-5,
    preprocessing: { releases: [{ sampleRate: 1, noise: 30, count: 1 }], thresholdDelta: 0 },
  };
  const notes = privacyNotes(
    {
      ...metadata,
      preprocessing: { ...preprocessing("private"), noise: "secure" },
      privateSelection: plan,
    },
    { complete: 6, nonPrivate: 0, finished: 7 },
  ).join("\n");
  assert.match(notes, /K = 7 trials, a number drawn from a geometric law of mean 10 by the secure generator/);
  assert.match(
    notes,
    /The ε reported for every trial, 2\.95 .* covers releasing ONE trial, the selected one/,
  );
  assert.match(notes, /the private release of the feature statistics \(counted once\)/);
  assert.match(notes, /the selection's cost is added to the ε reported for every trial/);
  assert.match(
    notes,
    /the 7 finished trials' results in the study file are covered only by their composition, ε ≤ \d/,
  );
  assert.match(notes, /Publish the selected trial, not the study file or its report/);
  assert.match(notes, /trains the reference model/);
  assert.match(notes, /counted once in the selection's ε/);
  assert.match(notes, /its ε adds to the selection's \(composition\)/);
  assert.doesNotMatch(notes, /seeded generator/);
});

test("a non-private trial is one with infinite ε", () => {
  const decoded = [1.5, Number.POSITIVE_INFINITY, 8, Number.POSITIVE_INFINITY].map((epsilon) => ({
    validation: { epsilon },
  })) as unknown as StudySummary["decoded"];
  const trials = { total: 5, complete: 4, failed: 1, running: 0, feasible: 4 };
  assert.deepEqual(trialCountsOf({ decoded, trials }), { complete: 4, nonPrivate: 2, finished: 5 });
});
