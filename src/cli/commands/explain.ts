/**
 * `equipoise explain …`: explanations through training examples (issue 12). Each
 * command parses its options, prepares the data and the model, calls one function of
 * src/explain/documents.ts and prints the document (readably, or as JSON).
 * Row numbers are 0-based positions in the data set's train and test splits as
 * Equipoise loads them (for Adult: file order after dropping rows with "?").
 */
import { existsSync, readFileSync } from "node:fs";
import { UsageError, UserError } from "../../common/errors.js";
import { Preprocessor, type PreprocessorJSON, prepareTask, type TaskRequest } from "../../data/index.js";
import { trainWithCheckpoints } from "../../explain/checkpoints.js";
import {
  exampleDocument,
  fairnessDocument,
  influenceDocument,
  looDocument,
  mislabelsDocument,
  VALUATION_METHODS,
  valuesDocument,
} from "../../explain/documents.js";
import { INFLUENCE_METHODS, type InfluenceMethod, methodsFor } from "../../explain/influence/influence.js";
import { DEFAULT_MEMORY_LIMIT, explicitHessianBytes } from "../../explain/influence/solvers.js";
import type { Checkpoint } from "../../explain/influence/tracin.js";
import { MISLABEL_SCORES } from "../../explain/mislabels.js";
import type { ExplainableModel } from "../../explain/model.js";
import { explainableFromEngine, hasPiecewiseLinearLayers } from "../../explain/models/convert.js";
import { type Activation, mlpParameterCount } from "../../explain/models/mlp.js";
import { createThreadRunner } from "../../explain/parallel/node-threads.js";
import {
  describeSpec,
  type ExplainData,
  explainData,
  fitSpec,
  type Mitigation,
  MODEL_SPEC_HELP,
  type ModelSpec,
  parseModelSpec,
} from "../../explain/prepare.js";
import type {
  DescribedRow,
  ExampleExplanation,
  FairnessExplanationDocument,
  InfluenceMatrixDocument,
  MislabelsDocument,
  ValuesDocument,
} from "../../explain/report/schema.js";
import { parseFairnessConstraint } from "../../fairness/constraint.js";
import { type Recipe, readModelFile } from "../../fit/index.js";
import { initBackend } from "../../nn/index.js";
import {
  type CommandContext,
  defineCommand,
  type OptionSpecs,
  type Output,
  parseChoice,
  parseNumber,
  requireOption,
} from "../command.js";
import { dataOptionSpecs, readTaskRequest } from "../data-options.js";
import { createProgress } from "../progress.js";

const modelSpecOptions = {
  "model-spec": {
    type: "string",
    valueName: "SPEC",
    description: `model trained here to a stationary point: ${MODEL_SPEC_HELP}`,
    default: "logreg",
  },
  l2: {
    type: "string",
    valueName: "C",
    description:
      "logistic regression: inverse L2 strength, scikit-learn's C (default 1; with --model, the recipe's weight decay)",
  },
  "weight-decay": {
    type: "string",
    valueName: "WD",
    description: "MLP: weight decay of the mean loss (default 0.01; with --model, the recipe's)",
  },
  activation: {
    type: "string",
    valueName: "tanh|relu|sigmoid",
    description:
      "MLP activation (tanh: smooth, so leave-one-out effects are measurable; see docs/explain.md)",
    default: "tanh",
  },
  seed: { type: "string", valueName: "N", description: "seed of the MLP's initial weights", default: "0" },
  mitigation: {
    type: "string",
    valueName: "none|reweighing|penalty",
    description:
      "explain a mitigated model: reweighed rows, or the demographic-parity penalty (logreg); groups from --sensitive",
    default: "none",
  },
  "fair-weight": {
    type: "string",
    valueName: "λ",
    description: "weight of the fairness penalty (mean-loss form)",
    default: "1",
  },
} as const satisfies OptionSpecs;

const solverOptions = {
  method: {
    type: "string",
    valueName: "METHOD",
    description: `influence method: ${INFLUENCE_METHODS.join(", ")} (default: exact when the Hessian fits in memory, else cg)`,
  },
  damping: { type: "string", valueName: "λ", description: "damping added to the Hessian", default: "0" },
  epochs: {
    type: "string",
    valueName: "N",
    description: "tracin: SGD epochs (one checkpoint each)",
    default: "10",
  },
  lr: { type: "string", valueName: "η", description: "tracin: SGD learning rate", default: "0.1" },
  batch: { type: "string", valueName: "B", description: "tracin: batch size", default: "256" },
} as const satisfies OptionSpecs;

const threadOption = {
  threads: { type: "string", valueName: "N", description: "worker threads (default: every core)" },
} as const satisfies OptionSpecs;

/** "0,5,10-19" → [0, 5, 10, …, 19]; the error names the option. */
export function parseRows(option: string, raw: string | undefined): number[] {
  const text = requireOption(option, raw);
  const out: number[] = [];
  for (const part of text.split(",").map((p) => p.trim())) {
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(part);
    if (range) {
      const [from, to] = [Number(range[1]), Number(range[2])];
      if (to < from) throw new UsageError(`--${option}: range '${part}' runs backwards`);
      if (to - from > 1_000_000) throw new UsageError(`--${option}: range '${part}' is too long`);
      for (let r = from; r <= to; r++) out.push(r);
    } else if (/^\d+$/.test(part)) {
      out.push(Number(part));
    } else {
      throw new UsageError(`--${option}: '${part}' is not a row number (0-based) or a range like 10-19`);
    }
  }
  return out;
}

type ModelSpecValues = CommandContext<typeof modelSpecOptions>["options"];

function readSpec(options: ModelSpecValues): ModelSpec {
  const spec = parseModelSpec(options["model-spec"], {
    C: parseNumber("l2", options.l2 ?? "1", { min: 0, minExclusive: true }),
    weightDecay: parseNumber("weight-decay", options["weight-decay"] ?? "0.01", { min: 0 }),
    activation: parseChoice<Activation>("activation", options.activation, ["tanh", "relu", "sigmoid"]),
    seed: parseNumber("seed", options.seed, { integer: true, min: 0 }),
  });
  const kind = parseChoice("mitigation", options.mitigation, ["none", "reweighing", "penalty"] as const);
  const mitigation: Mitigation =
    kind === "penalty"
      ? { kind, weight: parseNumber("fair-weight", options["fair-weight"], { min: 0 }) }
      : { kind };
  if (mitigation.kind === "penalty" && spec.family !== "logistic-regression") {
    throw new UsageError(
      "--mitigation penalty is explained for --model-spec logreg; use --mitigation reweighing for an MLP",
    );
  }
  return { ...spec, mitigation };
}

/** The first --sensitive attribute of the training split (the groups a mitigation equalises). */
function mitigationGroups(data: ExplainData, spec: ModelSpec) {
  if (!spec.mitigation || spec.mitigation.kind === "none") return undefined;
  const attribute = data.task.train.sensitive[0];
  if (!attribute) throw new UsageError("--mitigation needs --sensitive (the groups it equalises)");
  return attribute;
}

/** Progress for a person watching (stderr on a terminal); warnings go through out.note always. */
function progressNote(out: Output, text: string): void {
  if (out.stderrIsTTY) out.note(text);
}

async function loadData(options: Parameters<typeof readTaskRequest>[0], out: Output): Promise<ExplainData> {
  progressNote(out, "loading data");
  return explainData(await prepareTask(readTaskRequest(options)));
}

/** Refuses, before any training, an explicit Hessian that would not fit in memory. */
function checkExactFits(data: ExplainData, options: ModelSpecValues, method: string | undefined): void {
  if (method !== "exact") return;
  const spec = readSpec(options);
  const parameters =
    spec.family === "logistic-regression"
      ? data.train.cols + 1
      : mlpParameterCount({
          inputs: data.train.cols,
          hidden: spec.hidden,
          activation: spec.activation,
          outputs: 1,
        });
  const bytes = explicitHessianBytes(parameters);
  if (bytes > DEFAULT_MEMORY_LIMIT) {
    throw new UserError(
      `the explicit Hessian of ${describeSpec(spec)} (${parameters} parameters) needs ${(bytes / 2 ** 30).toFixed(1)} GiB, beyond the limit of ${DEFAULT_MEMORY_LIMIT / 2 ** 20} MiB; use --method cg (exact Hessian-vector products) or ekfac`,
    );
  }
}

/** Trains the spec'd model, with a note on stderr (an MLP takes a while). */
function trainSpec(
  data: ExplainData,
  options: ModelSpecValues & { method?: string },
  out: Output,
): ExplainableModel {
  checkExactFits(data, options, options.method);
  const spec = readSpec(options);
  progressNote(out, `training ${describeSpec(spec)} to a stationary point`);
  const model = fitSpec(data.train, spec, { groups: mitigationGroups(data, spec) });
  const stationarity = model.stationarity();
  if (!stationarity.stationary) {
    out.note(
      `warning: training stopped at ‖∇F‖∞ = ${stationarity.gradientNorm.toExponential(2)} (not stationary)`,
    );
  }
  if (spec.family === "mlp" && spec.activation === "relu") out.note(RELU_WARNING);
  return model;
}

const RELU_WARNING =
  "warning: with ReLU networks leave-one-out effects fall below the seed-to-seed noise (docs/explain.md); influence values rank rows but do not predict retraining";

/**
 * The L2 term of a saved model's explained objective: the user's, else the recipe's
 * weight decay (the engine minimises mean loss + ½·wd·‖θ‖², which is scikit-learn's
 * objective with C = 1/(wd·n)), else the defaults: an influence function needs a
 * strictly convex objective even when training had no weight decay.
 */
function savedObjective(
  options: ModelSpecValues,
  recipe: Recipe,
  rows: number,
): { C: number; weightDecay: number; note?: string } {
  const decay = recipe.optimizer.weightDecay;
  const C =
    options.l2 !== undefined
      ? parseNumber("l2", options.l2, { min: 0, minExclusive: true })
      : decay > 0
        ? 1 / (decay * rows)
        : 1;
  const weightDecay =
    options["weight-decay"] !== undefined
      ? parseNumber("weight-decay", options["weight-decay"], { min: 0 })
      : decay > 0
        ? decay
        : 0.01;
  const chosen = options.l2 !== undefined || options["weight-decay"] !== undefined;
  return {
    C,
    weightDecay,
    ...(decay === 0 && !chosen
      ? {
          note: "note: the model was trained without weight decay; the explained objective adds the default L2 term (an influence function needs a strictly convex objective; set --l2 or --weight-decay)",
        }
      : {}),
  };
}

/**
 * A saved model as an ExplainableModel, with its data prepared through its own
 * preprocessor; `warnings` belong in the explanation document (a model trained with
 * DP-SGD is explained from the raw training rows, which ε does not cover).
 */
async function loadSavedModel(
  path: string,
  options: Parameters<typeof readTaskRequest>[0] & ModelSpecValues & { refit: boolean },
  out: Output,
): Promise<{ data: ExplainData; model: ExplainableModel; warnings: string[] }> {
  if (!existsSync(path)) throw new UserError(`--model: no such file ${path}`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new UserError(
      `${path} is not valid JSON (${error instanceof Error ? error.message.split("\n")[0] : error})`,
    );
  }
  await initBackend();
  const saved = readModelFile(json, path);
  try {
    const warnings: string[] = [];
    if (saved.recipe.privacy) {
      const epsilon = saved.metadata.epsilon;
      warnings.push(
        `the model was trained with DP-SGD${typeof epsilon === "number" ? ` (ε = ${epsilon.toPrecision(3)})` : ""}, but this explanation reads the training rows directly: it is NOT covered by ε and must not be released`,
      );
    }
    const trainedOn = (saved.metadata.data ?? {}) as Partial<TaskRequest>;
    const request: TaskRequest = {
      ...readTaskRequest({ ...options, data: options.data ?? trainedOn.data }),
      ...(options.sensitive ? {} : trainedOn.sensitive ? { sensitive: trainedOn.sensitive } : {}),
      ...(options.target ? {} : trainedOn.target ? { target: trainedOn.target } : {}),
      ...(options.positive ? {} : trainedOn.positive ? { positive: trainedOn.positive } : {}),
    };
    if (saved.preprocessor !== undefined) {
      try {
        request.preprocessor = Preprocessor.fromJSON(saved.preprocessor).toJSON() as PreprocessorJSON;
      } catch (error) {
        throw new UserError(
          `${path}: the saved preprocessor is unreadable: ${error instanceof Error ? error.message : error}`,
        );
      }
    }
    progressNote(out, "loading data");
    const data = explainData(await prepareTask(request));
    const objective = savedObjective(options, saved.recipe, data.train.rows);
    if (objective.note) out.note(objective.note);
    let model: ExplainableModel = explainableFromEngine(
      saved.model.architecture,
      saved.model.readParameters(),
      data.train,
      { C: objective.C, weightDecay: objective.weightDecay },
    );
    if (hasPiecewiseLinearLayers(saved.model.architecture)) out.note(RELU_WARNING);
    if (saved.recipe.fairness.method !== "none" || saved.recipe.classWeighting !== "none") {
      out.note(
        "note: the model was trained with a fairness mitigation or class weights; the explained objective is its unweighted loss with the L2 term only",
      );
    }
    const stationarity = model.stationarity();
    if (options.refit) {
      out.note(
        `refitting to a stationary point of the explained objective (from ‖∇F‖∞ = ${stationarity.gradientNorm.toExponential(2)})`,
      );
      model = model.refit(model.weights);
    } else if (!stationarity.stationary) {
      out.note(
        `warning: the model is not at a stationary point of the explained objective (‖∇F‖∞ = ${stationarity.gradientNorm.toExponential(2)}): influence estimates assume one; add --refit, or use --method tracin/gradient-similarity`,
      );
    }
    return { data, model, warnings };
  } finally {
    saved.model.dispose();
  }
}

function chooseMethod(model: ExplainableModel, raw: string | undefined): InfluenceMethod {
  // A CNN's explicit Hessian costs one Hessian-vector product over every training row per
  // parameter (thousands of passes over the images): CG needs tens.
  if (raw === undefined)
    return model.family !== "cnn" && explicitHessianBytes(model.parameterCount) <= DEFAULT_MEMORY_LIMIT
      ? "exact"
      : "cg";
  const method = parseChoice<InfluenceMethod>("method", raw, INFLUENCE_METHODS);
  const allowed = methodsFor(model);
  if (!allowed.includes(method)) {
    throw new UsageError(
      `--method ${method} does not apply to a ${model.description}; methods that do: ${allowed.join(", ")}`,
    );
  }
  return method;
}

function readThreads(raw: string | undefined) {
  return createThreadRunner(
    raw === undefined ? undefined : parseNumber("threads", raw, { integer: true, min: 1, max: 256 }),
  );
}

// ---- text output ------------------------------------------------------------------------------

function rowLine(row: DescribedRow, extra: string): string {
  const groups = Object.entries(row.group)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  const values = Object.entries(row.values)
    .filter(([column]) => !(column in row.group))
    .map(([column, value]) => `${column}=${value}`)
    .join(", ");
  return `  #${row.row}  ${extra}  label ${row.label}${groups ? `  ${groups}` : ""}\n      ${values}`;
}

function printWarnings(out: Output, warnings: string[]): void {
  for (const warning of warnings) out.print(`warning: ${warning}`);
}

function fmt(value: number): string {
  return value === 0
    ? "0"
    : Math.abs(value) >= 1e-3 && Math.abs(value) < 1e4
      ? value.toFixed(6)
      : value.toExponential(4);
}

function printExample(out: Output, doc: ExampleExplanation): void {
  const t = doc.test;
  out.print(
    `test row ${t.row} (label ${t.label}): predicted ${t.prediction} with P(positive) = ${t.probability.toFixed(4)}, loss ${t.loss.toFixed(4)}`,
  );
  out.print(
    `model: ${doc.model?.description}; method: ${doc.method}${doc.trusted ? "" : " (NOT TRUSTED: see warnings)"}`,
  );
  out.print("influence = this test loss without the training row minus with it");
  out.print("");
  out.print("most helpful training rows (removing them would raise this test loss):");
  for (const r of doc.helpful) out.print(rowLine(r, `${fmt(r.influence)}`));
  out.print("");
  out.print("most harmful training rows (removing them would lower this test loss):");
  for (const r of doc.harmful) out.print(rowLine(r, `${fmt(r.influence)}`));
  printWarnings(out, doc.warnings);
}

function printMatrix(out: Output, doc: InfluenceMatrixDocument): void {
  out.print(
    `${doc.kind === "loo" ? "leave-one-out retraining" : `influence (${doc.method})`}: ${doc.testRows.length} test rows × ${doc.trainRows.length} training rows, ${doc.seconds.toFixed(2)} s`,
  );
  out.print(
    "value = loss of the test row without the training row minus with it (--json for the whole matrix)",
  );
  doc.testRows.forEach((testRow, t) => {
    const values = doc.influence[t];
    const order = values.map((_, i) => i).sort((a, b) => values[b] - values[a]);
    const show = (i: number) => `#${doc.trainRows[i]} ${fmt(values[i])}`;
    out.print(
      `  test ${testRow}: most helpful ${order.slice(0, 3).map(show).join(", ")}; most harmful ${order.slice(-3).reverse().map(show).join(", ")}`,
    );
  });
  printWarnings(out, doc.warnings);
}

function printValues(out: Output, doc: ValuesDocument): void {
  const s = doc.summary;
  out.print(
    `${doc.method} values of ${doc.values.length} training rows (${doc.utility}), ${doc.seconds.toFixed(1)} s`,
  );
  out.print(
    `  sum ${fmt(s.sum)}, min ${fmt(s.min)}, max ${fmt(s.max)}, ${(100 * s.negativeFraction).toFixed(2)} % negative`,
  );
  out.print(`  highest: ${s.highest.join(", ")}`);
  out.print(`  lowest:  ${s.lowest.join(", ")}`);
  out.print(
    `  convergence: ${doc.convergence.converged ? "converged" : "NOT converged"} after ${doc.convergence.samples} samples`,
  );
  for (const curve of doc.removalCurves ?? []) {
    out.print(
      `  removal ${curve.order}: ${curve.fractions.map((f, i) => `${(100 * f).toFixed(0)}% → ${curve.scores[i].toFixed(4)}`).join(", ")}`,
    );
  }
  if (doc.curveRows) out.print(`  (removal curves measured on ${doc.curveRows})`);
  out.print("  --json prints every value");
  printWarnings(out, doc.warnings);
}

function printFairness(out: Output, doc: FairnessExplanationDocument): void {
  const gap = (g: FairnessExplanationDocument["before"]) =>
    `${g.test.toFixed(4)} (halves ${g.testHalves[0].toFixed(4)} / ${g.testHalves[1].toFixed(4)}; accuracy ${g.testAccuracy.toFixed(4)})`;
  out.print(
    `${doc.constraint.replaceAll("_", " ")} difference by ${doc.attribute} on the test split: ${gap(doc.before)}`,
  );
  out.print(
    `surrogate: ${doc.surrogate.description} = ${doc.surrogate.value.toFixed(4)}; influence by ${doc.method}`,
  );
  out.print("");
  out.print("training rows whose removal would reduce the gap most (predicted change of the surrogate):");
  for (const r of doc.harmful) out.print(rowLine(r, fmt(r.influence)));
  out.print("");
  out.print(
    "groups of training rows behind the gap (predicted: first order / Newton step; actual: retrained):",
  );
  for (const p of doc.patterns) {
    out.print(
      `  ${p.description}  (${p.rows} rows, ${(100 * p.support).toFixed(2)} %): predicted ${fmt(p.predictedFirstOrder)} / ${fmt(p.predictedNewton)}, actual ${fmt(p.actualSurrogateChange)}; gap after ${gap(p.gapAfter)}`,
    );
  }
  const r = doc.removal;
  out.print("");
  out.print(
    `removing the ${r.rows} most harmful rows (${(100 * r.fraction).toFixed(1)} %, ${r.rounds} rounds) and retraining: gap ${gap(r.after)}`,
  );
  out.print(
    `  same number removed at random: ${r.random.mean.test.toFixed(4)} ± ${r.random.sd.test.toFixed(4)}; highest-loss rows: ${r.highestLoss.test.toFixed(4)}`,
  );
  if (doc.looUnfairness) {
    const l = doc.looUnfairness;
    out.print("");
    out.print(
      `leave-one-out unfairness over ${l.trainRows} training rows: ${(100 * l.removalsThatFlip).toFixed(1)} % of the removals flip at least one test decision`,
    );
    for (const g of l.byGroup) {
      out.print(
        `  ${doc.attribute}=${g.group}: ${g.unstable} of ${g.testRows} decisions flip under some removal (${(100 * g.unstableFraction).toFixed(2)} %), mean flips ${g.meanFlips.toFixed(4)}`,
      );
    }
  }
  printWarnings(out, doc.warnings);
}

function printMislabels(out: Output, doc: MislabelsDocument): void {
  out.print(`suspected mislabelled rows by ${doc.score} (most suspicious first):`);
  for (const r of doc.suspects) out.print(rowLine(r, `rank ${r.rank}, score ${fmt(r.score)}`));
  if (doc.check) {
    out.print("");
    out.print(
      `check: ${(100 * doc.check.flipped).toFixed(0)} % of the labels flipped at random (seeds ${doc.check.seeds.join(", ")}); share of them in each score's top ${(100 * doc.check.flipped).toFixed(0)} %:`,
    );
    for (const [score, recall] of Object.entries(doc.check.recallAtFlipped))
      out.print(`  ${score}: ${recall.toFixed(3)}`);
  }
  printWarnings(out, doc.warnings);
}

// ---- commands ---------------------------------------------------------------------------------

const ROWS_NOTE =
  "Row numbers are 0-based positions in the train and test splits as Equipoise loads them (Adult: file order after dropping rows with '?').";

export const explainExample = defineCommand({
  name: "explain",
  summary: "the training rows that most helped and most harmed one test prediction",
  options: {
    model: {
      type: "string",
      valueName: "MODEL.json",
      description: "a model saved by 'equipoise train' (else --model-spec is trained)",
    },
    example: { type: "string", valueName: "I", description: "the test row to explain (required)" },
    top: { type: "string", valueName: "K", description: "training rows listed on each side", default: "5" },
    refit: {
      type: "boolean",
      description: "move a saved model to the stationary point of the explained objective first",
    },
    ...dataOptionSpecs,
    data: { type: "string", valueName: "DATASET|FILE", description: "dataset (default: the model's)" },
    ...modelSpecOptions,
    ...solverOptions,
  },
  details: `sign convention: influence = test loss without the training row minus with it.\n${ROWS_NOTE}`,
  async run({ options, out }) {
    const example = parseNumber("example", requireOption("example", options.example), {
      integer: true,
      min: 0,
    });
    const top = parseNumber("top", options.top, { integer: true, min: 1, max: 1000 });
    const damping = parseNumber("damping", options.damping, { min: 0 });
    let data: ExplainData;
    let model: ExplainableModel;
    let checkpoints: Checkpoint[] | undefined;
    let savedWarnings: string[] = [];
    if (options.model) {
      ({ data, model, warnings: savedWarnings } = await loadSavedModel(options.model, options, out));
      if (options.method === "tracin") {
        throw new UsageError(
          "--method tracin needs the checkpoints of training, which a saved model does not keep; use gradient-similarity, or --model-spec",
        );
      }
    } else if (options.method === "tracin") {
      data = await loadData({ ...options, data: requireOption("data", options.data) }, out);
      await initBackend();
      progressNote(out, "training with SGD, one checkpoint per epoch");
      ({ model, checkpoints } = trainWithCheckpoints(data, readSpec(options), {
        epochs: parseNumber("epochs", options.epochs, { integer: true, min: 1 }),
        learningRate: parseNumber("lr", options.lr, { min: 0, minExclusive: true }),
        batchSize: parseNumber("batch", options.batch, { integer: true, min: 1 }),
        seed: parseNumber("seed", options.seed, { integer: true, min: 0 }),
      }));
    } else {
      data = await loadData({ ...options, data: requireOption("data", options.data) }, out);
      model = trainSpec(data, options, out);
    }
    const method = chooseMethod(model, options.method);
    const doc = exampleDocument(data, model, { testRow: example, method, top, damping, checkpoints });
    doc.warnings.unshift(...savedWarnings);
    if (out.wantsJson) out.json(doc);
    else printExample(out, doc);
  },
});

export const explainInfluence = defineCommand({
  name: "explain influence",
  summary: "the influence matrix of training rows on test losses",
  options: {
    ...dataOptionSpecs,
    ...modelSpecOptions,
    ...solverOptions,
    "test-rows": { type: "string", valueName: "LIST", description: "test rows, e.g. 0,5,10-19 (required)" },
    "train-rows": { type: "string", valueName: "LIST", description: "training rows (default: all)" },
  },
  details: `output: { "testRows", "trainRows", "influence": [[… per training row] per test row] }, influence = test loss without the training row minus with it.\n${ROWS_NOTE}`,
  async run({ options, out }) {
    const testRows = parseRows("test-rows", options["test-rows"]);
    const trainRows = options["train-rows"] ? parseRows("train-rows", options["train-rows"]) : undefined;
    const damping = parseNumber("damping", options.damping, { min: 0 });
    readSpec(options);
    const data = await loadData(options, out);
    let model: ExplainableModel;
    let checkpoints: Checkpoint[] | undefined;
    if (options.method === "tracin") {
      await initBackend();
      progressNote(out, "training with SGD, one checkpoint per epoch");
      ({ model, checkpoints } = trainWithCheckpoints(data, readSpec(options), {
        epochs: parseNumber("epochs", options.epochs, { integer: true, min: 1 }),
        learningRate: parseNumber("lr", options.lr, { min: 0, minExclusive: true }),
        batchSize: parseNumber("batch", options.batch, { integer: true, min: 1 }),
        seed: parseNumber("seed", options.seed, { integer: true, min: 0 }),
      }));
    } else {
      model = trainSpec(data, options, out);
    }
    const method = chooseMethod(model, options.method);
    const doc = influenceDocument(data, model, { method, testRows, trainRows, damping, checkpoints });
    if (out.wantsJson) out.json(doc);
    else printMatrix(out, doc);
  },
});

export const explainLoo = defineCommand({
  name: "explain loo",
  summary: "true leave-one-out retraining: the change of test losses without each training row",
  options: {
    ...dataOptionSpecs,
    ...modelSpecOptions,
    "test-rows": { type: "string", valueName: "LIST", description: "test rows (required)" },
    "train-rows": {
      type: "string",
      valueName: "LIST",
      description: "training rows to remove one at a time (required)",
    },
    ...threadOption,
  },
  details: `same layout and sign as 'explain influence': the ground truth it approximates.\n${ROWS_NOTE}`,
  async run({ options, out }) {
    const testRows = parseRows("test-rows", options["test-rows"]);
    const trainRows = parseRows("train-rows", options["train-rows"]);
    readSpec(options);
    const data = await loadData(options, out);
    const model = trainSpec(data, options, out);
    const progress = createProgress("leave-one-out", {
      isTTY: out.stderrIsTTY,
      write: (t) => out.note(t.replace(/\n$/, "")),
    });
    const runner = readThreads(options.threads);
    try {
      const doc = await looDocument(data, model, {
        testRows,
        trainRows,
        runner,
        onRow: (d, t) => progress.update(d, t),
      });
      progress.finish();
      if (out.wantsJson) out.json(doc);
      else printMatrix(out, doc);
    } finally {
      await runner.close();
    }
  },
});

export const explainValues = defineCommand({
  name: "explain values",
  summary: "data valuation: one value per training row",
  options: {
    ...dataOptionSpecs,
    ...modelSpecOptions,
    ...threadOption,
    method: {
      type: "string",
      valueName: "METHOD",
      description: `${VALUATION_METHODS.join(", ")} (required)`,
    },
    k: { type: "string", valueName: "K", description: "knn-shapley: neighbours", default: "10" },
    "test-rows": {
      type: "string",
      valueName: "LIST",
      description: "rows of the test split the utility is measured on (default: all)",
    },
    "train-rows": {
      type: "string",
      valueName: "LIST",
      description: "loo: training rows to value (default: all)",
    },
    budget: {
      type: "string",
      valueName: "N",
      description: "tmc: permutations; banzhaf: subsets (default 200 / 2000)",
    },
    tolerance: {
      type: "string",
      valueName: "R",
      description: "tmc, banzhaf: stop at this relative standard error",
      default: "0.05",
    },
    bags: { type: "string", valueName: "B", description: "oob: bootstrap models", default: "100" },
    utility: {
      type: "string",
      valueName: "accuracy|log-likelihood",
      description: "utility of retraining methods",
      default: "accuracy",
    },
    curves: {
      type: "boolean",
      description: "also the removal curves (retrain without the highest / lowest valued rows)",
    },
  },
  details: `knn-shapley: exact (Jia et al. 2019), K nearest by squared Euclidean distance on the preprocessed features, ties by training index.\n${ROWS_NOTE}`,
  async run({ options, out }) {
    const method = parseChoice("method", requireOption("method", options.method), VALUATION_METHODS);
    const k = parseNumber("k", options.k, { integer: true, min: 1 });
    const testRows = options["test-rows"] ? parseRows("test-rows", options["test-rows"]) : undefined;
    const trainRows = options["train-rows"] ? parseRows("train-rows", options["train-rows"]) : undefined;
    if (trainRows && method !== "loo") throw new UsageError("--train-rows applies to --method loo only");
    const budget = options.budget
      ? parseNumber("budget", options.budget, { integer: true, min: 1 })
      : undefined;
    const tolerance = parseNumber("tolerance", options.tolerance, { min: 0, minExclusive: true });
    const bags = parseNumber("bags", options.bags, { integer: true, min: 2 });
    const utility = parseChoice("utility", options.utility, ["accuracy", "log-likelihood"] as const);
    readSpec(options);
    const data = await loadData(options, out);
    const needsModel = method !== "knn-shapley" || options.curves;
    const model = needsModel ? trainSpec(data, options, out) : undefined;
    const runner = method === "knn-shapley" ? readThreads(options.threads) : undefined;
    const progress = createProgress(method, {
      isTTY: out.stderrIsTTY,
      write: (t) => out.note(t.replace(/\n$/, "")),
    });
    try {
      progressNote(out, `valuing ${data.train.rows} training rows by ${method}`);
      const doc = await valuesDocument(data, model, {
        method,
        k,
        testRows,
        trainRows,
        budget,
        tolerance,
        bags,
        utility,
        curves: options.curves,
        runner,
        seed: parseNumber("seed", options.seed, { integer: true, min: 0 }),
        onProgress: (d, t) => progress.update(d, t),
      });
      progress.finish();
      if (out.wantsJson) out.json(doc);
      else printValues(out, doc);
    } finally {
      await runner?.close();
    }
  },
});

export const explainFairnessCommand = defineCommand({
  name: "explain fairness",
  summary: "the training rows and groups of rows behind an unfairness, and what removing them does",
  options: {
    model: {
      type: "string",
      valueName: "MODEL.json",
      description: "a saved model (else --model-spec is trained)",
    },
    refit: {
      type: "boolean",
      description: "move a saved model to the stationary point of the explained objective first",
    },
    ...dataOptionSpecs,
    data: { type: "string", valueName: "DATASET|FILE", description: "dataset (default: the model's)" },
    ...modelSpecOptions,
    constraint: {
      type: "string",
      valueName: "dp|eo|eop",
      description: "the fairness gap explained",
      default: "dp",
    },
    method: {
      type: "string",
      valueName: "METHOD",
      description: "influence method (default: exact when it fits, else cg)",
    },
    damping: { type: "string", valueName: "λ", description: "damping added to the Hessian", default: "0" },
    top: { type: "string", valueName: "K", description: "individual rows listed", default: "10" },
    fraction: {
      type: "string",
      valueName: "F",
      description: "fraction of training rows removed in the removal experiment",
      default: "0.01",
    },
    rounds: {
      type: "string",
      valueName: "R",
      description: "rounds of that removal (influence recomputed after each)",
      default: "4",
    },
    "loo-rows": {
      type: "string",
      valueName: "N",
      description: "training rows sampled for leave-one-out unfairness (0: skip)",
      default: "500",
    },
    patterns: { type: "string", valueName: "N", description: "groups of rows reported", default: "5" },
  },
  details: `The surrogate is computed on the training rows only, so the test split (and each half of it) measures the effect.\n${ROWS_NOTE}`,
  async run({ options, out }) {
    const attribute = requireOption("sensitive", options.sensitive);
    if (attribute.includes(",")) throw new UsageError("--sensitive takes one attribute for explain fairness");
    const constraint = parseFairnessConstraint(options.constraint);
    const damping = parseNumber("damping", options.damping, { min: 0 });
    const top = parseNumber("top", options.top, { integer: true, min: 1, max: 1000 });
    const fraction = parseNumber("fraction", options.fraction, { min: 0, max: 0.5, minExclusive: true });
    const rounds = parseNumber("rounds", options.rounds, { integer: true, min: 1, max: 100 });
    const looRows = parseNumber("loo-rows", options["loo-rows"], { integer: true, min: 0 });
    const count = parseNumber("patterns", options.patterns, { integer: true, min: 0, max: 100 });
    let data: ExplainData;
    let model: ExplainableModel;
    let savedWarnings: string[] = [];
    if (options.model) {
      ({ data, model, warnings: savedWarnings } = await loadSavedModel(options.model, options, out));
    } else {
      readSpec(options);
      data = await loadData({ ...options, data: requireOption("data", options.data) }, out);
      model = trainSpec(data, options, out);
    }
    const method = chooseMethod(model, options.method);
    if (method === "tracin" || method === "gradient-similarity") {
      throw new UsageError(
        "explain fairness needs an influence method that predicts retraining (exact, cg, lissa, arnoldi, kfac, ekfac)",
      );
    }
    const doc = fairnessDocument(data, model, {
      attribute,
      constraint,
      method,
      damping,
      top,
      removalFraction: fraction,
      rounds,
      looRows,
      patterns: { count },
      onProgress: (message) => progressNote(out, message),
    });
    doc.warnings.unshift(...savedWarnings);
    if (out.wantsJson) out.json(doc);
    else printFairness(out, doc);
  },
});

export const explainMislabels = defineCommand({
  name: "explain mislabels",
  summary: "training rows ranked by how likely their label is wrong",
  options: {
    ...dataOptionSpecs,
    ...modelSpecOptions,
    score: {
      type: "string",
      valueName: "SCORE",
      description: `${MISLABEL_SCORES.join(", ")}`,
      default: "out-of-fold",
    },
    top: { type: "string", valueName: "K", description: "suspects listed", default: "20" },
    check: {
      type: "boolean",
      description:
        "also flip 10 % of the labels at random (2 seeds) and measure how well each score finds them",
    },
  },
  details: `out-of-fold (the label's loss under an ensemble of MLPs that did not see the row) ranks best in our measurements; see docs/explain.md.\n${ROWS_NOTE}`,
  async run({ options, out }) {
    const score = parseChoice("score", options.score, MISLABEL_SCORES);
    const top = parseNumber("top", options.top, { integer: true, min: 1, max: 100_000 });
    readSpec(options);
    const spec = readSpec(options);
    const data = await loadData(options, out);
    if (score === "out-of-fold" || options.check) await initBackend();
    const model = trainSpec(data, options, out);
    const doc = mislabelsDocument(data, model, {
      score,
      top,
      ...(options.check
        ? {
            check: { fraction: 0.1, seeds: [1, 2] },
            refitOn: (train) => fitSpec(train, spec, { groups: mitigationGroups(data, spec) }),
          }
        : {}),
      onProgress: (message) => progressNote(out, message),
    });
    if (out.wantsJson) out.json(doc);
    else printMislabels(out, doc);
  },
});
