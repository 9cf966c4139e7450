/**
 * Time of one Bayesian-optimisation `ask` on DTLZ2 (3 objectives, 6 variables) with 40, 100
 * and 200 observations (Sobol' points), median of 3 seeds:
 * - cold: a fresh strategy told all observations (hyper-parameters fitted from scratch, as
 *   when a study is resumed);
 * - warm: the steady state of a sequential run (the fit starts from the previous ask's
 *   hyper-parameters after one more observation).
 * Both include fitting the GPs and optimising the acquisition.
 *
 *   node --import tsx bench/bo.bench.ts
 */
import { performance } from "node:perf_hooks";
import { dtlz2 } from "../src/search/problems.js";
import { BayesianOptimization } from "../src/search/strategies/bo.js";
import { RandomSearch } from "../src/search/strategies/random.js";
import { writeResults } from "./machine.js";

const SIZES = [40, 100, 200];
const SEEDS = [0, 1, 2];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const problem = dtlz2(3, 6);
const rows: Record<string, unknown>[] = [];
for (const n of SIZES) {
  const cold: number[] = [];
  const warm: number[] = [];
  for (const seed of SEEDS) {
    const design = new RandomSearch(problem.space, { numObjectives: 3, seed });
    const observations = design.ask(n + 1).map((config) => ({ config, ...problem.evaluate(config) }));
    const bo = new BayesianOptimization(problem.space, {
      numObjectives: 3,
      seed,
      referencePoint: problem.referencePoint,
    });
    bo.tell(observations.slice(0, n));
    let start = performance.now();
    bo.ask(1);
    cold.push(performance.now() - start);
    bo.tell(observations.slice(n));
    start = performance.now();
    bo.ask(1);
    warm.push(performance.now() - start);
  }
  const row = { observations: n, coldMs: median(cold), warmMs: median(warm), cold, warm };
  rows.push(row);
  console.log(
    `${n} observations: cold ask ${row.coldMs.toFixed(0)} ms, warm ask ${row.warmMs.toFixed(0)} ms`,
  );
}
console.log(`results: ${writeResults("bo", { problem: problem.name, seeds: SEEDS, rows })}`);
