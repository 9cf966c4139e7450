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
    name: "interplay",
    summary: "fairness under privacy: the per-group cost of DP-SGD, why, and a bound",
    load: async () => (await import("./commands/interplay.js")).interplayCommand,
  },
  {
    name: "interplay ldp-metrics",
    summary: "fairness metrics from sensitive attributes collected under local DP",
    load: async () => (await import("./commands/interplay.js")).ldpMetricsCommand,
  },
  {
    name: "report",
    summary: "write the HTML report of an explorer study",
    load: async () => (await import("./commands/report.js")).reportCommand,
  },
  {
    name: "worker",
    summary: "join a shared study (postgres://...) and run its trials until the budget is spent",
    load: async () => (await import("./commands/worker.js")).workerCommand,
  },
  {
    name: "study copy",
    summary: "copy a study between a study file and a PostgreSQL database",
    load: async () => (await import("./commands/study.js")).studyCopy,
  },
  {
    name: "serve",
    summary: "the web dashboard over studies (live fronts, trials, new studies)",
    load: async () => (await import("./commands/serve.js")).serveCommand,
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
    name: "audit",
    summary: "privacy audit: membership and attribute inference, ε lower bound beside the accountant's",
    load: async () => (await import("./commands/audit.js")).audit,
  },
  {
    name: "audit canaries",
    summary: "one-run DP-SGD audit with canaries: an ε lower bound from a single training run",
    load: async () => (await import("./commands/audit.js")).auditCanaries,
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
    name: "federate",
    summary: "simulate federated learning: secure aggregation, client-level DP, attacks",
    load: async () => (await import("./commands/federate.js")).federate,
  },
  {
    name: "federate server",
    summary: "run a federation server for clients in other processes or browsers",
    load: async () => (await import("./commands/federate.js")).federateServer,
  },
  {
    name: "federate client",
    summary: "join a federation server with your own data",
    load: async () => (await import("./commands/federate.js")).federateClient,
  },
  {
    name: "federate split",
    summary: "cut a data set into client files and a server file, to try a federation",
    load: async () => (await import("./commands/federate.js")).federateSplit,
  },
  {
    name: "pareto",
    summary: "the Pareto-optimal rows of a CSV of results, and their hypervolume",
    load: async () => (await import("./commands/pareto.js")).pareto,
  },
  {
    name: "nas",
    summary: "fairness-aware architecture search: worst-group accuracy × bias × size",
    load: async () => (await import("./commands/nas.js")).nasSearch,
  },
  {
    name: "nas evaluate",
    summary: "measure one architecture's accuracy, bias and cost over seeds",
    load: async () => (await import("./commands/nas.js")).nasEvaluate,
  },
  {
    name: "nas library",
    summary: "build the catalogue of bias-attracting and bias-repelling architectures",
    load: async () => (await import("./commands/nas.js")).nasLibrary,
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
