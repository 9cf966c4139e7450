/**
 * The JSON documents of architecture search — a search's result and the
 * architecture library's catalogue — as zod schemas, from which their TypeScript
 * types are inferred: one definition for what the code builds, what `--json`
 * prints, what the committed catalogue holds and what a report reads back.
 *
 * Light: no tensor engine.
 */
import { z } from "zod";

const count = z.number().int().nonnegative();
const share = z.number().min(0).max(1);

/**
 * Schema of one group's row count and accuracy (a share in [0, 1]).
 *
 * @example
 * ```ts
 * import { groupAccuracySchema } from "equipoise/nas";
 * groupAccuracySchema.parse({ group: "female", count: 120, accuracy: 0.81 }); // returned as is
 * groupAccuracySchema.safeParse({ group: "female", count: 120, accuracy: 1.2 }).success; // false: accuracy must be ≤ 1
 * ```
 */
export const groupAccuracySchema = z.object({ group: z.string(), count, accuracy: share });

/**
 * Schema of {@link BiasCharacterisation}.
 *
 * @example
 * ```ts
 * import { biasCharacterisationSchema } from "equipoise/nas";
 * const bias = biasCharacterisationSchema.parse({
 *   rows: 200, accuracy: 0.75, biasGap: 0.05, worstGroupAccuracy: 0.6, worstGroup: "label=bad, sex=female", flipRate: null,
 *   attributeGroups: [{ group: "female", count: 60, accuracy: 0.72 }, { group: "male", count: 140, accuracy: 0.77 }],
 * });
 * biasCharacterisationSchema.safeParse({ ...bias, biasGap: -0.1 }).success; // false: every share is in [0, 1]
 * ```
 */
export const biasCharacterisationSchema = z.object({
  rows: count,
  accuracy: share,
  attributeGroups: z.array(groupAccuracySchema),
  biasGap: share,
  alignedAccuracy: share.optional(),
  conflictingAccuracy: share.optional(),
  worstGroupAccuracy: share,
  worstGroup: z.string(),
  dpDifference: share.optional(),
  eoDifference: share.optional(),
  flipRate: share.nullable(),
});
/**
 * How biased a trained architecture is on one split: accuracy, per-group accuracy, bias gap, worst group,
 * aligned/conflicting accuracy on biased benchmarks, DP/EO differences on fairness ones, and the
 * counterfactual flip rate (null when the task has no probe). Every share is in [0, 1].
 *
 * @example
 * ```ts
 * import { type BiasCharacterisation, characterise, type NasTask } from "equipoise/nas";
 * import type { nn } from "equipoise";
 * declare const task: NasTask; // from loadNasTask("adult:sex")
 * declare const model: nn.Sequential; // trained on task.train (see runArchitecture)
 * const bias: BiasCharacterisation = characterise(model, task.validation, task);
 * console.log(bias.accuracy, bias.worstGroup, bias.worstGroupAccuracy, bias.biasGap, bias.dpDifference);
 * ```
 */
export type BiasCharacterisation = z.infer<typeof biasCharacterisationSchema>;

/**
 * Schema of {@link ArchitectureCost}.
 *
 * @example
 * ```ts
 * import { architectureCostSchema } from "equipoise/nas";
 * architectureCostSchema.parse({ parameters: 449, flops: 832 }); // what architectureCost("mlp:32", [12], 2) returns
 * architectureCostSchema.safeParse({ parameters: 4.5, flops: 832 }).success; // false: a count is a whole number
 * ```
 */
export const architectureCostSchema = z.object({ parameters: count, flops: count });
/**
 * An architecture's size: trainable parameters and FLOPs of one forward pass of one example.
 *
 * @example
 * ```ts
 * import { type ArchitectureCost, architectureCost } from "equipoise/nas";
 * const cost: ArchitectureCost = architectureCost("mlp:32", [12], 2); // { parameters: 449, flops: 832 }
 * cost.parameters; // the "params" objective of a search
 * ```
 */
export type ArchitectureCost = z.infer<typeof architectureCostSchema>;

/**
 * Schema of {@link Fidelity}.
 *
 * @example
 * ```ts
 * import { fidelitySchema } from "equipoise/nas";
 * fidelitySchema.parse({ epochs: 1, fraction: 1 / 3 }); // a third of the training rows for one epoch
 * fidelitySchema.safeParse({ epochs: 3, fraction: 0 }).success; // false: the fraction must be in (0, 1]
 * ```
 */
export const fidelitySchema = z.object({
  epochs: z.number().int().positive(),
  fraction: z.number().gt(0).max(1),
});
/**
 * How much training a rung gives an architecture: epochs, and the fraction in (0, 1] of the training rows.
 *
 * @example
 * ```ts
 * import { type Fidelity, loadNasTask, runArchitecture } from "equipoise/nas";
 * const task = await loadNasTask("german-credit:sex");
 * const fidelity: Fidelity = { epochs: 3, fraction: 0.5 }; // half of the training rows, 3 epochs
 * const run = runArchitecture(task, "mlp:32", { seed: 0, fidelity });
 * ```
 */
export type Fidelity = z.infer<typeof fidelitySchema>;

/**
 * Schema of {@link TrainingSettings}.
 *
 * @example
 * ```ts
 * import { trainingSettingsSchema } from "equipoise/nas";
 * trainingSettingsSchema.parse({ learningRate: 3e-3, batchSize: 256, epochs: 9 }); // TRAINING_DEFAULTS.tabular
 * trainingSettingsSchema.safeParse({ learningRate: 3e-3, batchSize: 0, epochs: 9 }).success; // false: the batch size must be ≥ 1
 * ```
 */
export const trainingSettingsSchema = z.object({
  learningRate: z.number().positive(),
  batchSize: z.number().int().positive(),
  epochs: z.number().int().positive(),
});
/**
 * The training recipe every architecture of a search shares: Adam learning rate, batch size, epochs.
 *
 * @example
 * ```ts
 * import { evaluateArchitecture, loadNasTask, type TrainingSettings } from "equipoise/nas";
 * const task = await loadNasTask("german-credit:sex");
 * const settings: TrainingSettings = { learningRate: 1e-3, batchSize: 64, epochs: 20 }; // Adam, cosine-annealed
 * const evaluation = evaluateArchitecture(task, "mlp:32", { seeds: [0, 1, 2], settings });
 * ```
 */
export type TrainingSettings = z.infer<typeof trainingSettingsSchema>;

/**
 * Schema of {@link ArchitectureRun}.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { architectureRunSchema } from "equipoise/nas";
 * const run = architectureRunSchema.parse(JSON.parse(readFileSync("run.json", "utf8"))); // a stored ArchitectureRun
 * run.validation.biasGap;
 * architectureRunSchema.safeParse({ architecture: "mlp:32" }).success; // false: hash, seed, fidelity... are missing
 * ```
 */
export const architectureRunSchema = z.object({
  architecture: z.string(),
  hash: z.string(),
  seed: count,
  fidelity: fidelitySchema,
  debias: z.record(z.string(), z.unknown()),
  trainRows: count,
  cost: architectureCostSchema,
  validation: biasCharacterisationSchema,
  test: biasCharacterisationSchema.optional(),
  seconds: z.number().nonnegative(),
});
/**
 * One architecture trained once: identity, seed, fidelity, cost, validation (and test) characterisation, seconds.
 *
 * @example
 * ```ts
 * import { type ArchitectureRun, loadNasTask, runArchitecture } from "equipoise/nas";
 * const task = await loadNasTask("german-credit:sex");
 * const run: ArchitectureRun = runArchitecture(task, "mlp:32", { seed: 0, evaluateTest: true });
 * run.hash; // the architecture's stable 16-hex-digit identity
 * run.validation.biasGap; // run.test is present because evaluateTest was set
 * ```
 */
export type ArchitectureRun = z.infer<typeof architectureRunSchema>;

/**
 * Schema of {@link RungRecord}.
 *
 * @example
 * ```ts
 * import { rungRecordSchema, type TrialMetrics } from "equipoise/nas";
 * declare const metrics: TrialMetrics; // a NAS trial's stored metrics
 * const rungs = metrics.rungs.map((rung) => rungRecordSchema.parse(rung)); // each rung the architecture reached
 * rungRecordSchema.safeParse({ rung: -1 }).success; // false
 * ```
 */
export const rungRecordSchema = z.object({
  rung: count,
  fidelity: fidelitySchema,
  objectives: z.array(z.number()),
  validation: biasCharacterisationSchema,
  trainRows: count,
  seconds: z.number().nonnegative(),
});
/**
 * One rung of successive halving an architecture reached: its fidelity, objectives and validation results.
 *
 * @example
 * ```ts
 * import type { RungRecord, TrialMetrics } from "equipoise/nas";
 * declare const metrics: TrialMetrics; // a NAS trial's stored metrics
 * const last: RungRecord = metrics.rungs[metrics.rungs.length - 1]; // the highest rung it reached
 * console.log(last.rung, last.fidelity.epochs, last.objectives, last.validation.worstGroupAccuracy);
 * ```
 */
export type RungRecord = z.infer<typeof rungRecordSchema>;

/**
 * What a NAS trial's metrics hold in its study.
 *
 * @example
 * ```ts
 * import type { search } from "equipoise";
 * import { trialMetricsSchema } from "equipoise/nas";
 * declare const trial: search.TrialRecord; // a trial of a NAS study (`--study FILE`), read back from its store
 * const metrics = trialMetricsSchema.safeParse(trial.metrics); // success when the trial reached a rung
 * if (metrics.success) console.log(metrics.data.architecture, metrics.data.rungs.length);
 * trialMetricsSchema.safeParse({ architecture: "mlp:32", rungs: [] }).success; // false: hash, bracket, cost... missing
 * ```
 */
export const trialMetricsSchema = z.object({
  architecture: z.string(),
  hash: z.string(),
  bracket: count,
  cost: architectureCostSchema,
  latencyMs: z.number().nonnegative().optional(),
  rungs: z.array(rungRecordSchema).min(1),
  test: biasCharacterisationSchema.optional(),
});
/**
 * What a search stores for one trial: the architecture, its bracket, cost and the rungs it reached.
 *
 * @example
 * ```ts
 * import type { TrialMetrics } from "equipoise/nas";
 * declare const metrics: TrialMetrics; // what a search stored for one trial (trialMetricsSchema.parse)
 * console.log(metrics.architecture, metrics.bracket, metrics.cost.parameters);
 * metrics.rungs.at(-1)?.objectives; // the objective values at its highest rung
 * ```
 */
export type TrialMetrics = z.infer<typeof trialMetricsSchema>;

/**
 * Schema of {@link NasTrialSummary}.
 *
 * @example
 * ```ts
 * import { type NasResult, nasTrialSummarySchema } from "equipoise/nas";
 * declare const result: NasResult; // from searchArchitectures
 * nasTrialSummarySchema.parse(result.trials[0]); // one trial at the highest rung it reached
 * nasTrialSummarySchema.safeParse({ ...result.trials[0], state: "failed" }).success; // false: "complete" or "pruned"
 * ```
 */
export const nasTrialSummarySchema = z.object({
  number: count,
  state: z.enum(["complete", "pruned"]),
  architecture: z.string(),
  hash: z.string(),
  bracket: count,
  rung: count,
  seed: count,
  objectives: z.array(z.number()),
  cost: architectureCostSchema,
  latencyMs: z.number().nonnegative().optional(),
  validation: biasCharacterisationSchema,
  test: biasCharacterisationSchema.optional(),
  seconds: z.number().nonnegative(),
});
/**
 * One trial of a search result, at the highest rung it reached (complete or pruned).
 *
 * @example
 * ```ts
 * import type { NasResult, NasTrialSummary } from "equipoise/nas";
 * declare const result: NasResult; // from searchArchitectures
 * const front: NasTrialSummary[] = result.trials.filter((t) => result.front.includes(t.number));
 * for (const t of front) console.log(t.architecture, t.state, t.rung, t.objectives, t.test?.biasGap);
 * ```
 */
export type NasTrialSummary = z.infer<typeof nasTrialSummarySchema>;

/**
 * Schema of {@link Bracket}.
 *
 * @example
 * ```ts
 * import { bracketSchema } from "equipoise/nas";
 * bracketSchema.parse({ index: 0, promotions: 2, size: 9, stages: [{ rung: 0, count: 9 }, { rung: 1, count: 3 }, { rung: 2, count: 1 }] });
 * bracketSchema.safeParse({ index: 0, promotions: 0, size: 0, stages: [] }).success; // false: a bracket starts ≥ 1 architecture
 * ```
 */
export const bracketSchema = z.object({
  index: count,
  promotions: count,
  size: z.number().int().positive(),
  stages: z.array(z.object({ rung: count, count: z.number().int().positive() })),
});
/**
 * One Hyperband bracket: its size and how many architectures each rung keeps.
 *
 * @example
 * ```ts
 * import type { Bracket, NasResult } from "equipoise/nas";
 * declare const result: NasResult; // from searchArchitectures with a Hyperband schedule
 * const brackets: Bracket[] = result.fidelity.brackets;
 * brackets.map((b) => b.stages.map((s) => s.count)); // e.g. [9, 3, 1] for η = 3 and three rungs: 9 started, 1 at the top
 * ```
 */
export type Bracket = z.infer<typeof bracketSchema>;

/**
 * Schema of {@link NasResult}; parse a saved `nas --out` file with it.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { nasResultSchema } from "equipoise/nas";
 * const result = nasResultSchema.parse(JSON.parse(readFileSync("nas.json", "utf8"))); // a saved `equipoise nas --out nas.json`
 * result.selected?.reason;
 * nasResultSchema.safeParse({ format: "equipoise-nas-result" }).success; // false: the other fields are missing
 * ```
 */
export const nasResultSchema = z.object({
  format: z.literal("equipoise-nas-result"),
  version: z.literal(1),
  task: z.object({
    id: z.string(),
    kind: z.enum(["biased", "fairness"]),
    attribute: z.string(),
    description: z.string(),
    fingerprint: z.string(),
    trainRows: count,
  }),
  objectives: z.array(
    z.object({ name: z.string(), direction: z.enum(["minimize", "maximize"]), description: z.string() }),
  ),
  fidelity: z.object({
    mode: z.enum(["hyperband", "sh", "none"]),
    eta: z.number().int().min(2),
    rungs: z.array(fidelitySchema),
    description: z.string(),
    brackets: z.array(bracketSchema),
  }),
  settings: trainingSettingsSchema,
  budget: z.number().int().positive(),
  strategy: z.string(),
  seed: count,
  study: z.string(),
  backend: z.string(),
  reference: architectureRunSchema,
  trials: z.array(nasTrialSummarySchema),
  front: z.array(count),
  selected: z.object({ number: count, reason: z.string() }).nullable(),
  /** With `--debias-baselines`: the selected architecture against the reference trained with each debiasing method. */
  debiasing: z
    .object({
      metric: z.enum(["conflictingAccuracy", "worstGroupAccuracy"]),
      reference: share,
      selected: z.object({ number: count, parameters: count, value: share }).nullable(),
      methods: z.array(z.object({ method: z.string(), value: share, seconds: z.number().nonnegative() })),
      verdict: z.string(),
    })
    .optional(),
  wallSeconds: z.number().nonnegative(),
  notes: z.array(z.string()),
});
/**
 * The result of an architecture search (what `equipoise nas --out` writes): task, objectives,
 * schedule, the reference run, every trial, the front (trial numbers, judged on validation) and the selection.
 *
 * @example
 * ```ts
 * import { type NasResult, loadNasTask, parseObjectives, scheduleFor, searchArchitectures } from "equipoise/nas";
 * const task = await loadNasTask("german-credit:sex");
 * const result: NasResult = await searchArchitectures({
 *   task, budget: 3, objectives: parseObjectives("worst-group,bias,params", task), fidelity: scheduleFor("none", 2, 3, 1),
 * });
 * result.front; // numbers of the trials on the validation Pareto front
 * result.selected; // the selected trial and why, or null
 * ```
 */
export type NasResult = z.infer<typeof nasResultSchema>;

// ---- the architecture library -------------------------------------------------------

/**
 * Mean over seeds and its two-sided 95% Student-t interval (a single seed: the value itself).
 *
 * @example
 * ```ts
 * import { intervalSchema, meanInterval } from "equipoise/nas";
 * intervalSchema.parse(meanInterval([0.1, 0.12, 0.11])); // { mean: 0.11, sd: ≈ 0.01, low: ≈ 0.085, high: ≈ 0.135, n: 3 }
 * intervalSchema.safeParse({ mean: 0.11, sd: -1, low: 0, high: 1, n: 3 }).success; // false: sd ≥ 0
 * ```
 */
export const intervalSchema = z.object({
  mean: z.number(),
  sd: z.number().nonnegative(),
  low: z.number(),
  high: z.number(),
  n: z.number().int().positive(),
});
/**
 * A mean over seeds with its two-sided 95 % Student-t interval.
 *
 * @example
 * ```ts
 * import { type ArchitectureEvaluation, type Interval, meanInterval } from "equipoise/nas";
 * declare const evaluation: ArchitectureEvaluation; // from evaluateArchitecture
 * const gap: Interval | undefined = evaluation.test.biasGap; // over the seeds
 * const same: Interval = meanInterval(evaluation.seeds.map((s) => s.test.biasGap));
 * ```
 */
export type Interval = z.infer<typeof intervalSchema>;

/**
 * The metrics the architecture library reports, each as a mean over seeds with an interval.
 *
 * @example
 * ```ts
 * import { LIBRARY_METRICS } from "equipoise/nas";
 * LIBRARY_METRICS; // ["accuracy", "worstGroupAccuracy", "biasGap", "conflictingAccuracy", "alignedAccuracy", "flipRate"]
 * // the keys of an evaluation's `test` and `validation` intervals
 * ```
 */
export const LIBRARY_METRICS = [
  "accuracy",
  "worstGroupAccuracy",
  "biasGap",
  "conflictingAccuracy",
  "alignedAccuracy",
  "flipRate",
] as const;
/**
 * One of {@link LIBRARY_METRICS}.
 *
 * @example
 * ```ts
 * import type { ArchitectureEvaluation, LibraryMetric } from "equipoise/nas";
 * declare const evaluation: ArchitectureEvaluation; // from evaluateArchitecture
 * const metric: LibraryMetric = "worstGroupAccuracy";
 * evaluation.test[metric]?.mean; // undefined when the task does not have the metric
 * ```
 */
export type LibraryMetric = (typeof LIBRARY_METRICS)[number];

/**
 * Schema of one seed's training of a library architecture: validation and test characterisation.
 *
 * @example
 * ```ts
 * import { type ArchitectureEvaluation, seedMeasurementSchema } from "equipoise/nas";
 * declare const evaluation: ArchitectureEvaluation; // from evaluateArchitecture
 * const first = seedMeasurementSchema.parse(evaluation.seeds[0]); // { seed, validation, test, seconds }
 * seedMeasurementSchema.safeParse({ seed: 0 }).success; // false: validation and test are required
 * ```
 */
export const seedMeasurementSchema = z.object({
  seed: count,
  validation: biasCharacterisationSchema,
  test: biasCharacterisationSchema,
  seconds: z.number().nonnegative(),
});

/**
 * Schema of {@link ArchitectureEvaluation}.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { evaluationSchema } from "equipoise/nas";
 * const evaluation = evaluationSchema.parse(JSON.parse(readFileSync("evaluation.json", "utf8"))); // `equipoise nas evaluate --json`
 * evaluation.command; // the command that reproduces it
 * evaluationSchema.safeParse({ format: "equipoise-nas-evaluation", version: 2 }).success; // false
 * ```
 */
export const evaluationSchema = z.object({
  format: z.literal("equipoise-nas-evaluation"),
  version: z.literal(1),
  task: z.string(),
  architecture: z.string(),
  hash: z.string(),
  debias: z.string(),
  settings: trainingSettingsSchema,
  images: z.object({
    trainSize: count.optional(),
    validationSize: count.optional(),
    testSize: count.optional(),
  }),
  cost: architectureCostSchema,
  latencyMs: z.number().nonnegative().optional(),
  seeds: z.array(seedMeasurementSchema).min(1),
  /** On the test split, by metric (metrics the task has). */
  test: z.partialRecord(z.enum(LIBRARY_METRICS), intervalSchema),
  validation: z.partialRecord(z.enum(LIBRARY_METRICS), intervalSchema),
  command: z.string(),
  backend: z.string(),
});
/**
 * One architecture evaluated over several seeds (what `nas evaluate` writes): per-seed results and intervals.
 *
 * @example
 * ```ts
 * import { type ArchitectureEvaluation, evaluateArchitecture, loadNasTask } from "equipoise/nas";
 * const task = await loadNasTask("german-credit:sex");
 * const evaluation: ArchitectureEvaluation = evaluateArchitecture(task, "mlp:32", { seeds: [0, 1, 2] });
 * evaluation.test.biasGap; // { mean, sd, low, high, n: 3 }: a 95 % Student-t interval over the seeds
 * evaluation.cost; // { parameters, flops }
 * ```
 */
export type ArchitectureEvaluation = z.infer<typeof evaluationSchema>;

/**
 * How the library classes an architecture against its benchmark's reference (see {@link CLASSIFICATION_RULE}).
 *
 * @example
 * ```ts
 * import { CLASSIFICATIONS, type Catalogue } from "equipoise/nas";
 * declare const catalogue: Catalogue; // from buildCatalogue
 * CLASSIFICATIONS; // ["reference", "bias-repelling", "neutral", "bias-attracting"]
 * const repelling = catalogue.benchmarks.flatMap((b) => b.entries.filter((e) => e.classification === "bias-repelling"));
 * ```
 */
export const CLASSIFICATIONS = ["reference", "bias-repelling", "neutral", "bias-attracting"] as const;

/**
 * Schema of {@link CatalogueEntry}.
 *
 * @example
 * ```ts
 * import { type ArchitectureEvaluation, catalogueEntrySchema } from "equipoise/nas";
 * declare const evaluation: ArchitectureEvaluation; // from evaluateArchitecture
 * catalogueEntrySchema.parse({ ...evaluation, classification: "neutral", rank: 2 });
 * catalogueEntrySchema.safeParse({ ...evaluation, classification: "neutral", rank: 0 }).success; // false: rank 1 is the smallest gap
 * ```
 */
export const catalogueEntrySchema = evaluationSchema.extend({
  classification: z.enum(CLASSIFICATIONS),
  /** 1 = the smallest mean test bias gap of its benchmark. */
  rank: z.number().int().positive(),
});
/**
 * An evaluated architecture in the library, with its classification and rank.
 *
 * @example
 * ```ts
 * import type { Catalogue, CatalogueEntry } from "equipoise/nas";
 * declare const catalogue: Catalogue; // from buildCatalogue
 * const best: CatalogueEntry | undefined = catalogue.benchmarks[0].entries.find((e) => e.rank === 1);
 * console.log(best?.architecture, best?.classification, best?.test.biasGap?.mean, best?.command);
 * ```
 */
export type CatalogueEntry = z.infer<typeof catalogueEntrySchema>;

/**
 * Schema of {@link Catalogue}.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { catalogueSchema } from "equipoise/nas";
 * const catalogue = catalogueSchema.parse(JSON.parse(readFileSync("library.json", "utf8"))); // a catalogue buildCatalogue wrote
 * catalogue.benchmarks.map((b) => [b.task, b.reference, b.entries.length]);
 * catalogueSchema.safeParse({ format: "equipoise-nas-library", version: 1 }).success; // false: no benchmarks
 * ```
 */
export const catalogueSchema = z.object({
  format: z.literal("equipoise-nas-library"),
  version: z.literal(1),
  created: z.string(),
  machine: z.string(),
  rule: z.string(),
  benchmarks: z.array(
    z.object({
      task: z.string(),
      description: z.string(),
      reference: z.string(),
      entries: z.array(catalogueEntrySchema),
    }),
  ),
});
/**
 * The architecture library: per benchmark, its reference and evaluated architectures, and the rule applied.
 *
 * @example
 * ```ts
 * import { buildCatalogue, type Catalogue, runLibraryPlan } from "equipoise/nas";
 * const measured = await runLibraryPlan([{ task: "german-credit:sex", architectures: ["mlp:64,64", "mlp:32"], seeds: [0, 1, 2] }]);
 * const catalogue: Catalogue = buildCatalogue(measured, "2-core laptop");
 * catalogue.rule; // CLASSIFICATION_RULE, stored with the entries
 * catalogue.benchmarks[0].reference; // the canonical mlp:64,64, the tabular reference
 * ```
 */
export type Catalogue = z.infer<typeof catalogueSchema>;
