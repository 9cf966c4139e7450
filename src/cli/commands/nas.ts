/**
 * `equipoise nas`: fairness-aware architecture search; `nas evaluate`: one
 * architecture over seeds; `nas library`: the catalogue of bias-attracting and
 * bias-repelling architectures.
 */
import { mkdirSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { UsageError } from "../../common/errors.js";
import { checkOutputPath, writeFileAtomic } from "../../common/files.js";
import { toJson } from "../../common/json.js";
import {
  buildCatalogue,
  DEBIAS_METHODS,
  type DebiasMethod,
  evaluateArchitecture,
  FIDELITY_MODES,
  identify,
  LIBRARY_PLANS,
  loadNasTask,
  NAS_IMAGE_DEFAULTS,
  type NasResult,
  type NasTask,
  parseObjectives,
  planBrackets,
  renderLibraryHtml,
  renderSearchFragment,
  runLibraryPlan,
  scheduleFor,
  searchArchitectures,
  TASK_HELP,
  TRAINING_DEFAULTS,
  type TrainingSettings,
} from "../../nas/index.js";
import { architectureFor, initBackend } from "../../nn/index.js";
import { type StrategyName, strategyNames } from "../../search/index.js";
import {
  defineCommand,
  type Output,
  parseChoice,
  parseList,
  parseNumber,
  requireOption,
} from "../command.js";
import { createProgress } from "../progress.js";

const taskOptions = {
  task: { type: "string", valueName: "TASK", description: TASK_HELP },
  "data-dir": {
    type: "string",
    valueName: "DIR",
    description: "local copies of fetched datasets (default EQUIPOISE_DATA_DIR)",
  },
  "train-images": {
    type: "string",
    valueName: "N",
    description: `Colored Fashion-MNIST training images (default ${NAS_IMAGE_DEFAULTS.trainSize})`,
  },
  "validation-images": {
    type: "string",
    valueName: "N",
    description: `held-out images, each shown aligned and conflicting (default ${NAS_IMAGE_DEFAULTS.validationSize})`,
  },
  "test-images": {
    type: "string",
    valueName: "N",
    description: `test images, each shown aligned and conflicting (default ${NAS_IMAGE_DEFAULTS.testSize})`,
  },
  epochs: {
    type: "string",
    valueName: "E",
    description: "epochs at full fidelity (default: 3 images, 9 tables)",
  },
  lr: {
    type: "string",
    valueName: "RATE",
    description: "Adam learning rate (default: 1e-3 images, 3e-3 tables)",
  },
  "batch-size": {
    type: "string",
    valueName: "B",
    description: "batch size (default: 128 images, 256 tables)",
  },
  backend: { type: "string", valueName: "NAME", description: "tensor backend: wasm, cpu, tensorflow" },
} as const;

type TaskOptionValues = { [K in keyof typeof taskOptions]: string | undefined };

function imageSizes(options: TaskOptionValues) {
  const size = (name: "train-images" | "validation-images" | "test-images", fallback: number) =>
    options[name] === undefined
      ? fallback
      : parseNumber(name, options[name], { integer: true, min: 1, max: 70_000 });
  return {
    trainSize: size("train-images", NAS_IMAGE_DEFAULTS.trainSize),
    validationSize: size("validation-images", NAS_IMAGE_DEFAULTS.validationSize),
    testSize: size("test-images", NAS_IMAGE_DEFAULTS.testSize),
  };
}

async function readTask(
  options: TaskOptionValues,
): Promise<{ task: NasTask; images: ReturnType<typeof imageSizes> }> {
  const spec = requireOption("task", options.task);
  const images = imageSizes(options);
  await initBackend(options.backend);
  const task = await loadNasTask(spec, {
    images,
    ...(options["data-dir"] === undefined ? {} : { dataDir: options["data-dir"] }),
  });
  return { task, images };
}

function readSettings(options: TaskOptionValues, task: NasTask): TrainingSettings {
  const defaults = TRAINING_DEFAULTS[task.modality];
  return {
    epochs:
      options.epochs === undefined
        ? defaults.epochs
        : parseNumber("epochs", options.epochs, { integer: true, min: 1, max: 1000 }),
    learningRate:
      options.lr === undefined
        ? defaults.learningRate
        : parseNumber("lr", options.lr, { min: 0, minExclusive: true, max: 10 }),
    batchSize:
      options["batch-size"] === undefined
        ? defaults.batchSize
        : parseNumber("batch-size", options["batch-size"], { integer: true, min: 1, max: 65_536 }),
  };
}

function format(value: number | undefined): string {
  return value === undefined ? "–" : value.toFixed(4);
}

export const nasSearch = defineCommand({
  name: "nas",
  summary: "fairness-aware architecture search: front of worst-group accuracy × bias × size",
  options: {
    ...taskOptions,
    budget: { type: "string", valueName: "N", description: "architectures to try", default: "17" },
    objectives: {
      type: "string",
      valueName: "LIST",
      description:
        "worst-group, conflicting, accuracy, bias, dp, eo, flip, params, flops, latency (the first is maximised or minimised in its natural direction)",
      default: "worst-group,bias,params",
    },
    fidelity: {
      type: "string",
      valueName: "hyperband|sh|none",
      description: "multi-fidelity schedule on epochs and data fraction",
      default: "hyperband",
    },
    eta: { type: "string", valueName: "η", description: "reduction factor of the schedule", default: "3" },
    rungs: { type: "string", valueName: "K", description: "fidelity levels of the schedule", default: "3" },
    strategy: {
      type: "string",
      valueName: "nsga2|random|bo",
      description: "search strategy",
      default: "nsga2",
    },
    study: { type: "string", valueName: "FILE.db", description: "SQLite study file: created, or resumed" },
    seed: { type: "string", valueName: "S", description: "seed of the search and the splits", default: "0" },
    out: { type: "string", valueName: "FILE.json", description: "write the result document here" },
    html: { type: "string", valueName: "FILE.html", description: "write the front as an HTML page here" },
    "debias-baselines": {
      type: "boolean",
      description:
        "also train the reference with each debiasing method and report whether architecture alone or a debiasing method gains 10 points of conflicting (worst-group) accuracy",
    },
  },
  details: `Architectures are chosen on a validation split; the test split is read only for the
complete architectures' report. Colored Fashion-MNIST needs the fetched Fashion-MNIST
files (equipoise data fetch fashion-mnist, or --data-dir).

Examples:
  equipoise nas --task adult:sex --budget 60 --study adult-nas.db
  equipoise nas --task colored-fashion-mnist:0.99 --budget 17 --objectives conflicting,bias,params
  equipoise nas --task colored-fashion-mnist:0.99 --debias-baselines --html nas.html`,
  async run({ options, out }) {
    const budget = parseNumber("budget", options.budget, { integer: true, min: 1, max: 10_000 });
    const mode = parseChoice("fidelity", options.fidelity, FIDELITY_MODES);
    const eta = parseNumber("eta", options.eta, { integer: true, min: 2, max: 10 });
    const rungs = parseNumber("rungs", options.rungs, { integer: true, min: 1, max: 6 });
    const strategy = parseChoice("strategy", options.strategy, strategyNames as readonly StrategyName[]);
    const seed = parseNumber("seed", options.seed, { integer: true, min: 0 });
    // Before any work: the budget against the schedule (its smallest budget depends on η and K only).
    planBrackets(budget, scheduleFor(mode, 1, eta, rungs));
    if (options.study !== undefined) checkOutputPath(options.study, "study");
    if (options.out !== undefined) checkOutputPath(options.out, "out", options.study ? [options.study] : []);
    if (options.html !== undefined)
      checkOutputPath(options.html, "html", options.study ? [options.study] : []);
    const { task } = await readTask(options);
    const objectives = parseObjectives(options.objectives, task);
    const settings = readSettings(options, task);
    const fidelity = scheduleFor(mode, settings.epochs, eta, rungs);
    const progress = createProgress("nas", { isTTY: out.stderrIsTTY, write: (t) => process.stderr.write(t) });
    const result = await searchArchitectures({
      task,
      budget,
      objectives,
      fidelity,
      strategy,
      seed,
      settings,
      ...(options.study === undefined ? {} : { studyPath: options.study }),
      debiasBaselines: options["debias-baselines"] === true,
      onEvent: (event) => {
        if (event.kind === "note") out.note(event.text);
        else if (event.kind === "trial")
          progress.update(
            event.done,
            event.budget,
            `${event.state} at rung ${event.rung}: ${event.architecture}`,
          );
      },
    });
    progress.finish();
    if (options.out !== undefined) {
      writeFileAtomic(options.out, `${toJson(result, 2)}\n`);
      out.note(`result written to ${options.out}`);
    }
    if (options.html !== undefined) {
      writeFileAtomic(
        options.html,
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Architecture search</title></head><body>\n${renderSearchFragment(result)}\n</body></html>\n`,
      );
      out.note(`front written to ${options.html}`);
    }
    if (out.wantsJson) {
      out.json(result);
      return;
    }
    printSearch(out, result);
  },
});

function printSearch(out: Output, result: NasResult) {
  const complete = result.trials.filter((t) => t.state === "complete").length;
  out.print(
    `${result.task.id}: ${result.trials.length} architectures (${complete} trained to full fidelity, ${result.trials.length - complete} stopped early), ${result.fidelity.description}, ${result.wallSeconds.toFixed(0)} s`,
  );
  const ref = result.reference;
  out.print(
    `reference ${ref.architecture} (${ref.cost.parameters} parameters): test worst-group ${format(ref.test?.worstGroupAccuracy)}, bias gap ${format(ref.test?.biasGap)}${ref.test?.conflictingAccuracy === undefined ? "" : `, conflicting ${format(ref.test.conflictingAccuracy)}`}`,
  );
  out.print("");
  out.print(
    `front (validation ${result.objectives.map((o) => o.name).join(" × ")}; test worst-group / bias gap):`,
  );
  for (const trial of result.trials.filter((t) => result.front.includes(t.number))) {
    const values = trial.objectives.map((v) => (Number.isInteger(v) ? String(v) : v.toFixed(4))).join(", ");
    out.print(
      `  #${trial.number} ${trial.architecture}: ${values}; test ${format(trial.test?.worstGroupAccuracy)} / ${format(trial.test?.biasGap)}`,
    );
  }
  if (result.selected) out.print(`selected #${result.selected.number}: ${result.selected.reason}`);
  if (result.debiasing) out.print(result.debiasing.verdict);
  for (const note of result.notes) out.print(`note: ${note}`);
}

export const nasEvaluate = defineCommand({
  name: "nas evaluate",
  summary: "measure one architecture's accuracy, bias and cost over seeds",
  options: {
    ...taskOptions,
    arch: {
      type: "string",
      valueName: "ARCH",
      description: "architecture string, e.g. mlp:width=64,64:norm=layer",
    },
    seeds: { type: "string", valueName: "LIST", description: "training seeds", default: "0,1,2" },
    debias: {
      type: "string",
      valueName: DEBIAS_METHODS.join("|"),
      description: "debiasing method to train with",
      default: "none",
    },
    latency: { type: "boolean", description: "also measure forward latency on this machine" },
    out: { type: "string", valueName: "FILE.json", description: "write the evaluation document here" },
  },
  details: `Every catalogue entry of 'equipoise nas library' prints the 'nas evaluate' command that reproduces it.

Example:
  equipoise nas evaluate --task spurious-adult:0.95 --arch mlp:width=64,64:dropout=0.3 --seeds 0,1,2`,
  async run({ options, out }) {
    const architecture = identify(requireOption("arch", options.arch)).canonical;
    const seeds = parseList(options.seeds).map((s) => parseNumber("seeds", s, { integer: true, min: 0 }));
    if (seeds.length === 0) throw new UsageError("--seeds needs at least one seed");
    if (new Set(seeds).size !== seeds.length) throw new UsageError("--seeds lists a seed twice");
    const method = parseChoice("debias", options.debias, DEBIAS_METHODS) as DebiasMethod;
    if (options.out !== undefined) checkOutputPath(options.out, "out");
    const { task, images } = await readTask(options);
    architectureFor(architecture, task.inputShape, task.numClasses);
    const settings = readSettings(options, task);
    const evaluation = evaluateArchitecture(task, architecture, {
      seeds,
      settings,
      debias: { method },
      latency: options.latency,
      ...(task.modality === "image" ? { images } : {}),
      onSeed: (seed, done, total) => out.note(`nas evaluate: seed ${seed} (${done + 1}/${total})`),
    });
    if (options.out !== undefined) writeFileAtomic(options.out, `${toJson(evaluation, 2)}\n`);
    if (out.wantsJson) {
      out.json(evaluation);
      return;
    }
    out.print(
      `${evaluation.task}: ${evaluation.architecture} (${evaluation.cost.parameters} parameters, ${evaluation.cost.flops} FLOPs${evaluation.latencyMs === undefined ? "" : `, ${evaluation.latencyMs.toFixed(4)} ms per example`})${method === "none" ? "" : ` trained with ${method}`}`,
    );
    out.print(`test, mean over seeds ${seeds.join(", ")} [95% interval]:`);
    for (const [metric, value] of Object.entries(evaluation.test)) {
      out.print(`  ${metric}: ${value.mean.toFixed(4)} [${value.low.toFixed(4)}, ${value.high.toFixed(4)}]`);
    }
  },
});

export const nasLibrary = defineCommand({
  name: "nas library",
  summary: "build the catalogue of bias-attracting and bias-repelling architectures",
  options: {
    out: { type: "string", valueName: "DIR", description: "directory for catalogue.json and index.html" },
    plan: {
      type: "string",
      valueName: Object.keys(LIBRARY_PLANS).join("|"),
      description: "which benchmarks and architectures to measure",
      default: "standard",
    },
    "data-dir": {
      type: "string",
      valueName: "DIR",
      description: "local copies of fetched datasets (default EQUIPOISE_DATA_DIR)",
    },
    backend: { type: "string", valueName: "NAME", description: "tensor backend: wasm, cpu, tensorflow" },
  },
  details: `The standard plan (the committed library/) trains every architecture of four
benchmarks over 2–3 seeds: about an hour on two shared cores, and it needs the
fetched Fashion-MNIST files. The small plan (German credit only) takes about a minute.`,
  async run({ options, out }) {
    const dir = requireOption("out", options.out);
    const plan = LIBRARY_PLANS[parseChoice("plan", options.plan, Object.keys(LIBRARY_PLANS))];
    mkdirSync(dir, { recursive: true });
    const catalogueFile = checkOutputPath(join(dir, "catalogue.json"), "out");
    const pageFile = checkOutputPath(join(dir, "index.html"), "out");
    const backend = await initBackend(options.backend);
    const progress = createProgress("nas library", {
      isTTY: out.stderrIsTTY,
      write: (t) => process.stderr.write(t),
    });
    const evaluations = await runLibraryPlan(plan, {
      ...(options["data-dir"] === undefined ? {} : { dataDir: options["data-dir"] }),
      onProgress: (p) => progress.update(p.done, p.total, `${p.task} ${p.architecture} seed ${p.seed}`),
    });
    progress.finish();
    const catalogue = buildCatalogue(
      evaluations,
      `${cpus()[0]?.model ?? "unknown CPU"} (${cpus().length} cores), ${backend.name} backend, Node ${process.version}`,
    );
    writeFileAtomic(catalogueFile, `${toJson(catalogue, 2)}\n`);
    writeFileAtomic(pageFile, renderLibraryHtml(catalogue));
    if (out.wantsJson) {
      out.json(catalogue);
      return;
    }
    for (const benchmark of catalogue.benchmarks) {
      out.print(`${benchmark.task} (reference ${benchmark.reference}):`);
      for (const e of benchmark.entries) {
        out.print(
          `  ${e.rank}. ${e.classification.padEnd(15)} bias gap ${format(e.test.biasGap?.mean)}  ${e.architecture}`,
        );
      }
    }
    out.print(`catalogue written to ${catalogueFile} and ${pageFile}`);
  },
});
