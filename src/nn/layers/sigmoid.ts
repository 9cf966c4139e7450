/** 1 / (1 + e^−x); ∂y/∂x = y(1 − y), from the kept output. */
import * as tf from "@tensorflow/tfjs-core";
import { elementwiseActivation } from "./activation.js";

export const Sigmoid = elementwiseActivation("sigmoid", tf.sigmoid, (output) =>
  tf.mul(output, tf.sub(1, output)),
);
