import assert from "node:assert/strict";
import { before, test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import { runTrial, runTrialReading, type TrialData, type TrialSettings } from "../../src/explore/trial.js";
import { initBackend } from "../../src/nn/backend.js";
import { type Reading, readLater, readNow } from "../../src/nn/reads.js";
import type { Configuration } from "../../src/search/index.js";
import { syntheticTrialData } from "../helpers/trial-data.js";

const settings: TrialSettings = {
  delta: 1e-5,
  accountant: "rdp",
  fairness: "demographic_parity",
  noise: "seeded",
};
let data: TrialData;
before(async () => {
  await initBackend("wasm");
  data = await syntheticTrialData();
});

/** Runs `fn` with every synchronous read refused, as on WebGPU (whose synchronous read is broken). */
async function withoutSynchronousReads<T>(fn: () => Promise<T>): Promise<T> {
  const prototype = tf.Tensor.prototype as unknown as Record<string, unknown>;
  const saved = { dataSync: prototype.dataSync, arraySync: prototype.arraySync };
  const refuse = () => {
    throw new Error("a synchronous read on the asynchronous path");
  };
  prototype.dataSync = refuse;
  prototype.arraySync = refuse;
  try {
    return await fn();
  } finally {
    Object.assign(prototype, saved);
  }
}

function* sumOf(values: number[]): Reading<number> {
  const tensor = tf.sum(tf.tensor1d(values));
  try {
    return (yield tensor)[0];
  } finally {
    tensor.dispose();
  }
}

test("a reading gives the same value read now and read later", async () => {
  assert.equal(readNow(sumOf([1, 2, 3.5])), 6.5);
  assert.equal(await readLater(sumOf([1, 2, 3.5])), 6.5);
});

test("a read that fails is thrown into the reading, whose finally blocks free its tensors", async () => {
  for (const read of [readNow, readLater] as const) {
    const before = tf.memory().numTensors;
    let freed = false;
    function* failing(): Reading<number> {
      const held = tf.tensor1d([1, 2]);
      const gone = tf.tensor1d([3]);
      gone.dispose();
      try {
        return (yield gone)[0];
      } finally {
        held.dispose();
        freed = true;
      }
    }
    await assert.rejects(async () => read(failing()), /disposed/);
    assert.ok(freed, `${read.name}: the reading's finally block ran`);
    assert.equal(tf.memory().numTensors, before, `${read.name}: no tensor left behind`);
  }
});

test("a trial read later, with no synchronous read at all, is the trial read now: plain, penalised, DP-SGD, DPSGD-F", async () => {
  const configs: Configuration[] = [
    { model: "logreg", dp: false, lr: 0.3, epochs: 2, batch: 128, fairWeight: 2 },
    { model: "logreg", dp: true, epsilon: 3, clip: 1, lr: 0.5, epochs: 2, batch: 256, fairWeight: 5 },
    {
      model: "mlp",
      width: 8,
      depth: 1,
      dp: true,
      epsilon: 2,
      clip: 1,
      lr: 0.2,
      epochs: 2,
      batch: 64,
      fairWeight: 0,
    },
    {
      model: "logreg",
      dp: true,
      epsilon: 2,
      clip: 1,
      lr: 0.3,
      epochs: 2,
      batch: 128,
      fairWeight: 0,
      privateMethod: "dpsgd-f",
      groupClipGamma: 2,
    },
  ];
  for (const [k, config] of configs.entries()) {
    const now = runTrial(config, 40 + k, data, settings);
    const tensors = tf.memory().numTensors;
    const later = await withoutSynchronousReads(() =>
      readLater(runTrialReading(config, 40 + k, data, settings)),
    );
    assert.equal(tf.memory().numTensors, tensors, `trial ${k}: no tensor left behind`);
    assert.deepEqual({ ...later, trainSeconds: 0 }, { ...now, trainSeconds: 0 }, `trial ${k}`);
  }
});

test("the guard itself catches a synchronous read (so the test above could fail)", async () => {
  await assert.rejects(
    withoutSynchronousReads(async () =>
      runTrial(
        { model: "logreg", dp: false, lr: 0.3, epochs: 1, batch: 128, fairWeight: 0 },
        1,
        data,
        settings,
      ),
    ),
    /synchronous read on the asynchronous path/,
  );
});
