/**
 * The command line on a PostgreSQL study, as users run it across machines:
 * `explore --study postgres://...` creates the study, `worker` joins it and runs it to
 * its recorded budget, `report` reads it, and `study copy` moves it to a file and back
 * without losing or changing a trial. Mistakes cost one line and never the password.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { joinStudyOptions } from "../../src/explore/join.js";
import { copyStudy, openStudyStore, type TrialRecord } from "../../src/search/index.js";
import { isOneLineError, runCli } from "../helpers/cli.js";
import { runHere } from "../helpers/cli-in-process.js";
import { needsPostgres, testPostgres } from "../helpers/postgres.js";

const dir = mkdtempSync(join(tmpdir(), "equipoise-pg-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function storedTrials(location: string): Promise<Omit<TrialRecord, "id">[]> {
  const store = await openStudyStore(location, { readOnly: true });
  try {
    return (await store.trials()).map(({ id: _, ...rest }) => rest);
  } finally {
    await store.close();
  }
}

describe("PostgreSQL studies from the command line", needsPostgres(), () => {
  it("explore creates, worker joins to the recorded budget, report reads, study copy goes to a file and back", async () => {
    const server = await testPostgres();
    const location = server.newLocation("synthetic-group");
    const password = new URL(location).password;
    const dataset = ["--data", "synthetic", "--sensitive", "group", "--strategy", "random"];
    const created = runCli([
      "explore",
      ...dataset,
      "--budget",
      "4",
      "--workers",
      "0",
      "--study",
      location,
      "--json",
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(
      JSON.parse(created.stdout).trials.total,
      0,
      "--workers 0 creates the study and runs nothing",
    );

    const joined = runCli(["worker", "--study", location, "--workers", "1", "--json"]);
    assert.equal(joined.code, 0, joined.stderr);
    const work = JSON.parse(joined.stdout);
    assert.deepEqual(
      [work.budget, work.trialsHere, work.trials.complete],
      [4, 4, 4],
      "the budget explore recorded",
    );
    assert.ok(!`${joined.stdout}${joined.stderr}`.includes(password), "the password is never printed");

    const idle = runCli(["worker", "--study", location, "--workers", "1", "--json"]);
    assert.equal(idle.code, 0, idle.stderr);
    assert.equal(
      JSON.parse(idle.stdout).trialsHere,
      0,
      "a worker joining a finished study has nothing to do",
    );

    const report = async (study: string, out: string) => {
      const result = await runHere(["report", "--study", study, "--out", join(dir, out), "--json"]);
      assert.equal(result.code, 0, result.stderr);
      return JSON.parse(result.stdout);
    };
    const original = await report(location, "report.html");
    assert.equal(original.trials.complete, 4);
    assert.match(readFileSync(join(dir, "report.html"), "utf8"), /<html/i);

    const file = join(dir, "copy.db");
    const back = location.replace("study=synthetic-group", "study=back-from-file");
    const toFile = await runHere(["study", "copy", "--from", location, "--to", file, "--json"]);
    assert.equal(toFile.code, 0, toFile.stderr);
    assert.equal(JSON.parse(toFile.stdout).trials, 4);
    const toServer = await runHere(["study", "copy", "--from", file, "--to", back]);
    assert.equal(toServer.code, 0, toServer.stderr);
    assert.match(
      toServer.stdout,
      /copied 4 trials \(4 complete, 0 failed, 0 pruned, 0 running\) and the budget \(4\)/,
    );
    const trials = await storedTrials(location);
    assert.deepEqual(await storedTrials(file), trials, "the file holds every trial as stored");
    assert.deepEqual(await storedTrials(back), trials, "and so does the study copied back");
    const copied = await report(back, "copied.json");
    assert.deepEqual([copied.trials, copied.hypervolume], [original.trials, original.hypervolume]);

    const again = await runHere(["study", "copy", "--from", location, "--to", file]);
    assert.ok(isOneLineError(again), again.stderr);
    assert.match(again.stderr, /already has 4 trials: copy into a new study/);
    await assert.rejects(copyStudy(location, location), /--from and --to are the same study/);
  });

  it("a wrong location, login or study name costs one line and never shows the password", async () => {
    const server = await testPostgres();
    const location = server.newLocation("exists");
    const password = new URL(location).password;
    const wrongPassword = location.replace(`:${password}@`, ":not-the-password@");
    const absent = location.replace("study=exists", "study=absent");
    // As a user sees it: one line on stderr, exit 1.
    const login = runCli(["worker", "--study", wrongPassword]);
    assert.ok(isOneLineError(login), login.stderr);
    assert.equal(login.code, 1);
    assert.match(login.stderr, /refused the login of user 'equipoise'/);
    assert.ok(!login.stderr.includes(password), login.stderr);
    const cases: [string[], RegExp][] = [
      [
        ["report", "--study", wrongPassword, "--out", join(dir, "x.html")],
        /refused the login of user 'equipoise'/,
      ],
      [
        ["study", "copy", "--from", absent, "--to", join(dir, "absent.db")],
        /study not found: .*study=absent/,
      ],
      [["report", "--study", `${server.baseUrl}?schema=x`, "--out", join(dir, "x.html")], /names no study/],
    ];
    for (const [args, message] of cases) {
      const result = await runHere(args);
      assert.ok(isOneLineError(result), `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.ok(!result.stderr.includes(password), result.stderr);
    }
    await assert.rejects(joinStudyOptions({ location: absent }), /study not found: .*study=absent/);
  });
});
