/**
 * The canary audit of DP-SGD in one training run (Steinke, Nasr & Jagielski 2023,
 * black-box setting): m canaries, each included in the training set independently
 * with probability ½; the recipe is fitted once; the auditor guesses inclusion from φ
 * of each canary under its own label, and statistics/one-run.ts turns the number of
 * correct guesses into an ε lower bound.
 *
 * Canary design (`design`):
 *  - "random-inputs" (default): points in random directions on a sphere of radius 3×
 *    the median norm of the training rows, with random labels — away from the data, so
 *    that no training row pulls the model toward or away from them;
 *  - "mislabelled": training rows with a wrong label (their source rows are removed
 *    from the training set, so a canary never sits beside its correctly labelled twin).
 * Measured on Adult (MLP 64-64, DP-SGD ε = 8, 30 epochs, 2,000 rows): both kinds are
 * weak in this black-box setting (AUC ≈ 0.57 at best between included and excluded
 * canaries), and the bound grows with their number: 5,000 random-input canaries proved
 * ε ≥ 0.20, 1,000 nothing (BENCHMARKS.md, "Privacy audit").
 */
import { DEFAULT_DELTA } from "../common/defaults.js";
import { UserError } from "../common/errors.js";
import { createRandom, permutation, type Random } from "../common/rng.js";
import { selectSplit } from "../data/split.js";
import type { Split } from "../data/types.js";
import { fitRecipe, parseRecipe, type Recipe, type RecipeInput } from "../fit/index.js";
import { AUDIT_FORMAT, AUDIT_VERSION, type AuditDocument } from "./document.js";
import type { AuditTask } from "./experiment.js";
import { verdictOf } from "./run-attacks.js";
import { modelSignals } from "./scoring.js";
import { type GuessCounts, oneRunAudit } from "./statistics/one-run.js";

/**
 * Settings of {@link canaryAudit}: the recipe of the one DP-SGD run, the number of canaries m, the seed, and the canary design.
 *
 * @example
 * ```ts
 * import { type AuditTask, type CanaryAuditOptions, canaryAudit } from "equipoise/audit";
 * declare const auditTask: AuditTask; // see AuditTask
 * const options: CanaryAuditOptions = {
 *   recipe: { model: "mlp:64,64", epochs: 30, privacy: { targetEpsilon: 8, clip: 1 } },
 *   canaries: 5000, // at least 10
 *   seed: 0,
 *   design: "random-inputs",
 * };
 * const doc = canaryAudit(auditTask, options);
 * ```
 */
export interface CanaryAuditOptions {
  recipe: RecipeInput | Recipe;
  /** Number of canaries m. */
  canaries: number;
  seed: number;
  /** Training rows besides the canaries (default: the whole training split, less the sources of mislabelled canaries). */
  rows?: number;
  significance?: number;
  design?: CanaryDesign;
  /** Called after each training step: steps done and the total. */
  onProgress?: (step: number, totalSteps: number) => void;
}

/**
 * How canaries are made: random points far from the data with random labels, or training rows with a wrong label.
 *
 * @example
 * ```ts
 * import { type AuditTask, type CanaryDesign, canaryAudit } from "equipoise/audit";
 * declare const auditTask: AuditTask;
 * const design: CanaryDesign = "mislabelled"; // default "random-inputs"
 * canaryAudit(auditTask, { recipe: { model: "logreg", privacy: { noiseMultiplier: 1, clip: 1 } }, canaries: 1000, seed: 0, design });
 * ```
 */
export type CanaryDesign = "random-inputs" | "mislabelled";

/**
 * Canaries by default: at ε = 8 on the issue's protocol, 5,000 random-input canaries
 * proved ε ≥ 0.20 where 1,000 proved nothing (BENCHMARKS.md, "Privacy audit").
 *
 * @example
 * ```ts
 * import { DEFAULT_CANARIES } from "equipoise/audit";
 * DEFAULT_CANARIES; // 5000: the number of canaries m of `equipoise audit --canaries` when none is given
 * ```
 */
export const DEFAULT_CANARIES = 5000;
/**
 * Every {@link CanaryDesign}, for help texts and validation.
 *
 * @example
 * ```ts
 * import { CANARY_DESIGNS } from "equipoise/audit";
 * CANARY_DESIGNS; // ["random-inputs", "mislabelled"]
 * CANARY_DESIGNS.includes("mislabelled"); // true
 * ```
 */
export const CANARY_DESIGNS: readonly CanaryDesign[] = ["random-inputs", "mislabelled"];

/** Radius of the random-input canaries, in median norms of the training rows. */
const CANARY_RADIUS = 3;

/**
 * The guess counts tried, as shares of m: "in" for the top r/2 and "out" for the
 * bottom r/2 at r = 2, 5, 10, 20 and 40 % of m, and "in" only for the top 5 and 20 %.
 * Seven configurations, each tested at significance / 7.
 */
export function guessGrid(m: number): GuessCounts[] {
  const grid: GuessCounts[] = [];
  for (const share of [0.02, 0.05, 0.1, 0.2, 0.4]) {
    const half = Math.max(1, Math.round((share * m) / 2));
    grid.push({ in: half, out: half });
  }
  for (const share of [0.05, 0.2]) grid.push({ in: Math.max(1, Math.round(share * m)), out: 0 });
  return grid.filter((g, i) => grid.findIndex((h) => h.in === g.in && h.out === g.out) === i);
}

/** The rows with a wrong label each, chosen at random among the other classes. */
function mislabelled(rows: Split, numClasses: number, random: Random): Split {
  const y = rows.y.map((label) =>
    numClasses === 2 ? 1 - label : (label + 1 + random.integer(numClasses - 1)) % numClasses,
  );
  return { ...rows, y };
}

/** m points in random directions at CANARY_RADIUS median row norms, with random labels. */
function randomInputs(base: Split, m: number, numClasses: number, random: Random): Split {
  const cols = base.X.cols;
  const norms = Float64Array.from({ length: base.X.rows }, (_, i) => {
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += base.X.data[i * cols + j] ** 2;
    return Math.sqrt(sum);
  }).sort();
  const radius = CANARY_RADIUS * (norms[Math.floor(norms.length / 2)] || 1);
  const data = new Float32Array(m * cols);
  const direction = new Float64Array(cols);
  for (let i = 0; i < m; i++) {
    random.fillNormal(direction);
    const length = Math.hypot(...direction) || 1;
    for (let j = 0; j < cols; j++) data[i * cols + j] = (radius * direction[j]) / length;
  }
  return {
    X: { rows: m, cols, data },
    y: Float32Array.from({ length: m }, () => random.integer(numClasses)),
    // Canaries belong to no group: the first group's code stands in (only a fairness mitigation reads it).
    sensitive: base.sensitive.map((attribute) => ({ ...attribute, codes: new Int32Array(m) })),
  };
}

function appendRows(base: Split, extra: Split): Split {
  const cols = base.X.cols;
  const rows = base.X.rows + extra.X.rows;
  const data = new Float32Array(rows * cols);
  data.set(base.X.data.subarray(0, base.X.rows * cols));
  data.set(extra.X.data.subarray(0, extra.X.rows * cols), base.X.rows * cols);
  const y = new Float32Array(rows);
  y.set(base.y);
  y.set(extra.y, base.y.length);
  return {
    X: { rows, cols, data },
    y,
    sensitive: base.sensitive.map((attribute, k) => {
      const codes = new Int32Array(rows);
      codes.set(attribute.codes);
      codes.set(extra.sensitive[k].codes, base.y.length);
      return { ...attribute, codes };
    }),
  };
}

/**
 * The one-run canary audit of `options.recipe` on the task (see the module comment): an audit document with the canaries' ε lower bound.
 *
 * @example
 * ```ts
 * import { type AuditTask, canaryAudit } from "equipoise/audit";
 * declare const auditTask: AuditTask; // see membershipExperiment; one DP-SGD run with 1,000 canaries
 * const doc = canaryAudit(auditTask, { recipe: { model: "logreg", privacy: { noiseMultiplier: 1, clip: 1 } }, canaries: 1000, seed: 0 });
 * doc.canaries?.epsilonLowerBound; // the one-run lower bound (Steinke et al. 2023), ≤ the accountant's ε
 * ```
 */
export function canaryAudit(task: AuditTask, options: CanaryAuditOptions): AuditDocument {
  const recipe = parseRecipe(options.recipe);
  const m = options.canaries;
  const available = task.train.X.rows;
  const design = options.design ?? "random-inputs";
  if (!(Number.isInteger(m) && m >= 10))
    throw new UserError(`--canaries must be a whole number ≥ 10, got ${m}`);
  // Mislabelled canaries are made of training rows, which then leave the training set.
  const sources = design === "mislabelled" ? m : 0;
  if (sources >= available) {
    throw new UserError(
      `--canaries ${m} mislabelled rows need more training rows than ${task.name} has (${available})`,
    );
  }
  const baseCount = options.rows ?? available - sources;
  if (!(Number.isInteger(baseCount) && baseCount >= 1 && baseCount <= available - sources)) {
    throw new UserError(
      `--rows must be a whole number in [1, ${available - sources}]${sources > 0 ? ` beside ${m} mislabelled canaries` : ""}, got ${options.rows}`,
    );
  }
  const random = createRandom(options.seed);
  const order = permutation(available, random);
  const base = selectSplit(task.train, order.slice(sources, sources + baseCount).sort());
  const canaries =
    design === "mislabelled"
      ? mislabelled(selectSplit(task.train, order.slice(0, m)), task.numClasses, random)
      : randomInputs(base, m, task.numClasses, random);
  const included = Uint8Array.from({ length: m }, () => (random.uniform() < 0.5 ? 1 : 0));
  const includedRows = Int32Array.from(included.keys()).filter((i) => included[i] === 1);
  const train = appendRows(base, selectSplit(canaries, includedRows));
  const modelSeed = random.uint32() >>> 1;
  const started = performance.now();
  const fitted = {
    ...recipe,
    seed: modelSeed,
    ...(recipe.privacy
      ? { privacy: { ...recipe.privacy, noiseSeed: recipe.privacy.noiseSeed ?? modelSeed } }
      : {}),
  };
  const fit = fitRecipe(
    fitted,
    { train, numClasses: task.numClasses, inputShape: task.inputShape },
    {
      ...(options.onProgress ? { onProgress: (p) => options.onProgress!(p.step, p.totalSteps) } : {}),
    },
  );
  let phi: Float64Array;
  try {
    phi = modelSignals(fit.model, canaries.X, canaries.y).phi;
  } finally {
    fit.model.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  const delta = recipe.privacy?.delta ?? DEFAULT_DELTA;
  const significance = options.significance ?? 0.05;
  const outcome = oneRunAudit(phi, included, { delta, significance, tried: guessGrid(m) });
  const epsilon = fit.privacy?.epsilon ?? Number.POSITIVE_INFINITY;
  const verdict = verdictOf(
    epsilon,
    delta,
    [{ value: outcome.epsilonLowerBound, source: "the canary audit" }],
    1 - significance,
  );
  return {
    format: AUDIT_FORMAT,
    version: AUDIT_VERSION,
    kind: "canaries",
    created: new Date().toISOString(),
    data: {
      name: task.name,
      features: task.train.X.cols,
      sensitive: task.train.sensitive.map((s) => s.name),
    },
    recipe: { ...fitted },
    target: {
      model: recipe.model,
      trainRows: train.X.rows,
      epsilon,
      delta,
      ...(fit.privacy ? { privacy: { ...fit.privacy } } : {}),
    },
    setup: {
      candidates: m,
      members: includedRows.length,
      nonMembers: m - includedRows.length,
      shadows: 0,
      pool: train.X.rows,
      population: 0,
      seed: options.seed,
      engine: "serial",
      trainingSeconds: seconds,
      attackSeconds: 0,
    },
    attacks: [],
    canaries: {
      canaries: m,
      included: includedRows.length,
      design:
        design === "mislabelled"
          ? "mislabelled: training rows with a wrong label, each included with probability ½; score φ of the wrong label"
          : `random inputs: random directions at ${CANARY_RADIUS}× the median row norm with random labels, each included with probability ½; score φ of the label`,
      guesses: outcome.guesses,
      correct: outcome.correct,
      chosen: outcome.chosen,
      tried: outcome.tried,
      significance,
      epsilonLowerBound: outcome.epsilonLowerBound,
      trainRows: train.X.rows,
      seconds,
    },
    verdict,
    notes: [
      `${baseCount} training rows plus ${includedRows.length} of ${m} canaries (${design}); one run of the recipe${recipe.privacy ? " (DP noise seeded from --seed for reproducibility)" : ""}`,
      `the bound holds at ${Math.round((1 - significance) * 100)} % confidence over the ${outcome.tried.length} guess counts tried (Bonferroni)`,
      ...fit.warnings,
    ],
  };
}
