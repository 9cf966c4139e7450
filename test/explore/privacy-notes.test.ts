import assert from "node:assert/strict";
import { test } from "node:test";
import { privacyNotes, trialCountsOf } from "../../src/explore/privacy-notes.js";
import type { ExplorerMetadata, StudySummary } from "../../src/explore/summary.js";

const metadata = {
  rows: { train: 24_000, validation: 6_000, test: 15_000 },
  delta: 1e-5,
  accountant: "rdp",
} as ExplorerMetadata;

test("the notes say what ε covers, what it does not, and how to release a model", () => {
  const notes = privacyNotes(metadata, { complete: 40, nonPrivate: 19 }).join("\n");
  assert.match(notes, /covers that one trial's training on the training part \(24000 rows\)/);
  assert.match(notes, /RDP accountant: an upper bound/);
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
  assert.match(notes, /private selection mode \(coming\)/);
  // The old, wrong claim: that only the validation rows were exposed by the choice.
  assert.doesNotMatch(notes, /It is not covered by ε: the validation rows are not protected/);
});

test("PRV is described as an estimate with an error bound; without counts the notes still hold", () => {
  const notes = privacyNotes({ ...metadata, accountant: "prv" }).join("\n");
  assert.match(notes, /PRV accountant: a numerical estimate with a stated error bound/);
  assert.match(
    notes,
    /Every trial \(the search space includes non-private ones\) and the non-private reference model/,
  );
});

test("a non-private trial is one with infinite ε", () => {
  const decoded = [1.5, Number.POSITIVE_INFINITY, 8, Number.POSITIVE_INFINITY].map((epsilon) => ({
    validation: { epsilon },
  })) as unknown as StudySummary["decoded"];
  assert.deepEqual(trialCountsOf({ decoded }), { complete: 4, nonPrivate: 2 });
});
