/**
 * `equipoise fairness metrics`: the group table and fairness measures of a predictions
 * file. `equipoise fairness mitigate`: before/after accuracy and gaps of a mitigation.
 */
import { readFileSync } from "node:fs";
import Papa from "papaparse";
import { DataError, UsageError, UserError } from "../../common/errors.js";
import { DEFAULT_MISSING_TOKENS } from "../../data/csv.js";
import { type FairnessConstraint, parseFairnessConstraint, shortNameOf } from "../../fairness/constraint.js";
import { type SensitiveFeature, validateSensitiveAttributes } from "../../fairness/groups.js";
import { MetricFrame, type PredictionKind } from "../../fairness/metric-frame.js";
import { type FairnessReport, fairnessReport, type GroupAnalysis } from "../../fairness/report.js";
import { defineCommand, parseChoice, parseList, parseNumber, requireOption } from "../command.js";
import { dataOptionSpecs, readTaskRequest } from "../data-options.js";

interface CsvColumns {
  header: string[];
  rows: string[][];
  file: string;
}

function readPredictions(file: string): CsvColumns {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new UserError(`cannot read predictions file '${file}'`);
  }
  const parsed = Papa.parse<string[]>(text, { header: false, skipEmptyLines: "greedy" });
  const [header, ...rows] = parsed.data;
  if (!header || rows.length === 0) throw new DataError(`${file}: no header row or no data rows`);
  for (let r = 0; r < rows.length; r++) {
    if (rows[r].length !== header.length) {
      throw new DataError(`${file}: line ${r + 2} has ${rows[r].length} fields, expected ${header.length}`);
    }
  }
  return { header: header.map((h) => h.trim()), rows, file };
}

function columnIndex(csv: CsvColumns, option: string, name: string): number {
  const index = csv.header.indexOf(name);
  if (index < 0)
    throw new UsageError(
      `--${option}: no column '${name}' in ${csv.file} (columns: ${csv.header.join(", ")})`,
    );
  return index;
}

function labelColumn(
  csv: CsvColumns,
  option: string,
  name: string,
  positive: string | undefined,
): Float64Array {
  const c = columnIndex(csv, option, name);
  const out = new Float64Array(csv.rows.length);
  for (let r = 0; r < csv.rows.length; r++) {
    const raw = csv.rows[r][c].trim();
    if (positive !== undefined) out[r] = raw === positive ? 1 : 0;
    else if (raw === "1" || raw === "1.0") out[r] = 1;
    else if (raw === "0" || raw === "0.0") out[r] = 0;
    else {
      throw new DataError(
        `${csv.file}: column '${name}' line ${r + 2} has '${raw}', expected 0/1 (or pass --positive LABEL)`,
      );
    }
  }
  return out;
}

function numberColumn(csv: CsvColumns, option: string, name: string, range?: [number, number]): Float64Array {
  const c = columnIndex(csv, option, name);
  const out = new Float64Array(csv.rows.length);
  for (let r = 0; r < csv.rows.length; r++) {
    const raw = csv.rows[r][c].trim();
    const value = raw === "" ? Number.NaN : Number(raw);
    if (!Number.isFinite(value) || (range && (value < range[0] || value > range[1]))) {
      const expected = range ? `a number in [${range[0]}, ${range[1]}]` : "a number";
      throw new DataError(`${csv.file}: column '${name}' line ${r + 2} has '${raw}', expected ${expected}`);
    }
    out[r] = value;
  }
  return out;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  return Number.isInteger(value) ? String(value) : value.toFixed(4);
}

const shortNames: Record<string, string> = {
  count: "count",
  accuracy: "accuracy",
  selection_rate: "sel.rate",
  true_positive_rate: "TPR",
  false_positive_rate: "FPR",
  true_negative_rate: "TNR",
  false_negative_rate: "FNR",
  precision: "precision",
  balanced_accuracy: "bal.acc",
  log_loss: "log loss",
  brier_score: "Brier",
  roc_auc: "ROC AUC",
  expected_calibration_error: "ECE",
};

export function formatAnalysis(analysis: GroupAnalysis): string[] {
  const metrics = Object.keys(analysis.groups[0]?.metrics ?? {});
  const header = ["group", ...metrics.map((m) => shortNames[m] ?? m)];
  const rows = analysis.groups.map((g) => [g.label, ...metrics.map((m) => formatValue(g.metrics[m]))]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ");
  const m = analysis.measures;
  return [
    `By ${analysis.features.join(" × ")}:`,
    line(header),
    ...rows.map(line),
    `  demographic parity difference ${formatValue(m.demographicParityDifference)}, ratio ${formatValue(m.demographicParityRatio)}`,
    `  equalized odds difference ${formatValue(m.equalizedOddsDifference)}, ratio ${formatValue(m.equalizedOddsRatio)}`,
    `  equal opportunity difference ${formatValue(m.equalOpportunityDifference)}, ratio ${formatValue(m.equalOpportunityRatio)}`,
    `  predictive parity difference ${formatValue(m.predictiveParityDifference)}`,
  ];
}

export function formatReport(report: FairnessReport): string[] {
  const overall = Object.entries(report.overall)
    .filter(([name]) => name !== "count")
    .map(([name, value]) => `${shortNames[name] ?? name} ${formatValue(value)}`)
    .join(", ");
  const lines = [`${report.rows} rows; overall: ${overall}`, ""];
  if (report.predictionKind === "probability") {
    lines.splice(1, 0, "expected values over the draws of a randomised classifier (from P(ŷ = 1))");
  }
  for (const analysis of report.analyses) lines.push(...formatAnalysis(analysis), "");
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  return lines;
}

const missingTokens = new Set(DEFAULT_MISSING_TOKENS);

export const fairnessMetrics = defineCommand({
  name: "fairness metrics",
  summary: "group metrics and fairness measures of a predictions file",
  options: {
    predictions: {
      type: "string",
      valueName: "FILE.csv",
      description: "CSV with a header row, one row per example",
    },
    "y-true": { type: "string", valueName: "COL", description: "column of true labels (0/1)" },
    "y-pred": { type: "string", valueName: "COL", description: "column of predicted labels (0/1)" },
    "y-prob": {
      type: "string",
      valueName: "COL",
      description:
        "instead of --y-pred: column of P(ŷ = 1) of a randomised classifier; metrics are expectations over its draws",
    },
    "y-score": { type: "string", valueName: "COL", description: "column of scores (probability of label 1)" },
    sensitive: { type: "string", valueName: "COL[,COL]", description: "sensitive feature column(s)" },
    weight: { type: "string", valueName: "COL", description: "column of sample weights" },
    positive: {
      type: "string",
      valueName: "LABEL",
      description: "label value meaning 1 when labels are not 0/1",
    },
    bootstrap: {
      type: "string",
      valueName: "N",
      description: "add 95% bootstrap intervals of the gaps from N resamples (JSON output)",
    },
    seed: { type: "string", valueName: "S", default: "0", description: "seed of the bootstrap" },
  },
  details: `Definitions follow Fairlearn: demographic parity difference = max − min selection rate over groups;
equalized odds difference = max(TPR difference, FPR difference); ratios are min / max.
With several sensitive columns each is reported alone and then their intersection.
Rows with an empty sensitive value (or ?, NA, NaN) are left out, with a warning; a column
with more than 50 groups is refused; a column with one group gets a warning.
Example: equipoise fairness metrics --predictions preds.csv --y-true y --y-pred yhat --sensitive sex,race`,
  run({ options, out }) {
    const file = requireOption("predictions", options.predictions);
    const trueColumn = requireOption("y-true", options["y-true"]);
    if ((options["y-pred"] === undefined) === (options["y-prob"] === undefined)) {
      throw new UsageError("give exactly one of --y-pred (0/1 predictions) and --y-prob (probabilities)");
    }
    const predictionKind: PredictionKind = options["y-prob"] === undefined ? "label" : "probability";
    const sensitive = parseList(requireOption("sensitive", options.sensitive));
    if (sensitive.length === 0) throw new UsageError("--sensitive needs at least one column name");
    const bootstrap =
      options.bootstrap === undefined
        ? 0
        : parseNumber("bootstrap", options.bootstrap, { integer: true, min: 1 });
    const seed = parseNumber("seed", options.seed, { integer: true, min: 0 });
    const csv = readPredictions(file);
    const checked = validateSensitiveAttributes(
      sensitive.map((name) => {
        const c = columnIndex(csv, "sensitive", name);
        return {
          name,
          values: csv.rows.map((row) => (missingTokens.has(row[c].trim()) ? null : row[c].trim())),
        };
      }),
      csv.rows.length,
    );
    const keep = (values: Float64Array) => Float64Array.from(checked.rows, (i) => values[i]);
    const yTrue = keep(labelColumn(csv, "y-true", trueColumn, options.positive));
    const yPred = keep(
      predictionKind === "label"
        ? labelColumn(csv, "y-pred", options["y-pred"]!, options.positive)
        : numberColumn(csv, "y-prob", options["y-prob"]!, [0, 1]),
    );
    const yScore = options["y-score"]
      ? keep(numberColumn(csv, "y-score", options["y-score"], [0, 1]))
      : undefined;
    const sampleWeight = options.weight
      ? keep(numberColumn(csv, "weight", options.weight, [0, Infinity]))
      : undefined;
    const sensitiveFeatures = checked.features;
    const measured = fairnessReport({
      yTrue,
      yPred,
      predictionKind,
      yScore,
      sensitiveFeatures,
      sampleWeight,
    });
    const report = { ...measured, warnings: [...checked.warnings, ...measured.warnings] };
    const intervals =
      bootstrap > 0
        ? bootstrapGaps(report, {
            yTrue,
            yPred,
            predictionKind,
            sensitiveFeatures,
            sampleWeight,
            bootstrap,
            seed,
          })
        : undefined;
    if (out.wantsJson) {
      out.json({ file, ...report, ...(intervals ? { intervals } : {}) });
      return;
    }
    for (const line of formatReport(report)) out.print(line);
    if (intervals) {
      for (const [features, gaps] of Object.entries(intervals)) {
        out.print(
          `95% bootstrap interval (${bootstrap} resamples), ${features}: demographic parity difference [${gaps.demographicParityDifference.map(formatValue).join(", ")}]`,
        );
      }
    }
  },
});

function bootstrapGaps(
  report: FairnessReport,
  input: {
    yTrue: Float64Array;
    yPred: Float64Array;
    predictionKind: PredictionKind;
    sensitiveFeatures: SensitiveFeature[];
    sampleWeight?: Float64Array;
    bootstrap: number;
    seed: number;
  },
): Record<
  string,
  { demographicParityDifference: [number, number]; equalOpportunityDifference: [number, number] }
> {
  const result: Record<
    string,
    { demographicParityDifference: [number, number]; equalOpportunityDifference: [number, number] }
  > = {};
  for (const analysis of report.analyses) {
    const features = input.sensitiveFeatures.filter((f) => analysis.features.includes(f.name));
    const frame = new MetricFrame({
      metrics: ["selection_rate", "true_positive_rate"],
      yTrue: input.yTrue,
      yPred: input.yPred,
      predictionKind: input.predictionKind,
      sensitiveFeatures: features,
      sampleWeight: input.sampleWeight,
    });
    const ci = frame.confidenceIntervals({ samples: input.bootstrap, seed: input.seed });
    result[analysis.features.join(" × ")] = {
      demographicParityDifference: ci.selection_rate.difference,
      equalOpportunityDifference: ci.true_positive_rate.difference,
    };
  }
  return result;
}

const methods = ["reweighing", "expgrad", "penalty", "threshold"] as const;
/** The constraints the mitigation runner supports. */
const mitigationConstraints: FairnessConstraint[] = ["demographic_parity", "equalized_odds"];

// The split follows --seed here (as the model and the randomised predictions do).
const { "split-seed": _splitSeed, ...mitigationDataOptions } = dataOptionSpecs;

export const fairnessMitigate = defineCommand({
  name: "fairness mitigate",
  summary: "train with a bias mitigation and compare accuracy and gaps before/after",
  options: {
    ...mitigationDataOptions,
    model: {
      type: "string",
      valueName: "SPEC",
      default: "logreg",
      description: "logreg or an engine model such as mlp:64,64",
    },
    method: {
      type: "string",
      valueName: "METHOD",
      description: "reweighing | expgrad | penalty | threshold",
    },
    constraint: {
      type: "string",
      valueName: "dp|eo",
      default: "dp",
      description: "demographic parity or equalized odds",
    },
    "fair-weight": {
      type: "string",
      valueName: "λ",
      default: "1",
      description: "weight of the fairness penalty (--method penalty)",
    },
    epochs: { type: "string", valueName: "N", default: "10", description: "epochs of engine models" },
    batch: { type: "string", valueName: "B", default: "256", description: "batch size of engine models" },
    lr: {
      type: "string",
      valueName: "LR",
      default: "0.01",
      description: "Adam learning rate of engine models",
    },
    seed: {
      type: "string",
      valueName: "S",
      default: "0",
      description: "seed of the split, the model and randomised predictions",
    },
  },
  details: `Accuracy and gaps are measured on the test split. expgrad and threshold give randomised
classifiers; their predictions are drawn with --seed.
Example: equipoise fairness mitigate --data adult --sensitive sex --method expgrad --constraint dp`,
  async run({ options, out }) {
    const request = readTaskRequest({ ...options, "split-seed": options.seed });
    const data = request.data;
    const method = parseChoice("method", requireOption("method", options.method), methods);
    const constraint = shortNameOf(
      parseFairnessConstraint(options.constraint, "constraint", mitigationConstraints),
    );
    const seed = parseNumber("seed", options.seed, { integer: true, min: 0 });
    const penaltyWeight = parseNumber("fair-weight", options["fair-weight"], { min: 0 });
    const epochs = parseNumber("epochs", options.epochs, { integer: true, min: 1 });
    const batchSize = parseNumber("batch", options.batch, { integer: true, min: 1 });
    const learningRate = parseNumber("lr", options.lr, { min: 0, minExclusive: true });
    const { prepareTask } = await import("../../data/index.js");
    const { runMitigation } = await import("../../fit/mitigate.js");
    out.note(`preparing ${data}…`);
    const task = await prepareTask(request);
    if (task.numClasses !== 2)
      throw new UserError(`fairness mitigation needs a binary task; ${data} has ${task.numClasses} classes`);
    out.note(`mitigating with ${method} (${constraint}) on ${task.train.X.rows} training rows…`);
    const outcome = await runMitigation({
      train: task.train,
      test: task.test,
      method,
      constraint,
      model: options.model,
      seed,
      penaltyWeight,
      engine: { epochs, batchSize, optimizer: { kind: "adam", learningRate } },
    });
    if (out.wantsJson) {
      out.json({ data: task.name, sensitive: task.test.sensitive.map((s) => s.name), ...outcome });
      return;
    }
    const row = (label: string, f: typeof outcome.before) =>
      `${label.padEnd(8)}${f.accuracy.toFixed(4).padStart(10)}${f.demographicParityDifference.toFixed(4).padStart(12)}${f.equalizedOddsDifference.toFixed(4).padStart(12)}`;
    out.print(
      `${task.name}, sensitive ${task.test.sensitive.map((s) => s.name).join(" × ")}, ${method} (${constraint}), model ${options.model}, test split:`,
    );
    out.print(`${"".padEnd(8)}${"accuracy".padStart(10)}${"DP diff".padStart(12)}${"EO diff".padStart(12)}`);
    out.print(row("before", outcome.before));
    out.print(row("after", outcome.after));
    if (outcome.predictionKind === "probability") {
      out.print(
        `(${method} is randomised: "after" is the expectation over its draws; one seeded draw of predict() gives accuracy ${(outcome.details.oneDraw as typeof outcome.after).accuracy.toFixed(4)})`,
      );
    }
    out.print(`mitigated fit: ${outcome.seconds.toFixed(2)} s`);
  },
});
