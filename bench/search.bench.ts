/**
 * Search benchmarks: hypervolume reached by each strategy after 20, 40 and 80
 * evaluations on ZDT1 (6 variables), DTLZ2 (3 objectives, 6 variables) and
 * C2-DTLZ2 (constrained; feasible points only), 5 seeds; and the time of an exact
 * 3-D hypervolume of 10,000 points.
 *
 *   node --import tsx bench/search.bench.ts [--strategies random,nsga2,bo]
 */
import { performance } from "node:perf_hooks";
import { createRandom } from "../src/common/rng.js";
import { hypervolume } from "../src/search/hypervolume.js";
import { c2dtlz2, dtlz2, type TestProblem, zdt1 } from "../src/search/problems.js";
import { createStrategy } from "../src/search/strategies/index.js";
import { constraintViolation } from "../src/search/strategy.js";
import { writeResults } from "./machine.js";

const STRATEGIES = ["random", "nsga2", "bo"];
const CHECKPOINTS = [20, 40, 80];
const SEEDS = 5;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function meanStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}

async function runStrategy(name: string, problem: TestProblem, seed: number) {
  const strategy = await createStrategy(name, problem.space, {
    numObjectives: problem.numObjectives,
    numConstraints: problem.numConstraints,
    seed,
    referencePoint: problem.referencePoint,
  });
  const feasible: number[][] = [];
  const volumes: number[] = [];
  let askMs = 0;
  for (let evaluation = 1; evaluation <= CHECKPOINTS.at(-1)!; evaluation++) {
    const start = performance.now();
    const [config] = strategy.ask(1);
    askMs += performance.now() - start;
    const result = problem.evaluate(config);
    strategy.tell([{ config, ...result }]);
    if (constraintViolation(result.constraints) === 0) feasible.push(result.objectives);
    if (CHECKPOINTS.includes(evaluation)) volumes.push(hypervolume(feasible, problem.referencePoint));
  }
  return { volumes, askMs: askMs / CHECKPOINTS.at(-1)! };
}

async function benchStrategies(strategies: string[]) {
  const problems = [zdt1(6), dtlz2(3, 6), c2dtlz2(2, 6)];
  const rows: Record<string, unknown>[] = [];
  for (const problem of problems) {
    for (const name of strategies) {
      const runs: { volumes: number[]; askMs: number }[] = [];
      for (let seed = 0; seed < SEEDS; seed++) runs.push(await runStrategy(name, problem, seed));
      const row: Record<string, unknown> = {
        problem: problem.name,
        strategy: name,
        reference: problem.referencePoint,
      };
      CHECKPOINTS.forEach((n, c) => {
        row[`hv@${n}`] = meanStd(runs.map((r) => r.volumes[c]));
      });
      row.askMs = meanStd(runs.map((r) => r.askMs)).mean;
      rows.push(row);
      const cells = CHECKPOINTS.map((n) => {
        const { mean, std } = row[`hv@${n}`] as { mean: number; std: number };
        return `${mean.toFixed(4)} ± ${std.toFixed(4)}`;
      });
      console.log(
        `${problem.name.padEnd(40)} ${name.padEnd(7)} ${cells.join("  ")}  ask ${(row.askMs as number).toFixed(2)} ms`,
      );
    }
  }
  return rows;
}

function benchHypervolume3d() {
  const random = createRandom(0);
  const n = 10_000;
  const sphere = Array.from({ length: n }, () => {
    const v = [Math.abs(random.normal()), Math.abs(random.normal()), Math.abs(random.normal())];
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm); // all mutually non-dominated: the worst case for the sweep's staircase
  });
  const uniform = Array.from({ length: n }, () => [random.uniform(), random.uniform(), random.uniform()]);
  const out: Record<string, unknown> = {};
  for (const [name, points] of [
    ["sphere (all non-dominated)", sphere],
    ["uniform cube", uniform],
  ] as const) {
    const times: number[] = [];
    let value = 0;
    for (let repeat = 0; repeat < 7; repeat++) {
      const start = performance.now();
      value = hypervolume(points, [1.1, 1.1, 1.1]);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    out[name] = { points: n, medianMs: times[3], minMs: times[0], hypervolume: value };
    console.log(
      `hypervolume 3-D, ${n} points, ${name}: median ${times[3].toFixed(1)} ms (min ${times[0].toFixed(1)} ms)`,
    );
  }
  return out;
}

const strategies = option("strategies")?.split(",") ?? STRATEGIES;
const hypervolume3d = benchHypervolume3d();
const strategyResults = await benchStrategies(strategies);
const path = writeResults("search", {
  hypervolume3d,
  strategies: strategyResults,
  seeds: SEEDS,
  checkpoints: CHECKPOINTS,
});
console.log(`results: ${path}`);
