import assert from "node:assert/strict";
import { test } from "node:test";
import { readRecipe, recipeFlags, recipeOptionSpecs } from "../../src/cli/recipe-options.js";
import { DEFAULT_DELTA } from "../../src/common/defaults.js";
import { UsageError, UserError } from "../../src/common/errors.js";
import { isModelSpec, parseRecipe, type Recipe } from "../../src/fit/recipe.js";

test("parseRecipe fills every default from the schema and normalises", () => {
  const recipe: Recipe = parseRecipe({});
  assert.deepEqual(recipe, {
    model: "logreg",
    optimizer: { kind: "adam", learningRate: 0.01, momentum: 0, weightDecay: 0, schedule: "cosine" },
    epochs: 10,
    batchSize: 128,
    sampling: "shuffle",
    seed: 0,
    classWeighting: "none",
    fairness: { method: "none" },
  });
  const private_ = parseRecipe({
    privacy: { noiseMultiplier: 1, clip: 1 },
    fairness: { method: "penalty", constraint: "eo" },
  });
  // Poisson sampling is what DP-SGD's accounting assumes: forced when absent.
  assert.equal(private_.sampling, "poisson");
  assert.deepEqual(private_.privacy, {
    noiseMultiplier: 1,
    clip: 1,
    delta: DEFAULT_DELTA,
    accountant: "rdp",
    clipping: "flat",
  });
  // Short constraint names become the shared FairnessConstraint.
  assert.deepEqual(private_.fairness, {
    method: "penalty",
    constraint: "equalized_odds",
    weight: 1,
    referenceFraction: 0.1,
  });
  // A normalised recipe parses to itself (a model file stores it that way).
  assert.deepEqual(parseRecipe(JSON.parse(JSON.stringify(private_))), private_);
});

test("parseRecipe refuses bad recipes with one line naming the field", () => {
  const cases: [unknown, RegExp][] = [
    [{ epochs: -1 }, /^recipe: epochs must be a whole number ≥ 1, got -1$/],
    [{ epochs: 2.5 }, /epochs must be a whole number ≥ 1, got 2.5/],
    [{ optimizer: { learningRate: 0 } }, /optimizer.learningRate must be a number > 0, got 0/],
    [{ model: "transformer" }, /model: unknown model 'transformer'/],
    [{ privacy: { clip: 1 } }, /privacy needs privacy.targetEpsilon E .* or privacy.noiseMultiplier/],
    [{ privacy: { noiseMultiplier: 1 } }, /privacy needs privacy.clip/],
    [{ privacy: { noiseMultiplier: 1, targetEpsilon: 1, clip: 1 } }, /not both/],
    [
      { privacy: { noiseMultiplier: 1, clip: 1 }, sampling: "shuffle" },
      /sampling shuffle cannot be used with privacy/,
    ],
    [
      { privacy: { noiseMultiplier: 1, clip: 1 }, fairness: { method: "reweighing" } },
      /reweighing cannot be combined/,
    ],
    [{ optimizer: { kind: "adam", momentum: 0.9 } }, /optimizer.momentum applies to optimizer.kind sgd only/],
    [
      { fairness: { method: "penalty", constraint: "eop" } },
      /fairness.constraint must be one of dp .*, eo .*, got "eop"/,
    ],
    [{ fairness: { method: "none", weight: 2 } }, /fairness.weight does not apply here/],
    [{ batch: 64 }, /batch does not apply here/],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => parseRecipe(input),
      (e: unknown) => e instanceof UserError && message.test(e.message),
      JSON.stringify(input),
    );
  }
});

test("the model-spec grammar of the (light) recipe agrees with the engine's parser", async () => {
  const { architectureFor } = await import("../../src/nn/index.js");
  const specs = [
    "logreg",
    "mlp:64,64",
    "mlp:1",
    "mlp:",
    "mlp:0",
    "mlp:8,x",
    "cnn",
    "cnn:16,32",
    "cnn:16",
    "rnn",
    "logreg:3",
  ];
  for (const spec of specs) {
    const shape = spec.startsWith("cnn") ? [8, 8, 1] : [5];
    let builds = true;
    try {
      architectureFor(spec, shape, 2);
    } catch {
      builds = false;
    }
    assert.equal(isModelSpec(spec), builds, spec);
  }
});

test("the train command's recipe options are derived from the schema: every flag once, with help", () => {
  const flags = recipeFlags.map((f) => f.flag);
  assert.equal(new Set(flags).size, flags.length);
  assert.deepEqual(Object.keys(recipeOptionSpecs), flags);
  for (const expected of [
    "model",
    "optimizer",
    "lr",
    "lr-schedule",
    "epochs",
    "batch",
    "seed",
    "class-weight",
  ])
    assert.ok(flags.includes(expected), expected);
  for (const expected of ["dp", "epsilon", "noise", "clip", "delta", "accountant", "clipping", "dp-seed"])
    assert.ok(flags.includes(expected), expected);
  for (const expected of ["mitigation", "fair", "fair-weight", "fair-reference", "fair-attribute"])
    assert.ok(flags.includes(expected), expected);
  assert.equal(recipeOptionSpecs.dp.type, "boolean");
  // Defaults come from the schema into the help text, not into the parser.
  assert.match(recipeOptionSpecs.epochs.description, /\(default: 10\)$/);
  assert.match(recipeOptionSpecs.delta.description, /^with --dp: .*\(default: 0\.00001\)$/);
  assert.match(recipeOptionSpecs["fair-weight"].description, /^with --fair: /);
  assert.equal("default" in recipeOptionSpecs.epochs, false);
});

test("readRecipe: flags → the recipe, and one usage line naming the flag for every mistake", () => {
  assert.deepEqual(
    readRecipe({
      dp: true,
      noise: "1/2",
      clip: "3",
      "dp-seed": "7",
      fair: "dp",
      "fair-weight": "2",
      lr: "0.5",
    }),
    parseRecipe({
      optimizer: { learningRate: 0.5 },
      privacy: { noiseMultiplier: 0.5, clip: 3, noiseSeed: 7 },
      fairness: { method: "penalty", constraint: "demographic_parity", weight: 2 },
    }),
  );
  assert.equal(readRecipe({}, { preprocessing: "fit" }).preprocessing, "fit");
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ epochs: "-1" }, /^--epochs must be a whole number ≥ 1, got -1$/],
    [{ epochs: "ten" }, /^--epochs must be a number, got 'ten'$/],
    [{ lr: "0" }, /^--lr must be a number > 0, got 0$/],
    [{ optimizer: "rmsprop" }, /^--optimizer must be one of sgd, adam, got 'rmsprop'$/],
    [{ momentum: "0.9" }, /^--momentum applies to --optimizer sgd only$/],
    [{ epsilon: "1" }, /^--epsilon needs --dp$/],
    [{ dp: true, epsilon: "1" }, /^--dp needs --clip C \(per-example gradient clipping norm\)$/],
    [{ dp: true, clip: "1" }, /^--dp needs --epsilon E \(a target epsilon\) or --noise SIGMA/],
    [{ dp: true, clip: "1", noise: "1", epsilon: "1" }, /^give either --epsilon .* or --noise .*, not both$/],
    [{ dp: true, clip: "1", noise: "1", delta: "2" }, /^--delta must be a number in \(0, 1\), got 2$/],
    [
      { dp: true, clip: "1", noise: "1", sampling: "shuffle" },
      /^--sampling shuffle cannot be used with --dp/,
    ],
    [{ "fair-weight": "2" }, /^--fair-weight needs --fair$/],
    [{ fair: "eop" }, /^--fair must be one of dp \(demographic parity\), eo \(equalized odds\), got 'eop'$/],
    [{ mitigation: "penalty" }, /^--mitigation penalty needs --fair dp\|eo/],
    [{ mitigation: "reweighing", fair: "dp" }, /^--fair does not apply with --mitigation reweighing$/],
    [{ "class-weight": "inverse" }, /^--class-weight must be one of none, balanced, got 'inverse'$/],
  ];
  for (const [options, message] of cases) {
    assert.throws(
      () => readRecipe(options),
      (e: unknown) => e instanceof UsageError && message.test(e.message),
      JSON.stringify(options),
    );
  }
});
