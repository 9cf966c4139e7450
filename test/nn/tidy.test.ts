/**
 * tidyKeep walks its result itself and hands the engine a flat list of tensors; it must
 * keep tf.tidy's contract exactly: the result's tensors survive (and belong to the
 * enclosing scope), every other tensor made inside is freed, and tensors made outside
 * are neither freed nor pinned.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { tidyKeep, tidyValues } from "../../src/nn/tidy.js";

await tf.setBackend("cpu");

test("tidyKeep keeps the tensors of nested objects, arrays and nulls, and frees the rest", () => {
  const before = tf.memory().numTensors;
  const outside = tf.tensor1d([1, 2, 3]);
  const result = tidyKeep(() => {
    const doubled = tf.mul(outside, 2);
    const scratch = tf.add(doubled, 1); // freed
    void tf.square(scratch); // freed
    return {
      a: doubled,
      list: [tf.neg(outside), null, { deep: tf.sum(outside) }],
      input: outside,
      n: 3,
      text: "x",
    };
  });
  // outside + doubled + neg + sum: nothing else survived.
  assert.equal(tf.memory().numTensors, before + 4);
  assert.deepEqual(Array.from(result.a.dataSync()), [2, 4, 6]);
  assert.deepEqual(Array.from((result.list[0] as tf.Tensor).dataSync()), [-1, -2, -3]);
  assert.equal(((result.list[2] as { deep: tf.Tensor }).deep.dataSync() as Float32Array)[0], 6);
  assert.equal(result.input, outside);
  // Nothing was pinned with tf.keep: an enclosing tidy frees the kept results it made.
  assert.equal(outside.isDisposed, false);
  tf.dispose([result.a, result.list[0] as tf.Tensor, (result.list[2] as { deep: tf.Tensor }).deep, outside]);
  assert.equal(tf.memory().numTensors, before);
});

test("inside an enclosing tidy, tidyKeep's results are tracked by it and freed with it", () => {
  const before = tf.memory().numTensors;
  const kept = tf.tidy(() => {
    const inner = tidyKeep(() => ({ x: tf.ones([2]), y: [tf.zeros([3])] }));
    assert.equal(inner.x.isDisposed, false);
    return inner.x; // y[0] is not returned: the outer tidy frees it
  });
  assert.equal(tf.memory().numTensors, before + 1);
  kept.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test("tidyKeep frees what it made when its callback throws", () => {
  const before = tf.memory().numTensors;
  assert.throws(
    () =>
      tidyKeep(() => {
        tf.ones([4]);
        throw new Error("boom");
      }),
    /boom/,
  );
  assert.equal(tf.memory().numTensors, before);
});

test("tidyValues returns the values and frees every tensor", () => {
  const before = tf.memory().numTensors;
  const values = tidyValues(() => tf.add(tf.ones([3]), tf.ones([3])));
  assert.deepEqual(Array.from(values), [2, 2, 2]);
  assert.equal(tf.memory().numTensors, before);
});
