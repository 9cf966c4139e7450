/** `equipoise report`: a self-contained HTML (or JSON) report of an explorer study, or of a privacy audit. */
import { existsSync, readFileSync } from "node:fs";
import { parseAuditDocument, renderAuditPage } from "../../audit/light.js";
import { UsageError, UserError } from "../../common/errors.js";
import { checkOutputPath, writeFileAtomic } from "../../common/files.js";
import { toJson } from "../../common/json.js";
import { summariseStudy } from "../../explore/summary.js";
import { renderHtmlReport, renderJsonReport, reportContextOf, reportDataOf } from "../../report/index.js";
import { defineCommand, type Output, requireOption } from "../command.js";
import { printPrivacyNotes } from "../privacy-notes-text.js";
import { checkStudyOutputPath } from "../study-paths.js";
import { withStudySnapshot } from "../study-snapshot.js";

export const reportCommand = defineCommand({
  name: "report",
  summary: "write a self-contained HTML report of an explorer study",
  options: {
    study: {
      type: "string",
      valueName: "FILE.db",
      description: "the study file written by 'equipoise explore --study' (only read, never written)",
    },
    out: {
      type: "string",
      valueName: "FILE",
      description: "where to write the report (.html, or .json for the data)",
    },
    audit: {
      type: "string",
      valueName: "AUDIT.json",
      description:
        "instead of a study: the document written by 'equipoise audit --out' (ROC curves, per-group bars, both epsilons)",
    },
  },
  async run({ options, out }) {
    if (options.audit !== undefined) {
      if (options.study !== undefined) {
        throw new UsageError(
          "give --study or --audit: a study report and an audit report are written separately",
        );
      }
      writeAuditReport(options.audit, requireOption("out", options.out), out);
      return;
    }
    const studyPath = requireOption("study", options.study);
    const target = checkStudyOutputPath(requireOption("out", options.out), "out", studyPath);
    const { summary, data } = await withStudySnapshot(studyPath, async (study) => {
      const summary = summariseStudy(await study.snapshot(), studyPath);
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

// ---- privacy audit (src/audit): `report --audit AUDIT.json --out FILE` ----------------------

function writeAuditReport(auditPath: string, outPath: string, out: Output): void {
  const target = checkOutputPath(outPath, "out", [auditPath]);
  if (!existsSync(auditPath)) throw new UserError(`--audit: no such file ${auditPath}`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(auditPath, "utf8"));
  } catch (error) {
    throw new UserError(
      `${auditPath} is not valid JSON (${error instanceof Error ? error.message.split("\n")[0] : error})`,
    );
  }
  const doc = parseAuditDocument(json, auditPath);
  writeFileAtomic(target, target.endsWith(".json") ? `${toJson(doc, 2)}\n` : renderAuditPage(doc));
  if (out.wantsJson) {
    out.json({ out: target, verdict: doc.verdict });
    return;
  }
  out.print(`wrote ${target}: ${doc.attacks.length} attacks; ${doc.verdict.message}`);
}
