/** `equipoise explore`: the accuracy–privacy–fairness Pareto front of a dataset. */

import { UsageError } from "../../common/errors.js";
import { checkOutputPath, writeFileAtomic } from "../../common/files.js";
import { explore, formatEpsilon } from "../../explore/explorer.js";
import { parseConstraint, parseObjectives } from "../../explore/objectives.js";
import { privacyNotes, trialCountsOf } from "../../explore/privacy-notes.js";
import type { StudySummary } from "../../explore/summary.js";
import { renderHtmlReport, reportDataOf, studyRuns } from "../../report/index.js";
import { isServerLocation, type StrategyName, strategyNames } from "../../search/index.js";
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
      description:
        "objectives, all normalised as in DESIGN.md: accuracy, balanced-accuracy, epsilon, dp, eo, eop, privacy-cost-gap, mia",
      default: "accuracy,epsilon,dp",
    },
    constraint: {
      type: "string",
      valueName: "EXPR",
      description:
        'constraints, comma-separated, e.g. "epsilon<=8,accuracy>=0.8", "privacy-cost-gap<=0.02", "mia<=0.6"',
    },
    "interplay-levers": {
      type: "boolean",
      description:
        "add group-aware clipping (DPSGD-F, Xu et al. 2021) and its gamma, and private fair learning (Jagielski et al. 2019) and its allowed violation, to the space of private trials",
    },
    "sensitive-ldp": {
      type: "string",
      valueName: "EPS",
      description:
        "run the study with the sensitive attribute reported under EPS-local DP (randomized response, simulated); fairness figures debiased",
    },
    "skip-privacy-cost": {
      type: "boolean",
      description:
        "do not train each private trial's matched non-private model (no per-group cost of privacy; saves its training time)",
    },
    strategy: {
      type: "string",
      valueName: "bo|nsga2|random",
      description: "search strategy (default: bo; random, and only random, with --private-selection)",
    },
    study: {
      type: "string",
      valueName: "FILE.db|URL",
      description:
        "study file, or postgres://USER@HOST/DB?study=NAME shared with 'equipoise worker' on other machines: created, or resumed/joined if it exists",
    },
    workers: {
      type: "string",
      valueName: "W",
      description:
        "parallel trials (default: the number of cores; 0 creates the study and leaves the trials to workers)",
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
    "private-selection": {
      type: "boolean",
      description:
        "private trials only, a random number of them (mean --budget), and one released with an epsilon that covers the choice (Papernot & Steinke 2022)",
    },
    epsilon: {
      type: "string",
      valueName: "E",
      description: "with --private-selection: the total epsilon of the selected trial, choice included",
    },
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
normalised to [0, 1]: e = (1 - accuracy) / (1 - majority-class accuracy), for balanced
accuracy e = (1 - balanced accuracy) / (1 - 0.5), p = (log10 epsilon + 1) / 3,
u = gap / gap of the reference model (non-private logistic regression). Hypervolume is
measured against the reference point (1, 1, 1). Private trials are calibrated to a
target epsilon in [0.1, 100] that the search proposes.

Every private trial also trains its matched model (its recipe and seed without DP) and stores
its cost of privacy by group (--skip-privacy-cost to save that time). privacy-cost-gap, the
largest minus the smallest group's accuracy cost, is normalised as gap / (1 - majority-class
accuracy); mia, the AUC of a loss-threshold membership attack, as 2·|AUC - 0.5|; as
constraints both bound the raw value ("privacy-cost-gap<=0.02", "mia<=0.6"). Neither is
covered by epsilon. --sensitive-ldp EPS runs the study on randomized responses of the
sensitive attribute, with every fairness figure debiased.

With --private-selection, every trial is private and drawn at random, their number is
random (mean --budget), and only the best trial by a score fixed in advance is printed,
with an epsilon that covers its training, the preprocessing and the choice.

Examples:
  equipoise explore --data adult --sensitive sex --budget 40 --study adult.db --report adult.html
  equipoise explore --data adult --sensitive sex --private-selection --epsilon 3 --budget 10`,
  async run({ options, out }) {
    const request = readTaskRequest(options);
    const sensitive = parseList(options.sensitive);
    const objectives = parseObjectives(options.objectives);
    const constraints = parseList(options.constraint).map(parseConstraint);
    const strategy =
      options.strategy === undefined
        ? undefined
        : parseChoice("strategy", options.strategy, strategyNames as readonly StrategyName[]);
    const privateSelection = readPrivateSelection(options["private-selection"], options.epsilon);
    const accountant = parseChoice("accountant", options.accountant, ["rdp", "prv"] as const);
    const budget = parseNumber("budget", options.budget, { integer: true, min: 1, max: 100_000 });
    const workers =
      options.workers === undefined
        ? undefined
        : parseNumber("workers", options.workers, { integer: true, min: 0, max: 256 });
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
    if (options.study !== undefined && !isServerLocation(options.study))
      checkOutputPath(options.study, "study", dataFile);
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
      ...(privateSelection ? { privateSelection } : {}),
      ...(options["interplay-levers"] ? { interplayLevers: true } : {}),
      ...(options["skip-privacy-cost"] ? { privacyCost: false } : {}),
      ...(options["sensitive-ldp"] !== undefined
        ? {
            sensitiveLdp: parseNumber("sensitive-ldp", options["sensitive-ldp"], {
              min: 0,
              minExclusive: true,
              max: 700,
            }),
          }
        : {}),
      onEvent: (event) => {
        if (event.kind === "note") out.note(event.text);
        else progress.update(event.done, event.budget, event.progress);
      },
    });
    progress.finish();
    const { summary } = result;
    const notes = privacyNotes(summary.metadata, trialCountsOf(summary));
    if (reportPath !== undefined) {
      writeFileAtomic(
        reportPath,
        renderHtmlReport(
          reportDataOf(summary, { ...result, budget, seed, runs: studyRuns(summary.records) }),
        ),
      );
      out.note(`report written to ${options.report}`);
    }
    if (summary.trials.feasible === 0 && summary.trials.complete > 0) {
      out.note(
        `no trial satisfied the constraints (${result.constraints.join(", ")}): nothing is feasible, so there is no Pareto front`,
      );
    }
    if (summary.selected !== undefined) {
      if (out.wantsJson) out.json(selectionJsonOf(result, summary, notes));
      else printSelection(out.print, result, summary);
    } else if (out.wantsJson) {
      out.json(jsonOf(result, summary, notes));
      return;
    } else {
      printSummary(out.print, result, summary);
    }
    if (!out.wantsJson) printPrivacyNotes(out.print, notes);
  },
});

/** `--private-selection --epsilon E`: both or neither. */
function readPrivateSelection(flag: boolean | undefined, epsilon: string | undefined) {
  if (!flag) {
    if (epsilon !== undefined)
      throw new UsageError(
        "--epsilon applies to --private-selection (the study's other trials each calibrate their own)",
      );
    return undefined;
  }
  if (epsilon === undefined)
    throw new UsageError(
      "--private-selection needs --epsilon E: the total epsilon of the selected trial, choice included",
    );
  return { epsilon: parseNumber("epsilon", epsilon, { min: 0, minExclusive: true, max: 1e4 }) };
}

/** Private selection: the one released trial and what ε covers; no other trial's results. */
function selectionJsonOf(
  result: Awaited<ReturnType<typeof explore>>,
  summary: StudySummary,
  notes: string[],
) {
  const plan = summary.metadata.privateSelection!;
  const trial =
    summary.selected === null || summary.selected === undefined ? null : summary.decoded[summary.selected];
  return {
    dataset: summary.metadata.dataset,
    sensitive: summary.metadata.primarySensitive,
    objectives: summary.objectives,
    constraints: result.constraints,
    strategy: result.strategy,
    workers: result.workers,
    backend: result.backend,
    study: result.studyPath,
    privateSelection: {
      trials: plan.trials,
      meanTrials: plan.distribution.mean,
      law: plan.distribution.kind,
      epsilon: plan.epsilon,
      delta: plan.delta,
      trialEpsilon: plan.trialEpsilon,
      finished: summary.trials.complete + summary.trials.failed,
    },
    selected: trial
      ? {
          number: trial.record.number,
          params: trial.record.config,
          recipe: trial.recipe,
          validation: withoutGroups(trial.validation),
          test: trial.test,
          objectives: trial.objectives,
        }
      : null,
    privacyNotes: notes,
    wallSeconds: result.wallSeconds,
  };
}

function printSelection(
  print: (line: string) => void,
  result: Awaited<ReturnType<typeof explore>>,
  summary: StudySummary,
) {
  const plan = summary.metadata.privateSelection!;
  const finished = summary.trials.complete + summary.trials.failed;
  print(
    `${summary.metadata.dataset}, sensitive '${summary.metadata.primarySensitive}': private selection among ${plan.trials} random private trials (geometric, mean ${plan.distribution.mean}); ${finished} finished (${result.wallSeconds.toFixed(1)} s, ${result.workers} worker${result.workers === 1 ? "" : "s"})`,
  );
  print(
    `epsilon of the selected trial: ${formatEpsilon(plan.epsilon)} (delta ${plan.delta}; its training at ${plan.trialEpsilon.toPrecision(3)}, the choice and the preprocessing included)`,
  );
  print("");
  if (summary.selected === null || summary.selected === undefined) {
    print("No trial is selected: none was feasible. Nothing is released.");
    return;
  }
  const t = summary.decoded[summary.selected];
  const r = t.recipe;
  print(
    `Selected trial ${t.record.number} (best by the sum of its normalised validation objectives other than epsilon; scored on test):`,
  );
  print(
    `  ${r.model}, clip ${r.clip.toPrecision(2)}, lr ${r.lr.toPrecision(2)}, ${r.epochs} epochs, batch ${r.batch}, fair λ ${r.fairWeight.toPrecision(2)}${r.classWeight === "balanced" ? ", class-balanced" : ""}`,
  );
  print(
    `  test: accuracy ${t.test.accuracy.toFixed(4)}, balanced accuracy ${t.test.balancedAccuracy.toFixed(4)}, DP gap ${t.test.dpDifference.toFixed(4)}, EO gap ${t.test.eoDifference.toFixed(4)}, epsilon ${formatEpsilon(t.test.epsilon)}`,
  );
}

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
        ...(trial.privacyCost ? { privacyCost: trial.privacyCost } : {}),
        ...(trial.membership ? { membership: trial.membership } : {}),
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
  print("  trial  model       epsilon  accuracy  bal.acc  DP gap  EO gap  fair λ  classes");
  for (const i of summary.pareto) {
    const t = summary.decoded[i];
    const recipe = t.recipe;
    const balanced = Number.isFinite(t.test.balancedAccuracy) ? t.test.balancedAccuracy.toFixed(4) : "   –  ";
    print(
      `  ${String(t.record.number).padStart(5)}  ${recipe.model.padEnd(10)}  ${formatEpsilon(t.test.epsilon).padStart(7)}  ${t.test.accuracy.toFixed(4)}    ${balanced}   ${t.test.dpDifference.toFixed(4)}  ${t.test.eoDifference.toFixed(4)}  ${recipe.fairWeight.toPrecision(2).padStart(6)}  ${recipe.classWeight === "balanced" ? "balanced" : "as is"}`,
    );
  }
}
