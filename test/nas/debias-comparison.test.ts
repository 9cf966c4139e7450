/**
 * The verdict of "architecture or debiasing?" follows the numbers: gains measured against
 * the plain reference on the test split, the 10-point bar applied to each.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { compareWithDebiasing, MEANINGFUL_GAIN } from "../../src/nas/debias-comparison.js";
import type { ArchitectureRun, NasTrialSummary } from "../../src/nas/schema.js";

const run = (method: string, conflicting: number) =>
  ({
    debias: { method },
    cost: { parameters: 20_778 },
    seconds: 1,
    test: { conflictingAccuracy: conflicting, worstGroupAccuracy: conflicting / 2 },
  }) as unknown as ArchitectureRun;
const trial = (conflicting: number) =>
  ({
    number: 16,
    cost: { parameters: 930 },
    test: { conflictingAccuracy: conflicting, worstGroupAccuracy: 0 },
  }) as unknown as NasTrialSummary;

test("Colored Fashion-MNIST's case: architecture alone falls short, group reweighting clears the bar", () => {
  const comparison = compareWithDebiasing("biased", run("none", 0.1505), trial(0.12), [
    run("reweight", 0.371),
    run("group-dro", 0.25),
    run("lff", 0.148),
  ]);
  assert.equal(comparison.metric, "conflictingAccuracy");
  assert.deepEqual(comparison.selected, { number: 16, parameters: 930, value: 0.12 });
  assert.match(
    comparison.verdict,
    /changes the test bias-conflicting accuracy by −3\.0 points .* does not gain 10 points/,
  );
  assert.match(
    comparison.verdict,
    /reweight \+22\.1, group-dro \+10\.0, lff −0\.3 points; reweight and group-dro gain 10 points or more/,
  );
});

test("an architecture that gains 10 points is said to, and no debiasing method that does not", () => {
  const comparison = compareWithDebiasing("biased", run("none", 0.15), trial(0.15 + MEANINGFUL_GAIN + 0.01), [
    run("jtt", 0.16),
  ]);
  assert.match(comparison.verdict, /by \+11\.0 points .* so it does gain 10 points/);
  assert.match(comparison.verdict, /none gains 10 points \(the best is jtt\)/);
});

test("fairness benchmarks compare worst-group accuracy; no small front member is said plainly", () => {
  const comparison = compareWithDebiasing("fairness", run("none", 0.6), undefined, [run("reweight", 0.7)]);
  assert.equal(comparison.metric, "worstGroupAccuracy");
  assert.equal(comparison.reference, 0.3);
  assert.equal(comparison.selected, null);
  assert.match(comparison.verdict, /no architecture on the front is as small as the reference/);
  assert.match(comparison.verdict, /reweight \+5\.0 points; none gains/);
});
