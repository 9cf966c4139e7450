/**
 * Losses with per-example values. Both are written from the logits (never from
 * probabilities) so that large |logits| neither overflow nor lose precision.
 * Labels: binary cross-entropy takes float 0/1 of shape [N]; softmax cross-entropy
 * takes int32 class indices of shape [N].
 */
import * as tf from "@tensorflow/tfjs-core";

/**
 * The loss of a classifier: binary cross-entropy on one logit, or softmax cross-entropy.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * const kind: nn.LossKind = "binary-cross-entropy"; // two classes: one logit; more: "softmax-cross-entropy"
 * const labels = nn.labelTensor(kind, Float32Array.of(1, 0, 1)); // float 0/1 for binary, int32 classes for softmax
 * nn.architectureFor("mlp:8", [4], 3).loss; // "softmax-cross-entropy"
 * ```
 */
export type LossKind = "binary-cross-entropy" | "softmax-cross-entropy";

/**
 * ℓᵢ for every example, shape [N].
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * import * as tf from "@tensorflow/tfjs-core";
 * await nn.initBackend("wasm"); // tensors need a backend
 * const labels = nn.labelTensor("binary-cross-entropy", Float32Array.of(1, 0));
 * nn.perExampleLosses("binary-cross-entropy", tf.tensor1d([0, 2]), labels).arraySync(); // [0.6931, 2.1269]
 * ```
 */
export function perExampleLosses(kind: LossKind, logits: tf.Tensor, labels: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    if (kind === "binary-cross-entropy") {
      const z = tf.reshape(logits, [-1]);
      // softplus(z) − y·z = max(z, 0) − y·z + log(1 + e^−|z|)
      return tf.add(
        tf.sub(tf.relu(z), tf.mul(z, labels)),
        tf.log1p(tf.exp(tf.neg(tf.abs(z)))),
      ) as tf.Tensor1D;
    }
    const numClasses = logits.shape[1] as number;
    const logProbabilities = tf.logSoftmax(logits as tf.Tensor2D);
    return tf.neg(
      tf.sum(tf.mul(logProbabilities, tf.oneHot(labels as tf.Tensor1D, numClasses)), 1),
    ) as tf.Tensor1D;
  });
}

/**
 * Binary cross-entropy of one logit on the host, in float64: softplus(z) − y·z, written as
 * max(z, 0) − y·z + log(1 + e^−|z|) so that no |z| overflows (the value of perExampleLosses).
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * nn.logitLoss(0, 1); // 0.6931471805599453 = log 2
 * nn.logitLoss(800, 0); // 800, without overflow
 * ```
 */
export function logitLoss(z: number, y: number): number {
  return Math.max(z, 0) - y * z + Math.log1p(Math.exp(-Math.abs(z)));
}

/**
 * ∂ℓᵢ/∂zᵢ for every example, the shape of the logits.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * import * as tf from "@tensorflow/tfjs-core";
 * await nn.initBackend("wasm"); // tensors need a backend
 * const labels = nn.labelTensor("binary-cross-entropy", Float32Array.of(1, 0));
 * nn.lossGradient("binary-cross-entropy", tf.tensor1d([0, 2]), labels).arraySync(); // [-0.5, 0.8808] = σ(z) − y
 * ```
 */
export function lossGradient(kind: LossKind, logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    if (kind === "binary-cross-entropy") return tf.sub(tf.sigmoid(logits), tf.reshape(labels, logits.shape));
    const numClasses = logits.shape[1] as number;
    return tf.sub(tf.softmax(logits as tf.Tensor2D), tf.oneHot(labels as tf.Tensor1D, numClasses));
  });
}

/**
 * Class predictions from logits: threshold 0 for one logit, argmax otherwise.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * import * as tf from "@tensorflow/tfjs-core";
 * await nn.initBackend("wasm"); // tensors need a backend
 * nn.predictedClasses("binary-cross-entropy", tf.tensor1d([-0.5, 2])).arraySync(); // [0, 1]
 * ```
 */
export function predictedClasses(kind: LossKind, logits: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() =>
    kind === "binary-cross-entropy"
      ? (tf.cast(tf.greater(tf.reshape(logits, [-1]), 0), "float32") as tf.Tensor1D)
      : (tf.argMax(logits, 1) as tf.Tensor1D),
  );
}

/**
 * Uploads labels in the dtype the loss expects.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * await nn.initBackend("wasm"); // tensors need a backend
 * nn.labelTensor("binary-cross-entropy", Float32Array.of(1, 0)); // float32 labels
 * nn.labelTensor("softmax-cross-entropy", Int32Array.of(2, 0)); // int32 class indices
 * ```
 */
export function labelTensor(kind: LossKind, labels: Float32Array | Int32Array): tf.Tensor1D {
  return kind === "binary-cross-entropy"
    ? tf.tensor1d(labels instanceof Float32Array ? labels : Float32Array.from(labels), "float32")
    : tf.tensor1d(labels instanceof Int32Array ? labels : Int32Array.from(labels), "int32");
}
