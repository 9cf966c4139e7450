/**
 * The interplay study as a typed JSON document (for `--json`, `--out` and the report):
 * a version, what the numbers are, and the study. Non-finite numbers go through the
 * project's JSON codec (common/json.ts): +∞ → "Infinity", NaN → null.
 */
import { z } from "zod";
import { decodeJsonNumber } from "../common/json.js";
import type { InterplayStudy } from "./study.js";

/**
 * The version of the interplay document format.
 *
 * @example
 * ```ts
 * import { INTERPLAY_DOCUMENT_VERSION } from "equipoise/interplay";
 * INTERPLAY_DOCUMENT_VERSION; // 1: the `version` of every document interplayDocument writes
 * ```
 */
export const INTERPLAY_DOCUMENT_VERSION = 1;

const number = z.union([z.number(), z.string(), z.null()]).transform((v) => decodeJsonNumber(v));
const seedInterval = z.object({ estimate: number, low: number, high: number, perSeed: z.array(number) });
const rates = z.object({ private: seedInterval, matched: seedInterval, change: seedInterval });

/**
 * Validates a stored document (the fields the report reads; others pass through).
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { interplayDocumentSchema } from "equipoise/interplay";
 * const parsed = interplayDocumentSchema.safeParse(JSON.parse(readFileSync("interplay.json", "utf8")));
 * if (parsed.success) console.log(parsed.data.study.cells.length);
 * interplayDocumentSchema.safeParse({ kind: "equipoise-interplay", version: 2 }).success; // false: another version, no study
 * ```
 */
export const interplayDocumentSchema = z.looseObject({
  kind: z.literal("equipoise-interplay"),
  version: z.literal(INTERPLAY_DOCUMENT_VERSION),
  study: z.looseObject({
    data: z.string(),
    attribute: z.string(),
    groups: z.array(z.string()),
    seeds: z.array(z.number()),
    cells: z.array(
      z.looseObject({
        epsilon: number,
        method: z.enum(["dp-sgd", "dpsgd-f"]),
        cost: z.looseObject({
          groups: z.array(
            z.looseObject({
              group: z.string(),
              count: z.number(),
              accuracyCost: seedInterval,
              rates: z.object({ accuracy: rates, tpr: rates, fpr: rates, selectionRate: rates }),
            }),
          ),
          accuracyCostDisparity: seedInterval,
        }),
        bound: z.looseObject({
          measures: z.array(
            z.looseObject({
              measure: z.enum(["dp", "eo", "eop"]),
              bound: seedInterval,
              measuredChange: seedInterval,
              vacuousSeeds: z.number(),
            }),
          ),
        }),
      }),
    ),
    notCoveredByEpsilon: z.array(z.string()),
  }),
});

/**
 * A study as the JSON document `equipoise interplay --out` writes.
 *
 * @example
 * ```ts
 * import { type InterplayDocument, interplayDocument, type InterplayStudy } from "equipoise/interplay";
 * declare const study: InterplayStudy; // from runInterplayStudy
 * const document: InterplayDocument = interplayDocument(study);
 * document.kind; // "equipoise-interplay"
 * document.study.cells.length; // one cell per (ε, method)
 * ```
 */
export interface InterplayDocument {
  kind: "equipoise-interplay";
  version: typeof INTERPLAY_DOCUMENT_VERSION;
  study: InterplayStudy;
}

/**
 * The document of a study.
 *
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * import { toJson } from "equipoise";
 * import type { PreparedTask } from "equipoise/data";
 * import { type InterplayStudyOptions, interplayDocument, runInterplayStudy } from "equipoise/interplay";
 * declare const task: PreparedTask; // a binary task with a sensitive attribute (see prepareTask)
 * declare const options: InterplayStudyOptions; // ε values, seeds, recipe
 * const study = runInterplayStudy(task, options); // see runInterplayStudy
 * writeFileSync("interplay.json", toJson(interplayDocument(study))); // what `equipoise report` reads
 * ```
 */
export function interplayDocument(study: InterplayStudy): InterplayDocument {
  return { kind: "equipoise-interplay", version: INTERPLAY_DOCUMENT_VERSION, study };
}
