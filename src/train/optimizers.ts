/**
 * Optimizers with PyTorch's update rules (so hyper-parameters transfer):
 * SGD: g ← g + λp; v ← μv + g; p ← p − η·v (Nesterov: p ← p − η(g + μv)).
 * Adam (Kingma & Ba 2015, bias-corrected): p ← p − η·m̂/(√v̂ + ε), with L2 weight decay
 * added to the gradient as torch.optim.Adam does.
 * A schedule scales η at step t of T: "cosine" is η·(1 + cos(πt/T))/2 (Loshchilov &
 * Hutter 2017, without restarts), which lets the last epochs average out the
 * gradient noise that a constant η leaves in the final iterate.
 * An optimizer owns its state tensors; `step` returns new parameter tensors and
 * leaves disposing the old ones to the model (Sequential.setParameters).
 *
 * Adam on the WASM and CPU backends updates in host memory, one pass per parameter
 * tensor: as ~12 tensor ops per parameter tensor, the update cost 2.7 ms of CPU per
 * step of a 104-64-64 MLP (more than the forward and backward passes together), all
 * of it per-op dispatch; the fused loop costs microseconds. The state stays float32
 * as in PyTorch; the arithmetic of one element is done in float64 and rounded once.
 */
import * as tf from "@tensorflow/tfjs-core";

/**
 * How the learning rate changes over training: constant, or cosine decay to 0.
 *
 * @example
 * ```ts
 * import { train } from "equipoise";
 * const schedule: train.LearningRateSchedule = "cosine";
 * train.learningRateAt({ kind: "sgd", learningRate: 0.1, schedule }, 50, 100); // 0.05, half-way down
 * train.learningRateAt({ kind: "sgd", learningRate: 0.1, schedule: "constant" }, 50, 100); // 0.1
 * ```
 */
export type LearningRateSchedule = "constant" | "cosine";

/**
 * An optimiser and its settings: SGD (momentum, Nesterov, weight decay) or Adam (optional weight decay).
 *
 * @example
 * ```ts
 * import { train } from "equipoise";
 * const sgd: train.OptimizerConfig = { kind: "sgd", learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 };
 * const adam: train.OptimizerConfig = { kind: "adam", learningRate: 0.001, beta1: 0.9, beta2: 0.999, schedule: "cosine" };
 * const optimizer = train.createOptimizer(adam, 1000); // a schedule needs the number of steps
 * train.createOptimizer(sgd); // either can also be trainModel's `optimizer` option
 * ```
 */
export type OptimizerConfig =
  | {
      kind: "sgd";
      learningRate: number;
      momentum?: number;
      weightDecay?: number;
      nesterov?: boolean;
      schedule?: LearningRateSchedule;
    }
  | {
      kind: "adam";
      learningRate: number;
      beta1?: number;
      beta2?: number;
      epsilon?: number;
      weightDecay?: number;
      schedule?: LearningRateSchedule;
    };

/**
 * η at step `t` (0-based) of `total`: constant, or cosine-annealed towards 0.
 *
 * @example
 * ```ts
 * import { train } from "equipoise";
 * train.learningRateAt({ kind: "sgd", learningRate: 0.1, schedule: "cosine" }, 50, 100); // 0.05, half-way down
 * train.learningRateAt({ kind: "sgd", learningRate: 0.1 }, 50, 100); // 0.1, constant
 * ```
 */
export function learningRateAt(config: OptimizerConfig, t: number, total: number): number {
  if ((config.schedule ?? "constant") === "constant" || !(total > 0)) return config.learningRate;
  return (config.learningRate * (1 + Math.cos((Math.PI * Math.min(t, total)) / total))) / 2;
}

/**
 * Turns gradients into new parameters, keeping its own state (momenta).
 *
 * @example
 * ```ts
 * import { nn, train } from "equipoise";
 * import * as tf from "@tensorflow/tfjs-core";
 * declare const model: nn.Sequential;
 * declare const gradients: tf.Tensor[]; // one per parameter, e.g. from train.meanGradient
 * const optimizer: train.Optimizer = train.createOptimizer({ kind: "sgd", learningRate: 0.1, momentum: 0.9 });
 * model.setParameters(optimizer.step(model.parameters(), gradients)); // setParameters disposes the old ones
 * optimizer.dispose(); // frees the momenta
 * ```
 */
export interface Optimizer {
  /** The settings it was built from. */
  readonly config: OptimizerConfig;
  /** New parameter tensors after one step (the caller owns them and disposes the old ones). */
  step(parameters: readonly tf.Tensor[], gradients: readonly tf.Tensor[]): tf.Tensor[];
  /** Frees the optimiser's state. */
  dispose(): void;
}

/**
 * Where Adam computes its update: "auto" is host memory on the WASM and CPU backends,
 * tensor ops elsewhere; the other two force one path (tests compare them).
 *
 * @example
 * ```ts
 * import { train } from "equipoise";
 * const path: train.AdamUpdatePath = "tensor-ops"; // force the tensor path, e.g. to compare it with "host-memory"
 * const adam = train.createOptimizer({ kind: "adam", learningRate: 0.01 }, Number.POSITIVE_INFINITY, path);
 * adam.dispose();
 * ```
 */
export type AdamUpdatePath = "auto" | "host-memory" | "tensor-ops";

/**
 * `totalSteps`: the run's length, which a schedule other than "constant" needs.
 *
 * @example
 * ```ts
 * import type * as tf from "@tensorflow/tfjs-core";
 * import { train } from "equipoise";
 * declare const parameters: tf.Tensor[]; declare const gradients: tf.Tensor[]; // matching tensor lists
 * const optimizer = train.createOptimizer({ kind: "adam", learningRate: 0.01, schedule: "cosine" }, 1000);
 * const updated = optimizer.step(parameters, gradients); // the caller disposes the old parameters
 * ```
 */
export function createOptimizer(
  config: OptimizerConfig,
  totalSteps = Number.POSITIVE_INFINITY,
  adamPath: AdamUpdatePath = "auto",
): Optimizer {
  if (!(config.learningRate > 0) || !Number.isFinite(config.learningRate)) {
    throw new RangeError(`learning rate must be a positive number, got ${config.learningRate}`);
  }
  if ((config.schedule ?? "constant") !== "constant" && !Number.isFinite(totalSteps)) {
    throw new RangeError(`the ${config.schedule} schedule needs the number of steps`);
  }
  if (config.kind === "sgd") return new Sgd(config, totalSteps);
  const host = adamPath === "auto" ? hostMemoryBackend() : adamPath === "host-memory";
  return host ? new HostAdam(config, totalSteps) : new Adam(config, totalSteps);
}

/**
 * Backends whose tensors live in this process's memory, where reading a tensor costs a
 * copy and no device synchronisation (WebGL and WebGPU would stall on every read).
 */
function hostMemoryBackend(): boolean {
  const name = tf.getBackend();
  return name === "wasm" || name === "cpu";
}

export interface AdamHyperparameters {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

/** Adam's settings with PyTorch's defaults filled in. */
export function adamHyperparameters(config: Extract<OptimizerConfig, { kind: "adam" }>): AdamHyperparameters {
  const { beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weightDecay = 0 } = config;
  return { beta1, beta2, epsilon, weightDecay };
}

/**
 * One Adam update of one parameter tensor in place of its moments:
 * g ← g + λp; m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²;
 * p' = p − (η / (1 − β₁ᵗ))·m / (√(v / (1 − β₂ᵗ)) + ε).
 */
export function adamUpdate(
  parameter: ArrayLike<number>,
  gradient: ArrayLike<number>,
  m: Float32Array,
  v: Float32Array,
  step: { learningRate: number; t: number } & AdamHyperparameters,
): Float32Array {
  const { beta1, beta2, epsilon, weightDecay, learningRate, t } = step;
  const stepSize = learningRate / (1 - beta1 ** t);
  const correction2 = 1 - beta2 ** t;
  const next = new Float32Array(parameter.length);
  for (let i = 0; i < next.length; i++) {
    const g = gradient[i] + weightDecay * parameter[i];
    const mi = beta1 * m[i] + (1 - beta1) * g;
    const vi = beta2 * v[i] + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    next[i] = parameter[i] - (stepSize * m[i]) / (Math.sqrt(v[i] / correction2) + epsilon);
  }
  return next;
}

class Sgd implements Optimizer {
  private velocity: tf.Tensor[] | undefined;
  private t = 0;
  constructor(
    readonly config: Extract<OptimizerConfig, { kind: "sgd" }>,
    private readonly totalSteps: number,
  ) {}

  step(parameters: readonly tf.Tensor[], gradients: readonly tf.Tensor[]): tf.Tensor[] {
    const { momentum = 0, weightDecay = 0, nesterov = false } = this.config;
    const learningRate = learningRateAt(this.config, this.t++, this.totalSteps);
    return tf.tidy(() => {
      const grads =
        weightDecay > 0 ? gradients.map((g, k) => tf.add(g, tf.mul(parameters[k], weightDecay))) : gradients;
      if (momentum === 0) return parameters.map((p, k) => tf.sub(p, tf.mul(grads[k], learningRate)));
      const previous = this.velocity;
      const velocity = grads.map((g, k) =>
        previous ? tf.add(tf.mul(previous[k], momentum), g) : tf.clone(g),
      );
      const direction = nesterov ? grads.map((g, k) => tf.add(g, tf.mul(velocity[k], momentum))) : velocity;
      const next = parameters.map((p, k) => tf.sub(p, tf.mul(direction[k], learningRate)));
      for (const v of velocity) tf.keep(v);
      if (previous) tf.dispose(previous);
      this.velocity = velocity;
      return next;
    });
  }

  dispose(): void {
    if (this.velocity) tf.dispose(this.velocity);
    this.velocity = undefined;
  }
}

/** Adam with its moments in host memory (WASM, CPU backends). */
class HostAdam implements Optimizer {
  private m: Float32Array[] | undefined;
  private v: Float32Array[] | undefined;
  private t = 0;
  constructor(
    readonly config: Extract<OptimizerConfig, { kind: "adam" }>,
    private readonly totalSteps: number,
  ) {}

  step(parameters: readonly tf.Tensor[], gradients: readonly tf.Tensor[]): tf.Tensor[] {
    const hyper = adamHyperparameters(this.config);
    const learningRate = learningRateAt(this.config, this.t, this.totalSteps);
    this.t++;
    this.m ??= parameters.map((p) => new Float32Array(p.size));
    this.v ??= parameters.map((p) => new Float32Array(p.size));
    return parameters.map((p, k) => {
      const next = adamUpdate(
        p.dataSync() as Float32Array,
        gradients[k].dataSync() as Float32Array,
        (this.m as Float32Array[])[k],
        (this.v as Float32Array[])[k],
        { ...hyper, learningRate, t: this.t },
      );
      return tf.tensor(next, p.shape, "float32");
    });
  }

  dispose(): void {
    this.m = this.v = undefined;
  }
}

/** Adam as tensor ops, for backends whose tensors live on a device. */
class Adam implements Optimizer {
  private m: tf.Tensor[] | undefined;
  private v: tf.Tensor[] | undefined;
  private t = 0;
  constructor(
    readonly config: Extract<OptimizerConfig, { kind: "adam" }>,
    private readonly totalSteps: number,
  ) {}

  step(parameters: readonly tf.Tensor[], gradients: readonly tf.Tensor[]): tf.Tensor[] {
    const { beta1, beta2, epsilon, weightDecay } = adamHyperparameters(this.config);
    const learningRate = learningRateAt(this.config, this.t, this.totalSteps);
    this.t++;
    const correction1 = 1 - beta1 ** this.t;
    const correction2 = 1 - beta2 ** this.t;
    return tf.tidy(() => {
      const grads =
        weightDecay > 0 ? gradients.map((g, k) => tf.add(g, tf.mul(parameters[k], weightDecay))) : gradients;
      const m = grads.map((g, k) =>
        this.m ? tf.add(tf.mul(this.m[k], beta1), tf.mul(g, 1 - beta1)) : tf.mul(g, 1 - beta1),
      );
      const v = grads.map((g, k) =>
        this.v
          ? tf.add(tf.mul(this.v[k], beta2), tf.mul(tf.square(g), 1 - beta2))
          : tf.mul(tf.square(g), 1 - beta2),
      );
      const stepSize = learningRate / correction1;
      const next = parameters.map((p, k) =>
        tf.sub(p, tf.mul(tf.div(m[k], tf.add(tf.sqrt(tf.div(v[k], correction2)), epsilon)), stepSize)),
      );
      for (const t of [...m, ...v]) tf.keep(t);
      if (this.m) tf.dispose(this.m);
      if (this.v) tf.dispose(this.v);
      this.m = m;
      this.v = v;
      return next;
    });
  }

  dispose(): void {
    if (this.m) tf.dispose(this.m);
    if (this.v) tf.dispose(this.v);
    this.m = this.v = undefined;
  }
}
