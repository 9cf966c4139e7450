/**
 * Spurious Adult: UCI Adult with a synthetic shortcut. A column `proxy` (values
 * "A", "B") agrees with the label (B for >50K) in a share ρ of the training rows and
 * disagrees in the rest; in the validation and test rows it carries no information:
 * every such row appears twice, once with the proxy agreeing with its label
 * (bias-aligned) and once disagreeing (bias-conflicting). A model that leans on the
 * proxy does well on the aligned copies and badly on the conflicting ones, the same
 * rows otherwise: the paired design makes "aligned minus conflicting accuracy" a
 * within-row difference (the tabular analogue of Colored MNIST's colour, Nam et al.
 * 2020; the "spurious feature" benchmarks of Sagawa et al. 2020).
 *
 * Splits: Adult's training file minus a held-out validation part (stratified,
 * seeded) for training; that part, doubled, for validation; Adult's test file,
 * doubled, for test. The sensitive attribute `bias` (aligned / conflicting) is never
 * a feature (it is computed from the label); `proxy` always is. Adult's other
 * columns are the standard task's features (sex and race included).
 */
import { DataError } from "../../common/errors.js";
import { createRandom } from "../../common/rng.js";
import type { DatasetMetadata } from "../metadata.js";
import { selectSplit, stratifiedSplit } from "../split.js";
import { type CategoricalColumn, indicesWhere, Table, toCategorical } from "../table.js";
import { buildTabularTask, type TabularBuildOptions, type TabularSource } from "../tabular-task.js";
import type { PreparedTask, Split } from "../types.js";
import { ADULT_COLUMNS, adultMetadata, loadAdultTable } from "./adult.js";

export const SPURIOUS_DEFAULTS = { rho: 0.95, validationFraction: 0.2 };
const PROXY_VALUES = ["A", "B"];
const POSITIVE = ">50K";

export interface SpuriousAdultOptions {
  rho?: number;
  /** Fixed: income; any other value is refused. */
  target?: string;
  positive?: string;
  validationFraction?: number;
  sensitive?: string[];
  seed?: number;
}

/** A TabularSource whose "test" rows are the validation rows followed by the test rows (both doubled). */
export interface SpuriousAdultSource {
  source: TabularSource;
  /** Of the built task's test split: how many of its first rows are validation rows. */
  validationRows: number;
}

/** "spurious-adult" or "spurious-adult:RHO" → ρ (default 0.95); undefined for other names. */
export function spuriousAdultRho(dataset: string): number | undefined {
  const match = /^spurious-adult(?::(.*))?$/.exec(dataset);
  if (!match) return undefined;
  if (match[1] === undefined) return SPURIOUS_DEFAULTS.rho;
  const rho = Number(match[1]);
  if (match[1].trim() === "" || !(rho >= 0 && rho <= 1)) {
    throw new DataError(
      `'${dataset}': the proxy correlation after ':' must be a number in [0, 1], e.g. 0.95`,
    );
  }
  return rho;
}

export function spuriousAdultSource(options: SpuriousAdultOptions = {}): SpuriousAdultSource {
  const rho = options.rho ?? SPURIOUS_DEFAULTS.rho;
  const fraction = options.validationFraction ?? SPURIOUS_DEFAULTS.validationFraction;
  if (!(rho >= 0 && rho <= 1)) throw new DataError(`spurious-adult: rho must be in [0, 1], got ${rho}`);
  if (!(fraction > 0 && fraction < 1)) {
    throw new DataError(`spurious-adult: the validation fraction must be in (0, 1), got ${fraction}`);
  }
  const seed = options.seed ?? 0;
  const { table, testRows } = loadAdultTable();
  const income = toCategorical(table.column("income"));
  const positiveCode = income.categories.indexOf(POSITIVE);
  const isPositive = (row: number) => (income.codes[row] === positiveCode ? 1 : 0);

  const trainAll = indicesWhere(testRows.map((v) => (v ? 0 : 1)));
  const held = stratifiedSplit(Float32Array.from(trainAll, isPositive), fraction, seed);
  const train = Int32Array.from(held.train, (i) => trainAll[i]);
  const validation = Int32Array.from(held.test, (i) => trainAll[i]);
  const test = indicesWhere(testRows);

  const random = createRandom(seed + 1);
  const rows: number[] = [];
  const proxy: number[] = [];
  const bias: number[] = [];
  for (const row of train) {
    const aligned = random.uniform() < rho;
    rows.push(row);
    proxy.push(aligned ? isPositive(row) : 1 - isPositive(row));
    bias.push(aligned ? 0 : 1);
  }
  for (const part of [validation, test]) {
    for (const copy of [0, 1]) {
      for (const row of part) {
        rows.push(row);
        proxy.push(copy === 0 ? isPositive(row) : 1 - isPositive(row));
        bias.push(copy);
      }
    }
  }
  const proxyColumn: CategoricalColumn = {
    kind: "categorical",
    name: "proxy",
    categories: [...PROXY_VALUES],
    codes: Int32Array.from(proxy),
  };
  const biasColumn: CategoricalColumn = {
    kind: "categorical",
    name: "bias",
    categories: ["aligned", "conflicting"],
    codes: Int32Array.from(bias),
  };
  const built = table.selectRows(Int32Array.from(rows)).withColumns([proxyColumn, biasColumn]);
  const isHeldOut = new Uint8Array(rows.length).fill(1, train.length);
  const metadata: DatasetMetadata = {
    ...adultMetadata(),
    proxy: { categories: [...PROXY_VALUES], source: "generated by Equipoise" },
    bias: { categories: ["aligned", "conflicting"], source: "generated by Equipoise" },
  };
  return {
    source: {
      name: `spurious-adult:${rho}`,
      table: new Table([...built.columns]),
      target: "income",
      positiveLabel: POSITIVE,
      features: [...ADULT_COLUMNS.filter((name) => name !== "income"), "proxy"],
      sensitive: options.sensitive ?? ["bias"],
      sensitiveInFeatures: false,
      testRows: isHeldOut,
      seed,
      metadata,
    },
    validationRows: validation.length * 2,
  };
}

/** The built task (test: Adult's test rows, doubled) and its validation split (held-out training rows, doubled). */
export async function spuriousAdultTask(
  options: SpuriousAdultOptions = {},
  build: TabularBuildOptions = {},
): Promise<{ task: PreparedTask; validation: Split }> {
  if ((options.target !== undefined && options.target !== "income") || options.positive !== undefined) {
    throw new DataError("spurious-adult has a fixed target (income >50K): drop --target/--positive");
  }
  const { source, validationRows } = spuriousAdultSource(options);
  const task = await buildTabularTask(source, build);
  const heldOut = task.test;
  const range = (from: number, to: number) => Int32Array.from({ length: to - from }, (_, i) => from + i);
  return {
    task: { ...task, test: selectSplit(heldOut, range(validationRows, heldOut.X.rows)) },
    validation: selectSplit(heldOut, range(0, validationRows)),
  };
}
