/** `equipoise report`: a self-contained HTML (or JSON) report of an explorer study. */
import { existsSync, writeFileSync } from "node:fs";
import { UserError } from "../../common/errors.js";
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
      valueName: "FILE.db",
      description: "the study file written by 'equipoise explore --study'",
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
    if (!existsSync(path)) throw new UserError(`study file not found: ${path}`);
    const study = await Study.openReadOnly(path);
    try {
      const summary = summariseStudy(await study.snapshot(), path);
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
