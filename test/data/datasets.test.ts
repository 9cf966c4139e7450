import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import {
  buildTabularTask,
  COMPAS_FEATURES,
  compasSourceFromTable,
  compasTableFromText,
  generateSynthetic,
  type PreparedTask,
  prepareTask,
  type Split,
} from "../../src/data/index.js";
import { repoRoot } from "../helpers/cli.js";
import { fixtures, needsShared, sharedDatasets } from "../helpers/shared.js";

const positives = (split: Split) => split.y.reduce((a, b) => a + b, 0);
const groupOf = (split: Split, attribute: string, i: number) => {
  const s = split.sensitive.find((a) => a.name === attribute)!;
  return s.categories[s.codes[i]];
};

/** A bundled file's text, gunzipped here (independently of the loader). */
const bundled = (dataset: string, file: string) =>
  gunzipSync(readFileSync(join(repoRoot, "datasets", dataset, `${file}.gz`))).toString("utf8");

/** Rows of a raw UCI Adult file without "?", by plain string handling (independent of the CSV reader). */
function rawAdultRows(file: string): string[][] {
  return bundled("adult", file)
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("|") && !line.includes("?"))
    .map((line) => line.split(",").map((field) => field.trim()));
}

let adult: PreparedTask;

test("adult: 30,162 / 15,060 rows, 104 features, labels and groups match the raw files and the reference", async () => {
  adult = await prepareTask({ data: "adult" });
  assert.equal(adult.train.X.rows, 30162);
  assert.equal(adult.test.X.rows, 15060);
  assert.equal(adult.featureNames.length, 104);
  assert.equal(adult.train.X.cols, 104);
  assert.equal(adult.positiveLabel, ">50K");

  const rawTrain = rawAdultRows("adult.data");
  const rawTest = rawAdultRows("adult.test");
  assert.equal(positives(adult.train), rawTrain.filter((r) => r[14] === ">50K").length);
  assert.equal(positives(adult.test), rawTest.filter((r) => r[14] === ">50K.").length);

  // Row order of the test split is file order: compare with the reference predictions file.
  const reference = readFileSync(join(fixtures, "references", "adult_lr_predictions.csv"), "utf8")
    .trim()
    .split("\n")
    .slice(1);
  assert.equal(reference.length, adult.test.X.rows);
  for (let i = 0; i < reference.length; i++) {
    const [yTrue, , sex, raceBinary] = reference[i].split(",");
    assert.equal(adult.test.y[i], Number(yTrue), `y of test row ${i}`);
    assert.equal(groupOf(adult.test, "sex", i), sex, `sex of test row ${i}`);
    assert.equal(groupOf(adult.test, "race", i) === "White" ? "White" : "non-White", raceBinary);
  }

  // Standardised numeric columns: mean 0 and population sd 1 on train.
  const { data, rows, cols } = adult.train.X;
  const age = adult.featureNames.indexOf("age");
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < rows; i++) sum += data[i * cols + age];
  for (let i = 0; i < rows; i++) squares += (data[i * cols + age] - sum / rows) ** 2;
  assert.ok(Math.abs(sum / rows) < 1e-4);
  assert.ok(Math.abs(squares / rows - 1) < 1e-4);
  // Every row has exactly 8 one-hot ones (one per categorical column) in train.
  const oneHot = adult.featureNames.map((name) => name.includes("="));
  for (let i = 0; i < rows; i += 97) {
    let ones = 0;
    for (let j = 0; j < cols; j++) if (oneHot[j]) ones += data[i * cols + j];
    assert.equal(ones, 8);
  }
});

test("adult: race-binary and dropping the sensitive columns from X", async () => {
  const task = await prepareTask({
    data: "adult",
    sensitive: ["sex", "race-binary"],
    sensitiveInFeatures: false,
  });
  assert.deepEqual(task.train.sensitive[1].categories, ["White", "non-White"]);
  assert.equal(task.featureNames.length, 104 - 2 - 5);
  assert.ok(!task.featureNames.some((name) => name.startsWith("sex=") || name.startsWith("race=")));
});

test("german-credit: 1,000 rows split 70/30 by class, derived sex and age groups", async () => {
  const task = await prepareTask({ data: "german-credit" });
  assert.equal(task.train.X.rows, 700);
  assert.equal(task.test.X.rows, 300);
  assert.equal(positives(task.train) + positives(task.test), 700);
  assert.equal(positives(task.test), 210);
  const arff = bundled("german-credit", "credit-g.arff");
  const females = (arff.match(/,'female /g) ?? []).length;
  const count = (split: Split, value: string) =>
    Array.from(split.y, (_, i) => groupOf(split, "sex", i)).filter((g) => g === value).length;
  assert.equal(count(task.train, "female") + count(task.test, "female"), females);
  const other = await prepareTask({ data: "german-credit", seed: 1 });
  assert.notDeepEqual(other.test.y, task.test.y);
});

test("compas layout: ProPublica's filter rules, the 18 features, the outputs under audit left out (fixture)", async () => {
  const text = readFileSync(join(fixtures, "compas", "compas-sample.csv"), "utf8");
  const table = compasTableFromText(text, "compas-sample.csv");
  // Rows 1–18 pass (days −30 and 30 included); 19–24 each break one rule.
  const ids = table.column("id");
  assert.ok(ids.kind === "numeric");
  assert.deepEqual(
    Array.from(ids.values),
    Array.from({ length: 18 }, (_, i) => i + 1),
  );
  const task = await buildTabularTask(compasSourceFromTable(table), { preprocessing: "public" });
  assert.equal(task.train.X.rows + task.test.X.rows, 18);
  assert.equal(task.featureNames.length, 18);
  assert.deepEqual(task.preprocessor.inputColumns, COMPAS_FEATURES);
  assert.ok(!task.featureNames.some((name) => /^(decile_score|score_text|v_)/.test(name)));
  assert.deepEqual(
    task.train.sensitive.map((s) => s.name),
    ["race", "sex"],
  );
});

test(
  "compas from a data directory: ProPublica's filter leaves 6,172 rows",
  needsShared("compas/compas-scores-two-years.csv"),
  async () => {
    const task = await prepareTask({ data: "compas", dataDir: sharedDatasets });
    assert.equal(task.train.X.rows + task.test.X.rows, 6172);
    assert.deepEqual(
      task.train.sensitive.map((s) => s.name),
      ["race", "sex"],
    );
    assert.ok(
      !task.featureNames.some((name) => name.startsWith("decile_score") || name.startsWith("score_text")),
    );
  },
);

test("synthetic data: seeded, imbalanced, label-biased, with a proxy of the group", () => {
  const table = generateSynthetic({ rows: 20000, seed: 3 });
  const again = generateSynthetic({ rows: 20000, seed: 3 });
  assert.deepEqual(table.column("proxy"), again.column("proxy"));
  const group = table.column("group");
  const label = table.column("label");
  const proxy = table.column("proxy");
  assert.ok(group.kind === "categorical" && label.kind === "categorical" && proxy.kind === "numeric");
  let minority = 0;
  const rate = [0, 0];
  const size = [0, 0];
  let sxy = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  const n = table.rows;
  for (let i = 0; i < n; i++) {
    const g = group.codes[i];
    minority += g;
    size[g]++;
    rate[g] += Number(label.categories[label.codes[i]]);
    const s = g === 1 ? 1 : -1;
    const p = proxy.values[i];
    sx += s;
    sy += p;
    sxy += s * p;
    sxx += s * s;
    syy += p * p;
  }
  assert.ok(Math.abs(minority / n - 0.3) < 0.015);
  // Same feature distribution in both groups, so the gap comes from the flipped labels:
  // group B's rate is about (1 - 0.3) times group A's.
  const ratio = rate[1] / size[1] / (rate[0] / size[0]);
  assert.ok(Math.abs(ratio - 0.7) < 0.05, `ratio ${ratio}`);
  const correlation =
    (sxy / n - (sx / n) * (sy / n)) / Math.sqrt((sxx / n - (sx / n) ** 2) * (syy / n - (sy / n) ** 2));
  assert.ok(correlation > 0.7, `correlation ${correlation}`);
});

test("user CSV file: split, sensitive columns out of X unless asked, unknown columns named", async () => {
  const { mkdtempSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "equipoise-data-"));
  const path = join(dir, "people.csv");
  const lines = ["income,gender,approved"];
  for (let i = 0; i < 100; i++) lines.push(`${i},${i % 3 === 0 ? "f" : "m"},${i % 4 === 0 ? "yes" : "no"}`);
  writeFileSync(path, `${lines.join("\n")}\n`);
  const task = await prepareTask({ data: path, target: "approved", sensitive: ["gender"] });
  assert.equal(task.positiveLabel, "yes");
  assert.equal(task.train.X.rows + task.test.X.rows, 100);
  assert.equal(task.test.X.rows, 30);
  assert.deepEqual(task.featureNames, ["income"]);
  const withSensitive = await prepareTask({
    data: path,
    target: "approved",
    sensitive: ["gender"],
    sensitiveInFeatures: true,
  });
  assert.deepEqual(withSensitive.featureNames, ["income", "gender=f", "gender=m"]);
  await assert.rejects(
    prepareTask({ data: path, target: "nope" }),
    /unknown target column 'nope'; columns: income, gender, approved/,
  );
  await assert.rejects(
    prepareTask({ data: path, target: "approved", sensitive: ["sex"] }),
    /unknown sensitive column 'sex'/,
  );
  await assert.rejects(prepareTask({ data: join(dir, "missing.csv"), target: "a" }), /file not found/);
  await assert.rejects(
    prepareTask({ data: "no-such-dataset" }),
    /known datasets: adult, german-credit, compas/,
  );
});

test('user CSV: an empty sensitive value is missing (its row dropped), never a group named ""; one group is warned about', async () => {
  const { mkdtempSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "equipoise-groups-"));
  const path = join(dir, "groups.csv");
  const lines = ["x,region,gender,y"];
  for (let i = 0; i < 50; i++)
    lines.push(`${i},north,${i % 5 === 0 ? "" : i % 2 ? "f" : "m"},${i % 3 ? 0 : 1}`);
  writeFileSync(path, `${lines.join("\n")}\n`);
  const task = await prepareTask({ data: path, target: "y", sensitive: ["gender", "region"] });
  assert.equal(task.train.X.rows + task.test.X.rows, 40);
  assert.deepEqual(task.train.sensitive[0].categories, ["f", "m"]);
  assert.deepEqual(task.warnings, [
    "sensitive column 'region' has a single group ('north'): every fairness gap by it is 0 by construction",
  ]);
});

test(
  "fashion-mnist from a data directory: 60,000 / 10,000 images in [0, 1], 6,000 / 1,000 per class",
  needsShared(
    "fashion-mnist/train-images-idx3-ubyte.gz",
    "fashion-mnist/train-labels-idx1-ubyte.gz",
    "fashion-mnist/t10k-images-idx3-ubyte.gz",
    "fashion-mnist/t10k-labels-idx1-ubyte.gz",
  ),
  async () => {
    const task = await prepareTask({ data: "fashion-mnist", dataDir: sharedDatasets });
    assert.deepEqual(task.imageShape, [28, 28, 1]);
    assert.equal(task.numClasses, 10);
    assert.equal(task.positiveLabel, null);
    assert.deepEqual([task.train.X.rows, task.train.X.cols, task.test.X.rows], [60000, 784, 10000]);
    assert.deepEqual(task.train.sensitive, []);
    for (const [split, perClass] of [
      [task.train, 6000],
      [task.test, 1000],
    ] as const) {
      const counts = new Array(10).fill(0);
      for (const label of split.y) counts[label]++;
      assert.deepEqual(counts, new Array(10).fill(perClass));
    }
    let min = Infinity;
    let max = -Infinity;
    for (const value of task.test.X.data) {
      if (value < min) min = value;
      if (value > max) max = value;
    }
    assert.deepEqual([min, max], [0, 1]);
  },
);
