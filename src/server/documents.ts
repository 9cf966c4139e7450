/**
 * Every document the HTTP API sends, as zod schemas: the one source of the wire
 * format (JSON, numbers through the shared codec: ∞ as "Infinity", NaN as null),
 * the in-memory types (the schemas' outputs, with the numbers decoded), the browser's
 * validation of what it receives, and the OpenAPI description (openapi.ts).
 *
 * The server builds the output types and serialises them with `toJson`
 * (src/common/json.ts), which produces exactly the schemas' input side.
 */
import { z } from "zod";
import { decodeJsonNumber } from "../common/json.js";

/** A number as JSON carries it: finite, "Infinity", "-Infinity", or null for NaN. */
export const jsonNumber = z
  .union([z.number(), z.literal("Infinity"), z.literal("-Infinity"), z.null()])
  .transform((value) => decodeJsonNumber(value))
  .meta({ description: 'a number; +∞ as the string "Infinity", NaN (undefined) as null' });

const paramValue = z.union([z.number(), z.string(), z.boolean()]);

/** Schema of {@link MetricSummary}: a model's accuracy, ε and fairness differences on one split. */
export const metricSummarySchema = z
  .object({
    accuracy: jsonNumber,
    epsilon: jsonNumber.meta({ description: "(ε, δ)-DP of the training run; Infinity when non-private" }),
    dpDifference: jsonNumber,
    eoDifference: jsonNumber,
    eopDifference: jsonNumber,
  })
  .meta({ id: "MetricSummary", description: "a model's metrics on one split" });
/** A model's metrics on one split: accuracy and the three group differences in [0, 1], ε (∞ when non-private). */
export type MetricSummary = z.output<typeof metricSummarySchema>;

/** Schema of one objective of a study: its name, direction and display label. */
export const objectiveDocSchema = z.object({
  name: z.string(),
  direction: z.enum(["minimize", "maximize"]),
  label: z.string(),
});

/** Schema of one search-space parameter: its kind, range or choices, and the condition under which it is active. */
export const parameterDocSchema = z
  .object({
    name: z.string(),
    kind: z.enum(["float", "int", "categorical"]),
    low: z.number().optional(),
    high: z.number().optional(),
    log: z.boolean().optional(),
    choices: z.array(paramValue).optional(),
    condition: z.object({ parameter: z.string(), oneOf: z.array(paramValue) }).optional(),
  })
  .meta({ id: "Parameter" });

/** Schema of {@link TrialCounts}. */
export const countsSchema = z
  .object({
    total: z.number().int(),
    complete: z.number().int(),
    failed: z.number().int(),
    running: z.number().int(),
    feasible: z.number().int(),
  })
  .meta({ id: "TrialCounts" });
/** How many trials a study has, by state, and how many are feasible. */
export type TrialCounts = z.output<typeof countsSchema>;

/** Schema of {@link TrialRow}. */
export const trialRowSchema = z
  .object({
    number: z.number().int(),
    state: z.enum(["running", "complete", "failed", "pruned"]),
    params: z.record(z.string(), paramValue),
    durationSeconds: jsonNumber.nullable(),
    error: z.string().nullable(),
    feasible: z.boolean(),
    onPareto: z.boolean().meta({ description: "on the study's Pareto front, judged on validation metrics" }),
    validation: metricSummarySchema.nullable(),
    test: metricSummarySchema
      .nullable()
      .meta({ description: "test metrics: given for Pareto trials only, as in the report" }),
    objectives: z
      .array(jsonNumber)
      .nullable()
      .meta({ description: "explorer studies: normalised objectives (validation); others: raw values" }),
    constraints: z.array(jsonNumber).nullable(),
  })
  .meta({ id: "TrialRow" });
/** One trial as the study page lists it: parameters, state, validation (and, on the front, test) metrics. */
export type TrialRow = z.output<typeof trialRowSchema>;

/** Schema of a reference to a server job: its id and state. */
export const jobRefSchema = z.object({ id: z.string(), state: z.string() }).meta({ id: "JobRef" });

/** Schema of the dataset an explorer study ran on: target, sensitive columns, split sizes, feature count. */
export const datasetSummarySchema = z.object({
  name: z.string(),
  target: z.string().nullable(),
  positive: z.string().nullable(),
  sensitive: z.array(z.string()),
  primarySensitive: z.string(),
  rows: z.object({ train: z.number(), validation: z.number(), test: z.number() }),
  features: z.number(),
});

/** Schema of {@link StudyView}. */
export const studyViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    file: z.string().meta({ description: "the study file's name" }),
    kind: z.enum(["explorer", "generic"]),
    objectives: z.array(objectiveDocSchema),
    constraints: z.array(z.string()),
    strategy: z.string(),
    seed: z.number(),
    parameters: z.array(parameterDocSchema),
    dataset: datasetSummarySchema.nullable(),
    delta: z.number().nullable(),
    accountant: z.string().nullable(),
    counts: countsSchema,
    hypervolume: z.object({ validation: jsonNumber, test: jsonNumber }).nullable(),
    hypervolumeHistory: z.array(z.object({ trial: z.number().int(), hypervolume: jsonNumber })),
    reference: z.object({ validation: metricSummarySchema, test: metricSummarySchema }).nullable(),
    trials: z.array(trialRowSchema),
    privacyNotes: z.array(z.string()),
    activity: z.object({
      workers: z.number().int().meta({ description: "processes working on the study now" }),
      job: jobRefSchema.nullable(),
    }),
  })
  .meta({ id: "StudyView", description: "everything the study page shows" });
/** Everything the study page shows: the space, objectives, trials, front, counts and workers. */
export type StudyView = z.output<typeof studyViewSchema>;

/** Schema of {@link StudyListItem}. */
export const studyListItemSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    file: z.string(),
    kind: z.enum(["explorer", "generic"]).nullable(),
    dataset: z.string().nullable(),
    objectives: z.array(z.string()),
    counts: countsSchema.nullable(),
    budget: z.number().int().nullable(),
    hypervolume: jsonNumber.nullable(),
    activity: z.object({ workers: z.number().int(), job: jobRefSchema.nullable() }),
    error: z.string().nullable().meta({ description: "why the study cannot be read, if it cannot" }),
  })
  .meta({ id: "StudyListItem" });
/** One study in the server's list: its name, counts and budget, or why it cannot be read. */
export type StudyListItem = z.output<typeof studyListItemSchema>;

/** Schema of the response of `GET /api/studies`. */
export const studyListSchema = z.object({ studies: z.array(studyListItemSchema) }).meta({ id: "StudyList" });

/** Schema of {@link Interval}. */
export const intervalSchema = z
  .object({
    value: jsonNumber,
    low: jsonNumber,
    high: jsonNumber,
    n: z.number().int().meta({ description: "the denominator: rows the rate is measured on" }),
  })
  .meta({ id: "Interval", description: "a rate with its 95% Wilson score interval" });
/** A rate in [0, 1] with its 95 % Wilson score interval and the number of rows it is measured on. */
export type Interval = z.output<typeof intervalSchema>;

/** Schema of {@link GroupRow}. */
export const groupRowSchema = z
  .object({
    attribute: z.string(),
    group: z.string(),
    count: z.number().int(),
    accuracy: intervalSchema,
    selectionRate: intervalSchema,
    tpr: intervalSchema,
    fpr: intervalSchema,
  })
  .meta({ id: "GroupRow" });
/** One sensitive group's rates (accuracy, selection rate, TPR, FPR) with their intervals. */
export type GroupRow = z.output<typeof groupRowSchema>;

/** Schema of {@link PrivacyCostRow}. */
export const privacyCostRowSchema = z
  .object({
    attribute: z.string(),
    group: z.string(),
    trial: intervalSchema,
    reference: intervalSchema,
    difference: jsonNumber.meta({ description: "reference accuracy minus this trial's accuracy" }),
  })
  .meta({ id: "PrivacyCostRow" });
/** One group's accuracy under a trial against the non-private reference model on the same rows. */
export type PrivacyCostRow = z.output<typeof privacyCostRowSchema>;

/** Schema of one split (validation or test) of a trial's detail: metrics, groups, cost of privacy. */
export const splitDetailSchema = z.object({
  split: z.enum(["validation", "test"]),
  metrics: metricSummarySchema,
  groups: z.array(groupRowSchema),
  /** Accuracy by group against the non-private, unmitigated reference model on the same rows. */
  costOfPrivacy: z.array(privacyCostRowSchema),
});

/** Schema of {@link MatchedPrivacyCost}. */
export const matchedPrivacyCostSchema = z
  .object({
    attribute: z.string(),
    notCoveredByEpsilon: z.string(),
    splits: z.array(
      z.object({
        split: z.enum(["validation", "test"]),
        disparity: jsonNumber.meta({ description: "largest group's accuracy cost minus the smallest's" }),
        groups: z.array(
          z.object({
            group: z.string(),
            count: z.number().int(),
            privateAccuracy: jsonNumber,
            matchedAccuracy: jsonNumber,
            accuracyCost: jsonNumber.meta({ description: "matched minus private accuracy" }),
            tprChange: jsonNumber.meta({ description: "private minus matched" }),
            fprChange: jsonNumber,
            selectionRateChange: jsonNumber,
          }),
        ),
      }),
    ),
  })
  .meta({
    id: "MatchedPrivacyCost",
    description:
      "a private trial's cost of privacy by group against its matched model (same recipe and seed without DP), when the explorer stored it",
  });
/** A private trial's cost of privacy by group against its matched non-private model (same recipe and seed). */
export type MatchedPrivacyCost = z.output<typeof matchedPrivacyCostSchema>;

/** Schema of {@link TrialDetail}. */
export const trialDetailSchema = z
  .object({
    study: z.string(),
    number: z.number().int(),
    state: z.enum(["running", "complete", "failed", "pruned"]),
    params: z.record(z.string(), paramValue),
    recipe: z.record(z.string(), z.unknown()).nullable(),
    privacy: z.record(z.string(), z.unknown()).nullable(),
    trainSeconds: jsonNumber.nullable(),
    durationSeconds: jsonNumber.nullable(),
    error: z.string().nullable(),
    feasible: z.boolean(),
    onPareto: z.boolean(),
    objectives: z.array(jsonNumber).nullable(),
    splits: z.array(splitDetailSchema),
    /** Null when the trial is not private or the study stored no matched model's metrics. */
    matchedPrivacyCost: matchedPrivacyCostSchema.nullable(),
    notes: z.array(z.string()),
  })
  .meta({
    id: "TrialDetail",
    description: "one trial: per-group metrics with intervals, the cost of privacy",
  });
/** One trial in detail: per-group metrics with intervals and the cost of privacy, per split. */
export type TrialDetail = z.output<typeof trialDetailSchema>;

/** The states a server job goes through, in order; it ends in one of the last three. */
export const jobStates = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
/** One of {@link jobStates}. */
export type JobState = (typeof jobStates)[number];

/** Schema of {@link JobDoc}. */
export const jobDocSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    state: z.enum(jobStates),
    title: z.string(),
    progress: z.object({
      done: z.number().nullable(),
      total: z.number().nullable(),
      message: z.string(),
    }),
    studyId: z.string().nullable(),
    result: z.unknown().nullable(),
    error: z.string().nullable(),
    createdAt: z.number(),
    startedAt: z.number().nullable(),
    finishedAt: z.number().nullable(),
  })
  .meta({ id: "Job", description: "a long task run by the server: a study, a training, an audit..." });
/** A long task run by the server (a study, a training, an audit...): its kind, state, progress and result. */
export type JobDoc = z.output<typeof jobDocSchema>;

/** Schema of the response of `GET /api/jobs`. */
export const jobListSchema = z.object({ jobs: z.array(jobDocSchema) }).meta({ id: "JobList" });

/** Schema of {@link ModelDoc}. */
export const modelDocSchema = z
  .object({
    id: z.string(),
    file: z.string(),
    bytes: z.number().int(),
    modified: z.string().meta({ description: "ISO 8601 time of the file's last change" }),
  })
  .meta({
    id: "Model",
    description: "a model file in the server's models folder (train a model: POST /api/models)",
  });
/** A model file in the server's models folder: its name, size and last change. */
export type ModelDoc = z.output<typeof modelDocSchema>;

/** Schema of the response of `GET /api/models`. */
export const modelListSchema = z.object({ models: z.array(modelDocSchema) }).meta({ id: "ModelList" });

/** Schema of one column of a dataset: its kind, distinct and missing counts, and a few example values. */
export const columnDocSchema = z.object({
  name: z.string(),
  kind: z.enum(["numeric", "categorical"]),
  distinct: z.number().int(),
  missing: z.number().int(),
  examples: z.array(z.string()),
});

/** Schema of {@link DatasetDoc}. */
export const datasetDocSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    source: z.enum(["bundled", "upload"]),
    summary: z.string(),
    rows: z.number().int().nullable(),
    columns: z.array(columnDocSchema).nullable(),
    defaults: z.object({
      target: z.string().nullable(),
      positive: z.string().nullable(),
      sensitive: z.array(z.string()),
    }),
    choices: z
      .object({ targets: z.array(z.string()), sensitive: z.array(z.string()) })
      .meta({ description: "columns that can be the target or a sensitive attribute" }),
  })
  .meta({ id: "Dataset" });
/** A dataset the server can run on (bundled or uploaded): its columns, defaults and allowed choices. */
export type DatasetDoc = z.output<typeof datasetDocSchema>;

/** Schema of the response of `GET /api/datasets`. */
export const datasetListSchema = z
  .object({ datasets: z.array(datasetDocSchema) })
  .meta({ id: "DatasetList" });

/** Schema of the response of `GET /api/health`: version, whether a token is required, the job kinds. */
export const healthSchema = z
  .object({
    name: z.literal("equipoise"),
    version: z.string(),
    tokenRequired: z.boolean(),
    jobKinds: z.array(z.string()),
  })
  .meta({ id: "Health" });

/** Schema of every error response: one line saying what is wrong. */
export const errorSchema = z.object({ error: z.string() }).meta({ id: "Error" });

/** Schema of {@link StudyProgress}. */
export const progressEventSchema = z
  .object({
    id: z.string(),
    counts: countsSchema.nullable(),
    hypervolume: jsonNumber.nullable(),
    workers: z.number().int(),
    job: jobRefSchema.nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: "StudyProgress", description: "sent as a server-sent event whenever a study changes" });
/** Sent as a server-sent event whenever a study changes: counts, hypervolume, workers, job state. */
export type StudyProgress = z.output<typeof progressEventSchema>;
