/** Builds a layer from its JSON config and per-example input shape. */
import { Conv2d } from "./conv2d.js";
import { Dense } from "./dense.js";
import { Dropout } from "./dropout.js";
import { Elu } from "./elu.js";
import { Embedding } from "./embedding.js";
import { Flatten } from "./flatten.js";
import { GlobalAveragePool } from "./global-pool.js";
import { GroupNorm } from "./group-norm.js";
import type { Layer, LayerConfig, Shape } from "./layer.js";
import { Pool2d } from "./pool.js";
import { ReLU } from "./relu.js";
import { Residual } from "./residual.js";
import { Sigmoid } from "./sigmoid.js";
import { Tanh } from "./tanh.js";

export { conv2dNormMethod } from "./conv2d.js";
export type {
  ForwardContext,
  ForwardResult,
  FusableActivation,
  KroneckerFactors,
  Layer,
  LayerCache,
  LayerConfig,
  ParameterSpec,
  PerExampleRules,
  Shape,
} from "./layer.js";

/**
 * Builds the layer a config describes for inputs of the given per-example shape.
 *
 * @throws Error on an unknown layer type or an input shape the layer cannot take (pooling on flat inputs).
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * const dense = nn.createLayer({ type: "dense", units: 8 }, [12]);
 * console.log(dense.outputShape); // [8]
 * ```
 */
export function createLayer(config: LayerConfig, inputShape: Shape): Layer {
  switch (config.type) {
    case "dense":
      return new Dense(config, inputShape);
    case "relu":
      return new ReLU(inputShape);
    case "tanh":
      return new Tanh(inputShape);
    case "sigmoid":
      return new Sigmoid(inputShape);
    case "flatten":
      return new Flatten(inputShape);
    case "conv2d":
      return new Conv2d(config, inputShape);
    case "maxpool":
    case "avgpool":
      return new Pool2d(config, inputShape);
    case "groupnorm":
      return new GroupNorm(config, inputShape);
    case "embedding":
      return new Embedding(config, inputShape);
    case "elu":
      return new Elu(inputShape);
    case "dropout":
      return new Dropout(config, inputShape);
    case "globalavgpool":
      return new GlobalAveragePool(inputShape);
    case "residual":
      return new Residual(config, inputShape, createLayer);
    default:
      throw new Error(`unknown layer type '${(config as { type: string }).type}'`);
  }
}
