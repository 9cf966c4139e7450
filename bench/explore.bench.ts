/**
 * The explorer on Adult (sensitive sex, default space, objectives accuracy, ε, DP
 * gap): test-split hypervolume of the Pareto front (DESIGN.md normalisation) and
 * wall time, for GP-BO and NSGA-II at 40 trials and random search at 80, over
 * several seeds. Reference: Optuna 3.1 NSGA-II, 40 trials of DP-SGD logistic
 * regression, 77 s, hypervolume 0.039.
 *
 *   node --import tsx bench/explore.bench.ts [--seeds 3] [--workers 2]
 */
import { explore } from "../src/explore/explorer.js";
import { parseObjectives } from "../src/explore/objectives.js";
import type { StrategyName } from "../src/search/index.js";
import { writeResults } from "./machine.js";

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function meanStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}

const seeds = option("seeds", 3);
const workers = option("workers", 2);
const runs: { strategy: StrategyName; budget: number }[] = [
  { strategy: "bo", budget: 40 },
  { strategy: "nsga2", budget: 40 },
  { strategy: "random", budget: 80 },
];
const results = [];
for (const { strategy, budget } of runs) {
  const perSeed = [];
  for (let seed = 0; seed < seeds; seed++) {
    const result = await explore({
      request: { data: "adult" },
      sensitive: "sex",
      objectives: parseObjectives(undefined),
      constraints: [],
      strategy,
      budget,
      workers,
      seed,
    });
    const { summary } = result;
    perSeed.push({
      seed,
      hypervolumeTest: summary.hypervolume.test,
      hypervolumeValidation: summary.hypervolume.validation,
      paretoTrials: summary.pareto.length,
      wallSeconds: result.wallSeconds,
    });
    console.log(
      `${strategy}@${budget} seed ${seed}: hypervolume test ${summary.hypervolume.test.toFixed(4)} (validation ${summary.hypervolume.validation.toFixed(4)}), ${summary.pareto.length} Pareto trials, ${result.wallSeconds.toFixed(1)} s`,
    );
  }
  const hv = meanStd(perSeed.map((r) => r.hypervolumeTest));
  const wall = meanStd(perSeed.map((r) => r.wallSeconds));
  results.push({ strategy, budget, workers, hypervolumeTest: hv, wallSeconds: wall, perSeed });
  console.log(
    `${strategy}@${budget}: hypervolume ${hv.mean.toFixed(4)} ± ${hv.std.toFixed(4)}, wall ${wall.mean.toFixed(1)} ± ${wall.std.toFixed(1)} s`,
  );
}
console.log(`results: ${writeResults("explore", results)}`);
