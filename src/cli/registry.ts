/**
 * Every command of the `equipoise` CLI. Loaded lazily so that `equipoise --help`
 * or `privacy epsilon` does not pay for the tensor engine's start-up.
 * Each capability adds its commands here, one line each.
 */
import type { Command } from "./command.js";

export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<Command>;
}

export const commands: CommandEntry[] = [
  {
    name: "explore",
    summary: "find the accuracy–privacy–fairness Pareto front automatically",
    load: async () => (await import("./commands/explore.js")).exploreCommand,
  },
  {
    name: "report",
    summary: "write the HTML report of an explorer study",
    load: async () => (await import("./commands/report.js")).reportCommand,
  },
  {
    name: "data list",
    summary: "list the known datasets",
    load: async () => (await import("./commands/data.js")).dataList,
  },
  {
    name: "data info",
    summary: "describe a dataset: rows, features, groups",
    load: async () => (await import("./commands/data.js")).dataInfo,
  },
  {
    name: "data fetch",
    summary: "download a dataset and check its checksum",
    load: async () => (await import("./commands/data.js")).dataFetch,
  },
  {
    name: "train",
    summary: "train a model and save it",
    load: async () => (await import("./commands/train.js")).train,
  },
  {
    name: "evaluate",
    summary: "evaluate a saved model: accuracy, loss, accuracy by group",
    load: async () => (await import("./commands/evaluate.js")).evaluate,
  },
  {
    name: "privacy epsilon",
    summary: "epsilon spent by DP-SGD with a given noise multiplier",
    load: async () => (await import("./commands/privacy.js")).privacyEpsilon,
  },
  {
    name: "privacy noise",
    summary: "smallest noise multiplier that reaches a target epsilon",
    load: async () => (await import("./commands/privacy.js")).privacyNoise,
  },
  {
    name: "fairness metrics",
    summary: "group metrics and fairness measures of a predictions file",
    load: async () => (await import("./commands/fairness.js")).fairnessMetrics,
  },
  {
    name: "fairness mitigate",
    summary: "train with a bias mitigation; accuracy and gaps before/after",
    load: async () => (await import("./commands/fairness.js")).fairnessMitigate,
  },
  ...explainCommands(),
  {
    name: "pareto",
    summary: "the Pareto-optimal rows of a CSV of results, and their hypervolume",
    load: async () => (await import("./commands/pareto.js")).pareto,
  },
];

/** The `explain` commands (issue 12), all from one module. */
function explainCommands(): CommandEntry[] {
  const load = (name: string) => async () =>
    (await import("./commands/explain.js"))[name as "explainExample"] as unknown as Command;
  return [
    { name: "explain", summary: "the training rows behind one prediction", load: load("explainExample") },
    {
      name: "explain influence",
      summary: "influence of training rows on test losses",
      load: load("explainInfluence"),
    },
    { name: "explain loo", summary: "true leave-one-out retraining", load: load("explainLoo") },
    {
      name: "explain values",
      summary: "data valuation (KNN-Shapley, TMC, Banzhaf, LOO, OOB)",
      load: load("explainValues"),
    },
    {
      name: "explain fairness",
      summary: "the training rows and groups behind an unfairness",
      load: load("explainFairnessCommand"),
    },
    {
      name: "explain mislabels",
      summary: "training rows whose label is likely wrong",
      load: load("explainMislabels"),
    },
  ];
}
