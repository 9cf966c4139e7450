/**
 * What clients may send, as zod schemas: request bodies, path and query
 * parameters. Every name that ends up in a file name is a plain name (no
 * separators, no leading dot, no "..") and is refused otherwise, never "cleaned".
 */
import { z } from "zod";
import { recipeOptionSpecs } from "../cli/recipe-options.js";
import { objectiveNames } from "../explore/objectives.js";
import { strategyNames } from "../search/strategies/index.js";
import { SAFE_NAME } from "./documents.js";
import { AUDIT_ATTACKS, explainQuestionSchema, flagValue } from "./jobs/model-jobs.js";

// The rule lives with the documents, which the dashboard's bundle also loads.
export { SAFE_NAME };

export const safeName = z
  .string()
  .regex(SAFE_NAME, "must be 1–64 letters, digits, '-' or '_', starting with a letter or digit")
  .meta({ description: "letters, digits, '-' and '_' (no path)" });

/** A data file's name as uploaded: a plain file name ending in .csv. */
export const uploadFileName = z
  .string()
  .min(1)
  .max(128)
  .refine((name) => !/[/\\\0]/.test(name) && !name.startsWith(".") && !name.includes(".."), {
    message: "must be a plain file name (no directories, no '..')",
  })
  .refine((name) => /\.(csv|tsv|txt)$/i.test(name), { message: "must end in .csv, .tsv or .txt" });

export const idParams = z.object({ id: safeName });
export const trialParams = z.object({ id: safeName, number: z.coerce.number().int().min(0) });

/**
 * Schema of the body of `POST /api/studies`: start a new explorer study (strict: unknown keys are refused).
 *
 * @example
 * ```ts
 * import { createStudySchema } from "equipoise/server";
 * const request = createStudySchema.parse({
 *   name: "adult-dp", dataset: "adult", sensitive: ["sex"], objectives: ["accuracy", "epsilon"], budget: 40,
 * });
 * request.strategy; // "bo", and seed 0, constraints []: the defaults
 * createStudySchema.safeParse({ ...request, name: "../adult" }).success; // false: not a plain name
 * ```
 */
export const createStudySchema = z
  .object({
    name: safeName.meta({
      description: "the study's name; its file is NAME.db in the server's studies folder",
    }),
    dataset: safeName.meta({ description: "a dataset id from GET /api/datasets" }),
    target: z.string().min(1).max(200).optional(),
    positive: z.string().min(1).max(200).optional(),
    sensitive: z.array(z.string().min(1).max(200)).min(1).max(4),
    objectives: z.array(z.enum(objectiveNames)).min(2).max(3),
    constraints: z.array(z.string().max(100)).max(5).default([]),
    strategy: z.enum(strategyNames as unknown as [string, ...string[]]).default("bo"),
    budget: z.number().int().min(1).max(10_000),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(0),
    workers: z.number().int().min(1).max(64).optional(),
  })
  .strict()
  .meta({ id: "CreateStudy", description: "start a new explorer study" });
export type CreateStudyRequest = z.output<typeof createStudySchema>;

/**
 * Schema of the body that resumes a study up to a new total budget.
 *
 * @example
 * ```ts
 * import { resumeStudySchema } from "equipoise/server";
 * resumeStudySchema.parse({ budget: 80, workers: 2 }); // POST /api/studies/{id}/resume: 80 trials in all
 * resumeStudySchema.safeParse({ budget: 80, seed: 1 }).success; // false: unknown keys are refused
 * ```
 */
export const resumeStudySchema = z
  .object({
    budget: z.number().int().min(1).max(10_000).meta({ description: "total trials the study should have" }),
    workers: z.number().int().min(1).max(64).optional(),
  })
  .strict()
  .meta({ id: "ResumeStudy" });
export type ResumeStudyRequest = z.output<typeof resumeStudySchema>;

export const uploadQuerySchema = z.object({ name: uploadFileName });

/** The training recipe's own flags (fit/recipe.ts through the CLI): the only options a model request may set. */
export const RECIPE_FLAGS = Object.keys(recipeOptionSpecs) as [string, ...string[]];

export const trainModelSchema = z
  .object({
    name: safeName.meta({
      description: "the model's name; its file is NAME.json in the server's models folder",
    }),
    dataset: safeName.meta({ description: "a dataset id from GET /api/datasets" }),
    target: z.string().min(1).max(200).optional(),
    positive: z.string().min(1).max(200).optional(),
    sensitive: z.array(z.string().min(1).max(200)).min(1).max(4),
    recipe: z.partialRecord(z.enum(RECIPE_FLAGS), flagValue).default({}).meta({
      description:
        "recipe flags of 'equipoise train' without their dashes, e.g. { model: 'mlp:32', dp: true, epsilon: 3, epochs: 5 }",
    }),
  })
  .strict()
  .meta({ id: "TrainModel", description: "train one model with 'equipoise train' as a job" });
export type TrainModelRequest = z.output<typeof trainModelSchema>;

export const evaluateModelSchema = z
  .object({
    dataset: safeName.optional().meta({ description: "a dataset id (default: the one it was trained on)" }),
  })
  .strict()
  .meta({ id: "EvaluateModel", description: "evaluate a saved model with 'equipoise evaluate' as a job" });
export type EvaluateModelRequest = z.output<typeof evaluateModelSchema>;

export const auditModelSchema = z
  .object({
    dataset: safeName.optional().meta({ description: "a dataset id (default: the one it was trained on)" }),
    shadows: z
      .number()
      .int()
      .min(0)
      .max(64)
      .optional()
      .meta({ description: "shadow models (default: audit's; 0 with the loss attack alone)" }),
    attacks: z.array(z.enum(AUDIT_ATTACKS)).min(1).max(AUDIT_ATTACKS.length).optional().meta({
      description: "attacks run (default: audit's; the loss attack alone needs no shadow model)",
    }),
  })
  .strict()
  .meta({ id: "AuditModel", description: "audit a saved model with 'equipoise audit' as a job" });
export type AuditModelRequest = z.output<typeof auditModelSchema>;

export const explainModelSchema = z
  .object({
    dataset: safeName.optional().meta({ description: "a dataset id (default: the one it was trained on)" }),
    question: explainQuestionSchema,
  })
  .strict()
  .meta({
    id: "ExplainModel",
    description:
      "explain a saved model with 'equipoise explain' as a job: one test prediction, or the fairness gap",
  });
export type ExplainModelRequest = z.output<typeof explainModelSchema>;
