import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { UserError } from "../../src/common/errors.js";
import { explore } from "../../src/explore/explorer.js";
import { parseObjectives } from "../../src/explore/objectives.js";
import { checkResumable } from "../../src/explore/resume.js";
import { Study } from "../../src/search/index.js";
import { writeLoanCsv } from "./csv-fixture.js";

const directory = mkdtempSync(join(tmpdir(), "equipoise-resume-"));
after(() => rmSync(directory, { recursive: true, force: true }));

const run = (data: string, study: string, splitSeed = 0) =>
  explore({
    request: { data, target: "approved", sensitive: ["group"], positive: "yes", seed: splitSeed },
    objectives: parseObjectives(undefined),
    constraints: [],
    strategy: "random",
    budget: 1,
    workers: 1,
    seed: 5,
    studyPath: study,
  });

test("resuming is refused, naming the cause, when the data file was edited in place or the split seed changed", async () => {
  const csv = join(directory, "loans.csv");
  writeLoanCsv(csv);
  const study = join(directory, "loans.db");
  await run(csv, study);
  const reader = await Study.openReadOnly(study);
  const stored = reader.metadata as { splitSeed: number; validationSeed: number; fingerprint: string };
  await reader.close();
  assert.equal(stored.splitSeed, 0, "the train/test split seed (--split-seed), not the study seed");
  assert.equal(stored.validationSeed, 5);
  assert.match(stored.fingerprint, /^[0-9a-f]{64}$/);

  // The same file again: resumed (nothing to do, the budget is spent).
  const again = await run(csv, study);
  assert.equal(again.summary.trials.total, 1);

  // Another --split-seed: the train/test split would differ.
  await assert.rejects(
    run(csv, study, 1),
    (e: unknown) =>
      e instanceof UserError &&
      /was made with --split-seed 0, not 1: the train\/test split would differ/.test(e.message),
  );

  // One value edited in place: same file name, same number of rows.
  const original = readFileSync(csv, "utf8");
  const lines = original.split("\n");
  const cells = lines[10].split(",");
  cells[2] = String(Number(cells[2]) + 1);
  lines[10] = cells.join(",");
  writeFileSync(csv, lines.join("\n"));
  assert.equal(lines.length, original.split("\n").length);
  await assert.rejects(
    run(csv, study),
    (e: unknown) =>
      e instanceof UserError &&
      /^the data file loans\.csv changed since the study .*loans\.db was created \(fingerprint [0-9a-f]{8}… ≠ [0-9a-f]{8}…\)$/.test(
        e.message,
      ) &&
      e.message.includes(stored.fingerprint.slice(0, 8)),
  );
  const after = await Study.openReadOnly(study);
  assert.equal((await after.trials()).length, 1, "the refused runs added nothing");
  await after.close();
});

test("checkResumable names the data set, and refuses studies made before fingerprints were recorded", () => {
  const current = {
    dataset: "adult",
    dataLabel: "the data set adult",
    splitSeed: 0,
    fingerprint: "ab".repeat(32),
  };
  const stored = { kind: "equipoise-explorer", dataset: "adult", splitSeed: 0, fingerprint: "ab".repeat(32) };
  checkResumable(stored, current, "a.db");
  assert.throws(
    () => checkResumable({ ...stored, dataset: "compas" }, current, "a.db"),
    /made on the data set 'compas', not 'adult'/,
  );
  assert.throws(
    () => checkResumable({ ...stored, fingerprint: undefined }, current, "a.db"),
    /did not record a fingerprint of its data, so it cannot be resumed safely/,
  );
  assert.throws(
    () => checkResumable({ ...stored, fingerprint: "cd".repeat(32) }, current, "a.db"),
    /: the data set adult changed since the study a.db was created \(fingerprint cdcdcdcd… ≠ abababab…\)$/,
  );
  assert.throws(
    () => checkResumable({ problem: "zdt" }, current, "a.db"),
    /not one made by 'equipoise explore'/,
  );
});
