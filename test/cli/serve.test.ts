/**
 * `equipoise serve` as a user runs it: `serve --study FILE.db` shows the study with
 * no other step, Ctrl-C (SIGINT) ends it cleanly, a non-local host prints a token
 * and refuses requests without it, and mistakes are one line.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.js";
import { isOneLineError } from "../helpers/cli.js";
import { writeExplorerStudy } from "../server/fixtures.js";
import { raw } from "../server/http.js";

const entry = fileURLToPath(new URL("../../src/cli/entry.ts", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "equipoise-serve-cli-"));
const studyPath = join(root, "adult.db");

before(() => writeExplorerStudy(studyPath, { trials: 4 }));
after(() => rmSync(root, { recursive: true, force: true }));

/** Starts `equipoise serve ARGS --json` and resolves with the JSON it prints and the process. */
function serve(
  args: string[],
): Promise<{ child: ChildProcess; info: { url: string; token: string | null; studies: string[] } }> {
  const child = spawn(
    process.execPath,
    ["--import", import.meta.resolve("tsx"), entry, "serve", ...args, "--port", "0", "--json"],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      try {
        resolve({ child, info: JSON.parse(out) });
      } catch {
        // not the whole document yet
      }
    });
    child.stderr!.on("data", (chunk) => {
      err += chunk;
    });
    child.on("exit", (code) =>
      reject(new Error(`serve exited (${code}) before it printed its address: ${err}`)),
    );
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on("exit", (code) => resolve(code)));
}

describe("equipoise serve", () => {
  test("--study FILE.db shows the study with no other step, and SIGINT ends it with exit 0", async () => {
    const { child, info } = await serve(["--study", studyPath, "--dir", join(root, "work")]);
    try {
      assert.equal(info.token, null, "no token on the loopback address");
      assert.deepEqual(info.studies, ["adult"]);
      const list = await raw(info.url, { path: "/api/studies" });
      assert.equal(list.status, 200);
      const studies = JSON.parse(list.body).studies as { id: string; counts: { complete: number } }[];
      assert.equal(studies[0].id, "adult");
      assert.equal(studies[0].counts.complete, 4);
      const view = await raw(info.url, { path: "/api/studies/adult" });
      assert.equal(view.status, 200);
      const exit = exitOf(child);
      child.kill("SIGINT");
      assert.equal(await exit, 0);
    } finally {
      child.kill("SIGKILL");
    }
  });

  test("a non-local host prints a token and answers 401 without it", async () => {
    const { child, info } = await serve(["--host", "127.0.0.2", "--dir", join(root, "work2"), studyPath]);
    try {
      assert.ok(info.token && info.token.length >= 32);
      assert.equal((await raw(info.url, { path: "/api/studies" })).status, 401);
      const withToken = await raw(info.url, {
        path: "/api/studies",
        headers: { authorization: `Bearer ${info.token}` },
      });
      assert.equal(withToken.status, 200);
    } finally {
      const exit = exitOf(child);
      child.kill("SIGTERM");
      await exit;
    }
  });

  test("mistakes are one line: a bad port, a missing study, a weak token", async () => {
    // In process (the same `main` as the command line; nothing here starts a server).
    for (const [args, code, pattern] of [
      [["serve", "--port", "http"], 2, /--port must be a number/],
      [["serve", "--port", "70000"], 2, /--port must be/],
      [["serve", "--study", join(root, "missing.db"), "--port", "0"], 1, /study file not found/],
      [["serve", "--token", "short", "--port", "0"], 2, /at least 16 characters/],
      [
        ["serve", "--host", "203.0.113.9", "--port", "0", "--dir", join(root, "w3")],
        1,
        /cannot bind to 203\.0\.113\.9/,
      ],
    ] as const) {
      let stderr = "";
      const exit = await main([...args], {
        stdout: () => {},
        stderr: (text) => {
          stderr += text;
        },
        stderrIsTTY: false,
      });
      const result = { code: exit, stdout: "", stderr };
      assert.equal(result.code, code, `${args.join(" ")}: ${result.stderr}`);
      assert.ok(isOneLineError(result), result.stderr);
      assert.match(result.stderr, pattern);
    }
  });
});
