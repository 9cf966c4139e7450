import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isOneLineError, runCli } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "equipoise-train-robust-"));
const german = ["--data", "german-credit", "--epochs", "2"];

test("--out naming the data file, a directory or a missing directory fails at once, and the data survives", () => {
  const csv = join(dir, "data.csv");
  const content = `x,label\n${Array.from({ length: 40 }, (_, i) => `${i},${i % 2}`).join("\n")}\n`;
  writeFileSync(csv, content);
  const folder = join(dir, "folder");
  mkdirSync(folder);
  const cases: [string, RegExp][] = [
    [csv, /--out .* is also an input of this command/],
    [folder, /--out: .* is a directory/],
    [join(dir, "missing", "m.json"), /--out: the directory .* does not exist/],
  ];
  for (const [out, message] of cases) {
    const result = runCli(["train", "--data", csv, "--target", "label", "--out", out]);
    assert.ok(isOneLineError(result), result.stderr);
    assert.equal(result.code, 2);
    assert.match(result.stderr, message);
    // Refused before any work: no progress line was written.
    assert.doesNotMatch(result.stderr, /train:/);
  }
  assert.equal(readFileSync(csv, "utf8"), content);
});

test("the progress line counts the steps of short epochs (not 0/0)", () => {
  // german-credit: 700 training rows in batches of 256 → 3 batches per epoch, fewer than
  // the 10 between batch events, so only the epoch events can report progress.
  const result = runCli(["train", ...german, "--batch", "256", "--out", join(dir, "short.json")]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /train: 6\/6 epoch 2 loss \d/);
  assert.doesNotMatch(result.stderr, /0\/0/);
});

// A noise std σ·C that overflows is refused before training: test/privacy/clip-and-noise.test.ts.
test("training that diverges stops with one line: a huge learning rate, a huge clipping norm", () => {
  const cases: [string[], RegExp][] = [
    [
      ["--lr", "1e308"],
      /^training diverged: the loss is not finite at epoch 1 \(learning rate 1e\+308 too large\?\)$/,
    ],
    [
      ["--dp", "--noise", "1", "--clip", "1e308", "--dp-seed", "1"],
      /^training diverged: the parameters are not finite at epoch 1 \(learning rate 0\.01 or clipping norm 1e\+308 too large\?\)$/,
    ],
  ];
  for (const [args, message] of cases) {
    const result = runCli(["train", ...german, ...args, "--out", join(dir, "diverged.json")], {
      timeoutMs: 120_000,
    });
    assert.ok(isOneLineError(result), `${args.join(" ")}: ${result.stderr}`);
    assert.equal(result.code, 1, args.join(" "));
    assert.match(result.stderr.trim().replace(/^equipoise: /, ""), message);
  }
});
