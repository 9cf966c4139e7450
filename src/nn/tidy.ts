import * as tf from "@tensorflow/tfjs-core";

/**
 * tf.tidy for results that hold tensors in plain objects, arrays or nulls (tidy
 * keeps every tensor it finds in the result; its type only admits TensorContainer).
 */
export function tidyKeep<T>(fn: () => T): T {
  return tf.tidy(() => fn() as unknown as tf.TensorContainer) as unknown as T;
}
