/**
 * `equipoise audit`: how much a model leaks, beside the ε its accountant promises.
 *   audit --model MODEL.json --data D     audits a trained model (members: its training
 *                                         rows; non-members: its test split)
 *   audit --data D --model-spec SPEC ...  the standard experiment: a pool of N rows, a
 *                                         target and K shadows on random halves
 *   audit canaries --data D ...           the one-run canary audit of DP-SGD
 * The work is in src/audit; this file parses, reports progress, prints and writes.
 * A lower bound above the accountant's ε is printed, written, and then exits 1.
 */
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import {
  type AuditDocument,
  auditModel,
  CANARY_DESIGNS,
  canaryAudit,
  DEFAULT_ATTACKS,
  DEFAULT_CANARIES,
  membershipExperiment,
  renderAuditPage,
  type TrainingEngine,
} from "../../audit/index.js";
import { UsageError, UserError } from "../../common/errors.js";
import { checkOutputPath, writeFileAtomic } from "../../common/files.js";
import { toJson } from "../../common/json.js";
import { type PreparedTask, Preprocessor, prepareTask, type TaskRequest } from "../../data/index.js";
import { MODEL_SPEC_HELP, readModelFile } from "../../fit/index.js";
import { initBackend } from "../../nn/index.js";
import {
  defineCommand,
  type OptionSpecs,
  type Output,
  parseChoice,
  parseList,
  parseNumber,
} from "../command.js";
import { dataOptionSpecs, readDeclarations, readTaskRequest } from "../data-options.js";
import { createProgress } from "../progress.js";
import { readRecipe, recipeOptionSpecs } from "../recipe-options.js";

/**
 * The recipe's flags, with the model spec as --model-spec (--model names a model file
 * here) and without its --seed: the audit's --seed derives every model's seed.
 */
const { model: _modelFlag, seed: _seedFlag, ...trainingFlags } = recipeOptionSpecs;
const recipeFlags = {
  ...trainingFlags,
  "model-spec": {
    type: "string",
    valueName: "SPEC",
    description: `model of the target and the shadows: ${MODEL_SPEC_HELP} (default: logreg)`,
  } as const,
};

const outputOptions = {
  out: { type: "string", valueName: "AUDIT.json", description: "also write the audit document here" },
  html: { type: "string", valueName: "AUDIT.html", description: "also write the audit as an HTML page" },
  seed: {
    type: "string",
    valueName: "S",
    description: "seed of the pool, halves, shadows and bootstrap",
    default: "0",
  },
  backend: { type: "string", valueName: "NAME", description: "tensor backend: wasm, cpu, tensorflow" },
} as const;

const engineOptions = {
  workers: {
    type: "string",
    valueName: "W",
    description: "worker threads training models (default: the cores)",
  },
  engine: {
    type: "string",
    valueName: "workers|serial",
    description: "train models in worker threads or in this thread",
    default: "workers",
  },
  bootstrap: {
    type: "string",
    valueName: "B",
    description: "bootstrap replicates of every interval",
    default: "1000",
  },
} as const;

const auditOptionSpecs = {
  model: {
    type: "string",
    valueName: "MODEL.json",
    description: "audit this trained model (saved by 'equipoise train')",
  },
  ...dataOptionSpecs,
  "split-seed": {
    type: "string",
    valueName: "N",
    description: "seed of the train/test split (default 0, or the model's)",
  },
  ...recipeFlags,
  attack: {
    type: "string",
    valueName: "LIST",
    description:
      "attacks: loss, lira, lira-offline, rmia, rmia-offline, attribute (default: all but rmia-offline)",
  },
  shadows: { type: "string", valueName: "K", description: "shadow models (default 16; 8 with --model)" },
  pool: {
    type: "string",
    valueName: "N",
    description:
      "experiment: rows of the training split the models draw from (default: 4000, or half the split)",
  },
  population: {
    type: "string",
    valueName: "N",
    description: "population rows for RMIA (rows no model sees)",
  },
  hide: {
    type: "string",
    valueName: "COLS",
    description: "feature columns hidden from attribute inference besides the attribute's own (its sources)",
  },
  ...engineOptions,
  ...outputOptions,
} as const satisfies OptionSpecs;

function readJson(path: string, option: string): unknown {
  if (!existsSync(path)) throw new UserError(`--${option}: no such file ${path}`);
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new UserError(
      `${path} is not valid JSON (${error instanceof Error ? error.message.split("\n")[0] : error})`,
    );
  }
}

function checkOutputs(options: { out?: string; html?: string }, inputs: string[]): void {
  if (options.out) checkOutputPath(options.out, "out", inputs);
  if (options.html) checkOutputPath(options.html, "html", inputs);
}

function engineSettings(options: Record<string, unknown>) {
  const engine = parseChoice("engine", String(options.engine), [
    "workers",
    "serial",
  ] as const) as TrainingEngine;
  const workers =
    options.workers !== undefined
      ? parseNumber("workers", options.workers as string, { integer: true, min: 1, max: 256 })
      : availableParallelism();
  return {
    engine,
    workers,
    bootstrapReplicates: parseNumber("bootstrap", options.bootstrap as string, {
      integer: true,
      min: 10,
      max: 100_000,
    }),
    ...(options.backend ? { backend: options.backend as string } : {}),
  };
}

function progressReporter(out: Output, label: string) {
  const progress = createProgress(label, {
    isTTY: out.stderrIsTTY,
    write: (text) => process.stderr.write(text),
  });
  return {
    onProgress: (done: number, total: number, seconds: number) => {
      const left = done > 0 ? (seconds / done) * (total - done) : Number.NaN;
      progress.update(
        done,
        total,
        `models trained, ${seconds.toFixed(0)} s${done < total && Number.isFinite(left) ? `, ~${left.toFixed(0)} s left` : ""}`,
      );
    },
    finish: () => progress.finish(),
  };
}

function attacksOf(option: string | undefined, task: PreparedTask): string[] {
  if (option !== undefined) return parseList(option);
  const hasSensitive = task.train.sensitive.length > 0;
  return DEFAULT_ATTACKS.filter((a) => a !== "attribute" || hasSensitive);
}

function formatNumber(value: number): string {
  return value === Number.POSITIVE_INFINITY ? "∞" : Number.isNaN(value) ? "–" : value.toFixed(3);
}

function printAudit(doc: AuditDocument, out: Output): void {
  const s = doc.setup;
  out.print(
    doc.kind === "canaries"
      ? `canary audit of ${doc.target.model} on ${doc.data.name}: ${s.candidates} canaries, ${s.members} trained on, ${doc.target.trainRows} training rows`
      : `${doc.kind === "model" ? "model audit" : "experiment"}: ${doc.target.model} on ${doc.data.name}, ${s.candidates} candidates (${s.members} members), ${s.shadows} shadows, pool ${s.pool}, ${s.trainingSeconds.toFixed(1)} s training`,
  );
  for (const a of doc.attacks) {
    const tprs = a.tprAtFpr
      .map(
        (t) =>
          `TPR@${Number((t.fpr * 100).toPrecision(3))}% ${(t.value * 100).toFixed(2)}% [${(t.lo * 100).toFixed(2)}, ${(t.hi * 100).toFixed(2)}]`,
      )
      .join(", ");
    const bound = a.epsilonLowerBound;
    out.print(
      `  ${a.label}: AUC ${a.auc.value.toFixed(4)} [${a.auc.lo.toFixed(4)}, ${a.auc.hi.toFixed(4)}], ${tprs}, advantage ${a.advantage.value.toFixed(3)}, ε ≥ ${bound.positive ? bound.value.toFixed(3) : "0 (none proved)"}`,
    );
    for (const exposure of a.perGroup) {
      const groups = exposure.groups
        .map(
          (g) =>
            `${g.group} ${g.auc.value.toFixed(3)} [${g.auc.lo.toFixed(3)}, ${g.auc.hi.toFixed(3)}] (${g.members}+${g.nonMembers})`,
        )
        .join(", ");
      const gap = exposure.gap
        ? `; gap ${exposure.gap.most} − ${exposure.gap.least} ${exposure.gap.auc.value.toFixed(3)} [${exposure.gap.auc.lo.toFixed(3)}, ${exposure.gap.auc.hi.toFixed(3)}]`
        : "";
      out.print(`    by ${exposure.attribute}: ${groups}${gap}`);
    }
  }
  if (doc.attribute) {
    out.print(`  attribute inference of ${doc.attribute.attribute} (accuracy on members / non-members):`);
    for (const a of doc.attribute.attackers) {
      out.print(
        `    ${a.attacker.padEnd(8)} ${(a.members.value * 100).toFixed(1)}% / ${(a.nonMembers.value * 100).toFixed(1)}%  (${a.description})`,
      );
    }
  }
  if (doc.canaries) {
    const c = doc.canaries;
    out.print(
      `  ${c.correct} of ${c.guesses} guesses correct (${c.chosen.in} in, ${c.chosen.out} out): ε ≥ ${formatNumber(c.epsilonLowerBound)}`,
    );
  }
  out.print(
    `accountant's ε = ${formatNumber(doc.verdict.accountantEpsilon)} (δ = ${doc.verdict.delta}); audited lower bound ε ≥ ${formatNumber(doc.verdict.lowerBound)}`,
  );
  out.print(doc.verdict.message);
}

/** Prints or writes the document; a failed audit then exits 1 with its message. */
/**
 * What the accountant's ε of an experiment or a canary run covers: its DP-SGD training.
 * The features are encoded with statistics of the whole training split, shared by every
 * model, members and non-members alike, so the audit measures what the training leaks;
 * `train --dp` instead preprocesses from public metadata or under DP.
 */
const PREPROCESSING_NOTE =
  "the features are encoded with statistics fitted on the whole training split, the same for every model: the accountant's ε covers the DP-SGD training audited here, not that preprocessing";

function finish(doc: AuditDocument, options: { out?: string; html?: string }, out: Output): void {
  if (options.out) writeFileAtomic(options.out, `${toJson(doc, 2)}\n`);
  if (options.html) writeFileAtomic(options.html, renderAuditPage(doc));
  if (out.wantsJson) out.json(doc);
  else printAudit(doc, out);
  if (doc.verdict.failed) throw new UserError(doc.verdict.message);
}

/** The data request of a saved model's task, overridden by the command line. */
function requestForModel(
  options: Record<string, string | boolean | undefined>,
  metadata: Record<string, unknown>,
  preprocessor: unknown,
  path: string,
): TaskRequest {
  const trainedOn = (metadata.data ?? {}) as Partial<TaskRequest>;
  const data = (options.data as string | undefined) ?? trainedOn.data;
  if (!data)
    throw new UsageError("--data is required (the model file does not say which data it was trained on)");
  const same = data === trainedOn.data;
  const sensitive = parseList(options.sensitive as string | undefined);
  const target = (options.target as string | undefined) ?? (same ? trainedOn.target : undefined);
  const positive = (options.positive as string | undefined) ?? (same ? trainedOn.positive : undefined);
  // A model trained with --test-data has its non-members in that file, not in a split.
  const testData = (options["test-data"] as string | undefined) ?? (same ? trainedOn.testData : undefined);
  let savedPreprocessor: TaskRequest["preprocessor"];
  if (preprocessor !== undefined) {
    try {
      savedPreprocessor = Preprocessor.fromJSON(preprocessor).toJSON();
    } catch (error) {
      throw new UserError(
        `${path}: the saved preprocessor is unreadable: ${error instanceof Error ? error.message : error}`,
      );
    }
  }
  return {
    data,
    ...(target ? { target } : {}),
    ...(sensitive.length > 0
      ? { sensitive }
      : same && trainedOn.sensitive
        ? { sensitive: trainedOn.sensitive }
        : {}),
    ...(positive ? { positive } : {}),
    ...(testData ? { testData } : {}),
    // How the model's rows were read (dropped columns, missing tokens, declarations),
    // unless the command line says otherwise.
    ...(same ? pickDefined(trainedOn, ["drop", "csv", "metadata", "sensitiveInFeatures"]) : {}),
    ...readDeclarations(options as Parameters<typeof readDeclarations>[0]),
    ...(options["data-dir"] ? { dataDir: options["data-dir"] as string } : {}),
    seed:
      options["split-seed"] !== undefined
        ? parseNumber("split-seed", options["split-seed"] as string, { integer: true, min: 0 })
        : (trainedOn.seed ?? 0),
    ...(savedPreprocessor ? { preprocessor: savedPreprocessor } : {}),
  };
}

function pickDefined<T extends object, K extends keyof T>(from: T, keys: K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (from[key] !== undefined) picked[key] = from[key];
  return picked;
}

function givenRecipeFlags(options: Record<string, unknown>): string[] {
  return Object.keys(recipeFlags).filter((flag) => options[flag] !== undefined && options[flag] !== false);
}

export const audit = defineCommand({
  name: "audit",
  summary: "privacy audit: membership and attribute inference, empirical ε lower bound, per-group exposure",
  options: auditOptionSpecs,
  details: `Examples:
  equipoise audit --model model.json --data adult --shadows 8
  equipoise audit --data adult --sensitive sex --model-spec mlp:64,64 --optimizer adam --lr 0.001 --lr-schedule constant --epochs 100 --pool 4000 --shadows 64
  equipoise audit --data adult --model-spec mlp:64,64 --dp --epsilon 8 --clip 1 --optimizer sgd --lr 0.5 --batch 250 --epochs 30 --pool 4000 --shadows 16
  equipoise audit canaries --data adult --model-spec mlp:64,64 --dp --epsilon 8 --clip 1 --optimizer sgd --lr 0.5 --batch 250 --epochs 30 --rows 2000
Every figure comes with a 95 % interval (bootstrap over candidates, or Clopper–Pearson). The
ε lower bound of an attack is held out: its threshold is chosen on one half of the candidates
and measured on the other. The accountant's ε is printed beside the audited lower bound; a
lower bound above it is a failed audit (exit 1): the training or its accounting is wrong.`,
  async run({ options, out }) {
    const seed = parseNumber("seed", options.seed, { integer: true, min: 0 });
    const engine = engineSettings(options);
    const progress = progressReporter(out, "audit");
    if (options.model !== undefined) {
      const given = givenRecipeFlags(options);
      if (given.length > 0) {
        throw new UsageError(
          `--${given[0]} does not apply with --model: the recipe comes from the model file`,
        );
      }
      if (options.pool !== undefined)
        throw new UsageError("--pool does not apply with --model (the pool is the model's own data)");
      const path = options.model;
      const json = readJson(path, "model");
      checkOutputs(options, [path]);
      await initBackend(options.backend);
      const loaded = readModelFile(json, path);
      try {
        const task = await prepareTask(requestForModel(options, loaded.metadata, loaded.preprocessor, path));
        const inputSize = loaded.model.architecture.inputShape.reduce((a, b) => a * b, 1);
        if (task.train.X.cols !== inputSize) {
          throw new UserError(
            `model/data mismatch: the model takes ${inputSize} features, ${task.name} gives ${task.train.X.cols}`,
          );
        }
        const shadows = parseNumber("shadows", options.shadows ?? "8", { integer: true, min: 0, max: 4096 });
        const doc = await auditModel(loaded, task, {
          shadows,
          seed,
          attacks: attacksOf(options.attack, task),
          ...(options.population !== undefined
            ? { population: parseNumber("population", options.population, { integer: true, min: 1 }) }
            : {}),
          ...(options.hide !== undefined ? { hide: parseList(options.hide) } : {}),
          ...engine,
          onProgress: progress.onProgress,
        });
        progress.finish();
        finish(doc, options, out);
      } finally {
        loaded.model.dispose();
      }
      return;
    }
    if (options["model-spec"] === undefined) {
      throw new UsageError(
        "give --model MODEL.json (audit a trained model) or --model-spec SPEC (the standard experiment)",
      );
    }
    const request = readTaskRequest({ ...options, "split-seed": options["split-seed"] ?? "0" });
    const recipe = readRecipe({ ...options, model: options["model-spec"] }, { preprocessing: "fit" });
    checkOutputs(options, existsSync(request.data) ? [request.data] : []);
    await initBackend(options.backend);
    const task = await prepareTask(request);
    const rows = task.train.X.rows;
    const pool = parseNumber("pool", options.pool ?? String(Math.min(4000, Math.floor(rows / 2))), {
      integer: true,
      min: 4,
    });
    const shadows = parseNumber("shadows", options.shadows ?? "16", { integer: true, min: 0, max: 4096 });
    const doc = await membershipExperiment(
      {
        name: task.name,
        train: task.train,
        numClasses: task.numClasses,
        inputShape: task.imageShape ? [...task.imageShape] : [task.train.X.cols],
        featureNames: task.featureNames,
      },
      {
        recipe,
        pool,
        shadows,
        seed,
        attacks: attacksOf(options.attack, task),
        ...(options.population !== undefined
          ? { population: parseNumber("population", options.population, { integer: true, min: 1 }) }
          : {}),
        ...(options.hide !== undefined ? { hide: parseList(options.hide) } : {}),
        ...engine,
        onProgress: progress.onProgress,
      },
    );
    progress.finish();
    if (recipe.privacy) doc.notes.push(PREPROCESSING_NOTE);
    finish(doc, options, out);
  },
});

export const auditCanaries = defineCommand({
  name: "audit canaries",
  summary: "one-run DP-SGD audit with canaries (Steinke, Nasr & Jagielski 2023)",
  options: {
    ...dataOptionSpecs,
    ...recipeFlags,
    canaries: {
      type: "string",
      valueName: "M",
      description: "canaries, each trained on with probability ½ (more canaries, more power)",
      default: String(DEFAULT_CANARIES),
    },
    rows: {
      type: "string",
      valueName: "N",
      description: "training rows besides the canaries (default: the rest of the split)",
    },
    design: {
      type: "string",
      valueName: "random-inputs|mislabelled",
      description:
        "canaries: random points away from the data with random labels, or training rows with wrong labels",
      default: "random-inputs",
    },
    ...outputOptions,
  },
  details: `Example:
  equipoise audit canaries --data adult --model-spec mlp:64,64 --dp --epsilon 8 --clip 1 --optimizer sgd --lr 0.5 --batch 250 --epochs 30 --rows 2000
The canaries are random points away from the data with random labels (or, with --design
mislabelled, training rows with a wrong label); each is included with probability ½, the recipe
is fitted once, and the auditor guesses inclusion from each canary's confidence in its label.
The number of correct guesses gives an ε lower bound at 95 % confidence; more canaries give
more power.`,
  async run({ options, out }) {
    const seed = parseNumber("seed", options.seed, { integer: true, min: 0 });
    const request = readTaskRequest(options);
    const recipe = readRecipe({ ...options, model: options["model-spec"] }, { preprocessing: "fit" });
    const canaries = parseNumber("canaries", options.canaries, { integer: true, min: 10 });
    const rows =
      options.rows !== undefined ? parseNumber("rows", options.rows, { integer: true, min: 1 }) : undefined;
    checkOutputs(options, existsSync(request.data) ? [request.data] : []);
    await initBackend(options.backend);
    const task = await prepareTask(request);
    const progress = createProgress("audit canaries", {
      isTTY: out.stderrIsTTY,
      write: (text) => process.stderr.write(text),
    });
    if (!recipe.privacy)
      out.note(
        "note: the recipe is not private (no --dp): the canary audit measures leakage, with no ε to check",
      );
    const doc = canaryAudit(
      {
        name: task.name,
        train: task.train,
        numClasses: task.numClasses,
        inputShape: task.imageShape ? [...task.imageShape] : [task.train.X.cols],
        featureNames: task.featureNames,
      },
      {
        recipe,
        canaries,
        seed,
        ...(rows !== undefined ? { rows } : {}),
        design: parseChoice("design", options.design, CANARY_DESIGNS),
        onProgress: (step, total) => progress.update(step, total, "training steps"),
      },
    );
    progress.finish();
    if (recipe.privacy) doc.notes.push(PREPROCESSING_NOTE);
    finish(doc, options, out);
  },
});
