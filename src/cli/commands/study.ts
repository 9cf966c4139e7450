/** `equipoise study copy`: a study moved between a file and a PostgreSQL server, or back. */
import { UserError } from "../../common/errors.js";
import { copyStudyFrom, displayLocation, isServerLocation } from "../../search/index.js";
import { defineCommand, requireOption } from "../command.js";
import { checkStudyOutputPath } from "../study-paths.js";
import { withStudySnapshot } from "../study-snapshot.js";

export const studyCopy = defineCommand({
  name: "study copy",
  summary: "copy a study between stores: a study file and a PostgreSQL database, either way",
  options: {
    from: {
      type: "string",
      valueName: "FILE.db|URL",
      description: "the study to copy (only read): a study file or postgres://USER@HOST/DB?study=NAME",
    },
    to: {
      type: "string",
      valueName: "FILE.db|URL",
      description: "a new study (or an empty one with the same definition) to copy it into",
    },
  },
  details: `Copies the definition, the budget and every trial (numbers, parameters, results,
seeds, attempts, times) in one transaction: a study started on a laptop continues on a
cluster, and a cluster's study comes back as one file. Trials still running at the source
are redone by the first worker at the destination.

Examples:
  equipoise study copy --from adult.db --to "postgres://ada@db.example/studies?study=adult"
  equipoise study copy --from "postgres://ada@db.example/studies?study=adult" --to adult-final.db`,
  async run({ options, out }) {
    const from = requireOption("from", options.from);
    const to = requireOption("to", options.to);
    if (from === to) throw new UserError(`--from and --to are the same study (${displayLocation(from)})`);
    // Before any work: a destination file must not be one of the source's files.
    if (!isServerLocation(to)) checkStudyOutputPath(to, "to", isServerLocation(from) ? undefined : from);
    const copy = {
      ...(await withStudySnapshot(from, (study) => copyStudyFrom(study.store, to))),
      from: displayLocation(from),
    };
    if (copy.liveWorkers > 0) {
      out.note(
        `${copy.from} has ${copy.liveWorkers} live worker(s): trials they finish from now on are not in the copy`,
      );
    }
    if (copy.byState.running > 0)
      out.note(
        `${copy.byState.running} trial(s) were running: the first worker at the destination redoes them`,
      );
    if (out.wantsJson) {
      out.json(copy);
      return;
    }
    const { complete, failed, pruned, running } = copy.byState;
    out.print(
      `copied ${copy.trials} trials (${complete} complete, ${failed} failed, ${pruned} pruned, ${running} running) and the budget (${copy.budget ?? "none"}) from ${copy.from} to ${copy.to}`,
    );
  },
});
