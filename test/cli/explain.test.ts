import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import {
  exampleExplanationSchema,
  fairnessExplanationSchema,
  influenceMatrixSchema,
  mislabelsSchema,
  valuesSchema,
} from "../../src/explain/report/schema.js";
import { spearman } from "../../src/explain/stats.js";
import { isOneLineError, runCli } from "../helpers/cli.js";

const data = ["--data", "german-credit"];
const json = (args: string[]) => {
  const result = runCli(args);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
};

describe("equipoise explain", () => {
  it("explain --example: the most helpful and harmful training rows, readable", () => {
    const doc = exampleExplanationSchema.parse(
      json(["explain", ...data, "--example", "3", "--top", "3", "--json"]),
    );
    assert.equal(doc.test.row, 3);
    assert.equal(doc.helpful.length, 3);
    assert.ok(
      doc.helpful[0].influence >= doc.helpful[2].influence &&
        doc.harmful[0].influence <= doc.harmful[2].influence,
    );
    assert.ok(doc.trusted && doc.model?.stationary);
    assert.ok("age" in doc.helpful[0].values && "sex" in doc.helpful[0].group);
    const text = runCli(["explain", ...data, "--example", "3", "--top", "2"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /most helpful training rows/);
  });

  it("explain influence and explain loo: the same layout, and influence tracks leave-one-out", () => {
    const rows = ["--test-rows", "0,1,2", "--train-rows", "0-19"];
    const influence = influenceMatrixSchema.parse(json(["explain", "influence", ...data, ...rows, "--json"]));
    const loo = influenceMatrixSchema.parse(json(["explain", "loo", ...data, ...rows, "--json"]));
    assert.deepEqual(influence.testRows, [0, 1, 2]);
    assert.deepEqual(
      loo.trainRows,
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.equal(influence.influence.length, 3);
    assert.equal(influence.influence[0].length, 20);
    assert.ok(spearman(influence.influence.flat(), loo.influence.flat()) > 0.99);
    const cg = influenceMatrixSchema.parse(
      json(["explain", "influence", ...data, ...rows, "--method", "cg", "--json"]),
    );
    assert.equal(cg.method, "cg");
  });

  it("explain values --method knn-shapley: one value per training row, summing to the utility", () => {
    const doc = valuesSchema.parse(
      json([
        "explain",
        "values",
        ...data,
        "--method",
        "knn-shapley",
        "--test-rows",
        "0-49",
        "--threads",
        "1",
        "--json",
      ]),
    );
    assert.equal(doc.values.length, 700);
    assert.ok(doc.summary.sum > 0 && doc.summary.sum <= 1);
    assert.equal(doc.model, undefined);
  });

  it("explain mislabels and explain fairness produce their documents", () => {
    const mislabels = mislabelsSchema.parse(
      json(["explain", "mislabels", ...data, "--score", "loo-loss", "--top", "5", "--json"]),
    );
    assert.equal(mislabels.suspects.length, 5);
    assert.ok(mislabels.suspects[0].score >= mislabels.suspects[4].score);
    const fairness = fairnessExplanationSchema.parse(
      json([
        "explain",
        "fairness",
        ...data,
        "--sensitive",
        "sex",
        "--loo-rows",
        "20",
        "--patterns",
        "2",
        "--json",
      ]),
    );
    assert.equal(fairness.attribute, "sex");
    assert.equal(fairness.removal.rows, 7);
  });
});

describe("equipoise explain: bad input gets one clear line", () => {
  let modelPath = "";
  before(() => {
    modelPath = join(mkdtempSync(join(tmpdir(), "equipoise-explain-")), "sgd.json");
    const trained = runCli([
      "train",
      ...data,
      "--model",
      "logreg",
      "--epochs",
      "1",
      "--out",
      modelPath,
      "--json",
    ]);
    assert.equal(trained.code, 0, trained.stderr);
  });

  it("a row outside the split", () => {
    const result = runCli(["explain", ...data, "--example", "300"]);
    assert.ok(isOneLineError(result), result.stderr);
    assert.match(result.stderr, /row 300 is outside the split .*0 to 299/);
  });

  it("a row list that is not one", () => {
    const result = runCli(["explain", "influence", ...data, "--test-rows", "1,x"]);
    assert.equal(result.code, 2);
    assert.ok(isOneLineError(result));
  });

  it("a method that does not apply, naming the ones that do", () => {
    const result = runCli(["explain", "--model", modelPath, "--example", "0", "--method", "tracin"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /tracin needs the checkpoints .* use gradient-similarity/);
  });

  it("an explicit Hessian beyond the memory limit, refused before training", () => {
    const result = runCli([
      "explain",
      "influence",
      ...data,
      "--model-spec",
      "mlp:512,512",
      "--method",
      "exact",
      "--test-rows",
      "0",
    ]);
    assert.ok(isOneLineError(result), result.stderr);
    assert.match(result.stderr, /GiB, beyond the limit .* use --method cg .* or ekfac/);
  });

  it("a model that did not converge: warned with the gradient norm, and the numbers marked untrusted", () => {
    const result = runCli(["explain", "--model", modelPath, "--example", "0", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /not at a stationary point .*‖∇F‖∞ = [0-9.]+e[+-]\d+/);
    const doc = exampleExplanationSchema.parse(JSON.parse(result.stdout));
    assert.equal(doc.trusted, false);
    assert.equal(doc.model?.stationary, false);
    const refit = exampleExplanationSchema.parse(
      json(["explain", "--model", modelPath, "--example", "0", "--refit", "--json"]),
    );
    assert.equal(refit.trusted, true);
  });

  it("a model trained with DP-SGD: the explanation says it is not covered by ε", () => {
    const privatePath = join(mkdtempSync(join(tmpdir(), "equipoise-explain-")), "dp.json");
    const trained = runCli([
      "train",
      ...data,
      "--model",
      "logreg",
      "--epochs",
      "1",
      "--dp",
      "--epsilon",
      "1",
      "--clip",
      "1",
      "--out",
      privatePath,
      "--json",
    ]);
    assert.equal(trained.code, 0, trained.stderr);
    const doc = exampleExplanationSchema.parse(
      json(["explain", "--model", privatePath, "--example", "0", "--refit", "--json"]),
    );
    assert.match(doc.warnings[0], /DP-SGD \(ε = [0-9.]+\).*NOT covered by ε/);
    const text = runCli(["explain", "--model", privatePath, "--example", "0", "--refit"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /warning: .*NOT covered by ε/);
  });
});
