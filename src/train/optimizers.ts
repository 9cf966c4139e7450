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
 */
import * as tf from "@tensorflow/tfjs-core";

export type LearningRateSchedule = "constant" | "cosine";

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

/** η at step `t` (0-based) of `total`: constant, or cosine-annealed towards 0. */
export function learningRateAt(config: OptimizerConfig, t: number, total: number): number {
  if ((config.schedule ?? "constant") === "constant" || !(total > 0)) return config.learningRate;
  return (config.learningRate * (1 + Math.cos((Math.PI * Math.min(t, total)) / total))) / 2;
}

export interface Optimizer {
  readonly config: OptimizerConfig;
  step(parameters: readonly tf.Tensor[], gradients: readonly tf.Tensor[]): tf.Tensor[];
  dispose(): void;
}

/** `totalSteps`: the run's length, which a schedule other than "constant" needs. */
export function createOptimizer(config: OptimizerConfig, totalSteps = Number.POSITIVE_INFINITY): Optimizer {
  if (!(config.learningRate > 0) || !Number.isFinite(config.learningRate)) {
    throw new RangeError(`learning rate must be a positive number, got ${config.learningRate}`);
  }
  if ((config.schedule ?? "constant") !== "constant" && !Number.isFinite(totalSteps)) {
    throw new RangeError(`the ${config.schedule} schedule needs the number of steps`);
  }
  return config.kind === "sgd" ? new Sgd(config, totalSteps) : new Adam(config, totalSteps);
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

class Adam implements Optimizer {
  private m: tf.Tensor[] | undefined;
  private v: tf.Tensor[] | undefined;
  private t = 0;
  constructor(
    readonly config: Extract<OptimizerConfig, { kind: "adam" }>,
    private readonly totalSteps: number,
  ) {}

  step(parameters: readonly tf.Tensor[], gradients: readonly tf.Tensor[]): tf.Tensor[] {
    const { beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weightDecay = 0 } = this.config;
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
