/**
 * `equipoise federate` as a user runs it: the simulation with --json, one-line errors
 * for bad input, and real processes — a server and clients on 127.0.0.1, one of
 * which is killed in the middle of a secure round.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.js";
import { federatedReportSchema } from "../../src/federated/report.js";
import { isOneLineError, repoRoot, runCli } from "../helpers/cli.js";

const entry = fileURLToPath(new URL("../../src/cli/entry.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "equipoise-federate-"));
const started: ChildProcess[] = [];
after(() => {
  for (const child of started) if (child.exitCode === null) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** A CLI process with its output collected; `lines` resolves when stderr shows a matching line. */
function spawnCli(args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", entry, ...args], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  let stdout = "";
  let stderr = "";
  const watchers: { pattern: RegExp; resolve: (match: RegExpMatchArray) => void }[] = [];
  child.stdout!.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr!.on("data", (chunk) => {
    stderr += chunk;
    for (const watcher of [...watchers]) {
      const match = stderr.match(watcher.pattern);
      if (match) {
        watchers.splice(watchers.indexOf(watcher), 1);
        watcher.resolve(match);
      }
    }
  });
  const exited = new Promise<number>((resolve) => child.once("exit", (code) => resolve(code ?? -1)));
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    waitFor: (pattern: RegExp) =>
      new Promise<RegExpMatchArray>((resolve) => {
        const match = stderr.match(pattern);
        if (match) resolve(match);
        else watchers.push({ pattern, resolve });
      }),
  };
}

describe("federate (simulation)", () => {
  test("--json prints the report; a progress line per round goes to stderr", () => {
    const result = runCli([
      "federate",
      "--data",
      "synthetic",
      "--clients",
      "4",
      "--rounds",
      "2",
      "--workers",
      "1",
      "--json",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const report = federatedReportSchema.parse(JSON.parse(result.stdout));
    assert.equal(report.rounds.length, 2);
    assert.equal(report.config.clients, 4);
    assert.equal(result.stderr.match(/^round \d\/2 · accuracy/gm)?.length, 2);
  });

  test("a private run's model file: evaluate reads its recipe and reports its client-level ε", async () => {
    const model = join(dir, "private-model.json");
    const run = async (args: string[]) => {
      let stdout = "";
      let stderr = "";
      const code = await main(args, {
        stdout: (t) => (stdout += t),
        stderr: (t) => (stderr += t),
        stderrIsTTY: false,
      });
      assert.equal(code, 0, stderr);
      return JSON.parse(stdout);
    };
    const report = federatedReportSchema.parse(
      await run([
        "federate",
        "--data",
        "synthetic",
        "--clients",
        "4",
        "--rounds",
        "2",
        "--workers",
        "1",
        "--dp",
        "--noise",
        "1",
        "--clip",
        "1",
        "--dp-seed",
        "3",
        "--out",
        model,
        "--json",
      ]),
    );
    assert.ok(Number.isFinite(report.privacy.epsilon) && report.privacy.epsilon > 0);
    const evaluated = await run(["evaluate", "--model", model, "--json"]);
    assert.equal(evaluated.recipe.model, "logreg");
    assert.equal(evaluated.recipe.privacy, undefined, "no client ran per-example DP-SGD");
    assert.equal(evaluated.epsilon, report.privacy.epsilon);
    assert.equal(evaluated.privacy.level, "client");
  });

  test("bad input gives one line and exit 2 (usage) or 1 (data)", async () => {
    const cases: [string[], number, RegExp][] = [
      [["federate", "--data", "synthetic", "--clients", "0"], 2, /--clients must be a whole number ≥ 1/],
      [
        ["federate", "--data", "synthetic", "--clients", "3", "--secure", "--aggregate", "median"],
        2,
        /needs every update in the clear/,
      ],
      [["federate", "--data", "synthetic", "--clients", "3", "--noise", "1"], 2, /--noise needs --dp/],
      [
        ["federate", "--data", "synthetic", "--clients", "3", "--partition", "dirichlet"],
        2,
        /--partition dirichlet/,
      ],
      [
        ["federate", "--data", "synthetic", "--clients", "3", "--attack", "sign-flip"],
        2,
        /--malicious and --attack go together/,
      ],
      [["federate", "client", "--server", "http://127.0.0.1:1", "--data", "x.csv"], 2, /ws:\/\/ or wss:\/\//],
      [
        ["federate", "client", "--server", "ws://127.0.0.1:1", "--data", join(dir, "missing.csv")],
        1,
        /no such file/,
      ],
      [
        ["federate", "--data", "synthetic", "--clients", "3", "--out", join(dir, "no-dir", "m.json")],
        2,
        /--out: the directory/,
      ],
    ];
    // In process (the same main() as the binary): these fail before any work, so no process is needed.
    for (const [args, code, message] of cases) {
      let stdout = "";
      let stderr = "";
      const exit = await main(args, {
        stdout: (t) => (stdout += t),
        stderr: (t) => (stderr += t),
        stderrIsTTY: false,
      });
      const result = { code: exit, stdout, stderr };
      assert.equal(result.code, code, `${args.join(" ")}: ${result.stderr}`);
      assert.ok(isOneLineError(result), result.stderr);
      assert.match(result.stderr, message);
    }
  });
});

describe("federate server and clients (real processes on 127.0.0.1)", () => {
  test("split, then a server and two clients complete; the model file is evaluated", async () => {
    const split = runCli(["federate", "split", "--data", "synthetic", "--clients", "4", "--out-dir", dir]);
    assert.equal(split.code, 0, split.stderr);
    const model = join(dir, "model.json");
    const server = spawnCli([
      "federate",
      "server",
      "--data",
      join(dir, "server.csv"),
      "--target",
      "label",
      "--sensitive",
      "group",
      "--clients",
      "2",
      "--rounds",
      "1",
      "--port",
      "0",
      "--out",
      model,
      "--json",
    ]);
    const [, port] = await server.waitFor(/listening on ws:\/\/127\.0\.0\.1:(\d+)/);
    const clients = [0, 1].map((k) =>
      spawnCli([
        "federate",
        "client",
        "--server",
        `ws://127.0.0.1:${port}`,
        "--data",
        join(dir, `client-${k}.csv`),
      ]),
    );
    assert.equal(await server.exited, 0, server.output().stderr);
    for (const client of clients) assert.equal(await client.exited, 0, client.output().stderr);
    const report = federatedReportSchema.parse(JSON.parse(server.output().stdout));
    assert.deepEqual(
      report.rounds.map((r) => r.included),
      [2],
    );
    const evaluated = runCli([
      "evaluate",
      "--model",
      model,
      "--data",
      join(dir, "server.csv"),
      "--target",
      "label",
      "--json",
    ]);
    assert.equal(evaluated.code, 0, evaluated.stderr);
  });

  test("secure aggregation with a client process killed mid-round: the server goes on and keeps the model", async () => {
    const reportPath = join(dir, "secure-report.json");
    const server = spawnCli([
      "federate",
      "server",
      "--data",
      join(dir, "server.csv"),
      "--target",
      "label",
      "--sensitive",
      "group",
      "--clients",
      "4",
      "--rounds",
      "3",
      "--secure",
      "--port",
      "0",
      "--report",
      reportPath,
      "--phase-timeout",
      "20",
    ]);
    const [, port] = await server.waitFor(/listening on ws:\/\/127\.0\.0\.1:(\d+)/);
    const clients = [0, 1, 2, 3].map((k) =>
      spawnCli([
        "federate",
        "client",
        "--server",
        `ws://127.0.0.1:${port}`,
        "--data",
        join(dir, `client-${k}.csv`),
        "--retries",
        "0",
      ]),
    );
    // Kill client 3's process as soon as it has trained in round 2 (its keys may or may not be out).
    await clients[3].waitFor(/round 2: trained/);
    clients[3].child.kill("SIGKILL");
    assert.equal(await server.exited, 0, server.output().stderr);
    const report = federatedReportSchema.parse(JSON.parse(readFileSync(reportPath, "utf8")));
    assert.equal(report.rounds.length, 3);
    const [first, second, third] = report.rounds;
    assert.equal(first.included, 4);
    // Round 2: the killed client dropped at some phase; the other three were aggregated.
    assert.equal(second.aborted, undefined, second.aborted);
    assert.ok(second.included === 3 || second.included === 4, `${second.included} included`);
    assert.equal(Object.values(second.secure!.dropped).flat().length, 1);
    assert.equal(third.included, 3);
    assert.match(server.output().stderr, /disconnected/);
    for (const client of clients.slice(0, 3)) assert.equal(await client.exited, 0, client.output().stderr);
  });
});
