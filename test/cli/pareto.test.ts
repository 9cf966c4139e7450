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

  it("a negative reference value after --reference is a value, not an option", () => {
    const file = csv("negative.csv", "f1,f2\n-2,-1\n-1,-2\n");
    const result = runCli(["pareto", file, "--minimize", "f1,f2", "--reference", "-0.5,-0.5", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    // Boxes up to (-0.5, -0.5): [-2,-0.5]×[-1,-0.5] ∪ [-1,-0.5]×[-2,-0.5] = 0.75 + 0.75 - 0.25.
    assert.ok(Math.abs(JSON.parse(result.stdout).hypervolume - 1.25) < 1e-12, result.stdout);
  });
});

describe("equipoise pareto at the edges of the doubles", () => {
  it("values near ±1e308: the exact hypervolume when it is a double", () => {
    // minimised; default reference (1.2e308, 2.1e-300) cannot be formed as high + (high - low)/10,
    // since high - low = 2e308 overflows. By hand: boxes 2.2e308 × 1e-301 = 2.2e7 and
    // 0.2e308 × 1.1e-300 = 2.2e7, overlapping in 0.2e308 × 1e-301 = 2e6: 4.2e7.
    const file = csv("huge-and-tiny.csv", "a,b\n1e308,1e-300\n-1e308,2e-300\n");
    const result = runCli(["pareto", file, "--minimize", "a,b", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const doc = JSON.parse(result.stdout);
    assert.deepEqual(doc.pareto, [0, 1]);
    assert.deepEqual(doc.reference, [1.2e308, 2.1e-300]);
    assert.ok(Math.abs(doc.hypervolume / 4.2e7 - 1) < 1e-12, String(doc.hypervolume));
  });

  it("a hypervolume beyond the doubles is one clear line, minimised or maximised", () => {
    const file = csv("huge.csv", "a,b\n1e308,-1e308\n-1e308,1e308\n0,0\n");
    for (const directions of [
      ["--minimize", "a,b"],
      ["--minimize", "a", "--maximize", "b", "--json"],
    ]) {
      const result = runCli(["pareto", file, ...directions]);
      assert.equal(result.code, 1, result.stderr);
      assert.ok(isOneLineError(result), result.stderr);
      assert.match(result.stderr, /hypervolume of these values is beyond the largest number/);
      assert.equal(result.stdout, "");
    }
  });

  it("infinities: the worst side is outside the box, the best side is one clear line, NaN is not a number", () => {
    const worst = csv("worst.csv", "a,b\n0,inf\n0.5,0.5\n");
    const outside = runCli(["pareto", worst, "--minimize", "a,b", "--reference", "2,2", "--json"]);
    assert.equal(outside.code, 0, outside.stderr);
    assert.deepEqual(JSON.parse(outside.stdout).pareto, [0, 1]);
    assert.equal(JSON.parse(outside.stdout).hypervolume, 1.5 * 1.5);

    const best = csv("best.csv", "a,b\n1,2\n-inf,3\n0.5,0.5\n");
    const infinite = runCli(["pareto", best, "--minimize", "a,b", "--reference", "4,4"]);
    assert.ok(isOneLineError(infinite), infinite.stderr);
    assert.match(
      infinite.stderr,
      /row 1, column 'a' is -inf, infinitely good, so the hypervolume is infinite/,
    );
    const bestMaximised = csv("best-maximised.csv", "a,b\n1,2\ninf,3\n0.5,0.5\n");
    const maximised = runCli([
      "pareto",
      bestMaximised,
      "--minimize",
      "b",
      "--maximize",
      "a",
      "--reference",
      "4,-4",
    ]);
    assert.ok(isOneLineError(maximised), maximised.stderr);
    assert.match(maximised.stderr, /row 1, column 'a' is inf, infinitely good/);

    for (const [text, message] of [
      ["nan", /row 0, column 'b': 'nan' is not a number/],
      ["NaN", /row 0, column 'b': 'NaN' is not a number/],
      ["1e309", /row 0, column 'b': '1e309' is beyond the largest number .*write inf/],
    ] as const) {
      const result = runCli([
        "pareto",
        csv(`cell-${text}.csv`, `a,b\n1,${text}\n0,0\n`),
        "--minimize",
        "a,b",
      ]);
      assert.ok(isOneLineError(result), result.stderr);
      assert.match(result.stderr, message);
    }
  });

  it("a column too near the largest double for a default reference asks for --reference", () => {
    const file = csv("edge.csv", "a,b\n1.7e308,1\n1e308,2\n1.79e308,0\n");
    const result = runCli(["pareto", file, "--minimize", "a,b"]);
    assert.equal(result.code, 2, result.stderr);
    assert.ok(isOneLineError(result), result.stderr);
    assert.match(
      result.stderr,
      /column 'a' reaches 1\.79e\+308, too near the largest number for a default reference; give --reference/,
    );
  });
});
