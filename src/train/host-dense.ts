/**
 * The training step of a dense ReLU network on host memory, with the WebAssembly
 * kernels of nn/host-kernels: the same step as the tensor path (the model's forward and
 * backward passes, the gradient computer's rule — mean, DP-SGD's clipped and released
 * sum, a penalty's pseudo-labels — and the optimisers' update rules), without a tensor
 * engine's dispatch for each of its ~50 small ops. On a 104-64-64-1 MLP with batches of 128 a step takes ≈ 0.2 ms against
 * ≈ 0.95 ms through tfjs' WASM backend (BENCHMARKS.md, "Host kernels").
 *
 * The trainer keeps the parameters here during an epoch and writes them to the model
 * at its end, where the loop checks them, validates and may stop early. Float32
 * throughout as on the tensor path; sums are accumulated in another order, so the
 * two engines agree to rounding, not bit for bit. Each engine is deterministic.
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  type Architecture,
  DenseKernels,
  type HostBuffer,
  hostKernelsAvailable,
  logitLoss,
  type Sequential,
} from "../nn/index.js";
import type { HostGradientRule, HostModelView, PrivateGradientStep } from "./gradient.js";
import { adamHyperparameters, learningRateAt, type OptimizerConfig } from "./optimizers.js";
import type { TrainingData } from "./trainer.js";

/**
 * Which engine runs a training step: "host-kernels" (WebAssembly loops on host memory, for
 * dense ReLU networks and the gradients with a `hostRule`: the mean, DP-SGD with flat
 * clipping, the fairness penalties), "tensor-ops" (the tensor engine, any model and
 * gradient), or "auto": host kernels where they apply on a host-memory backend (WASM, CPU),
 * tensor ops elsewhere.
 *
 * @example
 * ```ts
 * import { nn, train } from "equipoise";
 * declare const data: train.TrainingData; // 6 features
 * await nn.initBackend("wasm");
 * const model = nn.buildModel("mlp:16", [6], 2, 0);
 * const engine: train.StepEngine = "tensor-ops"; // e.g. to compare with "host-kernels"
 * const result = train.trainModel(model, data, { epochs: 2, batchSize: 32, optimizer: { kind: "adam", learningRate: 0.01 }, seed: 0, engine });
 * result.engine; // "tensor-ops"
 * ```
 */
export type StepEngine = "auto" | "host-kernels" | "tensor-ops";

interface DenseStage {
  inputs: number;
  units: number;
  /** A ReLU follows the product. */
  relu: boolean;
}

/**
 * The dense stages of an architecture the host kernels can train, or why they cannot:
 * flat input, dense layers each optionally followed by a ReLU, flatten layers on flat
 * inputs.
 *
 * @example
 * ```ts
 * import { nn, train } from "equipoise";
 * train.hostKernelsSupport(nn.architectureFor("mlp:64,64", [104], 2)); // undefined: supported
 * train.hostKernelsSupport(nn.architectureFor("cnn:8,16", [28, 28, 1], 10)); // "an input that is not flat"
 * ```
 */
export function hostKernelsSupport(architecture: Architecture): string | undefined {
  const stages = denseStages(architecture);
  return typeof stages === "string" ? stages : undefined;
}

function denseStages(architecture: Architecture): DenseStage[] | string {
  if (architecture.inputShape.length !== 1) return "an input that is not flat";
  let width = architecture.inputShape[0];
  const stages: DenseStage[] = [];
  for (const layer of architecture.layers) {
    if (layer.type === "dense") {
      stages.push({ inputs: width, units: layer.units, relu: false });
      width = layer.units;
    } else if (layer.type === "relu") {
      const last = stages.at(-1);
      if (!last || last.relu) return "a ReLU that does not follow a dense layer";
      last.relu = true;
    } else if (layer.type !== "flatten") {
      return `a ${layer.type} layer`;
    }
  }
  if (stages.length === 0) return "no dense layer";
  if (stages.at(-1)?.relu) return "a ReLU on the logits";
  const outputs = stages[stages.length - 1].units;
  if (architecture.loss === "binary-cross-entropy" && outputs !== 1)
    return "binary cross-entropy on several logits";
  return stages;
}

/** Whether `trainModel` runs this model's steps on the host kernels (given a gradient with a host rule). */
export function usesHostKernels(engine: StepEngine, architecture: Architecture): boolean {
  if (engine === "tensor-ops") return false;
  const unsupported = hostKernelsSupport(architecture);
  if (engine === "host-kernels") {
    if (unsupported) throw new RangeError(`the host kernels cannot train this model: it has ${unsupported}`);
    if (!hostKernelsAvailable()) throw new RangeError("the host kernels need WebAssembly with SIMD");
    return true;
  }
  const backend = tf.getBackend();
  return unsupported === undefined && (backend === "wasm" || backend === "cpu") && hostKernelsAvailable();
}

interface StageBuffers {
  kernel: HostBuffer;
  bias: HostBuffer;
  kernelGradient: HostBuffer;
  biasGradient: HostBuffer;
  /** The kernel transposed, [units × inputs] (to propagate the gradient to the inputs). */
  kernelTransposed: HostBuffer;
  /** The stage's output (after its ReLU), [capacity × units]. */
  output: HostBuffer;
  /** ∂loss/∂(pre-activation output), [capacity × units]. */
  delta: HostBuffer;
  /** The stage's input transposed, [inputs × capacity]. */
  inputTransposed: HostBuffer;
}

/** One parameter tensor with its gradient and optimiser state. */
interface ParameterSlot {
  value: HostBuffer;
  gradient: HostBuffer;
  /** Adam's first moment, or SGD's velocity. */
  first: HostBuffer;
  /** Adam's second moment (empty for SGD). */
  second: HostBuffer;
}

/**
 * Training steps of a dense model on the host kernels, by a gradient computer's host rule.
 * Parameters start from the given values and are written to the model by `writeTo`.
 */
export class HostDenseTrainer {
  private readonly kernels = new DenseKernels();
  private readonly stages: DenseStage[];
  private buffers: StageBuffers[] = [];
  private input: HostBuffer | undefined;
  /** Per-example scratch: squared norms of a stage's inputs and deltas, clip factors. */
  private rowNorms: HostBuffer | undefined;
  private deltaNorms: HostBuffer | undefined;
  private factors: HostBuffer | undefined;
  private capacity = 0;
  /** The parameter tensors in the model's order (kernel, bias of each stage). */
  private readonly slots: ParameterSlot[];
  /** The gradient flattened in that order, for DP-SGD's release. */
  private readonly flatGradient: Float32Array;
  /** Optimiser steps taken. */
  private t = 0;
  private readonly binary: boolean;

  constructor(
    model: Sequential,
    /** The model's parameter values to start from (read by the caller, synchronously or not). */
    values: readonly Float32Array[],
    private readonly data: TrainingData,
    private readonly optimizer: OptimizerConfig,
    private readonly totalSteps: number,
    /** How the step's gradient is formed: the mean, a sum on pseudo-labels, DP-SGD's release. */
    private readonly rule: HostGradientRule = { combine: { kind: "mean" } },
  ) {
    const stages = denseStages(model.architecture);
    if (typeof stages === "string")
      throw new RangeError(`the host kernels cannot train a model with ${stages}`);
    this.stages = stages;
    this.binary = model.architecture.loss === "binary-cross-entropy";
    this.buffers = stages.map((stage) => {
      const kernel = this.kernels.allocate(stage.inputs * stage.units);
      const bias = this.kernels.allocate(stage.units);
      return {
        kernel,
        bias,
        kernelGradient: this.kernels.allocate(stage.inputs * stage.units),
        biasGradient: this.kernels.allocate(stage.units),
        kernelTransposed: this.kernels.allocate(stage.inputs * stage.units),
        output: kernel, // replaced by ensureCapacity
        delta: kernel,
        inputTransposed: kernel,
      };
    });
    this.slots = this.buffers
      .flatMap((b) => [
        { value: b.kernel, gradient: b.kernelGradient },
        { value: b.bias, gradient: b.biasGradient },
      ])
      .map(({ value, gradient }, k) => {
        value.values.set(values[k]);
        return {
          value,
          gradient,
          first: this.kernels.allocate(value.length),
          second: this.kernels.allocate(this.optimizer.kind === "adam" ? value.length : 0),
        };
      });
    this.flatGradient = new Float32Array(values.reduce((total, v) => total + v.length, 0));
  }

  private ensureCapacity(rows: number): void {
    if (rows <= this.capacity) return;
    const capacity = Math.max(rows, 2 * this.capacity, 8);
    this.input = this.kernels.allocate(capacity * this.stages[0].inputs);
    this.rowNorms = this.kernels.allocate(capacity);
    this.deltaNorms = this.kernels.allocate(capacity);
    this.factors = this.kernels.allocate(capacity);
    this.buffers = this.buffers.map((buffers, l) => ({
      ...buffers,
      output: this.kernels.allocate(capacity * this.stages[l].units),
      delta: this.kernels.allocate(capacity * this.stages[l].units),
      inputTransposed: this.kernels.allocate(capacity * this.stages[l].inputs),
    }));
    this.capacity = capacity;
  }

  /**
   * One step on the rows `indices`: the gradient of (1/B) Σ wᵢ ℓᵢ, or with a DP rule the
   * released sum of clipped gradients, then the optimiser's update. Returns Σ wᵢ ℓᵢ and
   * Σ wᵢ, as the gradient computers do.
   */
  step(indices: Int32Array): { lossSum: number; count: number } {
    const started = performance.now();
    const n = indices.length;
    const { combine } = this.rule;
    let lossSum = 0;
    let count = 0;
    this.rule.beforeStep?.(this.view);
    for (const slot of this.slots) slot.gradient.values.fill(0);
    if (n > 0) {
      this.ensureCapacity(n);
      this.gather(indices, this.data.X);
      this.forward(n);
      ({ lossSum, count } = this.outputDelta(indices));
      this.propagate(n);
      if (combine.kind === "clipped-sum") this.clip(indices, combine.clipFactor);
      this.accumulate(n);
    }
    if (combine.kind === "clipped-sum") {
      const releaseStarted = performance.now();
      this.release(combine.step);
      combine.recordTime?.(performance.now() - started, performance.now() - releaseStarted);
    }
    this.update();
    return { lossSum, count };
  }

  /** σ(z) of the current parameters on other rows, for rules that measure the model (reference penalty). */
  private readonly view: HostModelView = {
    probabilitiesOn: (X) => {
      const chunk = 512;
      const out = new Float32Array(X.rows);
      const units = this.stages[this.stages.length - 1].units;
      if (units !== 1) throw new Error("probabilities need a binary model with one logit");
      for (let start = 0; start < X.rows; start += chunk) {
        const size = Math.min(chunk, X.rows - start);
        this.ensureCapacity(size);
        // Consecutive rows: one copy, not a gather.
        (this.input as HostBuffer).values.set(X.data.subarray(start * X.cols, (start + size) * X.cols));
        this.forward(size);
        const logits = this.buffers[this.buffers.length - 1].output.values;
        for (let i = 0; i < size; i++) out[start + i] = 1 / (1 + Math.exp(-logits[i]));
      }
      return out;
    },
  };

  /** Writes the current parameters to the model (new tensors; the model frees the old). */
  writeTo(model: Sequential): void {
    const specs = model.parameterSpecs();
    model.setParameters(
      this.slots.map((slot, k) => tf.tensor(slot.value.values.slice(), specs[k].shape, "float32")),
    );
  }

  private gather(indices: Int32Array, X: TrainingData["X"]): void {
    const cols = X.cols;
    const target = (this.input as HostBuffer).values;
    for (let r = 0; r < indices.length; r++) {
      const row = indices[r];
      target.set(X.data.subarray(row * cols, row * cols + cols), r * cols);
    }
  }

  private forward(n: number): void {
    let input = this.input as HostBuffer;
    this.stages.forEach((stage, l) => {
      const { kernel, bias, output } = this.buffers[l];
      this.kernels.broadcastRows(bias, output, n, stage.units);
      this.kernels.gemmNN(input, kernel, output, n, stage.inputs, stage.units);
      if (stage.relu) this.kernels.relu(output, n * stage.units);
      input = output;
    });
  }

  /** The loss's gradient at the logits, for the rule's combination, and the step's loss sum. */
  private outputDelta(indices: Int32Array): { lossSum: number; count: number } {
    const n = indices.length;
    const last = this.buffers[this.buffers.length - 1];
    const units = this.stages[this.stages.length - 1].units;
    const logits = last.output.values;
    const delta = last.delta.values;
    const { y, sampleWeights } = this.data;
    const { combine, pseudoLabels } = this.rule;
    let replaced: { labels: Float32Array; addedLoss?: number } | undefined;
    if (pseudoLabels) {
      if (!this.binary) throw new Error("the fairness penalty needs a binary model with one logit");
      replaced = pseudoLabels({
        indices,
        labels: Float32Array.from(indices, (row) => y[row]),
        weights: sampleWeights ? Float32Array.from(indices, (row) => sampleWeights[row]) : undefined,
        logits: logits.slice(0, n),
      });
    }
    let lossSum = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const row = indices[i];
      const weight = sampleWeights ? sampleWeights[row] : 1;
      // the mean weighs ∇ℓᵢ by wᵢ/B; a sum takes it whole, and DP-SGD weighs it after clipping
      const scale = combine.kind === "mean" ? weight / n : 1;
      count += weight;
      if (this.binary) {
        const z = logits[i];
        const label = y[row];
        lossSum += weight * logitLoss(z, label);
        const target = replaced ? replaced.labels[i] : label;
        delta[i] = (1 / (1 + Math.exp(-z)) - target) * scale;
      } else {
        const offset = i * units;
        let max = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < units; j++) max = Math.max(max, logits[offset + j]);
        let total = 0;
        for (let j = 0; j < units; j++) total += Math.exp(logits[offset + j] - max);
        const label = y[row];
        lossSum += weight * (Math.log(total) + max - logits[offset + label]);
        for (let j = 0; j < units; j++) {
          delta[offset + j] = (Math.exp(logits[offset + j] - max) / total - (j === label ? 1 : 0)) * scale;
        }
      }
    }
    return { lossSum: lossSum + (replaced?.addedLoss ?? 0), count };
  }

  /** Every stage's δ (∂loss/∂ its pre-activation output), from the logits' down. */
  private propagate(n: number): void {
    for (let l = this.stages.length - 1; l > 0; l--) {
      const stage = this.stages[l];
      const buffers = this.buffers[l];
      const below = this.buffers[l - 1];
      this.kernels.transpose(buffers.kernel, buffers.kernelTransposed, stage.inputs, stage.units);
      below.delta.values.fill(0, 0, n * stage.inputs);
      this.kernels.gemmNN(buffers.delta, buffers.kernelTransposed, below.delta, n, stage.units, stage.inputs);
      if (this.stages[l - 1].relu) this.kernels.maskPositive(below.delta, below.output, n * stage.inputs);
    }
  }

  private stageInput(l: number): HostBuffer {
    return l === 0 ? (this.input as HostBuffer) : this.buffers[l - 1].output;
  }

  /**
   * Scales each example's δ in every stage by its clip factor (× its sample weight): its whole
   * gradient is linear in them. ‖gᵢ‖² = Σ_stages (‖aᵢ‖² + 1)·‖δᵢ‖² (kernel aᵢδᵢᵀ, bias δᵢ).
   */
  private clip(indices: Int32Array, clipFactor: (norm: number) => number): void {
    const n = indices.length;
    const squared = new Float64Array(n);
    const rowNorms = this.rowNorms as HostBuffer;
    const deltaNorms = this.deltaNorms as HostBuffer;
    this.stages.forEach((stage, l) => {
      this.kernels.rowSquaredNorms(this.stageInput(l), rowNorms, n, stage.inputs);
      this.kernels.rowSquaredNorms(this.buffers[l].delta, deltaNorms, n, stage.units);
      const inputs = rowNorms.values;
      const deltas = deltaNorms.values;
      for (let i = 0; i < n; i++) squared[i] += (inputs[i] + 1) * deltas[i];
    });
    const factors = (this.factors as HostBuffer).values;
    const weights = this.data.sampleWeights;
    for (let i = 0; i < n; i++) {
      factors[i] = clipFactor(Math.sqrt(squared[i])) * (weights ? weights[indices[i]] : 1);
    }
    this.stages.forEach((stage, l) => {
      this.kernels.scaleRows(this.buffers[l].delta, this.factors as HostBuffer, n, stage.units);
    });
  }

  /** Σ over the batch of every stage's kernel and bias gradients, from its δ and input. */
  private accumulate(n: number): void {
    this.stages.forEach((stage, l) => {
      const buffers = this.buffers[l];
      this.kernels.transpose(this.stageInput(l), buffers.inputTransposed, n, stage.inputs);
      this.kernels.gemmNN(
        buffers.inputTransposed,
        buffers.delta,
        buffers.kernelGradient,
        stage.inputs,
        n,
        stage.units,
      );
      this.kernels.addColumnSums(buffers.delta, buffers.biasGradient, n, stage.units);
    });
  }

  /** The clipped sum, flattened in the model's parameter order, released in place. */
  private release(step: PrivateGradientStep): void {
    const flat = this.flatGradient;
    let offset = 0;
    for (const { gradient } of this.slots) {
      flat.set(gradient.values, offset);
      offset += gradient.length;
    }
    step.privatise(flat);
    offset = 0;
    for (const { gradient } of this.slots) {
      gradient.values.set(flat.subarray(offset, offset + gradient.length));
      offset += gradient.length;
    }
  }

  /** The optimiser's update in place, by the rules of optimizers.ts. */
  private update(): void {
    const learningRate = learningRateAt(this.optimizer, this.t, this.totalSteps);
    this.t++;
    if (this.optimizer.kind === "adam") {
      const hyper = adamHyperparameters(this.optimizer);
      const step = {
        ...hyper,
        stepSize: learningRate / (1 - hyper.beta1 ** this.t),
        correction2: 1 - hyper.beta2 ** this.t,
      };
      for (const slot of this.slots) {
        this.kernels.adam(slot.value, slot.gradient, slot.first, slot.second, slot.value.length, step);
      }
      return;
    }
    const { momentum = 0, weightDecay = 0, nesterov = false } = this.optimizer;
    for (const slot of this.slots) {
      const parameter = slot.value.values;
      const gradient = slot.gradient.values;
      const velocity = slot.first.values;
      for (let i = 0; i < parameter.length; i++) {
        const g = Math.fround(gradient[i] + Math.fround(weightDecay * parameter[i]));
        if (momentum === 0) {
          parameter[i] -= learningRate * g;
          continue;
        }
        // the first step's velocity is the gradient itself, as optimizers.ts's Sgd
        const v = this.t > 1 ? Math.fround(Math.fround(velocity[i] * momentum) + g) : g;
        velocity[i] = v;
        const direction = nesterov ? Math.fround(g + Math.fround(v * momentum)) : v;
        parameter[i] -= learningRate * direction;
      }
    }
  }
}
