import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { isOneLineError, runCli } from "../helpers/cli.js";

const directory = mkdtempSync(join(tmpdir(), "equipoise-pareto-"));
after(() => rmSync(directory, { recursive: true, force: true }));

function csv(name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
}

// Row 2 is dominated by row 0 (lower accuracy, same epsilon); row 3 duplicates row 0.
const results = csv(
  "results.csv",
  "model,accuracy,epsilon\na,0.9,1\nb,0.8,0.5\nc,0.85,1\nd,0.9,1\ne,0.95,inf\n",
);

describe("equipoise pareto", () => {
  it("--json: Pareto rows (0-based) and the hypervolume for the given reference", () => {
    const result = runCli([
      "pareto",
      results,
      "--maximize",
      "accuracy",
      "--minimize",
      "epsilon",
      "--reference",
      "2,0.7",
      "--json",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const doc = JSON.parse(result.stdout);
    assert.deepEqual(doc.pareto, [0, 1, 3, 4]);
    // minimised (epsilon, -accuracy), reference (2, -0.7): boxes of a and b; e has epsilon = inf, outside.
    // b: (2 - 0.5) * (-0.7 + 0.8) = 0.15; a adds (2 - 1) * (0.9 - 0.8) = 0.1
    assert.ok(Math.abs(doc.hypervolume - 0.25) < 1e-12, String(doc.hypervolume));
    assert.deepEqual(doc.reference, [2, 0.7]);
  });

  it("default reference: worst value plus 10% of the range; text output lists the rows", () => {
    const file = csv("finite.csv", "f1,f2\n0,1\n1,0\n0.5,0.5\n1,1\n");
    const result = runCli(["pareto", file, "--minimize", "f1,f2"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /3 Pareto-optimal row\(s\) of 4/);
    // reference (1.1, 1.1); by hand, sweeping f1 upwards:
    // (0,1): 1.1*0.1 = 0.11; (0.5,0.5): 0.6*0.5 = 0.3; (1,0): 0.1*0.5 = 0.05 → 0.46
    assert.match(result.stdout, /hypervolume: 0\.46/);
    assert.match(result.stdout, /reference: +1\.1, 1\.1/);
  });

  it("a non-numeric or missing value is reported by row and column in one line", () => {
    const bad = csv("bad.csv", "acc,eps\n0.9,1\n0.8,abc\n");
    const result = runCli(["pareto", bad, "--maximize", "acc", "--minimize", "eps"]);
    assert.ok(isOneLineError(result), result.stderr);
    assert.match(result.stderr, /row 1, column 'eps': 'abc' is not a number/);
    const missing = runCli([
      "pareto",
      csv("missing.csv", "acc,eps\n0.9,\n"),
      "--maximize",
      "acc",
      "--minimize",
      "eps",
    ]);
    assert.ok(isOneLineError(missing));
    assert.match(missing.stderr, /row 0, column 'eps': missing value/);
  });

  it("usage errors: unknown column, wrong reference length", () => {
    const unknown = runCli(["pareto", results, "--minimize", "loss"]);
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /--minimize: no column 'loss' in .*results.csv \(columns: model, accuracy, epsilon\)/,
    );
    const reference = runCli(["pareto", results, "--minimize", "epsilon", "--reference", "1,2"]);
    assert.equal(reference.code, 2);
    assert.ok(isOneLineError(reference));
    assert.match(reference.stderr, /--reference has 2 value\(s\), expected 1 \(epsilon\)/);
  });
});
