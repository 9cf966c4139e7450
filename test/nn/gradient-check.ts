/**
 * Independent references for the engine's gradients: tfjs autodiff (tf.grads)
 * run on one example at a time, and central finite differences of the loss.
 */
import * as tf from "@tensorflow/tfjs-core";
import { perExampleLosses } from "../../src/nn/losses.js";
import type { Sequential } from "../../src/nn/sequential.js";

/** Gradient of example i's own loss (times weight) by tf.grads, flattened in parameter order. */
export function autodiffExampleGradient(
  model: Sequential,
  x: tf.Tensor,
  labels: tf.Tensor,
  i: number,
): Float32Array {
  return tf.tidy(() => {
    const xi = tf.slice(x, i, 1);
    const yi = tf.slice(labels, i, 1);
    const params = model.parameters();
    const gradFn = tf.grads((...p: tf.Tensor[]) =>
      tf.sum(perExampleLosses(model.architecture.loss, model.logitsWith(xi, p), yi)),
    );
    const grads = gradFn(params);
    return tf.concat(grads.map((g) => tf.reshape(g, [-1]))).dataSync() as Float32Array;
  });
}

/** Summed loss of a batch at perturbed parameters (float32). */
function summedLoss(model: Sequential, x: tf.Tensor, labels: tf.Tensor, values: Float32Array[]): number {
  return tf.tidy(() => {
    const specs = model.parameterSpecs();
    const params = values.map((v, k) => tf.tensor(v, specs[k].shape));
    return tf
      .sum(perExampleLosses(model.architecture.loss, model.logitsWith(x, params), labels))
      .dataSync()[0];
  });
}

/**
 * Central differences of the summed loss for `count` coordinates picked evenly
 * across all parameters; returns [fd, analytic] pairs' arrays for comparison.
 */
export function finiteDifferenceGradient(
  model: Sequential,
  x: tf.Tensor,
  labels: tf.Tensor,
  coordinates: number[],
  step: number,
): Float64Array {
  const base = model.readParameters();
  const offsets: number[] = [];
  let total = 0;
  for (const v of base) {
    offsets.push(total);
    total += v.length;
  }
  const out = new Float64Array(coordinates.length);
  coordinates.forEach((flat, c) => {
    let k = offsets.length - 1;
    while (offsets[k] > flat) k--;
    const local = flat - offsets[k];
    const plus = base.map((v) => v.slice());
    const minus = base.map((v) => v.slice());
    plus[k][local] += step;
    minus[k][local] -= step;
    out[c] = (summedLoss(model, x, labels, plus) - summedLoss(model, x, labels, minus)) / (2 * step);
  });
  return out;
}

/** max |a − b| / max |b|: relative error on a whole vector, not per tiny coordinate. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, 1e-12);
}

export function flatten(arrays: Float32Array[]): Float32Array {
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const out = new Float32Array(total);
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}
