/**
 * The JSON documents of `equipoise explain` (one zod schema each, types inferred from
 * them): what `--json` prints, what `equipoise report` and the dashboard read. Every
 * document names its kind, the data set, the model explained and the method, and
 * carries the warnings that say when its numbers should not be trusted.
 */
import { z } from "zod";

const number = z.number();
const row = z.number().int().nonnegative();

/**
 * Schema of {@link ModelInfo}.
 *
 * @example
 * ```ts
 * import { modelInfoSchema } from "equipoise/explain";
 * const info = modelInfoSchema.parse({ description: "logistic regression (C = 1)", family: "logistic-regression", parameters: 62, gradientNorm: 1e-12, stationary: true });
 * modelInfoSchema.safeParse({ ...info, family: "svm" }).success; // false: family must be logistic-regression, mlp or cnn
 * ```
 */
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

/**
 * A training row as people read it.
 *
 * @example
 * ```ts
 * import { describedRowSchema } from "equipoise/explain";
 * describedRowSchema.parse({ row: 17, values: { age: 35, housing: "rent" }, label: "good", group: { sex: "female" } });
 * describedRowSchema.safeParse({ row: -1, values: {}, label: "good", group: {} }).success; // false: rows are whole numbers ≥ 0
 * ```
 */
export const describedRowSchema = z.object({
  row,
  values: z.record(z.string(), z.union([z.string(), number])),
  label: z.string(),
  group: z.record(z.string(), z.string()),
});

/**
 * Schema of {@link ExampleExplanation}.
 *
 * @example
 * ```ts
 * import { exampleExplanationSchema } from "equipoise/explain";
 * declare const stdout: string; // what `equipoise explain --example 0 --json` printed
 * const doc = exampleExplanationSchema.parse(JSON.parse(stdout));
 * doc.helpful[0]?.influence; // the largest: the test loss would rise most without that training row
 * exampleExplanationSchema.safeParse({ kind: "example" }).success; // false: format, version, data, ... are missing
 * ```
 */
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

/**
 * Schema of {@link InfluenceMatrixDocument}.
 *
 * @example
 * ```ts
 * import { influenceMatrixSchema } from "equipoise/explain";
 * declare const stdout: string; // what `equipoise explain influence --json` (or `explain loo --json`) printed
 * const doc = influenceMatrixSchema.parse(JSON.parse(stdout));
 * doc.kind; // "influence" or "loo"
 * doc.influence[0][0]; // test row doc.testRows[0], training row doc.trainRows[0]
 * ```
 */
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

/**
 * Schema of a {@link RemovalCurve} in a values document.
 *
 * @example
 * ```ts
 * import { removalCurveSchema } from "equipoise/explain";
 * removalCurveSchema.parse({ order: "highest-first", fractions: [0, 0.1], scores: [0.76, 0.71] });
 * removalCurveSchema.safeParse({ order: "best-first", fractions: [], scores: [] }).success; // false: an unknown order
 * ```
 */
export const removalCurveSchema = z.object({
  order: z.enum(["highest-first", "lowest-first", "random"]),
  fractions: z.array(number),
  scores: z.array(number),
});

/**
 * Schema of {@link ValuesDocument}.
 *
 * @example
 * ```ts
 * import { valuesSchema } from "equipoise/explain";
 * declare const stdout: string; // what `equipoise explain values --json` printed
 * const doc = valuesSchema.parse(JSON.parse(stdout));
 * doc.values[doc.summary.lowest[0]]; // the lowest value (null where a row got none)
 * doc.removalCurves?.map((curve) => curve.order); // when asked for: highest-first, lowest-first, random
 * ```
 */
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

/**
 * Schema of {@link FairnessExplanationDocument}.
 *
 * @example
 * ```ts
 * import { fairnessExplanationSchema } from "equipoise/explain";
 * declare const stdout: string; // what `equipoise explain fairness --json` printed
 * const doc = fairnessExplanationSchema.parse(JSON.parse(stdout));
 * doc.before.test; // the gap on the test split
 * doc.removal.after.test; // the gap after removing the most harmful rows and retraining
 * ```
 */
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

/**
 * Schema of {@link MislabelsDocument}.
 *
 * @example
 * ```ts
 * import { mislabelsSchema } from "equipoise/explain";
 * declare const stdout: string; // what `equipoise explain mislabels --json` printed
 * const doc = mislabelsSchema.parse(JSON.parse(stdout));
 * doc.suspects.map((suspect) => suspect.row); // training rows, most suspicious first
 * ```
 */
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

/**
 * Schema of every explanation document ({@link ExplanationDocument}), told apart by `kind`: parse `explain --json` output with it.
 *
 * @example
 * ```ts
 * import { explanationSchema } from "equipoise/explain";
 * declare const stdout: string; // what any `equipoise explain ... --json` printed
 * const doc = explanationSchema.parse(JSON.parse(stdout));
 * if (doc.kind === "values") console.log(doc.summary.highest); // narrowed by kind
 * explanationSchema.safeParse({ kind: "values" }).success; // false: format, version, data, ... are missing
 * ```
 */
export const explanationSchema = z.discriminatedUnion("kind", [
  exampleExplanationSchema,
  influenceMatrixSchema,
  valuesSchema,
  fairnessExplanationSchema,
  mislabelsSchema,
]);

/**
 * The model an explanation is about: description, family, parameter count, and whether it is at a stationary point.
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type ModelInfo, modelInfo } from "equipoise/explain";
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const info: ModelInfo = modelInfo(model);
 * info.description; // e.g. "logistic regression (C = 1)"
 * info.stationary; // whether influence functions' assumption holds
 * ```
 */
export type ModelInfo = z.infer<typeof modelInfoSchema>;
/**
 * A training or test row as people read it: its values by column, its label and groups.
 *
 * @example
 * ```ts
 * import { type DescribedRow, describeRow, type ExplainData } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * const row: DescribedRow = describeRow(data, "train", 17);
 * row.values; // the row's original column values, e.g. { age: 35, housing: "rent", ... }
 * row.label; // its label, as the data names it
 * ```
 */
export type DescribedRow = z.infer<typeof describedRowSchema>;
/**
 * The most helpful and most harmful training rows for one test row (`explain example`).
 *
 * @example
 * ```ts
 * import { type ExampleExplanation, exampleDocument, type ExplainableModel, type ExplainData } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const doc: ExampleExplanation = exampleDocument(data, model, { testRow: 0, method: "exact", top: 5 });
 * doc.test.prediction; // the class predicted for test row 0, with doc.test.probability
 * doc.harmful.map((row) => row.row); // the training rows that raised its loss most
 * ```
 */
export type ExampleExplanation = z.infer<typeof exampleExplanationSchema>;
/**
 * Influence (or true leave-one-out effect) of training rows on test losses (`explain influence` / `explain loo`).
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type ExplainData, type InfluenceMatrixDocument, influenceDocument } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const doc: InfluenceMatrixDocument = influenceDocument(data, model, { method: "exact", testRows: [0, 1] });
 * doc.influence[1][doc.trainRows.indexOf(42)]; // influence of training row 42 on test row 1's loss
 * ```
 */
export type InfluenceMatrixDocument = z.infer<typeof influenceMatrixSchema>;
/**
 * One value per training row from a data-valuation method, with convergence and removal curves (`explain values`).
 *
 * @example
 * ```ts
 * import { type ExplainData, type ValuesDocument, valuesDocument } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * const doc: ValuesDocument = await valuesDocument(data, undefined, { method: "knn-shapley", k: 10 });
 * doc.summary.highest; // the 10 most valuable training rows
 * doc.summary.negativeFraction; // share of rows with a negative value
 * ```
 */
export type ValuesDocument = z.infer<typeof valuesSchema>;
/**
 * The training rows and patterns behind a fairness gap, with predicted and retrained effects (`explain fairness`).
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type ExplainData, type FairnessExplanationDocument, fairnessDocument } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task) with a "sex" sensitive attribute
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const doc: FairnessExplanationDocument = fairnessDocument(data, model, { attribute: "sex", constraint: "demographic_parity" });
 * doc.patterns[0]?.description; // a group of training rows behind the gap, in words
 * doc.removal.after.test; // the gap once the harmful rows are removed and the model retrained
 * ```
 */
export type FairnessExplanationDocument = z.infer<typeof fairnessExplanationSchema>;
/**
 * The training rows most likely mislabelled, and optionally each score's measured recall (`explain mislabels`).
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type ExplainData, type MislabelsDocument, mislabelsDocument } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * const doc: MislabelsDocument = mislabelsDocument(data, model, { score: "loo-loss", top: 10 });
 * doc.suspects[0]; // the most suspicious training row: rank 1, its score, values and label
 * ```
 */
export type MislabelsDocument = z.infer<typeof mislabelsSchema>;
/**
 * Any explanation document.
 *
 * @example
 * ```ts
 * import { type ExplanationDocument, explanationSchema } from "equipoise/explain";
 * declare const stdout: string; // what any `equipoise explain ... --json` printed
 * const doc: ExplanationDocument = explanationSchema.parse(JSON.parse(stdout));
 * doc.warnings; // every kind carries its warnings; doc.kind tells the kinds apart
 * ```
 */
export type ExplanationDocument = z.infer<typeof explanationSchema>;
