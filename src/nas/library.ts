/**
 * The architecture library: architectures measured on the biased benchmarks and
 * fairness tasks, over seeds, ranked by their bias and classified against their
 * benchmark's reference architecture (the default CNN or MLP):
 *  - bias-repelling: the 95% interval of its mean test bias gap lies wholly below
 *    the reference's;
 *  - bias-attracting: wholly above;
 *  - neutral: the intervals overlap (the seeds cannot tell them apart).
 * Non-overlap of two 95% intervals is a conservative test (it implies a difference
 * at well under the 5% level; Schenker & Gentleman 2001), so a classification is
 * evidence, not noise of one seed. An entry with one seed has a point interval and
 * is classified on that point alone: the catalogue records n beside every interval.
 *
 * A plan is the list of (task, architectures, seeds) a catalogue is built from;
 * `equipoise nas library --out DIR` runs one (the committed library/ comes from the
 * standard plan on this machine) and writes catalogue.json and index.html.
 */
import { canonicalArchitecture } from "./architecture.js";
import { evaluateArchitecture } from "./evaluate.js";
import {
  type ArchitectureEvaluation,
  type Catalogue,
  type CatalogueEntry,
  catalogueSchema,
  type TrainingSettings,
} from "./schema.js";
import { loadNasTask, type TaskOptions } from "./tasks.js";
import { DEFAULT_ARCHITECTURES } from "./train.js";

/**
 * One benchmark of the architecture library: its task, architectures, seeds and settings.
 *
 * @example
 * ```ts
 * import { type PlannedBenchmark, runLibraryPlan } from "equipoise/nas";
 * const benchmark: PlannedBenchmark = {
 *   task: "german-credit:sex", architectures: ["mlp:64,64", "mlp:32", "mlp:width=64,64:dropout=0.3"], seeds: [0, 1, 2],
 *   settings: { learningRate: 3e-3, batchSize: 256, epochs: 9 },
 * };
 * const measured = await runLibraryPlan([benchmark]); // the reference mlp:64,64 is needed by buildCatalogue
 * ```
 */
export interface PlannedBenchmark {
  task: string;
  architectures: string[];
  seeds: number[];
  images?: TaskOptions["images"];
  settings?: TrainingSettings;
}

const MLPS = [
  "mlp:64,64",
  "mlp:width=16",
  "mlp:width=256,256",
  "mlp:width=64,64:dropout=0.3",
  "mlp:width=64,64:norm=layer:skip=residual",
  "mlp:width=32,32,32,32:act=tanh",
];

const CNNS = [
  "cnn",
  "cnn:channels=16,32:head=gap",
  "cnn:channels=8,16,32:kernel=5,3,3:down=stride:norm=group",
  "cnn:channels=32,64:norm=group:skip=residual:head=gap",
];

/**
 * Built-in plans: "small" (German credit only, a minute or two), "standard" (the
 * committed catalogue: German credit, spurious Adult and Adult by sex — the wide
 * 256×256 MLP and the deep tanh MLP only on German credit, where they are cheap) and
 * "images" (four CNNs on a Colored Fashion-MNIST subset; needs the fetched files).
 *
 * @example
 * ```ts
 * import { LIBRARY_PLANS, runLibraryPlan } from "equipoise/nas";
 * Object.keys(LIBRARY_PLANS); // ["small", "standard", "images"]
 * LIBRARY_PLANS.small[0].architectures.length; // 6 MLPs on German credit, 3 seeds each
 * const measured = await runLibraryPlan(LIBRARY_PLANS.small);
 * ```
 */
export const LIBRARY_PLANS: Record<string, PlannedBenchmark[]> = {
  small: [{ task: "german-credit:sex", architectures: MLPS, seeds: [0, 1, 2] }],
  standard: [
    { task: "german-credit:sex", architectures: MLPS, seeds: [0, 1, 2] },
    {
      task: "spurious-adult:0.95",
      architectures: MLPS.slice(0, 2).concat(MLPS.slice(3, 5)),
      seeds: [0, 1, 2],
    },
    { task: "adult:sex", architectures: MLPS.slice(0, 2).concat(MLPS.slice(3, 5)), seeds: [0, 1, 2] },
  ],
  images: [
    {
      task: "colored-fashion-mnist:0.99",
      architectures: CNNS,
      seeds: [0, 1],
      images: { trainSize: 3000, validationSize: 500, testSize: 1000 },
    },
  ],
};

/**
 * The rule that classes library architectures, in words (stored in the catalogue).
 *
 * @example
 * ```ts
 * import { CLASSIFICATION_RULE, type Catalogue } from "equipoise/nas";
 * declare const catalogue: Catalogue; // from buildCatalogue
 * catalogue.rule === CLASSIFICATION_RULE; // true: the rule is stored with the entries it classed
 * ```
 */
export const CLASSIFICATION_RULE =
  "bias gap = largest minus smallest test accuracy over the groups of the benchmark's attribute (aligned minus conflicting on a biased benchmark); an architecture is bias-repelling when the 95% Student-t interval of its mean gap over seeds lies wholly below the reference architecture's, bias-attracting when wholly above, neutral when they overlap; rank 1 = smallest mean gap";

export function classify(
  entry: ArchitectureEvaluation,
  reference: ArchitectureEvaluation,
): CatalogueEntry["classification"] {
  if (entry.hash === reference.hash && entry.debias === reference.debias) return "reference";
  const gap = entry.test.biasGap;
  const ref = reference.test.biasGap;
  if (!gap || !ref) return "neutral";
  if (gap.high < ref.low) return "bias-repelling";
  if (gap.low > ref.high) return "bias-attracting";
  return "neutral";
}

/**
 * The evaluations of one benchmark's architectures.
 *
 * @example
 * ```ts
 * import { type BenchmarkEvaluations, buildCatalogue, runLibraryPlan } from "equipoise/nas";
 * const measured: BenchmarkEvaluations[] = await runLibraryPlan([{ task: "german-credit:sex", architectures: ["mlp:64,64", "mlp:32"], seeds: [0, 1, 2] }]);
 * measured[0].evaluations.map((e) => e.architecture); // canonical strings, in plan order
 * const catalogue = buildCatalogue(measured, "2-core laptop");
 * ```
 */
export interface BenchmarkEvaluations {
  task: string;
  description: string;
  evaluations: ArchitectureEvaluation[];
}

/**
 * Ranks and classifies each benchmark's evaluations against its reference architecture.
 *
 * @example
 * ```ts
 * import { buildCatalogue, runLibraryPlan } from "equipoise/nas";
 * const measured = await runLibraryPlan([{ task: "german-credit:sex", architectures: ["mlp:32", "mlp:64,64"], seeds: [0, 1, 2] }]);
 * const catalogue = buildCatalogue(measured, "2-core CI runner"); // ranked, classified against the reference
 * ```
 */
export function buildCatalogue(
  benchmarks: readonly BenchmarkEvaluations[],
  machine: string,
  created = new Date().toISOString(),
): Catalogue {
  const catalogue: Catalogue = {
    format: "equipoise-nas-library",
    version: 1,
    created,
    machine,
    rule: CLASSIFICATION_RULE,
    benchmarks: benchmarks.map(({ task, description, evaluations }) => {
      const modality = task.startsWith("colored-fashion-mnist") ? "image" : "tabular";
      const referenceArchitecture = canonicalArchitecture(DEFAULT_ARCHITECTURES[modality]);
      const reference = evaluations.find(
        (e) => e.architecture === referenceArchitecture && e.debias === "none",
      );
      if (!reference) throw new Error(`benchmark ${task} has no evaluation of its reference architecture`);
      const order = [...evaluations].sort(
        (a, b) =>
          (a.test.biasGap?.mean ?? Number.POSITIVE_INFINITY) -
          (b.test.biasGap?.mean ?? Number.POSITIVE_INFINITY),
      );
      return {
        task,
        description,
        reference: reference.architecture,
        entries: order.map((evaluation, k) => ({
          ...evaluation,
          classification: classify(evaluation, reference),
          rank: k + 1,
        })),
      };
    }),
  };
  return catalogueSchema.parse(catalogue);
}

/**
 * Progress of a library run: which task, architecture and seed, and how many done.
 *
 * @example
 * ```ts
 * import { type LibraryProgress, LIBRARY_PLANS, runLibraryPlan } from "equipoise/nas";
 * const report = (p: LibraryProgress) => console.log(`${p.task} ${p.architecture} seed ${p.seed}: ${p.done}/${p.total}`);
 * await runLibraryPlan(LIBRARY_PLANS.small, { onProgress: report });
 * ```
 */
export interface LibraryProgress {
  task: string;
  architecture: string;
  seed: number;
  done: number;
  total: number;
}

/**
 * Runs a plan: every architecture of every benchmark over its seeds.
 *
 * @example
 * ```ts
 * import { runLibraryPlan } from "equipoise/nas";
 * const measured = await runLibraryPlan(
 *   [{ task: "german-credit:sex", architectures: ["mlp:32", "mlp:64,64"], seeds: [0, 1, 2] }],
 *   { onProgress: (progress) => console.log(progress) },
 * ); // one BenchmarkEvaluations per benchmark
 * ```
 */
export async function runLibraryPlan(
  plan: readonly PlannedBenchmark[],
  options: {
    dataDir?: string;
    onProgress?: (progress: LibraryProgress) => void;
    /** Each benchmark as soon as it is measured (a long plan's partial results). */
    onBenchmark?: (done: BenchmarkEvaluations) => void;
  } = {},
): Promise<BenchmarkEvaluations[]> {
  const total = plan.reduce((n, b) => n + b.architectures.length * b.seeds.length, 0);
  let done = 0;
  const result: BenchmarkEvaluations[] = [];
  for (const benchmark of plan) {
    const task = await loadNasTask(benchmark.task, {
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      ...(benchmark.images ? { images: benchmark.images } : {}),
    });
    const evaluations = benchmark.architectures.map((architecture) =>
      evaluateArchitecture(task, architecture, {
        seeds: benchmark.seeds,
        ...(benchmark.settings ? { settings: benchmark.settings } : {}),
        ...(benchmark.images ? { images: benchmark.images } : {}),
        onSeed: (seed) => {
          options.onProgress?.({ task: task.id, architecture, seed, done, total });
          done++;
        },
      }),
    );
    result.push({ task: task.id, description: task.description, evaluations });
    options.onBenchmark?.(result.at(-1)!);
  }
  return result;
}
