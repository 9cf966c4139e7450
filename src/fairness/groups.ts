/**
 * Groups defined by one or several sensitive features. With several features the
 * groups are their intersections (every combination of categories), in lexicographic
 * order of the category codes, as pandas' groupby orders Fairlearn's MultiIndex.
 */
import { DataError } from "../common/errors.js";

/** A coded categorical column (the shape of src/data's SensitiveAttribute). */
export interface CodedFeature {
  name: string;
  categories: string[];
  codes: ArrayLike<number>;
}

/** Raw values; categories are their distinct values, sorted (numbers numerically). */
export interface ValuedFeature {
  name: string;
  values: ArrayLike<string | number>;
}

export type SensitiveFeature = CodedFeature | ValuedFeature;

export interface Group {
  /** "Female" or, for intersections, "Female, White". */
  label: string;
  /** The category of each sensitive feature, in feature order. */
  values: string[];
  /** Row indices of the members. */
  indices: Int32Array;
}

export interface Grouping {
  featureNames: string[];
  /** Groups with at least one member. */
  groups: Group[];
  /** Group index of every row. */
  groupOfRow: Int32Array;
  /** Labels of category combinations without members. */
  emptyGroups: string[];
}

export function toCodedFeature(feature: SensitiveFeature): CodedFeature {
  if ("codes" in feature) return feature;
  const raw = Array.from(feature.values as ArrayLike<string | number>);
  const numeric = raw.every((v) => typeof v === "number");
  const distinct = [...new Set(raw)];
  distinct.sort((a, b) =>
    numeric ? (a as number) - (b as number) : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0,
  );
  const index = new Map(distinct.map((v, i) => [v, i]));
  const codes = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) codes[i] = index.get(raw[i])!;
  return { name: feature.name, categories: distinct.map(String), codes };
}

export function groupRows(features: SensitiveFeature[], rows: number): Grouping {
  if (features.length === 0) throw new DataError("at least one sensitive feature is needed");
  const coded = features.map(toCodedFeature);
  for (const f of coded) {
    if (f.codes.length !== rows) {
      throw new DataError(`sensitive feature '${f.name}' has ${f.codes.length} values, expected ${rows}`);
    }
  }
  // Mixed-radix key over the category codes; the first feature is the most significant.
  const radices = coded.map((f) => f.categories.length);
  const combinations = radices.reduce((a, b) => a * b, 1);
  const keyOfRow = new Int32Array(rows);
  const members = new Int32Array(combinations);
  for (let i = 0; i < rows; i++) {
    let key = 0;
    for (let f = 0; f < coded.length; f++) {
      const code = coded[f].codes[i];
      if (!(code >= 0 && code < radices[f])) {
        throw new DataError(`sensitive feature '${coded[f].name}' has an invalid code ${code} at row ${i}`);
      }
      key = key * radices[f] + code;
    }
    keyOfRow[i] = key;
    members[key]++;
  }
  const groups: Group[] = [];
  const emptyGroups: string[] = [];
  const groupOfKey = new Int32Array(combinations).fill(-1);
  for (let key = 0; key < combinations; key++) {
    const values: string[] = [];
    let rest = key;
    for (let f = coded.length - 1; f >= 0; f--) {
      values.unshift(coded[f].categories[rest % radices[f]]);
      rest = Math.floor(rest / radices[f]);
    }
    const label = values.join(", ");
    if (members[key] === 0) {
      emptyGroups.push(label);
      continue;
    }
    groupOfKey[key] = groups.length;
    groups.push({ label, values, indices: new Int32Array(members[key]) });
  }
  const filled = new Int32Array(groups.length);
  const groupOfRow = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const g = groupOfKey[keyOfRow[i]];
    groupOfRow[i] = g;
    groups[g].indices[filled[g]++] = i;
  }
  return { featureNames: coded.map((f) => f.name), groups, groupOfRow, emptyGroups };
}
