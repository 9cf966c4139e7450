/**
 * A worker joining a study runs the study's experiment, never one of its own: the
 * settings that define it (interplay levers, locally private sensitive attributes,
 * whether each trial fits its matched model, a private selection's drawn trials) come
 * from the study, and a study made with any of them can be joined.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { joinStudyOptions } from "../../src/explore/join.js";
import { openStudyStore } from "../../src/search/index.js";
import { runHere } from "../helpers/cli-in-process.js";

const dir = mkdtempSync(join(tmpdir(), "equipoise-join-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const base = ["--data", "synthetic", "--sensitive", "group", "--workers", "0", "--json"];

async function createStudy(name: string, extra: string[]): Promise<string> {
  const study = join(dir, `${name}.db`);
  const created = await runHere(["explore", ...base, "--study", study, ...extra]);
  assert.equal(created.code, 0, created.stderr);
  return study;
}

describe("joining a study", () => {
  it("a study made with the interplay levers is joined with them, and its trials choose a private method", async () => {
    const study = await createStudy("levers", ["--budget", "3", "--interplay-levers"]);
    const options = await joinStudyOptions({ location: study });
    assert.equal(options.interplayLevers, true);
    const worker = await runHere(["worker", "--study", study, "--workers", "1", "--json"]);
    assert.equal(worker.code, 0, worker.stderr);
    assert.equal(JSON.parse(worker.stdout).trials.complete, 3);
    const store = await openStudyStore(study, { readOnly: true });
    try {
      const trials = await store.trials();
      assert.ok(
        trials.every((trial) => typeof trial.config.privateMethod === "string"),
        "every trial of the levers' space has a private method",
      );
    } finally {
      await store.close();
    }
  });

  it("locally private sensitive attributes and a skipped matched model are the study's, not the worker's", async () => {
    const ldp = await joinStudyOptions({
      location: await createStudy("ldp", ["--budget", "2", "--sensitive-ldp", "1"]),
    });
    assert.equal(ldp.sensitiveLdp, 1);
    const skipped = await joinStudyOptions({
      location: await createStudy("skip", ["--budget", "2", "--skip-privacy-cost"]),
    });
    assert.equal(skipped.privacyCost, false);
    const plain = await joinStudyOptions({ location: await createStudy("plain", ["--budget", "2"]) });
    assert.equal(plain.interplayLevers, undefined);
    assert.equal(plain.sensitiveLdp, undefined);
    assert.equal(plain.privacyCost, true);
  });

  it("a private selection is joined for its drawn trials; another budget is refused in one line", async () => {
    const study = await createStudy("selection", [
      "--budget",
      "3",
      "--private-selection",
      "--epsilon",
      "4",
      "--strategy",
      "random",
    ]);
    const options = await joinStudyOptions({ location: study });
    assert.deepEqual(options.privateSelection, { epsilon: 4 });
    assert.equal(options.budget, 3, "the mean the trials were drawn for");
    const worker = await runHere(["worker", "--study", study, "--workers", "1", "--json"]);
    assert.equal(worker.code, 0, worker.stderr);
    const store = await openStudyStore(study, { readOnly: true });
    try {
      const drawn = await store.budget();
      assert.equal((await store.trials()).length, drawn, "exactly the drawn number of trials");
    } finally {
      await store.close();
    }
    const refused = await runHere(["worker", "--study", study, "--budget", "99"]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /private selection of \d+ trials drawn at random.*drop --budget/);
  });
});
