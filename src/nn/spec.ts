/**
 * Model specifications as users write them: "logreg", "mlp:64,64", "cnn",
 * "cnn:16,32". Two classes use one logit and binary cross-entropy; more use one
 * logit per class and softmax cross-entropy.
 */
import { UserError } from "../common/errors.js";
import {
  ARCHITECTURE_HELP,
  architectureLayers,
  isArchitectureString,
  parseArchitecture,
} from "./architecture-string.js";
import type { LayerConfig } from "./layers/index.js";
import { type Architecture, Sequential } from "./sequential.js";

/**
 * The model specs {@link architectureFor} accepts, for help texts.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * const spec = "mlp:64,64";
 * try {
 *   nn.architectureFor(spec, [104], 2);
 * } catch {
 *   console.error(`unknown model '${spec}'; expected ${nn.modelSpecHelp}`);
 * }
 * ```
 */
export const modelSpecHelp = `logreg, mlp:H1,H2,... (ReLU), cnn or cnn:F1,F2 (conv3x3-pool-conv3x3-pool-dense), or an architecture string: ${ARCHITECTURE_HELP}`;

/**
 * The architecture of a model spec (`logreg`, `mlp:64,64`, `cnn`, or an architecture string) for inputs of the
 * given per-example shape and a number of classes (2: one logit and binary cross-entropy).
 *
 * @throws `UserError` on an unknown spec, fewer than 2 classes, or a CNN on inputs that are not images.
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * const architecture = nn.architectureFor("mlp:64,64", [104], 2);
 * console.log(architecture.layers.length, architecture.loss); // 5 "binary-cross-entropy"
 * ```
 */
export function architectureFor(
  spec: string,
  inputShape: readonly number[],
  numClasses: number,
): Architecture {
  if (!Number.isInteger(numClasses) || numClasses < 2)
    throw new UserError(`a classifier needs at least 2 classes, got ${numClasses}`);
  const outputs = numClasses === 2 ? 1 : numClasses;
  const loss = numClasses === 2 ? "binary-cross-entropy" : "softmax-cross-entropy";
  const [family, argument] = splitSpec(spec);
  const flatten: LayerConfig[] = inputShape.length > 1 ? [{ type: "flatten" }] : [];
  const head: LayerConfig = { type: "dense", units: outputs };
  let layers: LayerConfig[];
  if (isArchitectureString(spec)) {
    layers = architectureLayers(parseArchitecture(spec), inputShape, outputs);
  } else if (family === "logreg" && argument === undefined) {
    layers = [...flatten, head];
  } else if (family === "mlp") {
    const widths = parseWidths(spec, argument);
    layers = [
      ...flatten,
      ...widths.flatMap((units): LayerConfig[] => [{ type: "dense", units }, { type: "relu" }]),
      head,
    ];
  } else if (family === "cnn") {
    if (inputShape.length !== 3) {
      throw new UserError(
        `model '${spec}' needs image data ([height, width, channels]); this data has ${inputShape.length === 1 ? `${inputShape[0]} flat features` : `shape [${inputShape}]`}`,
      );
    }
    const [first, second] = argument === undefined ? [16, 32] : parseWidths(spec, argument);
    if (second === undefined || parseWidths(spec, argument ?? "1,1").length !== 2) {
      throw new UserError(`model '${spec}': cnn takes two filter counts, e.g. cnn:16,32`);
    }
    layers = [
      { type: "conv2d", filters: first, kernelSize: 3, padding: "same" },
      { type: "relu" },
      { type: "maxpool", poolSize: 2 },
      { type: "conv2d", filters: second, kernelSize: 3, padding: "same" },
      { type: "relu" },
      { type: "maxpool", poolSize: 2 },
      { type: "flatten" },
      head,
    ];
  } else {
    throw new UserError(`unknown model '${spec}'; known: ${modelSpecHelp}`);
  }
  return { inputShape: [...inputShape], layers, loss };
}

/**
 * A freshly initialised model for a spec (seeded).
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * await nn.initBackend("wasm");
 * const model = nn.buildModel("mlp:64,32", [104], 2, 0); // seeded initialisation
 * model.outputShape; // [1]: one logit, binary cross-entropy
 * ```
 */
export function buildModel(
  spec: string,
  inputShape: readonly number[],
  numClasses: number,
  seed: number,
): Sequential {
  return new Sequential(architectureFor(spec, inputShape, numClasses), { seed });
}

function splitSpec(spec: string): [string, string | undefined] {
  const colon = spec.indexOf(":");
  return colon < 0 ? [spec.trim(), undefined] : [spec.slice(0, colon).trim(), spec.slice(colon + 1)];
}

function parseWidths(spec: string, argument: string | undefined): number[] {
  if (argument === undefined || argument.trim() === "")
    throw new UserError(`model '${spec}' needs layer widths, e.g. mlp:64,64`);
  return argument.split(",").map((part) => {
    const value = Number(part.trim());
    if (!Number.isInteger(value) || value < 1 || value > 100_000) {
      throw new UserError(`model '${spec}': '${part}' is not a layer width (a whole number ≥ 1)`);
    }
    return value;
  });
}
