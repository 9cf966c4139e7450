import assert from "node:assert/strict";
import { test } from "node:test";
import { isOneLineError, runCli } from "../helpers/cli.js";

test("privacy epsilon --json (rdp): the documented fields and Opacus's value", () => {
  const result = runCli([
    "privacy",
    "epsilon",
    "--sample-rate",
    "1/118",
    "--noise",
    "1",
    "--steps",
    "1180",
    "--json",
  ]);
  assert.equal(result.code, 0, result.stderr);
  const doc = JSON.parse(result.stdout);
  assert.equal(doc.accountant, "rdp");
  assert.ok(Math.abs(doc.epsilon - 1.916115075838236) < 1e-6 * 1.916);
  assert.equal(doc.delta, 1e-5);
  assert.equal(doc.steps, 1180);
  assert.ok(Math.abs(doc.sampleRate - 1 / 118) < 1e-15);
  assert.equal(typeof doc.order, "number");
});

test("privacy noise --json (prv): achieved epsilon <= target, with the error bound reported by epsilon", () => {
  const noise = runCli([
    "privacy",
    "noise",
    "--sample-rate",
    "0.01",
    "--epsilon",
    "2",
    "--steps",
    "1000",
    "--accountant",
    "prv",
    "--json",
  ]);
  assert.equal(noise.code, 0, noise.stderr);
  const doc = JSON.parse(noise.stdout);
  assert.ok(doc.epsilon <= 2 && doc.epsilon > 1.99 && doc.noise > 0.5 && doc.noise < 1.5);
  const check = runCli([
    "privacy",
    "epsilon",
    "--sample-rate",
    "0.01",
    "--noise",
    String(doc.noise),
    "--steps",
    "1000",
    "--accountant",
    "prv",
    "--json",
  ]);
  const spent = JSON.parse(check.stdout);
  assert.equal(spent.epsilon, doc.epsilon);
  assert.equal(spent.epsilonError, 0.01);
  assert.ok(spent.estimate < spent.upperBound);
});

test("bad inputs: one clear line each, exit 2 for usage, exit 1 for an unreachable target", () => {
  const cases: [string[], RegExp, number][] = [
    [["--sample-rate", "0", "--noise", "1", "--steps", "10"], /--sample-rate must be > 0/, 2],
    [["--sample-rate", "1.2", "--noise", "1", "--steps", "10"], /--sample-rate must be ≤ 1/, 2],
    [["--sample-rate", "0.1", "--noise=-1", "--steps", "10"], /--noise must be > 0/, 2],
    [["--sample-rate", "0.1", "--noise", "1", "--steps", "10", "--delta", "0"], /--delta must be > 0/, 2],
    [["--sample-rate", "0.1", "--noise", "1", "--steps", "1.5"], /--steps must be a whole number/, 2],
  ];
  for (const [args, message, code] of cases) {
    const result = runCli(["privacy", "epsilon", ...args]);
    assert.equal(result.code, code, result.stderr);
    assert.ok(isOneLineError(result) && message.test(result.stderr), result.stderr);
  }
  const unreachable = runCli([
    "privacy",
    "noise",
    "--sample-rate",
    "0.01",
    "--epsilon",
    "0.01",
    "--steps",
    "1000",
  ]);
  assert.equal(unreachable.code, 1);
  assert.ok(isOneLineError(unreachable) && /cannot be reached/.test(unreachable.stderr));
});
