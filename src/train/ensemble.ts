/**
 * K independent copies of an MLP trained at once: every weight gets a leading K
 * axis and each layer is one batched matMul over it, so K small models cost about
 * the per-op overhead of one (shadow models, ensembles, batches of trials).
 *
 * Member k trains exactly as `trainModel` would train it alone — same
 * initialisation (its seed), same batches (its own shuffled sampler over its own
 * data subset), plain SGD with its own learning rate. Batches of different sizes
 * are padded with zero-weight rows; a member whose epoch has ended gets a zero
 * gradient, which leaves plain SGD's parameters exactly unchanged.
 */
import * as tf from "@tensorflow/tfjs-core";
import { createRandom } from "../common/rng.js";
import { type Architecture, architectureFor, Sequential } from "../nn/index.js";
import { tidyKeep } from "../nn/tidy.js";
import { createSampler } from "./samplers.js";
import type { TrainingData } from "./trainer.js";

export interface EnsembleMember {
  seed: number;
  learningRate: number;
  /** Rows of the training data this member trains on (default: all). */
  subset?: Int32Array;
}

export interface EnsembleOptions {
  epochs: number;
  batchSize: number;
}

export interface EnsembleResult {
  models: Sequential[];
  steps: number;
  seconds: number;
}

type Activation = "relu" | "tanh" | "sigmoid";

export function trainEnsemble(
  spec: string,
  numClasses: number,
  data: TrainingData,
  members: readonly EnsembleMember[],
  options: EnsembleOptions,
): EnsembleResult {
  const architecture = architectureFor(spec, [data.X.cols], numClasses);
  const { dense, activations } = mlpShape(architecture);
  const K = members.length;
  const started = performance.now();

  // Stacked initial parameters: [K, in, out] kernels and [K, 1, out] biases.
  let params = tidyKeep(() => {
    const initial = members.map((m) => {
      const model = new Sequential(architecture, { seed: m.seed });
      const values = model.readParameters();
      model.dispose();
      return values;
    });
    return initial[0].map((_, p) => {
      const shape = p % 2 === 0 ? [dense[p / 2].inputs, dense[p / 2].units] : [1, dense[(p - 1) / 2].units];
      return tf.stack(initial.map((values) => tf.tensor(values[p], shape)));
    });
  });
  const learningRates = tf.tensor3d(
    Float32Array.from(members, (m) => m.learningRate),
    [K, 1, 1],
  );
  const subsets = members.map((m) => m.subset ?? Int32Array.from({ length: data.X.rows }, (_, i) => i));
  const samplers = members.map((m, k) =>
    createSampler("shuffle", subsets[k].length, options.batchSize, createRandom(m.seed).fork()),
  );
  const binary = architecture.loss === "binary-cross-entropy";
  const cols = data.X.cols;
  let steps = 0;
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const iterators = samplers.map((s) => s.epoch());
      for (;;) {
        const batches = iterators.map((it) => it.next().value as Int32Array | undefined);
        if (batches.every((b) => b === undefined)) break;
        const width = Math.max(...batches.map((b) => b?.length ?? 0));
        const x = new Float32Array(K * width * cols);
        const y = new Float32Array(K * width);
        const w = new Float32Array(K * width);
        batches.forEach((batch, k) => {
          if (!batch) return;
          for (let r = 0; r < batch.length; r++) {
            const row = subsets[k][batch[r]];
            const at = k * width + r;
            x.set(data.X.data.subarray(row * cols, row * cols + cols), at * cols);
            y[at] = data.y[row];
            w[at] = 1 / batch.length;
          }
        });
        const next = tf.tidy(() => {
          const gradients = ensembleGradients(
            params,
            activations,
            tf.tensor3d(x, [K, width, cols]),
            tf.tensor2d(y, [K, width]),
            tf.tensor3d(w, [K, width, 1]),
            binary,
          );
          return params.map((p, i) => tf.sub(p, tf.mul(gradients[i], learningRates)));
        });
        tf.dispose(params);
        params = next;
        steps++;
      }
    }
    const models = members.map((_, k) =>
      tidyKeep(() => {
        const values = params.map((p) => tf.squeeze(tf.slice(p, k, 1), [0]).dataSync() as Float32Array);
        return new Sequential(architecture, values);
      }),
    );
    return { models, steps, seconds: (performance.now() - started) / 1000 };
  } finally {
    tf.dispose(params);
    learningRates.dispose();
  }
}

function ensembleGradients(
  params: tf.Tensor[],
  activations: (Activation | null)[],
  x: tf.Tensor3D,
  y: tf.Tensor2D,
  weights: tf.Tensor3D,
  binary: boolean,
): tf.Tensor[] {
  const inputs: tf.Tensor[] = [];
  const outputs: tf.Tensor[] = [];
  let h: tf.Tensor = x;
  const layers = params.length / 2;
  for (let l = 0; l < layers; l++) {
    inputs.push(h);
    const z = tf.add(tf.matMul(h as tf.Tensor3D, params[2 * l] as tf.Tensor3D), params[2 * l + 1]);
    const activation = activations[l];
    h =
      activation === "relu"
        ? tf.relu(z)
        : activation === "tanh"
          ? tf.tanh(z)
          : activation === "sigmoid"
            ? tf.sigmoid(z)
            : z;
    outputs.push(h);
  }
  const logits = h as tf.Tensor3D;
  let delta: tf.Tensor = binary
    ? tf.sub(tf.sigmoid(logits), tf.expandDims(y, 2))
    : tf.sub(tf.softmax(logits), tf.oneHot(tf.cast(y, "int32"), logits.shape[2]));
  delta = tf.mul(delta, weights);
  const gradients: tf.Tensor[] = new Array(params.length);
  for (let l = layers - 1; l >= 0; l--) {
    const input = inputs[l] as tf.Tensor3D;
    gradients[2 * l] = tf.matMul(tf.transpose(input, [0, 2, 1]), delta as tf.Tensor3D);
    gradients[2 * l + 1] = tf.sum(delta, 1, true);
    if (l === 0) break;
    let upstream: tf.Tensor = tf.matMul(
      delta as tf.Tensor3D,
      tf.transpose(params[2 * l], [0, 2, 1]) as tf.Tensor3D,
    );
    const previous = outputs[l - 1];
    const activation = activations[l - 1];
    if (activation === "relu") upstream = tf.mul(upstream, tf.step(previous));
    else if (activation === "tanh") upstream = tf.mul(upstream, tf.sub(1, tf.square(previous)));
    else if (activation === "sigmoid") upstream = tf.mul(upstream, tf.mul(previous, tf.sub(1, previous)));
    delta = upstream;
  }
  return gradients;
}

/** Dense layers and the activation after each (null for none); only MLPs are batched. */
function mlpShape(architecture: Architecture): {
  dense: { inputs: number; units: number }[];
  activations: (Activation | null)[];
} {
  const dense: { inputs: number; units: number }[] = [];
  const activations: (Activation | null)[] = [];
  let width = architecture.inputShape[0];
  for (const layer of architecture.layers) {
    if (layer.type === "dense") {
      dense.push({ inputs: width, units: layer.units });
      activations.push(null);
      width = layer.units;
    } else if (
      (layer.type === "relu" || layer.type === "tanh" || layer.type === "sigmoid") &&
      activations.length > 0
    ) {
      activations[activations.length - 1] = layer.type;
    } else {
      throw new RangeError(
        `trainEnsemble batches MLPs only (dense and activation layers); got a ${layer.type} layer`,
      );
    }
  }
  return { dense, activations };
}
