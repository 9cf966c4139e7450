/**
 * Peak memory of the explorer on a large file: a synthetic CSV of 200,000 rows
 * (Adult-like: 6 numeric and 8 categorical columns, ≈ 75 features once encoded),
 * 4 worker threads, a few trials. Worker threads live in the explorer's process, so
 * the process's peak resident set (getrusage maxRSS) is the sum over all threads.
 *
 *   node --import tsx bench/explore-memory.bench.ts [--rows 200000] [--workers 4] [--budget 4] [--label after]
 */
import { existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRandom } from "../src/common/rng.js";
import { explore } from "../src/explore/explorer.js";
import { parseObjectives } from "../src/explore/objectives.js";
import { writeResults } from "./machine.js";

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const rows = Number(option("rows", "200000"));
const workers = Number(option("workers", "4"));
const budget = Number(option("budget", "4"));
const label = option("label", "current");

function writeCsv(path: string): void {
  const random = createRandom(2024);
  const levels = [4, 7, 16, 5, 6, 2, 14, 9];
  const header = ["n0", "n1", "n2", "n3", "n4", "n5", ...levels.map((_, k) => `c${k}`), "sex", "income"];
  const lines = [header.join(",")];
  for (let i = 0; i < rows; i++) {
    const numbers = Array.from({ length: 6 }, () => (random.normal() * 10 + 40).toFixed(2));
    const categories = levels.map((n, k) => `v${k}_${random.integer(n)}`);
    const sex = random.uniform() < 0.33 ? "female" : "male";
    const score = Number(numbers[0]) / 10 - 4 + (sex === "male" ? 0.5 : -0.5) + random.normal();
    lines.push([...numbers, ...categories, sex, score > 0 ? ">50K" : "<=50K"].join(","));
  }
  writeFileSync(path, `${lines.join("\n")}\n`);
}

const csv = join(tmpdir(), `equipoise-memory-${rows}.csv`);
if (!existsSync(csv)) writeCsv(csv);

let sampledPeak = 0;
const sampler = setInterval(() => {
  sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss());
}, 50);
const started = performance.now();
const result = await explore({
  request: { data: csv, target: "income", sensitive: ["sex"], positive: ">50K" },
  objectives: parseObjectives(undefined),
  constraints: [],
  strategy: "random",
  budget,
  workers,
  seed: 0,
});
clearInterval(sampler);
const wallSeconds = (performance.now() - started) / 1000;
const peakMiB = process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
const outcome = {
  label,
  rows,
  workers,
  budget,
  features: result.summary.metadata.features,
  completeTrials: result.summary.trials.complete,
  peakRssMiB: Math.round(peakMiB),
  sampledPeakRssMiB: Math.round(sampledPeak / 2 ** 20),
  wallSeconds: Number(wallSeconds.toFixed(1)),
};
console.log(JSON.stringify(outcome));
console.log(`results: ${writeResults(`explore-memory-${label}`, outcome)}`);
