/**
 * ELU (Clevert et al. 2016): x for x > 0, eˣ − 1 otherwise. The derivative is a
 * function of the output alone — 1 where y > 0, y + 1 elsewhere — so, like the
 * other activations, the backward pass keeps only y.
 */
import * as tf from "@tensorflow/tfjs-core";
import { elementwiseActivation } from "./activation.js";

export const Elu = elementwiseActivation("elu", tf.elu, (output) =>
  tf.where(tf.greater(output, 0), tf.onesLike(output), tf.add(output, 1)),
);
