/**
 * Max and average pooling on NHWC inputs. The backward passes use tfjs' own
 * gradient kernels (MaxPoolGrad, AvgPoolGrad), which both WASM and cpu provide.
 */
import * as tf from "@tensorflow/tfjs-core";
import { outputSize } from "./conv2d.js";
import type { ForwardResult, Layer, LayerCache, Padding, ParameterSpec, Shape } from "./layer.js";

type PoolConfig = { type: "maxpool" | "avgpool"; poolSize: number; stride?: number; padding?: Padding };

export class Pool2d implements Layer {
  readonly outputShape: Shape;
  readonly parameters: readonly ParameterSpec[] = [];
  private readonly stride: number;
  private readonly padding: Padding;

  constructor(
    readonly config: PoolConfig,
    readonly inputShape: Shape,
  ) {
    if (inputShape.length !== 3)
      throw new Error(`${config.type} needs [height, width, channels] inputs, got [${inputShape}]`);
    this.stride = config.stride ?? config.poolSize;
    this.padding = config.padding ?? "valid";
    const [h, w, c] = inputShape;
    const [ho] = outputSize(h, config.poolSize, this.stride, this.padding);
    const [wo] = outputSize(w, config.poolSize, this.stride, this.padding);
    if (ho < 1 || wo < 1)
      throw new Error(`${config.type} of size ${config.poolSize} does not fit a ${h}×${w} input`);
    this.outputShape = [ho, wo, c];
  }

  initialParameters(): Float32Array[] {
    return [];
  }

  forward(input: tf.Tensor): ForwardResult {
    const { poolSize } = this.config;
    if (this.config.type === "maxpool") {
      const output = tf.maxPool(input as tf.Tensor4D, poolSize, this.stride, this.padding);
      return { output, cache: { input, output } };
    }
    return {
      output: tf.avgPool(input as tf.Tensor4D, poolSize, this.stride, this.padding),
      cache: { input },
    };
  }

  backward(cache: LayerCache, gradOutput: tf.Tensor): tf.Tensor {
    const attrs = { filterSize: this.config.poolSize, strides: this.stride, pad: this.padding };
    const engine = tf.engine();
    if (this.config.type === "maxpool") {
      return engine.runKernel(
        "MaxPoolGrad",
        { dy: gradOutput, input: cache.input, output: cache.output },
        attrs,
      ) as tf.Tensor;
    }
    return engine.runKernel("AvgPoolGrad", { dy: gradOutput, input: cache.input }, attrs) as tf.Tensor;
  }
}
