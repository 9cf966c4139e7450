import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { isOneLineError, runCli, sharedDatasets } from "../helpers/cli.js";

const work = mkdtempSync(join(tmpdir(), "equipoise-cli-data-"));

test("data list names every dataset", () => {
  const result = runCli(["data", "list", "--json"]);
  assert.equal(result.code, 0);
  const names = JSON.parse(result.stdout).map((d: { name: string }) => d.name);
  assert.deepEqual(names, ["adult", "german-credit", "compas", "fashion-mnist", "synthetic"]);
});

test("data info adult --json: rows, features, target, positive rate, groups", () => {
  const result = runCli(["data", "info", "adult", "--json"]);
  assert.equal(result.code, 0, result.stderr);
  const info = JSON.parse(result.stdout);
  assert.deepEqual(info.rows, { train: 30162, test: 15060 });
  assert.equal(info.features, 104);
  assert.equal(info.target, "income");
  assert.deepEqual(info.sensitive, ["sex", "race"]);
  assert.equal(info.groups.sex.Female + info.groups.sex.Male, 30162);
  assert.ok(info.positiveRate > 0.2 && info.positiveRate < 0.3);
});

test("data info german-credit (human) and compas from EQUIPOISE_DATA_DIR", () => {
  const german = runCli(["data", "info", "german-credit"]);
  assert.equal(german.code, 0, german.stderr);
  assert.match(german.stdout, /700 train, 300 test/);
  const compas = runCli(["data", "info", "compas", "--json"], {
    env: { EQUIPOISE_DATA_DIR: sharedDatasets },
  });
  assert.equal(compas.code, 0, compas.stderr);
  const info = JSON.parse(compas.stdout);
  assert.equal(info.rows.train + info.rows.test, 6172);
});

test("bad input: one line on stderr, non-zero exit, no stack trace", () => {
  const short = join(work, "short.csv");
  writeFileSync(short, "a,b,c\n1,2,3\n4,5\n");
  const good = join(work, "good.csv");
  writeFileSync(good, "a,g,y\n1,m,1\n2,f,0\n3,m,0\n4,f,1\n");
  const cases: [string[], RegExp][] = [
    [["data", "info", join(work, "missing.csv"), "--target", "y"], /file not found: .*missing\.csv/],
    [
      ["data", "info", "nosuch"],
      /unknown dataset 'nosuch'; known datasets: adult, german-credit, compas, fashion-mnist, synthetic/,
    ],
    [["data", "info", short, "--target", "c"], /short\.csv: line 3 has 2 fields, expected 3/],
    [["data", "info", good, "--target", "z"], /unknown target column 'z'; columns: a, g, y/],
    [
      ["data", "info", good, "--target", "y", "--sensitive", "sex"],
      /unknown sensitive column 'sex'; columns: a, g, y/,
    ],
    [["data", "fetch", "nosuch"], /unknown dataset 'nosuch'/],
  ];
  for (const [args, message] of cases) {
    const result = runCli(args);
    assert.ok(isOneLineError(result), `${args.join(" ")}: ${result.code} ${result.stderr}`);
    assert.match(result.stderr, message);
  }
});

// A server in its own process: runCli blocks this process while the CLI runs.
let server: ReturnType<typeof spawn>;
let port = 0;
before(async () => {
  server = spawn(process.execPath, [
    "-e",
    `require("node:http").createServer((q, r) => r.end("not the file you want")).listen(0, "127.0.0.1", function () { console.log(this.address().port); });`,
  ]);
  port = await new Promise<number>((resolve) =>
    server.stdout!.once("data", (chunk) => resolve(Number(String(chunk).trim()))),
  );
});
after(() => {
  server.kill();
});

test("data fetch refuses a file with the wrong checksum and keeps nothing", () => {
  const cache = join(work, "cache");
  const result = runCli(["data", "fetch", "compas"], {
    env: {
      EQUIPOISE_CACHE_DIR: cache,
      EQUIPOISE_DATA_MIRROR: `http://127.0.0.1:${port}/`,
      EQUIPOISE_DATA_DIR: undefined,
    },
  });
  assert.ok(isOneLineError(result), result.stderr);
  assert.match(result.stderr, /refusing compas-scores-two-years\.csv .*SHA-256 .* does not match/);
  const folder = join(cache, "compas");
  assert.ok(!existsSync(folder) || readdirSync(folder).length === 0);
});

test("data fetch with a data directory verifies the local copy", () => {
  const result = runCli(["data", "fetch", "compas", "--data-dir", sharedDatasets, "--json"]);
  assert.equal(result.code, 0, result.stderr);
  const doc = JSON.parse(result.stdout);
  assert.equal(doc.files[0].origin, "data-dir");
});
