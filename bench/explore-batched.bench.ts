/**
 * Batched trials (src/explore/batched.ts): the same configurations sharing a model
 * spec trained one by one with `runTrial` vs as one ensemble with `runTrialBatch`
 * (one thread, Adult, sensitive sex); then whole `explore` runs (bo, 40 trials,
 * 2 workers) with and without batching: wall time and test hypervolume.
 *
 *   node --import tsx bench/explore-batched.bench.ts [--seeds 2] [--batch 4] [--skip-explore]
 */
import { runTrialBatch, type TrialJob } from "../src/explore/batched.js";
import { explore } from "../src/explore/explorer.js";
import { parseObjectives } from "../src/explore/objectives.js";
import { runTrial, type TrialOutcome, type TrialSettings } from "../src/explore/trial.js";
import { loadTrialData } from "../src/explore/trial-data.js";
import { initBackend } from "../src/nn/index.js";
import { writeResults } from "./machine.js";

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

await initBackend("wasm");
const data = await loadTrialData({
  request: { data: "adult" },
  validationFraction: 0.2,
  splitSeed: 0,
  primarySensitive: "sex",
});
const settings: TrialSettings = {
  delta: 1e-5,
  accountant: "rdp",
  fairness: "demographic_parity",
  noise: "seeded",
};
const rows = data.train.X.rows;

const lrs = [0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.0, 1.5];
const fairWeights = [0.01, 1, 10, 0.01, 3, 30, 0.01, 0.3];
function jobsFor(model: Record<string, unknown>, heterogeneous: boolean): TrialJob[] {
  return lrs.map((lr, k) => {
    const dp = k % 2 === 1;
    return {
      seed: 1000 + k,
      config: {
        ...model,
        dp,
        ...(dp ? { epsilon: [8, 3, 1, 0.3][k >> 1], clip: [0.5, 1, 2, 0.2][k >> 1] } : {}),
        lr,
        epochs: heterogeneous ? 1 + (k % 4) : 2,
        batch: heterogeneous ? [64, 128, 256, 512, 1024, 96, 384, 768][k] : 256,
        fairWeight: fairWeights[k],
      },
    };
  });
}

const sets = [
  { name: "mlp:32, batch 256, 2 epochs", jobs: jobsFor({ model: "mlp", width: 32, depth: 1 }, false) },
  { name: "mlp:32, batch 64–1024, 1–4 epochs", jobs: jobsFor({ model: "mlp", width: 32, depth: 1 }, true) },
  { name: "logreg, batch 256, 2 epochs", jobs: jobsFor({ model: "logreg" }, false) },
];
const ensembleResults = [];
for (const set of sets) {
  const examples = set.jobs.reduce((s, j) => s + Number(j.config.epochs) * rows, 0);
  let t = performance.now();
  const alone: TrialOutcome[] = set.jobs.map((j) => runTrial(j.config, j.seed, data, settings));
  const aloneSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  const together = runTrialBatch(set.jobs, data, settings);
  const togetherSeconds = (performance.now() - t) / 1000;
  const maxAccuracyDifference = Math.max(
    ...together.map((o, k) =>
      o instanceof Error ? Number.NaN : Math.abs(o.validation.accuracy - alone[k].validation.accuracy),
    ),
  );
  const row = {
    set: set.name,
    trials: set.jobs.length,
    examples,
    oneByOne: { seconds: aloneSeconds, examplesPerSecond: examples / aloneSeconds },
    ensemble: { seconds: togetherSeconds, examplesPerSecond: examples / togetherSeconds },
    speedup: aloneSeconds / togetherSeconds,
    maxValidationAccuracyDifference: maxAccuracyDifference,
  };
  ensembleResults.push(row);
  console.log(
    `${set.name}: one by one ${aloneSeconds.toFixed(2)} s (${Math.round(row.oneByOne.examplesPerSecond)} ex/s), ensemble ${togetherSeconds.toFixed(2)} s (${Math.round(row.ensemble.examplesPerSecond)} ex/s), ×${row.speedup.toFixed(2)}, max |Δ accuracy| ${maxAccuracyDifference.toExponential(2)}`,
  );
}

const exploreResults = [];
if (!process.argv.includes("--skip-explore")) {
  const seeds = option("seeds", 2);
  const batch = option("batch", 4);
  for (const batchTrials of [1, batch]) {
    for (let seed = 0; seed < seeds; seed++) {
      let batching = "";
      const result = await explore({
        request: { data: "adult" },
        sensitive: "sex",
        objectives: parseObjectives(undefined),
        constraints: [],
        strategy: "bo",
        budget: 40,
        workers: 2,
        seed,
        batchTrials,
        onEvent: (event) => {
          if (event.kind === "note" && event.text.startsWith("batched trials")) batching = event.text;
        },
      });
      const trainSeconds = result.summary.decoded.reduce((s, t) => s + t.trainSeconds, 0);
      exploreResults.push({
        batchTrials,
        seed,
        wallSeconds: result.wallSeconds,
        hypervolumeTest: result.summary.hypervolume.test,
        hypervolumeValidation: result.summary.hypervolume.validation,
        trainSeconds,
        batching,
      });
      console.log(
        `explore bo@40 batchTrials ${batchTrials} seed ${seed}: wall ${result.wallSeconds.toFixed(1)} s, hypervolume test ${result.summary.hypervolume.test.toFixed(4)} (validation ${result.summary.hypervolume.validation.toFixed(4)}) ${batching}`,
      );
    }
  }
}
console.log(
  `results: ${writeResults("explore-batched", { ensemble: ensembleResults, explore: exploreResults })}`,
);
