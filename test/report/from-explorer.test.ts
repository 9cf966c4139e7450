import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { peakConcurrentTrials } from "../../src/report/from-explorer.js";
import { renderHtmlReport, renderJsonReport, reportDataFromJson } from "../../src/report/index.js";
import { studyFixture } from "./fixture.js";

describe("peakConcurrentTrials", () => {
  const trial = (startedAt: number | null, finishedAt: number | null) => ({ startedAt, finishedAt });

  test("counts the trials whose intervals overlap, touching ends excluded", () => {
    assert.equal(peakConcurrentTrials([]), 0);
    // One worker: each trial starts when the previous one ends.
    assert.equal(peakConcurrentTrials([trial(0, 10), trial(10, 20), trial(20, 25)]), 1);
    // Three workers, staggered: at t = 6 all three run.
    assert.equal(peakConcurrentTrials([trial(0, 10), trial(2, 7), trial(5, 12), trial(11, 15)]), 3);
    // Unfinished or never started trials have no interval.
    assert.equal(peakConcurrentTrials([trial(0, 10), trial(1, null), trial(null, null)]), 1);
  });

  test("matches a brute-force count over every instant", () => {
    const intervals = [trial(3, 9), trial(1, 4), trial(4, 6), trial(8, 12), trial(5, 8), trial(0, 2)];
    let brute = 0;
    for (let t = 0; t <= 12; t += 0.5) {
      brute = Math.max(brute, intervals.filter((i) => i.startedAt! <= t && t < i.finishedAt!).length);
    }
    assert.equal(peakConcurrentTrials(intervals), brute);
  });
});

describe("settings a study file does not record", () => {
  const data = studyFixture({ trials: 6 });
  data.settings = { ...data.settings, workers: null, backend: null, peakConcurrentTrials: 3 };

  test("the HTML says 'not recorded' instead of 0 or a blank", () => {
    const html = renderHtmlReport(data);
    assert.match(
      html,
      /<dt>workers<\/dt><dd>not recorded in the study \(at most 3 trials ran at once\)<\/dd>/,
    );
    assert.match(html, /<dt>backend<\/dt><dd>not recorded in the study<\/dd>/);
  });

  test("the JSON round-trips the nulls", () => {
    const back = reportDataFromJson(JSON.parse(renderJsonReport(data)));
    assert.deepEqual(back.settings, data.settings);
  });

  test("a known worker count is shown as it is", () => {
    const known = studyFixture({ trials: 6 });
    assert.match(renderHtmlReport(known), /<dt>workers<\/dt><dd>2<\/dd>/);
  });
});
