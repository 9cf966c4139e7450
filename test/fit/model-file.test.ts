import assert from "node:assert/strict";
import { before, test } from "node:test";
import { UserError } from "../../src/common/errors.js";
import { toJson } from "../../src/common/json.js";
import { prepareTask } from "../../src/data/index.js";
import { type FitData, fitRecipe, modelFileOf, readModelFile } from "../../src/fit/index.js";
import { initBackend } from "../../src/nn/index.js";

let data: FitData;
before(async () => {
  await initBackend("wasm");
  const task = await prepareTask({ data: "synthetic" });
  data = { train: task.train, numClasses: 2, inputShape: [task.train.X.cols] };
});

/** Through text, as a file on disk would be. */
const roundTrip = (value: unknown) => JSON.parse(toJson(value));

test("a model file stores the normalised recipe; reading it validates it with the same schema", () => {
  const fitted = fitRecipe(
    { model: "mlp:3", epochs: 1, fairness: { method: "penalty", constraint: "dp" } },
    data,
  );
  const file = roundTrip(modelFileOf(fitted, { metadata: { note: "kept" } }));
  assert.deepEqual(file.recipe, fitted.recipe);
  assert.equal(file.spec, "mlp:3");
  assert.equal(file.metadata.note, "kept");
  assert.equal(file.metadata.epsilon, "Infinity");
  assert.deepEqual(file.metadata.fairness, fitted.fairness);
  const loaded = readModelFile(file, "m.json");
  assert.deepEqual(loaded.recipe, fitted.recipe);
  assert.deepEqual(loaded.model.readParameters(), fitted.model.readParameters());
  loaded.model.dispose();
  fitted.model.dispose();
});

test("a private model file holds the privacy section and no training loss", () => {
  const fitted = fitRecipe(
    { epochs: 2, batchSize: 280, privacy: { noiseMultiplier: 1, clip: 1, noiseSeed: 5 } },
    data,
  );
  const text = toJson(modelFileOf(fitted));
  assert.doesNotMatch(text, /trainLoss|"history"/);
  const file = JSON.parse(text);
  assert.equal(file.metadata.epsilon, fitted.privacy?.epsilon);
  assert.deepEqual(file.metadata.privacy.publicQuantities, ["trainRows", "steps", "sampleRate"]);
  assert.equal(file.metadata.training.steps, 20);
  fitted.model.dispose();
});

test("a file without a recipe, or with a malformed one, is refused in one line", () => {
  const fitted = fitRecipe({ epochs: 1 }, data);
  const file = roundTrip(modelFileOf(fitted));
  fitted.model.dispose();
  const { recipe: _recipe, ...older } = file;
  const cases: [unknown, RegExp][] = [
    [older, /^m\.json has no training recipe \(it was saved by an older version of Equipoise\)/],
    [
      { ...file, recipe: { epochs: -1 } },
      /^m\.json: the stored recipe is invalid: epochs must be a whole number ≥ 1, got -1$/,
    ],
    [
      { ...file, recipe: { ...file.recipe, model: "mlp:4" } },
      /the stored recipe trains 'mlp:4' but the file holds a 'logreg' model/,
    ],
    [{ ...file, recipe: "logreg" }, /the stored recipe is invalid/],
  ];
  for (const [json, message] of cases) {
    assert.throws(
      () => readModelFile(json, "m.json"),
      (e: unknown) => e instanceof UserError && message.test(e.message),
      message.source,
    );
  }
});
