/**
 * Search spaces of architectures, as the search capability's SearchSpace (one
 * coordinate per parameter; per-layer widths and kernels are conditional on the
 * depth), and the map from a configuration to its canonical architecture string.
 *
 *  - MLPs: depth 1–4, a width per hidden layer, activation, normalisation (none,
 *    layer), dropout, skip connections;
 *  - small CNNs: 1–4 blocks (fewer when the input cannot be halved that often),
 *    channels and kernel size per block, downsampling (max or average pooling, or
 *    stride 2), normalisation (none, group, layer), activation, skip connections,
 *    and the head (flatten, or global average pooling).
 * Every configuration gives an architecture that fits the input shape.
 */
import { UserError } from "../common/errors.js";
import { formatArchitecture, type NetworkArchitecture } from "../nn/architecture-string.js";
import { type Configuration, type Parameter, SearchSpace } from "../search/index.js";

export const MLP_WIDTHS = [16, 32, 64, 128, 256];
export const CNN_CHANNELS = [8, 16, 32, 64];
export const CNN_KERNELS = [3, 5];
const MAX_DEPTH = 4;

/**
 * The architecture families a search covers.
 *
 * @example
 * ```ts
 * import { type SpaceFamily, searchSpaceFor } from "equipoise/nas";
 * const family: SpaceFamily = "cnn"; // images; "mlp" for tables
 * const space = searchSpaceFor(family, [28, 28, 3]); // blocks, channels and kernel of each block, downsampling, ...
 * ```
 */
export type SpaceFamily = "mlp" | "cnn";

function depthChoices(most: number): number[] {
  return Array.from({ length: most }, (_, i) => i + 1);
}

/** Per-block parameters exist when the depth reaches their block. */
function perBlock(name: string, choices: number[], depth: string, most: number): Parameter[] {
  return depthChoices(most).map((block) => ({
    kind: "categorical",
    name: `${name}${block}`,
    choices,
    ...(block > 1
      ? { condition: { parameter: depth, oneOf: depthChoices(most).filter((d) => d >= block) } }
      : {}),
  }));
}

/** How many times a side can be halved by 2×2 pooling (1 → 0 times). */
function halvings(side: number): number {
  let count = 0;
  for (let s = side; s >= 2; s = Math.floor(s / 2)) count++;
  return count;
}

/**
 * The search space of a family ("mlp" or "cnn") for inputs of the given shape.
 *
 * @throws `UserError` when a CNN is asked for inputs that are not images.
 * @example
 * ```ts
 * import { searchSpaceFor } from "equipoise/nas";
 * const space = searchSpaceFor("mlp", [12]);
 * ```
 */
export function searchSpaceFor(family: SpaceFamily, inputShape: readonly number[]): SearchSpace {
  if (family === "mlp") {
    return new SearchSpace([
      { kind: "categorical", name: "depth", choices: depthChoices(MAX_DEPTH) },
      ...perBlock("width", MLP_WIDTHS, "depth", MAX_DEPTH),
      { kind: "categorical", name: "activation", choices: ["relu", "tanh", "elu"] },
      { kind: "categorical", name: "norm", choices: ["none", "layer"] },
      { kind: "categorical", name: "dropout", choices: [0, 0.1, 0.3] },
      { kind: "categorical", name: "skip", choices: ["none", "residual"] },
    ]);
  }
  if (inputShape.length !== 3) {
    throw new UserError(
      `the CNN search space needs image data; this task has ${inputShape.length === 1 ? `${inputShape[0]} flat features` : `shape [${inputShape}]`}`,
    );
  }
  const most = Math.min(MAX_DEPTH, halvings(Math.min(inputShape[0], inputShape[1])));
  if (most < 1)
    throw new UserError(`images of ${inputShape[0]}×${inputShape[1]} are too small for the CNN search space`);
  return new SearchSpace([
    { kind: "categorical", name: "blocks", choices: depthChoices(most) },
    ...perBlock("channels", CNN_CHANNELS, "blocks", most),
    ...perBlock("kernel", CNN_KERNELS, "blocks", most),
    { kind: "categorical", name: "down", choices: ["pool", "avgpool", "stride"] },
    { kind: "categorical", name: "norm", choices: ["none", "group", "layer"] },
    { kind: "categorical", name: "activation", choices: ["relu", "tanh", "elu"] },
    { kind: "categorical", name: "skip", choices: ["none", "residual"] },
    { kind: "categorical", name: "head", choices: ["flatten", "gap"] },
  ]);
}

/**
 * The canonical architecture string of a configuration of `searchSpaceFor(family, ...)`.
 *
 * @example
 * ```ts
 * import { architectureOf } from "equipoise/nas";
 * architectureOf("mlp", { depth: 2, width1: 64, width2: 32, activation: "relu", norm: "none", dropout: 0, skip: "none" });
 * // "mlp:width=64,32:act=relu:norm=none:dropout=0:skip=none"
 * ```
 */
export function architectureOf(family: SpaceFamily, config: Configuration): string {
  const list = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, i) => Number(config[`${prefix}${i + 1}`]));
  let architecture: NetworkArchitecture;
  if (family === "mlp") {
    const depth = Number(config.depth);
    architecture = {
      family: "mlp",
      widths: list("width", depth),
      activation: config.activation as "relu",
      norm: config.norm as "none",
      dropout: Number(config.dropout),
      skip: config.skip as "none",
    };
  } else {
    const blocks = Number(config.blocks);
    architecture = {
      family: "cnn",
      channels: list("channels", blocks),
      kernels: list("kernel", blocks),
      down: Array(blocks).fill(config.down),
      norm: config.norm as "none",
      activation: config.activation as "relu",
      skip: config.skip as "none",
      head: config.head as "flatten",
    };
  }
  return formatArchitecture(architecture);
}
