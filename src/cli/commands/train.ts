/**
 * `equipoise train` and the pieces it is made of, each small and exported:
 *   trainOptionSpecs      → the option table (spread it into a larger one)
 *   readTaskRequest       → options → TaskRequest (../data-options.ts)
 *   readTrainSettings     → options → model spec + TrainOptions
 *   readPrivacySettings   → --dp options → PrivacySettings (or undefined)
 *   readFairnessSettings  → --fair options → FairnessSettings (or undefined)
 *   runTraining           → task + settings → saved model + summary
 *
 * Private training goes through privacy's one door, `makePrivate` (Poisson sampling,
 * DP-SGD, the accountant). A fairness penalty under DP cannot use batch statistics
 * (they couple the examples of a batch, so the clipped sum's sensitivity is no
 * longer C); it takes its group statistics from a held-out reference split instead,
 * and that split is reported as NOT protected by ε.
 */
import { existsSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UsageError, UserError } from "../../common/errors.js";
import { toJson } from "../../common/json.js";
import {
  type PreparedTask,
  prepareTask,
  type Split,
  splitValidation,
  type TaskRequest,
} from "../../data/index.js";
import { type FairnessReport, fairnessReport } from "../../fairness/index.js";
import {
  fairnessPenaltyGradient,
  type PenaltyConstraint,
  withReferencePenalty,
} from "../../fairness/training.js";
import {
  buildModel,
  currentBackend,
  initBackend,
  modelSpecHelp,
  modelToJSON,
  type Sequential,
} from "../../nn/index.js";
import {
  ACCOUNTANT_KINDS,
  type AccountantKind,
  makePrivate,
  type PrivacyReport,
  type PrivateTraining,
} from "../../privacy/index.js";
import {
  evaluateModel,
  type GradientComputer,
  meanGradient,
  type OptimizerConfig,
  predict,
  type TrainingResult,
  type TrainOptions,
  trainModel,
} from "../../train/index.js";
import { defineCommand, type OptionValues, type Output, parseNumber, requireOption } from "../command.js";
import { dataOptionSpecs, readTaskRequest } from "../data-options.js";
import { createProgress } from "../progress.js";

export const privacyOptionSpecs = {
  dp: { type: "boolean", description: "train with DP-SGD (Poisson sampling, clipping, Gaussian noise)" },
  epsilon: {
    type: "string",
    valueName: "E",
    description: "with --dp: target epsilon; the noise multiplier is calibrated to it",
  },
  noise: {
    type: "string",
    valueName: "SIGMA",
    description: "with --dp: noise multiplier (instead of --epsilon)",
  },
  clip: { type: "string", valueName: "C", description: "with --dp: per-example gradient clipping norm" },
  delta: {
    type: "string",
    valueName: "D",
    description: "with --dp: delta of (epsilon, delta)-DP (default 1e-5)",
  },
  accountant: {
    type: "string",
    valueName: "rdp|prv",
    description: "with --dp: privacy accountant (default rdp)",
  },
  "dp-seed": {
    type: "string",
    valueName: "S",
    description:
      "with --dp: seeded noise and sampling, reproducible but NOT for release (default: secure randomness)",
  },
} as const;

export const fairnessOptionSpecs = {
  fair: {
    type: "string",
    valueName: "dp|eo",
    description: "fairness penalty on the first sensitive attribute: demographic parity or equalized odds",
  },
  "fair-weight": {
    type: "string",
    valueName: "W",
    description: "with --fair: penalty weight λ ≥ 0 (default 1)",
  },
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
    description: "how batches are drawn (default shuffle; poisson with --dp)",
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
  ...privacyOptionSpecs,
  ...fairnessOptionSpecs,
} as const;

type TrainOptionValues = OptionValues<typeof trainOptionSpecs>;
type PrivacyOptionValues = OptionValues<typeof privacyOptionSpecs>;
type FairnessOptionValues = OptionValues<typeof fairnessOptionSpecs>;

/** Share of the training split held out as the fairness penalty's reference set under --dp. */
export const REFERENCE_FRACTION = 0.1;

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
  const sampling = options.sampling ?? (options.dp ? "poisson" : "shuffle");
  if (sampling !== "shuffle" && sampling !== "poisson") {
    throw new UsageError(`--sampling must be shuffle or poisson, got '${sampling}'`);
  }
  if (options.dp && sampling === "shuffle") {
    throw new UsageError(
      "--sampling shuffle cannot be used with --dp: the accountant's privacy amplification by sampling holds for Poisson sampling only (drop --sampling)",
    );
  }
  return {
    modelSpec: options.model,
    outPath,
    training: {
      epochs: parseNumber("epochs", options.epochs, { integer: true, min: 1 }),
      batchSize: parseNumber("batch", options.batch, { integer: true, min: 1 }),
      optimizer,
      seed: parseNumber("seed", options.seed, { integer: true, min: 0 }),
      sampling,
    },
  };
}

export interface PrivacySettings {
  /** Exactly one of a target ε and a noise multiplier σ. */
  targetEpsilon?: number;
  noise?: number;
  clip: number;
  delta: number;
  accountant: AccountantKind;
  /** Seeded noise and sampling (reproducible, not for release). */
  seed?: number;
}

/** The --dp options, or undefined without --dp (then any of them is a usage error). */
export function readPrivacySettings(options: PrivacyOptionValues): PrivacySettings | undefined {
  if (!options.dp) {
    const stray = (["epsilon", "noise", "clip", "delta", "accountant", "dp-seed"] as const).find(
      (name) => options[name] !== undefined,
    );
    if (stray) throw new UsageError(`--${stray} only applies to private training: add --dp`);
    return undefined;
  }
  if (options.epsilon !== undefined && options.noise !== undefined) {
    throw new UsageError(
      "give either --epsilon (a target; the noise is calibrated) or --noise (a noise multiplier), not both",
    );
  }
  if (options.epsilon === undefined && options.noise === undefined) {
    throw new UsageError("--dp needs --epsilon E (a target epsilon) or --noise SIGMA (a noise multiplier)");
  }
  if (options.clip === undefined)
    throw new UsageError("--dp needs --clip C (the per-example clipping norm, > 0)");
  const accountant = (options.accountant ?? "rdp") as AccountantKind;
  if (!ACCOUNTANT_KINDS.includes(accountant)) {
    throw new UsageError(
      `--accountant must be one of ${ACCOUNTANT_KINDS.join(", ")}, got '${options.accountant}'`,
    );
  }
  return {
    ...(options.epsilon !== undefined
      ? { targetEpsilon: parseNumber("epsilon", options.epsilon, { min: 0, minExclusive: true }) }
      : { noise: parseNumber("noise", options.noise, { min: 0, minExclusive: true }) }),
    clip: parseNumber("clip", options.clip, { min: 0, minExclusive: true }),
    delta: parseNumber("delta", options.delta ?? "1e-5", {
      min: 0,
      minExclusive: true,
      max: 1,
      maxExclusive: true,
    }),
    accountant,
    ...(options["dp-seed"] !== undefined
      ? { seed: parseNumber("dp-seed", options["dp-seed"], { integer: true, min: 0 }) }
      : {}),
  };
}

export interface FairnessSettings {
  /** The command-line name (dp, eo) and the penalty's constraint. */
  option: "dp" | "eo";
  constraint: PenaltyConstraint;
  weight: number;
}

export function readFairnessSettings(options: FairnessOptionValues): FairnessSettings | undefined {
  if (options.fair === undefined) {
    if (options["fair-weight"] !== undefined) throw new UsageError("--fair-weight needs --fair dp|eo");
    return undefined;
  }
  if (options.fair !== "dp" && options.fair !== "eo") {
    throw new UsageError(
      `--fair must be dp (demographic parity) or eo (equalized odds), got '${options.fair}'`,
    );
  }
  return {
    option: options.fair,
    constraint: options.fair === "dp" ? "demographic_parity" : "equalized_odds",
    weight: parseNumber("fair-weight", options["fair-weight"] ?? "1", { min: 0 }),
  };
}

/** The fairness report of a model's predictions on a split, for binary tasks with sensitive attributes. */
export function splitFairness(
  model: Sequential,
  split: Split,
  numClasses: number,
): FairnessReport | undefined {
  if (numClasses !== 2 || split.sensitive.length === 0 || split.X.rows === 0) return undefined;
  const { classes, probabilities } = predict(model, split.X);
  return fairnessReport({
    yTrue: split.y,
    yPred: classes,
    yScore: probabilities,
    sensitiveFeatures: split.sensitive,
  });
}

/** The gaps of each analysis, without the group tables: what a model file keeps. */
export function fairnessMeasures(report: FairnessReport) {
  return report.analyses.map((analysis) => ({ features: analysis.features, ...analysis.measures }));
}

export interface TrainRun {
  task: PreparedTask;
  request: TaskRequest;
  settings: TrainSettings;
  privacy?: PrivacySettings;
  fairness?: FairnessSettings;
  out: Output;
}

interface FairnessPlan {
  metadata: Record<string, unknown>;
  wrap(inner: GradientComputer): GradientComputer;
}

/**
 * The rows to train on and, with --fair, how the gradient is penalised. Under --dp the
 * penalty's group statistics come from a seeded, stratified reference split carved off
 * the training split (the model never trains on it), so that each example's clipped
 * gradient depends on that example alone.
 */
function planFairness(run: TrainRun): { trainSplit: Split; plan?: FairnessPlan } {
  const { task, fairness, privacy } = run;
  if (!fairness) return { trainSplit: task.train };
  if (task.numClasses !== 2) {
    throw new UserError(
      `--fair needs a binary target; ${task.name}'s target '${task.target}' has ${task.numClasses} classes (give --positive VALUE)`,
    );
  }
  const attribute = task.train.sensitive[0];
  if (!attribute) {
    throw new UserError(`--fair needs a sensitive attribute: ${task.name} has none, give --sensitive COL`);
  }
  const settings = {
    constraint: fairness.option,
    weight: fairness.weight,
    sensitive: attribute.name,
  };
  if (!privacy) {
    return {
      trainSplit: task.train,
      plan: {
        metadata: { ...settings, method: "batch-penalty" },
        // The exact batch penalty replaces the plain mean gradient (no DP to stay compatible with).
        wrap: () =>
          fairnessPenaltyGradient({
            constraint: fairness.constraint,
            weight: fairness.weight,
            groupOfRow: attribute.codes,
            labels: task.train.y,
          }),
      },
    };
  }
  const seed = run.request.seed ?? 0;
  const { train, validation } = splitValidation(task.train, REFERENCE_FRACTION, seed);
  if (validation.X.rows === 0 || train.X.rows === 0) {
    throw new UserError(
      `${task.name}: too few training rows (${task.train.X.rows}) to hold out a reference split`,
    );
  }
  return {
    trainSplit: train,
    plan: {
      metadata: {
        ...settings,
        method: "reference-penalty",
        reference: {
          fraction: REFERENCE_FRACTION,
          seed,
          rows: validation.X.rows,
          coveredByEpsilon: false,
          note: "the penalty's group statistics come from this held-out part of the training split; it is not used as training data and is NOT protected by epsilon",
        },
      },
      wrap: (inner) =>
        withReferencePenalty(inner, {
          constraint: fairness.constraint,
          weight: fairness.weight,
          reference: {
            X: validation.X,
            labels: validation.y,
            groupOf: validation.sensitive[0].codes,
          },
          groupOfRow: train.sensitive[0].codes,
        }),
    },
  };
}

function setUpPrivacy(
  model: Sequential,
  settings: TrainSettings,
  privacy: PrivacySettings,
  dataSize: number,
): PrivateTraining {
  if (settings.training.batchSize > dataSize) {
    throw new UserError(
      `--batch ${settings.training.batchSize} is larger than the ${dataSize} training rows; DP-SGD needs an expected batch size ≤ N`,
    );
  }
  return makePrivate({
    model,
    trainerOptions: settings.training,
    dataSize,
    ...(privacy.targetEpsilon !== undefined
      ? { targetEpsilon: privacy.targetEpsilon }
      : { noise: privacy.noise }),
    clip: privacy.clip,
    delta: privacy.delta,
    epochs: settings.training.epochs,
    accountant: privacy.accountant,
    ...(privacy.seed !== undefined ? { seed: privacy.seed } : {}),
  });
}

function privacyDocument(report: PrivacyReport, settings: PrivacySettings, dataSize: number) {
  return {
    ...report,
    ...(settings.targetEpsilon !== undefined ? { targetEpsilon: settings.targetEpsilon } : {}),
    noiseCalibrated: settings.targetEpsilon !== undefined,
    trainRows: dataSize,
  };
}

/** Trains, evaluates on the test split, saves the model; returns the summary document. */
export function runTraining(run: TrainRun): Record<string, unknown> {
  const { task, request, settings, out } = run;
  const { trainSplit, plan } = planFairness(run);
  const inputShape = task.imageShape ? [...task.imageShape] : [task.train.X.cols];
  const model = buildModel(settings.modelSpec, inputShape, task.numClasses, settings.training.seed);
  try {
    const engine = run.privacy ? setUpPrivacy(model, settings, run.privacy, trainSplit.X.rows) : undefined;
    const baseOptions: TrainOptions = engine ? engine.trainOptions : settings.training;
    const inner = baseOptions.gradientComputer ?? meanGradient;
    const gradientComputer = plan ? plan.wrap(inner) : inner;
    const progress = createProgress("train", {
      isTTY: out.stderrIsTTY,
      write: (text) => process.stderr.write(text),
    });
    if (engine)
      out.note(
        `DP-SGD: noise multiplier ${engine.noise.toPrecision(4)}, sample rate ${engine.sampleRate.toPrecision(4)}, ${engine.plannedSteps} steps`,
      );
    let batchesPerEpoch = 0;
    const result: TrainingResult = trainModel(model, trainSplit, {
      ...baseOptions,
      gradientComputer,
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
    const privacy =
      engine && run.privacy
        ? privacyDocument(engine.privacySpent(), run.privacy, trainSplit.X.rows)
        : undefined;
    const evaluation = evaluateModel(model, task.test);
    const testFairness = splitFairness(model, task.test, task.numClasses);
    const backend = currentBackend();
    const training = {
      modelSpec: settings.modelSpec,
      epochs: settings.training.epochs,
      batchSize: settings.training.batchSize,
      optimizer: settings.training.optimizer,
      sampling: result.sampling,
      sampleRate: result.sampleRate,
      seed: settings.training.seed,
      trainRows: trainSplit.X.rows,
      steps: result.steps,
      gradientComputer: result.gradientComputer,
    };
    const extras = {
      epsilon: privacy ? privacy.epsilon : Number.POSITIVE_INFINITY,
      ...(privacy ? { privacy } : {}),
      ...(plan ? { fairness: plan.metadata } : {}),
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
      test: {
        accuracy: evaluation.accuracy,
        loss: evaluation.loss,
        ...(testFairness ? { fairness: fairnessMeasures(testFairness) } : {}),
      },
      ...extras,
    };
    const document = modelToJSON(model, {
      spec: settings.modelSpec,
      preprocessor: task.preprocessor.toJSON(),
      metadata,
    });
    writeFileSync(settings.outPath, `${toJson(document)}\n`);
    return {
      model: settings.modelSpec,
      out: settings.outPath,
      backend,
      data: task.name,
      trainRows: trainSplit.X.rows,
      testRows: task.test.X.rows,
      training,
      history: result.history,
      seconds: result.seconds,
      examplesPerSecond: result.examplesSeen / result.seconds,
      test: { ...evaluation, ...(testFairness ? { fairness: testFairness } : {}) },
      ...extras,
    };
  } finally {
    model.dispose();
  }
}

/** One line per fact of a privacy report (as stored in a model file or a summary). */
export function formatPrivacy(privacy: Record<string, unknown>): string[] {
  const number = (key: string) => (typeof privacy[key] === "number" ? (privacy[key] as number) : Number.NaN);
  const lines = [
    `privacy: (ε = ${number("epsilon").toFixed(4)}, δ = ${number("delta")})-DP by the ${privacy.accountant} accountant` +
      (typeof privacy.targetEpsilon === "number" ? ` (target ε ${privacy.targetEpsilon})` : ""),
    `  noise multiplier ${number("noise").toPrecision(4)}, clip ${number("clip")}, sample rate ${number("sampleRate").toPrecision(4)}, ${number("steps")} steps`,
    privacy.suitableForRelease
      ? `  noise source: ${privacy.noiseSource} (suitable for release)`
      : `  noise source: ${privacy.noiseSource} — NOT suitable for release (retrain without --dp-seed)`,
  ];
  return lines;
}

export function printTrainSummary(summary: Record<string, unknown>, out: Output): void {
  const test = summary.test as ReturnType<typeof evaluateModel> & { fairness?: FairnessReport };
  out.print(
    `model ${summary.model} on ${summary.data} (${summary.trainRows} train / ${summary.testRows} test rows), backend ${(summary.backend as { name: string }).name}`,
  );
  out.print(`test accuracy ${test.accuracy.toFixed(4)}, test loss ${test.loss.toFixed(4)}`);
  for (const group of test.groups)
    out.print(`  ${group.attribute}=${group.group}: accuracy ${group.accuracy.toFixed(4)} (${group.count})`);
  for (const analysis of test.fairness?.analyses ?? []) {
    const m = analysis.measures;
    out.print(
      `  by ${analysis.features.join(" × ")}: demographic parity difference ${m.demographicParityDifference.toFixed(4)}, equalized odds difference ${m.equalizedOddsDifference.toFixed(4)}`,
    );
  }
  if (summary.privacy)
    for (const line of formatPrivacy(summary.privacy as Record<string, unknown>)) out.print(line);
  else out.print("privacy: none (epsilon = infinity)");
  const fairness = summary.fairness as
    | { constraint: string; weight: number; sensitive: string; method: string; reference?: { rows: number } }
    | undefined;
  if (fairness) {
    out.print(
      `fairness: ${fairness.method} (${fairness.constraint}, λ = ${fairness.weight}) on '${fairness.sensitive}'` +
        (fairness.reference ? `; reference split of ${fairness.reference.rows} rows, NOT covered by ε` : ""),
    );
  }
  out.print(`${Math.round(summary.examplesPerSecond as number)} examples/s; saved ${summary.out}`);
}

export const train = defineCommand({
  name: "train",
  summary: "train a model and save it",
  options: trainOptionSpecs,
  details: `Examples:
  equipoise train --data adult --model mlp:64,64 --epochs 10 --batch 256 --lr 0.5 --out model.json
  equipoise train --data adult --dp --epsilon 1 --clip 1 --epochs 5 --batch 512 --lr 1 --out private.json
  equipoise train --data german-credit --fair dp --fair-weight 2 --out fair.json
With --dp the batches are Poisson-sampled (q = batch / N) and the epsilon reported is the one the
accountant gives for the steps actually run. With --dp and --fair, ${REFERENCE_FRACTION * 100}% of the training split
is held out as the penalty's reference set; it is not trained on and NOT protected by epsilon.`,
  async run({ options, out }) {
    const request = readTaskRequest(options);
    const settings = readTrainSettings(options);
    const privacy = readPrivacySettings(options);
    const fairness = readFairnessSettings(options);
    await initBackend(options.backend);
    const task = await prepareTask(request);
    const summary = runTraining({ task, request, settings, privacy, fairness, out });
    if (out.wantsJson) out.json(summary);
    else printTrainSummary(summary, out);
  },
});
