/**
 * A seeded generator of biased tabular data, for tests and demos. Each row belongs
 * to group "A" or, with probability `minorityFraction`, to group "B" (imbalance). The
 * true label follows a logistic model of x1, x2 (x3 is noise); then a `labelBias`
 * share of group B's positive labels is flipped to negative (biased historical
 * labels). `proxy` is correlated with group membership (correlation close to
 * `proxyStrength` with the ±1 group indicator), so removing `group` from the features
 * does not remove the information. `segment` is a categorical column unrelated to
 * everything else.
 */
import { createRandom } from "../../common/rng.js";
import type { DatasetMetadata } from "../metadata.js";
import { type Column, Table } from "../table.js";
import type { TabularSource } from "../tabular-task.js";

/**
 * Parameters of the synthetic generator (see the module comment).
 *
 * @example
 * ```ts
 * import { generateSynthetic, type SyntheticOptions } from "equipoise/data";
 * const options: SyntheticOptions = { rows: 2000, minorityFraction: 0.25, labelBias: 0.4, proxyStrength: 0.9, seed: 7 };
 * const table = generateSynthetic(options); // each field in [0, 1] except rows (an integer ≥ 2) and seed
 * ```
 */
export interface SyntheticOptions {
  rows: number;
  /** Share of group B. */
  minorityFraction: number;
  /** Probability that a positive label of group B is recorded as negative. */
  labelBias: number;
  /** In [0, 1): how strongly `proxy` tracks the group. */
  proxyStrength: number;
  /** Seed of the generated data (the split has its own seed). */
  seed: number;
}

/**
 * The synthetic data set's default parameters.
 *
 * @example
 * ```ts
 * import { generateSynthetic, SYNTHETIC_DEFAULTS } from "equipoise/data";
 * SYNTHETIC_DEFAULTS; // { rows: 4000, minorityFraction: 0.3, labelBias: 0.3, proxyStrength: 0.8, seed: 0 }
 * const stronger = generateSynthetic({ ...SYNTHETIC_DEFAULTS, labelBias: 0.6 });
 * ```
 */
export const SYNTHETIC_DEFAULTS: SyntheticOptions = {
  rows: 4000,
  minorityFraction: 0.3,
  labelBias: 0.3,
  proxyStrength: 0.8,
  seed: 0,
};

const SEGMENTS = ["north", "south", "east", "west"];

/**
 * Known by construction: the categories are the generator's; x1, x2, x3 are N(0, 1)
 * and proxy has unit variance, so ±4 (four standard deviations of the generator)
 * bounds all but about 6 values in 100,000, which are clipped.
 *
 * @example
 * ```ts
 * import { SYNTHETIC_METADATA } from "equipoise/data";
 * SYNTHETIC_METADATA.x1; // { bounds: [-4, 4], source: "generator: N(0, 1)" }
 * SYNTHETIC_METADATA.group.categories; // ["A", "B"]
 * ```
 */
export const SYNTHETIC_METADATA: DatasetMetadata = {
  x1: { bounds: [-4, 4], source: "generator: N(0, 1)" },
  x2: { bounds: [-4, 4], source: "generator: N(0, 1)" },
  x3: { bounds: [-4, 4], source: "generator: N(0, 1)" },
  proxy: { bounds: [-4, 4], source: "generator: unit variance" },
  segment: { categories: SEGMENTS, source: "generator" },
  group: { categories: ["A", "B"], source: "generator" },
  label: { categories: ["0", "1"], source: "generator" },
};

/**
 * A seeded synthetic table with a biased label, an imbalanced group and a proxy of it.
 *
 * @example
 * ```ts
 * import { generateSynthetic } from "equipoise/data";
 * const table = generateSynthetic({ rows: 1000, minorityFraction: 0.2, seed: 1 });
 * table.names; // ["x1", "x2", "x3", "proxy", "segment", "group", "label"]
 * ```
 */
export function generateSynthetic(options: Partial<SyntheticOptions> = {}): Table {
  const { rows, minorityFraction, labelBias, proxyStrength, seed } = { ...SYNTHETIC_DEFAULTS, ...options };
  if (!(Number.isInteger(rows) && rows >= 2))
    throw new RangeError(`rows must be an integer ≥ 2, got ${rows}`);
  for (const [name, value] of [
    ["minorityFraction", minorityFraction],
    ["labelBias", labelBias],
    ["proxyStrength", proxyStrength],
  ] as const) {
    if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be in [0, 1], got ${value}`);
  }
  const random = createRandom(seed);
  const x1 = new Float64Array(rows);
  const x2 = new Float64Array(rows);
  const x3 = new Float64Array(rows);
  const proxy = new Float64Array(rows);
  const segment = new Int32Array(rows);
  const group = new Int32Array(rows);
  const label = new Int32Array(rows);
  const noiseScale = Math.sqrt(1 - proxyStrength * proxyStrength);
  for (let i = 0; i < rows; i++) {
    const inMinority = random.uniform() < minorityFraction;
    group[i] = inMinority ? 1 : 0;
    x1[i] = random.normal();
    x2[i] = random.normal();
    x3[i] = random.normal();
    const indicator = inMinority ? 1 : -1;
    proxy[i] = proxyStrength * indicator + noiseScale * random.normal();
    segment[i] = random.integer(SEGMENTS.length);
    const score = 1.5 * x1[i] - x2[i] - 0.5;
    let positive = random.uniform() < 1 / (1 + Math.exp(-score));
    if (positive && inMinority && random.uniform() < labelBias) positive = false;
    label[i] = positive ? 1 : 0;
  }
  const columns: Column[] = [
    { kind: "numeric", name: "x1", values: x1 },
    { kind: "numeric", name: "x2", values: x2 },
    { kind: "numeric", name: "x3", values: x3 },
    { kind: "numeric", name: "proxy", values: proxy },
    { kind: "categorical", name: "segment", categories: SEGMENTS, codes: segment },
    { kind: "categorical", name: "group", categories: ["A", "B"], codes: group },
    { kind: "categorical", name: "label", categories: ["0", "1"], codes: label },
  ];
  return new Table(columns);
}

export interface SyntheticTaskOptions {
  target?: string;
  sensitive?: string[];
  positive?: string;
  sensitiveInFeatures?: boolean;
  seed?: number;
  synthetic?: Partial<SyntheticOptions>;
}

export function syntheticSource(options: SyntheticTaskOptions = {}): TabularSource {
  return {
    name: "synthetic",
    table: generateSynthetic(options.synthetic),
    target: options.target ?? "label",
    positiveLabel: options.positive ?? (options.target === undefined ? "1" : undefined),
    sensitive: options.sensitive ?? ["group"],
    sensitiveInFeatures: options.sensitiveInFeatures ?? false,
    seed: options.seed ?? 0,
    metadata: SYNTHETIC_METADATA,
  };
}
