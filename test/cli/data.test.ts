import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { isOneLineError, runCli, sharedDatasets } from "../helpers/cli.js";
import { runHere } from "../helpers/cli-in-process.js";
import { needsShared } from "../helpers/shared.js";

const work = mkdtempSync(join(tmpdir(), "equipoise-cli-data-"));

test("data list names every dataset", () => {
  const result = runCli(["data", "list", "--json"]);
  assert.equal(result.code, 0);
  const names = JSON.parse(result.stdout).map((d: { name: string }) => d.name);
  assert.deepEqual(names, [
    "adult",
    "german-credit",
    "compas",
    "fashion-mnist",
    "colored-fashion-mnist",
    "spurious-adult",
    "synthetic",
  ]);
});

let adultInfo: { preprocessing: { mode: string; notForRelease: string }; fingerprint: string };

test("data info adult --json: rows, features, target, positive rate, groups", () => {
  const result = runCli(["data", "info", "adult", "--json"]);
  assert.equal(result.code, 0, result.stderr);
  const info = JSON.parse(result.stdout);
  adultInfo = info;
  assert.deepEqual(info.rows, { train: 30162, test: 15060 });
  assert.equal(info.features, 104);
  assert.equal(info.target, "income");
  assert.deepEqual(info.sensitive, ["sex", "race"]);
  assert.equal(info.groups.sex.Female + info.groups.sex.Male, 30162);
  assert.ok(info.positiveRate > 0.2 && info.positiveRate < 0.3);
});

test("data info german-credit (human): rows and each column's declared metadata", () => {
  const german = runCli(["data", "info", "german-credit"]);
  assert.equal(german.code, 0, german.stderr);
  assert.match(german.stdout, /700 train, 300 test/);
  assert.match(german.stdout, /installment_commitment +numeric, bounds \[1, 4\] +\[ordinal code 1-4/);
  assert.match(
    german.stdout,
    /purpose +categorical, 11 categories: new car, used car, .*\[credit-g\.arff header\]/,
  );
  assert.match(german.stdout, /preprocessing fit: fitted on the training rows .*not for release/);
});

test("data info compas from EQUIPOISE_DATA_DIR", needsShared("compas/compas-scores-two-years.csv"), () => {
  const compas = runCli(["data", "info", "compas", "--json"], {
    env: { EQUIPOISE_DATA_DIR: sharedDatasets },
  });
  assert.equal(compas.code, 0, compas.stderr);
  const info = JSON.parse(compas.stdout);
  assert.equal(info.rows.train + info.rows.test, 6172);
});

test("data info adult --json: the declared metadata a private run will use, the preprocessing, the fingerprint", async () => {
  const fitted = adultInfo;
  const result = await runHere(["data", "info", "adult", "--preprocessing", "public", "--json"]);
  assert.equal(result.code, 0, result.stderr);
  const info = JSON.parse(result.stdout);
  assert.equal(info.features, 105);
  const column = (name: string) => info.columns.find((c: { name: string }) => c.name === name);
  assert.deepEqual(column("age").declared.bounds, [17, 90]);
  assert.equal(column("native-country").declared.categories.length, 41);
  assert.ok(column("native-country").declared.categories.includes("Holand-Netherlands"));
  assert.equal(info.preprocessing.mode, "public");
  assert.equal(info.preprocessing.notForRelease, null);
  assert.equal(fitted.preprocessing.mode, "fit");
  assert.match(fitted.preprocessing.notForRelease, /exact statistics of the training rows/);
  assert.match(info.fingerprint, /^[0-9a-f]{64}$/);
  assert.equal(info.fingerprint, fitted.fingerprint);
  assert.deepEqual(info.warnings, []);
});

test("a user file: declarations from --bounds, --categories and --schema; warnings on stderr, not stdout", async () => {
  const path = join(work, "loans.csv");
  const rows = Array.from(
    { length: 40 },
    (_, i) => `${i % 20 === 3 ? "n.a." : 1000 + i},${i % 2 ? "f" : "m"},${i % 3 ? "no" : "yes"}`,
  );
  writeFileSync(path, `income,gender,approved\n${rows.join("\n")}\n`);
  const schema = join(work, "schema.json");
  writeFileSync(schema, JSON.stringify({ columns: { gender: { categories: ["f", "m", "x"] } } }));
  const info = await runHere([
    "data",
    "info",
    path,
    "--target",
    "approved",
    "--missing",
    "n.a.",
    "--bounds",
    "income=0:5000",
    "--schema",
    schema,
    "--preprocessing",
    "public",
    "--json",
  ]);
  assert.equal(info.code, 0, info.stderr);
  const doc = JSON.parse(info.stdout);
  assert.deepEqual(doc.columns, [
    { name: "income", kind: "numeric", declared: { bounds: [0, 5000], source: "--bounds" } },
    { name: "gender", kind: "categorical", declared: { categories: ["f", "m", "x"], source: schema } },
  ]);
  assert.deepEqual(doc.warnings, []);
  assert.equal(doc.features, 1 + 3);
  // Without --missing the stray token makes the column categorical, with a warning on stderr.
  const warned = await runHere(["data", "info", path, "--target", "approved", "--json"]);
  assert.equal(warned.code, 0, warned.stderr);
  assert.match(
    warned.stderr,
    /warning: .*loans\.csv: column 'income' is 95\.0% numbers but also holds 'n\.a\.'/,
  );
  assert.deepEqual(JSON.parse(warned.stdout).warnings.length, 1);
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
      /unknown dataset 'nosuch'; known datasets: adult, german-credit, compas, fashion-mnist, colored-fashion-mnist, spurious-adult, synthetic/,
    ],
    [["data", "info", short, "--target", "c"], /short\.csv: line 3 has 2 fields, expected 3/],
    [["data", "info", good, "--target", "z"], /unknown target column 'z'; columns: a, g, y/],
    [
      ["data", "info", good, "--target", "y", "--sensitive", "sex"],
      /unknown sensitive column 'sex'; columns: a, g, y/,
    ],
    [["data", "fetch", "nosuch"], /unknown dataset 'nosuch'/],
    [
      ["data", "info", good, "--target", "y", "--preprocessing", "public"],
      /numeric column 'a' has no declared bounds .*--bounds a=LO:HI/,
    ],
  ];
  for (const [args, message] of cases) {
    const result = runCli(args);
    assert.ok(isOneLineError(result), `${args.join(" ")}: ${result.code} ${result.stderr}`);
    assert.match(result.stderr, message);
  }
});

test("bad declarations and options: one line each, naming the problem", async () => {
  const good = join(work, "good.csv");
  const cases: [string[], RegExp, number][] = [
    [["--bounds", "a=5"], /--bounds: 'a=5' is not COL=LO:HI/, 2],
    [["--bounds", "a=5:1"], /needs finite bounds with lower < upper, got \[5, 1\]/, 2],
    [["--bounds", "a=0:1", "--categories", "a=x|y"], /column 'a' is given both --bounds and --categories/, 2],
    [["--categories", "g=m||f"], /--categories: 'g=m\|\|f' is not COL=A\|B\|C/, 2],
    [["--bounds", "zz=0:1"], /unknown column in the declared metadata 'zz'/, 1],
    [["--schema", join(work, "none.json")], /--schema: file not found/, 2],
    [["--preprocessing", "private"], /--preprocessing must be one of fit, public, got 'private'/, 2],
    [["--drop", "q"], /unknown column to drop 'q'/, 1],
  ];
  for (const [extra, message, code] of cases) {
    const result = await runHere(["data", "info", good, "--target", "y", ...extra]);
    assert.ok(isOneLineError(result), `${extra.join(" ")}: ${result.code} ${result.stderr}`);
    assert.equal(result.code, code, extra.join(" "));
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

test(
  "data fetch with a data directory verifies the local copy",
  needsShared("compas/compas-scores-two-years.csv"),
  () => {
    const result = runCli(["data", "fetch", "compas", "--data-dir", sharedDatasets, "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const doc = JSON.parse(result.stdout);
    assert.equal(doc.files[0].origin, "data-dir");
  },
);
