/**
 * Computations that read tensors back to the host, written once for both kinds of
 * backend. WASM and the CPU hold tensors in this process's memory and read them
 * synchronously; WebGPU can only read asynchronously (its synchronous read goes
 * through a canvas and returns wrong values or loses the device in current
 * browsers). A computation that needs a tensor's values yields the tensor and
 * receives them; {@link readNow} drives it with `dataSync`, {@link readLater}
 * with `await data()`. The sync API stays what it was; only code that must also
 * run on WebGPU is written as a reading.
 */
import type * as tf from "@tensorflow/tfjs-core";

/**
 * The values a reading receives for the tensor it yields (float32, int32 or bool tensors).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { nn } from "equipoise";
 * const values: nn.TensorValues = await nn.readLater(nn.takeValues(tf.tensor1d([1, 2], "int32"))); // Int32Array [1, 2]
 * ```
 */
export type TensorValues = Float32Array | Int32Array | Uint8Array;

/**
 * A computation that yields each tensor whose values it needs and returns a T.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { nn } from "equipoise";
 * await nn.initBackend("wasm");
 * function* total(x: tf.Tensor): nn.Reading<number> {
 *   const sum = tf.sum(x);
 *   const values = yield sum; // the host's copy of the tensor's values
 *   sum.dispose();
 *   return values[0];
 * }
 * nn.readNow(total(tf.tensor1d([1, 2, 3]))); // 6
 * await nn.readLater(total(tf.tensor1d([1, 2, 3]))); // 6, on any backend
 * ```
 */
export type Reading<T> = Generator<tf.Tensor, T, TensorValues>;

/**
 * Runs a reading with synchronous reads (WASM, CPU).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { nn } from "equipoise";
 * await nn.initBackend("wasm");
 * nn.readNow(nn.takeValues(tf.tensor1d([4, 5]))); // Float32Array [4, 5]
 * ```
 */
export function readNow<T>(reading: Reading<T>): T {
  let step = reading.next();
  while (!step.done) {
    let values: TensorValues;
    try {
      values = step.value.dataSync() as TensorValues;
    } catch (error) {
      // Thrown into the reading, so that its `finally` blocks free what they hold.
      step = reading.throw(error);
      continue;
    }
    step = reading.next(values);
  }
  return step.value;
}

/**
 * Runs a reading with asynchronous reads (any backend; the only correct way on WebGPU).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { nn } from "equipoise";
 * await nn.readLater(nn.takeValues(tf.tensor1d([4, 5]))); // Float32Array [4, 5]
 * ```
 */
export async function readLater<T>(reading: Reading<T>): Promise<T> {
  let step = reading.next();
  while (!step.done) {
    let values: TensorValues;
    try {
      values = (await step.value.data()) as TensorValues;
    } catch (error) {
      step = reading.throw(error);
      continue;
    }
    step = reading.next(values);
  }
  return step.value;
}

/**
 * The values of a tensor its caller no longer needs, as a reading (for `yield*`): read,
 * then freed, also when the read fails.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { nn } from "equipoise";
 * function* doubledSum(x: tf.Tensor): nn.Reading<number> {
 *   const [sum] = yield* nn.takeValues(tf.sum(x)); // the sum's tensor is freed
 *   return 2 * sum;
 * }
 * nn.readNow(doubledSum(tf.tensor1d([1, 2]))); // 6
 * ```
 */
export function* takeValues(tensor: tf.Tensor): Reading<TensorValues> {
  try {
    return yield tensor;
  } finally {
    tensor.dispose();
  }
}
