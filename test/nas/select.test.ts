/**
 * The selected architecture is the best small member of the front, and the reason says when
 * it does not beat the reference: the Colored Fashion-MNIST run selected a 930-parameter net
 * with validation worst-group accuracy 0 against the reference's 0.01.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { BiasCharacterisation, NasTrialSummary } from "../../src/nas/schema.js";
import { selectAgainstReference } from "../../src/nas/search.js";

const trial = (number: number, parameters: number, worstGroup: number, bias: number) =>
  ({
    number,
    cost: { parameters },
    objectives: [worstGroup, bias, parameters],
  }) as unknown as NasTrialSummary;
const reference = (worstGroup: number) => ({
  cost: { parameters: 20_778 } as never,
  validation: { worstGroupAccuracy: worstGroup } as BiasCharacterisation,
});
const objectives = ["worst-group", "bias", "params"] as const;

test("the best small front member is selected, with no caveat when it beats the reference", () => {
  const trials = [trial(1, 31_850, 0.5, 0.7), trial(2, 930, 0.3, 0.1), trial(3, 5_000, 0.4, 0.3)];
  const selected = selectAgainstReference(trials, [1, 2, 3], [...objectives], reference(0.2));
  assert.equal(selected?.number, 3);
  assert.doesNotMatch(selected!.reason, /does not beat/);
});

test("the reason says when the selected architecture is no better than the reference", () => {
  const trials = [trial(15, 31_850, 0.04, 0.776), trial(16, 930, 0, 0.085)];
  const selected = selectAgainstReference(trials, [15, 16], [...objectives], reference(0.01));
  assert.equal(selected?.number, 16);
  assert.match(selected!.reason, /does not beat the reference \(0 against the reference's 0\.01\)/);
});

test("no front member as small as the reference: nothing is selected", () => {
  const selected = selectAgainstReference([trial(1, 31_850, 0.5, 0.7)], [1], [...objectives], reference(0.2));
  assert.equal(selected, null);
});
