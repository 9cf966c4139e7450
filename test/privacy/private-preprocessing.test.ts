import assert from "node:assert/strict";
import { test } from "node:test";
import { DataError } from "../../src/common/errors.js";
import { createRandom } from "../../src/common/rng.js";
import {
  type DatasetMetadata,
  encodeStrings,
  type FeatureTransform,
  prepareTask,
  Table,
} from "../../src/data/index.js";
import { PrvAccountant, RdpAccountant } from "../../src/privacy/accountants/index.js";
import { gaussianDelta } from "../../src/privacy/mechanisms/index.js";
import { type GaussianNoise, secureGaussianNoise, seededGaussianNoise } from "../../src/privacy/noise.js";
import {
  fitPrivatePreprocessor,
  MIN_SCALED_SD,
  type PreprocessingStatistics,
  preprocessingStatistics,
  privatePreprocessing,
  recordPreprocessingReleases,
  upperNormalQuantile,
} from "../../src/privacy/private-preprocessing.js";

const declared: DatasetMetadata = {
  income: { bounds: [0, 100] },
  age: { bounds: [18, 90] },
  colour: { categories: ["red", "green", "blue"] },
};
const features = ["income", "age", "colour", "city"];

/** n rows: two bounded numeric columns, a declared categorical one, an undeclared one (city). */
function people(
  n: number,
  seed: number,
): { income: number[]; age: number[]; colour: string[]; city: string[] } {
  const random = createRandom(seed);
  const cities = ["Lyon", "Paris", "Nantes", "Lille"];
  const colours = ["red", "green", "blue"];
  return {
    income: Array.from({ length: n }, () => 100 * random.uniform()),
    age: Array.from({ length: n }, () => 18 + Math.floor(72 * random.uniform())),
    colour: Array.from({ length: n }, () => colours[random.integer(3)]),
    city: Array.from({ length: n }, () => cities[random.integer(4)]),
  };
}

function tableOf(rows: ReturnType<typeof people>): Table {
  return new Table([
    { kind: "numeric", name: "income", values: Float64Array.from(rows.income) },
    { kind: "numeric", name: "age", values: Float64Array.from(rows.age) },
    encodeStrings("colour", rows.colour),
    encodeStrings("city", rows.city),
  ]);
}

function withRow(
  rows: ReturnType<typeof people>,
  row: { income: number; age: number; colour: string; city: string },
) {
  return {
    income: [...rows.income, row.income],
    age: [...rows.age, row.age],
    colour: [...rows.colour, row.colour],
    city: [...rows.city, row.city],
  };
}

/** The released vectors of two fits on one coordinate system: numeric sums, then counts by category name. */
function byName(statistics: PreprocessingStatistics): Map<string, number> {
  const named = new Map<string, number>();
  for (const block of statistics.blocks) {
    if (block.kind === "moments") {
      named.set(`${block.column}:sum`, statistics.values[block.offset]);
      named.set(`${block.column}:squares`, statistics.values[block.offset + 1]);
    } else if (block.kind === "counts") {
      for (const [i, category] of block.categories.entries()) {
        named.set(`${block.column}=${category}`, statistics.values[block.offset + i]);
      }
    }
  }
  return named;
}

function distance(a: Map<string, number>, b: Map<string, number>): number {
  let squares = 0;
  for (const key of new Set([...a.keys(), ...b.keys()]))
    squares += ((a.get(key) ?? 0) - (b.get(key) ?? 0)) ** 2;
  return Math.sqrt(squares);
}

test("neighbouring data sets: the noise-free statistics differ by at most the stated L2 sensitivity, and the extreme row reaches it", () => {
  const base = people(500, 1);
  const before = preprocessingStatistics(tableOf(base), features, declared);
  // Two numeric columns (5/4 each) and one undeclared categorical column (1): Δ₂ = sqrt(3.5).
  assert.equal(before.sensitivity, Math.sqrt(2 * 1.25 + 1));
  assert.equal(before.rows, 500);
  // A row with a category no other row has and values far outside the bounds.
  const extreme = withRow(base, { income: 1e12, age: -5, colour: "purple", city: "Atlantis" });
  const after = preprocessingStatistics(tableOf(extreme), features, declared);
  const moved = distance(byName(before), byName(after));
  assert.ok(Math.abs(moved - before.sensitivity) < 1e-12, `moved ${moved}`);
  // Any other added or removed row moves them by less.
  const random = createRandom(2);
  for (let trial = 0; trial < 50; trial++) {
    const i = random.integer(500);
    const removed = {
      income: base.income.filter((_, k) => k !== i),
      age: base.age.filter((_, k) => k !== i),
      colour: base.colour.filter((_, k) => k !== i),
      city: base.city.filter((_, k) => k !== i),
    };
    const fewer = preprocessingStatistics(tableOf(removed), features, declared);
    assert.ok(distance(byName(before), byName(fewer)) <= before.sensitivity + 1e-12);
  }
});

test("the released sums are exact (fixed point), and a row's squared contribution is at most 5/4 at any value", () => {
  // Values chosen so that u = (x − 50)/50 hits −1, 0, 1 and in-between points.
  const income = [0, 50, 100, 12.5, 99.99999, 0.00001, Number.NaN];
  const table = new Table([{ kind: "numeric", name: "income", values: Float64Array.from(income) }]);
  const statistics = preprocessingStatistics(table, ["income"], { income: { bounds: [0, 100] } });
  const u = income.map((x) => (Number.isNaN(x) ? 0 : (x - 50) / 50));
  const sum = u.reduce((a, b) => a + b, 0);
  const squares = u.reduce((a, b) => a + b * b - 0.5, 0);
  assert.ok(Math.abs(statistics.values[0] - sum) <= income.length * 2 ** -21);
  assert.ok(Math.abs(statistics.values[1] - squares) <= income.length * 2 ** -21);
  for (const value of [1, 1 - 2 ** -20, 0.999, Math.SQRT1_2, 0.5, 0]) {
    const row = new Table([
      { kind: "numeric", name: "income", values: Float64Array.from([50 + 50 * value]) },
    ]);
    const [s, q] = preprocessingStatistics(row, ["income"], { income: { bounds: [0, 100] } }).values;
    assert.ok(s * s + q * q <= 1.25, `u = ${value}: ${s * s + q * q}`);
  }
});

test("noisy means and standard deviations: close to the exact ones at the stated noise, clipped to the bounds", () => {
  const rows = people(20000, 3);
  const fit = fitPrivatePreprocessor(tableOf(rows), features, declared, { noise: seededGaussianNoise(5) });
  const transforms = fit.preprocessor.toJSON();
  assert.equal(transforms.kind, "tabular");
  if (transforms.kind !== "tabular") return;
  const income = transforms.transforms.find((t) => t.column === "income") as Extract<
    FeatureTransform,
    { kind: "standardise" }
  >;
  const exactMean = rows.income.reduce((a, b) => a + b, 0) / rows.income.length;
  const exactSd = Math.sqrt(rows.income.reduce((a, b) => a + (b - exactMean) ** 2, 0) / rows.income.length);
  // σ = 10·sqrt(3.5) ≈ 18.7 on a sum of 20,000 values of u: the mean of u moves by ~1e-3, x by ~0.05.
  assert.ok(Math.abs(income.mean - exactMean) < 0.5, `${income.mean} vs ${exactMean}`);
  assert.ok(Math.abs(income.sd - exactSd) < 0.5, `${income.sd} vs ${exactSd}`);
  assert.deepEqual(income.clip, [0, 100]);
  // The declared column is one-hot over its declared list; the undeclared one keeps its four
  // frequent cities (about 5,000 rows each, far above the threshold).
  const colour = transforms.transforms.find((t) => t.column === "colour");
  assert.deepEqual(colour, { kind: "one-hot", column: "colour", categories: ["blue", "green", "red"] });
  const city = transforms.transforms.find((t) => t.column === "city");
  assert.deepEqual(city, {
    kind: "one-hot",
    column: "city",
    categories: ["Lille", "Lyon", "Nantes", "Paris"],
  });
  assert.deepEqual(fit.releases, [
    {
      sampleRate: 1,
      noise: 10,
      count: 1,
      description: fit.releases[0].description,
    },
  ]);
  assert.equal(fit.thresholdDelta, 1e-7);
  assert.match(fit.notForRelease ?? "", /seeded/);
});

test("a category held by one row is not released; the threshold is 1 + σ·Φ⁻¹(1 − δ)", () => {
  // Known quantiles of the standard normal.
  assert.ok(Math.abs(upperNormalQuantile(0.025) - 1.959963984540054) < 1e-9);
  assert.ok(Math.abs(upperNormalQuantile(1e-7) - 5.199337582192817) < 1e-9);
  const rows = people(3000, 4);
  const lonely = withRow(rows, { income: 10, age: 30, colour: "red", city: "Atlantis" });
  const table = tableOf(lonely);
  const sigma = 10 * Math.sqrt(3.5);
  const threshold = 1 + sigma * upperNormalQuantile(1e-7);
  for (let seed = 0; seed < 20; seed++) {
    const fit = fitPrivatePreprocessor(table, features, declared, { noise: seededGaussianNoise(seed) });
    const city = fit.preprocessor.toJSON();
    assert.ok(city.kind === "tabular");
    const categories = (city.transforms[3] as { categories: string[] }).categories;
    assert.ok(!categories.includes("Atlantis"));
    assert.equal(categories.length, 4);
    assert.ok(
      fit.notes.some((note) => note.includes(threshold.toPrecision(4))),
      fit.notes.join(" | "),
    );
  }
});

test("seeded noise gives byte-identical preprocessors; secure noise is marked fit for release", () => {
  const table = tableOf(people(1000, 6));
  const one = fitPrivatePreprocessor(table, features, declared, { noise: seededGaussianNoise(9) });
  const two = fitPrivatePreprocessor(table, features, declared, { noise: seededGaussianNoise(9) });
  assert.equal(JSON.stringify(one.preprocessor.toJSON()), JSON.stringify(two.preprocessor.toJSON()));
  const secure = fitPrivatePreprocessor(table, features, declared, { noise: secureGaussianNoise() });
  assert.equal(secure.notForRelease, null);
  assert.notEqual(JSON.stringify(secure.preprocessor.toJSON()), JSON.stringify(one.preprocessor.toJSON()));
});

test("noise is added once, with σ = z·Δ₂, to the whole released vector; sums are rounded to a power-of-two grid", () => {
  const calls: { length: number; std: number }[] = [];
  const recording: GaussianNoise = {
    kind: "secure",
    add(target, std) {
      calls.push({ length: target.length, std });
      for (let i = 0; i < target.length; i++) target[i] += std * 0.123456789;
    },
  };
  const table = tableOf(people(200, 7));
  const statistics = preprocessingStatistics(table, features, declared);
  fitPrivatePreprocessor(table, features, declared, { noise: recording, noiseMultiplier: 3 });
  assert.deepEqual(calls, [{ length: statistics.values.length, std: 3 * statistics.sensitivity }]);
});

test("a near-constant column gets the floor sd, not a division by a noisy zero", () => {
  const constant = new Table([{ kind: "numeric", name: "x", values: new Float64Array(5000).fill(3) }]);
  const fit = fitPrivatePreprocessor(
    constant,
    ["x"],
    { x: { bounds: [0, 10] } },
    { noise: seededGaussianNoise(1) },
  );
  const json = fit.preprocessor.toJSON();
  assert.ok(json.kind === "tabular");
  const x = json.transforms[0] as Extract<FeatureTransform, { kind: "standardise" }>;
  assert.ok(x.sd >= 5 * MIN_SCALED_SD - 1e-12);
  assert.ok(Math.abs(x.mean - 3) < 0.1, `mean ${x.mean}`);
});

test("a numeric column without bounds, or bounds on a column of text: one DataError naming the column", () => {
  const table = tableOf(people(50, 8));
  assert.throws(
    () => fitPrivatePreprocessor(table, ["income"], {}, { noise: seededGaussianNoise(1) }),
    (error: Error) =>
      error instanceof DataError &&
      /numeric column 'income' has no declared bounds.*--bounds income=LO:HI/.test(error.message),
  );
  assert.throws(
    () =>
      fitPrivatePreprocessor(
        table,
        ["city"],
        { city: { bounds: [0, 1] } },
        { noise: seededGaussianNoise(1) },
      ),
    /column 'city' is declared numeric \(bounds\) but holds text such as 'Paris'|such as '/,
  );
});

test("the release composes in the accountant as the Gaussian mechanism of noise multiplier z", () => {
  // One step at sample rate 1 is the Gaussian mechanism with σ/Δ = z: the PRV accountant's ε
  // (an upper bound with a stated error) brackets the exact ε of Balle & Wang (2018).
  const z = 2;
  const delta = 1e-5;
  let lo = 0;
  let hi = 20;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (gaussianDelta(1, z, mid) > delta) lo = mid;
    else hi = mid;
  }
  const prv = new PrvAccountant();
  prv.step(1, z, 1);
  const spent = prv.spent(delta);
  assert.ok(spent.epsilon >= hi - 1e-9 && spent.epsilon - hi < 0.05, `PRV ${spent.epsilon} vs exact ${hi}`);
  // RDP: the closed form α/(2z²) at the best order, composed with DP-SGD steps.
  const rdp = new RdpAccountant();
  rdp.step(0.01, 1, 1000);
  const before = rdp.epsilon(delta);
  rdp.step(1, 10, 1);
  assert.ok(rdp.epsilon(delta) > before && rdp.epsilon(delta) < before + 0.1);
});

test("prepareTask in private mode records the release; without a fitter it is a programming error", async () => {
  const noise = seededGaussianNoise(3);
  const task = await prepareTask({
    data: "synthetic",
    preprocessing: "private",
    fitPrivately: privatePreprocessing({ noise }),
  });
  assert.equal(task.preprocessing.mode, "private");
  assert.equal(task.preprocessing.dataDependent, true);
  assert.equal(task.preprocessing.releases.length, 1);
  assert.equal(task.preprocessing.releases[0].noise, 10);
  assert.equal(task.preprocessing.thresholdDelta, 0); // every categorical column of synthetic is declared
  assert.match(task.preprocessing.notForRelease ?? "", /seeded/);
  assert.equal(task.featureNames.length, 8);
  const accountant = new RdpAccountant();
  recordPreprocessingReleases(accountant, task.preprocessing);
  assert.deepEqual(accountant.history, [{ sampleRate: 1, noise: 10, steps: 1 }]);
  await assert.rejects(prepareTask({ data: "synthetic", preprocessing: "private" }), /needs fitPrivately/);
});

test("the fingerprint identifies the data, not its encoding: a private preprocessor with secure noise keeps it", async () => {
  const fitted = await prepareTask({ data: "synthetic" });
  const fitPrivately = privatePreprocessing({ noise: secureGaussianNoise() });
  const one = await prepareTask({ data: "synthetic", preprocessing: "private", fitPrivately });
  const two = await prepareTask({ data: "synthetic", preprocessing: "private", fitPrivately });
  assert.notDeepEqual(one.train.X.data, two.train.X.data);
  assert.equal(one.fingerprint, fitted.fingerprint);
  assert.equal(two.fingerprint, fitted.fingerprint);
});

test("a declared log1p column: the released moments are those of log(1 + clip(x)) scaled by the bounds' images, sensitivity unchanged", () => {
  const values = [0, 0, 9, 99, 999, 1e6];
  const table = new Table([{ kind: "numeric", name: "gain", values: Float64Array.from(values) }]);
  const logDeclared: DatasetMetadata = { gain: { bounds: [0, 9_999], transform: "log1p" } };
  const statistics = preprocessingStatistics(table, ["gain"], logDeclared);
  const half = Math.log1p(9_999) / 2;
  const u = values.map((x) => (Math.log1p(Math.min(9_999, x)) - half) / half);
  const sum = u.reduce((a, b) => a + b, 0);
  // The sums are computed in fixed point, each u rounded to a multiple of 2^-20.
  const released = statistics.values[0];
  assert.ok(Math.abs(released - sum) <= values.length * 2 ** -20, `${released} vs ${sum}`);
  const linear = preprocessingStatistics(table, ["gain"], { gain: { bounds: [0, 9_999] } });
  assert.equal(statistics.sensitivity, linear.sensitivity);
  const fit = fitPrivatePreprocessor(table, ["gain"], logDeclared, { noise: seededGaussianNoise(1) });
  const json = fit.preprocessor.toJSON();
  assert.ok(
    json.kind === "tabular" && json.transforms[0].kind === "standardise" && json.transforms[0].log1p === true,
  );
});
