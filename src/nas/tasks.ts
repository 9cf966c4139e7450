/**
 * The tasks architecture search runs on, each with three splits — train, a
 * validation split that every choice is made on, and a test split read only for
 * reports — and the attribute whose groups the bias is measured on:
 *
 *  - biased benchmarks: colored-fashion-mnist[:ρ] and spurious-adult[:ρ], whose
 *    attribute `bias` says whether an example's shortcut (colour, proxy) agrees with
 *    its label; validation and test hold every example twice, aligned and conflicting;
 *  - fairness tasks: DATASET:ATTRIBUTE for the registered tabular data sets (adult:sex,
 *    adult:race, compas:race, german-credit:sex...), validation carved from the
 *    training split (stratified, seeded).
 *
 * A task also says how to swap the attribute in the inputs (the shortcut probe):
 * recolour an image, or exchange the one-hot columns of a feature.
 */
import { UserError } from "../common/errors.js";
import { createRandom } from "../common/rng.js";
import {
  type ColoredOptions,
  coloredFashionMnist,
  coloredFashionMnistRho,
  recolour,
} from "../data/datasets/colored-fashion-mnist.js";
import { spuriousAdultRho, spuriousAdultTask } from "../data/datasets/spurious-adult.js";
import {
  datasetNames,
  findDataset,
  type PreparedTask,
  prepareTask,
  type Split,
  splitValidation,
} from "../data/index.js";

/**
 * A biased benchmark (a shortcut feature) or a fairness one (a sensitive attribute).
 *
 * @example
 * ```ts
 * import { loadNasTask, type TaskKind } from "equipoise/nas";
 * const task = await loadNasTask("spurious-adult:0.95");
 * const kind: TaskKind = task.kind; // "biased": aligned/conflicting examples; "adult:sex" is a "fairness" task
 * ```
 */
export type TaskKind = "biased" | "fairness";

/**
 * How the shortcut probe changes an example's attribute in its inputs.
 *
 * @example
 * ```ts
 * import { loadNasTask, type Probe } from "equipoise/nas";
 * const task = await loadNasTask("adult:sex");
 * const probe: Probe = task.probe; // "one-hot": swap the sex columns; "recolour" on Colored Fashion-MNIST
 * if (probe.kind === "none") console.log(`no flip rate: ${probe.reason}`);
 * ```
 */
export type Probe =
  | { kind: "recolour"; attribute: string }
  | { kind: "one-hot"; column: string; categories: string[]; firstFeature: number }
  | { kind: "none"; reason: string };

/**
 * A benchmark an architecture search runs on: its splits, the attribute, and the shortcut probe.
 *
 * @example
 * ```ts
 * import { loadNasTask, type NasTask } from "equipoise/nas";
 * const task: NasTask = await loadNasTask("adult:sex");
 * console.log(task.kind, task.modality, task.attribute, task.train.X.rows, task.validation.X.rows);
 * task.fingerprint; // identifies the data a result was computed on
 * ```
 */
export interface NasTask {
  /** As the user wrote it, normalised: "colored-fashion-mnist:0.99", "adult:sex". */
  id: string;
  kind: TaskKind;
  /** Images get the CNN search space, tables the MLP one. */
  modality: "image" | "tabular";
  train: Split;
  validation: Split;
  test: Split;
  inputShape: number[];
  numClasses: number;
  classNames: string[];
  /** The attribute whose groups bias is measured on ("bias" for the biased benchmarks). */
  attribute: string;
  probe: Probe;
  /** What the bias attribute and the probe mean, for reports. */
  description: string;
  fingerprint: string;
}

/**
 * Options of {@link loadNasTask}: data directory, seed and image split sizes.
 *
 * @example
 * ```ts
 * import { loadNasTask, type TaskOptions } from "equipoise/nas";
 * const options: TaskOptions = { dataDir: "data", seed: 1, images: { trainSize: 3000, validationSize: 500, testSize: 1000 } };
 * const task = await loadNasTask("colored-fashion-mnist:0.99", options); // a smaller subset than NAS_IMAGE_DEFAULTS
 * ```
 */
export interface TaskOptions {
  /** Local copies of fetched data (Fashion-MNIST). */
  dataDir?: string;
  /** Seed of held-out rows and generated attributes (default 0). */
  seed?: number;
  /** Colored Fashion-MNIST sizes (images): training, held-out validation, test. */
  images?: Partial<Pick<ColoredOptions, "trainSize" | "validationSize" | "testSize">>;
  /** Share of a fairness task's training split held out for validation (default 0.2). */
  validationFraction?: number;
}

/**
 * The Colored Fashion-MNIST sizes the CLI uses unless told otherwise: a subset that a
 * Hyperband search of 17 architectures trains on two shared cores in about half an
 * hour (measured in BENCHMARKS.md); the full set is --train-images 55000 and more.
 *
 * @example
 * ```ts
 * import { loadNasTask, NAS_IMAGE_DEFAULTS } from "equipoise/nas";
 * NAS_IMAGE_DEFAULTS; // { trainSize: 6000, validationSize: 1000, testSize: 2000 }
 * const task = await loadNasTask("colored-fashion-mnist", { images: { ...NAS_IMAGE_DEFAULTS, trainSize: 12000 } });
 * ```
 */
export const NAS_IMAGE_DEFAULTS = { trainSize: 6000, validationSize: 1000, testSize: 2000 };

/**
 * The task specs {@link loadNasTask} accepts, for help texts.
 *
 * @example
 * ```ts
 * import { TASK_HELP } from "equipoise/nas";
 * console.log(`--task TASK   ${TASK_HELP}`); // the task specs loadNasTask accepts, for a help text
 * ```
 */
export const TASK_HELP =
  "colored-fashion-mnist[:RHO], spurious-adult[:RHO], or DATASET:ATTRIBUTE for a tabular data set (adult:sex, adult:race, compas:race, german-credit:sex)";

/**
 * Loads a benchmark for architecture search: `colored-fashion-mnist[:RHO]`, `spurious-adult[:RHO]`
 * (RHO in [0, 1], the bias strength), or `DATASET:ATTRIBUTE` for a tabular data set.
 *
 * @throws `DataError` or `UsageError` on an unknown task or attribute, or a RHO out of range.
 * @example
 * ```ts
 * import { loadNasTask } from "equipoise/nas";
 * const task = await loadNasTask("adult:sex");
 * console.log(task.train.y.length, "training rows");
 * ```
 */
export async function loadNasTask(spec: string, options: TaskOptions = {}): Promise<NasTask> {
  const seed = options.seed ?? 0;
  const coloredRho = coloredFashionMnistRho(spec);
  if (coloredRho !== undefined) {
    const { task, validation } = await coloredFashionMnist(
      { rho: coloredRho, seed, ...options.images },
      options.dataDir === undefined ? {} : { dataDir: options.dataDir },
    );
    return {
      ...common(task, validation, `colored-fashion-mnist:${coloredRho}`, "biased", "bias"),
      probe: { kind: "recolour", attribute: "colour" },
      description: `garments coloured by class in ${formatShare(coloredRho)} of the training images; aligned = in its class's colour, conflicting = in another colour; the probe recolours each image in another colour`,
    };
  }
  const spuriousRho = spuriousAdultRho(spec);
  if (spuriousRho !== undefined) {
    const { task, validation } = await spuriousAdultTask({ rho: spuriousRho, seed });
    return {
      ...common(task, validation, `spurious-adult:${spuriousRho}`, "biased", "bias"),
      probe: oneHotProbe(task, "proxy"),
      description: `a proxy column agrees with the label in ${formatShare(spuriousRho)} of the training rows and carries no information elsewhere; aligned = proxy agrees, conflicting = disagrees; the probe flips the proxy`,
    };
  }
  const colon = spec.indexOf(":");
  const dataset = colon < 0 ? spec : spec.slice(0, colon);
  const description = findDataset(dataset);
  if (!description || description.availability === "generated" || dataset === "fashion-mnist") {
    throw new UserError(`unknown NAS task '${spec}'; known: ${TASK_HELP}`);
  }
  const attribute = colon < 0 ? description.sensitive[0] : spec.slice(colon + 1);
  const known = [...description.sensitive, ...description.alsoSensitive];
  if (!known.includes(attribute)) {
    throw new UserError(
      `task '${spec}': ${dataset} has no sensitive attribute '${attribute}' (known: ${known.join(", ")})`,
    );
  }
  const task = await prepareTask({
    data: dataset,
    sensitive: [attribute],
    seed,
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
  });
  if (task.numClasses !== 2) throw new UserError(`task '${spec}': fairness tasks need a binary target`);
  const parts = splitValidation(task.train, options.validationFraction ?? 0.2, seed);
  return {
    ...common(
      { ...task, train: parts.train },
      parts.validation,
      `${dataset}:${attribute}`,
      "fairness",
      attribute,
    ),
    probe: oneHotProbe(task, attribute),
    description: `groups of ${attribute} in ${dataset}'s standard task; the probe gives each row another ${attribute}`,
  };
}

/** Names a task spec could take, for help texts. */
export function knownTaskDatasets(): string[] {
  return datasetNames().filter((name) => !["fashion-mnist", "synthetic"].includes(name));
}

function common(task: PreparedTask, validation: Split, id: string, kind: TaskKind, attribute: string) {
  return {
    id,
    kind,
    modality: task.imageShape ? ("image" as const) : ("tabular" as const),
    train: task.train,
    validation,
    test: task.test,
    inputShape: task.imageShape ? [...task.imageShape] : [task.train.X.cols],
    numClasses: task.numClasses,
    classNames: task.classNames,
    attribute,
    fingerprint: task.fingerprint,
  };
}

function formatShare(rho: number): string {
  return `${Number((rho * 100).toPrecision(6))}%`;
}

/** Swapping a one-hot feature needs its every category among the features, side by side. */
function oneHotProbe(task: PreparedTask, column: string): Probe {
  const names = task.featureNames;
  const first = names.findIndex((name) => name.startsWith(`${column}=`));
  if (first < 0)
    return { kind: "none", reason: `'${column}' is not a feature of the model (nothing to swap)` };
  const categories: string[] = [];
  for (let k = first; k < names.length && names[k].startsWith(`${column}=`); k++) {
    categories.push(names[k].slice(column.length + 1));
  }
  if (categories.length < 2)
    return { kind: "none", reason: `'${column}' has one category among the features` };
  return { kind: "one-hot", column, categories, firstFeature: first };
}

/**
 * The split with every example's attribute changed to a uniformly drawn different
 * value (seeded), or null when the task has no probe. Rows whose one-hot block is
 * all zeros (an unseen category) get the drawn category set.
 */
export function counterfactual(task: Pick<NasTask, "probe">, split: Split, seed: number): Split | null {
  const probe = task.probe;
  if (probe.kind === "none") return null;
  const random = createRandom(seed);
  if (probe.kind === "recolour") {
    const attribute = split.sensitive.find((s) => s.name === probe.attribute);
    if (!attribute) throw new Error(`the split has no '${probe.attribute}' attribute to recolour by`);
    const count = attribute.categories.length;
    const colours = Int32Array.from(attribute.codes, (code) => {
      const draw = random.integer(count - 1);
      return draw >= code ? draw + 1 : draw;
    });
    return { ...split, X: recolour(split.X, colours) };
  }
  const { cols } = split.X;
  const data = split.X.data.slice();
  const width = probe.categories.length;
  for (let i = 0; i < split.X.rows; i++) {
    const start = i * cols + probe.firstFeature;
    let current = -1;
    for (let k = 0; k < width; k++) if (data[start + k] === 1) current = k;
    let next = random.integer(current < 0 ? width : width - 1);
    if (current >= 0 && next >= current) next++;
    for (let k = 0; k < width; k++) data[start + k] = k === next ? 1 : 0;
  }
  return { ...split, X: { rows: split.X.rows, cols, data } };
}
