import assert from "node:assert/strict";
import { test } from "node:test";
import { DataError } from "../../src/common/errors.js";
import {
  type FeatureTransform,
  type Matrix,
  type PreparedTask,
  type PreprocessorJSON,
  prepareTask,
} from "../../src/data/index.js";

const at = (X: Matrix, row: number, col: number) => X.data[row * X.cols + col];

function tabular(json: PreprocessorJSON): FeatureTransform[] {
  assert.equal(json.kind, "tabular");
  return json.kind === "tabular" ? json.transforms : [];
}

let trained: PreparedTask;
let saved: PreprocessorJSON;

test("another split seed with a saved preprocessor: X is the saved mean/sd transform, not a re-fit", async () => {
  trained = await prepareTask({ data: "german-credit", seed: 0 });
  saved = trained.preprocessor.toJSON();
  const refitted = await prepareTask({ data: "german-credit", seed: 3 });
  const applied = await prepareTask({ data: "german-credit", seed: 3, preprocessor: saved });
  assert.deepEqual(applied.preprocessor.toJSON(), saved);
  assert.deepEqual(applied.featureNames, trained.featureNames);
  // Same rows in the same split as the re-fitted task: only the encoding differs.
  assert.deepEqual(applied.test.y, refitted.test.y);
  assert.deepEqual(applied.train.y, refitted.train.y);

  const refittedTransforms = tabular(refitted.preprocessor.toJSON());
  let shiftedColumns = 0;
  for (const t of tabular(saved)) {
    if (t.kind !== "standardise") continue;
    const f = refittedTransforms.find((r) => r.column === t.column);
    assert.ok(f?.kind === "standardise", t.column);
    if (f.mean !== t.mean || f.sd !== t.sd) shiftedColumns++;
    const j = applied.featureNames.indexOf(t.column);
    const k = refitted.featureNames.indexOf(t.column);
    for (const part of ["train", "test"] as const) {
      for (let r = 0; r < applied[part].X.rows; r++) {
        // The raw value, recovered from the re-fitted encoding, then encoded with the saved statistics.
        const raw = at(refitted[part].X, r, k) * f.sd + f.mean;
        const expected = (raw - t.mean) / t.sd;
        const actual = at(applied[part].X, r, j);
        assert.ok(
          Math.abs(actual - expected) < 1e-4,
          `${part} row ${r} ${t.column}: ${actual} vs ${expected}`,
        );
      }
    }
  }
  // Otherwise the check above could not tell the saved statistics from re-fitted ones.
  assert.ok(shiftedColumns > 0, "split seeds 0 and 3 give different training means");

  for (const [k, name] of refitted.featureNames.entries()) {
    if (!name.includes("=")) continue;
    const j = applied.featureNames.indexOf(name);
    if (j < 0) continue;
    for (let r = 0; r < applied.test.X.rows; r++)
      assert.equal(at(applied.test.X, r, j), at(refitted.test.X, r, k));
  }
});

test("a category the saved preprocessor does not know encodes as an all-zero block", async () => {
  const transforms = structuredClone(tabular(saved));
  const index = transforms.findIndex((t) => t.kind === "one-hot" && t.categories.length > 2);
  const oneHot = transforms[index];
  assert.ok(oneHot.kind === "one-hot");
  const dropped = oneHot.categories.shift()!;
  const applied = await prepareTask({
    data: "german-credit",
    seed: 0,
    preprocessor: { ...saved, kind: "tabular", transforms } as PreprocessorJSON,
  });
  const droppedColumn = trained.featureNames.indexOf(`${oneHot.column}=${dropped}`);
  // The saved encoding, not a re-fitted one: the dropped category has no column.
  assert.equal(applied.test.X.cols, trained.test.X.cols - 1);
  assert.ok(!applied.featureNames.includes(`${oneHot.column}=${dropped}`));
  const block = oneHot.categories.map((c) => applied.featureNames.indexOf(`${oneHot.column}=${c}`));
  const before = oneHot.categories.map((c) => trained.featureNames.indexOf(`${oneHot.column}=${c}`));
  let unknownRows = 0;
  for (let r = 0; r < trained.test.X.rows; r++) {
    const unknown = at(trained.test.X, r, droppedColumn) === 1;
    if (unknown) unknownRows++;
    for (const [i, j] of block.entries()) {
      assert.equal(at(applied.test.X, r, j), unknown ? 0 : at(trained.test.X, r, before[i]));
    }
  }
  assert.ok(unknownRows > 0, `some test rows have ${oneHot.column}=${dropped}`);
});

test("a saved preprocessor needing a column the data lacks, or damaged: one DataError naming it", async () => {
  const transforms = structuredClone(tabular(saved));
  transforms[1] = { ...transforms[1], column: "no-such-column" };
  await assert.rejects(
    prepareTask({ data: "german-credit", preprocessor: { ...saved, kind: "tabular", transforms } }),
    (error: Error) =>
      error instanceof DataError &&
      /preprocessor\/data mismatch: feature column 'no-such-column' of the saved preprocessor is not in german-credit/.test(
        error.message,
      ),
  );
  const standardised = structuredClone(tabular(saved));
  const k = standardised.findIndex((t) => t.kind === "standardise");
  standardised[k] = { ...standardised[k], sd: 0 } as FeatureTransform;
  await assert.rejects(
    prepareTask({
      data: "german-credit",
      preprocessor: { ...saved, kind: "tabular", transforms: standardised },
    }),
    (error: Error) => error instanceof DataError && /positive sd/.test(error.message),
  );
  await assert.rejects(
    prepareTask({
      data: "german-credit",
      preprocessor: {
        format: "equipoise-preprocessor",
        version: 1,
        kind: "image",
        shape: [2, 2, 1],
        maxValue: 255,
      },
    }),
    /saved preprocessor encodes images, but german-credit is a table/,
  );
});
