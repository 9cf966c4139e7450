import assert from "node:assert/strict";
import { before, test } from "node:test";
import { WorkerPool } from "../../src/explore/pool.js";
import { runTrial, type TrialData, type TrialSettings } from "../../src/explore/trial.js";
import { type loadTrialData, shareTrialData } from "../../src/explore/trial-data.js";
import type { Configuration } from "../../src/search/index.js";
import { syntheticTrialData } from "../helpers/trial-data.js";

const settings: TrialSettings = {
  delta: 1e-5,
  accountant: "rdp",
  fairness: "demographic_parity",
  noise: "seeded",
};
let original: TrialData & { task: Awaited<ReturnType<typeof loadTrialData>>["task"] };
before(async () => {
  original = await syntheticTrialData();
});

const arraysOf = (data: TrialData) =>
  [data.train, data.validation, data.test].flatMap((split) => [
    split.X.data,
    split.y,
    ...split.sensitive.map((s) => s.codes),
  ]);

test("shareTrialData puts every array of every split in shared memory, unchanged", () => {
  const shared = shareTrialData(original);
  const before = arraysOf(original);
  const after = arraysOf(shared);
  assert.equal(after.length, before.length);
  after.forEach((array, k) => {
    assert.ok(array.buffer instanceof SharedArrayBuffer, `array ${k}`);
    assert.notEqual(array.buffer, before[k].buffer);
    assert.deepEqual(Array.from(array), Array.from(before[k]));
  });
  assert.deepEqual(shared.inputShape, original.inputShape);
  assert.equal(shared.primary, original.primary);
});

test("workers train on the shared data: the outcomes runTrial gives in this thread, and the data is left as it was", async () => {
  const shared = shareTrialData(original);
  const copies = arraysOf(shared).map((a) => a.slice());
  const configs: Configuration[] = [
    { model: "logreg", dp: false, lr: 0.3, epochs: 2, batch: 128, fairWeight: 2 },
    { model: "logreg", dp: true, epsilon: 3, clip: 1, lr: 0.5, epochs: 2, batch: 256, fairWeight: 5 },
    { model: "mlp", width: 8, depth: 1, dp: false, lr: 0.2, epochs: 1, batch: 64, fairWeight: 0.01 },
  ];
  // The setup carries the data itself: the workers never read or prepare the file. Two
  // threads start; the study needs one (the other is stopped when it is configured).
  const pool = new WorkerPool(2, { backend: "wasm" });
  try {
    pool.configure({ data: shared, settings }, 1);
    assert.equal(pool.size, 1);
    await pool.ready();
    const outcomes = await Promise.all(configs.map((config, k) => pool.run(config, 100 + k)));
    configs.forEach((config, k) => {
      const here = runTrial(config, 100 + k, original, settings);
      const there = outcomes[k];
      assert.deepEqual({ ...there, trainSeconds: 0 }, { ...here, trainSeconds: 0 }, `trial ${k}`);
    });
  } finally {
    await pool.close();
  }
  for (const [k, array] of arraysOf(shared).entries())
    assert.deepEqual(array, copies[k], `array ${k} was not written to`);
});

test("a trial thread that fails while the data is prepared is reported by ready(), not as an unhandled rejection", async () => {
  const pool = new WorkerPool(1, { backend: "no-such-backend" });
  try {
    // The thread fails before it is configured; the process must survive until ready() is asked.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    pool.configure({ data: shareTrialData(original), settings });
    await assert.rejects(pool.ready(), /no-such-backend/);
  } finally {
    await pool.close();
  }
});

test("a pool configured for more threads than it started starts the others (a budget drawn after the start)", async () => {
  const pool = new WorkerPool(1, { backend: "wasm" });
  try {
    pool.configure({ data: shareTrialData(original), settings }, 2);
    assert.equal(pool.size, 2);
    await pool.ready();
    const config: Configuration = {
      model: "logreg",
      dp: false,
      lr: 0.3,
      epochs: 1,
      batch: 128,
      fairWeight: 0.01,
    };
    const outcomes = await Promise.all([pool.run(config, 7), pool.run(config, 7)]);
    assert.deepEqual({ ...outcomes[0], trainSeconds: 0 }, { ...outcomes[1], trainSeconds: 0 });
  } finally {
    await pool.close();
  }
});
