/**
 * What the server publishes to every client when it joins: the model, how to encode
 * a row (the fitted preprocessing, the target and its classes, the sensitive
 * attributes), how to train locally and how to send the update (the L2 bound honest
 * clients clip to; the ring encoding and noise shares under secure aggregation and
 * distributed DP). Everything here is public: it is derived from the server's own
 * data and the run's settings, never from a client.
 */
import { z } from "zod";
import type { PreparedTask } from "../data/index.js";
import type { FederatedConfig } from "./config.js";
import { planDistributedNoise } from "./distributed-dp.js";
import { modelShape, parameterCount } from "./local-training.js";
import { secureBound } from "./round-aggregation.js";

/**
 * Schema of {@link TaskSpec}: clients check what the server sends with it.
 *
 * @example
 * ```ts
 * import { data, nn } from "equipoise";
 * import { parseFederatedConfig, taskSpecFor, taskSpecSchema } from "equipoise/federated";
 * await nn.initBackend("cpu");
 * const task = await data.prepareTask({ data: "synthetic" });
 * const sent = JSON.parse(JSON.stringify(taskSpecFor(task, parseFederatedConfig({ clients: 3, rounds: 2 }))));
 * const spec = taskSpecSchema.parse(sent); // what a client checks on joining
 * taskSpecSchema.safeParse({ ...sent, numClasses: 1 }).success; // false: at least 2 classes
 * ```
 */
export const taskSpecSchema = z.object({
  protocol: z.literal("equipoise-federated/1"),
  model: z.string(),
  inputSize: z.number().int().positive(),
  numClasses: z.number().int().min(2),
  parameters: z.number().int().positive(),
  target: z.string(),
  /** Class names, index = label value (binary: [negative, positive]). */
  classNames: z.array(z.string()).min(2),
  positiveLabel: z.string().nullable(),
  sensitive: z.array(z.object({ name: z.string(), categories: z.array(z.string()) })),
  /** The server's fitted preprocessing (Preprocessor JSON). */
  preprocessor: z.unknown(),
  local: z.object({
    epochs: z.number().int().min(1),
    batchSize: z.number().int().min(1),
    learningRate: z.number().positive(),
    proximalMu: z.number().min(0),
  }),
  /** Honest clients clip their update to this L2 norm before sending it (undefined: no clipping). */
  clip: z.number().positive().optional(),
  secure: z.boolean(),
  distributedNoise: z
    .object({
      /** Integer variance of each client's noise share, in ring units², as a decimal string. */
      shareVariance: z.string().regex(/^\d+$/),
      scale: z.number().positive(),
    })
    .optional(),
  rounds: z.number().int().min(1),
});

/**
 * What the server sends a joining client: the public preprocessing, the model, local training and privacy settings.
 *
 * @example
 * ```ts
 * import { data, nn } from "equipoise";
 * import { parseFederatedConfig, type TaskSpec, taskSpecFor } from "equipoise/federated";
 * await nn.initBackend("cpu");
 * const task = await data.prepareTask({ data: "synthetic" });
 * const spec: TaskSpec = taskSpecFor(task, parseFederatedConfig({ clients: 3, rounds: 2 }));
 * console.log(spec.model, spec.inputSize, spec.classNames, spec.parameters); // "logreg", 8, ["0", "1"], 9
 * ```
 */
export type TaskSpec = z.infer<typeof taskSpecSchema>;

/**
 * The {@link TaskSpec} of a federation: what clients need to train for it.
 *
 * @example
 * ```ts
 * import type { PreparedTask } from "equipoise/data";
 * import { type FederatedConfig, taskSpecFor } from "equipoise/federated";
 * declare const task: PreparedTask; // the server's (see prepareTask)
 * declare const config: FederatedConfig; // see parseFederatedConfig
 * const spec = taskSpecFor(task, config);
 * ```
 */
export function taskSpecFor(task: PreparedTask, config: FederatedConfig): TaskSpec {
  const parameters = parameterCount(modelShape(config.model, task.train.X.cols, task.numClasses));
  const dp = config.dp;
  const clip = config.secure ? secureBound(config) : dp ? undefined : config.normBound;
  const distributed =
    dp?.mode === "distributed"
      ? planDistributedNoise({
          ...dp,
          dimension: parameters,
          expectedClients: config.sampleRate * config.clients,
        })
      : undefined;
  return {
    protocol: "equipoise-federated/1",
    model: config.model,
    inputSize: task.train.X.cols,
    numClasses: task.numClasses,
    parameters,
    target: task.target,
    classNames: task.classNames,
    positiveLabel: task.positiveLabel,
    sensitive: task.train.sensitive.map((s) => ({ name: s.name, categories: s.categories })),
    preprocessor: task.preprocessor.toJSON(),
    local: config.local,
    ...(clip !== undefined ? { clip } : {}),
    secure: config.secure !== undefined,
    ...(distributed
      ? {
          distributedNoise: {
            shareVariance: distributed.shareVariance.toString(),
            scale: distributed.fixedPoint.scale,
          },
        }
      : {}),
    rounds: config.rounds,
  };
}
