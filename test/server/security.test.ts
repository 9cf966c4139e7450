/**
 * The server's defences, attacked over loopback: a non-local bind (127.0.0.2, so
 * the test never leaves this machine) answers 401 to every route without the
 * token; the loopback bind refuses foreign Host headers (DNS rebinding); path
 * traversal in any file parameter is refused; oversized, malformed and
 * cross-origin requests get a 4xx and the server stays up; and a study that a
 * running process is writing is read, again and again, without harm to it.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import { type RunningServer, startServer, studyViewSchema } from "../../src/server/index.js";
import { exited, startStudyWorker } from "../search/store-contract.js";
import { writeExplorerStudy } from "./fixtures.js";
import { raw } from "./http.js";

const root = mkdtempSync(join(tmpdir(), "equipoise-security-"));
const webRoot = join(root, "web");
const studyPath = join(root, "fixture.db");
let open: RunningServer;
let guarded: RunningServer;

before(async () => {
  mkdirSync(webRoot);
  writeFileSync(join(webRoot, "index.html"), "<!doctype html><title>test</title>");
  writeFileSync(join(webRoot, "dashboard.js"), "export {};");
  writeFileSync(join(root, "secret.txt"), "TOP-SECRET-CONTENT root:x:0:0");
  await writeExplorerStudy(studyPath, { trials: 5 });
  open = await startServer({
    port: 0,
    workDir: join(root, "open"),
    studies: [studyPath],
    webRoot,
    maxJsonBytes: 2048,
    maxUploadBytes: 10_000,
    pollMs: 100,
  });
  guarded = await startServer({
    host: "127.0.0.2",
    port: 0,
    workDir: join(root, "guarded"),
    studies: [studyPath],
    webRoot,
  });
});
after(async () => {
  await Promise.all([open?.close(), guarded?.close()]);
  rmSync(root, { recursive: true, force: true });
});

/** Every route of the API (from its own OpenAPI description) with its parameters filled in, and page paths. */
async function everyPath(server: RunningServer): Promise<{ method: string; path: string }[]> {
  const response = await raw(server.url, {
    path: "/api/openapi.json",
    headers: { authorization: `Bearer ${server.token}` },
  });
  const document = JSON.parse(response.body) as { paths: Record<string, Record<string, unknown>> };
  const paths: { method: string; path: string }[] = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const method of Object.keys(operations)) {
      paths.push({
        method: method.toUpperCase(),
        path: path.replace("{id}", "fixture").replace("{number}", "0"),
      });
    }
  }
  for (const path of ["/", "/index.html", "/dashboard.js", "/local.html", "/nothing", "/api/nothing"]) {
    paths.push({ method: "GET", path });
  }
  return paths;
}

describe("a non-local bind", () => {
  test("prints a token and answers 401 to every route without it", async () => {
    assert.ok(guarded.token && guarded.token.length >= 32);
    assert.match(guarded.openUrl, /\?token=/);
    const paths = await everyPath(guarded);
    assert.ok(paths.length >= 20);
    for (const { method, path } of paths) {
      const attempts: Record<string, string>[] = [
        {},
        { authorization: "Bearer wrong-token-of-the-right-length-000000000" },
        { cookie: "equipoise_token=wrong" },
        { authorization: `Basic ${guarded.token}` },
      ];
      for (const headers of attempts) {
        const response = await raw(guarded.url, {
          method,
          path,
          headers: { "content-type": "application/json", ...headers },
          body: method === "POST" ? "{}" : undefined,
        });
        assert.equal(response.status, 401, `${method} ${path} with ${JSON.stringify(headers)}`);
        assert.equal(response.headers["access-control-allow-origin"], undefined);
        assert.doesNotMatch(response.body, /fixture|studies"/, "nothing about the studies leaks");
      }
    }
  });

  test("the token opens every route: as a bearer, as the cookie, or once in the address", async () => {
    const bearer = await raw(guarded.url, {
      path: "/api/studies",
      headers: { authorization: `Bearer ${guarded.token}` },
    });
    assert.equal(bearer.status, 200);
    const first = await raw(guarded.url, { path: `/?token=${encodeURIComponent(guarded.token!)}` });
    assert.equal(first.status, 303, "the page is reloaded without the token in its address");
    assert.equal(first.headers.location, "/");
    const cookie = String(first.headers["set-cookie"]);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const page = await raw(guarded.url, { path: "/", headers: { cookie: cookie.split(";")[0] } });
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>test<\/title>/);
  });
});

describe("the loopback bind", () => {
  test("refuses a foreign Host header (DNS rebinding) and serves its own names", async () => {
    const port = new URL(open.url).port;
    for (const host of ["evil.example", `evil.example:${port}`, "192.168.1.10"]) {
      const response = await raw(open.url, { path: "/api/studies", headers: { host } });
      assert.equal(response.status, 403, host);
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      const response = await raw(open.url, { path: "/api/health", headers: { host } });
      assert.equal(response.status, 200, host);
    }
  });

  test("refuses cross-origin writes and sends no CORS headers", async () => {
    const response = await raw(open.url, {
      method: "POST",
      path: "/api/studies",
      headers: { origin: "http://evil.example", "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(response.status, 403);
    const read = await raw(open.url, { path: "/api/studies", headers: { origin: "http://evil.example" } });
    assert.equal(read.headers["access-control-allow-origin"], undefined);
    const preflight = await raw(open.url, {
      method: "OPTIONS",
      path: "/api/studies",
      headers: { origin: "http://evil.example" },
    });
    assert.equal(preflight.headers["access-control-allow-origin"], undefined);
  });
});

describe("path traversal", () => {
  test("is refused in file paths, ids and upload names, and never reads outside", async () => {
    for (const path of [
      "/../secret.txt",
      "/%2e%2e/secret.txt",
      "/..%2fsecret.txt",
      "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
      "/web/../../secret.txt",
      "/api/studies/..%2F..%2Fsecret",
      "/api/studies/%2e%2e",
      "/api/datasets/..%2Fsecret",
      "/api/jobs/..%2F..%2Fsecret",
      "/api/studies/fixture/trials/..%2F1",
    ]) {
      const response = await raw(open.url, { path });
      assert.ok(response.status >= 400 && response.status < 500, `${path} → ${response.status}`);
      assert.doesNotMatch(response.body, /TOP-SECRET-CONTENT|root:x/, path);
    }
    for (const name of [
      "../evil.csv",
      "..%2Fevil.csv",
      "/tmp/evil.csv",
      ".hidden.csv",
      "a/b.csv",
      "a\\b.csv",
    ]) {
      const response = await raw(open.url, {
        method: "POST",
        path: `/api/datasets?name=${encodeURIComponent(name)}`,
        headers: { "content-type": "text/csv" },
        body: "a,b\n1,2\n",
      });
      assert.equal(response.status, 400, name);
    }
    for (const name of ["../evil", "a/b", "..", ".x"]) {
      const response = await raw(open.url, {
        method: "POST",
        path: "/api/studies",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          name,
          dataset: "adult",
          sensitive: ["sex"],
          objectives: ["accuracy", "epsilon"],
          budget: 1,
        }),
      });
      assert.equal(response.status, 400, name);
    }
    assert.deepEqual(readdirSync(open.folders.uploads), []);
    assert.deepEqual(readdirSync(open.folders.studies), []);
    // (SQLite's own -wal/-shm companions of a study opened for reading are allowed beside it.)
    const left = readdirSync(root).filter((f) => !/\.db-(wal|shm)$/.test(f));
    assert.deepEqual(left.sort(), ["fixture.db", "guarded", "open", "secret.txt", "web"].sort());
  });
});

describe("bad bodies", () => {
  test("oversized, chunked-oversized, malformed and mistyped bodies get a 4xx; the server stays up", async () => {
    const cases: { name: string; status: number; options: Parameters<typeof raw>[1] }[] = [
      {
        name: "JSON over the limit",
        status: 413,
        options: {
          method: "POST",
          path: "/api/studies",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "x".repeat(5000) }),
        },
      },
      {
        name: "chunked JSON over the limit (no Content-Length)",
        status: 413,
        options: {
          method: "POST",
          path: "/api/studies",
          headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
          body: JSON.stringify({ padding: "y".repeat(50_000) }),
        },
      },
      {
        name: "upload over the limit",
        status: 413,
        options: {
          method: "POST",
          path: "/api/datasets?name=big.csv",
          headers: { "content-type": "text/csv" },
          body: `a,b\n${"1,2\n".repeat(10_000)}`,
        },
      },
      {
        name: "malformed JSON",
        status: 400,
        options: {
          method: "POST",
          path: "/api/studies",
          headers: { "content-type": "application/json" },
          body: '{"name": ',
        },
      },
      {
        name: "not UTF-8",
        status: 400,
        options: {
          method: "POST",
          path: "/api/studies",
          headers: { "content-type": "application/json" },
          body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
        },
      },
      {
        name: "a form instead of JSON",
        status: 415,
        options: {
          method: "POST",
          path: "/api/studies",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: "name=x",
        },
      },
      {
        name: "JSON of the wrong shape",
        status: 400,
        options: {
          method: "POST",
          path: "/api/studies",
          headers: { "content-type": "application/json" },
          body: "[1,2,3]",
        },
      },
      {
        name: "an empty upload",
        status: 400,
        options: {
          method: "POST",
          path: "/api/datasets?name=empty.csv",
          headers: { "content-type": "text/csv" },
          body: "",
        },
      },
    ];
    for (const { name, status, options } of cases) {
      const response = await raw(open.url, options).catch((error: Error) => ({
        status: -1,
        body: error.message,
        headers: {},
      }));
      assert.equal(response.status, status, `${name}: ${response.body}`);
      assert.equal(typeof JSON.parse(response.body).error, "string", name);
      const health = await raw(open.url, { path: "/api/health" });
      assert.equal(health.status, 200, `the server is still up after: ${name}`);
    }
    assert.deepEqual(readdirSync(open.folders.uploads), [], "no partial upload is left behind");
  });
});

describe("a study that a running process is writing", () => {
  test("is read again and again while trials are added, and is intact afterwards", async () => {
    const live = join(root, "live.db");
    const budget = 40;
    const worker = startStudyWorker(live, budget, 40, "random", { concurrency: 2 });
    const server = await startServer({ port: 0, workDir: join(root, "live-work"), webRoot, pollMs: 50 });
    try {
      // The study file appears once the worker has created it; then it is added by path.
      while (!readdirSync(root).includes("live.db")) await new Promise((r) => setTimeout(r, 20));
      const server2 = await startServer({
        port: 0,
        workDir: join(root, "live-work2"),
        webRoot,
        studies: [live],
      });
      try {
        let last = -1;
        let reads = 0;
        let done = false;
        const finished = exited(worker).then(() => {
          done = true;
        });
        while (!done) {
          const response = await raw(server2.url, { path: "/api/studies/live" });
          if (response.status === 422 && reads === 0) continue; // created but not yet committed: refused, not misread
          assert.equal(response.status, 200, response.body);
          const view = studyViewSchema.parse(JSON.parse(response.body));
          const finishedTrials = view.counts.complete + view.counts.failed;
          assert.ok(finishedTrials >= last, "progress never goes back");
          assert.ok(view.counts.total <= budget);
          last = finishedTrials;
          reads++;
        }
        await finished;
        assert.ok(reads >= 3, `read ${reads} times while it ran`);
        const view = studyViewSchema.parse(
          JSON.parse((await raw(server2.url, { path: "/api/studies/live" })).body),
        );
        assert.equal(view.counts.complete, budget);
      } finally {
        await server2.close();
      }
      assert.equal((await exited(worker)).code, 0);
      const db = new Database(live, { readonly: true });
      try {
        assert.equal(
          (db.prepare("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check,
          "ok",
        );
        const { count } = db
          .prepare("SELECT COUNT(*) AS count FROM trials WHERE state = 'complete'")
          .get() as { count: number };
        assert.equal(count, budget);
        const numbers = (
          db.prepare("SELECT number FROM trials ORDER BY number").all() as { number: number }[]
        ).map((r) => r.number);
        assert.deepEqual(
          numbers,
          Array.from({ length: budget }, (_, i) => i),
        );
      } finally {
        db.close();
      }
    } finally {
      worker.kill();
      await server.close();
    }
  });
});
