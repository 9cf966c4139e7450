/**
 * `equipoise report` as a user runs it: it only reads the study (byte-identical
 * afterwards, no files created beside it, works in a read-only directory), refuses
 * outputs that would replace it, says what it does not know, and prints the privacy
 * notes in text mode.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { type CliResult, isOneLineError, repoRoot, runCli } from "../helpers/cli.js";

const entry = fileURLToPath(new URL("../../src/cli/entry.ts", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "equipoise-report-cli-"));
chmodSync(root, 0o755); // the read-only test may run the CLI as another user
after(() => {
  chmodSync(root, 0o700);
  for (const name of readdirSync(root)) chmodSync(join(root, name), 0o700);
  rmSync(root, { recursive: true, force: true });
});

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
/** Every file of a directory with its checksum: what "left untouched" means here. */
const snapshot = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((name) => [name, sha256(join(dir, name))]),
  );

const studyDir = join(root, "study");
const outDir = join(root, "out");
mkdirSync(studyDir);
mkdirSync(outDir);
const study = join(studyDir, "german.db");

before(() => {
  const made = runCli([
    "explore",
    "--data",
    "german-credit",
    "--sensitive",
    "personal_status",
    "--budget",
    "2",
    "--workers",
    "1",
    "--strategy",
    "random",
    "--study",
    study,
  ]);
  assert.equal(made.code, 0, made.stderr);
});

function assertOneLine(result: CliResult, code: number, message: RegExp) {
  assert.equal(result.code, code, result.stderr);
  assert.ok(isOneLineError(result), result.stderr);
  assert.match(result.stderr, message);
}

describe("report reads the study and nothing else", () => {
  test("text mode: one summary line, then the privacy notes; the study directory is untouched", () => {
    const before = snapshot(studyDir);
    const out = join(outDir, "report.html");
    const result = runCli(["report", "--study", study, "--out", out]);
    assert.equal(result.code, 0, result.stderr);
    const text = result.stdout.replace(/\s+/g, " ");
    assert.match(text, /^wrote .*report\.html: 2 complete trials/);
    assert.match(text, /What ε covers \(privacy notes\):/);
    assert.match(text, /Choosing among trials is not covered by any ε/);
    assert.match(text, /Liu & Talwar 2019; Papernot & Steinke 2022/);
    assert.match(text, /retrain the recipe you choose with `equipoise train --dp`/);
    assert.deepEqual(snapshot(studyDir), before, "byte-identical, and no -wal/-shm files left beside it");
    assert.deepEqual(readdirSync(outDir), ["report.html"]);
  });

  test("the run's workers and backend come from the study (each trial records its run), never invented; --json carries the notes", () => {
    const out = join(outDir, "report.json");
    const result = runCli(["report", "--study", study, "--out", out, "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const doc = JSON.parse(result.stdout);
    assert.equal(doc.trials.complete, 2);
    assert.ok(doc.privacyNotes.some((note: string) => /not covered by any ε/.test(note)));
    const { settings } = JSON.parse(readFileSync(out, "utf8"));
    assert.equal(settings.workers, 1, "the study ran with --workers 1");
    assert.match(settings.backend, /^(wasm|cpu)$/);
    assert.equal(settings.peakConcurrentTrials, 1, "--workers 1 ran one trial at a time");
    const html = readFileSync(join(outDir, "report.html"), "utf8");
    assert.match(html, /<dt>workers<\/dt><dd>1\b/);
    assert.match(html, /<dt>backend<\/dt><dd>(wasm|cpu)/);
  });
});

describe("report refuses outputs that would replace its input, before reading anything", () => {
  test("--out naming the study, under any spelling, or a directory, or a missing directory", () => {
    const before = snapshot(studyDir);
    const link = join(outDir, "link-to-study.db");
    symlinkSync(study, link);
    for (const out of [study, join(studyDir, "..", "study", "german.db"), link, `${study}-wal`]) {
      assertOneLine(
        runCli(["report", "--study", study, "--out", out]),
        2,
        /--out .* is also an input of this command; refusing to overwrite it/,
      );
    }
    assertOneLine(runCli(["report", "--study", study, "--out", outDir]), 2, /--out: .* is a directory/);
    assertOneLine(
      runCli(["report", "--study", study, "--out", join(root, "missing", "r.html")]),
      2,
      /--out: the directory .*missing does not exist/,
    );
    assert.deepEqual(snapshot(studyDir), before);
  });

  test("a file that is not a study is refused in one line and left byte-identical, with nothing beside it", () => {
    const strangers = join(root, "strangers");
    mkdirSync(strangers);
    const sqlite = join(strangers, "people.sqlite");
    const db = new Database(sqlite);
    db.exec("CREATE TABLE people (name TEXT); INSERT INTO people VALUES ('Ada');");
    db.close();
    writeFileSync(join(strangers, "empty.db"), "");
    writeFileSync(join(strangers, "notes.txt"), "not a database\n");
    const before = snapshot(strangers);
    const expected: [string, RegExp][] = [
      ["people.sqlite", /people\.sqlite is not an Equipoise study \(it has the tables people\)/],
      ["empty.db", /empty\.db is empty, not an Equipoise study/],
      ["notes.txt", /notes\.txt is not an Equipoise study \(not an SQLite file\)/],
    ];
    for (const [name, message] of expected) {
      assertOneLine(
        runCli(["report", "--study", join(strangers, name), "--out", join(outDir, "x.html")]),
        1,
        message,
      );
    }
    assert.deepEqual(snapshot(strangers), before);
  });
});

/**
 * Runs the CLI as a user without write permission on `dir`. As root permissions are
 * not enforced, so the run switches to the unprivileged uid 65534 ("nobody") when it
 * can; the result is undefined when that is impossible here.
 */
function runWithoutWriteAccess(args: string[]): CliResult | undefined {
  const asRoot = process.getuid?.() === 0;
  const identity = asRoot ? { uid: 65534, gid: 65534 } : {};
  const run = (argv: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", ...argv], {
      cwd: repoRoot,
      encoding: "utf8",
      env: { ...process.env, HOME: tmpdir() },
      ...identity,
    });
  if (asRoot && run(["-e", ""]).status !== 0) return undefined;
  const result = run([entry, ...args]);
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

test("a study in a read-only directory can be reported on", (t) => {
  const locked = join(root, "locked");
  mkdirSync(locked);
  const lockedStudy = join(locked, "study.db");
  copyFileSync(study, lockedStudy);
  const writable = join(root, "writable");
  mkdirSync(writable);
  chmodSync(writable, 0o777);
  chmodSync(lockedStudy, 0o444);
  chmodSync(locked, 0o555);
  const before = snapshot(locked);
  const out = join(writable, "report.html");
  const result = runWithoutWriteAccess(["report", "--study", lockedStudy, "--out", out]);
  if (!result) {
    t.skip("running as root, and the unprivileged user 65534 cannot run the CLI here");
    return;
  }
  assert.equal(result.code, 0, result.stderr);
  assert.match(readFileSync(out, "utf8"), /german-credit: accuracy × privacy × fairness/);
  assert.deepEqual(snapshot(locked), before);
  // And the output side of the same rule: a report into the read-only directory is refused up front.
  const refused = runWithoutWriteAccess(["report", "--study", lockedStudy, "--out", join(locked, "r.html")]);
  assert.ok(refused);
  assertOneLine(refused, 2, /--out: the directory .*locked is not writable/);
});

test("a closed stdout ends a report quietly, with exit 0 and the report written", async () => {
  const out = join(outDir, "piped.html");
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", entry, "report", "--study", study, "--out", out],
      {
        cwd: repoRoot,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("close", (code) => resolve({ code, stderr }));
  });
  assert.deepEqual(result, { code: 0, stderr: "" });
  assert.match(readFileSync(out, "utf8"), /^<!doctype html>/);
});
