/**
 * The documents other capabilities write — an audit, an explanation, an interplay
 * study, an architecture search, a federated run — recognised by the marker each
 * carries (`format`, or `kind` for the interplay study), validated by that
 * capability's own schema, and rendered by its own HTML fragment inside one
 * self-contained page: no script, no network (a Content-Security-Policy forbids
 * both), every value escaped by the fragment that prints it.
 */
import { z } from "zod";
import { AUDIT_FORMAT, type AuditDocument, auditDocumentSchema } from "../audit/document.js";
import { renderAuditFragment } from "../audit/html.js";
import { UserError } from "../common/errors.js";
import { decodeJsonNumber } from "../common/json.js";
import { renderExplanationFragment } from "../explain/report/html.js";
import { type ExplanationDocument, explanationSchema } from "../explain/report/schema.js";
import { renderFederatedHtml } from "../federated/html.js";
import { FEDERATED_REPORT_FORMAT, type FederatedReport, federatedReportSchema } from "../federated/report.js";
import { type InterplayDocument, interplayDocumentSchema } from "../interplay/document.js";
import { renderInterplayHtml } from "../interplay/html.js";
import { renderSearchFragment } from "../nas/html.js";
import { type NasResult, nasResultSchema } from "../nas/schema.js";
import { escapeHtml } from "./format.js";

/**
 * A document that `report` can show, tagged with its kind: an audit, an explanation, an interplay study, an architecture search or a federated run.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { parseReportDocument, type ReportDocument } from "equipoise/report";
 * const doc: ReportDocument = parseReportDocument(JSON.parse(readFileSync("audit.json", "utf8")), "audit.json");
 * if (doc.kind === "audit") doc.document.verdict.message; // the union narrows to the audit document
 * ```
 */
export type ReportDocument =
  | { kind: "audit"; document: AuditDocument }
  | { kind: "explanation"; document: ExplanationDocument }
  | { kind: "interplay"; document: InterplayDocument }
  | { kind: "nas"; document: NasResult }
  | { kind: "federated"; document: FederatedReport };

/**
 * The kind of a {@link ReportDocument}.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { parseReportDocument, type ReportDocumentKind } from "equipoise/report";
 * const expected: ReportDocumentKind = "nas"; // "audit", "explanation", "interplay", "nas" or "federated"
 * const doc = parseReportDocument(JSON.parse(readFileSync("search.json", "utf8")), "search.json", expected); // any other kind: a UserError
 * ```
 */
export type ReportDocumentKind = ReportDocument["kind"];

const jsonNumber = z.union([z.number(), z.string(), z.null()]).transform((v) => decodeJsonNumber(v));
const seedInterval = z.looseObject({ estimate: jsonNumber, low: jsonNumber, high: jsonNumber });

/**
 * The interplay fragment also reads fields its document schema lets pass unchecked
 * (src/interplay/document.ts validates only what the first report read); checked
 * here so that a truncated document is one error line, not a TypeError mid-page.
 */
const interplayFragmentFields = z.looseObject({
  study: z.looseObject({
    model: z.string(),
    matched: z.looseObject({ accuracy: seedInterval, dpDifference: seedInterval }),
    cells: z.array(
      z.looseObject({
        noiseMultiplier: jsonNumber,
        clipping: z.array(
          z.looseObject({
            groups: z.array(
              z.looseObject({ clippedFraction: jsonNumber, meanNorm: jsonNumber, signalToNoise: jsonNumber }),
            ),
          }),
        ),
        cost: z.looseObject({
          gaps: z.looseObject({ dp: z.looseObject({ private: seedInterval, matched: seedInterval }) }),
        }),
        bound: z.looseObject({ notApplicable: z.array(z.string()) }),
      }),
    ),
    warnings: z.array(z.string()),
  }),
});

interface KindSpec {
  /** What a person calls it, in error lines and titles. */
  label: string;
  /** The value of its marker field. */
  marker: string;
  markerField: "format" | "kind";
  /** The command that writes it, for the error line of a mismatched document. */
  writtenBy: string;
  parse(json: unknown): z.ZodSafeParseResult<unknown>;
}

const KINDS: Record<ReportDocumentKind, KindSpec> = {
  audit: {
    label: "audit",
    marker: AUDIT_FORMAT,
    markerField: "format",
    writtenBy: "equipoise audit --out",
    parse: (json) => auditDocumentSchema.safeParse(json),
  },
  explanation: {
    label: "explanation",
    marker: "equipoise-explanation",
    markerField: "format",
    writtenBy: "equipoise explain ... --json",
    parse: (json) => explanationSchema.safeParse(json),
  },
  interplay: {
    label: "interplay study",
    marker: "equipoise-interplay",
    markerField: "kind",
    writtenBy: "equipoise interplay --out",
    parse: (json) => {
      const parsed = interplayDocumentSchema.safeParse(json);
      if (!parsed.success) return parsed;
      const fields = interplayFragmentFields.safeParse(json);
      return fields.success ? parsed : fields;
    },
  },
  nas: {
    label: "architecture search result",
    marker: "equipoise-nas-result",
    markerField: "format",
    writtenBy: "equipoise nas --out",
    parse: (json) => nasResultSchema.safeParse(json),
  },
  federated: {
    label: "federated run",
    marker: FEDERATED_REPORT_FORMAT,
    markerField: "format",
    writtenBy: "equipoise federate --report FILE.json",
    parse: (json) => federatedReportSchema.safeParse(json),
  },
};

const KIND_NAMES = Object.keys(KINDS) as ReportDocumentKind[];

function markerOf(json: unknown): ReportDocumentKind | undefined {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  const record = json as Record<string, unknown>;
  return KIND_NAMES.find((kind) => record[KINDS[kind].markerField] === KINDS[kind].marker);
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
  return `${issue.message}${where}`;
}

/**
 * The document in `json` (read from `source`), recognised by its marker and checked
 * by its own schema; `expected` refuses any other kind. Throws one UserError line.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { parseReportDocument } from "equipoise/report";
 * const doc = parseReportDocument(JSON.parse(readFileSync("interplay.json", "utf8")), "interplay.json");
 * doc.kind; // "interplay": recognised by its marker and checked by its schema
 * ```
 */
export function parseReportDocument(
  json: unknown,
  source: string,
  expected?: ReportDocumentKind,
): ReportDocument {
  const kind = markerOf(json);
  if (kind === undefined && expected !== undefined) {
    const spec = KINDS[expected];
    throw new UserError(
      `${source} is not an Equipoise ${spec.label} document (it has no "${spec.markerField}": "${spec.marker}")`,
    );
  }
  if (kind === undefined) {
    const known = KIND_NAMES.map((k) => `${KINDS[k].label} (${KINDS[k].writtenBy})`).join(", ");
    throw new UserError(`${source} is not an Equipoise document report can show; it reads: ${known}`);
  }
  const spec = KINDS[kind];
  if (expected !== undefined && kind !== expected) {
    throw new UserError(
      `${source} is ${article(spec.label)} ${spec.label} document, not ${article(KINDS[expected].label)} ${KINDS[expected].label}: give it with --document`,
    );
  }
  const parsed = spec.parse(json);
  if (!parsed.success) {
    throw new UserError(`${source} is not a valid ${spec.label} document: ${firstIssue(parsed.error)}`);
  }
  return { kind, document: parsed.data } as ReportDocument;
}

function article(label: string): string {
  return /^[aeiou]/i.test(label) ? "an" : "a";
}

/**
 * The capability's own fragment: one `<section>`, self-contained.
 *
 * @example
 * ```ts
 * import { parseReportDocument, renderDocumentFragment } from "equipoise/report";
 * declare const json: unknown; // JSON.parse of an audit document
 * const doc = parseReportDocument(json, "audit.json"); // json: a parsed audit document
 * const section = renderDocumentFragment(doc); // one self-contained <section> to embed in your own page
 * ```
 */
export function renderDocumentFragment(doc: ReportDocument): string {
  switch (doc.kind) {
    case "audit":
      return renderAuditFragment(doc.document);
    case "explanation":
      return renderExplanationFragment(doc.document);
    case "interplay":
      return renderInterplayHtml(doc.document);
    case "nas":
      return renderSearchFragment(doc.document);
    case "federated":
      return renderFederatedHtml(doc.document);
  }
}

/**
 * The title of a document's page.
 *
 * @example
 * ```ts
 * import { documentTitle, parseReportDocument } from "equipoise/report";
 * declare const json: unknown; // JSON.parse of a federated report
 * const title = documentTitle(parseReportDocument(json, "federated.json")); // json: a parsed federated report
 * ```
 */
export function documentTitle(doc: ReportDocument): string {
  return `Equipoise ${KINDS[doc.kind].label}`;
}

const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/**
 * Tables and figures for the fragments that bring no stylesheet of their own
 * (interplay, NAS, federated); the audit and explanation fragments style
 * themselves under their own class.
 */
const PAGE_CSS = `
body { margin: 20px 24px; background: #f5f6f8; color: #1f2937; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
main > section { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 12px 18px; max-width: 1200px; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #e5e7eb; padding: 4px 10px 4px 0; text-align: left; vertical-align: top; }
small, .muted { color: #6b7280; }
.warning { color: #8a3b00; background: #fff4e5; padding: 6px 8px; border-radius: 4px; }
svg { max-width: 100%; height: auto; }
`;

/**
 * A whole page around one document's fragment: works offline, loads nothing.
 *
 * @example
 * ```ts
 * import { readFileSync, writeFileSync } from "node:fs";
 * import { renderDocumentPage, parseReportDocument } from "equipoise/report";
 * const doc = parseReportDocument(JSON.parse(readFileSync("nas.json", "utf8")), "nas.json");
 * writeFileSync("nas.html", renderDocumentPage(doc)); // works offline, loads nothing
 * ```
 */
export function renderDocumentPage(doc: ReportDocument): string {
  const title = documentTitle(doc);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${PAGE_CSS}</style></head>
<body><main>
${renderDocumentFragment(doc)}
</main></body></html>
`;
}

/**
 * One line for the terminal after the page is written.
 *
 * @example
 * ```ts
 * import { describeDocument, parseReportDocument } from "equipoise/report";
 * declare const json: unknown; // JSON.parse of an audit document
 * console.log(`wrote report.html: ${describeDocument(parseReportDocument(json, "audit.json"))}`);
 * ```
 */
export function describeDocument(doc: ReportDocument): string {
  switch (doc.kind) {
    case "audit":
      return `${doc.document.attacks.length} attacks; ${doc.document.verdict.message}`;
    case "explanation":
      return `${doc.document.kind} explanation of ${doc.document.data}`;
    case "interplay": {
      const study = doc.document.study;
      return `${study.cells.length} ε × method cells over ${study.seeds.length} seeds, groups of ${study.attribute}`;
    }
    case "nas":
      return `${doc.document.trials.length} architectures, ${doc.document.front.length} on the front`;
    case "federated":
      return `${doc.document.rounds.length} rounds, final test accuracy ${doc.document.final.accuracy.toFixed(4)}`;
  }
}
