/** `equipoise explore`: the accuracy–privacy–fairness Pareto front of a dataset. */
import { checkOutputPath, writeFileAtomic } from "../../common/files.js";
import { explore, formatEpsilon } from "../../explore/explorer.js";
import { parseConstraint, parseObjectives } from "../../explore/objectives.js";
import { privacyNotes, trialCountsOf } from "../../explore/privacy-notes.js";
import type { StudySummary } from "../../explore/summary.js";
import { renderHtmlReport, reportDataOf } from "../../report/index.js";
import { type StrategyName, strategyNames } from "../../search/index.js";
import { defineCommand, parseChoice, parseList, parseNumber } from "../command.js";
import { dataOptionSpecs, readTaskRequest } from "../data-options.js";
import { printPrivacyNotes } from "../privacy-notes-text.js";
import { createProgress } from "../progress.js";
import { checkStudyOutputPath, dataFileOf } from "../study-paths.js";

export const exploreCommand = defineCommand({
  name: "explore",
  summary: "find the Pareto front between accuracy, privacy (epsilon) and fairness automatically",
  options: {
    ...dataOptionSpecs,
    budget: { type: "string", valueName: "N", description: "number of trials in the study", default: "40" },
    objectives: {
      type: "string",
      valueName: "LIST",
      description: "objectives, all normalised as in DESIGN.md: accuracy, epsilon, dp, eo, eop",
      default: "accuracy,epsilon,dp",
    },
    constraint: {
      type: "string",
      valueName: "EXPR",
      description: 'constraints, comma-separated, e.g. "epsilon<=8,accuracy>=0.8"',
    },
    strategy: { type: "string", valueName: "bo|nsga2|random", description: "search strategy", default: "bo" },
    study: {
      type: "string",
      valueName: "FILE.db",
      description: "SQLite study file: created, or resumed if it exists",
    },
    workers: {
      type: "string",
      valueName: "W",
      description: "parallel trials (default: the number of cores)",
    },
    seed: {
      type: "string",
      valueName: "S",
      description: "seed of the search, the validation split and the trials",
      default: "0",
    },
    delta: { type: "string", valueName: "D", description: "delta of (epsilon, delta)-DP", default: "1e-5" },
    accountant: { type: "string", valueName: "rdp|prv", description: "privacy accountant", default: "rdp" },
    report: { type: "string", valueName: "FILE.html", description: "also write the HTML report here" },
    backend: { type: "string", valueName: "NAME", description: "tensor backend: wasm, cpu, tensorflow" },
    "batch-trials": {
      type: "string",
      valueName: "K",
      description:
        "train up to K logistic-regression trials at once as one ensemble per worker (measured no faster on WASM; see BENCHMARKS.md)",
      default: "1",
    },
  },
  details: `The search sees only metrics on a validation split held out from the training data;
the Pareto trials are then reported on the test split. Objectives are minimised and
normalised to [0, 1]: e = (1 - accuracy) / (1 - majority-class accuracy), p = (log10 epsilon + 1) / 3,
u = gap / gap of the reference model (non-private logistic regression). Hypervolume is
measured against the reference point (1, 1, 1).

Example:
  equipoise explore --data adult --sensitive sex --budget 40 --study adult.db --report adult.html`,
  async run({ options, out }) {
    const request = readTaskRequest(options);
    const sensitive = parseList(options.sensitive);
    const objectives = parseObjectives(options.objectives);
    const constraints = parseList(options.constraint).map(parseConstraint);
    const strategy = parseChoice("strategy", options.strategy, strategyNames as readonly StrategyName[]);
    const accountant = parseChoice("accountant", options.accountant, ["rdp", "prv"] as const);
    const budget = parseNumber("budget", options.budget, { integer: true, min: 1, max: 100_000 });
    const workers =
      options.workers === undefined
        ? undefined
        : parseNumber("workers", options.workers, { integer: true, min: 1, max: 256 });
    const seed = parseNumber("seed", options.seed, { integer: true, min: 0 });
    const delta = parseNumber("delta", options.delta, {
      min: 0,
      max: 1,
      minExclusive: true,
      maxExclusive: true,
    });
    const batchTrials = parseNumber("batch-trials", options["batch-trials"], {
      integer: true,
      min: 1,
      max: 64,
    });
    // Before any work: a bad output path costs nothing, and no output may replace an input.
    const dataFile = dataFileOf(options.data);
    if (options.study !== undefined) checkOutputPath(options.study, "study", dataFile);
    const reportPath =
      options.report === undefined
        ? undefined
        : checkStudyOutputPath(options.report, "report", options.study, dataFile);
    const progress = createProgress("explore", {
      isTTY: out.stderrIsTTY,
      write: (text) => process.stderr.write(text),
    });
    const result = await explore({
      request,
      sensitive: sensitive[0],
      objectives,
      constraints,
      strategy,
      budget,
      studyPath: options.study,
      workers,
      seed,
      delta,
      accountant,
      backend: options.backend,
      batchTrials,
      onEvent: (event) => {
        if (event.kind === "note") out.note(event.text);
        else
          progress.update(
            event.done,
            event.budget,
            `hypervolume ${event.hypervolume.toFixed(4)} · ${event.best}`,
          );
      },
    });
    progress.finish();
    const { summary } = result;
    const notes = privacyNotes(summary.metadata, trialCountsOf(summary));
    if (reportPath !== undefined) {
      writeFileAtomic(reportPath, renderHtmlReport(reportDataOf(summary, { ...result, budget, seed })));
      out.note(`report written to ${options.report}`);
    }
    if (summary.trials.feasible === 0 && summary.trials.complete > 0) {
      out.note(
        `no trial satisfied the constraints (${result.constraints.join(", ")}): nothing is feasible, so there is no Pareto front`,
      );
    }
    if (out.wantsJson) {
      out.json(jsonOf(result, summary, notes));
      return;
    }
    printSummary(out.print, result, summary);
    printPrivacyNotes(out.print, notes);
  },
});

function jsonOf(result: Awaited<ReturnType<typeof explore>>, summary: StudySummary, notes: string[]) {
  return {
    dataset: summary.metadata.dataset,
    sensitive: summary.metadata.primarySensitive,
    objectives: summary.objectives,
    constraints: result.constraints,
    strategy: result.strategy,
    workers: result.workers,
    backend: result.backend,
    study: result.studyPath,
    trials: summary.trials,
    hypervolume: summary.hypervolume,
    pareto: summary.pareto.map((i) => {
      const trial = summary.decoded[i];
      return {
        number: trial.record.number,
        params: trial.record.config,
        validation: withoutGroups(trial.validation),
        test: trial.test,
        objectives: trial.objectives,
      };
    }),
    reference: summary.reference,
    hypervolumeHistory: summary.hypervolumeHistory,
    privacyNotes: notes,
    wallSeconds: result.wallSeconds,
  };
}

function withoutGroups<T extends { perGroup: unknown }>(metrics: T): Omit<T, "perGroup"> {
  const { perGroup: _, ...rest } = metrics;
  return rest;
}

function printSummary(
  print: (line: string) => void,
  result: Awaited<ReturnType<typeof explore>>,
  summary: StudySummary,
) {
  const { trials } = summary;
  print(
    `${summary.metadata.dataset}, sensitive '${summary.metadata.primarySensitive}': ${trials.complete} trials complete, ${trials.failed} failed, ${trials.feasible} feasible (${result.wallSeconds.toFixed(1)} s, ${result.workers} worker${result.workers === 1 ? "" : "s"}, ${result.strategy})`,
  );
  print(
    `hypervolume of the Pareto front: ${summary.hypervolume.validation.toFixed(4)} (validation), ${summary.hypervolume.test.toFixed(4)} (test)`,
  );
  const ref = summary.reference.test;
  print(
    `reference model (test): accuracy ${ref.accuracy.toFixed(4)}, DP gap ${ref.dpDifference.toFixed(4)}, EO gap ${ref.eoDifference.toFixed(4)}`,
  );
  print("");
  print("Pareto trials (chosen on validation, scored on test):");
  print("  trial  model      dp     epsilon  accuracy  DP gap   EO gap   fair λ");
  for (const i of summary.pareto) {
    const t = summary.decoded[i];
    const recipe = t.recipe;
    print(
      `  ${String(t.record.number).padStart(5)}  ${recipe.model.padEnd(9)}  ${String(recipe.dp).padEnd(5)}  ${formatEpsilon(t.test.epsilon).padStart(7)}  ${t.test.accuracy.toFixed(4)}    ${t.test.dpDifference.toFixed(4)}   ${t.test.eoDifference.toFixed(4)}   ${recipe.fairWeight.toPrecision(2)}`,
    );
  }
}
