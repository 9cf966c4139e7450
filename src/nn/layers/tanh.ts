/** tanh(x); ∂y/∂x = 1 − y², from the kept output. */
import * as tf from "@tensorflow/tfjs-core";
import { elementwiseActivation } from "./activation.js";

export const Tanh = elementwiseActivation("tanh", tf.tanh, (output) => tf.sub(1, tf.square(output)));
