import assert from "node:assert/strict";
import { test } from "node:test";
import { modelMetrics } from "../../src/fit/metrics.js";
import { privacyCostOfTrial, summarisePrivacyCost } from "../../src/interplay/cost.js";
import { interplayDocument } from "../../src/interplay/document.js";
import { escapeHtml, renderInterplayHtml } from "../../src/interplay/html.js";
import { bootstrapMeanInterval } from "../../src/interplay/intervals.js";
import type { InterplayStudy } from "../../src/interplay/study.js";

test("the HTML fragment shows every group's cost and the bound, escapes names and loads nothing", () => {
  const sensitive = [{ name: "sex", categories: ["<b>M</b>", "F&co"], codes: Int32Array.from([0, 0, 1, 1]) }];
  const y = [1, 0, 1, 0];
  const matched = modelMetrics(y, y, sensitive, 0, Infinity);
  const trial = privacyCostOfTrial(modelMetrics(y, [1, 0, 0, 0], sensitive, 0, 1), matched, "sex");
  const i = bootstrapMeanInterval([0.5]);
  const study: InterplayStudy = {
    data: "toy",
    attribute: "sex",
    groups: sensitive[0].categories,
    trainGroupCounts: [2, 2],
    testGroupCounts: [2, 2],
    model: "logreg",
    seeds: [0],
    matched: { accuracy: i, dpDifference: i, eoDifference: i },
    cells: [
      {
        epsilon: 1,
        method: "dp-sgd",
        achievedEpsilon: [1],
        noiseMultiplier: 2,
        cost: summarisePrivacyCost([trial]),
        clipping: [],
        bound: {
          measures: (["dp", "eo", "eop"] as const).map((measure) => ({
            measure,
            bound: i,
            measuredChange: i,
            vacuousSeeds: 1,
          })),
          distance: i,
          notApplicable: [],
          notes: [],
        },
      },
    ],
    notCoveredByEpsilon: ["the test metrics"],
    warnings: [],
  };
  const html = renderInterplayHtml(interplayDocument(study));
  assert.match(html, /&lt;b&gt;M&lt;\/b&gt;/);
  assert.match(html, /F&amp;co/);
  assert.doesNotMatch(html, /<b>M/);
  assert.doesNotMatch(html, /<script|src=|href=/);
  assert.match(html, /vacuous for 1 of 1 seeds/);
  assert.match(html, /Not covered by ε/);
  assert.equal((html.match(/<tr><td>/g) ?? []).length, 2);
  assert.equal(escapeHtml(`"'`), "&quot;&#39;");
});
