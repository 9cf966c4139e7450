import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createRandom } from "../../src/common/rng.js";
import { interplayDocumentSchema } from "../../src/interplay/document.js";
import { estimateFairnessFromLdp, privatiseAttribute } from "../../src/interplay/ldp.js";
import type { CliResult } from "../helpers/cli.js";
import { runHere } from "../helpers/cli-in-process.js";

const oneLine = (result: CliResult) => result.code !== 0 && result.stderr.trim().split("\n").length === 1;

test("interplay: matched and private models per ε and method, with the cost, the clipping statistics and the bound", async () => {
  const dir = mkdtempSync(join(tmpdir(), "interplay-"));
  try {
    const out = join(dir, "study.json");
    const result = await runHere([
      "interplay",
      "--data",
      "german-credit",
      "--sensitive",
      "sex",
      "--model",
      "logreg",
      "--epsilons",
      "4",
      "--seeds",
      "2",
      "--epochs",
      "2",
      "--batch",
      "64",
      "--methods",
      "dp-sgd,dpsgd-f",
      "--dp-seed",
      "--json",
      "--out",
      out,
      "--backend",
      "cpu",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const document = interplayDocumentSchema.parse(JSON.parse(result.stdout));
    assert.deepEqual(JSON.parse(readFileSync(out, "utf8")), JSON.parse(result.stdout));
    const { study } = document;
    assert.equal(study.attribute, "sex");
    assert.deepEqual(
      study.cells.map((c) => c.method),
      ["dp-sgd", "dpsgd-f"],
    );
    for (const cell of study.cells) {
      assert.equal(cell.cost.groups.length, study.groups.length);
      for (const group of cell.cost.groups) assert.equal(group.accuracyCost.perSeed.length, 2);
      assert.ok((cell.achievedEpsilon as number[]).every((e) => e <= 4 + 1e-9));
      assert.equal(cell.bound.measures.length, 3);
      for (const m of cell.bound.measures)
        for (let s = 0; s < 2; s++) assert.ok(m.measuredChange.perSeed[s] <= m.bound.perSeed[s] + 1e-12);
      assert.ok((cell.clipping as unknown[]).length === 2, "one row of clipping statistics per epoch");
    }
    assert.ok(study.notCoveredByEpsilon.length > 0);
    assert.match(result.stderr, /2 seeds/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("interplay: bad input is one line naming the problem", async () => {
  for (const [args, message] of [
    [["--epsilons", "0"], /epsilon must be > 0/],
    [["--epsilons", "1", "--methods", "dp-sgd,magic"], /--methods must be one of/],
    [["--epsilons", "1", "--seeds", "0"], /--seeds must be a whole number ≥ 1/],
    [["--epsilons", "1", "--sensitive", "nosuch"], /nosuch/],
  ] as const) {
    const result = await runHere(["interplay", "--data", "german-credit", "--model", "logreg", ...args]);
    assert.ok(oneLine(result), `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, message);
  }
});

test("interplay ldp-metrics: the debiased estimate of a predictions file whose groups were reported through randomized response", async () => {
  const dir = mkdtempSync(join(tmpdir(), "interplay-ldp-"));
  try {
    const random = createRandom(4);
    const n = 3000;
    const truth = Int32Array.from({ length: n }, () => (random.uniform() < 0.35 ? 1 : 0));
    const yTrue = Int32Array.from(truth, (a) => (random.uniform() < 0.4 + 0.1 * a ? 1 : 0));
    const yPred = Int32Array.from(truth, (a, i) =>
      random.uniform() < (yTrue[i] ? 0.7 : 0.2) + 0.15 * a ? 1 : 0,
    );
    const reported = privatiseAttribute(
      { name: "sex", categories: ["F", "M"], codes: truth },
      1,
      createRandom(5),
    );
    const file = join(dir, "preds.csv");
    writeFileSync(
      file,
      `y,yhat,sex\n${Array.from(truth, (_, i) => `${yTrue[i]},${yPred[i]},${reported.categories[reported.codes[i]]}`).join("\n")}\n`,
    );
    const result = await runHere([
      "interplay",
      "ldp-metrics",
      "--predictions",
      file,
      "--y-true",
      "y",
      "--y-pred",
      "yhat",
      "--sensitive",
      "sex",
      "--sensitive-ldp",
      "1",
      "--json",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const expected = estimateFairnessFromLdp({ yTrue, yPred, reported, epsilon: 1 });
    const got = JSON.parse(result.stdout);
    assert.ok(
      Math.abs(got.demographicParityDifference.estimate - expected.demographicParityDifference.estimate) <
        1e-12,
    );
    assert.equal(got.groups.length, 2);
    const bad = await runHere([
      "interplay",
      "ldp-metrics",
      "--predictions",
      file,
      "--y-true",
      "y",
      "--y-pred",
      "yhat",
      "--sensitive",
      "sex",
      "--sensitive-ldp",
      "0",
    ]);
    assert.ok(oneLine(bad), bad.stderr);
    assert.match(bad.stderr, /--sensitive-ldp must be > 0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
