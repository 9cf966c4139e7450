/**
 * What an architecture costs: parameters and FLOPs from its layer shapes (no
 * tensor is allocated), and latency measured by running it.
 *
 * FLOPs are counted as fvcore and ptflops count them: 2 × the multiply-accumulates
 * of dense and convolution layers (projection shortcuts included) for one example's
 * forward pass; activations, normalisation, pooling and additions are not counted.
 */
import * as tf from "@tensorflow/tfjs-core";
import { createRandom } from "../common/rng.js";
import { architectureFor, createLayer, type LayerConfig, Sequential } from "../nn/index.js";
import type { ArchitectureCost } from "./schema.js";

export type { ArchitectureCost } from "./schema.js";

/**
 * A measured inference latency: median ms per example, batch size, repetitions and backend.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * import { type LatencyMeasurement, measureLatency } from "equipoise/nas";
 * await nn.initBackend("cpu");
 * const latency: LatencyMeasurement = measureLatency("mlp:64,64", [12], 2, { batchSize: 256, repetitions: 20 });
 * console.log(latency.msPerExample, latency.backend); // this machine's median, noisy on a shared one
 * ```
 */
export interface LatencyMeasurement {
  /** Median over repetitions of the time per example of a batched forward pass (ms). */
  msPerExample: number;
  batchSize: number;
  repetitions: number;
  backend: string;
}

function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** FLOPs of one layer for one example, given its input shape (recursing into residual blocks). */
function layerFlops(
  config: LayerConfig,
  inputShape: readonly number[],
): { flops: number; outputShape: readonly number[] } {
  const layer = createLayer(config, inputShape);
  let flops = 0;
  if (config.type === "dense") flops = 2 * inputShape[0] * config.units;
  else if (config.type === "conv2d") {
    const [ho, wo, filters] = layer.outputShape;
    flops = 2 * config.kernelSize * config.kernelSize * inputShape[2] * filters * ho * wo;
  } else if (config.type === "residual") {
    let shape = inputShape;
    for (const inner of config.body) {
      const step = layerFlops(inner, shape);
      flops += step.flops;
      shape = step.outputShape;
    }
    // The projection, when the body changes the shape: dense or 1×1 convolution.
    const same = shape.length === inputShape.length && shape.every((d, i) => d === inputShape[i]);
    if (!same) {
      flops +=
        shape.length === 1
          ? 2 * inputShape[0] * shape[0]
          : 2 * inputShape[2] * shape[0] * shape[1] * shape[2];
    }
  }
  return { flops, outputShape: layer.outputShape };
}

/**
 * Parameters and FLOPs (2 × multiply-adds of dense and convolution layers) of an architecture for an input shape.
 *
 * @example
 * ```ts
 * import { architectureCost } from "equipoise/nas";
 * architectureCost("mlp:64,64", [12], 2); // { parameters: 5057, flops: 9856 }
 * ```
 */
export function architectureCost(
  spec: string,
  inputShape: readonly number[],
  numClasses: number,
): ArchitectureCost {
  const architecture = architectureFor(spec, inputShape, numClasses);
  let shape: readonly number[] = architecture.inputShape;
  let parameters = 0;
  let flops = 0;
  for (const config of architecture.layers) {
    const layer = createLayer(config, shape);
    parameters += layer.parameters.reduce((n, p) => n + shapeSize(p.shape), 0);
    flops += layerFlops(config, shape).flops;
    shape = layer.outputShape;
  }
  return { parameters, flops };
}

/**
 * Forward-pass latency of a freshly initialised network on random inputs: one
 * warm-up pass, then the median of `repetitions` timed passes. On a shared machine
 * this is noisy; it is a measurement of this machine, not a property of the network.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * import { measureLatency } from "equipoise/nas";
 * await nn.initBackend("cpu");
 * const latency = measureLatency("mlp:64,64", [12], 2, { batchSize: 256, repetitions: 20 }); // this machine's, noisy
 * ```
 */
export function measureLatency(
  spec: string,
  inputShape: readonly number[],
  numClasses: number,
  options: { batchSize?: number; repetitions?: number } = {},
): LatencyMeasurement {
  const batchSize = options.batchSize ?? 256;
  const repetitions = options.repetitions ?? 5;
  const model = new Sequential(architectureFor(spec, inputShape, numClasses), { seed: 0 });
  const values = new Float32Array(batchSize * shapeSize(inputShape));
  createRandom(0).fillNormal(values);
  const x = tf.tensor(values, [batchSize, ...inputShape]);
  try {
    const run = () => {
      const logits = model.predictLogits(x);
      logits.dataSync();
      logits.dispose();
    };
    run();
    const times: number[] = [];
    for (let r = 0; r < repetitions; r++) {
      const start = performance.now();
      run();
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return {
      msPerExample: times[Math.floor(times.length / 2)] / batchSize,
      batchSize,
      repetitions,
      backend: tf.getBackend(),
    };
  } finally {
    x.dispose();
    model.dispose();
  }
}
