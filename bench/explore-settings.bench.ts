/**
 * Honest settings for the explorer (issue 10 §3, §6), in three phases:
 *  - select: GP-BO's number of initial Sobol' trials, chosen by VALIDATION
 *    hypervolume on Adult (seeds 100–…), never by test (`--budget B` and
 *    `--interplay-levers` select it for another budget or the levers' space);
 *  - compare: with that setting, GP-BO and NSGA-II at 40 trials against random search
 *    at 40 and 80 on FRESH seeds (200–…), scored on test once;
 *  - imbalanced: the data set of bench/imbalanced-adult.ts (19,000 rows, 89 %
 *    positive, 6 % minority group): GP-BO at 20 trials against random search at 40,
 *    objectives accuracy, ε, DP gap, fresh seeds (300–…), scored on test.
 *
 *   node --import tsx bench/explore-settings.bench.ts --phase select|compare|imbalanced
 *        [--seeds 2] [--initial 10] [--workers 2] [--only LABEL,...]
 *        [--candidates 5,10,16,22] [--budget 40] [--interplay-levers]
 */
import { type ExploreOptions, explore } from "../src/explore/explorer.js";
import { parseObjectives } from "../src/explore/objectives.js";
import type { StrategyName } from "../src/search/index.js";
import { imbalancedAdult } from "./imbalanced-adult.js";
import { writeResults } from "./machine.js";

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const phase = option("phase", "select");
const seeds = Number(option("seeds", "2"));
const workers = Number(option("workers", "2"));
const initial = Number(option("initial", "10"));
const levers = process.argv.includes("--interplay-levers");

interface Run {
  label: string;
  strategy: StrategyName;
  budget: number;
  seed: number;
  initialSamples?: number;
  interplayLevers?: boolean;
  request: ExploreOptions["request"];
  sensitive: string;
  objectives?: string;
}

const adult = { request: { data: "adult" }, sensitive: "sex" };
const runs: Run[] = [];
if (phase === "select") {
  const budget = Number(option("budget", "40"));
  for (const initialSamples of option("candidates", "5,10,16,22").split(",").map(Number)) {
    for (let s = 0; s < seeds; s++)
      runs.push({
        label: `bo@${budget}${levers ? " levers" : ""} initial ${initialSamples}`,
        strategy: "bo",
        budget,
        seed: 100 + s,
        initialSamples,
        interplayLevers: levers,
        ...adult,
      });
  }
} else if (phase === "compare") {
  for (let s = 0; s < seeds; s++) {
    runs.push({
      label: "bo@40",
      strategy: "bo",
      budget: 40,
      seed: 200 + s,
      initialSamples: initial,
      ...adult,
    });
    runs.push({ label: "nsga2@40", strategy: "nsga2", budget: 40, seed: 200 + s, ...adult });
    runs.push({ label: "random@40", strategy: "random", budget: 40, seed: 200 + s, ...adult });
    runs.push({ label: "random@80", strategy: "random", budget: 80, seed: 200 + s, ...adult });
  }
} else if (phase === "imbalanced") {
  const request = imbalancedAdult(0);
  for (let s = 0; s < seeds; s++) {
    runs.push({
      label: "bo@20",
      strategy: "bo",
      budget: 20,
      seed: 300 + s,
      initialSamples: initial,
      request,
      sensitive: "race",
    });
    runs.push({
      label: "random@40",
      strategy: "random",
      budget: 40,
      seed: 300 + s,
      request,
      sensitive: "race",
    });
  }
} else {
  throw new Error(`unknown phase ${phase}`);
}

// --only bo@40,random@80: a subset of the phase's runs (e.g. the strategies that do not depend on --initial).
const only = option("only", "");
const selected = only ? runs.filter((run) => only.split(",").includes(run.label)) : runs;
const results = [];
for (const run of selected) {
  const result = await explore({
    request: run.request,
    sensitive: run.sensitive,
    objectives: parseObjectives(run.objectives),
    constraints: [],
    strategy: run.strategy,
    budget: run.budget,
    workers,
    seed: run.seed,
    ...(run.initialSamples !== undefined ? { boInitialSamples: run.initialSamples } : {}),
    ...(run.interplayLevers ? { interplayLevers: true } : {}),
  });
  const { summary } = result;
  const row = {
    label: run.label,
    seed: run.seed,
    hypervolumeValidation: summary.hypervolume.validation,
    // Not looked at in the select phase (the choice is made on validation).
    hypervolumeTest: phase === "select" ? null : summary.hypervolume.test,
    paretoTrials: summary.pareto.length,
    wallSeconds: result.wallSeconds,
  };
  results.push(row);
  console.log(JSON.stringify(row));
}
const labels = [...new Set(results.map((r) => r.label))];
for (const label of labels) {
  const rows = results.filter((r) => r.label === label);
  const mean = (f: (r: (typeof rows)[number]) => number) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
  console.log(
    `${label}: validation HV ${mean((r) => r.hypervolumeValidation).toFixed(4)}` +
      (phase === "select" ? "" : `, test HV ${mean((r) => r.hypervolumeTest ?? 0).toFixed(4)}`) +
      `, min Pareto trials ${Math.min(...rows.map((r) => r.paretoTrials))}, wall ${mean((r) => r.wallSeconds).toFixed(1)} s`,
  );
}
console.log(`results: ${writeResults(`explore-settings-${phase}${option("tag", "")}`, results)}`);
