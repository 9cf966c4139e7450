import assert from "node:assert/strict";
import { test } from "node:test";
import { DataError } from "../../src/common/errors.js";
import { createRandom } from "../../src/common/rng.js";
import { BIAS_COLOURS, coloredBenchmark, recolour } from "../../src/data/datasets/colored-fashion-mnist.js";
import { counterfactual, loadNasTask } from "../../src/nas/tasks.js";
import { needsShared, sharedDatasets } from "../helpers/shared.js";

/** Tiny synthetic grey images (6×6, ten classes): a class-dependent bright square on black. */
function greyImages(n: number, seed: number) {
  const random = createRandom(seed);
  const data = new Float32Array(n * 36);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 10;
    const at = (i % 10) % 6;
    for (let p = 0; p < 36; p++)
      data[i * 36 + p] = p % 6 === at || Math.floor(p / 6) === at ? 0.5 + 0.5 * random.uniform() : 0;
  }
  return { X: { rows: n, cols: 36, data }, y };
}

const classes = Array.from({ length: 10 }, (_, k) => `c${k}`);

function build(rho: number, seed = 0) {
  return coloredBenchmark(
    "synthetic-colored",
    greyImages(2000, 1),
    greyImages(200, 2),
    [6, 6, 1],
    classes,
    { rho, validationSize: 100, seed },
    "fp",
  );
}

test("colored images: a share ρ of training images in their class colour; validation and test hold every image aligned and conflicting", () => {
  for (const rho of [0.95, 0.99]) {
    const { task, validation } = build(rho);
    const bias = task.train.sensitive.find((s) => s.name === "bias")!;
    const aligned = bias.codes.filter((b) => b === 0).length / bias.codes.length;
    // Binomial(1900, ρ): ± 4 standard deviations.
    const sd = Math.sqrt((rho * (1 - rho)) / bias.codes.length);
    assert.ok(Math.abs(aligned - rho) < 4 * sd, `ρ=${rho}: aligned share ${aligned}`);
    for (const split of [validation, task.test]) {
      const codes = split.sensitive.find((s) => s.name === "bias")!.codes;
      const half = split.X.rows / 2;
      assert.ok(codes.slice(0, half).every((b) => b === 0) && codes.slice(half).every((b) => b === 1));
      // The same grey image in both halves.
      const first = recolour({ rows: 1, cols: 108, data: split.X.data.slice(0, 108) }, [0]).data;
      const second = recolour(
        { rows: 1, cols: 108, data: split.X.data.slice(half * 108, half * 108 + 108) },
        [0],
      ).data;
      assert.deepEqual(first, second);
    }
    assert.deepEqual(task.imageShape, [6, 6, 3]);
    assert.equal(validation.X.rows, 200);
  }
});

test("colouring: the background stays black, a pixel's grey value is its largest channel, recolouring is exact", () => {
  const { task } = build(0.95);
  const colours = task.train.sensitive.find((s) => s.name === "colour")!.codes;
  const X = task.train.X;
  const same = recolour(X, colours);
  assert.deepEqual(same.data, X.data);
  for (let p = 0; p < 36; p++) {
    const [r, g, b] = BIAS_COLOURS[colours[0]].rgb;
    const grey = Math.max(X.data[p * 3], X.data[p * 3 + 1], X.data[p * 3 + 2]);
    assert.ok(
      Math.abs(X.data[p * 3] - grey * r) < 1e-6 &&
        Math.abs(X.data[p * 3 + 1] - grey * g) < 1e-6 &&
        Math.abs(X.data[p * 3 + 2] - grey * b) < 1e-6,
    );
  }
});

test("the recolour probe changes every image's colour and keeps its shape", () => {
  const { task } = build(0.99);
  const probed = counterfactual({ probe: { kind: "recolour", attribute: "colour" } }, task.test, 3)!;
  const colours = task.test.sensitive.find((s) => s.name === "colour")!.codes;
  for (let i = 0; i < 20; i++) {
    const row = probed.X.data.slice(i * 108, (i + 1) * 108);
    const before = task.test.X.data.slice(i * 108, (i + 1) * 108);
    let changed = false;
    for (let p = 0; p < 36; p++) {
      const g0 = Math.max(before[p * 3], before[p * 3 + 1], before[p * 3 + 2]);
      const g1 = Math.max(row[p * 3], row[p * 3 + 1], row[p * 3 + 2]);
      assert.ok(Math.abs(g0 - g1) < 1e-6);
      if (
        g0 > 0 &&
        (row[p * 3] !== before[p * 3] ||
          row[p * 3 + 1] !== before[p * 3 + 1] ||
          row[p * 3 + 2] !== before[p * 3 + 2])
      )
        changed = true;
    }
    assert.ok(changed, `image ${i} (colour ${colours[i]}) was recoloured`);
  }
});

test("bad benchmark settings are one DataError", () => {
  assert.throws(() => build(1.5), DataError);
  assert.throws(
    () =>
      coloredBenchmark(
        "x",
        greyImages(50, 1),
        greyImages(10, 2),
        [6, 6, 1],
        classes,
        { rho: 0.9, validationSize: 50, seed: 0 },
        "fp",
      ),
    DataError,
  );
});

test("spurious Adult: the proxy agrees with the label in a share ρ of training rows, and in exactly half of the validation and test rows", async () => {
  const task = await loadNasTask("spurious-adult:0.9");
  assert.equal(task.kind, "biased");
  assert.equal(task.probe.kind, "one-hot");
  const share = (codes: Int32Array) => codes.filter((b) => b === 0).length / codes.length;
  const trainBias = task.train.sensitive.find((s) => s.name === "bias")!.codes;
  assert.ok(Math.abs(share(trainBias) - 0.9) < 4 * Math.sqrt((0.9 * 0.1) / trainBias.length));
  for (const split of [task.validation, task.test])
    assert.equal(share(split.sensitive.find((s) => s.name === "bias")!.codes), 0.5);
  await assert.rejects(() => loadNasTask("spurious-adult:2"), DataError);
});

test(
  "Colored Fashion-MNIST from the fetched files",
  needsShared("fashion-mnist/train-images-idx3-ubyte.gz"),
  async () => {
    const task = await loadNasTask("colored-fashion-mnist:0.995", {
      dataDir: sharedDatasets,
      images: { trainSize: 1000, validationSize: 100, testSize: 100 },
    });
    assert.deepEqual(task.inputShape, [28, 28, 3]);
    assert.equal(task.train.X.rows, 1000);
    assert.equal(task.validation.X.rows, 200);
    assert.equal(task.test.X.rows, 200);
    assert.equal(task.numClasses, 10);
  },
);
