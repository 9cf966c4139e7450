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
import { PENALTY_CONSTRAINTS } from "../fit/recipe.js";

/**
 * A name that can be part of a file name in a directory the server owns (studies,
 * models, data sets, jobs): the ids of these documents, and what requests may name.
 *
 * @example
 * ```ts
 * import { SAFE_NAME } from "equipoise/server";
 * SAFE_NAME.test("adult-trial-7"); // true
 * SAFE_NAME.test("../adult"); // false: no separators, no leading dot
 * ```
 */
export const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * A number as JSON carries it: finite, "Infinity", "-Infinity", or null for NaN.
 *
 * @example
 * ```ts
 * import { jsonNumber } from "equipoise/server";
 * jsonNumber.parse(0.25); // 0.25
 * jsonNumber.parse("Infinity"); // Infinity: the ε of a non-private model
 * jsonNumber.parse(null); // NaN
 * jsonNumber.safeParse("inf").success; // false: only "Infinity" and "-Infinity" are spelled out
 * ```
 */
export const jsonNumber = z
  .union([z.number(), z.literal("Infinity"), z.literal("-Infinity"), z.null()])
  .transform((value) => decodeJsonNumber(value))
  .meta({ description: 'a number; +∞ as the string "Infinity", NaN (undefined) as null' });

const paramValue = z.union([z.number(), z.string(), z.boolean()]);

/**
 * Schema of {@link MetricSummary}: a model's accuracy, ε and fairness differences on one split.
 *
 * @example
 * ```ts
 * import { metricSummarySchema } from "equipoise/server";
 * const metrics = metricSummarySchema.parse({
 *   accuracy: 0.85, epsilon: "Infinity", dpDifference: 0.1, eoDifference: 0.12, eopDifference: 0.05,
 * });
 * metrics.epsilon; // Infinity: a non-private model
 * metricSummarySchema.safeParse({ accuracy: 0.85 }).success; // false: the other four fields are missing
 * ```
 */
export const metricSummarySchema = z
  .object({
    accuracy: jsonNumber,
    epsilon: jsonNumber.meta({ description: "(ε, δ)-DP of the training run; Infinity when non-private" }),
    dpDifference: jsonNumber,
    eoDifference: jsonNumber,
    eopDifference: jsonNumber,
  })
  .meta({ id: "MetricSummary", description: "a model's metrics on one split" });
/**
 * A model's metrics on one split: accuracy and the three group differences in [0, 1], ε (∞ when non-private).
 *
 * @example
 * ```ts
 * import { type MetricSummary, type RunningServer, studyViewSchema } from "equipoise/server";
 * declare const server: RunningServer; // a running dashboard (see startServer)
 * const view = studyViewSchema.parse(await (await fetch(new URL("/api/studies/adult", server.url))).json());
 * const reference: MetricSummary | undefined = view.reference?.test; // the non-private reference model, on test
 * if (reference) console.log(reference.accuracy, reference.dpDifference);
 * ```
 */
export type MetricSummary = z.output<typeof metricSummarySchema>;

/**
 * Schema of one objective of a study: its name, direction and display label.
 *
 * @example
 * ```ts
 * import { objectiveDocSchema } from "equipoise/server";
 * objectiveDocSchema.parse({ name: "accuracy", direction: "minimize", label: "error, normalised (e)" });
 * objectiveDocSchema.safeParse({ name: "accuracy", direction: "min", label: "error" }).success; // false: "minimize" or "maximize"
 * ```
 */
export const objectiveDocSchema = z.object({
  name: z.string(),
  direction: z.enum(["minimize", "maximize"]),
  label: z.string(),
});

/**
 * Schema of one search-space parameter: its kind, range or choices, and the condition under which it is active.
 *
 * @example
 * ```ts
 * import { parameterDocSchema } from "equipoise/server";
 * parameterDocSchema.parse({ name: "lr", kind: "float", low: 0.01, high: 2, log: true });
 * parameterDocSchema.parse({ name: "width", kind: "int", low: 8, high: 256, condition: { parameter: "model", oneOf: ["mlp"] } });
 * parameterDocSchema.safeParse({ name: "lr", kind: "double" }).success; // false: float, int or categorical
 * ```
 */
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

/**
 * Schema of {@link TrialCounts}.
 *
 * @example
 * ```ts
 * import { countsSchema } from "equipoise/server";
 * countsSchema.parse({ total: 10, complete: 8, failed: 1, running: 1, feasible: 7 });
 * countsSchema.safeParse({ total: 2.5, complete: 2, failed: 0, running: 0, feasible: 2 }).success; // false: whole numbers
 * ```
 */
export const countsSchema = z
  .object({
    total: z.number().int(),
    complete: z.number().int(),
    failed: z.number().int(),
    running: z.number().int(),
    feasible: z.number().int(),
  })
  .meta({ id: "TrialCounts" });
/**
 * How many trials a study has, by state, and how many are feasible.
 *
 * @example
 * ```ts
 * import { type RunningServer, studyListSchema, type TrialCounts } from "equipoise/server";
 * declare const server: RunningServer; // a running dashboard (see startServer)
 * const { studies } = studyListSchema.parse(await (await fetch(new URL("/api/studies", server.url))).json());
 * const counts: TrialCounts | null = studies[0].counts; // null when the study cannot be read
 * if (counts) console.log(`${counts.complete}/${counts.total} complete, ${counts.feasible} feasible, ${counts.running} running`);
 * ```
 */
export type TrialCounts = z.output<typeof countsSchema>;

/**
 * Schema of {@link TrialRow}.
 *
 * @example
 * ```ts
 * import { trialRowSchema } from "equipoise/server";
 * const row = trialRowSchema.parse({
 *   number: 0, state: "failed", params: { model: "logreg", lr: 0.1 }, durationSeconds: 1.5, error: "diverged",
 *   feasible: false, onPareto: false, validation: null, test: null, objectives: null, constraints: null,
 * });
 * trialRowSchema.safeParse({ ...row, state: "done" }).success; // false: running, complete, failed or pruned
 * ```
 */
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
/**
 * One trial as the study page lists it: parameters, state, validation (and, on the front, test) metrics.
 *
 * @example
 * ```ts
 * import { type RunningServer, studyViewSchema, type TrialRow } from "equipoise/server";
 * declare const server: RunningServer; // a running dashboard (see startServer)
 * const view = studyViewSchema.parse(await (await fetch(new URL("/api/studies/adult", server.url))).json());
 * const front: TrialRow[] = view.trials.filter((t) => t.onPareto);
 * for (const t of front) console.log(t.number, t.params, t.validation?.accuracy, t.test?.accuracy);
 * ```
 */
export type TrialRow = z.output<typeof trialRowSchema>;

/**
 * Schema of a reference to a server job: its id and state.
 *
 * @example
 * ```ts
 * import { jobRefSchema } from "equipoise/server";
 * jobRefSchema.parse({ id: "job-1", state: "running" }); // as in a study's `activity.job`
 * jobRefSchema.safeParse({ id: "job-1" }).success; // false: the state is missing
 * ```
 */
export const jobRefSchema = z.object({ id: z.string(), state: z.string() }).meta({ id: "JobRef" });

/**
 * Schema of the dataset an explorer study ran on: target, sensitive columns, split sizes, feature count.
 *
 * @example
 * ```ts
 * import { datasetSummarySchema } from "equipoise/server";
 * const dataset = datasetSummarySchema.parse({
 *   name: "toy", target: "label", positive: "1", sensitive: ["group"], primarySensitive: "group",
 *   rows: { train: 800, validation: 200, test: 250 }, features: 12,
 * });
 * datasetSummarySchema.safeParse({ name: "toy" }).success; // false
 * ```
 */
export const datasetSummarySchema = z.object({
  name: z.string(),
  target: z.string().nullable(),
  positive: z.string().nullable(),
  sensitive: z.array(z.string()),
  primarySensitive: z.string(),
  rows: z.object({ train: z.number(), validation: z.number(), test: z.number() }),
  features: z.number(),
});

/**
 * Schema of {@link StudyView}.
 *
 * @example
 * ```ts
 * import { type RunningServer, studyViewSchema } from "equipoise/server";
 * declare const server: RunningServer; // a running dashboard (see startServer)
 * const response = await fetch(new URL("/api/studies/adult", server.url)); // GET /api/studies/{id}
 * const view = studyViewSchema.parse(await response.json()); // throws a ZodError on a malformed document
 * console.log(view.kind, view.objectives.map((o) => o.label), view.counts.complete, view.hypervolume?.test);
 * ```
 */
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
/**
 * Everything the study page shows: the space, objectives, trials, front, counts and workers.
 *
 * @example
 * ```ts
 * import { type StudyView, studyView } from "equipoise/server";
 * import { Study } from "equipoise/search";
 * const study = await Study.openReadOnly("adult.db");
 * const view: StudyView = studyView(await study.snapshot(), study.space.toJSON(), { id: "adult", name: "adult", file: "adult.db" }, { workers: 0, job: null });
 * view.privacyNotes; // what ε covers, as `report` prints it
 * ```
 */
export type StudyView = z.output<typeof studyViewSchema>;

/**
 * Schema of {@link StudyListItem}.
 *
 * @example
 * ```ts
 * import { studyListItemSchema } from "equipoise/server";
 * const item = studyListItemSchema.parse({
 *   id: "broken", name: "broken", file: "broken.db", kind: null, dataset: null, objectives: [], counts: null,
 *   budget: null, hypervolume: null, activity: { workers: 0, job: null }, error: "not a study file",
 * });
 * item.error; // why the study cannot be read
 * ```
 */
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
/**
 * One study in the server's list: its name, counts and budget, or why it cannot be read.
 *
 * @example
 * ```ts
 * import { type RunningServer, type StudyListItem, studyListSchema } from "equipoise/server";
 * declare const server: RunningServer; // a running dashboard (see startServer)
 * const list = studyListSchema.parse(await (await fetch(new URL("/api/studies", server.url))).json());
 * const running: StudyListItem[] = list.studies.filter((s) => s.activity.workers > 0 || s.activity.job !== null);
 * ```
 */
export type StudyListItem = z.output<typeof studyListItemSchema>;

/**
 * Schema of the response of `GET /api/studies`.
 *
 * @example
 * ```ts
 * import { type RunningServer, studyListSchema } from "equipoise/server";
 * declare const server: RunningServer; // a running dashboard (see startServer)
 * const { studies } = studyListSchema.parse(await (await fetch(new URL("/api/studies", server.url))).json());
 * for (const s of studies) console.log(s.name, s.dataset, s.counts?.complete, s.budget, s.error);
 * ```
 */
export const studyListSchema = z.object({ studies: z.array(studyListItemSchema) }).meta({ id: "StudyList" });

/**
 * Schema of {@link Interval}.
 *
 * @example
 * ```ts
 * import { intervalSchema } from "equipoise/server";
 * const interval = intervalSchema.parse({ value: 0.8, low: 0.67, high: 0.89, n: 50 });
 * const unknown = intervalSchema.parse({ value: 0.75, low: null, high: null, n: 0 }); // low, high: NaN (no counts)
 * intervalSchema.safeParse({ value: 0.8, low: 0.67, high: 0.89, n: 49.5 }).success; // false: n is a row count
 * ```
 */
export const intervalSchema = z
  .object({
    value: jsonNumber,
    low: jsonNumber,
    high: jsonNumber,
    n: z.number().int().meta({ description: "the denominator: rows the rate is measured on" }),
  })
  .meta({ id: "Interval", description: "a rate with its 95% Wilson score interval" });
/**
 * A rate in [0, 1] with its 95 % Wilson score interval and the number of rows it is measured on.
 *
 * @example
 * ```ts
 * import { type Interval, wilsonInterval } from "equipoise/server";
 * const accuracy: Interval = wilsonInterval(40, 50); // 40 correct of 50 rows
 * console.log(`${accuracy.value} [${accuracy.low}, ${accuracy.high}] on ${accuracy.n} rows`);
 * ```
 */
export type Interval = z.output<typeof intervalSchema>;

/**
 * Schema of {@link GroupRow}.
 *
 * @example
 * ```ts
 * import { groupRowSchema } from "equipoise/server";
 * const rate = { value: 0.8, low: 0.67, high: 0.89, n: 50 };
 * const row = groupRowSchema.parse({ attribute: "sex", group: "Female", count: 50, accuracy: rate, selectionRate: rate, tpr: rate, fpr: rate });
 * groupRowSchema.safeParse({ attribute: "sex", group: "Female" }).success; // false: the rates are missing
 * ```
 */
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
/**
 * One sensitive group's rates (accuracy, selection rate, TPR, FPR) with their intervals.
 *
 * @example
 * ```ts
 * import { type GroupRow, type RunningServer, trialDetailSchema } from "equipoise/server";
 * declare const server: RunningServer; // a running dashboard (see startServer)
 * const detail = trialDetailSchema.parse(await (await fetch(new URL("/api/studies/adult/trials/7", server.url))).json());
 * const groups: GroupRow[] = detail.splits.find((s) => s.split === "test")?.groups ?? [];
 * for (const g of groups) console.log(g.attribute, g.group, g.tpr.value, g.tpr.low, g.tpr.high);
 * ```
 */
export type GroupRow = z.output<typeof groupRowSchema>;

/**
 * Schema of {@link PrivacyCostRow}.
 *
 * @example
 * ```ts
 * import { privacyCostRowSchema } from "equipoise/server";
 * const trial = { value: 0.8, low: 0.67, high: 0.89, n: 50 };
 * const reference = { value: 0.84, low: 0.71, high: 0.92, n: 50 };
 * privacyCostRowSchema.parse({ attribute: "sex", group: "Female", trial, reference, difference: 0.04 });
 * privacyCostRowSchema.safeParse({ attribute: "sex", group: "Female", trial }).success; // false
 * ```
 */
export const privacyCostRowSchema = z
  .object({
    attribute: z.string(),
    group: z.string(),
    trial: intervalSchema,
    reference: intervalSchema,
    difference: jsonNumber.meta({ description: "reference accuracy minus this trial's accuracy" }),
  })
  .meta({ id: "PrivacyCostRow" });
/**
 * One group's accuracy under a trial against the non-private reference model on the same rows.
 *
 * @example
 * ```ts
 * import { type PrivacyCostRow, type RunningServer, trialDetailSchema } from "equipoise/server";
 * declare const server: RunningServer; // a running dashboard (see startServer)
 * const detail = trialDetailSchema.parse(await (await fetch(new URL("/api/studies/adult/trials/7", server.url))).json());
 * const cost: PrivacyCostRow[] = detail.splits.find((s) => s.split === "test")?.costOfPrivacy ?? [];
 * for (const row of cost) console.log(`${row.group}: ${row.difference} accuracy lost against the reference model`);
 * ```
 */
export type PrivacyCostRow = z.output<typeof privacyCostRowSchema>;

/**
 * Schema of one split (validation or test) of a trial's detail: metrics, groups, cost of privacy.
 *
 * @example
 * ```ts
 * import { splitDetailSchema } from "equipoise/server";
 * const metrics = { accuracy: 0.85, epsilon: 2, dpDifference: 0.1, eoDifference: 0.12, eopDifference: 0.05 };
 * const split = splitDetailSchema.parse({ split: "test", metrics, groups: [], costOfPrivacy: [] });
 * splitDetailSchema.safeParse({ split: "train", metrics, groups: [], costOfPrivacy: [] }).success; // false: validation or test
 * ```
 */
export const splitDetailSchema = z.object({
  split: z.enum(["validation", "test"]),
  metrics: metricSummarySchema,
  groups: z.array(groupRowSchema),
  /** Accuracy by group against the non-private, unmitigated reference model on the same rows. */
  costOfPrivacy: z.array(privacyCostRowSchema),
});

/**
 * Schema of {@link MatchedPrivacyCost}.
 *
 * @example
 * ```ts
 * import { matchedPrivacyCostSchema } from "equipoise/server";
 * const cost = matchedPrivacyCostSchema.parse({
 *   attribute: "sex", notCoveredByEpsilon: "measured on the same rows: not covered by ε",
 *   splits: [{ split: "test", disparity: 0.03, groups: [] }],
 * });
 * matchedPrivacyCostSchema.safeParse({ attribute: "sex" }).success; // false
 * ```
 */
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
/**
 * A private trial's cost of privacy by group against its matched non-private model (same recipe and seed).
 *
 * @example
 * ```ts
 * import { type MatchedPrivacyCost, type RunningServer, trialDetailSchema } from "equipoise/server";
 * declare const server: RunningServer; // a running dashboard (see startServer)
 * const detail = trialDetailSchema.parse(await (await fetch(new URL("/api/studies/adult/trials/7", server.url))).json());
 * const cost: MatchedPrivacyCost | null = detail.matchedPrivacyCost; // null for a non-private trial
 * for (const s of cost?.splits ?? []) console.log(s.split, s.disparity, s.groups.map((g) => g.accuracyCost));
 * ```
 */
export type MatchedPrivacyCost = z.output<typeof matchedPrivacyCostSchema>;

/**
 * Schema of {@link TrialDetail}.
 *
 * @example
 * ```ts
 * import { type RunningServer, trialDetailSchema } from "equipoise/server";
 * declare const server: RunningServer; // a running dashboard (see startServer)
 * const response = await fetch(new URL("/api/studies/adult/trials/7", server.url)); // GET /api/studies/{id}/trials/{number}
 * const detail = trialDetailSchema.parse(await response.json());
 * console.log(detail.state, detail.params, detail.splits.map((s) => s.metrics.accuracy), detail.notes);
 * ```
 */
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
    /** What retraining the trial's recipe with `equipoise train` needs (explore/trial-train-flags.ts); null unless an explorer trial. */
    retrain: z
      .object({
        seed: z.number().int().min(0),
        splitSeed: z.number().int().meta({ description: "seed of the study's train/test split" }),
        study: z.object({
          delta: z.number(),
          accountant: z.string(),
          fairness: z.enum(PENALTY_CONSTRAINTS),
          primarySensitive: z.string(),
          trainRows: z.number().int().optional(),
          classWeightMean: z.number().optional(),
          privateSelection: z.boolean().optional(),
          sensitiveLdpEpsilon: z.number().optional(),
        }),
      })
      .nullable()
      .meta({
        description:
          "the trial's seed and the study's settings its 'equipoise train' flags are made from (trialTrainFlags); null unless an explorer trial",
      }),
    notes: z.array(z.string()),
  })
  .meta({
    id: "TrialDetail",
    description: "one trial: per-group metrics with intervals, the cost of privacy",
  });
/**
 * One trial in detail: per-group metrics with intervals and the cost of privacy, per split.
 *
 * @example
 * ```ts
 * import { type TrialDetail, trialDetail } from "equipoise/server";
 * import { Study } from "equipoise/search";
 * const study = await Study.openReadOnly("adult.db"); // an explorer study
 * const detail: TrialDetail = trialDetail(await study.snapshot(), "adult", 7);
 * detail.splits.map((s) => s.groups.length); // groups with 95 % intervals, per split
 * ```
 */
export type TrialDetail = z.output<typeof trialDetailSchema>;

/**
 * The states a server job goes through, in order; it ends in one of the last three.
 *
 * @example
 * ```ts
 * import { type JobDoc, jobStates } from "equipoise/server";
 * jobStates; // ["queued", "running", "succeeded", "failed", "cancelled"]
 * const ended = (job: JobDoc) => jobStates.indexOf(job.state) >= 2; // succeeded, failed or cancelled
 * ```
 */
export const jobStates = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
/**
 * One of {@link jobStates}.
 *
 * @example
 * ```ts
 * import type { JobState } from "equipoise/server";
 * const state: JobState = "succeeded";
 * const done = state === "succeeded" || state === "failed" || state === "cancelled"; // the three end states
 * ```
 */
export type JobState = (typeof jobStates)[number];

/**
 * Schema of {@link JobDoc}.
 *
 * @example
 * ```ts
 * import { jobDocSchema, type RunningServer } from "equipoise/server";
 * declare const server: RunningServer; // a running dashboard (see startServer)
 * const response = await fetch(new URL("/api/studies", server.url), {
 *   method: "POST", headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ name: "adult-dp", dataset: "adult", sensitive: ["sex"], objectives: ["accuracy", "epsilon"], budget: 40 }),
 * });
 * const job = jobDocSchema.parse(await response.json()); // 202: the job that runs the study
 * ```
 */
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
/**
 * A long task run by the server (a study, a training, an audit...): its kind, state, progress and result.
 *
 * @example
 * ```ts
 * import { type JobDoc, jobDocSchema, type RunningServer } from "equipoise/server";
 * declare const server: RunningServer; // a running dashboard (see startServer)
 * declare const id: string; // a job's id, from the response that started it
 * const job: JobDoc = jobDocSchema.parse(await (await fetch(new URL(`/api/jobs/${id}`, server.url))).json());
 * console.log(job.title, job.state, job.progress.done, job.progress.total, job.progress.message, job.error);
 * ```
 */
export type JobDoc = z.output<typeof jobDocSchema>;

/**
 * Schema of the response of `GET /api/jobs`.
 *
 * @example
 * ```ts
 * import { jobListSchema, type RunningServer } from "equipoise/server";
 * declare const server: RunningServer; // a running dashboard (see startServer)
 * const { jobs } = jobListSchema.parse(await (await fetch(new URL("/api/jobs", server.url))).json());
 * const running = jobs.filter((j) => j.state === "running");
 * ```
 */
export const jobListSchema = z.object({ jobs: z.array(jobDocSchema) }).meta({ id: "JobList" });

/**
 * Schema of {@link ModelDoc}.
 *
 * @example
 * ```ts
 * import { modelDocSchema } from "equipoise/server";
 * const model = modelDocSchema.parse({ id: "adult-dp", file: "adult-dp.json", bytes: 5120, modified: "2026-01-05T10:00:00.000Z" });
 * modelDocSchema.safeParse({ ...model, bytes: -1.5 }).success; // false: bytes is a whole number
 * ```
 */
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
/**
 * A model file in the server's models folder: its name, size and last change.
 *
 * @example
 * ```ts
 * import { type ModelDoc, modelListSchema, type RunningServer } from "equipoise/server";
 * declare const server: RunningServer; // a running dashboard (see startServer)
 * const { models } = modelListSchema.parse(await (await fetch(new URL("/api/models", server.url))).json());
 * const newest: ModelDoc | undefined = [...models].sort((a, b) => b.modified.localeCompare(a.modified))[0];
 * ```
 */
export type ModelDoc = z.output<typeof modelDocSchema>;

/**
 * Schema of the response of `GET /api/models`.
 *
 * @example
 * ```ts
 * import { modelListSchema, type RunningServer } from "equipoise/server";
 * declare const server: RunningServer; // a running dashboard (see startServer)
 * const { models } = modelListSchema.parse(await (await fetch(new URL("/api/models", server.url))).json());
 * for (const m of models) console.log(m.id, m.file, m.bytes);
 * ```
 */
export const modelListSchema = z.object({ models: z.array(modelDocSchema) }).meta({ id: "ModelList" });

/**
 * Schema of one column of a dataset: its kind, distinct and missing counts, and a few example values.
 *
 * @example
 * ```ts
 * import { columnDocSchema } from "equipoise/server";
 * columnDocSchema.parse({ name: "age", kind: "numeric", distinct: 73, missing: 0, examples: ["39", "50", "38"] });
 * columnDocSchema.safeParse({ name: "age", kind: "date", distinct: 73, missing: 0, examples: [] }).success; // false
 * ```
 */
export const columnDocSchema = z.object({
  name: z.string(),
  kind: z.enum(["numeric", "categorical"]),
  distinct: z.number().int(),
  missing: z.number().int(),
  examples: z.array(z.string()),
});

/**
 * Schema of {@link DatasetDoc}.
 *
 * @example
 * ```ts
 * import { datasetDocSchema, type RunningServer } from "equipoise/server";
 * declare const server: RunningServer; // a running dashboard (see startServer)
 * const adult = datasetDocSchema.parse(await (await fetch(new URL("/api/datasets/adult", server.url))).json());
 * console.log(adult.source, adult.rows, adult.defaults.target, adult.choices.sensitive);
 * ```
 */
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
/**
 * A dataset the server can run on (bundled or uploaded): its columns, defaults and allowed choices.
 *
 * @example
 * ```ts
 * import { type DatasetDoc, datasetListSchema, type RunningServer } from "equipoise/server";
 * declare const server: RunningServer; // a running dashboard (see startServer)
 * const { datasets } = datasetListSchema.parse(await (await fetch(new URL("/api/datasets", server.url))).json());
 * const uploaded: DatasetDoc[] = datasets.filter((d) => d.source === "upload");
 * ```
 */
export type DatasetDoc = z.output<typeof datasetDocSchema>;

/**
 * Schema of the response of `GET /api/datasets`.
 *
 * @example
 * ```ts
 * import { datasetListSchema, type RunningServer } from "equipoise/server";
 * declare const server: RunningServer; // a running dashboard (see startServer)
 * const { datasets } = datasetListSchema.parse(await (await fetch(new URL("/api/datasets", server.url))).json());
 * for (const d of datasets) console.log(d.id, d.summary, d.defaults.sensitive);
 * ```
 */
export const datasetListSchema = z
  .object({ datasets: z.array(datasetDocSchema) })
  .meta({ id: "DatasetList" });

/**
 * Schema of the response of `GET /api/health`: version, whether a token is required, the job kinds.
 *
 * @example
 * ```ts
 * import { healthSchema, type RunningServer } from "equipoise/server";
 * declare const server: RunningServer; // a running dashboard (see startServer)
 * const health = healthSchema.parse(await (await fetch(new URL("/api/health", server.url))).json());
 * console.log(health.version, health.tokenRequired, health.jobKinds); // jobKinds: explore, train, evaluate, audit, explain
 * healthSchema.safeParse({ name: "other", version: "1", tokenRequired: false, jobKinds: [] }).success; // false: name is "equipoise"
 * ```
 */
export const healthSchema = z
  .object({
    name: z.literal("equipoise"),
    version: z.string(),
    tokenRequired: z.boolean(),
    jobKinds: z.array(z.string()),
  })
  .meta({ id: "Health" });

/**
 * Schema of every error response: one line saying what is wrong.
 *
 * @example
 * ```ts
 * import { errorSchema, type RunningServer } from "equipoise/server";
 * declare const server: RunningServer; // a running dashboard (see startServer)
 * const response = await fetch(new URL("/api/studies/no-such-study", server.url));
 * if (!response.ok) console.error(response.status, errorSchema.parse(await response.json()).error); // one line
 * ```
 */
export const errorSchema = z.object({ error: z.string() }).meta({ id: "Error" });

/**
 * Schema of {@link StudyProgress}.
 *
 * @example
 * ```ts
 * import { progressEventSchema } from "equipoise/server";
 * const events = new EventSource("/api/studies/adult/events"); // in the dashboard's page
 * events.addEventListener("progress", (event) => {
 *   const progress = progressEventSchema.parse(JSON.parse((event as MessageEvent<string>).data));
 *   console.log(progress.counts?.complete, progress.hypervolume, progress.workers);
 * });
 * ```
 */
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
/**
 * Sent as a server-sent event whenever a study changes: counts, hypervolume, workers, job state.
 *
 * @example
 * ```ts
 * import { progressEventSchema, type StudyProgress } from "equipoise/server";
 * declare const data: string; // the data of an "event: progress" from /api/events or /api/studies/{id}/events
 * const progress: StudyProgress = progressEventSchema.parse(JSON.parse(data));
 * if (progress.error) console.warn(`${progress.id}: ${progress.error}`);
 * ```
 */
export type StudyProgress = z.output<typeof progressEventSchema>;
