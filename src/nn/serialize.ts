/**
 * Model files: JSON with the architecture, the weights (base64 little-endian
 * float32), the training recipe and the fitted preprocessing (opaque JSON here: the
 * fit and data layers validate them) and free-form metadata (backend, privacy spent,
 * fairness settings, test metrics...).
 * Loading validates the whole document with zod and refuses anything corrupt or
 * inconsistent with one clear line.
 */
import { z } from "zod";
import { UserError } from "../common/errors.js";
import type { LayerConfig } from "./layers/index.js";
import { type Architecture, Sequential } from "./sequential.js";

/**
 * The `format` field of every model file.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * declare const model: nn.Sequential; // a trained model
 * nn.MODEL_FORMAT; // "equipoise-model"
 * nn.modelToJSON(model).format === nn.MODEL_FORMAT; // true: modelFromJSON refuses any other format
 * ```
 */
export const MODEL_FORMAT = "equipoise-model";
export const MODEL_VERSION = 1;

const positiveInt = z.number().int().positive();
const padding = z.enum(["same", "valid"]).optional();
const layerSchema: z.ZodType<LayerConfig> = z.lazy(() => layerVariants);
const layerVariants = z.discriminatedUnion("type", [
  z.object({ type: z.literal("dense"), units: positiveInt }),
  z.object({
    type: z.literal("conv2d"),
    filters: positiveInt,
    kernelSize: positiveInt,
    stride: positiveInt.optional(),
    padding,
  }),
  z.object({ type: z.literal("maxpool"), poolSize: positiveInt, stride: positiveInt.optional(), padding }),
  z.object({ type: z.literal("avgpool"), poolSize: positiveInt, stride: positiveInt.optional(), padding }),
  z.object({ type: z.literal("flatten") }),
  z.object({ type: z.literal("relu") }),
  z.object({ type: z.literal("tanh") }),
  z.object({ type: z.literal("sigmoid") }),
  z.object({ type: z.literal("groupnorm"), groups: positiveInt, epsilon: z.number().positive().optional() }),
  z.object({ type: z.literal("embedding"), vocabularySize: positiveInt, dimension: positiveInt }),
  z.object({ type: z.literal("elu") }),
  z.object({ type: z.literal("dropout"), rate: z.number().min(0).lt(1) }),
  z.object({ type: z.literal("globalavgpool") }),
  z.object({ type: z.literal("residual"), body: z.array(layerSchema).min(1) }),
]) as z.ZodType<LayerConfig>;

const modelFileSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  version: z.literal(MODEL_VERSION),
  spec: z.string().optional(),
  architecture: z.object({
    inputShape: z.array(positiveInt).min(1),
    layers: z.array(layerSchema).min(1),
    loss: z.enum(["binary-cross-entropy", "softmax-cross-entropy"]),
  }),
  weights: z.array(
    z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()), data: z.string() }),
  ),
  recipe: z.unknown().optional(),
  preprocessor: z.unknown().optional(),
  metadata: z.record(z.string(), z.unknown()).default({}),
});

/**
 * A model file as JSON: format, version, architecture, weights (base64 float32) and optional spec, recipe,
 * preprocessor and metadata.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * declare const model: nn.Sequential; // a trained model
 * const file: nn.ModelFile = nn.modelToJSON(model, { spec: "mlp:64", metadata: { epsilon: 8 } });
 * file.architecture.loss; // e.g. "binary-cross-entropy"
 * file.weights.map((w) => w.name); // one entry per parameter, data in base64 float32
 * ```
 */
export type ModelFile = z.infer<typeof modelFileSchema>;

/**
 * A model read back from a model file, with what was saved beside it.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * import { readFileSync } from "node:fs";
 * const saved: nn.SavedModel = nn.modelFromJSON(JSON.parse(readFileSync("model.json", "utf8")), "model.json");
 * saved.model.parameterCount;
 * saved.spec; // e.g. "mlp:64,64", when it was saved
 * saved.metadata; // what the trainer stored (backend, privacy spent, metrics...)
 * ```
 */
export interface SavedModel {
  /** The model, with its saved weights. */
  model: Sequential;
  /** The model spec it was built from ("mlp:64,64"), when known. */
  spec?: string;
  /** The training recipe, unvalidated (fit/model-file.ts checks it with the recipe schema). */
  recipe?: unknown;
  /** The preprocessor's JSON, unvalidated. */
  preprocessor?: unknown;
  /** Free-form metadata saved with the model. */
  metadata: Record<string, unknown>;
}

/**
 * A model as a model file (what `equipoise train --out` writes), with optional spec, recipe, preprocessor and metadata.
 * {@link modelFromJSON} reads it back.
 *
 * @example
 * ```ts
 * import { readFileSync, writeFileSync } from "node:fs";
 * import { nn } from "equipoise";
 * declare const model: nn.Sequential; // a trained model, e.g. nn.buildModel("mlp:16", [12], 2, 0)
 * const file = nn.modelToJSON(model, { spec: "mlp:16" });
 * writeFileSync("model.json", JSON.stringify(file));
 * const { model: again } = nn.modelFromJSON(JSON.parse(readFileSync("model.json", "utf8")), "model.json");
 * ```
 */
export function modelToJSON(
  model: Sequential,
  extras: {
    spec?: string;
    recipe?: unknown;
    preprocessor?: unknown;
    metadata?: Record<string, unknown>;
  } = {},
): ModelFile {
  const values = model.readParameters();
  const weights = model.parameterSpecs().map((spec, k) => ({
    name: `${spec.layer}.${spec.name}`,
    shape: spec.shape,
    data: encodeFloat32(values[k]),
  }));
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    ...(extras.spec ? { spec: extras.spec } : {}),
    architecture: structuredClone(model.architecture),
    weights,
    ...(extras.recipe !== undefined ? { recipe: extras.recipe } : {}),
    ...(extras.preprocessor !== undefined ? { preprocessor: extras.preprocessor } : {}),
    metadata: extras.metadata ?? {},
  };
}

/**
 * Parses and checks a model document; `source` names it in error messages.
 *
 * @example
 * ```ts
 * import { nn } from "equipoise";
 * import { readFileSync } from "node:fs";
 * const saved = nn.modelFromJSON(JSON.parse(readFileSync("model.json", "utf8")), "model.json");
 * saved.model; // a Sequential with the saved parameters; saved.spec, saved.recipe and saved.preprocessor beside it
 * ```
 */
export function modelFromJSON(json: unknown, source = "model file"): SavedModel {
  const parsed = modelFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
    throw new UserError(`${source} is not an Equipoise model file: ${issue.message}${where}`);
  }
  const doc = parsed.data;
  const architecture: Architecture = doc.architecture;
  let model: Sequential;
  try {
    // Build with throw-away parameters first to learn the expected shapes.
    const specs = new Sequential(architecture, { seed: 0 });
    const expected = specs.parameterSpecs();
    specs.dispose();
    if (expected.length !== doc.weights.length) {
      throw new UserError(
        `${source}: the architecture has ${expected.length} weight tensors, the file has ${doc.weights.length}`,
      );
    }
    const values = expected.map((spec, k) => {
      const saved = doc.weights[k];
      if (saved.shape.join(",") !== spec.shape.join(",")) {
        throw new UserError(
          `${source}: weight ${saved.name} has shape [${saved.shape}], the architecture needs [${spec.shape}]`,
        );
      }
      const data = decodeFloat32(saved.data, `${source}: weight ${saved.name}`);
      const size = spec.shape.reduce((a, b) => a * b, 1);
      if (data.length !== size)
        throw new UserError(`${source}: weight ${saved.name} has ${data.length} values, expected ${size}`);
      if (!data.every(Number.isFinite))
        throw new UserError(`${source}: weight ${saved.name} contains NaN or infinite values`);
      return data;
    });
    model = new Sequential(architecture, values);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(
      `${source}: invalid architecture: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return {
    model,
    spec: doc.spec,
    ...(doc.recipe !== undefined ? { recipe: doc.recipe } : {}),
    preprocessor: doc.preprocessor,
    metadata: doc.metadata,
  };
}

export function encodeFloat32(values: Float32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk)
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

export function decodeFloat32(text: string, what: string): Float32Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new UserError(`${what} is not valid base64`);
  }
  if (binary.length % 4 !== 0)
    throw new UserError(`${what} has ${binary.length} bytes, not a whole number of float32 values`);
  const view = new DataView(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) view.setUint8(i, binary.charCodeAt(i));
  const out = new Float32Array(binary.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
