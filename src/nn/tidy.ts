import * as tf from "@tensorflow/tfjs-core";

/**
 * tf.tidy for results that hold tensors in plain objects, arrays or nulls (tidy
 * keeps every tensor it finds in the result; its type only admits TensorContainer).
 *
 * The result is walked here and only a flat array of its tensors reaches the engine's
 * endScope: tfjs' own walk (a for-in over every object of the result) met a new object
 * shape at nearly every step in Chromium, whose engine then threw away and recompiled
 * the walk and the endScope it is inlined into hundreds of times per study — seconds
 * of compilation taken from the trials (BENCHMARKS.md, "The in-browser explorer").
 */
export function tidyKeep<T>(fn: () => T): T {
  const engine = tf.engine();
  engine.startScope();
  let tensors: tf.Tensor[] = [];
  try {
    const result = fn();
    tensors = tensorsIn(result, []);
    return result;
  } finally {
    engine.endScope(tensors);
  }
}

function tensorsIn(value: unknown, out: tf.Tensor[]): tf.Tensor[] {
  if (value === null || typeof value !== "object") return out;
  if (value instanceof tf.Tensor) {
    out.push(value);
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) tensorsIn(value[i], out);
  } else {
    for (const item of Object.values(value)) tensorsIn(item, out);
  }
  return out;
}

/**
 * The values of the tensor `fn` builds, with every intermediate tensor freed. The values
 * are read after tidy returns: tidy walks whatever its callback returns, and walking a
 * typed array visits every element (it was ~7 % of a fairness-penalised trial's time).
 */
export function tidyValues(fn: () => tf.Tensor): Float32Array {
  const tensor = tf.tidy(fn);
  try {
    return tensor.dataSync() as Float32Array;
  } finally {
    tensor.dispose();
  }
}
