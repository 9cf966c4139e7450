/**
 * Attribute inference: how well an attacker who knows a record except its sensitive
 * attribute can guess that attribute, and how much of that the model adds. Three
 * attackers (after IBM ART's baseline and black-box attribute inference attacks) and
 * a floor:
 *   - majority: always the most frequent category of the attacker's training rows;
 *   - features: the record's non-sensitive features alone (no model access);
 *   - output: the model's released output on the record alone (its logits, and φ,
 *     which also uses the record's label);
 *   - both: features and output.
 * Each attacker is a logistic regression (one-vs-rest beyond two categories; the
 * scikit-learn objective of fairness/learner.ts, C = 1) on standardised inputs.
 * Protocol: 2-fold cross-fitting over the candidates, folds split within members and
 * within non-members; each fold's attackers train on the other fold (members and
 * non-members alike, as an attacker holding auxiliary records of both kinds) and are
 * scored separately on the fold's members and non-members. Accuracy is reported with
 * Clopper–Pearson intervals; the gap between "both" and "features" is what the model
 * reveals beyond what the features already do, and a gap between members and
 * non-members is what it memorised.
 */
import { UserError } from "../../common/errors.js";
import { createRandom, shuffleInPlace } from "../../common/rng.js";
import type { Matrix, SensitiveAttribute } from "../../data/types.js";
import { type FeatureMatrix, WeightedLogisticRegression } from "../../fairness/learner.js";
import type { AttributeInference } from "../document.js";
import { proportion } from "../statistics/clopper-pearson.js";

/**
 * What {@link attributeInference} reads: the candidates' features, the model's logits and φ on them, the sensitive attribute, and membership.
 *
 * @example
 * ```ts
 * import { type AttributeInferenceInput, attributeInference } from "equipoise/audit/light";
 * import type { Split } from "equipoise/data";
 * declare const candidates: Split; declare const featureNames: string[]; // the audited rows, preprocessed
 * declare const logits: Float32Array; declare const phi: Float64Array; // the target's outputs on them (one logit: binary)
 * declare const isMember: Uint8Array; // 1 for the candidates the target trained on
 * const input: AttributeInferenceInput = {
 *   features: candidates.X, featureNames, logits, outputs: 1, phi,
 *   attribute: candidates.sensitive[0], isMember, seed: 0,
 * };
 * const inference = attributeInference(input); // accuracy of each attacker on members and non-members
 * ```
 */
export interface AttributeInferenceInput {
  /** The candidates' preprocessed features (the model's input). */
  features: Matrix;
  featureNames: readonly string[];
  /** The model's logits on the candidates, row-major [rows, outputs]. */
  logits: ArrayLike<number>;
  outputs: number;
  /** φ of each candidate under the model. */
  phi: ArrayLike<number>;
  attribute: SensitiveAttribute;
  isMember: ArrayLike<number>;
  seed: number;
  /** Further feature columns to hide: those the attribute was derived from (german-credit's personal_status). */
  hide?: readonly string[];
}

/**
 * The feature columns that encode the given table columns: "sex" or "sex=Female" for sex.
 *
 * @example
 * ```ts
 * import { attributeColumns } from "equipoise/audit/light";
 * attributeColumns(["age", "sex=Female", "sex=Male", "race=White"], "sex"); // [1, 2]
 * ```
 */
export function attributeColumns(featureNames: readonly string[], ...columns: string[]): number[] {
  const out: number[] = [];
  featureNames.forEach((name, j) => {
    if (columns.some((column) => name === column || name.startsWith(`${column}=`))) out.push(j);
  });
  return out;
}

/** Columns standardised on the training rows (constant columns are centred only). */
function standardise(columns: Float64Array[], trainRows: Int32Array): Float64Array[] {
  return columns.map((column) => {
    let mean = 0;
    for (const i of trainRows) mean += column[i];
    mean /= trainRows.length;
    let variance = 0;
    for (const i of trainRows) variance += (column[i] - mean) ** 2;
    const sd = Math.sqrt(variance / trainRows.length);
    const scale = sd > 1e-12 ? 1 / sd : 1;
    return column.map((v) => (v - mean) * scale);
  });
}

function matrixOf(columns: Float64Array[], rows: Int32Array): FeatureMatrix {
  const cols = columns.length;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((i, r) => {
    for (let j = 0; j < cols; j++) data[r * cols + j] = columns[j][i];
  });
  return { rows: rows.length, cols, data };
}

/** Predicted category of each test row by one-vs-rest logistic regressions. */
function predictCategories(
  columns: Float64Array[],
  codes: Int32Array,
  train: Int32Array,
  test: Int32Array,
): Int32Array {
  const scaled = standardise(columns, train);
  const trainX = matrixOf(scaled, train);
  const testX = matrixOf(scaled, test);
  const present = [...new Set(Array.from(train, (i) => codes[i]))].sort((a, b) => a - b);
  if (present.length === 1) return new Int32Array(test.length).fill(present[0]);
  const targets = present.length === 2 ? [present[1]] : present;
  const scores = targets.map((code) => {
    const learner = new WeightedLogisticRegression();
    learner.fit(
      trainX,
      Float64Array.from(train, (i) => (codes[i] === code ? 1 : 0)),
    );
    return learner.predictProba(testX);
  });
  return Int32Array.from(test, (_, r) => {
    if (present.length === 2) return scores[0][r] >= 0.5 ? present[1] : present[0];
    let best = 0;
    for (let t = 1; t < targets.length; t++) if (scores[t][r] > scores[best][r]) best = t;
    return targets[best];
  });
}

function majorityOf(codes: Int32Array, train: Int32Array): number {
  const counts = new Map<number, number>();
  for (const i of train) counts.set(codes[i], (counts.get(codes[i]) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
}

/**
 * Attribute inference on the candidates: the four attackers' accuracy for members and non-members (see the module comment).
 *
 * @example
 * ```ts
 * import { attributeInference } from "equipoise/audit/light";
 * import type { Matrix, SensitiveAttribute } from "equipoise/data";
 * // candidates' features, logits and φ under the target; sex: their SensitiveAttribute
 * declare const features: Matrix, featureNames: string[], logits: Float32Array, phi: Float64Array;
 * declare const sex: SensitiveAttribute, isMember: Uint8Array; // from the task's sensitive column; 1 = trained on
 * const result = attributeInference({ features, featureNames, logits, outputs: 1, phi, attribute: sex, isMember, seed: 0 });
 * // does the model let an attacker guess sex better for members than for non-members?
 * ```
 */
export function attributeInference(input: AttributeInferenceInput): AttributeInference {
  const { features, attribute, isMember } = input;
  const n = features.rows;
  if (attribute.codes.length !== n || isMember.length !== n || input.phi.length !== n) {
    throw new RangeError(`attribute inference: inputs of different lengths (${n} rows)`);
  }
  const rows = Int32Array.from({ length: n }, (_, i) => i).filter((i) => attribute.codes[i] >= 0);
  const categories = new Set(Array.from(rows, (i) => attribute.codes[i]));
  if (categories.size < 2) {
    throw new UserError(
      `attribute inference of '${attribute.name}' needs at least two groups among the candidates`,
    );
  }
  const hidden = new Set(attributeColumns(input.featureNames, attribute.name, ...(input.hide ?? [])));
  for (const column of input.hide ?? []) {
    if (attributeColumns(input.featureNames, column).length === 0) {
      throw new UserError(`--hide: '${column}' is not a feature column of the model's input`);
    }
  }
  const featureColumns: Float64Array[] = [];
  for (let j = 0; j < features.cols; j++) {
    if (hidden.has(j)) continue;
    featureColumns.push(Float64Array.from({ length: n }, (_, i) => features.data[i * features.cols + j]));
  }
  const outputColumns: Float64Array[] = [];
  for (let k = 0; k < input.outputs; k++) {
    outputColumns.push(Float64Array.from({ length: n }, (_, i) => input.logits[i * input.outputs + k]));
  }
  outputColumns.push(Float64Array.from(input.phi));

  // Two folds, split within members and within non-members.
  const random = createRandom(input.seed);
  const fold = new Int8Array(n).fill(-1);
  for (const wanted of [1, 0]) {
    const group = Array.from(rows).filter((i) => (isMember[i] ? 1 : 0) === wanted);
    shuffleInPlace(group, random);
    group.forEach((i, k) => {
      fold[i] = k % 2;
    });
  }
  const attackers = [
    {
      attacker: "majority" as const,
      description: "the most frequent group of the attacker's rows",
      columns: null,
    },
    {
      attacker: "features" as const,
      description: "non-sensitive features alone (no model access)",
      columns: featureColumns,
    },
    {
      attacker: "output" as const,
      description: "the model's output alone (its logits, and φ, which uses the record's label)",
      columns: outputColumns,
    },
    {
      attacker: "both" as const,
      description: "non-sensitive features and the model's output",
      columns: [...featureColumns, ...outputColumns],
    },
  ];
  const codes = attribute.codes;
  return {
    attribute: attribute.name,
    categories: [...attribute.categories],
    hiddenFeatures: [...hidden].map((j) => input.featureNames[j]),
    protocol:
      "2-fold cross-fitting over the candidates (folds split within members and non-members); one-vs-rest logistic regression (C = 1) on standardised inputs; accuracy with 95 % Clopper–Pearson intervals",
    attackers: attackers.map(({ attacker, description, columns }) => {
      const correct = { members: 0, nonMembers: 0 };
      const totals = { members: 0, nonMembers: 0 };
      for (const f of [0, 1]) {
        const train = rows.filter((i) => fold[i] !== f);
        const test = rows.filter((i) => fold[i] === f);
        const predicted = columns
          ? predictCategories(columns, codes, train, test)
          : new Int32Array(test.length).fill(majorityOf(codes, train));
        test.forEach((i, r) => {
          const key = isMember[i] ? "members" : "nonMembers";
          totals[key]++;
          if (predicted[r] === codes[i]) correct[key]++;
        });
      }
      return {
        attacker,
        description,
        members: proportion(correct.members, totals.members),
        nonMembers: proportion(correct.nonMembers, totals.nonMembers),
      };
    }),
  };
}
