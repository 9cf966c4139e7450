/**
 * A federated run's settings: one zod schema, from which the static type, the
 * validation of library input and the copy stored in every report all derive.
 */
import { z } from "zod";
import { DEFAULT_DELTA } from "../common/defaults.js";
import { UsageError } from "../common/errors.js";

const positive = z.number().positive().finite();
const whole = z.number().int();

/**
 * How rows are split among simulated clients: iid, Dirichlet label skew (α), or group skew.
 *
 * @example
 * ```ts
 * import { partitionSchema } from "equipoise/federated";
 * partitionSchema.parse({ kind: "dirichlet", alpha: 0.3 }); // { kind: "dirichlet", alpha: 0.3 }
 * partitionSchema.safeParse({ kind: "dirichlet", alpha: 0 }).success; // false: α must be > 0
 * ```
 */
export const partitionSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("iid") }),
  z.object({ kind: z.literal("dirichlet"), alpha: positive }),
  z.object({ kind: z.literal("group-skew"), skew: z.number().min(0).max(1) }),
]);

/**
 * How the server combines updates: mean (FedAvg), median, trimmed mean, Krum or Multi-Krum.
 *
 * @example
 * ```ts
 * import { aggregatorSchema } from "equipoise/federated";
 * aggregatorSchema.parse({ kind: "krum", byzantine: 2 }); // { kind: "krum", byzantine: 2 }
 * aggregatorSchema.safeParse({ kind: "trimmed", fraction: 0.5 }).success; // false: the trimmed fraction must be < 0.5
 * ```
 */
export const aggregatorSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("mean") }),
  z.object({ kind: z.literal("median") }),
  z.object({ kind: z.literal("trimmed"), fraction: z.number().min(0).lt(0.5) }),
  z.object({ kind: z.literal("krum"), byzantine: whole.nonnegative().optional() }),
  z.object({
    kind: z.literal("multikrum"),
    byzantine: whole.nonnegative().optional(),
    selected: whole.positive().optional(),
  }),
]);

/**
 * Schema of a {@link ServerOptimizerSpec} in a stored configuration.
 *
 * @example
 * ```ts
 * import { FEDADAM_DEFAULTS, serverOptimizerSchema } from "equipoise/federated";
 * serverOptimizerSchema.parse({ kind: "fedadam", ...FEDADAM_DEFAULTS }); // FedAdam with the paper's settings
 * serverOptimizerSchema.safeParse({ kind: "fedavg", learningRate: 1, momentum: 1 }).success; // false: momentum must be < 1
 * ```
 */
export const serverOptimizerSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("fedavg"), learningRate: positive, momentum: z.number().min(0).lt(1) }),
  z.object({
    kind: z.literal("fedadam"),
    learningRate: positive,
    beta1: z.number().min(0).lt(1),
    beta2: z.number().min(0).lt(1),
    tau: positive,
  }),
]);

/**
 * Schema of an {@link AttackSpec} in a stored configuration.
 *
 * @example
 * ```ts
 * import { attackSchema } from "equipoise/federated";
 * attackSchema.parse({ kind: "sign-flip", scale: 10 }); // { kind: "sign-flip", scale: 10 }
 * attackSchema.safeParse({ kind: "scale" }).success; // false: "scale" needs its factor
 * ```
 */
export const attackSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("label-flip") }),
  z.object({ kind: z.literal("sign-flip"), scale: positive }),
  z.object({ kind: z.literal("scale"), factor: positive }),
  z.object({ kind: z.literal("backdoor"), boost: positive }),
  z.object({ kind: z.literal("colluding"), z: positive.optional() }),
]);

/**
 * A federated run's settings (zod): model, clients, rounds, sampling, partition, local training,
 * server optimiser, aggregator, secure aggregation, client-level DP, attacks, seed.
 *
 * @example
 * ```ts
 * import { federatedConfigSchema } from "equipoise/federated";
 * const config = federatedConfigSchema.parse({ clients: 10, rounds: 5 });
 * config.local; // the defaults filled in: { epochs: 1, batchSize: 32, learningRate: 0.1, proximalMu: 0 }
 * const bad = federatedConfigSchema.safeParse({ clients: 0, rounds: 5 });
 * if (!bad.success) console.log(bad.error.issues[0].path); // ["clients"]: at least 1 client
 * ```
 */
export const federatedConfigSchema = z.object({
  model: z.string().min(1).default("logreg"),
  clients: whole.min(1).max(100_000),
  rounds: whole.min(1).max(100_000),
  /** Poisson client sampling: each client takes part in a round with this probability. */
  sampleRate: z.number().gt(0).max(1).default(1),
  partition: partitionSchema.default({ kind: "iid" }),
  local: z
    .object({
      epochs: whole.min(1).default(1),
      batchSize: whole.min(1).default(32),
      learningRate: positive.default(0.1),
      /** FedProx's μ; 0 = FedAvg's local training. */
      proximalMu: z.number().min(0).default(0),
    })
    .prefault({}),
  server: serverOptimizerSchema.default({ kind: "fedavg", learningRate: 1, momentum: 0 }),
  aggregator: aggregatorSchema.default({ kind: "mean" }),
  /** Norm bounding (Sun et al. 2019): every update is clipped to this L2 norm. */
  normBound: positive.optional(),
  /** q-FFL's q (Li et al. 2020); absent = no fairness-aware aggregation. */
  qffl: z.number().min(0).optional(),
  secure: z
    .object({
      graph: z.enum(["complete", "secagg+"]).default("complete"),
      /** SecAgg+ degree; default `recommendedDegree(clients per round, { thresholdFraction })`. */
      degree: whole.min(2).optional(),
      thresholdFraction: z.number().min(0).lt(1).default(0.5),
      /** Probability that a sampled client drops out (at a random phase) in a round. */
      dropout: z.number().min(0).lt(1).default(0),
    })
    .optional(),
  dp: z
    .object({
      /** central: the server adds Gaussian noise; distributed: clients add discrete Gaussian noise before secure aggregation. */
      mode: z.enum(["central", "distributed"]).default("central"),
      noise: z.number().min(0).finite(),
      clip: positive,
      delta: z.number().gt(0).lt(1).default(DEFAULT_DELTA),
      accountant: z.enum(["rdp", "prv"]).default("rdp"),
      /** Seeded noise and client sampling: reproducible, NOT for release. */
      seed: whole.optional(),
    })
    .optional(),
  attack: z
    .object({
      /** Share of clients that are malicious (the first ⌈fraction · clients⌉ after a seeded shuffle). */
      fraction: z.number().gt(0).lt(1),
      spec: attackSchema,
    })
    .optional(),
  seed: whole.default(0),
  /** Worker threads for local training and, under `secure`, for the clients' side of secure aggregation (default: every core). */
  workers: whole.min(1).optional(),
});

/**
 * A validated federated configuration, every default filled in.
 *
 * @example
 * ```ts
 * import { type FederatedConfig, parseFederatedConfig } from "equipoise/federated";
 * const config: FederatedConfig = parseFederatedConfig({ clients: 10, rounds: 5, dp: { noise: 1, clip: 1 } });
 * config.dp?.delta; // 1e-5: the default δ, filled in
 * config.model; // "logreg", the default model
 * ```
 */
export type FederatedConfig = z.infer<typeof federatedConfigSchema>;
/**
 * A federated configuration as a library caller writes it (defaults may be left out).
 *
 * @example
 * ```ts
 * import { data } from "equipoise";
 * import { type FederatedConfigInput, simulateFederated } from "equipoise/federated";
 * const input: FederatedConfigInput = {
 *   clients: 10, rounds: 5, sampleRate: 0.5, workers: 1, partition: { kind: "dirichlet", alpha: 0.3 },
 * };
 * const task = await data.prepareTask({ data: "synthetic" });
 * const { report } = await simulateFederated(task, input); // report.config: the input with every default filled in
 * ```
 */
export type FederatedConfigInput = z.input<typeof federatedConfigSchema>;

/**
 * Validates library input; a bad setting is a UsageError naming it.
 *
 * @example
 * ```ts
 * import { parseFederatedConfig } from "equipoise/federated";
 * const config = parseFederatedConfig({
 *   model: "logreg", clients: 10, rounds: 5,
 *   local: { epochs: 1, batchSize: 32, learningRate: 0.1 },
 * }); // defaults filled in; a bad setting is a UsageError naming it
 * ```
 */
export function parseFederatedConfig(input: FederatedConfigInput): FederatedConfig {
  const parsed = federatedConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new UsageError(`federated settings: ${issue.path.join(".") || "config"}: ${issue.message}`);
}
