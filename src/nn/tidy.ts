import * as tf from "@tensorflow/tfjs-core";

/**
 * tf.tidy for results that hold tensors in plain objects, arrays or nulls (tidy
 * keeps every tensor it finds in the result; its type only admits TensorContainer).
 */
export function tidyKeep<T>(fn: () => T): T {
  return tf.tidy(() => fn() as unknown as tf.TensorContainer) as unknown as T;
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
