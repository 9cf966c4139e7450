/**
 * Architecture-search measurements (issue 16's targets), each a part run on its own:
 *
 *   node --import tsx bench/nas.bench.ts --part colored-baselines [--train 6000]
 *     Colored Fashion-MNIST ρ = 0.99: the default small CNN trained plainly (seeds 0,
 *     1) and with each debiasing baseline (seed 0); bias-aligned vs bias-conflicting
 *     test accuracy.
 *   node --import tsx bench/nas.bench.ts --part colored-nas [--train 6000] [--budget 17] [--debias-baselines]
 *     Hyperband NAS on Colored Fashion-MNIST ρ = 0.99 (worst-group, bias, params):
 *     wall time, and the selected architecture against the default CNN.
 *   node --import tsx bench/nas.bench.ts --part tabular-nas [--task adult:sex] [--budget 60]
 *     Hyperband NAS with 60 MLPs on a tabular fairness task: wall time and the front.
 *
 * Needs Fashion-MNIST under --data-dir (default ../shared/datasets) for the colored
 * parts. Results: bench/results/nas-<part>.json. No part runs in `npm test`.
 */

import { DEBIAS_METHODS } from "../src/nas/debias/index.js";
import { scheduleFor } from "../src/nas/fidelity.js";
import { DEFAULT_OBJECTIVES } from "../src/nas/objectives.js";
import { searchArchitectures } from "../src/nas/search.js";
import { loadNasTask, type NasTask } from "../src/nas/tasks.js";
import { DEFAULT_ARCHITECTURES, runArchitecture, TRAINING_DEFAULTS } from "../src/nas/train.js";
import { initBackend } from "../src/nn/index.js";
import { writeResults } from "./machine.js";

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const part = option("part", "tabular-nas");
const dataDir = option("data-dir", new URL("../../shared/datasets", import.meta.url).pathname);
const trainSize = Number(option("train", "6000"));
const images = { trainSize, validationSize: 1000, testSize: 2000 };
const log = (text: string) => console.log(`[${new Date().toISOString()}] ${text}`);

function summary(run: ReturnType<typeof runArchitecture>) {
  const t = run.test!;
  return {
    architecture: run.architecture,
    debias: run.debias,
    seed: run.seed,
    parameters: run.cost.parameters,
    seconds: run.seconds,
    test: {
      accuracy: t.accuracy,
      aligned: t.alignedAccuracy,
      conflicting: t.conflictingAccuracy,
      worstGroup: t.worstGroupAccuracy,
      flipRate: t.flipRate,
    },
    validation: {
      aligned: run.validation.alignedAccuracy,
      conflicting: run.validation.conflictingAccuracy,
      worstGroup: run.validation.worstGroupAccuracy,
    },
  };
}

async function coloredTask(): Promise<NasTask> {
  return loadNasTask("colored-fashion-mnist:0.99", { dataDir, images });
}

async function coloredBaselines() {
  const task = await coloredTask();
  const rows: ReturnType<typeof summary>[] = [];
  const plan: { seed: number; method: (typeof DEBIAS_METHODS)[number] }[] = [
    { seed: 0, method: "none" },
    { seed: 1, method: "none" },
    ...DEBIAS_METHODS.filter((m) => m !== "none").map((method) => ({ seed: 0, method })),
  ];
  for (const { seed, method } of plan) {
    const run = runArchitecture(task, DEFAULT_ARCHITECTURES.image, {
      seed,
      debias: { method },
      evaluateTest: true,
    });
    rows.push(summary(run));
    log(JSON.stringify(rows.at(-1)));
    writeResults("nas-colored-baselines", { images, settings: TRAINING_DEFAULTS.image, rows });
  }
}

async function search(taskSpec: string, budget: number) {
  const task = taskSpec.startsWith("colored") ? await coloredTask() : await loadNasTask(taskSpec);
  const settings = TRAINING_DEFAULTS[task.modality];
  const fidelity = scheduleFor("hyperband", settings.epochs, 3, 3);
  const started = performance.now();
  const result = await searchArchitectures({
    task,
    budget,
    objectives: DEFAULT_OBJECTIVES,
    fidelity,
    settings,
    onEvent: (event) => log(JSON.stringify(event)),
    debiasBaselines: process.argv.includes("--debias-baselines"),
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const selected = result.trials.find((t) => t.number === result.selected?.number);
  const front = result.trials.filter((t) => result.front.includes(t.number));
  const brief = (t: (typeof result.trials)[number]) => ({
    number: t.number,
    architecture: t.architecture,
    parameters: t.cost.parameters,
    objectives: t.objectives,
    test: t.test && {
      accuracy: t.test.accuracy,
      worstGroup: t.test.worstGroupAccuracy,
      biasGap: t.test.biasGap,
      conflicting: t.test.conflictingAccuracy,
    },
  });
  const results = {
    task: task.id,
    budget,
    images: task.modality === "image" ? images : undefined,
    fidelity: result.fidelity.description,
    wallSeconds,
    trials: result.trials.length,
    complete: result.trials.filter((t) => t.state === "complete").length,
    reference: summary(result.reference),
    selected: selected ? brief(selected) : null,
    selectedReason: result.selected?.reason ?? null,
    debiasing: result.debiasing ?? null,
    front: front.map(brief),
  };
  log(JSON.stringify(results));
  writeResults(`nas-${task.modality === "image" ? "colored-nas" : "tabular-nas"}`, results);
}

await initBackend();
log(`part ${part}`);
if (part === "colored-baselines") await coloredBaselines();
else if (part === "colored-nas") await search("colored-fashion-mnist:0.99", Number(option("budget", "17")));
else if (part === "tabular-nas") await search(option("task", "adult:sex"), Number(option("budget", "60")));
else throw new Error(`unknown --part ${part}`);
