/**
 * `equipoise report`: a self-contained HTML (or JSON) report of an explorer study, or of
 * one document another command wrote (an audit, an explanation, an interplay study, an
 * architecture search, a federated run), recognised by the marker it carries.
 */
import { existsSync, readFileSync } from "node:fs";
import { UsageError, UserError } from "../../common/errors.js";
import { checkOutputPath, writeFileAtomic } from "../../common/files.js";
import { toJson } from "../../common/json.js";
import { summariseStudy } from "../../explore/summary.js";
import {
  describeDocument,
  parseReportDocument,
  renderDocumentPage,
  renderHtmlReport,
  renderJsonReport,
  reportContextOf,
  reportDataOf,
} from "../../report/index.js";
import { defineCommand, type Output, requireOption } from "../command.js";
import { printPrivacyNotes } from "../privacy-notes-text.js";
import { checkStudyOutputPath } from "../study-paths.js";
import { withStudySnapshot } from "../study-snapshot.js";

export const reportCommand = defineCommand({
  name: "report",
  summary:
    "write a self-contained HTML report of an explorer study, an audit, an explanation, an interplay study, a NAS or a federated run",
  options: {
    study: {
      type: "string",
      valueName: "FILE.db|URL",
      description:
        "the study written by 'equipoise explore --study': a file or postgres://USER@HOST/DB?study=NAME (only read, never written)",
    },
    out: {
      type: "string",
      valueName: "FILE",
      description: "where to write the report (.html, or .json for the data)",
    },
    document: {
      type: "string",
      valueName: "FILE.json",
      description:
        "instead of a study: a document written by 'audit --out', 'explain ... --json', 'interplay --out', 'nas --out' or 'federate --report', recognised by its content",
    },
    audit: {
      type: "string",
      valueName: "AUDIT.json",
      description:
        "instead of a study: the document written by 'equipoise audit --out' (ROC curves, per-group bars, both epsilons); --document reads it too",
    },
  },
  async run({ options, out }) {
    const given = [
      ["--study", options.study],
      ["--document", options.document],
      ["--audit", options.audit],
    ].filter(([, value]) => value !== undefined);
    if (given.length > 1) {
      throw new UsageError(
        `give one of --study, --document or --audit, not ${given.map(([name]) => name).join(" and ")}: each is a report of its own`,
      );
    }
    if (options.document !== undefined || options.audit !== undefined) {
      writeDocumentReport(
        options.document ?? options.audit ?? "",
        options.audit !== undefined ? "audit" : "document",
        requireOption("out", options.out),
        out,
      );
      return;
    }
    const studyPath = requireOption("study", options.study);
    const target = checkStudyOutputPath(requireOption("out", options.out), "out", studyPath);
    const { summary, data } = await withStudySnapshot(studyPath, async (study) => {
      const summary = summariseStudy(await study.snapshot(), study.location);
      return { summary, data: reportDataOf(summary, reportContextOf(study, summary)) };
    });
    writeFileAtomic(target, target.endsWith(".json") ? renderJsonReport(data) : renderHtmlReport(data));
    if (out.wantsJson) {
      out.json({
        out: target,
        trials: summary.trials,
        hypervolume: summary.hypervolume,
        pareto: summary.pareto.length,
        privacyNotes: data.privacyNotes,
      });
      return;
    }
    out.print(
      `wrote ${target}: ${summary.trials.complete} complete trials, ${summary.pareto.length} on the Pareto front, hypervolume ${summary.hypervolume.test.toFixed(4)} (test)`,
    );
    printPrivacyNotes(out.print, data.privacyNotes);
  },
});

// ---- one document: `report --document FILE.json --out FILE` (or --audit AUDIT.json) ------

function writeDocumentReport(path: string, option: "audit" | "document", outPath: string, out: Output): void {
  const target = checkOutputPath(outPath, "out", [path]);
  if (!existsSync(path)) throw new UserError(`--${option}: no such file ${path}`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new UserError(
      `${path} is not valid JSON (${error instanceof Error ? error.message.split("\n")[0] : error})`,
    );
  }
  const doc = parseReportDocument(json, path, option === "audit" ? "audit" : undefined);
  writeFileAtomic(
    target,
    target.endsWith(".json") ? `${toJson(doc.document, 2)}\n` : renderDocumentPage(doc),
  );
  if (out.wantsJson) {
    out.json({
      out: target,
      kind: doc.kind,
      ...(doc.kind === "audit" ? { verdict: doc.document.verdict } : {}),
    });
    return;
  }
  out.print(`wrote ${target}: ${describeDocument(doc)}`);
}
