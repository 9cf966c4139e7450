/**
 * `equipoise train`: parse (the recipe's options come from its schema,
 * ../recipe-options.ts) → prepare the data → `fitRecipe` → evaluate on the test
 * split → save the model file (with its recipe) → print. The composition itself —
 * DP-SGD, fairness mitigations, what a private run may release — lives in src/fit.
 */
import { existsSync } from "node:fs";
import { checkOutputPath, writeFileAtomic } from "../../common/files.js";
import { toJson } from "../../common/json.js";
import type { PreparedTask, TaskRequest } from "../../data/index.js";
import {
  evaluateFit,
  type FitEvaluation,
  type FitResult,
  fitRecipe,
  modelFileOf,
  prepareForRecipe,
  type Recipe,
} from "../../fit/index.js";
import { matchedRecipe, privacyCostOfTrial, type TrialPrivacyCost } from "../../interplay/cost.js";
import { currentBackend, initBackend } from "../../nn/index.js";
import { defineCommand, type Output, requireOption } from "../command.js";
import {
  dataOptionSpecs,
  parsePreprocessingMode,
  preprocessingOptionSpec,
  readTaskRequest,
} from "../data-options.js";
import { createProgress } from "../progress.js";
import { readRecipe, recipeOptionSpecs } from "../recipe-options.js";

export const trainOptionSpecs = {
  ...dataOptionSpecs,
  ...recipeOptionSpecs,
  preprocessing: {
    ...preprocessingOptionSpec,
    description: `${preprocessingOptionSpec.description} (default: fit; with --dp: public if every column is declared, else private if numeric bounds are, else fit and NOT for release)`,
  },
  out: { type: "string", valueName: "MODEL.json", description: "where to save the trained model" },
  backend: {
    type: "string",
    valueName: "NAME",
    description: "tensor backend: wasm, cpu, tensorflow (default: EQUIPOISE_BACKEND or automatic)",
  },
  "skip-privacy-cost": {
    type: "boolean",
    description:
      "with --dp: do not train the matched non-private model (no per-group cost of privacy is printed)",
  },
} as const;

export const TRAIN_PRIVACY_COST_NOT_COVERED =
  "the matched model is trained WITHOUT DP on the same training rows and both models are scored on the test rows without noise: its metrics and the per-group cost are NOT covered by ε, and neither is saved in the model file";

/** The cost of privacy by group of a `train --dp` run: the matched model's recipe, its test metrics and the cost. */
interface TrainPrivacyCost {
  matchedRecipe: Recipe;
  matched: { accuracy: number; dpDifference: number; eoDifference: number; eopDifference: number };
  cost: TrialPrivacyCost;
  notCoveredByEpsilon: string;
}

/**
 * The matched model (the recipe and seed without DP; interplay/cost.ts) trained, and both
 * models compared by group on the test split, on the mitigated attribute or else the
 * first sensitive one; undefined when there is nothing to compare (no sensitive
 * attribute, or not a binary task).
 */
function trainPrivacyCost(
  privateFit: FitResult,
  task: PreparedTask,
  data: Parameters<typeof fitRecipe>[1],
): TrainPrivacyCost | undefined {
  const name = privateFit.fairness?.attribute ?? task.test.sensitive[0]?.name;
  if (name === undefined || task.numClasses !== 2) return undefined;
  const recipe = matchedRecipe(privateFit.recipe);
  const fit = fitRecipe(recipe, data);
  try {
    const evaluate = (model: FitResult["model"], epsilon: number | undefined) =>
      evaluateFit(model, task.test, { numClasses: 2, epsilon, primary: name });
    const matched = evaluate(fit.model, undefined);
    return {
      matchedRecipe: recipe,
      matched: {
        accuracy: matched.accuracy,
        dpDifference: matched.dpDifference,
        eoDifference: matched.eoDifference,
        eopDifference: matched.eopDifference,
      },
      cost: privacyCostOfTrial(evaluate(privateFit.model, privateFit.privacy?.epsilon), matched, name),
      notCoveredByEpsilon: TRAIN_PRIVACY_COST_NOT_COVERED,
    };
  } finally {
    fit.model.dispose();
  }
}

/** The per-group cost in a few lines, labelled as ε does not cover it. */
function formatPrivacyCost(privacyCost: TrainPrivacyCost): string[] {
  const { cost, matched } = privacyCost;
  const lines = [
    `cost of privacy by '${cost.attribute}' (test), against the matched non-private model (same recipe and seed, no DP; accuracy ${matched.accuracy.toFixed(4)}) — NOT covered by ε:`,
  ];
  for (const group of cost.groups)
    lines.push(
      `  ${cost.attribute}=${group.group} (${group.count}): accuracy ${group.private.accuracy.toFixed(4)} vs ${group.matched.accuracy.toFixed(4)} (cost ${group.accuracyCost.toFixed(4)}), TPR change ${group.change.tpr.toFixed(4)}, FPR change ${group.change.fpr.toFixed(4)}, selection-rate change ${group.change.selectionRate.toFixed(4)}`,
    );
  lines.push(
    `  disparity of the cost (largest − smallest group cost): ${cost.accuracyCostDisparity.toFixed(4)}; DP gap ${cost.gaps.dp.private.toFixed(4)} vs ${cost.gaps.dp.matched.toFixed(4)} matched`,
  );
  return lines;
}

/** Files the command reads, which --out must not name. */
function inputFiles(request: TaskRequest): string[] {
  return [request.data, request.testData].filter(
    (path): path is string => path !== undefined && existsSync(path),
  );
}

/** What a fit and its test evaluation amount to: the --json document and the model file's metadata. */
function trainSummary(task: PreparedTask, fit: FitResult, test: FitEvaluation, outPath: string) {
  const { recipe, training } = fit;
  return {
    model: recipe.model,
    out: outPath,
    backend: currentBackend(),
    data: task.name,
    trainRows: training.trainRows,
    testRows: task.test.X.rows,
    recipe,
    training,
    examplesPerSecond: (training.trainRows * training.epochs) / Math.max(training.seconds, 1e-9),
    test,
    epsilon: fit.privacy?.epsilon ?? Number.POSITIVE_INFINITY,
    ...(fit.privacy ? { privacy: fit.privacy } : {}),
    ...(fit.fairness ? { fairness: fit.fairness } : {}),
    warnings: fit.warnings,
  };
}

/** One line per fact of a privacy section (of a summary or a model file). */
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
  const preprocessing = privacy.preprocessing as
    | { mode: string; releases: { count: number; noise: number }[]; notForRelease: string | null }
    | undefined;
  if (preprocessing) {
    const releases = preprocessing.releases
      .map((r) => `${r.count} at noise multiplier ${r.noise}`)
      .join(", ");
    lines.push(
      `  preprocessing: ${preprocessing.mode}` +
        (preprocessing.mode === "public" ? " (declared metadata only, nothing read from the rows)" : "") +
        (releases ? ` (Gaussian releases counted in ε: ${releases})` : ""),
    );
  }
  if (Array.isArray(privacy.publicQuantities) && privacy.publicQuantities.length > 0) {
    lines.push(`  treated as public: ${privacy.publicQuantities.join(", ")}`);
  }
  for (const item of Array.isArray(privacy.notCoveredByEpsilon) ? privacy.notCoveredByEpsilon : []) {
    lines.push(`  NOT covered by ε: ${item}`);
  }
  return lines;
}

/** The fairness mitigation a model was trained with, in one line. */
export function formatMitigation(fairness: Record<string, unknown>): string {
  if (fairness.method === "reweighing") return `fairness: reweighing on '${fairness.attribute}'`;
  const reference = fairness.reference as { rows: number } | undefined;
  return (
    `fairness: ${fairness.constraint} penalty (λ = ${fairness.weight}) on '${fairness.attribute}', ${fairness.statistics} statistics` +
    (reference ? `; reference split of ${reference.rows} rows, NOT covered by ε` : "")
  );
}

/** Test accuracy, loss and gaps of an evaluation, as printed by train and evaluate. */
export function formatEvaluation(evaluation: FitEvaluation): string[] {
  const lines = [`accuracy ${evaluation.accuracy.toFixed(4)}, loss ${evaluation.loss.toFixed(4)}`];
  for (const [attribute, groups] of Object.entries(evaluation.perGroup)) {
    for (const [group, metrics] of Object.entries(groups))
      lines.push(`  ${attribute}=${group}: accuracy ${metrics.accuracy.toFixed(4)} (${metrics.count})`);
  }
  for (const analysis of evaluation.fairness?.analyses ?? []) {
    const m = analysis.measures;
    lines.push(
      `  by ${analysis.features.join(" × ")}: demographic parity difference ${m.demographicParityDifference.toFixed(4)}, equalized odds difference ${m.equalizedOddsDifference.toFixed(4)}`,
    );
  }
  return lines;
}

function printTrainSummary(
  summary: ReturnType<typeof trainSummary> & { privacyCost?: TrainPrivacyCost },
  out: Output,
): void {
  out.print(
    `model ${summary.model} on ${summary.data} (${summary.trainRows} train / ${summary.testRows} test rows), backend ${summary.backend.name}`,
  );
  const [first, ...rest] = formatEvaluation(summary.test);
  out.print(`test ${first}`);
  for (const line of rest) out.print(line);
  if (summary.privacy) for (const line of formatPrivacy({ ...summary.privacy })) out.print(line);
  else out.print("privacy: none (epsilon = infinity)");
  if (summary.fairness) out.print(formatMitigation({ ...summary.fairness }));
  if (summary.privacyCost) for (const line of formatPrivacyCost(summary.privacyCost)) out.print(line);
  out.print(
    `${Math.round(summary.examplesPerSecond)} examples/s${summary.privacy ? " (timing: not covered by ε, not saved)" : ""}; saved ${summary.out}`,
  );
}

/** The progress line's detail: the epoch, and the training loss only when it is not private. */
function progressDetail(recipe: Recipe, epoch: number, trainLoss: number | undefined): string {
  return trainLoss !== undefined && !recipe.privacy
    ? `epoch ${epoch} loss ${trainLoss.toFixed(4)}`
    : `epoch ${epoch}`;
}

export const train = defineCommand({
  name: "train",
  summary: "train a model and save it",
  options: trainOptionSpecs,
  details: `Examples:
  equipoise train --data adult --model mlp:64,64 --epochs 10 --out model.json
  equipoise train --data adult --dp --epsilon 1 --clip 1 --epochs 5 --batch 512 --optimizer sgd --lr 1 --out private.json
  equipoise train --data german-credit --fair dp --fair-weight 2 --out fair.json
  equipoise train --data german-credit --mitigation reweighing --class-weight balanced --out reweighed.json
Defaults: Adam at learning rate 0.01 with a cosine schedule, batches of 128 (chosen for logistic
regression on a validation split of Adult); --optimizer sgd takes larger learning rates (0.1–1).
With --dp the batches are Poisson-sampled (q = batch / N), the epsilon reported is the one the
accountant gives for the steps actually run, and the noise-free training loss is neither printed
nor saved; the number of training rows is treated as public. With --dp and --fair, a share of the
training split (--fair-reference) is held out as the penalty's reference set; it is not trained on
and NOT protected by epsilon.`,
  async run({ options, out }) {
    const request = readTaskRequest(options);
    const parsed = readRecipe(options);
    const askedMode =
      options.preprocessing === undefined ? undefined : parsePreprocessingMode(options.preprocessing);
    const outPath = checkOutputPath(requireOption("out", options.out), "out", inputFiles(request));
    await initBackend(options.backend);
    const prepared = await prepareForRecipe(request, parsed, askedMode ? { mode: askedMode } : {});
    const { task } = prepared;
    const recipe: Recipe = { ...parsed, preprocessing: prepared.mode };
    // Warnings about the rows are for the data owner at this terminal; under DP they are
    // labelled, since they describe training rows and are not covered by ε.
    const label = parsed.privacy ? "about your data, NOT covered by ε: " : "";
    for (const line of task.warnings) out.note(`${label}${line}`);
    for (const line of prepared.notes) out.note(line);
    const progress = createProgress("train", {
      isTTY: out.stderrIsTTY,
      write: (text) => process.stderr.write(text),
    });
    const fitData = {
      train: task.train,
      numClasses: task.numClasses,
      inputShape: task.imageShape ? [...task.imageShape] : [task.train.X.cols],
      preprocessing: task.preprocessing,
    };
    const fit = fitRecipe(recipe, fitData, {
      onProgress: (p) => progress.update(p.step, p.totalSteps, progressDetail(recipe, p.epoch, p.trainLoss)),
    });
    try {
      progress.finish();
      for (const warning of fit.warnings) out.note(`warning: ${warning}`);
      const attribute = fit.fairness?.attribute;
      const test = evaluateFit(fit.model, task.test, {
        numClasses: task.numClasses,
        epsilon: fit.privacy?.epsilon,
        ...(attribute ? { primary: attribute } : {}),
      });
      const privacyCost =
        fit.privacy && !options["skip-privacy-cost"] ? trainPrivacyCost(fit, task, fitData) : undefined;
      const summary = {
        ...trainSummary(task, fit, test, outPath),
        ...(privacyCost ? { privacyCost } : {}),
      };
      const { fairness: _report, ...testMetrics } = test;
      const document = modelFileOf(fit, {
        preprocessor: task.preprocessor.toJSON(),
        metadata: {
          backend: summary.backend,
          data: {
            ...request,
            dataDir: undefined,
            name: task.name,
            target: task.target,
            positiveLabel: task.positiveLabel,
            classNames: task.classNames,
          },
          featureNames: task.featureNames,
          test: testMetrics,
        },
      });
      writeFileAtomic(outPath, `${toJson(document)}\n`);
      if (out.wantsJson) out.json(summary);
      else printTrainSummary(summary, out);
    } finally {
      fit.model.dispose();
    }
  },
});
