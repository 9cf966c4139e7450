/** `equipoise report`: a self-contained HTML (or JSON) report of an explorer study. */
import { writeFileAtomic } from "../../common/files.js";
import { summariseStudy } from "../../explore/summary.js";
import { renderHtmlReport, renderJsonReport, reportContextOf, reportDataOf } from "../../report/index.js";
import { defineCommand, requireOption } from "../command.js";
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
  },
  async run({ options, out }) {
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
