import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { prepareTask } from "../../src/data/index.js";
import {
  exampleDocument,
  fairnessDocument,
  influenceDocument,
  looDocument,
  mislabelsDocument,
  valuesDocument,
} from "../../src/explain/documents.js";
import type { ExplainableModel } from "../../src/explain/model.js";
import { type ExplainData, explainData, fitSpec } from "../../src/explain/prepare.js";
import { renderExplanationFragment } from "../../src/explain/report/html.js";
import { type ExplanationDocument, explanationSchema } from "../../src/explain/report/schema.js";

let data: ExplainData;
let model: ExplainableModel;
before(async () => {
  data = explainData(await prepareTask({ data: "german-credit" }));
  model = fitSpec(data.train, { family: "logistic-regression", C: 1 });
});

function checkRendered(doc: ExplanationDocument): void {
  explanationSchema.parse(JSON.parse(JSON.stringify(doc)));
  const html = renderExplanationFragment(doc);
  assert.match(html, /^<section class="eq-explain">/);
  assert.ok(html.endsWith("</section>"));
  assert.doesNotMatch(html, /undefined|NaN/);
}

describe("explanation documents: valid against their schema, rendered as HTML fragments", () => {
  it("example, influence and leave-one-out", async () => {
    checkRendered(exampleDocument(data, model, { testRow: 5, method: "exact", top: 3 }));
    checkRendered(
      influenceDocument(data, model, { method: "ekfac", testRows: [0, 1], trainRows: [0, 1, 2, 3] }),
    );
    checkRendered(await looDocument(data, model, { testRows: [0, 1], trainRows: [0, 1, 2, 3] }));
  });

  it("values with removal curves measured on held-out test rows", async () => {
    const doc = await valuesDocument(data, model, {
      method: "knn-shapley",
      testRows: Array.from({ length: 100 }, (_, i) => i),
      curves: true,
    });
    assert.equal(doc.removalCurves?.length, 3);
    assert.match(doc.curveRows ?? "", /200 test rows not used for valuation/);
    checkRendered(doc);
    const tmc = await valuesDocument(data, model, {
      method: "banzhaf",
      budget: 100,
      testRows: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    });
    assert.equal(tmc.convergence.converged, false);
    assert.match(tmc.warnings[0], /not converged after 100 samples/);
    checkRendered(tmc);
  });

  it("fairness and mislabels; a row or an attribute that does not exist is one clear error", () => {
    checkRendered(
      fairnessDocument(data, model, {
        attribute: "sex",
        constraint: "equalized_odds",
        looRows: 20,
        patterns: { count: 2 },
      }),
    );
    checkRendered(mislabelsDocument(data, model, { score: "loo-loss", top: 5 }));
    assert.throws(
      () => fairnessDocument(data, model, { attribute: "colour", constraint: "demographic_parity" }),
      /'colour' is not a sensitive attribute .*known: sex, age-group/,
    );
    assert.throws(
      () => influenceDocument(data, model, { method: "exact", testRows: [0, 300] }),
      /row 300 is outside the split/,
    );
  });
});
