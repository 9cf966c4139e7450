/**
 * Architecture strings: MLPs and small CNNs written as one shell-safe word, parsed,
 * printed in one canonical form (so that equal architectures give equal strings,
 * and equal hashes), and built into layer lists.
 *
 *   mlp:width=128,64:act=relu:norm=layer:dropout=0.1:skip=residual
 *   cnn:channels=16,32:kernel=3,3:down=pool,pool:norm=group:act=relu:skip=none:head=gap
 *
 * Keys may come in any order and all but width/channels may be left out (defaults
 * below); a list with one value applies to every block. The canonical form lists
 * every key, in the order above, with one value per block. The older spellings
 * mlp:64,64, cnn and cnn:16,32 are the same networks as their canonical strings
 * (`canonicalModelSpec`).
 *
 * Blocks. MLP block: dense(width) [→ layer norm] → activation [→ dropout]; with
 * skip=residual the block computes x + f(x) (a dense projection of x when the width
 * changes). CNN block: conv k×k, "same" padding (stride 2 when down=stride)
 * [→ normalisation] → activation, as x + f(x) with skip=residual (a 1×1 convolution
 * projects x when the shape changes), then 2×2 max or average pooling when
 * down=pool / avgpool. Head: flatten, or global average pooling (gap), then the
 * output layer.
 *
 * Normalisation is per example — layer norm, group norm (gcd(channels, 8) groups),
 * instance norm — never batch norm: batch statistics couple the examples of a batch,
 * so per-example gradients (DP-SGD's clipping, influence functions) are undefined;
 * Opacus replaces BatchNorm by GroupNorm for the same reason.
 *
 * Light: no tensor engine (the recipe validates model strings with it).
 */
import { UserError } from "../common/errors.js";
import type { LayerConfig } from "./layers/layer.js";

export const ACTIVATIONS = ["relu", "tanh", "elu", "sigmoid"] as const;
export const MLP_NORMS = ["none", "layer"] as const;
export const CNN_NORMS = ["none", "layer", "group", "instance"] as const;
export const SKIPS = ["none", "residual"] as const;
export const DOWNSAMPLINGS = ["pool", "avgpool", "stride", "none"] as const;
export const HEADS = ["flatten", "gap"] as const;

export type Activation = (typeof ACTIVATIONS)[number];
export type Downsampling = (typeof DOWNSAMPLINGS)[number];

export interface MlpArchitecture {
  family: "mlp";
  widths: number[];
  activation: Activation;
  norm: (typeof MLP_NORMS)[number];
  dropout: number;
  skip: (typeof SKIPS)[number];
}

export interface CnnArchitecture {
  family: "cnn";
  channels: number[];
  kernels: number[];
  down: Downsampling[];
  norm: (typeof CNN_NORMS)[number];
  activation: Activation;
  skip: (typeof SKIPS)[number];
  head: (typeof HEADS)[number];
}

export type NetworkArchitecture = MlpArchitecture | CnnArchitecture;

export const MAX_BLOCKS = 16;
const MAX_WIDTH = 100_000;
const MAX_CHANNELS = 4096;
const MAX_KERNEL = 15;
const MAX_DROPOUT = 0.95;

export const ARCHITECTURE_HELP =
  "mlp:width=W1,W2,...[:act=relu|tanh|elu|sigmoid][:norm=none|layer][:dropout=P][:skip=none|residual], " +
  "cnn:channels=C1,C2,...[:kernel=K,...][:down=pool|avgpool|stride|none,...][:norm=none|layer|group|instance][:act=...][:skip=none|residual][:head=flatten|gap]";

const MLP_KEYS = ["width", "act", "norm", "dropout", "skip"] as const;
const CNN_KEYS = ["channels", "kernel", "down", "norm", "act", "skip", "head"] as const;

/** True when `spec` is written in the key=value grammar (it may still be invalid). */
export function isArchitectureString(spec: string): boolean {
  const [family, ...rest] = spec.split(":");
  return (
    (family === "mlp" || family === "cnn") && rest.length > 0 && rest.every((part) => part.includes("="))
  );
}

/** The first problem of an architecture string, or null when it parses. */
export function architectureProblem(spec: string): string | null {
  try {
    parseArchitecture(spec);
    return null;
  } catch (error) {
    if (error instanceof UserError) return error.message;
    throw error;
  }
}

export function parseArchitecture(spec: string): NetworkArchitecture {
  const fail = (problem: string): never => {
    throw new UserError(`architecture '${spec}': ${problem}`);
  };
  if (!isArchitectureString(spec)) fail(`not an architecture string; write ${ARCHITECTURE_HELP}`);
  const [family, ...parts] = spec.split(":");
  const keys: readonly string[] = family === "mlp" ? MLP_KEYS : CNN_KEYS;
  const values = new Map<string, string>();
  for (const part of parts) {
    const at = part.indexOf("=");
    const key = part.slice(0, at);
    const value = part.slice(at + 1);
    if (!keys.includes(key)) fail(`unknown key '${key}' for ${family} (known: ${keys.join(", ")})`);
    if (values.has(key)) fail(`'${key}' is given twice`);
    if (value === "") fail(`'${key}' has no value`);
    values.set(key, value);
  }
  const choice = <const T extends readonly string[]>(key: string, allowed: T, fallback: T[number]) => {
    const value = values.get(key) ?? fallback;
    if (!allowed.includes(value)) fail(`${key}=${value} is not one of ${allowed.join(", ")}`);
    return value as T[number];
  };
  const wholeNumbers = (key: string, min: number, max: number, fallback?: string): number[] => {
    const text = values.get(key) ?? fallback;
    if (text === undefined)
      return fail(`needs ${key}=..., e.g. ${key}=${family === "mlp" ? "64,64" : "16,32"}`);
    return text.split(",").map((word) => {
      const value = Number(word);
      if (word.trim() === "" || !Number.isInteger(value) || value < min || value > max) {
        fail(`${key}: '${word}' is not a whole number in [${min}, ${max}]`);
      }
      return value;
    });
  };
  const perBlock = <T>(key: string, list: T[], blocks: number): T[] => {
    if (list.length === blocks) return list;
    if (list.length === 1) return Array(blocks).fill(list[0]);
    return fail(`${key} lists ${list.length} values for ${blocks} blocks (give one, or one per block)`);
  };
  const activation = choice("act", ACTIVATIONS, "relu");
  const skip = choice("skip", SKIPS, "none");
  if (family === "mlp") {
    const widths = wholeNumbers("width", 1, MAX_WIDTH);
    if (widths.length > MAX_BLOCKS) fail(`at most ${MAX_BLOCKS} hidden layers, got ${widths.length}`);
    const dropoutText = values.get("dropout") ?? "0";
    const dropout = Number(dropoutText);
    if (dropoutText.trim() === "" || !(dropout >= 0 && dropout <= MAX_DROPOUT)) {
      fail(`dropout=${dropoutText} is not a number in [0, ${MAX_DROPOUT}]`);
    }
    return { family: "mlp", widths, activation, norm: choice("norm", MLP_NORMS, "none"), dropout, skip };
  }
  const channels = wholeNumbers("channels", 1, MAX_CHANNELS);
  if (channels.length > MAX_BLOCKS) fail(`at most ${MAX_BLOCKS} blocks, got ${channels.length}`);
  const blocks = channels.length;
  const kernels = perBlock("kernel", wholeNumbers("kernel", 1, MAX_KERNEL, "3"), blocks);
  const downWords = (values.get("down") ?? "pool").split(",");
  for (const word of downWords) {
    if (!(DOWNSAMPLINGS as readonly string[]).includes(word)) {
      fail(`down=${word} is not one of ${DOWNSAMPLINGS.join(", ")}`);
    }
  }
  return {
    family: "cnn",
    channels,
    kernels,
    down: perBlock("down", downWords as Downsampling[], blocks),
    norm: choice("norm", CNN_NORMS, "none"),
    activation,
    skip,
    head: choice("head", HEADS, "flatten"),
  };
}

/** The canonical string: every key, in a fixed order, one value per block. */
export function formatArchitecture(architecture: NetworkArchitecture): string {
  if (architecture.family === "mlp") {
    const a = architecture;
    return `mlp:width=${a.widths.join(",")}:act=${a.activation}:norm=${a.norm}:dropout=${String(a.dropout)}:skip=${a.skip}`;
  }
  const a = architecture;
  return `cnn:channels=${a.channels.join(",")}:kernel=${a.kernels.join(",")}:down=${a.down.join(",")}:norm=${a.norm}:act=${a.activation}:skip=${a.skip}:head=${a.head}`;
}

/**
 * The architecture of any MLP or CNN model spec — the older mlp:W,... / cnn[:F1,F2]
 * spellings included — or null for another family (logreg).
 */
export function architectureOfSpec(spec: string): NetworkArchitecture | null {
  if (isArchitectureString(spec)) return parseArchitecture(spec);
  const legacyMlp = /^mlp:(\d+(?:,\d+)*)$/.exec(spec);
  if (legacyMlp) return parseArchitecture(`mlp:width=${legacyMlp[1]}`);
  if (spec === "cnn") return parseArchitecture("cnn:channels=16,32");
  const legacyCnn = /^cnn:(\d+,\d+)$/.exec(spec);
  if (legacyCnn) return parseArchitecture(`cnn:channels=${legacyCnn[1]}`);
  return null;
}

/** One spelling per network: the canonical architecture string, or the spec itself (logreg). */
export function canonicalModelSpec(spec: string): string {
  const architecture = architectureOfSpec(spec);
  return architecture ? formatArchitecture(architecture) : spec;
}

function normalisation(norm: string, channels: number): LayerConfig[] {
  if (norm === "layer") return [{ type: "groupnorm", groups: 1 }];
  if (norm === "group") return [{ type: "groupnorm", groups: gcd(channels, 8) }];
  if (norm === "instance") return [{ type: "groupnorm", groups: channels }];
  return [];
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The layers of an architecture for inputs of `inputShape` and `outputs` logits;
 * a UserError names the block that does not fit the input.
 */
export function architectureLayers(
  architecture: NetworkArchitecture,
  inputShape: readonly number[],
  outputs: number,
): LayerConfig[] {
  const name = formatArchitecture(architecture);
  const head: LayerConfig = { type: "dense", units: outputs };
  const block = (body: LayerConfig[]): LayerConfig[] =>
    architecture.skip === "residual" ? [{ type: "residual", body }] : body;
  if (architecture.family === "mlp") {
    const a = architecture;
    const layers: LayerConfig[] = inputShape.length > 1 ? [{ type: "flatten" }] : [];
    for (const units of a.widths) {
      layers.push(
        ...block([
          { type: "dense", units },
          ...normalisation(a.norm, units),
          { type: a.activation },
          ...(a.dropout > 0 ? [{ type: "dropout" as const, rate: a.dropout }] : []),
        ]),
      );
    }
    return [...layers, head];
  }
  const a = architecture;
  if (inputShape.length !== 3) {
    throw new UserError(
      `architecture '${name}' needs image data ([height, width, channels]); this data has ${inputShape.length === 1 ? `${inputShape[0]} flat features` : `shape [${inputShape}]`}`,
    );
  }
  let [height, width] = inputShape;
  const layers: LayerConfig[] = [];
  a.channels.forEach((filters, i) => {
    const down = a.down[i];
    const conv: LayerConfig = { type: "conv2d", filters, kernelSize: a.kernels[i], padding: "same" };
    if (down === "stride") {
      conv.stride = 2;
      height = Math.ceil(height / 2);
      width = Math.ceil(width / 2);
    }
    layers.push(...block([conv, ...normalisation(a.norm, filters), { type: a.activation }]));
    if (down === "pool" || down === "avgpool") {
      if (height < 2 || width < 2) {
        throw new UserError(
          `architecture '${name}' does not fit the input [${inputShape.join(", ")}]: block ${i + 1}'s 2×2 pooling meets a ${height}×${width} feature map (fewer downsampling blocks, or down=none)`,
        );
      }
      layers.push({ type: down === "pool" ? "maxpool" : "avgpool", poolSize: 2 });
      height = Math.floor(height / 2);
      width = Math.floor(width / 2);
    }
  });
  layers.push(a.head === "gap" ? { type: "globalavgpool" } : { type: "flatten" }, head);
  return layers;
}
