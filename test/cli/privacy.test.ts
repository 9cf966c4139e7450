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
  assert.equal(result.stderr, "");
  const doc = JSON.parse(result.stdout);
  assert.equal(doc.accountant, "rdp");
  assert.ok(Math.abs(doc.epsilon - 1.916115075838236) < 1e-6 * 1.916);
  assert.equal(doc.delta, 1e-5);
  assert.equal(doc.steps, 1180);
  assert.ok(Math.abs(doc.sampleRate - 1 / 118) < 1e-15);
  assert.equal(typeof doc.order, "number");
  assert.deepEqual(doc.warnings, []);
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

test("edges end with a number and the caveat on stderr and in --json: huge and tiny noise, δ = 0.95, huge steps", () => {
  const cases: [string[], (doc: { epsilon: number; accountant: string }) => boolean, RegExp][] = [
    [["--noise", "1e9"], (d) => d.epsilon > 0 && d.epsilon < 1e-3, /largest of the grid \(4096\)/],
    [["--noise", "1e-6"], (d) => d.epsilon > 1e14 && Number.isFinite(d.epsilon), /smallest of the grid/],
    [
      ["--noise", "1e-3", "--delta", "0.95", "--accountant", "prv"],
      (d) => d.accountant === "rdp" && Number.isFinite(d.epsilon),
      /PRV accountant would need more than 4194304 grid points/,
    ],
    [
      ["--noise", "1", "--steps", "1000000000000", "--accountant", "prv"],
      (d) => d.accountant === "rdp" && Number.isFinite(d.epsilon),
      /the RDP bound is reported instead/,
    ],
  ];
  for (const [args, check, warning] of cases) {
    const base = ["privacy", "epsilon", "--sample-rate", "0.01", "--steps", "1000"];
    const human = runCli([...base, ...args]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stderr, warning);
    assert.ok(!/\n\s+at /.test(human.stderr));
    assert.match(human.stdout, /^epsilon = /);
    const json = runCli([...base, ...args, "--json"]);
    const doc = JSON.parse(json.stdout);
    assert.ok(check(doc), json.stdout);
    assert.ok(
      doc.warnings.some((w: string) => warning.test(w)),
      json.stdout,
    );
  }
});

test("bad inputs: one clear line each, exit 2 for usage, exit 1 for an unreachable target", () => {
  const cases: [string[], RegExp, number][] = [
    [["--sample-rate", "0", "--noise", "1", "--steps", "10"], /--sample-rate must be > 0/, 2],
    [["--sample-rate", "1.2", "--noise", "1", "--steps", "10"], /--sample-rate must be ≤ 1/, 2],
    [["--sample-rate", "0.1", "--noise=-1", "--steps", "10"], /--noise must be > 0/, 2],
    [["--sample-rate", "0.1", "--noise", "1", "--steps", "10", "--delta", "0"], /--delta must be > 0/, 2],
    [["--sample-rate", "0.1", "--noise", "1", "--steps", "1.5"], /--steps must be a whole number/, 2],
    [
      ["--sample-rate", "0.1", "--noise", "1", "--steps", "1e20"],
      /--steps must be (a whole number )?≤ 9007199254740991/,
      2,
    ],
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
    "0.0001",
    "--steps",
    "100",
  ]);
  assert.equal(unreachable.code, 1);
  assert.ok(isOneLineError(unreachable) && /cannot be reached/.test(unreachable.stderr), unreachable.stderr);
});
