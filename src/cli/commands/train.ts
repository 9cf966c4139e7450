/**
 * `equipoise train` and the pieces it is made of, each small and exported so that
 * variants (--dp, --fair) can add their options and swap the gradient computer:
 *   trainOptionSpecs  → the option table (spread it into a larger one)
 *   readTaskRequest   → options → TaskRequest
 *   readTrainSettings → options → model spec + TrainOptions
 *   runTraining       → task + settings (+ gradient computer, metadata) → saved model + summary
 */
import { existsSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UsageError, UserError } from "../../common/errors.js";
import { type PreparedTask, prepareTask, type TaskRequest } from "../../data/index.js";
import { buildModel, currentBackend, initBackend, modelSpecHelp, modelToJSON } from "../../nn/index.js";
import {
  evaluateModel,
  type GradientComputer,
  type OptimizerConfig,
  type TrainingResult,
  type TrainOptions,
  trainModel,
} from "../../train/index.js";
import {
  defineCommand,
  type OptionValues,
  type Output,
  parseList,
  parseNumber,
  requireOption,
} from "../command.js";
import { createProgress } from "../progress.js";

export const dataOptionSpecs = {
  data: {
    type: "string",
    valueName: "DATASET|FILE",
    description: "dataset name (adult, german-credit, compas, fashion-mnist, synthetic) or a .csv/.arff file",
  },
  target: { type: "string", valueName: "COL", description: "target column (required for a file)" },
  sensitive: { type: "string", valueName: "COLS", description: "sensitive columns, comma-separated" },
  positive: { type: "string", valueName: "VALUE", description: "the label value that counts as positive" },
  "data-dir": {
    type: "string",
    valueName: "DIR",
    description: "local copies of fetched datasets (default EQUIPOISE_DATA_DIR)",
  },
  "split-seed": { type: "string", valueName: "N", description: "seed of the train/test split", default: "0" },
} as const;

export const trainOptionSpecs = {
  ...dataOptionSpecs,
  model: { type: "string", valueName: "SPEC", description: `model: ${modelSpecHelp}`, default: "logreg" },
  epochs: { type: "string", valueName: "N", description: "passes over the training data", default: "10" },
  batch: {
    type: "string",
    valueName: "B",
    description: "batch size (expected batch size under Poisson sampling)",
    default: "256",
  },
  lr: { type: "string", valueName: "LR", description: "learning rate", default: "0.1" },
  optimizer: { type: "string", valueName: "sgd|adam", description: "optimizer", default: "sgd" },
  momentum: { type: "string", valueName: "M", description: "SGD momentum", default: "0" },
  "weight-decay": { type: "string", valueName: "L2", description: "L2 weight decay", default: "0" },
  sampling: {
    type: "string",
    valueName: "shuffle|poisson",
    description: "how batches are drawn",
    default: "shuffle",
  },
  seed: {
    type: "string",
    valueName: "S",
    description: "seed of initialisation and batch order",
    default: "0",
  },
  out: { type: "string", valueName: "MODEL.json", description: "where to save the trained model" },
  backend: {
    type: "string",
    valueName: "NAME",
    description: "tensor backend: wasm, cpu, tensorflow (default: EQUIPOISE_BACKEND or automatic)",
  },
} as const;

type DataOptionValues = OptionValues<typeof dataOptionSpecs>;
type TrainOptionValues = OptionValues<typeof trainOptionSpecs>;

export function readTaskRequest(options: DataOptionValues): TaskRequest {
  const sensitive = parseList(options.sensitive);
  return {
    data: requireOption("data", options.data),
    ...(options.target ? { target: options.target } : {}),
    ...(sensitive.length > 0 ? { sensitive } : {}),
    ...(options.positive ? { positive: options.positive } : {}),
    ...(options["data-dir"] ? { dataDir: options["data-dir"] } : {}),
    seed: parseNumber("split-seed", options["split-seed"], { integer: true, min: 0 }),
  };
}

export interface TrainSettings {
  modelSpec: string;
  outPath: string;
  training: Omit<TrainOptions, "gradientComputer" | "onProgress">;
}

export function readTrainSettings(options: TrainOptionValues): TrainSettings {
  const outPath = resolve(requireOption("out", options.out));
  const outDir = dirname(outPath);
  if (!existsSync(outDir) || !statSync(outDir).isDirectory()) {
    throw new UserError(`--out: the directory ${outDir} does not exist`);
  }
  const learningRate = parseNumber("lr", options.lr, { min: 0, minExclusive: true });
  const weightDecay = parseNumber("weight-decay", options["weight-decay"], { min: 0 });
  let optimizer: OptimizerConfig;
  if (options.optimizer === "sgd") {
    optimizer = {
      kind: "sgd",
      learningRate,
      weightDecay,
      momentum: parseNumber("momentum", options.momentum, { min: 0, max: 1, maxExclusive: true }),
    };
  } else if (options.optimizer === "adam") {
    optimizer = { kind: "adam", learningRate, weightDecay };
  } else {
    throw new UsageError(`--optimizer must be sgd or adam, got '${options.optimizer}'`);
  }
  if (options.sampling !== "shuffle" && options.sampling !== "poisson") {
    throw new UsageError(`--sampling must be shuffle or poisson, got '${options.sampling}'`);
  }
  return {
    modelSpec: options.model,
    outPath,
    training: {
      epochs: parseNumber("epochs", options.epochs, { integer: true, min: 1 }),
      batchSize: parseNumber("batch", options.batch, { integer: true, min: 1 }),
      optimizer,
      seed: parseNumber("seed", options.seed, { integer: true, min: 0 }),
      sampling: options.sampling,
    },
  };
}

export interface TrainRun {
  task: PreparedTask;
  request: TaskRequest;
  settings: TrainSettings;
  /** Replaces the plain mean gradient (DP-SGD, fairness penalty). */
  gradientComputer?: GradientComputer;
  /** Merged into the saved model's metadata and the JSON summary (privacy spent, fairness settings). */
  metadata?: Record<string, unknown>;
  out: Output;
}

/** Trains, evaluates on the test split, saves the model; returns the summary document. */
export function runTraining(run: TrainRun): Record<string, unknown> {
  const { task, request, settings, out } = run;
  const inputShape = task.imageShape ? [...task.imageShape] : [task.train.X.cols];
  const model = buildModel(settings.modelSpec, inputShape, task.numClasses, settings.training.seed);
  try {
    const progress = createProgress("train", {
      isTTY: out.stderrIsTTY,
      write: (text) => process.stderr.write(text),
    });
    let batchesPerEpoch = 0;
    const result: TrainingResult = trainModel(model, task.train, {
      ...settings.training,
      gradientComputer: run.gradientComputer,
      batchEventInterval: 10,
      onProgress: (event) => {
        if (event.kind === "batch") {
          batchesPerEpoch = event.batchesPerEpoch;
          progress.update(
            (event.epoch - 1) * batchesPerEpoch + event.batch,
            settings.training.epochs * batchesPerEpoch,
            `epoch ${event.epoch}`,
          );
        } else {
          progress.update(
            event.record.epoch * batchesPerEpoch,
            settings.training.epochs * batchesPerEpoch,
            `epoch ${event.record.epoch} loss ${event.record.trainLoss.toFixed(4)}`,
          );
        }
      },
    });
    progress.finish();
    const evaluation = evaluateModel(model, task.test);
    const backend = currentBackend();
    const training = {
      modelSpec: settings.modelSpec,
      epochs: settings.training.epochs,
      batchSize: settings.training.batchSize,
      optimizer: settings.training.optimizer,
      sampling: result.sampling,
      sampleRate: result.sampleRate,
      seed: settings.training.seed,
      steps: result.steps,
      gradientComputer: result.gradientComputer,
    };
    const metadata = {
      backend,
      data: {
        ...request,
        dataDir: undefined,
        name: task.name,
        target: task.target,
        positiveLabel: task.positiveLabel,
        classNames: task.classNames,
      },
      featureNames: task.featureNames,
      training,
      test: { accuracy: evaluation.accuracy, loss: evaluation.loss },
      epsilon: Number.POSITIVE_INFINITY,
      ...run.metadata,
    };
    const document = modelToJSON(model, {
      spec: settings.modelSpec,
      preprocessor: task.preprocessor.toJSON(),
      metadata,
    });
    writeFileSync(settings.outPath, `${JSON.stringify(document, finiteJson)}\n`);
    return {
      model: settings.modelSpec,
      out: settings.outPath,
      backend,
      data: task.name,
      trainRows: task.train.X.rows,
      testRows: task.test.X.rows,
      training,
      history: result.history,
      seconds: result.seconds,
      examplesPerSecond: result.examplesSeen / result.seconds,
      test: evaluation,
      ...run.metadata,
    };
  } finally {
    model.dispose();
  }
}

function finiteJson(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value)
    ? Number.isNaN(value)
      ? null
      : value > 0
        ? "Infinity"
        : "-Infinity"
    : value;
}

export function printTrainSummary(summary: Record<string, unknown>, out: Output): void {
  const test = summary.test as ReturnType<typeof evaluateModel>;
  out.print(
    `model ${summary.model} on ${summary.data} (${summary.trainRows} train / ${summary.testRows} test rows), backend ${(summary.backend as { name: string }).name}`,
  );
  out.print(`test accuracy ${test.accuracy.toFixed(4)}, test loss ${test.loss.toFixed(4)}`);
  for (const group of test.groups)
    out.print(`  ${group.attribute}=${group.group}: accuracy ${group.accuracy.toFixed(4)} (${group.count})`);
  out.print(`${Math.round(summary.examplesPerSecond as number)} examples/s; saved ${summary.out}`);
}

export const train = defineCommand({
  name: "train",
  summary: "train a model and save it",
  options: trainOptionSpecs,
  details:
    "Example: equipoise train --data adult --model mlp:64,64 --epochs 10 --batch 256 --lr 0.5 --out model.json",
  async run({ options, out }) {
    const request = readTaskRequest(options);
    const settings = readTrainSettings(options);
    await initBackend(options.backend);
    const task = await prepareTask(request);
    const summary = runTraining({ task, request, settings, out });
    if (out.wantsJson) out.json(summary);
    else printTrainSummary(summary, out);
  },
});
