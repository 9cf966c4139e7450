/**
 * Matrix products with a transposed operand. The WASM backend's matMul takes a
 * slow path (about 10× slower on 256×104×64) when asked to transpose an operand,
 * so the transpose is done as its own, cheap, op.
 */
import * as tf from "@tensorflow/tfjs-core";

/** aᵀ·b (2-D, or batched over leading dimensions). */
export function matMulTransposeA<T extends tf.Tensor>(a: T, b: T): T {
  return tf.matMul(transposeLast(a), b) as T;
}

/** a·bᵀ (2-D, or batched over leading dimensions). */
export function matMulTransposeB<T extends tf.Tensor>(a: T, b: T): T {
  return tf.matMul(a, transposeLast(b)) as T;
}

function transposeLast(t: tf.Tensor): tf.Tensor {
  const rank = t.rank;
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return tf.transpose(t, perm);
}
