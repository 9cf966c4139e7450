/**
 * The result of a federated run as one typed JSON document: the run's settings, the
 * clients, one record per round (accuracy, loss, per-group metrics and fairness gaps,
 * per-client accuracy, backdoor success, ε so far, secure-aggregation dropouts) and
 * what ε covers. Written with the project's JSON codec (ε of a non-private run is
 * "Infinity", an undefined rate null) and read back through this schema, which
 * decodes those markers by position.
 */
import { z } from "zod";
import { decodeJsonNumber } from "../common/json.js";
import { federatedConfigSchema } from "./config.js";

/**
 * The `format` field of every federated report.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { FEDERATED_REPORT_FORMAT, parseFederatedReport } from "equipoise/federated";
 * FEDERATED_REPORT_FORMAT; // "equipoise-federated-report"
 * const json = JSON.parse(readFileSync("report.json", "utf8"));
 * if (json.format === FEDERATED_REPORT_FORMAT) console.log(parseFederatedReport(json).final.accuracy);
 * ```
 */
export const FEDERATED_REPORT_FORMAT = "equipoise-federated-report";

/** A number as the JSON codec writes it: finite, "Infinity", "-Infinity" or null (NaN). */
const jsonNumber = z
  .union([z.number(), z.literal("Infinity"), z.literal("-Infinity"), z.null()])
  .transform((value) => decodeJsonNumber(value));

const groupMetricsSchema = z.object({
  attribute: z.string(),
  group: z.string(),
  count: z.number(),
  accuracy: jsonNumber,
  selectionRate: jsonNumber.optional(),
  truePositiveRate: jsonNumber.optional(),
  falsePositiveRate: jsonNumber.optional(),
});

const fairnessGapsSchema = z.object({
  attribute: z.string(),
  demographicParityDifference: jsonNumber,
  equalizedOddsDifference: jsonNumber,
});

/**
 * The global model's evaluation on the test split: accuracy, loss, metrics by group and fairness gaps.
 *
 * @example
 * ```ts
 * import { evaluationSchema } from "equipoise/federated";
 * evaluationSchema.parse({ accuracy: 0.84, loss: 0.35, groups: [], fairness: [] }); // no sensitive attribute
 * evaluationSchema.parse({ accuracy: null, loss: "Infinity", groups: [], fairness: [] }); // the JSON codec's markers: accuracy NaN, loss Infinity
 * evaluationSchema.safeParse({ accuracy: 0.84 }).success; // false: loss, groups and fairness are required
 * ```
 */
export const evaluationSchema = z.object({
  accuracy: jsonNumber,
  loss: jsonNumber,
  groups: z.array(groupMetricsSchema),
  fairness: z.array(fairnessGapsSchema),
  backdoorSuccess: jsonNumber.optional(),
});

const droppedSchema = z.object({
  advertise: z.array(z.number()),
  share: z.array(z.number()),
  input: z.array(z.number()),
  unmask: z.array(z.number()),
});

/**
 * One round: clients sampled and included, the evaluation, client accuracies, ε so far, secure
 * aggregation's dropouts and timings.
 *
 * @example
 * ```ts
 * import { roundRecordSchema } from "equipoise/federated";
 * const record = roundRecordSchema.parse({
 *   round: 1, sampled: 10, included: 9, evaluation: { accuracy: 0.8, loss: 0.4, groups: [], fairness: [] },
 *   clientAccuracy: { min: 0.7, mean: 0.8, max: 0.9 }, epsilon: "Infinity", seconds: 1.5,
 * });
 * record.epsilon; // Infinity: a run without DP
 * roundRecordSchema.safeParse({ round: 1 }).success; // false
 * ```
 */
export const roundRecordSchema = z.object({
  round: z.number().int(),
  /** Clients sampled for the round. */
  sampled: z.number().int(),
  /** Clients whose update is in the aggregate. */
  included: z.number().int(),
  /** Why the round produced no update (the model is unchanged), if it did not. */
  aborted: z.string().optional(),
  evaluation: evaluationSchema,
  clientAccuracy: z.object({
    min: jsonNumber,
    mean: jsonNumber,
    max: jsonNumber,
    /** Global model's accuracy on each client's rows, by client id (simulation only). */
    values: z.array(jsonNumber).optional(),
  }),
  /** ε after this round (Infinity without DP). */
  epsilon: jsonNumber,
  secure: z
    .object({
      dropped: droppedSchema,
      seconds: z.object({ client: z.number(), server: z.number() }),
    })
    .optional(),
  /** Clients the robust aggregator kept (Krum / Multi-Krum), by id. */
  selected: z.array(z.number()).optional(),
  seconds: z.number(),
});

/**
 * One client's share of the data (simulation only): rows, class and group shares, malicious or not.
 *
 * @example
 * ```ts
 * import { clientSummarySchema } from "equipoise/federated";
 * clientSummarySchema.parse({ id: 0, rows: 700, malicious: false, classShares: [0.6, 0.4], groupShares: { A: 0.69, B: 0.31 } });
 * clientSummarySchema.safeParse({ id: 0.5, malicious: false, classShares: [], groupShares: {} }).success; // false: ids are whole numbers
 * ```
 */
export const clientSummarySchema = z.object({
  id: z.number().int(),
  /** Rows of the client (unknown to the server of real processes under secure aggregation). */
  rows: z.number().int().optional(),
  malicious: z.boolean(),
  /** Share of rows of each class, in class order. */
  classShares: z.array(jsonNumber),
  /** Share of rows of each group of the first sensitive attribute. */
  groupShares: z.record(z.string(), jsonNumber),
});

/**
 * What ε a run's models have, against whom, with which noise, and what ε does not cover.
 *
 * @example
 * ```ts
 * import { privacySummarySchema } from "equipoise/federated";
 * const summary = privacySummarySchema.parse({
 *   private: true, mode: "central", epsilon: 7.08, delta: 1e-5, accountant: "rdp", sampleRate: 1, noise: 1, clip: 1,
 *   noiseSource: "secure", suitableForRelease: true, notCovered: [],
 * });
 * privacySummarySchema.safeParse({ ...summary, mode: "local" }).success; // false: none, central or distributed
 * ```
 */
export const privacySummarySchema = z.object({
  private: z.boolean(),
  mode: z.enum(["none", "central", "distributed"]),
  epsilon: jsonNumber,
  delta: z.number().optional(),
  accountant: z.enum(["rdp", "prv"]).optional(),
  sampleRate: z.number(),
  noise: z.number().optional(),
  clip: z.number().optional(),
  /** Under distributed DP: ε against the server, which knows who took part (no sampling amplification). */
  epsilonAgainstServer: jsonNumber.optional(),
  noiseSource: z.enum(["none", "secure", "seeded"]),
  suitableForRelease: z.boolean(),
  /** What this run prints or saves that ε does not cover. */
  notCovered: z.array(z.string()),
});

/**
 * The report of a federated run (`federate --report`, `--json`): data, configuration, clients,
 * every round, the final evaluation and the privacy summary.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { federatedReportSchema } from "equipoise/federated";
 * const parsed = federatedReportSchema.safeParse(JSON.parse(readFileSync("report.json", "utf8"))); // from `federate --report`
 * if (parsed.success) console.log(parsed.data.final.accuracy, parsed.data.privacy.epsilon);
 * else console.error(parsed.error.issues[0]); // e.g. a file of another format
 * ```
 */
export const federatedReportSchema = z.object({
  format: z.literal(FEDERATED_REPORT_FORMAT),
  version: z.literal(1),
  mode: z.enum(["simulation", "processes"]),
  data: z.object({
    name: z.string(),
    target: z.string(),
    classes: z.array(z.string()),
    features: z.number().int(),
    trainRows: z.number().int(),
    testRows: z.number().int(),
    sensitive: z.array(z.string()),
  }),
  config: federatedConfigSchema,
  parameters: z.number().int(),
  clients: z.array(clientSummarySchema),
  rounds: z.array(roundRecordSchema),
  final: evaluationSchema,
  privacy: privacySummarySchema,
  secure: z
    .object({
      graph: z.enum(["complete", "secagg+"]),
      degree: z.number().int().optional(),
      thresholdFraction: z.number(),
      ringBits: z.literal(32),
    })
    .optional(),
  seconds: z.number(),
  threads: z.number().int(),
});

/**
 * The report of a federated run (see {@link federatedReportSchema}).
 *
 * @example
 * ```ts
 * import { data } from "equipoise";
 * import { type FederatedReport, simulateFederated } from "equipoise/federated";
 * const task = await data.prepareTask({ data: "synthetic", sensitive: ["group"] });
 * const report: FederatedReport = (await simulateFederated(task, { clients: 4, rounds: 2, workers: 1 })).report;
 * console.log(report.final.accuracy, report.rounds.length, report.privacy.epsilon); // …, 2, Infinity (no DP)
 * ```
 */
export type FederatedReport = z.infer<typeof federatedReportSchema>;
/**
 * One round of a federated report.
 *
 * @example
 * ```ts
 * import { data } from "equipoise";
 * import { type RoundRecord, simulateFederated } from "equipoise/federated";
 * const task = await data.prepareTask({ data: "synthetic" });
 * const onRound = (record: RoundRecord): void =>
 *   console.log(record.round, record.included, record.evaluation.accuracy, record.epsilon);
 * await simulateFederated(task, { clients: 4, rounds: 2, workers: 1 }, { onRound }); // the same records end up in report.rounds
 * ```
 */
export type RoundRecord = z.infer<typeof roundRecordSchema>;
/**
 * One client's summary in a federated report.
 *
 * @example
 * ```ts
 * import type { ClientSummary, FederatedReport } from "equipoise/federated";
 * declare const report: FederatedReport; // from simulateFederated or parseFederatedReport
 * const clients: ClientSummary[] = report.clients;
 * for (const c of clients) console.log(c.id, c.rows, c.malicious, c.classShares, c.groupShares);
 * ```
 */
export type ClientSummary = z.infer<typeof clientSummarySchema>;
/**
 * The privacy summary of a federated report.
 *
 * @example
 * ```ts
 * import type { FederatedReport, PrivacySummary } from "equipoise/federated";
 * declare const report: FederatedReport; // from simulateFederated or parseFederatedReport
 * const privacy: PrivacySummary = report.privacy;
 * console.log(privacy.epsilon, privacy.delta, privacy.noiseSource, privacy.suitableForRelease);
 * for (const what of privacy.notCovered) console.log(`not covered by ε: ${what}`);
 * ```
 */
export type PrivacySummary = z.infer<typeof privacySummarySchema>;

/**
 * Parses a report read from JSON; throws the first schema error.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { parseFederatedReport } from "equipoise/federated";
 * const report = parseFederatedReport(JSON.parse(readFileSync("report.json", "utf8"))); // throws on a bad schema
 * ```
 */
export function parseFederatedReport(json: unknown): FederatedReport {
  return federatedReportSchema.parse(json);
}
