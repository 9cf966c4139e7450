/**
 * The end-to-end test of what a private model file releases (issue: "a DP model must
 * not leak what its epsilon does not cover"): two data sets that differ in one
 * training row — a category no other row has and an extreme numeric value — trained
 * by `train --dp` with the same seeds give model files whose only differences are
 * the DP-SGD weights, what is computed from them (test metrics), and the numbers
 * derived from the training-row count N, which is treated as public as Opacus does
 * (sample rate, steps, the noise calibrated to them, epsilon).
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { adultMetadata, loadAdultTable } from "../../src/data/datasets/adult.js";
import type { Table } from "../../src/data/table.js";
import { runCli } from "../helpers/cli.js";

const root = mkdtempSync(join(tmpdir(), "equipoise-neighbours-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** Fields allowed to differ: the weights, what is computed from them, and what N determines. */
const ALLOWED = [
  /^weights\[\d+\]\.data$/,
  /^metadata\.test\./,
  /^metadata\.epsilon$/,
  /^metadata\.training\.(trainRows|steps|sampleRate|expectedBatchSize|gradient)$/,
  /^metadata\.privacy\.(epsilon|order|noise|sampleRate|steps|trainRows)$/,
];

function differences(a: unknown, b: unknown, path = ""): string[] {
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((key) => {
      const child = Array.isArray(a) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
      return differences((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], child);
    });
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
}

function csvOf(table: Table, rows: ArrayLike<number>, extra: string[][] = []): string {
  const quote = (value: string) => (/[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  const lines = [table.names.join(",")];
  const columns = table.names.map((name) => table.column(name));
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k];
    lines.push(
      columns
        .map((column) =>
          column.kind === "numeric"
            ? String(column.values[i])
            : column.codes[i] < 0
              ? ""
              : quote(column.categories[column.codes[i]]),
        )
        .join(","),
    );
  }
  for (const row of extra) lines.push(row.map(quote).join(","));
  return `${lines.join("\n")}\n`;
}

/** Trains in dir/{train,test}.csv with the same arguments; the file paths are the same relative names. */
function trainIn(dir: string, args: string[]): Record<string, unknown> {
  const result = runCli(
    [
      "train",
      "--data",
      join(dir, "train.csv"),
      "--test-data",
      join(dir, "test.csv"),
      "--schema",
      join(dir, "schema.json"),
      "--dp",
      "--dp-seed",
      "7",
      "--out",
      join(dir, "model.json"),
      ...args,
    ],
    { timeoutMs: 600_000 },
  );
  assert.equal(result.code, 0, result.stderr);
  // The two runs read files of the same names in different directories.
  return JSON.parse(readFileSync(join(dir, "model.json"), "utf8").replaceAll(dir, "DIR"));
}

function neighbourPair(
  name: string,
  table: Table,
  trainRows: ArrayLike<number>,
  testRows: ArrayLike<number>,
  added: string[],
  schema: unknown,
) {
  const dirs = ["without", "with"].map((side) => join(root, name, side));
  dirs.forEach((dir, k) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "train.csv"), csvOf(table, trainRows, k === 1 ? [added] : []));
    writeFileSync(join(dir, "test.csv"), csvOf(table, testRows));
    writeFileSync(join(dir, "schema.json"), JSON.stringify({ columns: schema }));
  });
  return dirs;
}

function indicesWhere(mask: ArrayLike<number>, value: number): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] === value) out.push(i);
  return Int32Array.from(out);
}

test("train --dp on Adult: neighbouring data sets differ only in the weights and what N determines", () => {
  const { table, testRows } = loadAdultTable();
  const metadata = adultMetadata();
  const schema = Object.fromEntries(
    Object.entries(metadata).map(([name, column]) => [
      name,
      column.categories ? { categories: column.categories } : { bounds: column.bounds },
    ]),
  );
  const rare: Record<string, string> = {
    age: "90",
    workclass: "Private",
    fnlwgt: "99999999",
    education: "Doctorate",
    "education-num": "16",
    "marital-status": "Never-married",
    occupation: "Exec-managerial",
    relationship: "Not-in-family",
    race: "Other",
    sex: "Female",
    "capital-gain": "1e9",
    "capital-loss": "0",
    "hours-per-week": "99",
    "native-country": "Atlantis",
    income: ">50K",
    "race-binary": "non-White",
  };
  const [without, withRow] = neighbourPair(
    "adult",
    table,
    indicesWhere(testRows, 0),
    indicesWhere(testRows, 1),
    table.names.map((name) => rare[name]),
    schema,
  );
  const args = ["--target", "income", "--sensitive", "sex", "--epsilon", "2", "--clip", "1", "--epochs", "1"];
  args.push("--batch", "512", "--optimizer", "sgd", "--lr", "1");
  const a = trainIn(without, args);
  const b = trainIn(withRow, args);
  assert.equal((a.recipe as { preprocessing: string }).preprocessing, "public");
  const unexpected = differences(a, b).filter((path) => !ALLOWED.some((pattern) => pattern.test(path)));
  assert.deepEqual(unexpected, []);
  assert.ok(
    differences(a, b).some((path) => path.startsWith("weights")),
    "the weights should differ",
  );
  const privacy = (a.metadata as { privacy: { suitableForRelease: boolean; noiseSource: string } }).privacy;
  assert.equal(privacy.noiseSource, "seeded");
});

test("train --dp on a user CSV: the same, and a file without metadata is marked not for release", () => {
  // A small user file: two numeric columns, one categorical, a sensitive attribute, a label.
  const lines = (n: number, offset: number) =>
    Array.from({ length: n }, (_, i) => {
      const k = i + offset;
      const age = 20 + ((k * 7) % 50);
      const hours = 10 + ((k * 13) % 60);
      const job = ["clerk", "nurse", "driver"][k % 3];
      const sex = k % 2 === 0 ? "F" : "M";
      const label = age + hours / 2 + (job === "nurse" ? 10 : 0) > 65 ? "yes" : "no";
      return [String(age), String(hours), job, sex, label];
    });
  const header = ["age", "hours", "job", "sex", "label"];
  const write = (dir: string, train: string[][], test: string[][], schema?: unknown) => {
    mkdirSync(dir, { recursive: true });
    const csv = (rows: string[][]) => `${[header, ...rows].map((row) => row.join(",")).join("\n")}\n`;
    writeFileSync(join(dir, "train.csv"), csv(train));
    writeFileSync(join(dir, "test.csv"), csv(test));
    if (schema) writeFileSync(join(dir, "schema.json"), JSON.stringify({ columns: schema }));
  };
  const schema = {
    age: { bounds: [17, 100] },
    hours: { bounds: [0, 100] },
    job: { categories: ["clerk", "driver", "nurse"] },
    sex: { categories: ["F", "M"] },
    label: { categories: ["no", "yes"] },
  };
  const train = lines(600, 0);
  const test = lines(200, 1000);
  const without = join(root, "user", "without");
  const withRow = join(root, "user", "with");
  write(without, train, test, schema);
  write(withRow, [...train, ["1000000", "5", "astronaut", "F", "yes"]], test, schema);
  const args = [
    "--target",
    "label",
    "--sensitive",
    "sex",
    "--positive",
    "yes",
    "--noise",
    "1",
    "--clip",
    "1",
  ];
  args.push("--epochs", "2", "--batch", "64", "--optimizer", "sgd", "--lr", "0.5");
  const a = trainIn(without, args);
  const b = trainIn(withRow, args);
  const unexpected = differences(a, b).filter((path) => !ALLOWED.some((pattern) => pattern.test(path)));
  assert.deepEqual(unexpected, []);

  // Without declared metadata the preprocessor reads the rows: the model says it is not for release.
  const bare = join(root, "user", "bare");
  write(bare, train, test);
  const result = runCli([
    "train",
    "--data",
    join(bare, "train.csv"),
    "--test-data",
    join(bare, "test.csv"),
    ...args,
    "--dp",
    "--out",
    join(bare, "model.json"),
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /NOT for release/);
  const model = JSON.parse(readFileSync(join(bare, "model.json"), "utf8"));
  assert.equal(model.metadata.privacy.suitableForRelease, false);
  assert.ok(
    model.metadata.privacy.notCoveredByEpsilon.some((line: string) => line.startsWith("preprocessing:")),
  );
});
