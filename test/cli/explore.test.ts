/**
 * `equipoise explore` as a user runs it: outputs checked before any work, inputs
 * never overwritten, and the privacy notes printed in every output mode.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { isOneLineError, runCli } from "../helpers/cli.js";

const directory = mkdtempSync(join(tmpdir(), "equipoise-explore-cli-"));
after(() => rmSync(directory, { recursive: true, force: true }));

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

// A small data file the refusals can name; nothing ever trains on it.
const dataFile = join(directory, "people.csv");
writeFileSync(
  dataFile,
  `age,group,label\n${Array.from({ length: 40 }, (_, i) => `${20 + i},${i % 2 ? "a" : "b"},${i % 3 ? 1 : 0}`).join("\n")}\n`,
);
const fileArgs = ["--data", dataFile, "--target", "label", "--sensitive", "group", "--budget", "2"];

/** Refused before any work: exit 2, one line, no training note, no study written. */
function assertRefusedBeforeWork(result: ReturnType<typeof runCli>, message: RegExp) {
  assert.equal(result.code, 2, result.stderr);
  assert.ok(isOneLineError(result), result.stderr);
  assert.match(result.stderr, message);
  assert.doesNotMatch(result.stderr, /training|trial/);
  assert.equal(result.stdout, "");
}

describe("explore checks its outputs before any work", () => {
  test("--report in a missing directory fails at once, before any training or study", () => {
    const study = join(directory, "never.db");
    const result = runCli([
      "explore",
      ...fileArgs,
      "--study",
      study,
      "--report",
      join(directory, "no", "such", "dir", "r.html"),
    ]);
    assertRefusedBeforeWork(result, /--report: the directory .*no\/such\/dir does not exist/);
    assert.equal(existsSync(study), false, "no study was created");
  });

  test("--report or --study naming a directory", () => {
    const folder = join(directory, "a-folder");
    mkdirSync(folder);
    assertRefusedBeforeWork(
      runCli(["explore", ...fileArgs, "--report", folder]),
      /--report: .*a-folder is a directory; give a file name/,
    );
    assertRefusedBeforeWork(
      runCli(["explore", ...fileArgs, "--study", folder]),
      /--study: .*a-folder is a directory; give a file name/,
    );
  });

  test("--report naming the study or the data file, or --study naming the data file, is refused and both stay intact", () => {
    const study = join(directory, "existing.db");
    writeFileSync(study, "stands in for a study: must come out byte-identical");
    const before = { study: sha256(study), data: sha256(dataFile) };
    const cases: [string[], RegExp][] = [
      [["--study", study, "--report", study], /--report .*existing\.db is also an input of this command/],
      [["--report", dataFile], /--report .*people\.csv is also an input of this command/],
      [["--study", dataFile], /--study .*people\.csv is also an input of this command/],
      [
        ["--study", join(directory, "new.db"), "--report", join(directory, "new.db")],
        /--report .*new\.db is also an input of this command/,
      ],
    ];
    for (const [extra, message] of cases) {
      assertRefusedBeforeWork(runCli(["explore", ...fileArgs, ...extra]), message);
    }
    assert.deepEqual({ study: sha256(study), data: sha256(dataFile) }, before);
    assert.equal(existsSync(join(directory, "new.db")), false);
  });
});

describe("explore --private-selection and --epsilon go together", () => {
  test("either one alone, or with an adaptive strategy, is one clear line before any work", () => {
    const base = ["explore", "--data", "synthetic", "--sensitive", "group", "--budget", "2"];
    const cases: [string[], RegExp][] = [
      [["--private-selection"], /--private-selection needs --epsilon E/],
      [["--epsilon", "3"], /--epsilon applies to --private-selection/],
      [["--private-selection", "--epsilon", "3", "--strategy", "bo"], /random/],
    ];
    for (const [extra, message] of cases) {
      const result = runCli([...base, ...extra]);
      assert.ok(isOneLineError(result), `${extra.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });
});

describe("explore prints what ε covers", () => {
  test("text output, the HTML report and --json all carry the corrected privacy notes", () => {
    const study = join(directory, "german.db");
    const report = join(directory, "german.html");
    const args = [
      "explore",
      "--data",
      "german-credit",
      "--sensitive",
      "personal_status",
      "--budget",
      "3",
      "--workers",
      "1",
      "--strategy",
      "random",
      "--study",
      study,
    ];
    const text = runCli([...args, "--report", report]);
    assert.equal(text.code, 0, text.stderr);
    const stdout = text.stdout.replace(/\s+/g, " ");
    assert.match(stdout, /What ε covers \(privacy notes\):/);
    assert.match(stdout, /covers that one trial's training on the training part/);
    assert.match(
      stdout,
      /Choosing among trials is not covered by any ε\. All 3 complete trials \(\d of them non-private\) and the non-private reference model are trained on the same training rows/,
    );
    assert.match(stdout, /Liu & Talwar 2019; Papernot & Steinke 2022/);
    assert.match(stdout, /no trial's model is for release/);
    assert.match(stdout, /retrain the recipe you choose with `equipoise train --dp`/);
    assert.match(stdout, /use private selection \(`equipoise explore --private-selection --epsilon E`\)/);

    const html = readFileSync(report, "utf8");
    assert.match(html, /Liu &amp; Talwar 2019/);
    // The run that made the report knows its workers and backend.
    assert.match(html, /<dt>workers<\/dt><dd>1 \(at most 1 trial ran at once\)<\/dd>/);
    assert.match(html, /<dt>backend<\/dt><dd>(wasm|cpu|tensorflow)<\/dd>/);
    assert.deepEqual(
      readdirSync(directory).filter((name) => name.endsWith(".tmp")),
      [],
      "the atomic write left no temporary file",
    );

    // Resuming a finished study trains nothing and prints the same notes as JSON.
    const json = runCli([...args, "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const doc = JSON.parse(json.stdout);
    assert.equal(doc.trials.complete, 3);
    assert.ok(doc.privacyNotes.some((note: string) => /Papernot & Steinke 2022/.test(note)));
    assert.ok(doc.privacyNotes.some((note: string) => /validation split/.test(note)));
  });
});
