/** max(0, x). The backward pass needs only the output: ∂y/∂x = 1 where y > 0. */
import * as tf from "@tensorflow/tfjs-core";
import { elementwiseActivation } from "./activation.js";

export const ReLU = elementwiseActivation("relu", tf.relu, (output) => tf.step(output));
