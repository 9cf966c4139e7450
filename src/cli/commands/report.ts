/** `equipoise report`: a self-contained HTML (or JSON) report of an explorer study. */
import { writeFileSync } from "node:fs";
import { summariseStudy } from "../../explore/summary.js";
import { renderHtmlReport, renderJsonReport, reportContextOf, reportDataOf } from "../../report/index.js";
import { Study } from "../../search/index.js";
import { defineCommand, requireOption } from "../command.js";

export const reportCommand = defineCommand({
  name: "report",
  summary: "write a self-contained HTML report of an explorer study",
  options: {
    study: {
      type: "string",
      valueName: "FILE.db|URL",
      description:
        "the study written by 'equipoise explore --study': a file or postgres://USER@HOST/DB?study=NAME",
    },
    out: {
      type: "string",
      valueName: "FILE",
      description: "where to write the report (.html, or .json for the data)",
    },
  },
  async run({ options, out }) {
    const path = requireOption("study", options.study);
    const target = requireOption("out", options.out);
    // A missing study is refused by the store in one line ("study file not found: ...").
    const study = await Study.openReadOnly(path);
    try {
      const summary = summariseStudy(await study.snapshot(), study.location);
      const data = reportDataOf(summary, reportContextOf(study, summary));
      writeFileSync(target, target.endsWith(".json") ? renderJsonReport(data) : renderHtmlReport(data));
      if (out.wantsJson) {
        out.json({
          out: target,
          trials: summary.trials,
          hypervolume: summary.hypervolume,
          pareto: summary.pareto.length,
        });
      } else {
        out.print(
          `wrote ${target}: ${summary.trials.complete} complete trials, ${summary.pareto.length} on the Pareto front, hypervolume ${summary.hypervolume.test.toFixed(4)} (test)`,
        );
      }
    } finally {
      await study.close();
    }
  },
});
