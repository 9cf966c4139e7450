import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { UserError } from "../../src/common/errors.js";
import {
  type ReportData,
  renderHtmlReport,
  renderJsonReport,
  reportDataFromJson,
} from "../../src/report/index.js";
import { privacyCostHtml } from "../../src/report/privacy-cost.js";
import { studyFixture } from "./fixture.js";

function embeddedJson(html: string): { trials: ReportData["trials"]; initialTrial: number | null } {
  const match = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(match, "the data script tag is present");
  return JSON.parse(match[1]);
}

function markersOf(html: string, svgId: string): { all: number; pareto: number } {
  const match = new RegExp(`<svg[^>]*id="${svgId}"[\\s\\S]*?</svg>`).exec(html);
  assert.ok(match, `${svgId} is present`);
  return {
    all: (match[0].match(/<circle class="marker /g) ?? []).length,
    pareto: (match[0].match(/<circle class="marker pareto"/g) ?? []).length,
  };
}

const PROJECTIONS = ["projection-accuracy-epsilon", "projection-accuracy-gap", "projection-epsilon-gap"];

describe("renderHtmlReport", () => {
  const data = studyFixture();
  const html = renderHtmlReport(data);
  const complete = data.trials.filter((trial) => trial.state === "complete");
  const pareto = complete.filter((trial) => trial.onPareto);

  test("the fixture covers the cases the report must handle", () => {
    assert.ok(complete.some((trial) => trial.validation!.epsilon === Number.POSITIVE_INFINITY));
    assert.ok(data.trials.some((trial) => trial.state === "failed"));
    assert.ok(pareto.length > 1 && pareto.length < complete.length);
  });

  test("embeds every trial as JSON, non-private epsilon as the string Infinity", () => {
    const embedded = embeddedJson(html);
    assert.deepEqual(
      embedded.trials.map((trial) => trial.number),
      data.trials.map((trial) => trial.number),
    );
    const nonPrivate = complete.find((trial) => trial.validation!.epsilon === Number.POSITIVE_INFINITY)!;
    const copy = embedded.trials.find((trial) => trial.number === nonPrivate.number)!;
    assert.equal(copy.validation!.epsilon as unknown, "Infinity");
    const best = pareto.reduce((a, b) => (b.validation!.accuracy > a.validation!.accuracy ? b : a));
    assert.equal(embedded.initialTrial, best.number);
  });

  test("draws one marker per complete trial in each projection, Pareto trials marked", () => {
    for (const id of PROJECTIONS) {
      assert.deepEqual(markersOf(html, id), { all: complete.length, pareto: pareto.length });
    }
  });

  test("lists exactly the Pareto trials in the Pareto table", () => {
    const table = /<table class="data" id="pareto-trials">([\s\S]*?)<\/table>/.exec(html)![1];
    const rows = [...table.matchAll(/<tr data-trial="(\d+)"/g)].map((match) => Number(match[1]));
    assert.deepEqual(
      rows.sort((a, b) => a - b),
      pareto.map((trial) => trial.number).sort((a, b) => a - b),
    );
  });

  test("makes no reference to the network", () => {
    assert.doesNotMatch(html, /https?:\/\//i);
    assert.doesNotMatch(html, /<link\b|\bsrc=/i);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  });

  test("escapes </script> and markup in every user-provided string", () => {
    const hostile = "</script><script>alert(1)</script><!--";
    const tampered = studyFixture({ trials: 8 });
    tampered.title = `Study ${hostile}`;
    tampered.privacyNotes = [hostile];
    tampered.trials[0].params.model = hostile;
    tampered.trials[0].error = hostile;
    const page = renderHtmlReport(tampered);
    // Only the two script elements of the page itself are closed.
    assert.equal(page.match(/<\/script>/gi)!.length, 2);
    assert.doesNotMatch(page, /<script>alert/);
    assert.match(page, /<h1>Study &lt;\/script&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;&lt;!--<\/h1>/);
    const embedded = embeddedJson(page);
    assert.equal(embedded.trials[0].params.model, hostile);
    assert.equal(embedded.trials[0].error, hostile);
  });

  test("renders a study with no trials", () => {
    const empty: ReportData = {
      ...studyFixture({ trials: 3 }),
      trials: [],
      hypervolumeHistory: [],
      finalHypervolume: { validation: 0 },
    };
    const page = renderHtmlReport(empty);
    for (const id of PROJECTIONS) assert.deepEqual(markersOf(page, id), { all: 0, pareto: 0 });
    assert.match(page, /No trial is on the Pareto front yet/);
    assert.equal(embeddedJson(page).initialTrial, null);
  });

  test("renders a study with no Pareto trial (all failed or running)", () => {
    const study = studyFixture({ trials: 6 });
    study.trials = study.trials.map((trial) => ({
      ...trial,
      state: "failed",
      validation: undefined,
      test: undefined,
      onPareto: false,
    }));
    const page = renderHtmlReport(study);
    assert.match(page, /No trial is on the Pareto front yet/);
    assert.deepEqual(markersOf(page, PROJECTIONS[0]), { all: 0, pareto: 0 });
  });

  test("renders complete trials none of which is marked Pareto, selecting the most accurate", () => {
    const study = studyFixture({ trials: 10 });
    for (const trial of study.trials) trial.onPareto = false;
    const page = renderHtmlReport(study);
    const plotted = study.trials.filter((trial) => trial.state === "complete");
    assert.deepEqual(markersOf(page, PROJECTIONS[1]), { all: plotted.length, pareto: 0 });
    const best = plotted.reduce((a, b) => (b.validation!.accuracy > a.validation!.accuracy ? b : a));
    assert.equal(embeddedJson(page).initialTrial, best.number);
  });

  test("rejects a complete trial without validation metrics, naming it", () => {
    const study = studyFixture({ trials: 4 });
    const trial = study.trials.find((candidate) => candidate.state === "complete")!;
    trial.validation = undefined;
    assert.throws(
      () => renderHtmlReport(study),
      (error: unknown) => {
        return error instanceof UserError && error.message.includes(`trial ${trial.number}`);
      },
    );
  });
});

describe("renderJsonReport / reportDataFromJson", () => {
  test("round-trips a study, Infinity and NaN included", () => {
    const data = studyFixture({ trials: 20 });
    const complete = data.trials.find((trial) => trial.state === "complete")!;
    complete.validation!.perGroup.sex.Female.tpr = Number.NaN;
    const text = renderJsonReport(data);
    assert.match(text, /"epsilon": "Infinity"/);
    const back = reportDataFromJson(JSON.parse(text));
    assert.deepEqual(back, data);
  });

  test("round-trips the cost-of-privacy section, so the HTML rendered from the JSON still shows it", () => {
    const data = studyFixture({ trials: 6 });
    data.privacyCost = {
      attribute: "sex",
      split: "test",
      trials: [
        {
          trial: 3,
          epsilon: 1.5,
          disparity: 0.021,
          groups: [
            {
              group: "Female",
              count: 120,
              privateAccuracy: 0.9,
              matchedAccuracy: 0.91,
              accuracyCost: 0.01,
              tprChange: Number.NaN,
              fprChange: -0.002,
              selectionRateChange: 0.004,
            },
          ],
        },
      ],
      unmeasured: [5],
      note: "not covered by epsilon",
    };
    const back = reportDataFromJson(JSON.parse(renderJsonReport(data)));
    assert.deepEqual(back.privacyCost, data.privacyCost);
    // The page embeds the data (key order may differ); the section's table must be there.
    assert.ok(renderHtmlReport(data).includes(privacyCostHtml(data.privacyCost)));
    assert.ok(renderHtmlReport(back).includes(privacyCostHtml(data.privacyCost)));
  });

  test("reads a null epsilon as non-private", () => {
    const data = studyFixture({ trials: 6 });
    const document = JSON.parse(renderJsonReport(data));
    const index = data.trials.findIndex((trial) => trial.state === "complete");
    document.trials[index].validation.epsilon = null;
    assert.equal(reportDataFromJson(document).trials[index].validation!.epsilon, Number.POSITIVE_INFINITY);
  });

  test("names the first invalid field", () => {
    const document = JSON.parse(renderJsonReport(studyFixture({ trials: 3 })));
    document.trials[1].state = "exploded";
    assert.throws(() => reportDataFromJson(document), /invalid report data at trials\.1\.state/);
  });
});
