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

/** Schema of one group's row count and accuracy (a share in [0, 1]). */
export const groupAccuracySchema = z.object({ group: z.string(), count, accuracy: share });

/** Schema of {@link BiasCharacterisation}. */
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
 */
export type BiasCharacterisation = z.infer<typeof biasCharacterisationSchema>;

/** Schema of {@link ArchitectureCost}. */
export const architectureCostSchema = z.object({ parameters: count, flops: count });
/** An architecture's size: trainable parameters and FLOPs of one forward pass of one example. */
export type ArchitectureCost = z.infer<typeof architectureCostSchema>;

/** Schema of {@link Fidelity}. */
export const fidelitySchema = z.object({
  epochs: z.number().int().positive(),
  fraction: z.number().gt(0).max(1),
});
/** How much training a rung gives an architecture: epochs, and the fraction in (0, 1] of the training rows. */
export type Fidelity = z.infer<typeof fidelitySchema>;

/** Schema of {@link TrainingSettings}. */
export const trainingSettingsSchema = z.object({
  learningRate: z.number().positive(),
  batchSize: z.number().int().positive(),
  epochs: z.number().int().positive(),
});
/** The training recipe every architecture of a search shares: Adam learning rate, batch size, epochs. */
export type TrainingSettings = z.infer<typeof trainingSettingsSchema>;

/** Schema of {@link ArchitectureRun}. */
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
/** One architecture trained once: identity, seed, fidelity, cost, validation (and test) characterisation, seconds. */
export type ArchitectureRun = z.infer<typeof architectureRunSchema>;

/** Schema of {@link RungRecord}. */
export const rungRecordSchema = z.object({
  rung: count,
  fidelity: fidelitySchema,
  objectives: z.array(z.number()),
  validation: biasCharacterisationSchema,
  trainRows: count,
  seconds: z.number().nonnegative(),
});
/** One rung of successive halving an architecture reached: its fidelity, objectives and validation results. */
export type RungRecord = z.infer<typeof rungRecordSchema>;

/** What a NAS trial's metrics hold in its study. */
export const trialMetricsSchema = z.object({
  architecture: z.string(),
  hash: z.string(),
  bracket: count,
  cost: architectureCostSchema,
  latencyMs: z.number().nonnegative().optional(),
  rungs: z.array(rungRecordSchema).min(1),
  test: biasCharacterisationSchema.optional(),
});
/** What a search stores for one trial: the architecture, its bracket, cost and the rungs it reached. */
export type TrialMetrics = z.infer<typeof trialMetricsSchema>;

/** Schema of {@link NasTrialSummary}. */
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
/** One trial of a search result, at the highest rung it reached (complete or pruned). */
export type NasTrialSummary = z.infer<typeof nasTrialSummarySchema>;

/** Schema of {@link Bracket}. */
export const bracketSchema = z.object({
  index: count,
  promotions: count,
  size: z.number().int().positive(),
  stages: z.array(z.object({ rung: count, count: z.number().int().positive() })),
});
/** One Hyperband bracket: its size and how many architectures each rung keeps. */
export type Bracket = z.infer<typeof bracketSchema>;

/** Schema of {@link NasResult}; parse a saved `nas --out` file with it. */
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
  wallSeconds: z.number().nonnegative(),
  notes: z.array(z.string()),
});
/**
 * The result of an architecture search (what `equipoise nas --out` writes): task, objectives,
 * schedule, the reference run, every trial, the front (trial numbers, judged on validation) and the selection.
 */
export type NasResult = z.infer<typeof nasResultSchema>;

// ---- the architecture library -------------------------------------------------------

/** Mean over seeds and its two-sided 95% Student-t interval (a single seed: the value itself). */
export const intervalSchema = z.object({
  mean: z.number(),
  sd: z.number().nonnegative(),
  low: z.number(),
  high: z.number(),
  n: z.number().int().positive(),
});
/** A mean over seeds with its two-sided 95 % Student-t interval. */
export type Interval = z.infer<typeof intervalSchema>;

/** The metrics the architecture library reports, each as a mean over seeds with an interval. */
export const LIBRARY_METRICS = [
  "accuracy",
  "worstGroupAccuracy",
  "biasGap",
  "conflictingAccuracy",
  "alignedAccuracy",
  "flipRate",
] as const;
/** One of {@link LIBRARY_METRICS}. */
export type LibraryMetric = (typeof LIBRARY_METRICS)[number];

/** Schema of one seed's training of a library architecture: validation and test characterisation. */
export const seedMeasurementSchema = z.object({
  seed: count,
  validation: biasCharacterisationSchema,
  test: biasCharacterisationSchema,
  seconds: z.number().nonnegative(),
});

/** Schema of {@link ArchitectureEvaluation}. */
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
/** One architecture evaluated over several seeds (what `nas evaluate` writes): per-seed results and intervals. */
export type ArchitectureEvaluation = z.infer<typeof evaluationSchema>;

/** How the library classes an architecture against its benchmark's reference (see {@link CLASSIFICATION_RULE}). */
export const CLASSIFICATIONS = ["reference", "bias-repelling", "neutral", "bias-attracting"] as const;

/** Schema of {@link CatalogueEntry}. */
export const catalogueEntrySchema = evaluationSchema.extend({
  classification: z.enum(CLASSIFICATIONS),
  /** 1 = the smallest mean test bias gap of its benchmark. */
  rank: z.number().int().positive(),
});
/** An evaluated architecture in the library, with its classification and rank. */
export type CatalogueEntry = z.infer<typeof catalogueEntrySchema>;

/** Schema of {@link Catalogue}. */
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
/** The architecture library: per benchmark, its reference and evaluated architectures, and the rule applied. */
export type Catalogue = z.infer<typeof catalogueSchema>;
