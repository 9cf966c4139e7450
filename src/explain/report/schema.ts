/**
 * The JSON documents of `equipoise explain` (one zod schema each, types inferred from
 * them): what `--json` prints, what `equipoise report` and the dashboard read. Every
 * document names its kind, the data set, the model explained and the method, and
 * carries the warnings that say when its numbers should not be trusted.
 */
import { z } from "zod";

const number = z.number();
const row = z.number().int().nonnegative();

/** Schema of {@link ModelInfo}. */
export const modelInfoSchema = z.object({
  description: z.string(),
  family: z.enum(["logistic-regression", "mlp", "cnn"]),
  parameters: z.number().int().positive(),
  /** ‖∇F‖∞ at the explained parameters, and whether that counts as stationary. */
  gradientNorm: number,
  stationary: z.boolean(),
});

const base = {
  format: z.literal("equipoise-explanation"),
  version: z.literal(1),
  data: z.string(),
  /** The model explained (absent for KNN-Shapley, which values rows without one). */
  model: modelInfoSchema.optional(),
  warnings: z.array(z.string()),
  seconds: number,
};

/** A training row as people read it. */
export const describedRowSchema = z.object({
  row,
  values: z.record(z.string(), z.union([z.string(), number])),
  label: z.string(),
  group: z.record(z.string(), z.string()),
});

/** Schema of {@link ExampleExplanation}. */
export const exampleExplanationSchema = z.object({
  ...base,
  kind: z.literal("example"),
  method: z.string(),
  trusted: z.boolean(),
  test: describedRowSchema.extend({ prediction: z.string(), probability: number, loss: number }),
  /** Sign convention: test loss without the training row minus with it (positive = helpful). */
  helpful: z.array(describedRowSchema.extend({ influence: number })),
  harmful: z.array(describedRowSchema.extend({ influence: number })),
});

/** Schema of {@link InfluenceMatrixDocument}. */
export const influenceMatrixSchema = z.object({
  ...base,
  kind: z.enum(["influence", "loo"]),
  method: z.string(),
  trusted: z.boolean(),
  testRows: z.array(row),
  trainRows: z.array(row),
  /** influence[t][i]: loss of test row t without training row i minus with it. */
  influence: z.array(z.array(number)),
  details: z.record(z.string(), z.union([number, z.string(), z.boolean()])),
});

/** Schema of a {@link RemovalCurve} in a values document. */
export const removalCurveSchema = z.object({
  order: z.enum(["highest-first", "lowest-first", "random"]),
  fractions: z.array(number),
  scores: z.array(number),
});

/** Schema of {@link ValuesDocument}. */
export const valuesSchema = z.object({
  ...base,
  kind: z.literal("values"),
  method: z.string(),
  utility: z.string(),
  /** One value per training row, in row order (null: not computed for that row). */
  values: z.array(number.nullable()),
  standardErrors: z.array(number.nullable()).optional(),
  summary: z.object({
    sum: number,
    min: number,
    max: number,
    negativeFraction: number,
    highest: z.array(row),
    lowest: z.array(row),
  }),
  convergence: z.object({ converged: z.boolean(), samples: number, relativeError: number.nullable() }),
  removalCurves: z.array(removalCurveSchema).optional(),
  /** Rows the removal curves were measured on (held out from the valuation). */
  curveRows: z.string().optional(),
});

const gapSchema = z.object({
  test: number,
  testHalves: z.tuple([number, number]),
  train: number,
  testAccuracy: number,
});

/** Schema of {@link FairnessExplanationDocument}. */
export const fairnessExplanationSchema = z.object({
  ...base,
  kind: z.literal("fairness"),
  attribute: z.string(),
  constraint: z.string(),
  method: z.string(),
  surrogate: z.object({ description: z.string(), higher: z.string(), lower: z.string(), value: number }),
  before: gapSchema,
  harmful: z.array(describedRowSchema.extend({ influence: number })),
  protective: z.array(describedRowSchema.extend({ influence: number })),
  patterns: z.array(
    z.object({
      description: z.string(),
      rows: z.number().int(),
      support: number,
      predictedFirstOrder: number,
      predictedNewton: number,
      actualSurrogateChange: number,
      gapAfter: gapSchema,
    }),
  ),
  removal: z.object({
    fraction: number,
    rows: z.number().int(),
    rounds: z.number().int(),
    removed: z.array(row),
    after: gapSchema,
    random: z.object({ mean: gapSchema, sd: z.object({ test: number }) }),
    highestLoss: gapSchema,
  }),
  looUnfairness: z
    .object({
      trainRows: z.number().int(),
      byGroup: z.array(
        z.object({
          group: z.string(),
          testRows: number,
          unstable: number,
          unstableFraction: number,
          meanFlips: number,
        }),
      ),
      removalsThatFlip: number,
      seconds: number,
      mostFlips: z.array(z.object({ row, flips: z.number().int() })),
    })
    .optional(),
});

/** Schema of {@link MislabelsDocument}. */
export const mislabelsSchema = z.object({
  ...base,
  kind: z.literal("mislabels"),
  score: z.string(),
  suspects: z.array(describedRowSchema.extend({ score: number, rank: z.number().int().positive() })),
  /** Measured when asked: labels flipped at random, recall of each score at the top fraction. */
  check: z
    .object({
      flipped: number,
      seeds: z.array(z.number().int()),
      recallAtFlipped: z.record(z.string(), number),
    })
    .optional(),
});

/** Schema of every explanation document ({@link ExplanationDocument}), told apart by `kind`: parse `explain --json` output with it. */
export const explanationSchema = z.discriminatedUnion("kind", [
  exampleExplanationSchema,
  influenceMatrixSchema,
  valuesSchema,
  fairnessExplanationSchema,
  mislabelsSchema,
]);

/** The model an explanation is about: description, family, parameter count, and whether it is at a stationary point. */
export type ModelInfo = z.infer<typeof modelInfoSchema>;
/** A training or test row as people read it: its values by column, its label and groups. */
export type DescribedRow = z.infer<typeof describedRowSchema>;
/** The most helpful and most harmful training rows for one test row (`explain example`). */
export type ExampleExplanation = z.infer<typeof exampleExplanationSchema>;
/** Influence (or true leave-one-out effect) of training rows on test losses (`explain influence` / `explain loo`). */
export type InfluenceMatrixDocument = z.infer<typeof influenceMatrixSchema>;
/** One value per training row from a data-valuation method, with convergence and removal curves (`explain values`). */
export type ValuesDocument = z.infer<typeof valuesSchema>;
/** The training rows and patterns behind a fairness gap, with predicted and retrained effects (`explain fairness`). */
export type FairnessExplanationDocument = z.infer<typeof fairnessExplanationSchema>;
/** The training rows most likely mislabelled, and optionally each score's measured recall (`explain mislabels`). */
export type MislabelsDocument = z.infer<typeof mislabelsSchema>;
/** Any explanation document. */
export type ExplanationDocument = z.infer<typeof explanationSchema>;
