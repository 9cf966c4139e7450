/**
 * `equipoise interplay`: matched private and non-private models over a grid of ε and
 * seeds, and for each ε the per-group cost of privacy with intervals, the per-group
 * clipping statistics and the bound of Mangold et al. (src/interplay/study.ts).
 */
import { readFileSync } from "node:fs";
import Papa from "papaparse";
import { DataError, UsageError, UserError } from "../../common/errors.js";
import { checkOutputPath, writeFileAtomic } from "../../common/files.js";
import { toJson } from "../../common/json.js";
import { parseRecipe, prepareForRecipe } from "../../fit/index.js";
import { interplayDocument } from "../../interplay/document.js";
import { estimateFairnessFromLdp } from "../../interplay/ldp.js";
import { type InterplayStudy, PRIVATE_METHODS, runInterplayStudy } from "../../interplay/study.js";
import { initBackend } from "../../nn/index.js";
import {
  defineCommand,
  type Output,
  parseChoice,
  parseList,
  parseNumber,
  requireOption,
} from "../command.js";
import { dataOptionSpecs, readTaskRequest } from "../data-options.js";
import { createProgress } from "../progress.js";

export const interplayOptionSpecs = {
  ...dataOptionSpecs,
  model: {
    type: "string",
    valueName: "SPEC",
    description: "model (default mlp:64,64)",
    default: "mlp:64,64",
  },
  epsilons: {
    type: "string",
    valueName: "E1,E2,...",
    description: "target epsilons of the private models",
    default: "0.5,1,3,8",
  },
  seeds: {
    type: "string",
    valueName: "N",
    description: "seeds per epsilon (intervals over seeds)",
    default: "5",
  },
  methods: {
    type: "string",
    valueName: "dp-sgd,dpsgd-f",
    description: "private training: DP-SGD, and/or group-aware clipping (DPSGD-F)",
    default: "dp-sgd",
  },
  gamma: {
    type: "string",
    valueName: "G",
    description: "DPSGD-F: how much relative clipping raises a group's bound",
    default: "1",
  },
  clip: { type: "string", valueName: "C", description: "per-example clipping norm", default: "1" },
  epochs: { type: "string", valueName: "N", description: "passes over the training data", default: "5" },
  batch: { type: "string", valueName: "B", description: "expected batch size", default: "256" },
  lr: { type: "string", valueName: "LR", description: "learning rate (Adam)", default: "0.005" },
  delta: { type: "string", valueName: "D", description: "delta of (epsilon, delta)-DP" },
  "dp-seed": {
    type: "boolean",
    description: "seeded DP noise (reproducible; the models are NOT for release — they are not saved anyway)",
  },
  out: { type: "string", valueName: "FILE.json", description: "also save the JSON document here" },
  backend: { type: "string", valueName: "NAME", description: "tensor backend: wasm, cpu, tensorflow" },
} as const;

function readEpsilons(raw: string): number[] {
  const values = parseList(raw).map((text) => parseNumber("epsilons", text));
  if (values.length === 0) throw new UsageError("--epsilons needs at least one number");
  for (const e of values)
    if (!(e > 0)) throw new UsageError(`--epsilons: every epsilon must be > 0, got ${e}`);
  return values;
}

function fixed(value: number, digits = 3): string {
  return Number.isFinite(value) ? value.toFixed(digits) : String(value);
}

function interval(i: { estimate: number; low: number; high: number }): string {
  return `${fixed(i.estimate)} [${fixed(i.low)}, ${fixed(i.high)}]`;
}

function printStudy(study: InterplayStudy, out: Output): void {
  out.print(
    `${study.data}, ${study.model}, groups of '${study.attribute}': ${study.groups.map((g, i) => `${g} (${study.trainGroupCounts[i]} train / ${study.testGroupCounts[i]} test)`).join(", ")}; ${study.seeds.length} seeds, 95 % bootstrap intervals over seeds`,
  );
  out.print(
    `matched (non-private) model: accuracy ${interval(study.matched.accuracy)}, DP gap ${interval(study.matched.dpDifference)}, EO gap ${interval(study.matched.eoDifference)}`,
  );
  for (const cell of study.cells) {
    out.print("");
    out.print(
      `${cell.method} at ε = ${cell.epsilon} (noise multiplier ${fixed(cell.noiseMultiplier, 3)}; ε achieved ≤ ${fixed(Math.max(...cell.achievedEpsilon), 3)})`,
    );
    for (const group of cell.cost.groups) {
      const r = group.rates;
      out.print(
        `  ${group.group}: accuracy cost ${interval(group.accuracyCost)}; Δ TPR ${interval(r.tpr.change)}, Δ FPR ${interval(r.fpr.change)}, Δ selection ${interval(r.selectionRate.change)}`,
      );
    }
    out.print(
      `  disparity of the cost (largest − smallest group): ${interval(cell.cost.accuracyCostDisparity)}`,
    );
    out.print(
      `  DP gap ${interval(cell.cost.gaps.dp.private)} (matched ${interval(cell.cost.gaps.dp.matched)}), EO gap ${interval(cell.cost.gaps.eo.private)}`,
    );
    const last = cell.clipping.at(-1);
    if (last)
      out.print(
        `  clipping in the last epoch: ${last.groups.map((g) => `${g.group} ${fixed(100 * g.clippedFraction, 1)} % clipped, mean norm ${fixed(g.meanNorm)}, SNR ${fixed(g.signalToNoise)}`).join("; ")}`,
      );
    if (cell.finalGroupBounds)
      out.print(
        `  group clipping bounds at the end: ${cell.finalGroupBounds.map((c, g) => `${study.groups[g]} ${fixed(c)}`).join(", ")}`,
      );
    for (const m of cell.bound.measures) {
      out.print(
        `  bound (Mangold et al. 2023) on |Δ ${m.measure} gap|: ${interval(m.bound)} vs measured ${interval(m.measuredChange)}${m.vacuousSeeds > 0 ? ` — vacuous for ${m.vacuousSeeds} of ${study.seeds.length} seeds` : ""}`,
      );
    }
    for (const reason of cell.bound.notApplicable) out.print(`  bound not applicable: ${reason}`);
  }
  out.print("");
  for (const line of study.notCoveredByEpsilon) out.print(`NOT covered by ε: ${line}`);
}

export const interplayCommand = defineCommand({
  name: "interplay",
  summary: "fairness under privacy: the per-group cost of DP-SGD, why, and a bound",
  options: interplayOptionSpecs,
  details: `Examples:
  equipoise interplay --data adult --sensitive sex --epsilons 1,8 --seeds 5
  equipoise interplay --data compas --sensitive race --methods dp-sgd,dpsgd-f --json
For each epsilon and seed a private model (DP-SGD, Poisson batches, target epsilon) and its matched
model (the same recipe and seed without clipping or noise) are trained and evaluated on the test
split. The cost of privacy of a group is its accuracy under the matched model minus under the
private one; its disparity is the largest group's cost minus the smallest's. The bound is that of
Mangold et al. (ICML 2023) at the measured parameter distance. These measurements read the test
rows and the training batches: they are NOT covered by epsilon.`,
  async run({ options, out }) {
    const request = readTaskRequest(options);
    const epsilons = readEpsilons(options.epsilons);
    const seedCount = parseNumber("seeds", options.seeds, { integer: true, min: 1 });
    const methods = [
      ...new Set(parseList(options.methods).map((m) => parseChoice("methods", m, PRIVATE_METHODS))),
    ];
    if (methods.length === 0) throw new UsageError("--methods needs dp-sgd, dpsgd-f or both");
    const gamma = parseNumber("gamma", options.gamma, { min: 0 });
    const recipe = parseRecipe(
      {
        model: options.model,
        epochs: parseNumber("epochs", options.epochs, { integer: true, min: 1 }),
        batchSize: parseNumber("batch", options.batch, { integer: true, min: 1 }),
        optimizer: {
          kind: "adam",
          learningRate: parseNumber("lr", options.lr, { min: 0, minExclusive: true }),
        },
        privacy: {
          clip: parseNumber("clip", options.clip, { min: 0, minExclusive: true }),
          noiseMultiplier: 1,
          ...(options.delta !== undefined ? { delta: parseNumber("delta", options.delta) } : {}),
        },
      },
      "interplay options",
    );
    const outPath =
      options.out === undefined ? undefined : checkOutputPath(options.out, "out", [request.data]);
    await initBackend(options.backend);
    const prepared = await prepareForRecipe(request, recipe);
    for (const line of prepared.notes) out.note(line);
    const progress = createProgress("interplay", {
      isTTY: out.stderrIsTTY,
      write: (text) => process.stderr.write(text),
    });
    const study = runInterplayStudy(prepared.task, {
      ...(request.sensitive?.[0] !== undefined ? { attribute: request.sensitive[0] } : {}),
      epsilons,
      seeds: Array.from({ length: seedCount }, (_, s) => s),
      methods,
      recipe,
      gamma,
      seededNoise: options["dp-seed"],
      onProgress: (done, total, label) => progress.update(done, total, label),
    });
    progress.finish();
    for (const warning of study.warnings) out.note(`warning: ${warning}`);
    const document = interplayDocument(study);
    if (outPath) writeFileAtomic(outPath, `${toJson(document)}\n`);
    if (out.wantsJson) out.json(document);
    else printStudy(study, out);
  },
});

function readCsv(file: string): { header: string[]; rows: string[][] } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new UserError(`cannot read predictions file '${file}'`);
  }
  const parsed = Papa.parse<string[]>(text, { header: false, skipEmptyLines: "greedy" });
  const [header, ...rows] = parsed.data;
  if (!header || rows.length === 0) throw new DataError(`${file}: no header row or no data rows`);
  rows.forEach((row, r) => {
    if (row.length !== header.length)
      throw new DataError(`${file}: line ${r + 2} has ${row.length} fields, expected ${header.length}`);
  });
  return { header: header.map((h) => h.trim()), rows };
}

function binaryColumn(
  csv: { header: string[]; rows: string[][] },
  file: string,
  option: string,
  name: string,
  positive?: string,
) {
  const c = csv.header.indexOf(name);
  if (c < 0)
    throw new UsageError(`--${option}: no column '${name}' in ${file} (columns: ${csv.header.join(", ")})`);
  return Float64Array.from(csv.rows, (row, r) => {
    const raw = row[c].trim();
    if (positive !== undefined) return raw === positive ? 1 : 0;
    if (raw === "1" || raw === "1.0") return 1;
    if (raw === "0" || raw === "0.0") return 0;
    throw new DataError(
      `${file}: column '${name}' line ${r + 2} has '${raw}', expected 0/1 (or pass --positive LABEL)`,
    );
  });
}

export const ldpMetricsCommand = defineCommand({
  name: "interplay ldp-metrics",
  summary: "fairness metrics from sensitive attributes collected under local DP (randomized response)",
  options: {
    predictions: {
      type: "string",
      valueName: "FILE.csv",
      description: "CSV with labels, predictions and the reported group",
    },
    "y-true": { type: "string", valueName: "COL", description: "column of true labels (0/1)" },
    "y-pred": { type: "string", valueName: "COL", description: "column of predicted labels (0/1)" },
    sensitive: {
      type: "string",
      valueName: "COL",
      description: "column of the groups as REPORTED through randomized response",
    },
    "sensitive-ldp": {
      type: "string",
      valueName: "EPS",
      description: "the ε of the k-ary randomized response the groups were reported with",
    },
    categories: {
      type: "string",
      valueName: "A|B|C",
      description:
        "every group of the response domain (default: the values seen; a group nobody reported would be missed)",
    },
    positive: { type: "string", valueName: "LABEL", description: "the label value that counts as positive" },
    confidence: {
      type: "string",
      valueName: "P",
      description: "confidence of the intervals",
      default: "0.95",
    },
  },
  details: `Example:
  equipoise interplay ldp-metrics --predictions preds.csv --y-true y --y-pred yhat --sensitive sex_reported --sensitive-ldp 1
Each person reported their group through k-ary randomized response at ε (true group with probability
e^ε/(e^ε + k − 1)); the group rates and gaps are estimated without bias by inverting that channel,
with delta-method intervals whose randomness is the randomized response.`,
  run({ options, out }) {
    const file = requireOption("predictions", options.predictions);
    const epsilon = parseNumber("sensitive-ldp", requireOption("sensitive-ldp", options["sensitive-ldp"]), {
      min: 0,
      minExclusive: true,
    });
    const confidence = parseNumber("confidence", options.confidence, {
      min: 0,
      max: 1,
      minExclusive: true,
      maxExclusive: true,
    });
    const csv = readCsv(file);
    const yTrue = binaryColumn(
      csv,
      file,
      "y-true",
      requireOption("y-true", options["y-true"]),
      options.positive,
    );
    const yPred = binaryColumn(
      csv,
      file,
      "y-pred",
      requireOption("y-pred", options["y-pred"]),
      options.positive,
    );
    const name = requireOption("sensitive", options.sensitive);
    const c = csv.header.indexOf(name);
    if (c < 0)
      throw new UsageError(`--sensitive: no column '${name}' in ${file} (columns: ${csv.header.join(", ")})`);
    const values = csv.rows.map((row) => row[c].trim());
    const categories =
      options.categories !== undefined
        ? options.categories
            .split("|")
            .map((s) => s.trim())
            .filter(Boolean)
        : [...new Set(values)].sort();
    if (categories.length < 2)
      throw new UsageError("--categories: randomized response needs at least two groups");
    const codes = Int32Array.from(values, (v, r) => {
      const code = categories.indexOf(v);
      if (code < 0)
        throw new DataError(`${file}: column '${name}' line ${r + 2} has '${v}', not one of --categories`);
      return code;
    });
    if (options.categories === undefined)
      out.note(
        `groups: ${categories.join(", ")} (the values reported; give --categories if the response domain had more)`,
      );
    const estimate = estimateFairnessFromLdp({
      yTrue,
      yPred,
      reported: { name, categories, codes },
      epsilon,
      confidence,
    });
    for (const warning of estimate.warnings) out.note(`warning: ${warning}`);
    if (out.wantsJson) {
      out.json(estimate);
      return;
    }
    const show = (r: { estimate: number; low: number; high: number }) =>
      `${fixed(r.estimate)} [${fixed(r.low)}, ${fixed(r.high)}]`;
    out.print(
      `${estimate.rows} rows; groups reported under ε_LDP = ${epsilon}; ${Math.round(100 * confidence)} % intervals`,
    );
    for (const g of estimate.groups)
      out.print(
        `  ${g.group} (≈${Math.round(g.estimatedCount)} rows): selection ${show(g.selectionRate)}, TPR ${show(g.tpr)}, FPR ${show(g.fpr)}`,
      );
    out.print(`demographic parity difference ${show(estimate.demographicParityDifference)}`);
    out.print(`equalized odds difference ${show(estimate.equalizedOddsDifference)}`);
    out.print(`equal opportunity difference ${show(estimate.equalOpportunityDifference)}`);
  },
});
