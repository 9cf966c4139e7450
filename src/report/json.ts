/**
 * ReportData to and from JSON. JSON has no Infinity or NaN: a non-private epsilon
 * is written as the string "Infinity" (the same convention as the CLI's --json
 * output) and an undefined rate (a group with no positives) as null. Reading
 * accepts "Infinity" or null for epsilon.
 */
import { z } from "zod";
import { UserError } from "../common/errors.js";
import { jsonReplacer as nonFiniteReplacer } from "../common/json.js";
import type { ReportData } from "./types.js";

export { jsonReplacer as nonFiniteReplacer } from "../common/json.js";

/**
 * The report as a pretty-printed JSON document.
 *
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * import type { StudySummary } from "equipoise/explore";
 * import { type ReportContext, renderJsonReport, reportDataOf } from "equipoise/report";
 * declare const summary: StudySummary, context: ReportContext; // as for reportDataOf
 * writeFileSync("report.json", renderJsonReport(reportDataOf(summary, context))); // ε = ∞ written as "Infinity"
 * ```
 */
export function renderJsonReport(data: ReportData): string {
  return `${JSON.stringify(data, nonFiniteReplacer, 2)}\n`;
}

const nonFiniteNumber = z.union([
  z.number(),
  z.literal("Infinity"),
  z.literal("-Infinity"),
  z.literal("NaN"),
]);

/** A number that JSON may carry as a string; null reads as `whenNull`. */
function looseNumber(whenNull: number) {
  return z.union([nonFiniteNumber, z.null()]).transform((value): number => {
    if (value === null) return whenNull;
    if (typeof value === "number") return value;
    return Number(value);
  });
}

const rate = looseNumber(Number.NaN);

const groupMetricsSchema = z.object({
  count: z.number().int().nonnegative(),
  accuracy: rate,
  selectionRate: rate,
  tpr: rate,
  fpr: rate,
});

const trialMetricsSchema = z.object({
  accuracy: rate,
  epsilon: looseNumber(Number.POSITIVE_INFINITY),
  dpDifference: rate,
  eoDifference: rate,
  perGroup: z.record(z.string(), z.record(z.string(), groupMetricsSchema)),
  normalised: z.object({ e: rate, p: rate, u: rate }).optional(),
});

const trialSchema = z.object({
  number: z.number().int(),
  state: z.enum(["complete", "failed", "running"]),
  params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  validation: trialMetricsSchema.optional(),
  test: trialMetricsSchema.optional(),
  onPareto: z.boolean(),
  error: z.string().optional(),
  durationSeconds: rate,
});

const privacyCostSchema = z.object({
  attribute: z.string(),
  split: z.literal("test"),
  trials: z.array(
    z.object({
      trial: z.number().int(),
      epsilon: looseNumber(Number.POSITIVE_INFINITY),
      disparity: rate,
      groups: z.array(
        z.object({
          group: z.string(),
          count: z.number().int().nonnegative(),
          privateAccuracy: rate,
          matchedAccuracy: rate,
          accuracyCost: rate,
          tprChange: rate,
          fprChange: rate,
          selectionRateChange: rate,
        }),
      ),
    }),
  ),
  unmeasured: z.array(z.number().int()),
  note: z.string(),
});

const reportDataSchema = z.object({
  title: z.string(),
  dataset: z.object({
    name: z.string(),
    rows: z.object({ train: z.number(), validation: z.number(), test: z.number() }),
    features: z.number(),
    target: z.string(),
    sensitive: z.array(z.string()),
  }),
  settings: z.object({
    objectives: z.array(z.string()),
    constraints: z.array(z.string()),
    strategy: z.string(),
    budget: z.number(),
    seed: z.number(),
    workers: z.number().nullable(),
    backend: z.string().nullable(),
    peakConcurrentTrials: z.number().optional(),
    runs: z
      .array(
        z.object({
          workers: z.number(),
          batchTrials: z.number(),
          backend: z.string(),
          version: z.string(),
          trials: z.number(),
        }),
      )
      .optional(),
    delta: z.number(),
    fairnessGap: z.enum(["dpDifference", "eoDifference"]).optional(),
  }),
  privacyNotes: z.array(z.string()),
  trials: z.array(trialSchema),
  hypervolumeHistory: z.array(z.object({ trial: z.number(), hypervolume: rate })),
  finalHypervolume: z.object({ validation: rate, test: rate.optional() }),
  reference: z.object({ accuracy: rate, gapRef: rate }),
  generatedAt: z.string().optional(),
  privacyCost: privacyCostSchema.optional(),
});

/**
 * Reads a parsed JSON report back into ReportData (Infinity restored); throws UserError naming the first bad field.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { renderHtmlReport, reportDataFromJson } from "equipoise/report";
 * const data = reportDataFromJson(JSON.parse(readFileSync("report.json", "utf8"))); // Infinity restored
 * const html = renderHtmlReport(data);
 * ```
 */
export function reportDataFromJson(value: unknown): ReportData {
  const parsed = reportDataSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length > 0 ? issue.path.join(".") : "(root)";
    throw new UserError(`invalid report data at ${where}: ${issue.message}`);
  }
  return parsed.data;
}
