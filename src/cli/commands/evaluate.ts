/**
 * `equipoise evaluate`: accuracy, loss, per-group metrics and the fairness measures
 * of a saved model on a data split, with the recipe it was trained with and the
 * privacy report stored with it.
 *
 * The model file must hold its training recipe (fit/model-file.ts validates it). The
 * data is encoded with the preprocessor saved in the model file — the training
 * split's statistics, whatever split seed or data file is evaluated — so the model
 * sees its features as in training. A model file without one falls back to a
 * preprocessor re-fitted on the training split, with a note. A model whose classes
 * differ from the target's, or whose scores are not finite, is refused in one line.
 */
import { existsSync, readFileSync } from "node:fs";
import { UsageError, UserError } from "../../common/errors.js";
import { Preprocessor, type PreprocessorJSON, prepareTask, type TaskRequest } from "../../data/index.js";
import { evaluateFit, readModelFile } from "../../fit/index.js";
import { currentBackend, initBackend } from "../../nn/index.js";
import { defineCommand, parseList, parseNumber, requireOption } from "../command.js";
import { dataOptionSpecs, readDeclarations } from "../data-options.js";
import { formatReport } from "./fairness.js";
import { formatEvaluation, formatMitigation, formatPrivacy } from "./train.js";

function readSavedPreprocessor(saved: unknown, path: string): PreprocessorJSON | undefined {
  if (saved === undefined) return undefined;
  try {
    return Preprocessor.fromJSON(saved).toJSON();
  } catch (error) {
    throw new UserError(
      `${path}: the saved preprocessor is unreadable: ${error instanceof Error ? error.message : error}`,
    );
  }
}

/** ε of the stored privacy section; a private recipe without one is an inconsistent file. */
function storedEpsilon(
  privacy: Record<string, unknown> | undefined,
  isPrivate: boolean,
  path: string,
): number {
  if (!isPrivate) return Number.POSITIVE_INFINITY;
  if (typeof privacy?.epsilon !== "number") {
    throw new UserError(`${path}: the recipe is private but the file has no privacy report with an epsilon`);
  }
  return privacy.epsilon;
}

export const evaluate = defineCommand({
  name: "evaluate",
  summary: "evaluate a saved model: accuracy, loss, accuracy and fairness by group",
  options: {
    model: { type: "string", valueName: "MODEL.json", description: "a model saved by 'equipoise train'" },
    ...dataOptionSpecs,
    data: {
      type: "string",
      valueName: "DATASET|FILE",
      description: "dataset (default: the one the model was trained on)",
    },
    "split-seed": {
      type: "string",
      valueName: "N",
      description: "seed of the train/test split (default: the model's)",
    },
    split: {
      type: "string",
      valueName: "test|train",
      description: "which split to evaluate",
      default: "test",
    },
    backend: { type: "string", valueName: "NAME", description: "tensor backend: wasm, cpu, tensorflow" },
  },
  async run({ options, out }) {
    const path = requireOption("model", options.model);
    if (options.split !== "test" && options.split !== "train")
      throw new UsageError(`--split must be test or train, got '${options.split}'`);
    if (!existsSync(path)) throw new UserError(`--model: no such file ${path}`);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, "utf8"));
    } catch (error) {
      throw new UserError(
        `${path} is not valid JSON (${error instanceof Error ? error.message.split("\n")[0] : error})`,
      );
    }
    await initBackend(options.backend);
    const saved = readModelFile(json, path);
    try {
      const savedPreprocessor = readSavedPreprocessor(saved.preprocessor, path);
      const trainedOn = (saved.metadata.data ?? {}) as Partial<TaskRequest> & {
        positiveLabel?: string | null;
      };
      const sensitive = parseList(options.sensitive);
      const data = options.data ?? trainedOn.data;
      if (!data)
        throw new UsageError("--data is required (the model file does not say which data it was trained on)");
      const sameData = data === trainedOn.data;
      const request: TaskRequest = {
        data,
        ...((options.target ?? (sameData ? trainedOn.target : undefined))
          ? { target: options.target ?? trainedOn.target }
          : {}),
        ...(sensitive.length > 0
          ? { sensitive }
          : sameData && trainedOn.sensitive
            ? { sensitive: trainedOn.sensitive }
            : {}),
        ...((options.positive ?? (sameData ? trainedOn.positive : undefined))
          ? { positive: options.positive ?? trainedOn.positive }
          : {}),
        ...(options["data-dir"] ? { dataDir: options["data-dir"] } : {}),
        // The same data file is read as in training (its separate test file, dropped
        // columns, missing-value spellings), unless the options say otherwise.
        ...(sameData
          ? {
              ...(trainedOn.testData ? { testData: trainedOn.testData } : {}),
              ...(trainedOn.drop ? { drop: trainedOn.drop } : {}),
              ...(trainedOn.csv ? { csv: trainedOn.csv } : {}),
            }
          : {}),
        ...readDeclarations(options),
        ...(options["test-data"] ? { testData: options["test-data"] } : {}),
        seed:
          options["split-seed"] !== undefined
            ? parseNumber("split-seed", options["split-seed"], { integer: true, min: 0 })
            : (trainedOn.seed ?? 0),
        ...(savedPreprocessor ? { preprocessor: savedPreprocessor } : {}),
      };
      const task = await prepareTask(request);
      for (const warning of task.warnings) out.note(`warning: ${warning}`);
      const expected = saved.metadata.featureNames as string[] | undefined;
      const inputSize = saved.model.architecture.inputShape.reduce((a, b) => a * b, 1);
      if (task.train.X.cols !== inputSize) {
        throw new UserError(
          `model/data mismatch: the model takes ${inputSize} features, ${task.name} gives ${task.train.X.cols}`,
        );
      }
      if (expected && expected.join("\u0000") !== task.featureNames.join("\u0000")) {
        const k = expected.findIndex((name, i) => name !== task.featureNames[i]);
        throw new UserError(
          `model/data mismatch: feature ${k + 1} is '${expected[k]}' in the model but '${task.featureNames[k]}' in ${task.name}`,
        );
      }
      const preprocessor = savedPreprocessor ? "saved" : "refitted";
      if (!savedPreprocessor)
        out.note(
          "note: the model file has no saved preprocessor; one re-fitted on the training split is used",
        );
      const split = options.split === "train" ? task.train : task.test;
      const privacy = saved.metadata.privacy as Record<string, unknown> | undefined;
      const mitigation = saved.recipe.fairness;
      const attribute = mitigation.method !== "none" ? mitigation.attribute : undefined;
      const evaluation = evaluateFit(saved.model, split, {
        numClasses: task.numClasses,
        epsilon: storedEpsilon(privacy, saved.recipe.privacy !== undefined, path),
        ...(attribute && split.sensitive.some((s) => s.name === attribute) ? { primary: attribute } : {}),
      });
      const training = saved.metadata.fairness as Record<string, unknown> | undefined;
      const summary = {
        model: path,
        spec: saved.recipe.model,
        recipe: saved.recipe,
        data: task.name,
        split: options.split,
        backend: currentBackend(),
        preprocessor,
        ...evaluation,
        privacy: privacy ?? null,
        ...(training ? { fairnessTraining: training } : {}),
      };
      if (out.wantsJson) {
        out.json(summary);
        return;
      }
      const [first, ...rest] = formatEvaluation(evaluation);
      out.print(
        `${saved.recipe.model} on ${task.name} (${options.split}, ${evaluation.count} rows): ${first}`,
      );
      for (const line of rest) out.print(line);
      if (evaluation.fairness) {
        out.print("");
        for (const line of formatReport(evaluation.fairness)) out.print(line);
      }
      if (privacy) for (const line of formatPrivacy(privacy)) out.print(line);
      else out.print("privacy: none recorded (epsilon = infinity)");
      if (training) out.print(formatMitigation(training));
    } finally {
      saved.model.dispose();
    }
  },
});
