/** Builds a layer from its JSON config and per-example input shape. */
import { Dense } from "./dense.js";
import { Flatten } from "./flatten.js";
import type { Layer, LayerConfig, Shape } from "./layer.js";
import { ReLU } from "./relu.js";
import { Sigmoid } from "./sigmoid.js";
import { Tanh } from "./tanh.js";

export type {
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
    default:
      throw new Error(`layer type '${(config as { type: string }).type}' is not implemented`);
  }
}
