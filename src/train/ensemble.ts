/**
 * K independent copies of an MLP trained at once: every weight gets a leading K
 * axis and each layer is one batched matMul over it, so K small models cost about
 * the per-op overhead of one (shadow models, ensembles, batches of trials).
 *
 * Member k trains exactly as it would train alone — same initialisation (its
 * seed), same batches (its own sampler over its own data subset: shuffled, or
 * Poisson at q_k = batch_k/N_k under DP), plain SGD with its own learning rate and
 * its own number of epochs, and its own learning-rate schedule:
 *  - alone with `trainModel` and the mean gradient (no `privacy`, no rule);
 *  - alone with DP-SGD (flat clipping) when it has `privacy`: per-example norms from
 *    the same pass (ghost norms, ||gᵢ||² = Σ_layers (||aᵢ||² + 1)·||δᵢ||²), clip
 *    factors min(1, C_k/||gᵢ||), the clipped sum, then the member's
 *    `PrivateGradientStep` — the one clip-and-noise primitive of privacy/, which
 *    adds the noise, divides by q_k·N_k and records the step in the member's
 *    accountant (there is no way to take a private step without it);
 *  - with any gradient strategy that is "the model's backward pass seeded with
 *    per-example output gradients" (fairness penalties): its `outputGradients` rule.
 * Members run in lockstep, one step each per round; batches of different sizes are
 * padded with zero rows, and a member that has run all its steps leaves the stack.
 */
import * as tf from "@tensorflow/tfjs-core";
import { createRandom, type Random } from "../common/rng.js";
import { type Architecture, architectureFor, Sequential } from "../nn/index.js";
import { tidyKeep, tidyValues } from "../nn/tidy.js";
import type { PrivateGradientStep } from "./gradient.js";
import { type LearningRateSchedule, learningRateAt } from "./optimizers.js";
import { type BatchSampler, createSampler } from "./samplers.js";
import type { TrainingData } from "./trainer.js";

/**
 * One model of a {@link trainEnsemble} run: its seed, learning rate, and optionally its own data subset, batch size, epochs, schedule, private step or output-gradient rule.
 *
 * @example
 * ```ts
 * import { train } from "equipoise";
 * declare const data: train.TrainingData; // 2,000 rows, 5 features, labels 0/1
 * const members: train.EnsembleMember[] = [0, 1, 2, 3].map((seed) => ({
 *   seed,
 *   learningRate: 0.1,
 *   schedule: "cosine",
 *   subset: Int32Array.from({ length: 500 }, (_, i) => i + 500 * seed), // 500 rows each
 * }));
 * const { models } = train.trainEnsemble("mlp:16", 2, data, members, { epochs: 5, batchSize: 32 });
 * ```
 */
export interface EnsembleMember {
  seed: number;
  learningRate: number;
  /** How the learning rate evolves over the member's steps (default constant). */
  schedule?: LearningRateSchedule;
  /** Rows of the training data this member trains on (default: all). */
  subset?: Int32Array;
  /** This member's (expected, under DP) batch size (default: options.batchSize). */
  batchSize?: number;
  /** This member's number of epochs (default: options.epochs). */
  epochs?: number;
  /**
   * DP-SGD: Poisson sampling at the step's rate, flat clipping to its C, noise and
   * accounting by the step itself (privacy/clip-and-noise.ts makes one).
   */
  privacy?: PrivateGradientStep;
  /**
   * Source of batch membership instead of the seeded generator (as `trainModel`'s
   * option: a private member without a seed samples from a secure generator).
   */
  samplingRandom?: Random;
  /** Per-example output gradients replacing the loss's own (binary models only). */
  outputGradients?: OutputGradientRule;
}

/**
 * What a member's backward pass is seeded with: dL/dzᵢ for each example of its
 * batch (z the single logit). Non-private members return the batch objective's
 * gradient (the mean loss's is (pᵢ − yᵢ)/B); private members return per-example
 * gradients, which are then clipped, summed, noised and divided by q·N.
 *
 * @example
 * ```ts
 * import { train } from "equipoise";
 * declare const data: train.TrainingData; // binary labels
 * const meanLoss: train.OutputGradientRule = {
 *   name: "mean loss", // the mean loss's own gradient, (pᵢ − yᵢ)/B, written out: trains as without a rule
 *   compute: (batch) => batch.probabilities.map((p, i) => (p - batch.labels[i]) / batch.rows.length),
 * };
 * const members = [{ seed: 0, learningRate: 0.1, outputGradients: meanLoss }];
 * train.trainEnsemble("mlp:16", 2, data, members, { epochs: 3, batchSize: 32 });
 * ```
 */
export interface OutputGradientRule {
  /** The rule's name, for messages. */
  readonly name: string;
  /** dL/dzᵢ for each example of the batch. */
  compute(batch: MemberBatch): Float32Array;
}

/**
 * One member's batch as an {@link OutputGradientRule} sees it: rows, labels, logits, probabilities and the expected batch size.
 *
 * @example
 * ```ts
 * import { train } from "equipoise";
 * const rule: train.OutputGradientRule = {
 *   name: "mean loss, up-weighting positives",
 *   compute(batch: train.MemberBatch) {
 *     // also there: batch.step, batch.logits, batch.expectedBatchSize (q·N under Poisson sampling)
 *     return batch.probabilities.map((p, i) => ((p - batch.labels[i]) * (batch.labels[i] === 1 ? 2 : 1)) / batch.rows.length);
 *   },
 * };
 * ```
 */
export interface MemberBatch {
  /** The member's own step counter (0-based, every batch counts, empty ones too). */
  step: number;
  /** Rows of the training data in this batch (subset already applied). */
  rows: Int32Array;
  labels: Float32Array;
  logits: Float32Array;
  /** σ(zᵢ) as the tensor backend computes it. */
  probabilities: Float32Array;
  /** Batch size (shuffled) or q·N (Poisson). */
  expectedBatchSize: number;
  /** σ(z) of the member's CURRENT parameters on other rows (the same X object is uploaded once). */
  probabilitiesOn(X: TrainingData["X"]): Float32Array;
}

/**
 * Epochs and batch size of every {@link trainEnsemble} member that does not set its own.
 *
 * @example
 * ```ts
 * import { train } from "equipoise";
 * declare const data: train.TrainingData;
 * const options: train.EnsembleOptions = { epochs: 10, batchSize: 64 };
 * const members = [{ seed: 0, learningRate: 0.05 }, { seed: 1, learningRate: 0.05, epochs: 20 }]; // member 1 overrides epochs
 * train.trainEnsemble("mlp:32", 2, data, members, options);
 * ```
 */
export interface EnsembleOptions {
  epochs: number;
  batchSize: number;
}

/**
 * What {@link trainEnsemble} returns: one trained model per member, the steps run, and each private member's settings.
 *
 * @example
 * ```ts
 * import { train } from "equipoise";
 * declare const data: train.TrainingData;
 * const members = [{ seed: 0, learningRate: 0.1 }, { seed: 1, learningRate: 0.2 }];
 * const result: train.EnsembleResult = train.trainEnsemble("mlp:16", 2, data, members, { epochs: 3, batchSize: 32 });
 * result.models.length; // 2, in the members' order
 * result.memberSteps; // steps each member took
 * result.privacy; // [null, null]: no member was private
 * ```
 */
export interface EnsembleResult {
  models: Sequential[];
  /** Rounds run (the longest member's steps). */
  steps: number;
  /** Steps each member took. */
  memberSteps: number[];
  /** Noise multiplier, clip, sample rate and steps of each private member (null otherwise). */
  privacy: ({ noise: number; clip: number; sampleRate: number; steps: number } | null)[];
  seconds: number;
}

type Activation = "relu" | "tanh" | "sigmoid";

interface MemberState {
  index: number;
  subset: Int32Array;
  sampler: BatchSampler;
  batches: Generator<Int32Array>;
  steps: number;
  /** Steps the member will take: epochs × batches per epoch. */
  totalSteps: number;
}

/**
 * Trains the members side by side in one batched pass, each exactly as it would train alone (see the module comment).
 *
 * @example
 * ```ts
 * import { train } from "equipoise";
 * declare const data: train.TrainingData; // { X, y } with 5 features; three members in one pass
 * const members = [0.05, 0.1, 0.2].map((learningRate, seed) => ({ seed, learningRate }));
 * const { models } = train.trainEnsemble("mlp:16", 2, data, members, { epochs: 3, batchSize: 16 });
 * // models[k] is what trainModel would train alone with member k's seed and learning rate
 * ```
 */
export function trainEnsemble(
  spec: string,
  numClasses: number,
  data: TrainingData,
  members: readonly EnsembleMember[],
  options: EnsembleOptions,
): EnsembleResult {
  const architecture = architectureFor(spec, [data.X.cols], numClasses);
  const { dense, activations } = mlpShape(architecture);
  const binary = architecture.loss === "binary-cross-entropy";
  for (const m of members) {
    if (m.outputGradients && !binary)
      throw new RangeError("output-gradient rules need a binary model with one logit");
  }
  const started = performance.now();
  const parameterSizes = dense.flatMap((d) => [d.inputs * d.units, d.units]);
  const parameterCount = parameterSizes.reduce((a, b) => a + b, 0);

  const states: MemberState[] = members.map((m, k) => {
    const subset = m.subset ?? Int32Array.from({ length: data.X.rows }, (_, i) => i);
    const size = subset.length;
    const batchSize = Math.min(m.batchSize ?? options.batchSize, size);
    const sampler = createSampler(
      m.privacy ? "poisson" : "shuffle",
      size,
      batchSize,
      m.samplingRandom ?? createRandom(m.seed).fork(),
    );
    const epochs = m.epochs ?? options.epochs;
    if (m.privacy && (m.privacy.datasetSize !== size || m.privacy.sampleRate !== sampler.sampleRate)) {
      throw new RangeError(
        `member ${k}: its private step was set up for rate ${m.privacy.sampleRate} of ${m.privacy.datasetSize} examples, ` +
          `but it samples at rate ${sampler.sampleRate} from ${size}: the accounting would be wrong`,
      );
    }
    return {
      index: k,
      subset,
      sampler,
      batches: epochsOf(sampler, epochs),
      steps: 0,
      totalSteps: epochs * sampler.batchesPerEpoch,
    };
  });

  // Stacked parameters of the live members: [K, in, out] kernels and [K, 1, out] biases.
  let params = tidyKeep(() => {
    const initial = members.map((m) => {
      const model = new Sequential(architecture, { seed: m.seed });
      const values = model.readParameters();
      model.dispose();
      return values;
    });
    return parameterSizes.map((_, p) =>
      tf.stack(initial.map((values) => tf.tensor(values[p], parameterShape(dense, p)))),
    );
  });
  let live = states;
  const models: Sequential[] = new Array(members.length);
  const uploaded = new Map<Float32Array, tf.Tensor2D>();
  const cols = data.X.cols;
  let rounds = 0;

  const retire = (leaving: Set<number>) => {
    const keep: number[] = [];
    live.forEach((state, position) => {
      if (!leaving.has(state.index)) {
        keep.push(position);
        return;
      }
      models[state.index] = tidyKeep(() => {
        const values = params.map(
          (p) => tf.squeeze(tf.slice(p, position, 1), [0]).dataSync() as Float32Array,
        );
        return new Sequential(architecture, values);
      });
    });
    const next = keep.length > 0 ? tidyKeep(() => params.map((p) => tf.gather(p, keep))) : [];
    tf.dispose(params);
    params = next;
    live = keep.map((position) => live[position]);
  };

  try {
    for (;;) {
      const batches: Int32Array[] = [];
      const leaving = new Set<number>();
      for (const state of live) {
        const next = state.batches.next();
        if (next.done) leaving.add(state.index);
        else batches.push(next.value);
      }
      if (leaving.size > 0) retire(leaving);
      if (live.length === 0) break;
      const next = ensembleStep(params, live, batches);
      tf.dispose(params);
      params = next;
      for (const state of live) state.steps++;
      rounds++;
    }
  } finally {
    tf.dispose(params);
    for (const tensor of uploaded.values()) tensor.dispose();
  }
  return {
    models,
    steps: rounds,
    memberSteps: states.map((s) => s.steps),
    privacy: members.map((m, k) =>
      m.privacy
        ? {
            noise: m.privacy.noiseMultiplier,
            clip: m.privacy.clip,
            sampleRate: states[k].sampler.sampleRate,
            steps: states[k].steps,
          }
        : null,
    ),
    seconds: (performance.now() - started) / 1000,
  };

  function ensembleStep(current: tf.Tensor[], states: MemberState[], batches: Int32Array[]): tf.Tensor[] {
    const K = states.length;
    const width = Math.max(1, ...batches.map((b) => b.length));
    const x = new Float32Array(K * width * cols);
    const y = new Float32Array(K * width);
    batches.forEach((batch, k) => {
      const subset = states[k].subset;
      for (let r = 0; r < batch.length; r++) {
        const row = subset[batch[r]];
        const at = k * width + r;
        x.set(data.X.data.subarray(row * cols, row * cols + cols), at * cols);
        y[at] = data.y[row];
      }
    });
    const anyPrivate = states.some((s) => members[s.index].privacy);
    return tf.tidy(() => {
      const { inputs, outputs } = forward(current, activations, tf.tensor3d(x, [K, width, cols]));
      const logits = outputs[outputs.length - 1] as tf.Tensor3D;
      const seeds = binary
        ? tf.tensor3d(binarySeeds(states, batches, logits, y, width, current), [K, width, 1])
        : multiclassSeeds(states, batches, logits, y, width);
      let deltas = backward(current, activations, outputs, seeds);
      if (anyPrivate) {
        const clips = Float32Array.from(
          states,
          (s) => members[s.index].privacy?.clip ?? Number.POSITIVE_INFINITY,
        );
        const factors = clipFactors(inputs, deltas, tf.tensor3d(clips, [K, 1, 1]));
        deltas = deltas.map((d) => tf.mul(d, factors));
      }
      const gradients: tf.Tensor[] = [];
      deltas.forEach((delta, l) => {
        gradients.push(
          tf.matMul(tf.transpose(inputs[l], [0, 2, 1]) as tf.Tensor3D, delta as tf.Tensor3D),
          tf.sum(delta, 1, true),
        );
      });
      const rates = Float32Array.from(states, (s) => {
        const { learningRate, schedule } = members[s.index];
        return learningRateAt({ kind: "sgd", learningRate, schedule }, s.steps, s.totalSteps);
      });
      const released = anyPrivate ? privatised(gradients, states) : gradients;
      const scale = tf.tensor3d(rates, [K, 1, 1]);
      return current.map((p, i) => tf.sub(p, tf.mul(released[i], scale)));
    });
  }

  /**
   * Private members' clipped sums through their own PrivateGradientStep (noise, ÷ q·N,
   * one accountant step), in the model's parameter order; other members' gradients
   * pass unchanged.
   */
  function privatised(gradients: tf.Tensor[], states: MemberState[]): tf.Tensor[] {
    const stacked = gradients.map((g) => new Float32Array(g.dataSync()));
    const own = new Float32Array(parameterCount);
    states.forEach((s, k) => {
      const privacy = members[s.index].privacy;
      if (!privacy) return;
      let offset = 0;
      parameterSizes.forEach((size, p) => {
        own.set(stacked[p].subarray(k * size, (k + 1) * size), offset);
        offset += size;
      });
      privacy.privatise(own);
      offset = 0;
      parameterSizes.forEach((size, p) => {
        stacked[p].set(own.subarray(offset, offset + size), k * size);
        offset += size;
      });
    });
    return gradients.map((g, p) => tf.tensor(stacked[p], g.shape));
  }

  /**
   * Output gradients of a binary model, in JS so that rules (penalties) can use the
   * batch's probabilities. Defaults mirror the engine's float32 arithmetic:
   * non-private (σ(z) − y)·(1/B), private σ(z) − y.
   */
  function binarySeeds(
    states: MemberState[],
    batches: Int32Array[],
    logits: tf.Tensor3D,
    y: Float32Array,
    width: number,
    current: tf.Tensor[],
  ): Float32Array {
    const z = logits.dataSync() as Float32Array;
    const p = tf.sigmoid(logits).dataSync() as Float32Array;
    const seeds = new Float32Array(z.length);
    states.forEach((s, k) => {
      const member = members[s.index];
      const batch = batches[k];
      const n = batch.length;
      const from = k * width;
      if (member.outputGradients) {
        const rows = Int32Array.from(batch, (i) => s.subset[i]);
        const out = member.outputGradients.compute({
          step: s.steps,
          rows,
          labels: y.slice(from, from + n),
          logits: z.slice(from, from + n),
          probabilities: p.slice(from, from + n),
          expectedBatchSize: s.sampler.expectedBatchSize,
          probabilitiesOn: (X) => probabilitiesOn(current, k, X),
        });
        if (out.length !== n)
          throw new Error(`${member.outputGradients.name}: ${out.length} seeds for ${n} rows`);
        seeds.set(out, from);
        return;
      }
      const scale = member.privacy ? 1 : Math.fround(1 / n);
      for (let r = from; r < from + n; r++) seeds[r] = Math.fround(p[r] - y[r]) * scale;
    });
    return seeds;
  }

  function multiclassSeeds(
    states: MemberState[],
    batches: Int32Array[],
    logits: tf.Tensor3D,
    y: Float32Array,
    width: number,
  ): tf.Tensor {
    const rowScale = new Float32Array(states.length * width);
    states.forEach((s, k) => {
      const n = batches[k].length;
      rowScale.fill(members[s.index].privacy ? 1 : 1 / n, k * width, k * width + n);
    });
    const oneHot = tf.oneHot(
      tf.tensor2d(Int32Array.from(y), [states.length, width], "int32"),
      logits.shape[2],
    );
    return tf.mul(tf.sub(tf.softmax(logits), oneHot), tf.tensor3d(rowScale, [states.length, width, 1]));
  }

  function probabilitiesOn(current: tf.Tensor[], position: number, X: TrainingData["X"]): Float32Array {
    let input = uploaded.get(X.data);
    if (!input) {
      input = tf.keep(tf.tensor2d(X.data, [X.rows, X.cols]));
      uploaded.set(X.data, input);
    }
    const features = input;
    return tidyValues(() => {
      const own = current.map((p) => tf.slice(p, position, 1));
      const { outputs } = forward(own, activations, tf.expandDims(features, 0) as tf.Tensor3D);
      return tf.sigmoid(outputs[outputs.length - 1]);
    });
  }
}

function* epochsOf(sampler: BatchSampler, epochs: number): Generator<Int32Array> {
  for (let epoch = 0; epoch < epochs; epoch++) yield* sampler.epoch();
}

function parameterShape(dense: { inputs: number; units: number }[], p: number): number[] {
  return p % 2 === 0 ? [dense[p / 2].inputs, dense[p / 2].units] : [1, dense[(p - 1) / 2].units];
}

function forward(
  params: tf.Tensor[],
  activations: (Activation | null)[],
  x: tf.Tensor3D,
): { inputs: tf.Tensor[]; outputs: tf.Tensor[] } {
  const inputs: tf.Tensor[] = [];
  const outputs: tf.Tensor[] = [];
  let h: tf.Tensor = x;
  for (let l = 0; l < params.length / 2; l++) {
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
  return { inputs, outputs };
}

/** δ at the output of every dense layer (index l = layer l), from the output gradients. */
function backward(
  params: tf.Tensor[],
  activations: (Activation | null)[],
  outputs: tf.Tensor[],
  seeds: tf.Tensor,
): tf.Tensor[] {
  const layers = params.length / 2;
  const deltas: tf.Tensor[] = new Array(layers);
  let delta = seeds;
  for (let l = layers - 1; l >= 0; l--) {
    deltas[l] = delta;
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
  return deltas;
}

/** min(1, C_k/||gᵢ||) per example, [K, B, 1]; ghost norms ||gᵢ||² = Σ_l (||aᵢ||² + 1)·||δᵢ||². */
function clipFactors(inputs: tf.Tensor[], deltas: tf.Tensor[], clips: tf.Tensor3D): tf.Tensor {
  const parts = deltas.map((delta, l) =>
    tf.mul(tf.add(tf.sum(tf.square(inputs[l]), 2, true), 1), tf.sum(tf.square(delta), 2, true)),
  );
  const norms = tf.sqrt(parts.length === 1 ? parts[0] : tf.addN(parts));
  return tf.minimum(1, tf.div(clips, tf.add(norms, 1e-12)));
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
